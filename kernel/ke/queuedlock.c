/*
 * queuedlock.c - in-stack queued spin locks: KeAcquireInStackQueuedSpinLock.
 *
 * An ordinary spin lock has two weaknesses when many processors want it:
 *   - every waiter watches the same word, so when it is released each
 *     waiter's cache fetches the line again and all of them race for it;
 *   - the winner is whoever's cache got there first, not who waited longest,
 *     so an unlucky processor can wait a very long time.
 * A queued lock (the MCS lock, after Mellor-Crummey and Scott) lines the
 * waiters up instead. Each brings its own queue entry, the KLOCK_QUEUE_HANDLE
 * on its stack, and spins on that: a word only it watches. The lock word
 * points at the last entry in line; joining is one atomic exchange with it,
 * and the holder, on release, hands the lock to the entry after its own by
 * writing that one word. Waiters are served in arrival order, and a release
 * touches one waiter's cache line, not everyone's.
 *
 *     lock word ----------------------------------.
 *                                                  v
 *     [holder: OWNER] --Next--> [waiter: WAIT] --Next--> [waiter: WAIT]
 *
 * An entry's Lock field is the lock's address with LOCK_QUEUE_WAIT (still in
 * line) or LOCK_QUEUE_OWNER (holds it) in its low bits; a KSPIN_LOCK is
 * pointer-aligned, so those bits are free.
 *
 * Memory ordering: the acquire side of the hand-over is the waiter's load of
 * its own Lock field, which pairs with the holder's release store to it; the
 * exchange on the lock word is both, because it publishes the new entry (its
 * Next must already be NULL) and may take the lock outright.
 */
#include "spinlockp.h"

/* The lock word of a queued lock, seen as what it is: the tail of the line. */
static PKSPIN_LOCK_QUEUE *Tail(PKSPIN_LOCK SpinLock)
{
    return (PKSPIN_LOCK_QUEUE *)SpinLock;
}

static PKSPIN_LOCK LockOf(PKSPIN_LOCK_QUEUE Entry)
{
    return (PKSPIN_LOCK)((ULONG_PTR)Entry->Lock & ~(ULONG_PTR)LOCK_QUEUE_FLAGS);
}

static VOID SetState(PKSPIN_LOCK_QUEUE Entry, PKSPIN_LOCK SpinLock, ULONG_PTR Flags)
{
    __atomic_store_n(&Entry->Lock, (PKSPIN_LOCK)((ULONG_PTR)SpinLock | Flags), __ATOMIC_RELEASE);
}

static BOOLEAN IsWaiting(PKSPIN_LOCK_QUEUE Entry)
{
    return ((ULONG_PTR)__atomic_load_n(&Entry->Lock, __ATOMIC_ACQUIRE) & LOCK_QUEUE_WAIT) != 0;
}

/* Join the line; return when first in it. Next and Lock are set before the
 * exchange makes the entry visible: a successor may write Next at any moment
 * after it. */
static VOID AcquireQueued(PKSPIN_LOCK SpinLock, PKSPIN_LOCK_QUEUE Entry)
{
    Entry->Next = NULL;
    Entry->Lock = (PKSPIN_LOCK)((ULONG_PTR)SpinLock | LOCK_QUEUE_WAIT);
    PKSPIN_LOCK_QUEUE Previous = __atomic_exchange_n(Tail(SpinLock), Entry, __ATOMIC_ACQ_REL);

    if (Previous == NULL) {
        SetState(Entry, SpinLock, LOCK_QUEUE_OWNER);
        return;
    }
    if ((ULONG_PTR)Previous & SPIN_LOCK_HELD_BIT)
        KiBugCheckMixedSpinLock(SpinLock, (KSPIN_LOCK)Previous, TRUE);
    __atomic_store_n(&Previous->Next, Entry, __ATOMIC_RELEASE);
    while (IsWaiting(Entry))
        _mm_pause();
}

/* The entry after Entry, when there is none yet but the lock word says one
 * is coming: it has done its exchange but not yet linked itself. */
static PKSPIN_LOCK_QUEUE WaitForSuccessor(PKSPIN_LOCK_QUEUE Entry)
{
    PKSPIN_LOCK_QUEUE Next;

    while ((Next = __atomic_load_n(&Entry->Next, __ATOMIC_ACQUIRE)) == NULL)
        _mm_pause();
    return Next;
}

/* Hand the lock to the next in line, or set it free when nobody waits. The
 * compare-exchange frees the lock only if Entry is still the last in line;
 * if it fails, someone has just joined, and gets the lock as soon as it has
 * linked itself behind Entry. */
static VOID ReleaseQueued(PKSPIN_LOCK_QUEUE Entry)
{
    PKSPIN_LOCK SpinLock = LockOf(Entry);
    PKSPIN_LOCK_QUEUE Next = __atomic_load_n(&Entry->Next, __ATOMIC_ACQUIRE);

    Entry->Lock = SpinLock; /* no longer the owner: a second release is caught */
    if (Next == NULL) {
        PKSPIN_LOCK_QUEUE Expected = Entry;
        if (__atomic_compare_exchange_n(Tail(SpinLock), &Expected, NULL, FALSE, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            return;
        Next = WaitForSuccessor(Entry);
    }
    SetState(Next, SpinLock, LOCK_QUEUE_OWNER);
}

static VOID CheckOwner(PKLOCK_QUEUE_HANDLE LockHandle)
{
    if (((ULONG_PTR)LockHandle->LockQueue.Lock & LOCK_QUEUE_OWNER) == 0)
        KiBugCheckQueuedReleaseNotOwned(LockHandle);
}

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KiCheckIrqlForAcquire(SpinLock, "KeAcquireInStackQueuedSpinLock");
    LockHandle->OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    AcquireQueued(SpinLock, &LockHandle->LockQueue);
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    CheckOwner(LockHandle);
    KiCheckIrqlForRelease(LockOf(&LockHandle->LockQueue), "KeReleaseInStackQueuedSpinLock");
    ReleaseQueued(&LockHandle->LockQueue);
    KfLowerIrql(LockHandle->OldIrql);
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    KiCheckIrqlForAcquireAtDpcLevel(SpinLock, "KeAcquireInStackQueuedSpinLockAtDpcLevel");
    AcquireQueued(SpinLock, &LockHandle->LockQueue);
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    CheckOwner(LockHandle);
    KiCheckIrqlForReleaseFromDpcLevel(LockOf(&LockHandle->LockQueue), "KeReleaseInStackQueuedSpinLockFromDpcLevel");
    ReleaseQueued(&LockHandle->LockQueue);
}
