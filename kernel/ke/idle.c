/*
 * idle.c - the idle thread: what a processor runs when no thread is ready.
 *
 * Every processor ends its start-up in KiIdleLoop, and the code already
 * running there becomes the processor's idle thread: it needs no stack of
 * its own, the start-up stack serves. The idle thread has priority 0, below
 * every other thread, is never on a ready queue and never waits: the
 * dispatcher runs it exactly when it has nothing else (KiSwapThread).
 *
 * Its loop halts the processor until the next interrupt. Before halting it
 * looks for ready threads, its own or another processor's (it steals those),
 * and asks for the DISPATCH_LEVEL interrupt, which switches to one if this
 * processor may run it. The
 * look and the halt are made with interrupts off, and `sti; hlt` halts
 * with them back on: sti takes effect only after the next instruction, so no
 * interrupt can slip in between and leave the processor asleep with a thread
 * ready. A thread readied here later comes with an interrupt (the IPI of
 * KiRequestDispatchInterrupt), which ends the halt.
 */
#include "idle.h"
#include "schedp.h"
#include "hal/interrupts.h"
#include "hal/x86.h"
#include "rtl.h"

static KTHREAD KiIdleThreads[MAXIMUM_PROCESSORS];

static VOID InitializeSchedulerData(PKPRCB Prcb)
{
    for (ULONG i = 0; i < KI_PRIORITY_LEVELS; i++)
        InitializeListHead(&Prcb->Scheduler.ReadyListHead[i]);
    Prcb->Scheduler.ReadySummary = 0;
}

VOID KiInitializeIdleThread(VOID)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    PKTHREAD Idle = &KiIdleThreads[Prcb->Number];

    if (Prcb->IdleThread != NULL)
        return;
    InitializeSchedulerData(Prcb);
    KiInitializeThreadObject(Idle, LOW_PRIORITY);
    Idle->NextProcessor = Prcb->Number;
    Idle->RunningOn = (LONG)Prcb->Number + 1;

    KIRQL OldIrql = KiAcquireDispatcherLock();
    Idle->State = Running;
    Prcb->CurrentThread = Idle;
    Prcb->IdleThread = Idle; /* last: from now on the others see this processor schedule */
    KiReleaseDispatcherLock(OldIrql);
}

VOID KiIdleLoop(VOID)
{
    KiInitializeIdleThread();
    for (;;) {
        _disable();
        if (KiAnyThreadReady()) {
            _enable();
            HalRequestSoftwareInterrupt(DISPATCH_LEVEL); /* taken at once: we are at PASSIVE_LEVEL */
            _disable();
        }
        /* Still here: nothing this processor may run (a thread elsewhere may be
         * bound to its own processor). Halt until the next interrupt. */
        __asm__ volatile("sti; hlt" : : : "memory");
    }
}
