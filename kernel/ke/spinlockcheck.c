/*
 * spinlockcheck.c - the rules a spin lock's caller must keep, checked always
 * (Windows checks most of them only under Driver Verifier), and the bug checks
 * for breaking them.
 *
 * Every one stops with DRIVER_VERIFIER_DETECTED_VIOLATION (0xC4), parameter 1
 * being the value Microsoft documents for that violation in "Bug Check 0xC4:
 * DRIVER_VERIFIER_DETECTED_VIOLATION", so the STOP line reads as it would on
 * Windows; the line after it names the rule. docs/spinlocks.md lists them.
 */
#include "spinlockp.h"
#include "ke/ke.h"

/* DRIVER_VERIFIER_DETECTED_VIOLATION parameter 1 values used here. */
#define VERIFIER_RELEASE_IRQL_NOT_DISPATCH 0x32     /* KeReleaseSpinLock at IRQL != DISPATCH_LEVEL */
#define VERIFIER_ACQUIRE_AT_DPC_BELOW_DISPATCH 0x40 /* KeAcquireSpinLockAtDpcLevel at IRQL < DISPATCH_LEVEL */
#define VERIFIER_RELEASE_AT_DPC_BELOW_DISPATCH 0x41 /* KeReleaseSpinLockFromDpcLevel at IRQL < DISPATCH_LEVEL */
#define VERIFIER_ACQUIRE_ABOVE_DISPATCH 0x42        /* KeAcquireSpinLock at IRQL > DISPATCH_LEVEL */
#define VERIFIER_SELF_DEADLOCK 0x1000               /* a recursive acquire */
#define VERIFIER_WRONG_OWNER 0x1004                 /* released by a processor that does not hold it */
#define VERIFIER_NOT_ACQUIRED 0x1007                /* released while nobody holds it */
#define VERIFIER_MIXED_ACQUIRE 0x1008               /* acquired with routines of the other kind */
#define VERIFIER_MIXED_RELEASE 0x1009               /* released with routines of the other kind */

/* ---- IRQL ---- */

VOID KiCheckIrqlForAcquire(PKSPIN_LOCK SpinLock, PCSTR Routine)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql > DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_ACQUIRE_ABOVE_DISPATCH, Irql, (ULONG_PTR)SpinLock, 0,
                   NULL,
                   "%s(%p) at IRQL %u: callers must be at IRQL <= DISPATCH_LEVEL; above it runs interrupt "
                   "code, whose lock is its interrupt object's (KeAcquireInterruptSpinLock, "
                   "KeSynchronizeExecution)",
                   Routine, SpinLock, Irql);
}

VOID KiCheckIrqlForAcquireAtDpcLevel(PKSPIN_LOCK SpinLock, PCSTR Routine)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql < DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_ACQUIRE_AT_DPC_BELOW_DISPATCH, Irql,
                   (ULONG_PTR)SpinLock, 0, NULL,
                   "%s(%p) at IRQL %u: callers must already be at IRQL >= DISPATCH_LEVEL; below it the "
                   "holder could be preempted, and a DPC on this processor could spin on the lock for ever "
                   "(use KeAcquireSpinLock, which raises)",
                   Routine, SpinLock, Irql);
}

VOID KiCheckIrqlForRelease(PKSPIN_LOCK SpinLock, PCSTR Routine)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql != DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_RELEASE_IRQL_NOT_DISPATCH, Irql, (ULONG_PTR)SpinLock, 0,
                   NULL,
                   "%s(%p) at IRQL %u: callers must be at DISPATCH_LEVEL, where the acquire left them; "
                   "the IRQL was changed while the lock was held",
                   Routine, SpinLock, Irql);
}

VOID KiCheckIrqlForReleaseFromDpcLevel(PKSPIN_LOCK SpinLock, PCSTR Routine)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql < DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_RELEASE_AT_DPC_BELOW_DISPATCH, Irql,
                   (ULONG_PTR)SpinLock, 0, NULL,
                   "%s(%p) at IRQL %u: callers must be at IRQL >= DISPATCH_LEVEL; the IRQL was lowered while "
                   "the lock was held",
                   Routine, SpinLock, Irql);
}

/* ---- ownership ---- */

VOID KiBugCheckRecursiveAcquire(PKSPIN_LOCK SpinLock)
{
    KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_SELF_DEADLOCK, (ULONG_PTR)SpinLock, 0, 0, NULL,
               "spin lock %p acquired again by processor %u, which already holds it: it would wait for itself "
               "for ever (a spin lock is not recursive)",
               SpinLock, KiProcessorFromTag(KiCurrentProcessorTag()));
}

VOID KiBugCheckReleaseNotOwned(PKSPIN_LOCK SpinLock, KSPIN_LOCK Word)
{
    ULONG Self = KiProcessorFromTag(KiCurrentProcessorTag());

    if (Word == 0)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_NOT_ACQUIRED, (ULONG_PTR)SpinLock, 0, 0, NULL,
                   "spin lock %p released by processor %u, but nobody holds it (released twice, or never "
                   "acquired)",
                   SpinLock, Self);
    if ((Word & SPIN_LOCK_HELD_BIT) == 0)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_MIXED_RELEASE, (ULONG_PTR)SpinLock, Word, 0, NULL,
                   "spin lock %p released with KeReleaseSpinLock*, but it is held as a queued lock: release it "
                   "with the routine matching its acquire",
                   SpinLock);
    KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_WRONG_OWNER, (ULONG_PTR)SpinLock, KiProcessorFromTag(Word),
               Self, NULL,
               "spin lock %p released by processor %u, but processor %u holds it: only the holder may release "
               "a spin lock",
               SpinLock, Self, KiProcessorFromTag(Word));
}

VOID KiBugCheckQueuedReleaseNotOwned(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_NOT_ACQUIRED, (ULONG_PTR)LockHandle,
               (ULONG_PTR)LockHandle->LockQueue.Lock, 0, NULL,
               "queued spin lock released through handle %p, which does not hold a lock (released twice, or "
               "not the handle the acquire was given)",
               LockHandle);
}

VOID KiBugCheckMixedSpinLock(PKSPIN_LOCK SpinLock, KSPIN_LOCK Word, BOOLEAN Queued)
{
    KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_MIXED_ACQUIRE, (ULONG_PTR)SpinLock, Word, 0, NULL,
               "spin lock %p acquired as %s lock while it is held as %s one: a lock must always be used "
               "with one kind of routines, KeAcquireSpinLock* or KeAcquireInStackQueuedSpinLock*",
               SpinLock, Queued ? "a queued" : "an ordinary", Queued ? "an ordinary" : "a queued");
}
