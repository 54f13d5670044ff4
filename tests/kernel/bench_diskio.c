/*
 * bench_diskio.c - the disk benchmarks' engine: requests sent through the IRP
 * path, as a file system would send them, Depth at a time (bench.h).
 *
 * Each of the Depth slots owns, for the whole run, one IRP from IoAllocateIrp
 * (the device's StackSize: the benchmark needs no location of its own), one
 * nonpaged buffer and one MDL describing it. A request is the slot's IRP made
 * new with IoReuseIrp, the MDL put back, the next location filled in, and a
 * completion routine that returns STATUS_MORE_PROCESSING_REQUIRED, so the IRP
 * comes back to its creator after every request instead of being freed.
 *
 * Depth > 1: the completion routine sends the slot's next request itself, at
 * DISPATCH_LEVEL in the driver's DPC, which WDM allows (IoCallDriver at
 * IRQL <= DISPATCH_LEVEL) and which keeps Depth requests at the disk with no
 * thread switch per request. The danger is recursion: a driver that completes
 * a request inside its dispatch routine (a refused request, a disk that
 * answers at once) calls the completion routine from within IoCallDriver,
 * which would send again, and so on down the stack. So each slot has a State:
 * the sender sets SLOT_SENDING before IoCallDriver and puts it back to
 * SLOT_IDLE after; a completion that finds SLOT_SENDING only marks
 * SLOT_COMPLETED_EARLY and returns, and the sender, failing to put SLOT_IDLE
 * back, loops and sends the next request itself. The stack never holds more
 * than one IoCallDriver per slot. (The same hand-over covers a completion on
 * another processor that wins the race with the sender.) The first Depth
 * requests go out from the calling thread; it then waits for the event the
 * last slot to finish sets.
 *
 * Depth == 1 is a loop of synchronous requests: the thread sends one, waits
 * for the event its completion routine sets, checks it, sends the next.
 *
 * Every request's status is checked: the first failure (or a success that
 * moved fewer bytes than asked) stops the run and is reported in the job.
 * Writes carry stamps that bench_diskcheck.c reads back afterwards.
 */
#include "bench.h"
#include "wdm.h"

#define BENCH_DISK_TAG POOL_TAG('B', 'n', 'c', 'D')
#define BENCH_MAX_DEPTH 64

enum { SLOT_IDLE, SLOT_SENDING, SLOT_COMPLETED_EARLY };

struct _BENCH_RUN;

typedef struct _BENCH_SLOT {
    struct _BENCH_RUN *Run;
    PIRP Irp;
    PMDL Mdl;
    PVOID Buffer;
    LONGLONG Offset; /* of the request in flight */
    LONG State;      /* SLOT_*: who sends the next request (see the top) */
} BENCH_SLOT;

typedef struct _BENCH_RUN {
    BENCH_DISK_JOB *Job;
    ULONG64 Issued;    /* requests claimed so far: the next request's number */
    ULONG64 Completed; /* successful requests */
    ULONG64 Start;     /* performance counter at the first send */
    ULONG64 Deadline;  /* no request is sent from then on; 0: none */
    ULONG64 End;       /* performance counter at the last completion */
    LONG Outstanding;  /* slots that have not finished */
    LONG Failed;       /* a request failed: send nothing more */
    KEVENT Done;       /* set when Outstanding reaches 0 */
    BENCH_SLOT Slots[BENCH_MAX_DEPTH];
} BENCH_RUN;

static ULONG64 Now(VOID)
{
    return (ULONG64)KeQueryPerformanceCounter(NULL).QuadPart;
}

/* SplitMix64's finalizer: a well-mixed 64-bit function of N. */
static ULONG64 Mix(ULONG64 N)
{
    N = (N ^ (N >> 30)) * 0xbf58476d1ce4e5b9ULL;
    N = (N ^ (N >> 27)) * 0x94d049bb133111ebULL;
    return N ^ (N >> 31);
}

static LONGLONG RequestOffset(BENCH_DISK_JOB *Job, ULONG64 Number)
{
    ULONG64 Blocks = Job->DiskSize / Job->Length;
    ULONG64 Block = Job->Random ? Mix(Job->Seed + Number) % Blocks : Number % Blocks;
    return (LONGLONG)(Block * Job->Length);
}

/* Takes the next request for Slot; FALSE when the run is over (a failure,
 * the deadline, or MaxRequests reached). Any IRQL <= DISPATCH_LEVEL. */
static BOOLEAN ClaimRequest(BENCH_RUN *Run, BENCH_SLOT *Slot)
{
    BENCH_DISK_JOB *Job = Run->Job;

    if (__atomic_load_n(&Run->Failed, __ATOMIC_ACQUIRE))
        return FALSE;
    if (Run->Deadline != 0 && Now() >= Run->Deadline)
        return FALSE;
    ULONG64 Number = __atomic_fetch_add(&Run->Issued, 1, __ATOMIC_RELAXED);
    if (Job->MaxRequests != 0 && Number >= Job->MaxRequests)
        return FALSE;
    Slot->Offset = RequestOffset(Job, Number);
    return TRUE;
}

/* Counts a completed request, or records the run's first failure. */
static VOID CheckResult(BENCH_RUN *Run, BENCH_SLOT *Slot)
{
    PIRP Irp = Slot->Irp;
    NTSTATUS Status = Irp->IoStatus.Status;

    if (NT_SUCCESS(Status) && Irp->IoStatus.Information == Run->Job->Length) {
        __atomic_fetch_add(&Run->Completed, 1, __ATOMIC_RELAXED);
        return;
    }
    if (__atomic_exchange_n(&Run->Failed, 1, __ATOMIC_ACQ_REL))
        return; /* not the first */
    /* A success that moved fewer bytes than asked is a failure too. */
    Run->Job->Status = NT_SUCCESS(Status) ? STATUS_END_OF_FILE : Status;
    Run->Job->FailedOffset = Slot->Offset;
    Run->Job->FailedBytes = Irp->IoStatus.Information;
}

/* The slot's IRP, ready for its next request. */
static VOID PrepareIrp(BENCH_SLOT *Slot, PIO_COMPLETION_ROUTINE Routine, PVOID Context)
{
    BENCH_DISK_JOB *Job = Slot->Run->Job;
    PIRP Irp = Slot->Irp;

    if (Job->Major == IRP_MJ_WRITE)
        KtBenchDiskStampBuffer(Slot->Buffer, Job->Length, Slot->Offset);
    IoReuseIrp(Irp, STATUS_SUCCESS);
    Irp->MdlAddress = Slot->Mdl;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = Job->Major;
    Stack->FileObject = Job->File;
    /* Parameters.Read and .Write have the same layout. */
    Stack->Parameters.Read.Length = Job->Length;
    Stack->Parameters.Read.ByteOffset.QuadPart = Slot->Offset;
    IoSetCompletionRoutine(Irp, Routine, Context, TRUE, TRUE, TRUE);
}

/* The slot has nothing more to send. Its last touch of the run: the thread
 * may free everything once the last slot has set Done. */
static VOID FinishSlot(BENCH_RUN *Run)
{
    if (__atomic_sub_fetch(&Run->Outstanding, 1, __ATOMIC_ACQ_REL) != 0)
        return;
    Run->End = Now();
    KeSetEvent(&Run->Done, IO_NO_INCREMENT, FALSE);
}

static IO_COMPLETION_ROUTINE QueuedCompletion;
static IO_COMPLETION_ROUTINE SyncCompletion;

/* Sends the slot's requests until one stays out (its completion routine
 * goes on from there) or the run is over. Called with the slot's IRP back
 * with its creator. */
static VOID SendFromSlot(BENCH_SLOT *Slot)
{
    while (ClaimRequest(Slot->Run, Slot)) {
        PrepareIrp(Slot, QueuedCompletion, Slot);
        __atomic_store_n(&Slot->State, SLOT_SENDING, __ATOMIC_RELEASE);
        IoCallDriver(Slot->Run->Job->Device, Slot->Irp);
        LONG Expected = SLOT_SENDING;
        if (__atomic_compare_exchange_n(&Slot->State, &Expected, SLOT_IDLE, FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return; /* still out: QueuedCompletion takes over */
        /* It completed before we got here, and left the next send to us. */
        CheckResult(Slot->Run, Slot);
    }
    FinishSlot(Slot->Run);
}

/* At DISPATCH_LEVEL in the driver's DPC (or inside IoCallDriver, for a
 * request the driver completed at once). The IRP is the creator's again. */
_Use_decl_annotations_
static NTSTATUS QueuedCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    BENCH_SLOT *Slot = Context;
    LONG Expected = SLOT_SENDING;

    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    if (__atomic_compare_exchange_n(&Slot->State, &Expected, SLOT_COMPLETED_EARLY, FALSE, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return STATUS_MORE_PROCESSING_REQUIRED; /* the sender loops (SendFromSlot) */
    CheckResult(Slot->Run, Slot);
    SendFromSlot(Slot);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static LARGE_INTEGER WaitLimit(BENCH_DISK_JOB *Job)
{
    LARGE_INTEGER Timeout = {.QuadPart = -(LONGLONG)(Job->Seconds + BENCH_WAIT_SLACK_SECONDS) * 10000000};
    return Timeout;
}

static NTSTATUS RunQueued(BENCH_RUN *Run)
{
    LARGE_INTEGER Timeout = WaitLimit(Run->Job);

    KeInitializeEvent(&Run->Done, NotificationEvent, FALSE);
    Run->Outstanding = (LONG)Run->Job->Depth;
    for (ULONG i = 0; i < Run->Job->Depth; i++)
        SendFromSlot(&Run->Slots[i]);
    if (KeWaitForSingleObject(&Run->Done, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
        return STATUS_TIMEOUT;
    return STATUS_SUCCESS;
}

/* Depth 1: the completion routine only wakes the thread. */
_Use_decl_annotations_
static NTSTATUS SyncCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent(Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS RunSynchronous(BENCH_RUN *Run)
{
    BENCH_SLOT *Slot = &Run->Slots[0];
    LARGE_INTEGER Timeout = WaitLimit(Run->Job);
    KEVENT Event;

    KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
    while (ClaimRequest(Run, Slot)) {
        PrepareIrp(Slot, SyncCompletion, &Event);
        /* The routine runs for every outcome and sets Event even when the
         * driver completes at once, so the wait comes whatever IoCallDriver returns. */
        IoCallDriver(Run->Job->Device, Slot->Irp);
        if (KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
            return STATUS_TIMEOUT;
        CheckResult(Run, Slot);
    }
    Run->End = Now();
    return STATUS_SUCCESS;
}

/* Random bytes (what a write sends; a read overwrites them). Length is a
 * multiple of 8 and the buffer page-aligned (a pool block of a page or more). */
static VOID FillBuffer(PULONG64 Buffer, ULONG Length, ULONG64 Seed)
{
    for (ULONG i = 0; i < Length / sizeof(ULONG64); i++)
        Buffer[i] = Mix(Seed + i);
}

static BOOLEAN SetUpSlot(BENCH_RUN *Run, BENCH_SLOT *Slot, ULONG Index)
{
    BENCH_DISK_JOB *Job = Run->Job;

    Slot->Run = Run;
    Slot->Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, Job->Length, BENCH_DISK_TAG);
    if (Slot->Buffer == NULL)
        return FALSE;
    FillBuffer(Slot->Buffer, Job->Length, Job->Seed * 131 + Index);
    Slot->Mdl = IoAllocateMdl(Slot->Buffer, Job->Length, FALSE, FALSE, NULL);
    if (Slot->Mdl == NULL)
        return FALSE;
    MmBuildMdlForNonPagedPool(Slot->Mdl);
    Slot->Irp = IoAllocateIrp(Job->Device->StackSize, FALSE);
    return Slot->Irp != NULL;
}

static VOID TearDownSlot(BENCH_SLOT *Slot)
{
    if (Slot->Irp != NULL)
        IoFreeIrp(Slot->Irp);
    if (Slot->Mdl != NULL)
        IoFreeMdl(Slot->Mdl);
    if (Slot->Buffer != NULL)
        ExFreePoolWithTag(Slot->Buffer, BENCH_DISK_TAG);
}

static NTSTATUS SetUpRun(BENCH_RUN *Run, BENCH_DISK_JOB *Job)
{
    RtlZeroMemory(Run, sizeof(*Run));
    Run->Job = Job;
    for (ULONG i = 0; i < Job->Depth; i++)
        if (!SetUpSlot(Run, &Run->Slots[i], i))
            return STATUS_INSUFFICIENT_RESOURCES;
    return STATUS_SUCCESS;
}

static BOOLEAN IsValidJob(BENCH_DISK_JOB *Job)
{
    return Job->Depth >= 1 && Job->Depth <= BENCH_MAX_DEPTH && Job->Length >= PAGE_SIZE &&
           Job->Length % PAGE_SIZE == 0 && Job->DiskSize >= Job->Length && (Job->Device->Flags & DO_DIRECT_IO) &&
           (Job->MaxRequests != 0 || Job->Seconds != 0);
}

static NTSTATUS Measure(BENCH_RUN *Run, BENCH_DISK_JOB *Job)
{
    NTSTATUS Status = SetUpRun(Run, Job);
    if (!NT_SUCCESS(Status))
        return Status;
    LARGE_INTEGER Frequency;
    Run->Start = (ULONG64)KeQueryPerformanceCounter(&Frequency).QuadPart;
    Job->Frequency = (ULONG64)Frequency.QuadPart;
    Run->Deadline = Job->Seconds != 0 ? Run->Start + Job->Seconds * Job->Frequency : 0;
    Status = Job->Depth == 1 ? RunSynchronous(Run) : RunQueued(Run);
    Job->Completed = Run->Completed;
    Job->Ticks = Run->End - Run->Start;
    return Status;
}

NTSTATUS KtBenchDiskRun(BENCH_DISK_JOB *Job)
{
    Job->Status = STATUS_SUCCESS;
    Job->Completed = 0;
    Job->Ticks = 0;
    if (!IsValidJob(Job))
        return STATUS_INVALID_PARAMETER;
    BENCH_RUN *Run = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(BENCH_RUN), BENCH_DISK_TAG);
    if (Run == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = Measure(Run, Job);
    /* After a timeout IRPs are still at the driver: leave everything where it is. */
    if (Status == STATUS_TIMEOUT)
        return Status;
    for (ULONG i = 0; i < Job->Depth; i++)
        TearDownSlot(&Run->Slots[i]);
    ExFreePoolWithTag(Run, BENCH_DISK_TAG);
    return Status;
}
