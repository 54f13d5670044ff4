/*
 * waittest.c - the other side of a wait: when an object becomes signaled,
 * which waiting threads does that release?
 *
 * Each object type has its own answer to two questions:
 *   - is it signaled (for this thread)? SignalState > 0; or, for a mutex,
 *     also when this thread already owns it;
 *   - what does a satisfied wait take away? A synchronization event or timer
 *     resets, a semaphore's count drops by one, a mutex becomes owned.
 *     Notification events and timers, and threads, stay signaled: they
 *     release every waiter.
 *
 * KiWaitTest walks the object's wait list in arrival order (first come,
 * first served) for as long as the object stays signaled. A WaitAny block is
 * satisfied by this object alone; a WaitAll block only when every object of
 * its thread's wait is signaled, and then all are satisfied together, so a
 * WaitAll never holds some of its objects while it waits for the others.
 * All of this runs under the dispatcher lock.
 */
#include "schedp.h"
#include "rtl.h"

VOID KiInitializeDispatcherHeader(PDISPATCHER_HEADER Header, UCHAR Type, LONG SignalState)
{
    Header->Type = Type;
    Header->Inserted = FALSE;
    Header->SignalState = SignalState;
    InitializeListHead(&Header->WaitListHead);
}

BOOLEAN KiIsObjectSignaled(PDISPATCHER_HEADER Object, PKTHREAD Thread)
{
    if (Object->Type == MutantObject && ((PKMUTANT)Object)->OwnerThread == Thread)
        return TRUE; /* its owner may acquire it again */
    return Object->SignalState > 0;
}

VOID KiSatisfyObject(PDISPATCHER_HEADER Object, PKTHREAD Thread)
{
    switch (Object->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject: Object->SignalState = 0; break;
    case SemaphoreObject: Object->SignalState--; break;
    case MutantObject:
        Object->SignalState--;
        ((PKMUTANT)Object)->OwnerThread = Thread;
        break;
    default: /* notification events and timers, threads: they stay signaled */ break;
    }
}

/* Are all of Thread's objects signaled for it? (A WaitAll.) */
static BOOLEAN AllSignaled(PKTHREAD Thread)
{
    for (ULONG i = 0; i < Thread->WaitCount; i++)
        if (!KiIsObjectSignaled(Thread->WaitBlockList[i].Object, Thread))
            return FALSE;
    return TRUE;
}

/* Tries Block's wait. TRUE when it was satisfied and its thread woken. */
static BOOLEAN TrySatisfy(PKWAIT_BLOCK Block)
{
    PKTHREAD Thread = Block->Thread;

    if (Block->WaitType == WaitAny) {
        KiSatisfyObject(Block->Object, Thread);
        KiUnwaitThread(Thread, Block->WaitKey);
        return TRUE;
    }
    if (!AllSignaled(Thread))
        return FALSE;
    for (ULONG i = 0; i < Thread->WaitCount; i++)
        KiSatisfyObject(Thread->WaitBlockList[i].Object, Thread);
    KiUnwaitThread(Thread, STATUS_WAIT_0);
    return TRUE;
}

VOID KiWaitTest(PDISPATCHER_HEADER Object)
{
    PLIST_ENTRY Head = &Object->WaitListHead;
    PLIST_ENTRY Entry = Head->Flink;

    while (Entry != Head && Object->SignalState > 0) {
        PKWAIT_BLOCK Block = CONTAINING_RECORD(Entry, KWAIT_BLOCK, WaitListEntry);
        /* A woken thread leaves every list it was on, this one perhaps more
         * than once: start again from the head. */
        Entry = TrySatisfy(Block) ? Head->Flink : Entry->Flink;
    }
}

VOID KiUnwaitThread(PKTHREAD Thread, NTSTATUS Status)
{
    for (ULONG i = 0; i < Thread->WaitCount; i++)
        RemoveEntryList(&Thread->WaitBlockList[i].WaitListEntry);
    if (Thread->WaitTimeout) {
        RemoveEntryList(&Thread->TimerWaitBlock.WaitListEntry);
        if (Thread->Timer.Header.Inserted)
            KiRemoveTimer(&Thread->Timer);
        Thread->WaitTimeout = FALSE;
    }
    Thread->WaitCount = 0;
    Thread->WaitStatus = Status;
    KiReadyThread(Thread);
}
