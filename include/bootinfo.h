/*
 * bootinfo.h - what a boot loader tells the kernel, in the kernel's own format.
 *
 * Three loaders start this kernel: GRUB (multiboot2, BIOS or UEFI), QEMU's
 * direct `-kernel` boot (Xen PVH) and our own GNU-EFI loader (boot/efi). Each
 * speaks a different protocol, so the very first thing the kernel does is copy
 * what its loader said into one BOOT_INFO. Nothing after that reads a loader's
 * structures: a new loader only has to fill this one.
 *
 * The structure is plain data with fixed-width fields so that the EFI loader
 * (built with a different compiler setup) lays it out identically.
 */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC 0x4F4F424BU /* "KBOO": the GNU-EFI loader's handshake */
#define BOOT_INFO_VERSION 1

#define BOOT_MAX_MEMORY_RANGES 128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_SIZE 256

/* Memory range types, the E820 / multiboot2 values. */
enum {
    BOOT_MEMORY_USABLE = 1,
    BOOT_MEMORY_RESERVED = 2,
    BOOT_MEMORY_ACPI_RECLAIMABLE = 3,
    BOOT_MEMORY_ACPI_NVS = 4,
    BOOT_MEMORY_BAD = 5,
};

/* Which loader filled the structure. */
enum {
    BOOT_LOADER_MULTIBOOT2_BIOS = 1,
    BOOT_LOADER_MULTIBOOT2_UEFI = 2,
    BOOT_LOADER_PVH = 3,
    BOOT_LOADER_GNU_EFI = 4,
};

typedef struct _BOOT_MEMORY_RANGE {
    uint64_t Base;
    uint64_t Length;
    uint32_t Type;
    uint32_t Reserved;
} BOOT_MEMORY_RANGE;

typedef struct _BOOT_MODULE {
    uint64_t Start; /* physical, inclusive */
    uint64_t End;   /* physical, exclusive */
    char Name[64];
} BOOT_MODULE;

typedef struct _BOOT_FRAMEBUFFER {
    uint64_t Address; /* physical; 0 when there is none */
    uint32_t Pitch;
    uint32_t Width;
    uint32_t Height;
    uint8_t Bpp;
    uint8_t Reserved[3];
} BOOT_FRAMEBUFFER;

typedef struct _BOOT_INFO {
    uint32_t Magic;   /* BOOT_INFO_MAGIC */
    uint32_t Version; /* BOOT_INFO_VERSION */
    uint32_t Loader;  /* BOOT_LOADER_* */
    uint32_t MemoryRangeCount;
    BOOT_MEMORY_RANGE MemoryRanges[BOOT_MAX_MEMORY_RANGES];

    /* ACPI: a copy of the RSDP the loader found (multiboot2 hands over a
     * copy, not an address). Revision 0 has 20 meaningful bytes (RSDT only),
     * revision 2 has 36 (adds the XSDT). RsdpLength is 0 when none was found. */
    uint8_t AcpiRsdp[36];
    uint32_t AcpiRsdpLength;
    uint32_t FromUefi; /* the loader ran on UEFI firmware */
    uint32_t Reserved0;

    BOOT_FRAMEBUFFER Framebuffer;

    uint32_t ModuleCount;
    uint32_t Reserved;
    BOOT_MODULE Modules[BOOT_MAX_MODULES];

    char CommandLine[BOOT_CMDLINE_SIZE];
} BOOT_INFO;

#endif /* BOOTINFO_H */
