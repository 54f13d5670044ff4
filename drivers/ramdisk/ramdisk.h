/*
 * ramdisk.h - what the RAM disk shows the world: its name and its shape.
 * (Included by the driver and by the tests that talk to it.)
 */
#ifndef RAMDISK_H
#define RAMDISK_H

#include <wdm.h>

#define RAMDISK_DEVICE_NAME L"\\Device\\RamDisk0"
#define RAMDISK_SECTOR_SIZE 512
#define RAMDISK_SECTORS_PER_TRACK 32
#define RAMDISK_TRACKS_PER_CYLINDER 2
#define RAMDISK_CYLINDERS 64
#define RAMDISK_SIZE                                                                                                   \
    ((ULONG)RAMDISK_CYLINDERS * RAMDISK_TRACKS_PER_CYLINDER * RAMDISK_SECTORS_PER_TRACK * RAMDISK_SECTOR_SIZE)

#endif /* RAMDISK_H */
