/*
 * ahcipub.h - what the AHCI driver offers besides the standard disk requests:
 * the names of its devices, two private IOCTLs (statistics, and a test hook),
 * and the boot options it reads. Tests, the benchmark and the shell use this;
 * a file system would need none of it (docs/ahci.md).
 *
 * Every disk found is \Device\Harddisk<N>\DR0, N counting from 0 in the order
 * the disks are found (controller by controller, port by port). It serves
 * IRP_MJ_READ / IRP_MJ_WRITE (direct I/O, whole 512-byte sectors inside the
 * disk, else STATUS_INVALID_PARAMETER; zero length succeeds with 0 bytes),
 * IRP_MJ_FLUSH_BUFFERS, IOCTL_DISK_GET_DRIVE_GEOMETRY(_EX) and
 * IOCTL_STORAGE_QUERY_PROPERTY (StorageDeviceProperty).
 *
 * Boot options:
 *   ahci.msi=0           connect the legacy INTx line instead of MSI
 *   ahci.ncq=0           use READ/WRITE DMA EXT even when the disk has NCQ
 *   ahci.timeout_ms=N    a command not finished after N ms is timed out
 *                        (default 10000)
 *   ahci.max_piece=N     split requests into pieces of at most N bytes
 *                        (a multiple of 512), to exercise split transfers
 *   ahci.lose=N          the ISR drops the completions of the first N
 *                        interrupts it sees (the lost-interrupt hook): the
 *                        commands look hung until the timeout catches them
 */
#ifndef AHCIPUB_H
#define AHCIPUB_H

#include "wdm.h"

#define AHCI_MAX_DISKS 16
#define AHCI_SECTOR_SIZE 512

/* "\\Device\\Harddisk%u\\DR0" */
#define AHCI_DEVICE_NAME_FORMAT "\\Device\\Harddisk%u\\DR0"

/* Counters of one disk since boot (or since the last reset via the hook). */
typedef struct _AHCI_DISK_STATISTICS {
    ULONG64 Requests;        /* IRPs accepted for the device (read, write, flush) */
    ULONG64 Completed;       /* IRPs this driver completed after queuing them */
    ULONG64 Commands;        /* commands issued to the port (pieces and retries count) */
    ULONG64 NcqCommands;     /* of those, READ/WRITE FPDMA QUEUED */
    ULONG64 Interrupts;      /* ISR calls that found this port's bit in IS */
    ULONG64 DpcRuns;         /* CustomDpc runs for this port */
    ULONG64 SplitPieces;     /* pieces beyond the first of split requests */
    ULONG64 Errors;          /* task-file errors (PxIS.TFES) seen */
    ULONG64 Timeouts;        /* commands the timer found hung */
    ULONG64 Recoveries;      /* port recoveries (stop, COMRESET, restart) */
    ULONG64 Retries;         /* commands issued again after an error or timeout */
    ULONG64 Failed;          /* IRPs completed with an error status */
    ULONG64 LostInterrupts;  /* completions the lost-interrupt hook dropped */
    ULONG MaxOutstanding;    /* most slots busy at once */
    ULONG NcqDepth;          /* slots used: IDENTIFY's queue depth, or 1 without NCQ */
    ULONG64 SectorCount;     /* the disk's size in sectors */
    ULONG Port;              /* the HBA port */
    BOOLEAN Ncq;             /* queued commands in use */
    BOOLEAN Msi;             /* the controller's interrupt is an MSI */
} AHCI_DISK_STATISTICS, *PAHCI_DISK_STATISTICS;

/* METHOD_BUFFERED, output AHCI_DISK_STATISTICS. */
#define IOCTL_AHCI_QUERY_STATISTICS CTL_CODE(FILE_DEVICE_DISK, 0x0900, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* METHOD_BUFFERED, input AHCI_TEST_HOOKS: the lost-interrupt hook, as the
 * option ahci.lose sets it at boot, and a reset of the counters. */
typedef struct _AHCI_TEST_HOOKS {
    ULONG LoseInterrupts;   /* the ISR drops the completions of this many next interrupts */
    ULONG TimeoutMs;        /* 0: leave the timeout as it is */
    ULONG MaxPieceBytes;    /* split requests into pieces of at most this (a multiple of
                               512); 0: leave the limit as it is (ahci.max_piece, else
                               only the hardware's: 32 MiB, 248 PRDs) */
    BOOLEAN ResetStatistics;
} AHCI_TEST_HOOKS, *PAHCI_TEST_HOOKS;

#define IOCTL_AHCI_SET_TEST_HOOKS CTL_CODE(FILE_DEVICE_DISK, 0x0901, METHOD_BUFFERED, FILE_ANY_ACCESS)

#endif /* AHCIPUB_H */
