/*
 * event.c - KEVENT: a flag threads wait for.
 *
 * A NotificationEvent is a gate: set, it lets every waiter through, and
 * stays open for the ones that come later until someone resets it ("the
 * device is ready"). A SynchronizationEvent is a turnstile: set, it lets
 * exactly one waiter through and closes again by itself (KiSatisfyObject);
 * with no waiter it stays set until the next wait takes it ("one item was
 * queued"). Setting an event that is already set changes nothing: sets do
 * not count, which is what a semaphore is for.
 */
#include "schedp.h"

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    UCHAR ObjectType = Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject;

    KiInitializeDispatcherHeader(&Event->Header, ObjectType, State ? 1 : 0);
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    UNREFERENCED_PARAMETER(Increment);
    UNREFERENCED_PARAMETER(Wait);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = Event->Header.SignalState;

    Event->Header.SignalState = 1;
    KiWaitTest(&Event->Header);
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = Event->Header.SignalState;

    Event->Header.SignalState = 0;
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

/* Without the lock: one store, and nobody wakes because of it. */
VOID KeClearEvent(PRKEVENT Event)
{
    Event->Header.SignalState = 0;
}

LONG KeReadStateEvent(PRKEVENT Event)
{
    return Event->Header.SignalState;
}
