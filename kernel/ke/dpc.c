/*
 * dpc.c - DPC objects and the queues: initialize, insert, remove, set the
 * importance and the target (dpc.h has the contract; the drain loop is
 * dpcretire.c).
 *
 * Inserting and removing raise to HIGH_LEVEL before taking a queue's lock:
 * an ISR at any DIRQL may insert into the same queue, and if it interrupted
 * this CPU while it held the lock, it would spin on it for ever. At
 * HIGH_LEVEL no interrupt gets in.
 *
 * KDPC.DpcData says "queued, and on which queue". It is set by a
 * compare-exchange from NULL, because the queue locks alone cannot make the
 * decision: two CPUs inserting the same untargeted DPC each hold only their
 * own queue's lock. The one exchange that succeeds queues it; the other
 * insert sees it taken and returns FALSE without touching it.
 */
#include "dpc.h"
#include "ke.h"
#include "prcb.h"
#include "ipi.h"
#include "spinlock.h"
#include "hal/interrupts.h"
#include "hal/x86.h"
#include "rtl.h"

/* Low-importance DPCs wait for the clock tick, unless this many are queued. */
#define KI_MAXIMUM_DPC_QUEUE_DEPTH 4

static VOID InitializeDpc(PRKDPC Dpc, UCHAR Type, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    Dpc->Type = Type;
    Dpc->Importance = MediumImportance;
    Dpc->Number = 0;
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    Dpc->SystemArgument1 = NULL;
    Dpc->SystemArgument2 = NULL;
    Dpc->DpcData = NULL;
}

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    InitializeDpc(Dpc, DpcObject, DeferredRoutine, DeferredContext);
}

VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    InitializeDpc(Dpc, ThreadedDpcObject, DeferredRoutine, DeferredContext);
}

VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    Dpc->Importance = (UCHAR)Importance;
}

VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    if ((UCHAR)Number >= KeNumberProcessors)
        KiBugCheck(INVALID_AFFINITY_SET, (UCHAR)Number, KeNumberProcessors, (ULONG_PTR)Dpc, 0, NULL,
                   "KeSetTargetProcessorDpc(%p, %u): there are %u processors, numbered from 0", (PVOID)Dpc,
                   (UCHAR)Number, KeNumberProcessors);
    Dpc->Number = (USHORT)(KDPC_TARGETED + (UCHAR)Number);
}

/* The processor whose queue the DPC goes to. */
static PKPRCB TargetPrcb(PRKDPC Dpc)
{
    if (Dpc->Number >= KDPC_TARGETED)
        return KiProcessorBlock[Dpc->Number - KDPC_TARGETED];
    return KeGetCurrentPrcb();
}

/* Which of the target's two queues: a threaded DPC goes to the threaded one
 * once that processor's DPC thread runs; before, it runs as an ordinary DPC,
 * as Windows runs threaded DPCs when they are turned off. */
static KDPC_DATA *TargetQueue(PKPRCB Target, PRKDPC Dpc)
{
    if (Dpc->Type == ThreadedDpcObject && Target->ThreadedDpcData.DpcThread != NULL)
        return &Target->ThreadedDpcData;
    return &Target->DpcData;
}

/* Under the queue's lock: queued, with these arguments, at the place its
 * importance asks for; or FALSE, untouched, if it already was queued. */
static BOOLEAN Enqueue(KDPC_DATA *Data, PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PVOID Expected = NULL;

    if (!__atomic_compare_exchange_n(&Dpc->DpcData, &Expected, Data, FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return FALSE;
    Dpc->SystemArgument1 = SystemArgument1;
    Dpc->SystemArgument2 = SystemArgument2;
    if (Dpc->Importance == HighImportance)
        InsertHeadList(&Data->DpcListHead, &Dpc->DpcListEntry);
    else
        InsertTailList(&Data->DpcListHead, &Dpc->DpcListEntry);
    Data->DpcQueueDepth++;
    Data->Statistics.InsertCount++;
    if (Data->DpcQueueDepth > Data->Statistics.MaximumQueueDepth)
        Data->Statistics.MaximumQueueDepth = Data->DpcQueueDepth;
    return TRUE;
}

/* Whether the queue is drained at once, as the importance says (for a
 * threaded DPC, the DISPATCH_LEVEL interrupt wakes the DPC thread):
 *   Low         only when the queue is getting long; else at the next tick
 *   Medium      at once on this CPU; at the target's next tick on another
 *   MediumHigh,
 *   High        at once, on any CPU: another CPU is interrupted */
static VOID RequestDrain(PKPRCB Target, PRKDPC Dpc)
{
    BOOLEAN Here = Target == KeGetCurrentPrcb();
    BOOLEAN Now;

    switch (Dpc->Importance) {
    case LowImportance:
        Now = Target->DpcData.DpcQueueDepth + Target->ThreadedDpcData.DpcQueueDepth >= KI_MAXIMUM_DPC_QUEUE_DEPTH;
        break;
    case MediumImportance: Now = Here; break;
    default: Now = TRUE; break;
    }
    if (Now)
        KiRequestDispatchInterrupt(Target->Number);
}

BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    KIRQL OldIrql = KfRaiseIrql(HIGH_LEVEL);
    PKPRCB Target = TargetPrcb(Dpc);
    KDPC_DATA *Queue = TargetQueue(Target, Dpc);

    KiAcquireSpinLockRaw(&Queue->DpcLock);
    BOOLEAN Inserted = Enqueue(Queue, Dpc, SystemArgument1, SystemArgument2);
    KiReleaseSpinLockRaw(&Queue->DpcLock);
    if (Inserted)
        RequestDrain(Target, Dpc);
    KfLowerIrql(OldIrql);
    return Inserted;
}

BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    KIRQL OldIrql = KfRaiseIrql(HIGH_LEVEL);
    KDPC_DATA *Data = __atomic_load_n(&Dpc->DpcData, __ATOMIC_ACQUIRE);
    BOOLEAN Removed = FALSE;

    if (Data != NULL) {
        KiAcquireSpinLockRaw(&Data->DpcLock);
        /* The drain loop may have taken it off meanwhile: check again. */
        if (Dpc->DpcData == Data) {
            RemoveEntryList(&Dpc->DpcListEntry);
            Data->DpcQueueDepth--;
            __atomic_store_n(&Dpc->DpcData, NULL, __ATOMIC_RELEASE);
            Removed = TRUE;
        }
        KiReleaseSpinLockRaw(&Data->DpcLock);
    }
    KfLowerIrql(OldIrql);
    return Removed;
}
