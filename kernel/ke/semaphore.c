/*
 * semaphore.c - KSEMAPHORE: a count of available things.
 *
 * The count goes down by one for each satisfied wait and up by Adjustment
 * for each release; while it is above zero the semaphore is signaled. A
 * release of 3 can wake three waiters (KiWaitTest keeps going while the
 * count lasts). The limit catches releases that were never matched by a
 * wait, a driver bug.
 */
#include "schedp.h"

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    KiInitializeDispatcherHeader(&Semaphore->Header, SemaphoreObject, Count);
    Semaphore->Limit = Limit;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    UNREFERENCED_PARAMETER(Increment);
    UNREFERENCED_PARAMETER(Wait);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = Semaphore->Header.SignalState;

    if (Adjustment <= 0 || Previous > Semaphore->Limit - Adjustment) {
        KiReleaseDispatcherLock(OldIrql);
        KiBugCheck(KMODE_EXCEPTION_NOT_HANDLED, (ULONG_PTR)(ULONG)STATUS_SEMAPHORE_LIMIT_EXCEEDED, (ULONG_PTR)Semaphore,
                   (ULONG_PTR)Previous, (ULONG_PTR)Adjustment, NULL,
                   "KeReleaseSemaphore(%p) by %d: the count %d would pass its limit %d "
                   "(STATUS_SEMAPHORE_LIMIT_EXCEEDED)",
                   (PVOID)Semaphore, Adjustment, Previous, Semaphore->Limit);
    }
    Semaphore->Header.SignalState = Previous + Adjustment;
    KiWaitTest(&Semaphore->Header);
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    return Semaphore->Header.SignalState;
}
