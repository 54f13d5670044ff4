/*
 * scheddata.h - a CPU's dispatcher state, kept in its KPRCB (prcb.h): its
 * ready queues, its timer list and its quantum bookkeeping. Owned by the
 * dispatcher (schedp.h lists its files); guarded by the dispatcher lock
 * except where a field says otherwise.
 */
#ifndef KE_SCHEDDATA_H
#define KE_SCHEDDATA_H

#include "ntdef.h"

#define KI_PRIORITY_LEVELS 32

struct _KTHREAD;

typedef struct _KSCHEDULER_DATA {
    /* One FIFO queue of Ready threads per priority (KTHREAD.WaitListEntry),
     * and a bit per queue that is not empty, so the highest one is a single
     * bit scan. ReadySummary is also read without the lock, as a hint. */
    LIST_ENTRY ReadyListHead[KI_PRIORITY_LEVELS];
    volatile ULONG ReadySummary;

    /* Set by the clock (CLOCK_LEVEL) when the running thread's quantum is
     * used up; read and cleared by the DISPATCH_LEVEL interrupt, on this CPU. */
    volatile BOOLEAN QuantumEnd;

    /* The thread this CPU just switched away from, until the thread switched
     * to has finished the switch (KiFinishSwitch). */
    struct _KTHREAD *PreviousThread;

    /* KTIMER.TimerListEntry, earliest first. NextTimerDue is the first one's
     * due time (~0 when none): the clock reads it, without the lock. */
    LIST_ENTRY TimerListHead;
    volatile ULONG64 NextTimerDue;

    ULONG64 ContextSwitches;
} KSCHEDULER_DATA;

#endif /* KE_SCHEDDATA_H */
