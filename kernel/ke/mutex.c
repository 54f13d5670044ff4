/*
 * mutex.c - KMUTEX: mutual exclusion between threads, with an owner.
 *
 * Unlike a spin lock, a thread that finds the mutex owned sleeps, and the
 * owner may sleep, or be preempted, while it holds it: a mutex is for
 * PASSIVE_LEVEL code that may block. It has an owner, so the owner may
 * acquire it again (a recursive acquire; each needs its release), and only
 * the owner may release it.
 *
 * SignalState counts down from 1: 1 is free, 0 owned once, -1 owned twice.
 * KiSatisfyObject (waittest.c) records the owner when a wait takes it;
 * KiIsObjectSignaled lets the owner's own waits through.
 */
#include "schedp.h"

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    UNREFERENCED_PARAMETER(Level);
    KiInitializeDispatcherHeader(&Mutex->Header, MutantObject, 1);
    Mutex->OwnerThread = NULL;
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    UNREFERENCED_PARAMETER(Wait);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    LONG Previous = Mutex->Header.SignalState;

    if (Mutex->OwnerThread != KeGetCurrentThread() || Previous > 0) {
        KiReleaseDispatcherLock(OldIrql);
        KiBugCheck(THREAD_NOT_MUTEX_OWNER, (ULONG_PTR)KeGetCurrentThread(), (ULONG_PTR)Mutex,
                   (ULONG_PTR)Mutex->OwnerThread, 0, NULL,
                   "KeReleaseMutex(%p) by thread %p, which does not own it (owner: %p)", (PVOID)Mutex,
                   (PVOID)KeGetCurrentThread(), (PVOID)Mutex->OwnerThread);
    }
    Mutex->Header.SignalState = Previous + 1;
    if (Mutex->Header.SignalState == 1) { /* the last release: free, hand it on */
        Mutex->OwnerThread = NULL;
        KiWaitTest(&Mutex->Header);
    }
    KiReleaseDispatcherLock(OldIrql);
    return Previous;
}

LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    return Mutex->Header.SignalState;
}
