/*
 * disk_helpers.h - what the AHCI disk suites share (test_disk*.c): opening
 * \Device\Harddisk<N>\DR0, sending it requests the way a file system would,
 * the boot options tools/disktest.py passes, and the disk's layout.
 *
 * The disk tests need a disk that holds the test pattern (lib/rtl_pattern.c):
 * tools/disktest.py makes one and boots the kernel with it, saying so on the
 * command line:
 *
 *   disktest.seed=S            disk N holds the pattern of seed S + N
 *   disktest.sectors=A,B,..    the disks' sizes in sectors, disk 0 first
 *   disktest.ports=P,Q,..      the HBA port each disk is on
 *
 * Without a disk every test skips. Without disktest.seed= (a disk of the
 * student's own) the tests that read the pattern or write skip too: a test
 * never writes to a disk it was not given.
 *
 * Layout of disk 0 (at least 64 MiB): the tests only read [0, 32 MiB) and
 * [60 MiB, end), and write in between (the DK_*_AT below; [40 MiB + 2 KiB,
 * 44 MiB) is left for tools/disktest.py's bad sector of the write faults).
 * Every successful write that stays on the disk is announced with a line
 *
 *   # disktest-wrote disk=N offset=0xO length=0xL seed=0xS
 *
 * and tools/disktest.py checks, after QEMU has exited, that the image holds
 * exactly the original pattern with those regions replaced.
 */
#ifndef DISK_HELPERS_H
#define DISK_HELPERS_H

#include "ktest.h"
#include "threadtest.h"
#include "io/iop.h"
#include "ke/ke.h"
#include "ke/prcb.h"
#include "rtl.h"
#include "../../drivers/ahci/ahcipub.h"

#define DK_TAG POOL_TAG('T', 'D', 's', 'k')
#define DK_SECTOR AHCI_SECTOR_SIZE
#define DK_MIB (1024ULL * 1024)

/* The layout of disk 0 (see above). */
#define DK_READ_ONLY_END (32 * DK_MIB) /* [0, here): only read */
#define DK_BIG_WRITE_AT (32 * DK_MIB)  /* the 8 MiB write */
#define DK_LOAD_WRITE_AT (44 * DK_MIB) /* the load's writes, split among its threads */
#define DK_LOAD_WRITE_SIZE (8 * DK_MIB)
#define DK_SCATTER_WRITE_AT (52 * DK_MIB) /* a write from scattered pages, under 4 MiB */
#define DK_HOST_WRITE_AT (56 * DK_MIB)    /* the second pattern, for the host to check */
#define DK_HOST_WRITE_SIZE (4 * DK_MIB)
#define DK_TAIL_AT (60 * DK_MIB) /* [here, end): only read */
#define DK_MIN_BYTES (64 * DK_MIB)

/* A request that should end quickly is waited for this long at most: far
 * more than any correct driver needs, so only a lost IRP reaches it. */
#define DK_PATIENCE KT_MS(60000)

/* ---- boot options ---- */

/* Item Index of a comma-separated list of numbers in option Name. */
static inline BOOLEAN DkOptionItem(PCSTR Name, ULONG Index, ULONG64 *Value)
{
    char Text[128], Item[24];
    PCSTR P = Text;

    if (!KeGetOption(Name, Text, sizeof(Text)))
        return FALSE;
    for (ULONG i = 0;; i++) {
        SIZE_T N = 0;
        while (P[N] && P[N] != ',')
            N++;
        if (i == Index) {
            if (N == 0 || N >= sizeof(Item))
                return FALSE;
            memcpy(Item, P, N);
            Item[N] = 0;
            return RtlParseNumber(Item, Value);
        }
        if (P[N] == 0)
            return FALSE;
        P += N + 1;
    }
}

/* The seed of disk Index's pattern; FALSE when the boot did not say. */
static inline BOOLEAN DkPatternSeed(ULONG Index, ULONG64 *Seed)
{
    if (!KeHasOption("disktest.seed"))
        return FALSE;
    *Seed = KeGetOptionNumber("disktest.seed", 0) + Index;
    return TRUE;
}

/* How many disks the boot says it has (disktest.sectors=), 0 if it does not. */
static inline ULONG DkConfiguredDisks(VOID)
{
    ULONG64 Value;
    ULONG Count = 0;

    while (Count < AHCI_MAX_DISKS && DkOptionItem("disktest.sectors", Count, &Value))
        Count++;
    return Count;
}

/* ---- a deterministic generator (tests never use the clock) ---- */

typedef struct _DK_RANDOM {
    ULONG64 Seed;
    ULONG64 Next;
} DK_RANDOM;

static inline VOID DkSeedRandom(DK_RANDOM *Random, ULONG64 Seed)
{
    Random->Seed = Seed;
    Random->Next = 0;
}

/* A number in [0, Limit); Limit > 0. The pattern's words are a fine source. */
static inline ULONG64 DkRandomBelow(DK_RANDOM *Random, ULONG64 Limit)
{
    return RtlPatternWord(Random->Seed, Random->Next++) % Limit;
}

/* ---- the disk ---- */

typedef struct _DK_DISK {
    ULONG Index;
    PDEVICE_OBJECT Top;
    PFILE_OBJECT File;
    ULONG Alignment; /* a buffer's address must be a multiple of this */
} DK_DISK;

/* Opens \Device\Harddisk<Index>\DR0; FALSE if there is no such disk. */
static inline BOOLEAN DkOpen(ULONG Index, DK_DISK *Disk)
{
    char Name[64];
    WCHAR WideName[64];
    UNICODE_STRING Unicode;

    RtlFormatString(Name, sizeof(Name), AHCI_DEVICE_NAME_FORMAT, Index);
    for (ULONG i = 0; i < sizeof(Name); i++) {
        WideName[i] = (WCHAR)Name[i];
        if (Name[i] == 0)
            break;
    }
    RtlInitUnicodeString(&Unicode, WideName);
    RtlZeroMemory(Disk, sizeof(*Disk));
    Disk->Index = Index;
    if (!NT_SUCCESS(IoGetDeviceObjectPointer(&Unicode, FILE_READ_DATA, &Disk->File, &Disk->Top)))
        return FALSE;
    Disk->Alignment = Disk->Top->AlignmentRequirement + 1;
    return TRUE;
}

static inline VOID DkClose(DK_DISK *Disk)
{
    if (Disk->File != NULL)
        ObDereferenceObject(Disk->File);
    Disk->File = NULL;
    Disk->Top = NULL;
}

/* Opens disk Index for a test, or marks the test skipped and returns FALSE:
 * when there is no disk, or (NeedPattern) the boot did not say that the disk
 * holds the test pattern. */
static inline BOOLEAN DkOpenForTest(KTEST_CONTEXT *Kt, ULONG Index, BOOLEAN NeedPattern, DK_DISK *Disk)
{
    ULONG64 Seed;

    if (!DkOpen(Index, Disk)) {
        KtSkip(Kt, "no such disk (tools/disktest.py boots with disks)");
        return FALSE;
    }
    if (NeedPattern && !DkPatternSeed(Index, &Seed)) {
        DkClose(Disk);
        KtSkip(Kt, "no disktest.seed=: the disk does not hold the test pattern, and is not written to");
        return FALSE;
    }
    return TRUE;
}

/* ---- requests ---- */

/* One read, write or flush in flight: start it with DkStart, which returns
 * at once, and collect it with DkFinish. Several may be in flight at once,
 * from one thread: that is how the tests keep the disk's queue full. */
typedef struct _DK_REQUEST {
    KEVENT Event;
    IO_STATUS_BLOCK Iosb;
    NTSTATUS Status; /* STATUS_PENDING until DkFinish */
    BOOLEAN Pending;
} DK_REQUEST;

static inline VOID DkStart(DK_DISK *Disk, DK_REQUEST *Request, ULONG Major, PVOID Buffer, ULONG Length, LONGLONG Offset)
{
    LARGE_INTEGER Start = {.QuadPart = Offset};

    RtlZeroMemory(Request, sizeof(*Request));
    KeInitializeEvent(&Request->Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(Major, Disk->Top, Buffer, Length, &Start, &Request->Event, &Request->Iosb);
    if (Irp == NULL) {
        Request->Status = STATUS_INSUFFICIENT_RESOURCES;
        return;
    }
    Request->Status = IoCallDriver(Disk->Top, Irp);
    Request->Pending = Request->Status == STATUS_PENDING;
}

/* Waits for the request (DK_PATIENCE at most) and returns its status;
 * Information (optional) gets the bytes moved. STATUS_TIMEOUT: it never
 * came back, and the test has failed. */
static inline NTSTATUS DkFinish(DK_REQUEST *Request, PULONG_PTR Information)
{
    if (Request->Pending) {
        LARGE_INTEGER Timeout = {.QuadPart = -DK_PATIENCE};
        if (KeWaitForSingleObject(&Request->Event, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
            return STATUS_TIMEOUT;
        Request->Pending = FALSE;
        Request->Status = Request->Iosb.Status;
    }
    if (Information != NULL)
        *Information = Request->Iosb.Information;
    return Request->Status;
}

/* READ, WRITE or FLUSH_BUFFERS, synchronously. */
static inline NTSTATUS DkTransfer(DK_DISK *Disk, ULONG Major, PVOID Buffer, ULONG Length, LONGLONG Offset,
                                  PULONG_PTR Information)
{
    DK_REQUEST Request;

    DkStart(Disk, &Request, Major, Buffer, Length, Offset);
    return DkFinish(&Request, Information);
}

/* A METHOD_BUFFERED IOCTL, synchronously. */
static inline NTSTATUS DkIoctl(DK_DISK *Disk, ULONG Code, PVOID Input, ULONG InputLength, PVOID Output,
                               ULONG OutputLength, PULONG_PTR Information)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb = {0};
    NTSTATUS Status;

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp =
        IoBuildDeviceIoControlRequest(Code, Disk->Top, Input, InputLength, Output, OutputLength, FALSE, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Status = IoCallDriver(Disk->Top, Irp);
    if (Status == STATUS_PENDING) {
        LARGE_INTEGER Timeout = {.QuadPart = -DK_PATIENCE};
        if (KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
            return STATUS_TIMEOUT;
        Status = Iosb.Status;
    }
    if (Information != NULL)
        *Information = Iosb.Information;
    return Status;
}

static inline NTSTATUS DkStatistics(DK_DISK *Disk, AHCI_DISK_STATISTICS *Statistics)
{
    RtlZeroMemory(Statistics, sizeof(*Statistics));
    return DkIoctl(Disk, IOCTL_AHCI_QUERY_STATISTICS, NULL, 0, Statistics, sizeof(*Statistics), NULL);
}

static inline NTSTATUS DkSetHooks(DK_DISK *Disk, ULONG LoseInterrupts, ULONG TimeoutMs, BOOLEAN Reset)
{
    AHCI_TEST_HOOKS Hooks = {.LoseInterrupts = LoseInterrupts, .TimeoutMs = TimeoutMs, .ResetStatistics = Reset};
    return DkIoctl(Disk, IOCTL_AHCI_SET_TEST_HOOKS, &Hooks, sizeof(Hooks), NULL, 0, NULL);
}

/* ---- buffers and the pattern ---- */

/* A pool buffer of Length bytes that starts Skew bytes after an allocation
 * (so a request's buffer can begin mid-page). Free it with DkFree(Buffer, Skew). */
static inline PUCHAR DkAllocate(SIZE_T Length, ULONG Skew)
{
    PUCHAR Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, Length + Skew, DK_TAG);
    return Block == NULL ? NULL : Block + Skew;
}

static inline VOID DkFree(PUCHAR Buffer, ULONG Skew)
{
    if (Buffer != NULL)
        ExFreePoolWithTag(Buffer - Skew, DK_TAG);
}

/* A random skew that the disk's alignment allows, below 4 KiB: 0 now and
 * then, so page-aligned buffers are covered too. */
static inline ULONG DkRandomSkew(DK_DISK *Disk, DK_RANDOM *Random)
{
    ULONG Steps = PAGE_SIZE / Disk->Alignment;
    return DkRandomBelow(Random, 4) == 0 ? 0 : (ULONG)DkRandomBelow(Random, Steps) * Disk->Alignment;
}

/* Reads [Offset, Offset + Length) and checks it against the pattern Seed.
 * Returns the read's status, or STATUS_UNSUCCESSFUL (after a diagnostic)
 * when the data is wrong. */
static inline NTSTATUS DkReadAndCheck(DK_DISK *Disk, ULONG64 Seed, ULONG64 Offset, ULONG Length, ULONG Skew)
{
    PUCHAR Buffer = DkAllocate(Length, Skew);
    ULONG_PTR Moved = 0;
    NTSTATUS Status;

    if (Buffer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlFillMemory(Buffer, Length, 0xA5);
    Status = DkTransfer(Disk, IRP_MJ_READ, Buffer, Length, (LONGLONG)Offset, &Moved);
    if (NT_SUCCESS(Status)) {
        LONG64 Bad = RtlCheckPattern(Seed, Offset, Buffer, Length);
        if (Bad >= 0 || Moved != Length) {
            KtInfo("disk %u: read of 0x%x bytes at 0x%llx (buffer skew %u): %s at byte 0x%llx, %u bytes moved",
                   Disk->Index, Length, Offset, Skew, Bad >= 0 ? "wrong data" : "right data", (ULONG64)Bad,
                   (ULONG)Moved);
            Status = STATUS_UNSUCCESSFUL;
        }
    }
    DkFree(Buffer, Skew);
    return Status;
}

/* Writes the pattern Seed to [Offset, Offset + Length). */
static inline NTSTATUS DkWritePattern(DK_DISK *Disk, ULONG64 Seed, ULONG64 Offset, ULONG Length, ULONG Skew)
{
    PUCHAR Buffer = DkAllocate(Length, Skew);
    ULONG_PTR Moved = 0;
    NTSTATUS Status;

    if (Buffer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlFillPattern(Seed, Offset, Buffer, Length);
    Status = DkTransfer(Disk, IRP_MJ_WRITE, Buffer, Length, (LONGLONG)Offset, &Moved);
    if (NT_SUCCESS(Status) && Moved != Length) {
        KtInfo("disk %u: write of 0x%x bytes at 0x%llx moved %u", Disk->Index, Length, Offset, (ULONG)Moved);
        Status = STATUS_UNSUCCESSFUL;
    }
    DkFree(Buffer, Skew);
    return Status;
}

/* Tells tools/disktest.py what the disk now holds at [Offset, Offset + Length). */
static inline VOID DkAnnounceWrite(DK_DISK *Disk, ULONG64 Offset, ULONG64 Length, ULONG64 Seed)
{
    KtInfo("disktest-wrote disk=%u offset=0x%llx length=0x%llx seed=0x%llx", Disk->Index, Offset, Length, Seed);
}

/* ---- the load: threads on every processor, each keeping several requests
 * in flight (test_disk_load.c) ---- */

typedef struct _DK_LOAD {
    /* in */
    DK_DISK *Disk;
    ULONG64 Seed;     /* the disk's pattern: what reads must find */
    ULONG64 ReadBase; /* reads fall in [ReadBase, ReadBase + ReadBytes) */
    ULONG64 ReadBytes;
    ULONG64 WriteBase; /* 0: no writes; else [WriteBase, + WriteBytes) is split among the threads */
    ULONG64 WriteBytes;
    ULONG64 WriteSeed; /* what the writes write */
    ULONG64 BadSector; /* ~0: none; else every round reads once across it */
    BOOLEAN BadFails;  /* a read across BadSector must fail with STATUS_IO_DEVICE_ERROR */
    ULONG Threads;     /* 0: two per processor, at least 4 */
    ULONG Depth;       /* requests each thread keeps in flight (<= DK_LOAD_MAX_DEPTH) */
    ULONG Rounds;
    /* out */
    volatile LONG Requests;          /* requests sent */
    volatile LONG Failures;          /* requests that ended other than expected (each told by a diagnostic) */
    volatile LONG BadSectorRequests; /* requests across BadSector */
    volatile LONG Flushes;           /* flushes among them */
} DK_LOAD;

#define DK_LOAD_MAX_DEPTH 16
#define DK_LOAD_MAX_THREADS 16
#define DK_LOAD_MAX_READ (128 * 1024)

/* KtJoin with DK_PATIENCE: a load thread may run for many seconds on a slow
 * host. TRUE if the thread ended (the reference is then dropped). */
static inline BOOLEAN DkJoin(PKTHREAD Thread)
{
    LARGE_INTEGER Timeout = {.QuadPart = -DK_PATIENCE};

    if (KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
        return FALSE;
    return KtJoin(Thread); /* signaled already: waits only for the kernel's last reference */
}

/* Runs the load to its end; FALSE when a thread could not start or end.
 * When every request ended as expected it announces its writes. */
BOOLEAN DkRunLoad(DK_LOAD *Load);

#endif /* DISK_HELPERS_H */
