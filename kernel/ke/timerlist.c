/*
 * timerlist.c - where timers wait for their due time, and how they expire.
 *
 * Each processor keeps its own list of set timers, earliest first
 * (KSCHEDULER_DATA.TimerListHead), and the first one's due time in
 * NextTimerDue. A timer goes on the list of the processor that sets it.
 *
 * Expiry is split in two, like all interrupt work in NT:
 *   - at CLOCK_LEVEL, the clock interrupt only compares the interrupt time
 *     with NextTimerDue (KiTimerDue) and, when a timer is due, requests the
 *     DISPATCH_LEVEL software interrupt. It takes no lock: one 64-bit read;
 *   - at DISPATCH_LEVEL, KiExpireTimers takes the due timers off the list,
 *     signals them (waking their waiters), sets periodic ones again, and
 *     queues their DPCs, after letting go of the dispatcher lock.
 *
 * Due times are interrupt times (100 ns since boot), and the interrupt time
 * moves once per clock tick, so a timer expires at the first tick at or
 * after its due time: never early, and late by up to a tick (more when the
 * processor sits at DISPATCH_LEVEL or above, which holds the interrupt
 * back).
 */
#include "schedp.h"
#include "ke/dpc.h"
#include "ke/time.h"
#include "hal/interrupts.h"
#include "rtl.h"

#define KI_NO_TIMER (~0ULL)
#define KI_EXPIRY_BATCH 16 /* DPCs queued per pass; more wait for the next pass */

ULONGLONG KiAbsoluteDueTime(LONGLONG DueTime)
{
    return DueTime < 0 ? KeQueryInterruptTime() + (ULONGLONG)-DueTime : (ULONGLONG)DueTime;
}

VOID KiInitializeTimerList(PKPRCB Prcb)
{
    InitializeListHead(&Prcb->Scheduler.TimerListHead);
    Prcb->Scheduler.NextTimerDue = KI_NO_TIMER;
}

static VOID UpdateNextTimerDue(PKPRCB Prcb)
{
    PLIST_ENTRY Head = &Prcb->Scheduler.TimerListHead;

    Prcb->Scheduler.NextTimerDue =
        IsListEmpty(Head) ? KI_NO_TIMER : CONTAINING_RECORD(Head->Flink, KTIMER, TimerListEntry)->DueTime;
}

/* In due-time order; after the timers due at the same time (first set,
 * first expired). */
VOID KiInsertTimer(PKTIMER Timer, ULONGLONG DueTime)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    PLIST_ENTRY Head = &Prcb->Scheduler.TimerListHead;
    PLIST_ENTRY Entry = Head->Flink;

    while (Entry != Head && CONTAINING_RECORD(Entry, KTIMER, TimerListEntry)->DueTime <= DueTime)
        Entry = Entry->Flink;
    Timer->DueTime = DueTime;
    Timer->Processor = Prcb->Number;
    Timer->Header.Inserted = TRUE;
    InsertTailList(Entry, &Timer->TimerListEntry); /* i.e. just before Entry */
    UpdateNextTimerDue(Prcb);
}

VOID KiRemoveTimer(PKTIMER Timer)
{
    RemoveEntryList(&Timer->TimerListEntry);
    Timer->Header.Inserted = FALSE;
    UpdateNextTimerDue(KiProcessorBlock[Timer->Processor]);
}

BOOLEAN KiTimerDue(PKPRCB Prcb)
{
    return KeQueryInterruptTime() >= Prcb->Scheduler.NextTimerDue;
}

/* A periodic timer's next due time after Now, in step with its first one:
 * expiries that were missed (the processor was held up) are merged. */
static ULONGLONG NextPeriod(PKTIMER Timer, ULONGLONG Now)
{
    ULONGLONG Period = (ULONGLONG)Timer->Period * 10000; /* ms to 100 ns */
    ULONGLONG Due = Timer->DueTime + Period;

    while (Due <= Now)
        Due += Period;
    return Due;
}

typedef struct _KI_EXPIRED_DPC {
    PKDPC Dpc;
    ULONGLONG DueTime;
} KI_EXPIRED_DPC;

/* Expires the due timers, under the lock; returns how many DPCs to queue. */
static ULONG ExpireDueTimers(KI_EXPIRED_DPC *Expired, BOOLEAN *More)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    PLIST_ENTRY Head = &Prcb->Scheduler.TimerListHead;
    ULONGLONG Now = KeQueryInterruptTime();
    ULONG Count = 0;

    *More = FALSE;
    while (!IsListEmpty(Head)) {
        PKTIMER Timer = CONTAINING_RECORD(Head->Flink, KTIMER, TimerListEntry);
        if (Timer->DueTime > Now)
            break;
        if (Count == KI_EXPIRY_BATCH) {
            *More = TRUE;
            break;
        }
        KiRemoveTimer(Timer);
        if (Timer->Dpc != NULL)
            Expired[Count++] = (KI_EXPIRED_DPC){Timer->Dpc, Timer->DueTime};
        Timer->Header.SignalState = 1;
        KiWaitTest(&Timer->Header);
        if (Timer->Period != 0)
            KiInsertTimer(Timer, NextPeriod(Timer, Now));
    }
    return Count;
}

VOID KiExpireTimers(VOID)
{
    KI_EXPIRED_DPC Expired[KI_EXPIRY_BATCH];
    BOOLEAN More;

    PKPRCB Prcb = KeGetCurrentPrcb();

    if (Prcb->IdleThread == NULL || !KiTimerDue(Prcb)) /* no timer list yet, or nothing due */
        return;
    KeAcquireSpinLockAtDpcLevel(&KiDispatcherLock);
    ULONG Count = ExpireDueTimers(Expired, &More);
    KeReleaseSpinLockFromDpcLevel(&KiDispatcherLock);

    /* The DPCs are queued without the dispatcher lock: a DPC queue has its
     * own lock, and this keeps the two apart. The arguments are NT's: the
     * due time, low and high 32 bits. */
    for (ULONG i = 0; i < Count; i++)
        KeInsertQueueDpc(Expired[i].Dpc, (PVOID)(ULONG_PTR)(ULONG)Expired[i].DueTime,
                         (PVOID)(ULONG_PTR)(Expired[i].DueTime >> 32));
    if (More)
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
}
