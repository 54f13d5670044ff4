/*
 * spinlockp.h - what the spin lock files share and nobody else needs:
 *   spinlock.c       ordinary spin locks (KSPIN_LOCK)
 *   queuedlock.c     in-stack queued spin locks (KLOCK_QUEUE_HANDLE)
 *   spinlockcheck.c  the rules a caller must keep, and the bug checks
 *
 * What a lock word holds:
 *   0                         free (what KeInitializeSpinLock writes)
 *   an odd value              an ordinary lock, held: the owner's tag below
 *   an address (even)         a queued lock: its last waiter's KSPIN_LOCK_QUEUE
 * Bit 0 tells the two kinds apart, so using one lock both ways is caught.
 */
#ifndef KE_SPINLOCKP_H
#define KE_SPINLOCKP_H

#include "ke/spinlock.h"
#include "ke/prcb.h"
#include "hal/x86.h"

#define SPIN_LOCK_HELD_BIT 1

/* The low bits of a queue entry's Lock field (queuedlock.c); NT's values. */
#define LOCK_QUEUE_WAIT 1  /* in line, spinning */
#define LOCK_QUEUE_OWNER 2 /* first in line: holds the lock */
#define LOCK_QUEUE_FLAGS (LOCK_QUEUE_WAIT | LOCK_QUEUE_OWNER)

/* The value an ordinary lock's word takes while this processor holds it:
 * (processor number << 1) | 1. A holder runs at DISPATCH_LEVEL or above, so it
 * cannot be switched to another processor while it holds the lock: the
 * processor is as good an owner as the thread.
 *
 * The processor number is one read through GS from this CPU's KPRCB
 * (prcb.h). */
static inline KSPIN_LOCK KiCurrentProcessorTag(VOID)
{
    return ((KSPIN_LOCK)KeGetCurrentProcessorNumber() << 1) | SPIN_LOCK_HELD_BIT;
}

/* The processor number back out of a tag, for messages. */
static inline ULONG KiProcessorFromTag(KSPIN_LOCK Tag)
{
    return (ULONG)(Tag >> 1);
}

/* ---- the checks (spinlockcheck.c) ----
 *
 * Each names the routine the caller used, so the message can say which rule
 * that routine has. */

/* KeAcquireSpinLock and the in-stack acquire: IRQL <= DISPATCH_LEVEL. */
VOID KiCheckIrqlForAcquire(PKSPIN_LOCK SpinLock, PCSTR Routine);
/* The AtDpcLevel acquires: IRQL >= DISPATCH_LEVEL. */
VOID KiCheckIrqlForAcquireAtDpcLevel(PKSPIN_LOCK SpinLock, PCSTR Routine);
/* KeReleaseSpinLock and the in-stack release: IRQL == DISPATCH_LEVEL. */
VOID KiCheckIrqlForRelease(PKSPIN_LOCK SpinLock, PCSTR Routine);
/* The FromDpcLevel releases: IRQL >= DISPATCH_LEVEL. */
VOID KiCheckIrqlForReleaseFromDpcLevel(PKSPIN_LOCK SpinLock, PCSTR Routine);

/* The lock word said this processor already holds the lock. */
__attribute__((noreturn)) VOID KiBugCheckRecursiveAcquire(PKSPIN_LOCK SpinLock);
/* A release by a processor that does not hold the lock: Word is what the
 * lock held (0, another processor's tag, or a queue). */
__attribute__((noreturn)) VOID KiBugCheckReleaseNotOwned(PKSPIN_LOCK SpinLock, KSPIN_LOCK Word);
/* A queued release through a handle that does not own its lock. */
__attribute__((noreturn)) VOID KiBugCheckQueuedReleaseNotOwned(PKLOCK_QUEUE_HANDLE LockHandle);
/* One lock used as both kinds: Word is what the lock held. */
__attribute__((noreturn)) VOID KiBugCheckMixedSpinLock(PKSPIN_LOCK SpinLock, KSPIN_LOCK Word, BOOLEAN Queued);

#endif /* KE_SPINLOCKP_H */
