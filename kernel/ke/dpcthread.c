/*
 * dpcthread.c - threaded DPCs: each processor's DPC thread.
 *
 * A threaded DPC (KeInitializeThreadedDpc) is queued like any DPC, but its
 * routine runs at PASSIVE_LEVEL, in a thread of priority HIGH_PRIORITY (31)
 * bound to the target processor: it still runs before every ordinary thread
 * there, but interrupts, ordinary DPCs and the dispatcher's own work can
 * preempt it, so a long routine hurts the processor's latency much less.
 * The routine must still behave as if at DISPATCH_LEVEL (no waiting, no
 * pageable memory), because with threaded DPCs turned off it runs there.
 *
 *   KeInsertQueueDpc   -> the target's threaded queue, DISPATCH interrupt
 *   KiRetireDpcList    -> (at DISPATCH_LEVEL) the queue is not empty:
 *                         KeSetEvent wakes the DPC thread
 *   KiDispatchReschedule -> the DPC thread, priority 31, runs next
 *   KiDpcThread        -> at PASSIVE_LEVEL: drain, one DPC at a time
 */
#include "dpc.h"
#include "ke.h"
#include "prcb.h"
#include "thread.h"
#include "dispatcherobj.h"
#include "ex/ex.h"
#include "hal/x86.h"
#include "rtl.h"

#define DPC_THREAD_TAG POOL_TAG('D', 'p', 'c', 'T')

typedef struct _KI_DPC_THREAD {
    KTHREAD Thread;
    KEVENT Wake;      /* set when the threaded queue has work */
    KDPC_DATA *Queue; /* the processor's ThreadedDpcData */
} KI_DPC_THREAD;

static VOID CheckIrqlAfter(PKDEFERRED_ROUTINE Routine, PKDPC Dpc)
{
    KIRQL Irql = KeGetCurrentIrql();
    ULONG64 Offset;

    if (Irql == PASSIVE_LEVEL)
        return;
    PCSTR Name = KiLookupSymbol((ULONG64)Routine, &Offset);
    KiBugCheck(IRQL_UNEXPECTED_VALUE, ((ULONG_PTR)Irql << 16) | (PASSIVE_LEVEL << 8) | 2, (ULONG_PTR)Routine,
               (ULONG_PTR)Dpc, 0, NULL,
               "the threaded DPC routine %s (DPC %p) returned at IRQL %u; it is called at PASSIVE_LEVEL and must "
               "return at it",
               Name ? Name : "?", (PVOID)Dpc, Irql);
}

static VOID DrainThreadedQueue(KDPC_DATA *Queue)
{
    KDPC Copy;

    while (KiTakeNextDpc(Queue, &Copy)) {
        PKDPC Dpc = (PKDPC)Copy.DpcListEntry.Flink;
        Copy.DeferredRoutine(Dpc, Copy.DeferredContext, Copy.SystemArgument1, Copy.SystemArgument2);
        CheckIrqlAfter(Copy.DeferredRoutine, Dpc);
        Queue->Statistics.DpcCount++;
    }
}

static VOID KiDpcThread(PVOID Context)
{
    KI_DPC_THREAD *Self = Context;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << Self->Queue->Number);
    /* From here on inserts may use the threaded queue. */
    __atomic_store_n(&Self->Queue->DpcThread, (PVOID)Self, __ATOMIC_RELEASE);
    for (;;) {
        KeWaitForSingleObject(&Self->Wake, Executive, KernelMode, FALSE, NULL);
        DrainThreadedQueue(Self->Queue);
    }
}

VOID KiWakeDpcThread(struct _KPRCB *Prcb)
{
    KI_DPC_THREAD *Self = Prcb->ThreadedDpcData.DpcThread;

    if (Self != NULL && Prcb->ThreadedDpcData.DpcQueueDepth != 0)
        KeSetEvent(&Self->Wake, 0, FALSE);
}

static VOID StartDpcThread(PKPRCB Prcb)
{
    KI_DPC_THREAD *Self = ExAllocatePoolWithTag(NonPagedPool, sizeof(*Self), DPC_THREAD_TAG);

    if (Self == NULL)
        return; /* that processor's threaded DPCs run as ordinary ones */
    RtlZeroMemory(Self, sizeof(*Self));
    Self->Queue = &Prcb->ThreadedDpcData;
    KeInitializeEvent(&Self->Wake, SynchronizationEvent, FALSE);
    if (!NT_SUCCESS(KeInitializeThread(&Self->Thread, KiDpcThread, Self, HIGH_PRIORITY))) {
        ExFreePoolWithTag(Self, DPC_THREAD_TAG);
        return;
    }
    KeStartThread(&Self->Thread);
}

/* Once, at PASSIVE_LEVEL, when the dispatcher and every processor run. Each
 * thread announces itself (DpcThread) once it is on its processor. */
VOID KiStartDpcThreads(VOID)
{
    for (ULONG n = 0; n < KeNumberProcessors; n++)
        StartDpcThread(KiProcessorBlock[n]);
}
