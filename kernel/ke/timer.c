/*
 * timer.c - KTIMER: a dispatcher object that becomes signaled at a given
 * time, and may queue a DPC when it does (a CustomTimerDpc).
 *
 * Setting a timer puts it on this processor's timer list; it expires at
 * DISPATCH_LEVEL (timerlist.c). A periodic timer goes back on the list each
 * time, one period after its last due time, so it keeps its rhythm even when
 * an expiry is late.
 */
#include "schedp.h"

VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    UCHAR ObjectType = Type == NotificationTimer ? TimerNotificationObject : TimerSynchronizationObject;

    KiInitializeDispatcherHeader(&Timer->Header, ObjectType, 0);
    Timer->DueTime = 0;
    Timer->Dpc = NULL;
    Timer->Period = 0;
    Timer->Processor = 0;
    InitializeListHead(&Timer->TimerListEntry);
}

VOID KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, struct _KDPC *Dpc)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    BOOLEAN WasSet = Timer->Header.Inserted;

    if (WasSet)
        KiRemoveTimer(Timer);
    Timer->Header.SignalState = 0;
    Timer->Dpc = Dpc;
    Timer->Period = Period > 0 ? Period : 0;
    /* A due time already past is inserted all the same: the next tick's
     * check expires it, at DISPATCH_LEVEL like any other. */
    KiInsertTimer(Timer, KiAbsoluteDueTime(DueTime.QuadPart));
    KiReleaseDispatcherLock(OldIrql);
    return WasSet;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, struct _KDPC *Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    BOOLEAN WasSet = Timer->Header.Inserted;

    if (WasSet)
        KiRemoveTimer(Timer);
    KiReleaseDispatcherLock(OldIrql);
    return WasSet;
}

BOOLEAN KeReadStateTimer(PKTIMER Timer)
{
    return Timer->Header.SignalState > 0;
}
