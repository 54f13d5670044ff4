/*
 * spinlock.c - ordinary spin locks: KSPIN_LOCK and KeAcquireSpinLock.
 *
 * A held lock's word is its owner's tag (spinlockp.h), so the checks Driver
 * Verifier makes cost nothing extra: taking a lock this processor holds, or
 * releasing one it does not, shows in the word itself.
 *
 * Memory ordering. A lock must keep the critical sections of two processors
 * apart in time, and also make the first one's writes visible to the second:
 *   - taking the lock is an ACQUIRE: no load or store of the critical section
 *     may move before it;
 *   - letting it go is a RELEASE: none may move after it.
 * The __atomic builtins say so to the compiler, which would otherwise be free
 * to move ordinary loads and stores across the lock. On x86 the hardware needs
 * little more: a `lock cmpxchg` is a full barrier, and x86 never lets a store
 * pass earlier loads or stores, so the release is a plain `mov` of zero.
 *
 * Order with the IRQL. Raise, then take; let go, then lower. Were the lock
 * taken first, an interrupt arriving before the raise could queue a DPC that
 * runs at once on this processor and spins forever on the lock its own
 * processor holds. The same DPC could run if the IRQL dropped before the lock
 * was let go.
 */
#include "spinlockp.h"

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELAXED);
}

/* Spin until the lock looks free, only reading it. Every waiter keeps a
 * shared copy of the lock's cache line and spins in its own cache; the line
 * moves between processors only when the holder writes it, on release. An
 * atomic write in this loop would instead pull the line back and forth on
 * every attempt, slowing down the holder too. `pause` tells the CPU this is a
 * spin loop: it saves power, yields to a hyperthread sibling, and avoids the
 * pipeline flush a spinning load otherwise causes when the line changes. */
static VOID WaitWhileHeld(PKSPIN_LOCK SpinLock)
{
    while (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
        _mm_pause();
}

/* One attempt to move the word from 0 (free) to Tag. On failure *Seen is
 * the word's value, which names the holder. */
static BOOLEAN TryToTake(PKSPIN_LOCK SpinLock, KSPIN_LOCK Tag, KSPIN_LOCK *Seen)
{
    *Seen = 0;
    return __atomic_compare_exchange_n(SpinLock, Seen, Tag, FALSE, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/* A busy word that is not another processor's ordinary hold is a bug: our
 * own tag (we would wait for ourselves for ever) or a queued lock's tail. */
static VOID CheckHolder(PKSPIN_LOCK SpinLock, KSPIN_LOCK Seen, KSPIN_LOCK Tag)
{
    if (Seen == Tag)
        KiBugCheckRecursiveAcquire(SpinLock);
    if ((Seen & SPIN_LOCK_HELD_BIT) == 0)
        KiBugCheckMixedSpinLock(SpinLock, Seen, FALSE);
}

/* Test and test-and-set: try the atomic write only when the lock looked
 * free, spin read-only otherwise. The check comes before any spinning, so a
 * recursive acquire stops the machine instead of hanging it. */
VOID KiAcquireSpinLockRaw(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Tag = KiCurrentProcessorTag();
    KSPIN_LOCK Seen;

    while (!TryToTake(SpinLock, Tag, &Seen)) {
        CheckHolder(SpinLock, Seen, Tag);
        WaitWhileHeld(SpinLock);
    }
}

/* Only the holder ever writes its own tag, so reading anything else means
 * this processor does not hold the lock; no atomic read-modify-write is
 * needed to know. */
VOID KiReleaseSpinLockRaw(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Word = __atomic_load_n(SpinLock, __ATOMIC_RELAXED);

    if (Word != KiCurrentProcessorTag())
        KiBugCheckReleaseNotOwned(SpinLock, Word);
    __atomic_store_n(SpinLock, 0, __ATOMIC_RELEASE);
}

KIRQL KiAcquireSpinLockRaiseToHigh(PKSPIN_LOCK SpinLock)
{
    KIRQL OldIrql = KfRaiseIrql(HIGH_LEVEL);
    KiAcquireSpinLockRaw(SpinLock);
    return OldIrql;
}

VOID KiReleaseSpinLockFromHigh(PKSPIN_LOCK SpinLock, KIRQL OldIrql)
{
    KiReleaseSpinLockRaw(SpinLock);
    KfLowerIrql(OldIrql);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KiCheckIrqlForAcquire(SpinLock, "KeAcquireSpinLock");
    KIRQL OldIrql = KfRaiseIrql(DISPATCH_LEVEL);
    KiAcquireSpinLockRaw(SpinLock);
    return OldIrql;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    KiReleaseSpinLockRaw(SpinLock);
    KiCheckIrqlForRelease(SpinLock, "KeReleaseSpinLock");
    KfLowerIrql(NewIrql);
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    KiCheckIrqlForAcquireAtDpcLevel(SpinLock, "KeAcquireSpinLockAtDpcLevel");
    KiAcquireSpinLockRaw(SpinLock);
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    KiReleaseSpinLockRaw(SpinLock);
    KiCheckIrqlForReleaseFromDpcLevel(SpinLock, "KeReleaseSpinLockFromDpcLevel");
}

/* Never spins, so a lock this processor already holds is simply not
 * available: FALSE, as the documentation promises for any held lock. */
BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    KSPIN_LOCK Seen;

    KiCheckIrqlForAcquireAtDpcLevel(SpinLock, "KeTryToAcquireSpinLockAtDpcLevel");
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) != 0)
        return FALSE; /* test before test-and-set, as in the spin loop */
    return TryToTake(SpinLock, KiCurrentProcessorTag(), &Seen);
}

/* Callers poll with this while waiting at a low IRQL, so a busy answer
 * pauses the way the spin loop does. */
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock)
{
    if (__atomic_load_n(SpinLock, __ATOMIC_RELAXED) == 0)
        return TRUE;
    _mm_pause();
    return FALSE;
}
