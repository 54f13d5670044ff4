/*
 * schedswitch.c - switching threads, and deciding when to.
 *
 * A processor switches threads in exactly two situations, both at
 * DISPATCH_LEVEL with the dispatcher lock held:
 *   - the running thread stops: it waits or ends (KiSwapThread);
 *   - its DISPATCH_LEVEL software interrupt finds that another thread should
 *     run instead: a higher-priority one became ready, or the quantum ended
 *     and another of the same priority is waiting its turn
 *     (KiDispatchReschedule).
 * Never above DISPATCH_LEVEL: an ISR or the clock interrupt only asks for the
 * software interrupt, which comes once the IRQL drops. And never on a
 * processor at DISPATCH_LEVEL for another reason (a DPC, a spin lock holder):
 * the interrupt waits until it drops below, as the APIC enforces.
 *
 * (KeSetSystemAffinityThreadEx is a case of the first: the thread stops
 * here and waits on the queue of a processor it is allowed on.)
 *
 * Every switch ends in the thread switched to with KiFinishSwitch, which
 * releases the lock the old thread took. Until then the old thread's
 * registers may be half saved, so no other processor may pick it up; the
 * lock keeps them out, and RunningOn checks it (ClaimProcessor).
 */
#include "schedp.h"
#include "ipi.h"
#include "rtl.h"

/* Thread is about to run on Prcb. If it is already running somewhere, the
 * dispatcher is broken: two processors would share one stack. */
static VOID ClaimProcessor(PKPRCB Prcb, PKTHREAD Thread)
{
    LONG Was = __atomic_exchange_n(&Thread->RunningOn, (LONG)Prcb->Number + 1, __ATOMIC_SEQ_CST);

    if (Was != 0 || (Thread->State != Ready && Thread != Prcb->IdleThread))
        KiBugCheck(KERNEL_SECURITY_CHECK_FAILURE, (ULONG_PTR)Thread, (ULONG_PTR)Was, Thread->State, Prcb->Number, NULL,
                   "dispatcher invariant: thread %p (state %u) chosen to run on processor %u while it runs on "
                   "processor %d",
                   (PVOID)Thread, Thread->State, Prcb->Number, Was - 1);
}

static VOID SwitchTo(PKPRCB Prcb, PKTHREAD Old, PKTHREAD New)
{
    ClaimProcessor(Prcb, New);
    New->State = Running;
    New->NextProcessor = Prcb->Number;
    New->Quantum = KiQuantumTicks();
    New->ContextSwitches++;
    Prcb->Scheduler.ContextSwitches++;
    Prcb->Scheduler.PreviousThread = Old;
    Prcb->CurrentThread = New;

    KiSwapContext(&Old->KernelStack, New->KernelStack);

    /* Old runs again: later, and maybe on another processor. */
    KiFinishSwitch();
}

VOID KiFinishSwitch(VOID)
{
    PKPRCB Prcb = KeGetCurrentPrcb(); /* read again: the thread may have moved */
    PKTHREAD Previous = Prcb->Scheduler.PreviousThread;

    Prcb->Scheduler.PreviousThread = NULL;
    __atomic_store_n(&Previous->RunningOn, 0, __ATOMIC_SEQ_CST); /* its registers are saved */
    BOOLEAN Ended = Previous->State == Terminated;
    KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);
    if (Ended)
        KiReapThread(Previous);
}

VOID KiSwapThread(VOID)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    PKTHREAD Old = Prcb->CurrentThread;
    PKTHREAD New = KiSelectReadyThread(Prcb, LOW_PRIORITY, TRUE);

    if (New == NULL)
        New = Prcb->IdleThread;
    if (New == Old) { /* readied again before it could leave: it just goes on */
        Old->State = Running;
        KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);
        return;
    }
    if (New == Prcb->IdleThread)
        New->State = Standby;
    SwitchTo(Prcb, Old, New);
}

/* The running thread steps aside for New: back on this processor's queue at
 * the tail (its turn is over) or at the head (it was preempted: it keeps
 * its place in line). The idle thread just waits in Standby. */
static VOID Preempt(PKPRCB Prcb, PKTHREAD Current, PKTHREAD New, BOOLEAN TurnOver)
{
    if (Current == Prcb->IdleThread)
        Current->State = Standby;
    else
        KiInsertReadyThread(Prcb, Current, !TurnOver);
    SwitchTo(Prcb, Current, New);
}

VOID KiDispatchReschedule(VOID)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    PKTHREAD Current = Prcb->CurrentThread;
    PKTHREAD New;

    if (Current == NULL) /* the dispatcher has not started on this processor */
        return;
    KeAcquireSpinLockAtDpcLevel(&KiDispatcherLock);
    BOOLEAN QuantumEnd = Prcb->Scheduler.QuantumEnd;
    Prcb->Scheduler.QuantumEnd = FALSE;
    if (Current == Prcb->IdleThread)
        New = KiSelectReadyThread(Prcb, LOW_PRIORITY, TRUE);
    else if (QuantumEnd)
        New = KiSelectReadyThread(Prcb, Current->Priority, FALSE);
    else
        New = KiSelectReadyThread(Prcb, Current->Priority + 1, FALSE);
    if (New == NULL) {
        KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);
        return;
    }
    Preempt(Prcb, Current, New, QuantumEnd);
}

VOID KiYieldThread(VOID)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    PKPRCB Prcb = KeGetCurrentPrcb();
    PKTHREAD Current = Prcb->CurrentThread;
    PKTHREAD New = KiSelectReadyThread(Prcb, Current->Priority, FALSE);

    if (New != NULL)
        Preempt(Prcb, Current, New, TRUE);
    else
        KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);
    KeLowerIrql(OldIrql);
}

/*
 * The clock's share, at CLOCK_LEVEL: no lock can be taken here (a DISPATCH
 * level holder may be the very code interrupted), so this only reads hints
 * and says whether the DISPATCH_LEVEL interrupt should look:
 *   - the idle thread runs and some processor has a thread waiting;
 *   - a thread better than the running one waits here (readied by another
 *     processor);
 *   - the quantum is used up and another thread of its priority waits.
 */
BOOLEAN KiQuantumTick(PKPRCB Prcb)
{
    PKTHREAD Thread = Prcb->CurrentThread;

    if (Thread == Prcb->IdleThread)
        return KiAnyThreadReady();
    if (KiHighestReadyPriority(Prcb) > Thread->Priority)
        return TRUE;
    if (--Thread->Quantum > 0)
        return FALSE;
    Thread->Quantum = KiQuantumTicks();
    if (KiHighestReadyPriority(Prcb) < Thread->Priority)
        return FALSE; /* nobody to take turns with: a new quantum */
    Prcb->Scheduler.QuantumEnd = TRUE;
    return TRUE;
}

/* Affinity: a thread that may no longer run here waits on an allowed
 * processor's queue and leaves this one, as if preempted. */
KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity)
{
    if ((Affinity & KiSchedulingProcessors()) == 0)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, Affinity, KiSchedulingProcessors(), 0, 0, NULL,
                   "KeSetSystemAffinityThreadEx(0x%llx): no running processor in the set (running: 0x%llx)",
                   (ULONG64)Affinity, (ULONG64)KiSchedulingProcessors());
    KIRQL OldIrql = KiAcquireDispatcherLock();
    PKPRCB Prcb = KeGetCurrentPrcb();
    PKTHREAD Current = Prcb->CurrentThread;
    KAFFINITY Previous = Current->Affinity;

    Current->Affinity = Affinity;
    if ((Affinity >> Prcb->Number) & 1) {
        KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);
    } else { /* off this processor: wait on an allowed one's queue */
        KiReadyThread(Current);
        KiRequestDispatchInterrupt(Current->NextProcessor);
        KiSwapThread();
    }
    KeLowerIrql(OldIrql);
    return Previous;
}

VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity)
{
    KeSetSystemAffinityThreadEx(Affinity);
}
