/*
 * sched.c - the dispatcher lock and the ready queues: where a thread that
 * can run waits for a processor, and how a processor picks the next one.
 *
 * Each processor has 32 FIFO queues, one per priority, and a summary word
 * with a bit per non-empty queue (scheddata.h). The next thread is the head
 * of the highest non-empty queue: one bit scan. Equal priorities take turns
 * by the quantum (schedswitch.c).
 *
 * Spreading the work over the processors takes two rules:
 *   - a thread made ready goes to an idle processor when there is one, which
 *     is interrupted (an IPI on DISPATCH_VECTOR) to take it at once;
 *   - a processor with nothing in its own queues steals the best thread from
 *     another processor's queues before it idles.
 */
#include "schedp.h"
#include "ipi.h"
#include "hal/interrupts.h"
#include "hal/hal.h"
#include "hal/vectors.h"
#include "ke/time.h"
#include "rtl.h"

KSPIN_LOCK KiDispatcherLock;

KIRQL KiAcquireDispatcherLock(VOID)
{
    return KeAcquireSpinLockRaiseToDpc(&KiDispatcherLock);
}

VOID KiReleaseDispatcherLock(KIRQL OldIrql)
{
    KeReleaseSpinLock(&KiDispatcherLock, OldIrql);
}

LONG KiQuantumTicks(VOID)
{
    ULONG Increment = KeQueryTimeIncrement(); /* 100 ns units per tick */
    LONG Ticks = Increment ? (LONG)(200000 / Increment) : 1;

    return Ticks > 0 ? Ticks : 1;
}

VOID KiInsertReadyThread(PKPRCB Prcb, PKTHREAD Thread, BOOLEAN AtHead)
{
    PLIST_ENTRY Queue = &Prcb->Scheduler.ReadyListHead[Thread->Priority];

    Thread->State = Ready;
    Thread->NextProcessor = Prcb->Number;
    if (AtHead)
        InsertHeadList(Queue, &Thread->WaitListEntry);
    else
        InsertTailList(Queue, &Thread->WaitListEntry);
    Prcb->Scheduler.ReadySummary |= 1U << Thread->Priority;
}

VOID KiRemoveReadyThread(PKTHREAD Thread)
{
    PKPRCB Prcb = KiProcessorBlock[Thread->NextProcessor];

    RemoveEntryList(&Thread->WaitListEntry);
    if (IsListEmpty(&Prcb->Scheduler.ReadyListHead[Thread->Priority]))
        Prcb->Scheduler.ReadySummary &= ~(1U << Thread->Priority);
}

KPRIORITY KiHighestReadyPriority(PKPRCB Prcb)
{
    ULONG Summary = Prcb->Scheduler.ReadySummary;

    return Summary ? 31 - __builtin_clz(Summary) : -1;
}

/* The processors to look at: numbers 0 .. KeNumberProcessors - 1. A
 * processor is counted (KiActivateProcessor) before it gets its idle thread,
 * so none that schedules is left out; looping over all MAXIMUM_PROCESSORS
 * slots would cost every wait and wake-up 64 iterations. */
static ULONG ProcessorCount(VOID)
{
    return __atomic_load_n(&KeNumberProcessors, __ATOMIC_ACQUIRE);
}

/* A processor whose dispatcher is running: it has its idle thread. */
static BOOLEAN IsScheduling(PKPRCB Prcb)
{
    return Prcb != NULL && Prcb->IdleThread != NULL;
}

KAFFINITY KiSchedulingProcessors(VOID)
{
    KAFFINITY Set = 0;

    for (ULONG i = 0, Count = ProcessorCount(); i < Count; i++)
        if (IsScheduling(KiProcessorBlock[i]))
            Set |= (KAFFINITY)1 << i;
    return Set;
}

BOOLEAN KiAnyThreadReady(VOID)
{
    for (ULONG i = 0, Count = ProcessorCount(); i < Count; i++)
        if (IsScheduling(KiProcessorBlock[i]) && KiProcessorBlock[i]->Scheduler.ReadySummary != 0)
            return TRUE;
    return FALSE;
}

static BOOLEAN MayRunOn(PKTHREAD Thread, PKPRCB Prcb)
{
    return (Thread->Affinity >> Prcb->Number) & 1;
}

/* Takes the head of Owner's best queue for processor Runner, if its
 * priority is at least Min. (A thread on a queue may always run on that
 * queue's processor; a thief must ask.) */
static PKTHREAD TakeBest(PKPRCB Owner, PKPRCB Runner, KPRIORITY MinPriority)
{
    KPRIORITY Best = KiHighestReadyPriority(Owner);

    if (Best < 0 || Best < MinPriority)
        return NULL;
    PKTHREAD Thread = CONTAINING_RECORD(Owner->Scheduler.ReadyListHead[Best].Flink, KTHREAD, WaitListEntry);
    if (!MayRunOn(Thread, Runner))
        return NULL;
    KiRemoveReadyThread(Thread);
    return Thread;
}

/* The best ready thread on any other processor, taken from its queue. */
static PKTHREAD Steal(PKPRCB Prcb, KPRIORITY MinPriority)
{
    PKPRCB Victim = NULL;
    KPRIORITY VictimBest = MinPriority - 1;

    for (ULONG i = 0, Count = ProcessorCount(); i < Count; i++) {
        PKPRCB Other = KiProcessorBlock[i];
        if (Other == Prcb || !IsScheduling(Other))
            continue;
        KPRIORITY Best = KiHighestReadyPriority(Other);
        if (Best > VictimBest) {
            Victim = Other;
            VictimBest = Best;
        }
    }
    return Victim ? TakeBest(Victim, Prcb, MinPriority) : NULL;
}

PKTHREAD KiSelectReadyThread(PKPRCB Prcb, KPRIORITY MinPriority, BOOLEAN AllowSteal)
{
    PKTHREAD Thread = TakeBest(Prcb, Prcb, MinPriority);

    if (Thread == NULL && AllowSteal)
        Thread = Steal(Prcb, MinPriority);
    return Thread;
}

/* Idle: running its idle thread, with nothing queued and nothing chosen. */
static BOOLEAN IsIdle(PKPRCB Prcb)
{
    return IsScheduling(Prcb) && Prcb->CurrentThread == Prcb->IdleThread && Prcb->Scheduler.ReadySummary == 0 &&
           Prcb->Scheduler.PreviousThread == NULL;
}

/* Where Thread should wait, among the processors it may run on: the one it
 * last ran on if that one is idle, else any idle one, else this one, else
 * the first it may use. */
static PKPRCB ChooseProcessor(PKTHREAD Thread)
{
    PKPRCB Last = KiProcessorBlock[Thread->NextProcessor];
    PKPRCB Allowed = NULL;

    if (IsIdle(Last) && MayRunOn(Thread, Last))
        return Last;
    for (ULONG i = 0, Count = ProcessorCount(); i < Count; i++) {
        PKPRCB Prcb = KiProcessorBlock[i];
        if (!IsScheduling(Prcb) || !MayRunOn(Thread, Prcb))
            continue;
        if (IsIdle(Prcb))
            return Prcb;
        if (Allowed == NULL)
            Allowed = Prcb;
    }
    return MayRunOn(Thread, KeGetCurrentPrcb()) ? KeGetCurrentPrcb() : Allowed;
}

VOID KiReadyThread(PKTHREAD Thread)
{
    PKPRCB Prcb = ChooseProcessor(Thread);

    KiInsertReadyThread(Prcb, Thread, FALSE);
    if (Thread->Priority > Prcb->CurrentThread->Priority)
        KiRequestDispatchInterrupt(Prcb->Number);
}
