/*
 * diskfilter.h - the disk filter's one IOCTL, and what it answers.
 * (Included by the filter and by whoever wants the numbers.)
 */
#ifndef DISKFILTER_H
#define DISKFILTER_H

#include <wdm.h>

/* The device the filter attaches above. (A PnP filter would be handed its
 * device in AddDevice; without a PnP manager, it looks it up by name.) */
#define DISKFILTER_TARGET_NAME L"\\Device\\RamDisk0"

/* Functions 0x800 and up are the vendor's own; Microsoft's are below. */
#define IOCTL_DISKFILTER_GET_STATISTICS CTL_CODE(FILE_DEVICE_DISK, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* Counted as requests pass down, and as they come back up. */
typedef struct _DISKFILTER_STATISTICS {
    LONG Reads;              /* IRP_MJ_READ requests sent down */
    LONG Writes;             /* IRP_MJ_WRITE */
    LONG Others;             /* everything else (flushes, IOCTLs, ...) */
    LONG Completed;          /* requests whose completion routine has run */
    LONG Failed;             /* ... with an error status (cancelled ones too) */
    LONG64 BytesRead;        /* IoStatus.Information of successful reads */
    LONG64 BytesWritten;     /* ... and writes */
    LONG64 TotalTime;        /* dispatch to completion, summed, in performance-counter counts */
    LONG64 CounterFrequency; /* counts per second, to turn TotalTime into seconds */
} DISKFILTER_STATISTICS, *PDISKFILTER_STATISTICS;

#endif /* DISKFILTER_H */
