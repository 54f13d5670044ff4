/*
 * test_disk_load.c - the load the disk suites put on a disk (DkRunLoad in
 * disk_helpers.h): threads spread over every processor, each keeping Depth
 * requests in flight at once, round after round, reads and writes mixed.
 *
 * Everything a thread does follows from (its number, the round, the slot),
 * through a seeded generator, so a failing run does the same again:
 *   - in round R, slot I writes when WriteBase is set and I + R is even:
 *     chunk I of the thread's own slice of the write area, with WriteSeed.
 *     Writes in flight together never overlap, and two rounds write every
 *     chunk, so afterwards each slice must hold WriteSeed's pattern;
 *   - every other slot reads a random span (1 sector .. 128 KiB) of the read
 *     area, into a buffer at a random skew, and checks it against Seed;
 *   - the last slot, in the rounds where it would read, flushes instead: a
 *     FLUSH CACHE among queued commands, which the driver must let drain;
 *   - with a BadSector, the first read of each round is placed across it:
 *     it must fail with STATUS_IO_DEVICE_ERROR when BadFails, and succeed
 *     with the right data otherwise (an error that a retry cures).
 * A request that ends any other way counts in Load->Failures, with a
 * diagnostic line saying which request and how. When none did, DkRunLoad
 * announces what the writes left on the disk (DkAnnounceWrite): each
 * thread's whole chunks, which may fall a little short of its slice.
 */
#include "disk_helpers.h"
#include "ke/thread.h"

typedef struct _DK_SLOT {
    DK_REQUEST Request;
    PUCHAR Buffer; /* Block + Skew */
    PUCHAR Block;
    ULONG Skew;
    ULONG Major;
    ULONG64 Offset;
    ULONG Length;
    BOOLEAN AcrossBad;
} DK_SLOT;

typedef struct _DK_WORKER {
    DK_LOAD *Load;
    ULONG Number;
    ULONG Threads;
    ULONG64 Slice; /* this thread's part of the write area: [Slice, Slice + SliceBytes) */
    ULONG64 SliceBytes;
    ULONG Chunk; /* SliceBytes / Depth */
    ULONG BufferBytes;
    DK_RANDOM Random;
    DK_SLOT Slots[DK_LOAD_MAX_DEPTH];
} DK_WORKER;

static PCSTR MajorName(ULONG Major)
{
    switch (Major) {
    case IRP_MJ_READ: return "read";
    case IRP_MJ_WRITE: return "write";
    default: return "flush";
    }
}

static VOID Fail(DK_WORKER *Worker, DK_SLOT *Slot, PCSTR What, NTSTATUS Status)
{
    InterlockedIncrement(&Worker->Load->Failures);
    KtInfo("load thread %u: %s of 0x%x bytes at 0x%llx%s: %s (status 0x%08x)", Worker->Number, MajorName(Slot->Major),
           Slot->Length, Slot->Offset, Slot->AcrossBad ? " (across the bad sector)" : "", What, (ULONG)Status);
}

/* A random read of the read area; Across: one that covers BadSector. */
static VOID PlanRead(DK_WORKER *Worker, DK_SLOT *Slot, BOOLEAN Across)
{
    DK_LOAD *Load = Worker->Load;
    ULONG Sectors = 1 + (ULONG)DkRandomBelow(&Worker->Random, DK_LOAD_MAX_READ / DK_SECTOR);
    ULONG64 First = Load->ReadBase / DK_SECTOR, Count = Load->ReadBytes / DK_SECTOR;

    if (Across) {
        ULONG64 Before = DkRandomBelow(&Worker->Random, Sectors);
        ULONG64 Start = Load->BadSector - (Before < Load->BadSector - First ? Before : Load->BadSector - First);
        Slot->Offset = Start * DK_SECTOR;
    } else {
        Slot->Offset = (First + DkRandomBelow(&Worker->Random, Count - Sectors + 1)) * DK_SECTOR;
    }
    Slot->Major = IRP_MJ_READ;
    Slot->Length = Sectors * DK_SECTOR;
}

static VOID PlanWrite(DK_WORKER *Worker, DK_SLOT *Slot, ULONG Index)
{
    Slot->Major = IRP_MJ_WRITE;
    Slot->Offset = Worker->Slice + (ULONG64)Index * Worker->Chunk;
    Slot->Length = Worker->Chunk;
    RtlFillPattern(Worker->Load->WriteSeed, Slot->Offset, Slot->Buffer, Slot->Length);
}

static VOID PlanFlush(DK_SLOT *Slot)
{
    Slot->Major = IRP_MJ_FLUSH_BUFFERS;
    Slot->Offset = 0;
    Slot->Length = 0;
}

static BOOLEAN Touches(DK_SLOT *Slot, ULONG64 Sector)
{
    return Sector != ~0ULL && Slot->Offset / DK_SECTOR <= Sector && Sector < (Slot->Offset + Slot->Length) / DK_SECTOR;
}

static VOID Start(DK_WORKER *Worker, DK_SLOT *Slot)
{
    Slot->Skew = DkRandomSkew(Worker->Load->Disk, &Worker->Random);
    Slot->Buffer = Slot->Block + Slot->Skew;
}

/* Collects a slot's request and judges it. */
static VOID Finish(DK_WORKER *Worker, DK_SLOT *Slot, ULONG64 Seed)
{
    DK_LOAD *Load = Worker->Load;
    ULONG_PTR Moved = 0;
    NTSTATUS Status = DkFinish(&Slot->Request, &Moved);

    if (Slot->AcrossBad)
        InterlockedIncrement(&Load->BadSectorRequests);
    if (Slot->Major == IRP_MJ_FLUSH_BUFFERS)
        InterlockedIncrement(&Load->Flushes);
    if (Slot->AcrossBad && Load->BadFails) {
        if (Status != STATUS_IO_DEVICE_ERROR)
            Fail(Worker, Slot, "expected STATUS_IO_DEVICE_ERROR", Status);
        return;
    }
    if (Status != STATUS_SUCCESS || Moved != Slot->Length) {
        Fail(Worker, Slot, Status == STATUS_SUCCESS ? "short transfer" : "failed", Status);
        return;
    }
    if (Slot->Major == IRP_MJ_READ) {
        LONG64 Bad = RtlCheckPattern(Seed, Slot->Offset, Slot->Buffer, Slot->Length);
        if (Bad >= 0) {
            KtInfo("load thread %u: first wrong byte at disk offset 0x%llx", Worker->Number, (ULONG64)Bad);
            Fail(Worker, Slot, "wrong data", Status);
        }
    }
}

static VOID Send(DK_WORKER *Worker, DK_SLOT *Slot)
{
    InterlockedIncrement(&Worker->Load->Requests);
    DkStart(Worker->Load->Disk, &Slot->Request, Slot->Major, Slot->Buffer, Slot->Length, (LONGLONG)Slot->Offset);
}

static VOID Round(DK_WORKER *Worker, ULONG Number)
{
    DK_LOAD *Load = Worker->Load;
    BOOLEAN BadPlaced = Load->BadSector == ~0ULL;

    for (ULONG i = 0; i < Load->Depth; i++) {
        DK_SLOT *Slot = &Worker->Slots[i];
        Start(Worker, Slot);
        if (Load->WriteBase != 0 && (i + Number) % 2 == 0) {
            PlanWrite(Worker, Slot, i);
        } else if (i == Load->Depth - 1 && i > 0) {
            PlanFlush(Slot);
        } else {
            PlanRead(Worker, Slot, !BadPlaced);
            BadPlaced = TRUE;
        }
        Slot->AcrossBad = Slot->Major == IRP_MJ_READ && Touches(Slot, Load->BadSector);
        Send(Worker, Slot);
    }
    for (ULONG i = 0; i < Load->Depth; i++)
        Finish(Worker, &Worker->Slots[i], Load->Seed);
}

/* Reads the thread's whole slice back, Depth chunks at a time in flight. */
static VOID ReadBackSlice(DK_WORKER *Worker)
{
    DK_LOAD *Load = Worker->Load;

    for (ULONG i = 0; i < Load->Depth; i++) {
        DK_SLOT *Slot = &Worker->Slots[i];
        Start(Worker, Slot);
        Slot->Major = IRP_MJ_READ;
        Slot->Offset = Worker->Slice + (ULONG64)i * Worker->Chunk;
        Slot->Length = Worker->Chunk;
        Slot->AcrossBad = FALSE;
        Send(Worker, Slot);
    }
    for (ULONG i = 0; i < Load->Depth; i++)
        Finish(Worker, &Worker->Slots[i], Load->WriteSeed);
}

static VOID Work(PVOID Context)
{
    DK_WORKER *Worker = Context;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << (Worker->Number % KeNumberProcessors));
    for (ULONG r = 0; r < Worker->Load->Rounds; r++)
        Round(Worker, r);
    if (Worker->Load->WriteBase != 0)
        ReadBackSlice(Worker);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static BOOLEAN PrepareWorker(DK_LOAD *Load, DK_WORKER *Worker, ULONG Number, ULONG Threads)
{
    Worker->Load = Load;
    Worker->Number = Number;
    Worker->Threads = Threads;
    Worker->SliceBytes = Load->WriteBytes / Threads / DK_SECTOR * DK_SECTOR;
    Worker->Slice = Load->WriteBase + Number * Worker->SliceBytes;
    Worker->Chunk = (ULONG)(Worker->SliceBytes / Load->Depth / DK_SECTOR * DK_SECTOR);
    Worker->BufferBytes = (Worker->Chunk > DK_LOAD_MAX_READ ? Worker->Chunk : DK_LOAD_MAX_READ) + PAGE_SIZE;
    DkSeedRandom(&Worker->Random, Load->Seed * 1000003 + Number);
    for (ULONG i = 0; i < Load->Depth; i++) {
        Worker->Slots[i].Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, Worker->BufferBytes, DK_TAG);
        if (Worker->Slots[i].Block == NULL)
            return FALSE;
    }
    return Load->WriteBase == 0 || Worker->Chunk >= DK_SECTOR;
}

static VOID ReleaseWorker(DK_WORKER *Worker)
{
    for (ULONG i = 0; i < DK_LOAD_MAX_DEPTH; i++) {
        if (Worker->Slots[i].Block != NULL)
            ExFreePoolWithTag(Worker->Slots[i].Block, DK_TAG);
    }
}

static ULONG ThreadCount(DK_LOAD *Load)
{
    ULONG Threads = Load->Threads != 0 ? Load->Threads : 2 * KeNumberProcessors;

    if (Load->Threads == 0 && Threads < 4)
        Threads = 4;
    return Threads > DK_LOAD_MAX_THREADS ? DK_LOAD_MAX_THREADS : Threads;
}

BOOLEAN DkRunLoad(DK_LOAD *Load)
{
    ULONG Threads = ThreadCount(Load);
    DK_WORKER *Workers = ExAllocatePool2(POOL_FLAG_NON_PAGED, Threads * sizeof(DK_WORKER), DK_TAG);
    PKTHREAD Handles[DK_LOAD_MAX_THREADS] = {0};
    BOOLEAN Ok =
        Workers != NULL && Load->Depth > 0 && Load->Depth <= DK_LOAD_MAX_DEPTH && Load->ReadBytes >= DK_LOAD_MAX_READ;

    if (Workers != NULL)
        RtlZeroMemory(Workers, Threads * sizeof(DK_WORKER));
    for (ULONG t = 0; Ok && t < Threads; t++)
        Ok = PrepareWorker(Load, &Workers[t], t, Threads);
    for (ULONG t = 0; Ok && t < Threads; t++) {
        Handles[t] = KtStartThread(Work, &Workers[t]);
        Ok = Handles[t] != NULL;
    }
    for (ULONG t = 0; t < Threads; t++) {
        if (Handles[t] != NULL && !DkJoin(Handles[t]))
            return FALSE; /* a thread still uses its worker: leak it rather than free it */
    }
    for (ULONG t = 0; Ok && Load->WriteBase != 0 && Load->Failures == 0 && t < Threads; t++)
        DkAnnounceWrite(Load->Disk, Workers[t].Slice, (ULONG64)Workers[t].Chunk * Load->Depth, Load->WriteSeed);
    for (ULONG t = 0; Workers != NULL && t < Threads; t++)
        ReleaseWorker(&Workers[t]);
    if (Workers != NULL)
        ExFreePoolWithTag(Workers, DK_TAG);
    return Ok;
}
