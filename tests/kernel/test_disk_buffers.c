/*
 * test_disk_buffers.c - suite `disk`: buffers whose pages are scattered in
 * physical memory, as a real caller's are. The pool hands out large buffers
 * physically contiguous, so the other tests never make the driver build a
 * long scatter/gather list; here the MDL is built by hand so that page I of
 * the buffer is page 2I of an allocation twice its size: no two pages are
 * adjacent, and a 4 MiB request needs over a thousand PRDs, far more than one
 * command table holds (248). The driver must split the request into several
 * commands and, with the buffer starting mid-sector in its page, end each
 * table on a whole sector. The data must come out right, byte by byte.
 */
#include "disk_helpers.h"
#include "mm/mm.h"
#include "ke/dispatcherobj.h"

#define SCATTER_BYTES (4 * DK_MIB + 3 * DK_SECTOR)
#define SCATTER_READ_AT (3 * DK_MIB + 7 * DK_SECTOR)
#define SCATTER_WRITE_BYTES (3 * DK_MIB + 3 * DK_SECTOR) /* still 769 pages */
#define SCATTER_WRITE_SEED(Seed) ((Seed) ^ 0x5CA77E2ULL)

typedef struct _DK_SCATTERED {
    PUCHAR Block; /* 2 * Pages pages; the buffer's page I is the block's page 2I */
    PMDL Mdl;
    ULONG Pages;
    ULONG Skew; /* where the data starts in its first page */
    ULONG Length;
} DK_SCATTERED;

static VOID FreeScattered(DK_SCATTERED *Buffer)
{
    if (Buffer->Mdl != NULL)
        IoFreeMdl(Buffer->Mdl);
    if (Buffer->Block != NULL)
        ExFreePoolWithTag(Buffer->Block, DK_TAG);
}

/* An MDL for Length bytes at Skew whose pages are the block's even ones. */
static BOOLEAN AllocateScattered(DK_SCATTERED *Buffer, ULONG Length, ULONG Skew)
{
    RtlZeroMemory(Buffer, sizeof(*Buffer));
    Buffer->Length = Length;
    Buffer->Skew = Skew;
    Buffer->Pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(Skew, Length);
    Buffer->Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, (SIZE_T)Buffer->Pages * 2 * PAGE_SIZE, DK_TAG);
    if (Buffer->Block == NULL)
        return FALSE;
    Buffer->Mdl = IoAllocateMdl(Buffer->Block + Skew, Length, FALSE, FALSE, NULL);
    if (Buffer->Mdl == NULL)
        return FALSE;
    PPFN_NUMBER Pfns = MmGetMdlPfnArray(Buffer->Mdl);
    for (ULONG i = 0; i < Buffer->Pages; i++)
        Pfns[i] = (PFN_NUMBER)(MmGetPhysicalAddress(Buffer->Block + (SIZE_T)i * 2 * PAGE_SIZE).QuadPart >> PAGE_SHIFT);
    Buffer->Mdl->MdlFlags |= MDL_PAGES_LOCKED; /* and no system address: the pages are not where StartVa says */
    return TRUE;
}

/* Fills (Check FALSE) or checks the buffer, piece by piece, as the pattern
 * Seed at disk offset Offset. Checking returns the first wrong disk offset or -1. */
static LONG64 PatternScattered(DK_SCATTERED *Buffer, ULONG64 Seed, ULONG64 Offset, BOOLEAN Check)
{
    for (ULONG Done = 0; Done < Buffer->Length;) {
        ULONG Position = Buffer->Skew + Done, InPage = Position % PAGE_SIZE;
        ULONG Chunk = PAGE_SIZE - InPage < Buffer->Length - Done ? PAGE_SIZE - InPage : Buffer->Length - Done;
        PUCHAR Where = Buffer->Block + (SIZE_T)(Position / PAGE_SIZE) * 2 * PAGE_SIZE + InPage;
        if (!Check) {
            RtlFillPattern(Seed, Offset + Done, Where, Chunk);
        } else {
            LONG64 Bad = RtlCheckPattern(Seed, Offset + Done, Where, Chunk);
            if (Bad >= 0)
                return Bad;
        }
        Done += Chunk;
    }
    return -1;
}

static NTSTATUS Signal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    KeSetEvent(Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours to free */
}

/* A READ or WRITE of the scattered buffer at Offset, in an IRP built by hand
 * (IoBuild*Request would describe the buffer's own, adjacent, pages). */
static NTSTATUS SendScattered(DK_DISK *Disk, ULONG Major, DK_SCATTERED *Buffer, ULONG64 Offset, PULONG_PTR Moved)
{
    KEVENT Event;
    LARGE_INTEGER Timeout = {.QuadPart = -DK_PATIENCE};
    PIRP Irp = IoAllocateIrp(Disk->Top->StackSize, FALSE);

    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    Irp->MdlAddress = Buffer->Mdl;
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = (UCHAR)Major;
    if (Major == IRP_MJ_READ) {
        Next->Parameters.Read.Length = Buffer->Length;
        Next->Parameters.Read.ByteOffset.QuadPart = (LONGLONG)Offset;
    } else {
        Next->Parameters.Write.Length = Buffer->Length;
        Next->Parameters.Write.ByteOffset.QuadPart = (LONGLONG)Offset;
    }
    IoSetCompletionRoutine(Irp, Signal, &Event, TRUE, TRUE, TRUE);
    IoCallDriver(Disk->Top, Irp);
    if (KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
        return STATUS_TIMEOUT; /* the IRP is lost: leak it and its buffer */
    NTSTATUS Status = Irp->IoStatus.Status;
    *Moved = Irp->IoStatus.Information;
    Irp->MdlAddress = NULL; /* the MDL is freed with the buffer */
    IoFreeIrp(Irp);
    return Status;
}

/* A skew the disk's alignment allows, at least 100 bytes: mid-sector, unless
 * the alignment itself is a sector or more. */
static ULONG OddSkew(DK_DISK *Disk)
{
    return (100 + Disk->Alignment - 1) / Disk->Alignment * Disk->Alignment % PAGE_SIZE;
}

static VOID ReadScattered(KTEST_CONTEXT *Kt, DK_DISK *Disk, ULONG64 Seed, ULONG Skew)
{
    DK_SCATTERED Buffer;
    AHCI_DISK_STATISTICS Before, After;
    ULONG_PTR Moved = 0;

    if (KT_EXPECT(AllocateScattered(&Buffer, SCATTER_BYTES, Skew))) {
        KT_EXPECT_EQ(DkStatistics(Disk, &Before), STATUS_SUCCESS);
        KT_EXPECT_EQ(SendScattered(Disk, IRP_MJ_READ, &Buffer, SCATTER_READ_AT, &Moved), STATUS_SUCCESS);
        KT_EXPECT_EQ(Moved, SCATTER_BYTES);
        KT_EXPECT_EQ(PatternScattered(&Buffer, Seed, SCATTER_READ_AT, TRUE), -1);
        KT_EXPECT_EQ(DkStatistics(Disk, &After), STATUS_SUCCESS);
        /* Over 1000 PRDs at 248 a command: at least 4 pieces beyond the first. */
        KT_EXPECT_GE(After.SplitPieces - Before.SplitPieces, Buffer.Pages / 248);
    }
    FreeScattered(&Buffer);
}

KTEST(disk, scattered_pages_read)
{
    DK_DISK Disk;
    ULONG64 Seed = 0;

    if (!DkOpenForTest(Kt, 0, TRUE, &Disk))
        return;
    DkPatternSeed(0, &Seed);
    ReadScattered(Kt, &Disk, Seed, OddSkew(&Disk));
    ReadScattered(Kt, &Disk, Seed, 0);
    DkClose(&Disk);
}

KTEST(disk, scattered_pages_write)
{
    DK_DISK Disk;
    DK_SCATTERED Buffer;
    ULONG64 Seed = 0;
    ULONG_PTR Moved = 0;

    if (!DkOpenForTest(Kt, 0, TRUE, &Disk))
        return;
    DkPatternSeed(0, &Seed);
    ULONG64 Written = SCATTER_WRITE_SEED(Seed);
    if (KT_EXPECT(AllocateScattered(&Buffer, SCATTER_WRITE_BYTES, OddSkew(&Disk)))) {
        PatternScattered(&Buffer, Written, DK_SCATTER_WRITE_AT, FALSE);
        NTSTATUS Status = SendScattered(&Disk, IRP_MJ_WRITE, &Buffer, DK_SCATTER_WRITE_AT, &Moved);
        KT_EXPECT_EQ(Status, STATUS_SUCCESS);
        KT_EXPECT_EQ(Moved, SCATTER_WRITE_BYTES);
        if (Status == STATUS_SUCCESS)
            DkAnnounceWrite(&Disk, DK_SCATTER_WRITE_AT, SCATTER_WRITE_BYTES, Written);
        KT_EXPECT_EQ(DkReadAndCheck(&Disk, Written, DK_SCATTER_WRITE_AT, SCATTER_WRITE_BYTES, 0), STATUS_SUCCESS);
    }
    FreeScattered(&Buffer);
    DkClose(&Disk);
}
