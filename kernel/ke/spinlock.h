/*
 * spinlock.h - spin locks, the NT way (docs/spinlocks.md).
 *
 * A spin lock guards data that code running at DISPATCH_LEVEL or above may
 * touch, where waiting by sleeping is not allowed. A CPU that wants a held
 * lock spins until the holder lets go, so holders must be quick and must never
 * be switched away from: taking a spin lock raises the CPU to DISPATCH_LEVEL,
 * where the dispatcher does not run.
 *
 * Two kinds, with the WDM names and rules:
 *   - KSPIN_LOCK with KeAcquireSpinLock / KeReleaseSpinLock (spinlock.c);
 *   - in-stack queued spin locks, KeAcquireInStackQueuedSpinLock with a
 *     KLOCK_QUEUE_HANDLE on the caller's stack (queuedlock.c): fair, and each
 *     waiter spins on its own cache line.
 * A lock is used with one kind only: never mix the two on one KSPIN_LOCK.
 *
 * The checks Driver Verifier makes are always on here: the wrong IRQL,
 * releasing a lock that this processor does not hold, taking an ordinary lock
 * this processor already holds. Each stops the machine with
 * DRIVER_VERIFIER_DETECTED_VIOLATION and a message naming the rule
 * (spinlockcheck.c).
 */
#ifndef KE_SPINLOCK_H
#define KE_SPINLOCK_H

#include "ntdef.h"
#include "ke/irql.h"

/* The lock itself: one pointer-sized word, zero when free. What a held lock's
 * word contains is the kernel's business (spinlock.c, queuedlock.c); drivers
 * only initialize it and pass its address. */
typedef ULONG_PTR KSPIN_LOCK, *PKSPIN_LOCK;

/* Sets the lock free. Call once, at IRQL <= DISPATCH_LEVEL, before any use;
 * the lock must be in nonpaged memory. */
VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock);

/* ---- ordinary spin locks (spinlock.c) ---- */

/* Raise to DISPATCH_LEVEL, then take the lock; returns the IRQL to give back
 * to KeReleaseSpinLock. Caller at IRQL <= DISPATCH_LEVEL. */
KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock);
/* WDM's spelling on x64: a macro that stores the old IRQL through OldIrql. */
#define KeAcquireSpinLock(SpinLock, OldIrql) (*(OldIrql) = KeAcquireSpinLockRaiseToDpc(SpinLock))
/* Let the lock go, then lower the IRQL to NewIrql (the value the acquire
 * returned). Caller at DISPATCH_LEVEL. */
VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql);

/* For code already at IRQL >= DISPATCH_LEVEL (a DPC, StartIo): take and let go
 * of the lock without touching the IRQL. */
VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock);
/* Take the lock if it is free; never spins. TRUE when the caller now holds
 * it. Caller at IRQL >= DISPATCH_LEVEL. */
BOOLEAN KeTryToAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock);
/* TRUE when the lock is free at this instant, FALSE when someone holds it: a
 * hint for deciding whether to try, never a promise. */
BOOLEAN KeTestSpinLock(PKSPIN_LOCK SpinLock);

/* ---- in-stack queued spin locks (queuedlock.c) ---- */

/* One waiter's place in a lock's queue. Next is the waiter after this one;
 * Lock points at the KSPIN_LOCK, with its low bits saying whether this waiter
 * still waits (LOCK_QUEUE_WAIT) or owns the lock (LOCK_QUEUE_OWNER). */
typedef struct _KSPIN_LOCK_QUEUE {
    struct _KSPIN_LOCK_QUEUE *volatile Next;
    PKSPIN_LOCK volatile Lock;
} KSPIN_LOCK_QUEUE, *PKSPIN_LOCK_QUEUE;

/* Opaque to drivers: declare one as a local variable, pass its address to the
 * acquire and the same address to the release. */
typedef struct _KLOCK_QUEUE_HANDLE {
    KSPIN_LOCK_QUEUE LockQueue;
    KIRQL OldIrql;
} KLOCK_QUEUE_HANDLE, *PKLOCK_QUEUE_HANDLE;

/* Raise to DISPATCH_LEVEL (the old IRQL is kept in LockHandle), then take the
 * lock in arrival order. Caller at IRQL <= DISPATCH_LEVEL. */
VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
/* Hand the lock to the next waiter, then lower the IRQL to what it was. */
VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle);
/* The same for callers already at IRQL >= DISPATCH_LEVEL; the IRQL is left
 * alone. */
VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle);
VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle);

/* ---- for the kernel only ---- */

/* Take and let go of an ordinary spin lock with no IRQL rule at all: neither
 * checked nor changed. For kernel code that has already made the CPU safe by
 * other means: an interrupt object's lock, taken at the object's
 * SynchronizeIrql (a DIRQL) or with interrupts disabled on the way into an
 * ISR. The ownership checks (recursion, releasing a lock not held) still
 * apply. Drivers use KeAcquireSpinLock* instead. */
VOID KiAcquireSpinLockRaw(PKSPIN_LOCK SpinLock);
VOID KiReleaseSpinLockRaw(PKSPIN_LOCK SpinLock);
/* For the kernel's own tables that interrupt code also reads (vector table,
 * routing, I/O APIC registers): raise to HIGH_LEVEL, so no interrupt on this
 * processor can run while the lock is held, then take it. */
KIRQL KiAcquireSpinLockRaiseToHigh(PKSPIN_LOCK SpinLock);
VOID KiReleaseSpinLockFromHigh(PKSPIN_LOCK SpinLock, KIRQL OldIrql);

#endif /* KE_SPINLOCK_H */
