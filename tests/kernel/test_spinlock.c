/*
 * test_spinlock.c - spin locks (kernel/ke/spinlock.c, queuedlock.c) and the
 * checks made on their callers (spinlockcheck.c).
 *
 * There is one processor, so a second processor's part is played by hand
 * where a test needs it: writing another processor's tag into a lock word, or
 * joining a queued lock's line the way another processor's acquire would.
 * Every test leaves the IRQL where it found it (PASSIVE_LEVEL) before it can
 * fail: the tests after it run at that IRQL.
 */
#include "ktest.h"
#include "ke/ke.h"
#include "ke/spinlockp.h"
#include "ex/exp.h"

#define TEST_TAG POOL_TAG('S', 'p', 'i', 'n')

/* The tag another processor would leave in a lock word it holds. */
static KSPIN_LOCK OtherProcessorTag(VOID)
{
    return ((KSPIN_LOCK)(KiProcessorFromTag(KiCurrentProcessorTag()) + 1) << 1) | SPIN_LOCK_HELD_BIT;
}

/* ---- ordinary spin locks ---- */

KTEST(spinlock, initialize_sets_free)
{
    KSPIN_LOCK Lock = 0x1234;

    KeInitializeSpinLock(&Lock);
    KT_EXPECT_EQ(Lock, 0);
    KT_EXPECT(KeTestSpinLock(&Lock));
}

KTEST(spinlock, acquire_raises_release_restores)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql, Held;
    BOOLEAN FreeWhileHeld;

    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &OldIrql);
    Held = KeGetCurrentIrql();
    FreeWhileHeld = KeTestSpinLock(&Lock);
    KeReleaseSpinLock(&Lock, OldIrql);

    KT_EXPECT_EQ(OldIrql, PASSIVE_LEVEL);
    KT_EXPECT_EQ(Held, DISPATCH_LEVEL);
    KT_EXPECT(!FreeWhileHeld);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT(KeTestSpinLock(&Lock));
}

/* The IRQL comes back exactly, whatever it was: APC_LEVEL stays APC_LEVEL,
 * and DISPATCH_LEVEL is not lowered. */
KTEST(spinlock, release_restores_exact_irql)
{
    KSPIN_LOCK Lock;
    KIRQL Entry, FromApc, FromDispatch, AfterApc, AfterDispatch;

    KeInitializeSpinLock(&Lock);
    KeRaiseIrql(APC_LEVEL, &Entry);
    KeAcquireSpinLock(&Lock, &FromApc);
    KeReleaseSpinLock(&Lock, FromApc);
    AfterApc = KeGetCurrentIrql();
    KfRaiseIrql(DISPATCH_LEVEL);
    KeAcquireSpinLock(&Lock, &FromDispatch);
    KeReleaseSpinLock(&Lock, FromDispatch);
    AfterDispatch = KeGetCurrentIrql();
    KeLowerIrql(Entry);

    KT_EXPECT_EQ(FromApc, APC_LEVEL);
    KT_EXPECT_EQ(AfterApc, APC_LEVEL);
    KT_EXPECT_EQ(FromDispatch, DISPATCH_LEVEL);
    KT_EXPECT_EQ(AfterDispatch, DISPATCH_LEVEL);
}

/* The lock word names its holder: odd while held (spinlockp.h). */
KTEST(spinlock, held_word_is_owner_tag)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql;
    KSPIN_LOCK Word;

    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &OldIrql);
    Word = Lock;
    KeReleaseSpinLock(&Lock, OldIrql);

    KT_EXPECT_EQ(Word, KiCurrentProcessorTag());
    KT_EXPECT_EQ(Word & SPIN_LOCK_HELD_BIT, 1);
    KT_EXPECT_EQ(Lock, 0);
}

KTEST(spinlock, at_dpc_level_leaves_irql)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql, Held, Released;
    BOOLEAN FreeWhileHeld;

    KeInitializeSpinLock(&Lock);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KeAcquireSpinLockAtDpcLevel(&Lock);
    Held = KeGetCurrentIrql();
    FreeWhileHeld = KeTestSpinLock(&Lock);
    KeReleaseSpinLockFromDpcLevel(&Lock);
    Released = KeGetCurrentIrql();
    KeLowerIrql(OldIrql);

    KT_EXPECT_EQ(Held, DISPATCH_LEVEL);
    KT_EXPECT_EQ(Released, DISPATCH_LEVEL);
    KT_EXPECT(!FreeWhileHeld);
    KT_EXPECT(KeTestSpinLock(&Lock));
}

/* "IRQL >= DISPATCH_LEVEL": a device IRQL is fine too, and the raw form used
 * for interrupt objects works at any IRQL without changing it. */
KTEST(spinlock, at_dpc_level_above_dispatch)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql, AtDevice, AtHigh;

    KeInitializeSpinLock(&Lock);
    KeRaiseIrql(DEVICE_LEVEL_LOW + 2, &OldIrql);
    KeAcquireSpinLockAtDpcLevel(&Lock);
    KeReleaseSpinLockFromDpcLevel(&Lock);
    AtDevice = KeGetCurrentIrql();
    KfRaiseIrql(HIGH_LEVEL);
    KiAcquireSpinLockRaw(&Lock);
    KiReleaseSpinLockRaw(&Lock);
    AtHigh = KeGetCurrentIrql();
    KeLowerIrql(OldIrql);

    KT_EXPECT_EQ(AtDevice, DEVICE_LEVEL_LOW + 2);
    KT_EXPECT_EQ(AtHigh, HIGH_LEVEL);
    KT_EXPECT(KeTestSpinLock(&Lock));
}

KTEST(spinlock, try_fails_when_held)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql;
    BOOLEAN First, Again, HeldByOther;

    KeInitializeSpinLock(&Lock);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    First = KeTryToAcquireSpinLockAtDpcLevel(&Lock);
    Again = KeTryToAcquireSpinLockAtDpcLevel(&Lock); /* held by us: FALSE, no deadlock */
    KeReleaseSpinLockFromDpcLevel(&Lock);
    Lock = OtherProcessorTag();
    HeldByOther = KeTryToAcquireSpinLockAtDpcLevel(&Lock);
    KeLowerIrql(OldIrql);

    KT_EXPECT(First);
    KT_EXPECT(!Again);
    KT_EXPECT(!HeldByOther);
    KT_EXPECT_EQ(Lock, OtherProcessorTag()); /* a failed try writes nothing */
}

KTEST(spinlock, test_spin_lock_reports_state)
{
    KSPIN_LOCK Lock;

    KeInitializeSpinLock(&Lock);
    KT_EXPECT(KeTestSpinLock(&Lock));
    Lock = OtherProcessorTag();
    KT_EXPECT(!KeTestSpinLock(&Lock));
}

/* Two locks, taken in one order and let go in the other: only the outer
 * acquire raises, only the outer release lowers. */
KTEST(spinlock, nested_different_locks)
{
    KSPIN_LOCK Outer, Inner;
    KIRQL OuterOld, InnerOld, BetweenReleases;

    KeInitializeSpinLock(&Outer);
    KeInitializeSpinLock(&Inner);
    KeAcquireSpinLock(&Outer, &OuterOld);
    KeAcquireSpinLock(&Inner, &InnerOld);
    KeReleaseSpinLock(&Inner, InnerOld);
    BetweenReleases = KeGetCurrentIrql();
    KeReleaseSpinLock(&Outer, OuterOld);

    KT_EXPECT_EQ(OuterOld, PASSIVE_LEVEL);
    KT_EXPECT_EQ(InnerOld, DISPATCH_LEVEL);
    KT_EXPECT_EQ(BetweenReleases, DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT(KeTestSpinLock(&Outer) && KeTestSpinLock(&Inner));
}

/* The pool is callable at DISPATCH_LEVEL, under a driver's spin lock: its own
 * lock nests inside, and it gives the IRQL back as it found it. */
KTEST(spinlock, pool_under_spin_lock)
{
    KSPIN_LOCK Lock;
    KIRQL OldIrql, AfterAllocate, AfterFree;

    KeInitializeSpinLock(&Lock);
    KeAcquireSpinLock(&Lock, &OldIrql);
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
    AfterAllocate = KeGetCurrentIrql();
    if (P != NULL)
        ExFreePoolWithTag(P, TEST_TAG);
    AfterFree = KeGetCurrentIrql();
    KeReleaseSpinLock(&Lock, OldIrql);

    KT_EXPECT_NE(P, NULL);
    KT_EXPECT_EQ(AfterAllocate, DISPATCH_LEVEL);
    KT_EXPECT_EQ(AfterFree, DISPATCH_LEVEL);
    KT_EXPECT(KeTestSpinLock(&ExpPoolLock));
}

KTEST(spinlock, pool_restores_passive)
{
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);

    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_ASSERT_NE(P, NULL);
    ExFreePoolWithTag(P, TEST_TAG);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT(KeTestSpinLock(&ExpPoolLock));
}

/* ---- in-stack queued spin locks ---- */

/* What another processor's KeAcquireInStackQueuedSpinLock does before it
 * starts spinning: take the tail, link itself behind the old tail. */
static VOID JoinAsAnotherProcessor(PKSPIN_LOCK Lock, PKLOCK_QUEUE_HANDLE Waiter)
{
    PKSPIN_LOCK_QUEUE Previous = (PKSPIN_LOCK_QUEUE)*Lock;

    Waiter->LockQueue.Next = NULL;
    Waiter->LockQueue.Lock = (PKSPIN_LOCK)((ULONG_PTR)Lock | LOCK_QUEUE_WAIT);
    *Lock = (KSPIN_LOCK)&Waiter->LockQueue;
    Previous->Next = &Waiter->LockQueue;
}

static ULONG_PTR QueueState(PKLOCK_QUEUE_HANDLE Handle)
{
    return (ULONG_PTR)Handle->LockQueue.Lock & LOCK_QUEUE_FLAGS;
}

KTEST(spinlock_queued, acquire_raises_release_restores)
{
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE Handle;
    KIRQL Held;
    KSPIN_LOCK Word;
    ULONG_PTR State;

    KeInitializeSpinLock(&Lock);
    KeAcquireInStackQueuedSpinLock(&Lock, &Handle);
    Held = KeGetCurrentIrql();
    Word = Lock;
    State = QueueState(&Handle);
    KeReleaseInStackQueuedSpinLock(&Handle);

    KT_EXPECT_EQ(Held, DISPATCH_LEVEL);
    KT_EXPECT_EQ(Handle.OldIrql, PASSIVE_LEVEL);
    KT_EXPECT_EQ(Word, (KSPIN_LOCK)&Handle.LockQueue); /* the tail: us */
    KT_EXPECT_EQ(State, LOCK_QUEUE_OWNER);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT_EQ(Lock, 0);
}

KTEST(spinlock_queued, at_dpc_level_leaves_irql)
{
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE Handle;
    KIRQL OldIrql, Held, Released;

    KeInitializeSpinLock(&Lock);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&Lock, &Handle);
    Held = KeGetCurrentIrql();
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&Handle);
    Released = KeGetCurrentIrql();
    KeLowerIrql(OldIrql);

    KT_EXPECT_EQ(Held, DISPATCH_LEVEL);
    KT_EXPECT_EQ(Released, DISPATCH_LEVEL);
    KT_EXPECT_EQ(Lock, 0);
}

/* Two more processors join the line behind the holder. Each release hands
 * the lock to the next in arrival order, by flipping that waiter's own word
 * from WAIT to OWNER; the lock word (the tail) does not move until the last
 * one leaves. */
KTEST(spinlock_queued, fifo_handoff)
{
    KSPIN_LOCK Lock;
    KLOCK_QUEUE_HANDLE First, Second, Third;
    ULONG_PTR SecondAfterFirst, ThirdAfterFirst, ThirdAfterSecond;
    KSPIN_LOCK TailAfterFirst, TailAfterSecond;
    KIRQL OldIrql;

    KeInitializeSpinLock(&Lock);
    KeAcquireInStackQueuedSpinLock(&Lock, &First);
    JoinAsAnotherProcessor(&Lock, &Second);
    JoinAsAnotherProcessor(&Lock, &Third);
    KeReleaseInStackQueuedSpinLock(&First);
    SecondAfterFirst = QueueState(&Second);
    ThirdAfterFirst = QueueState(&Third);
    TailAfterFirst = Lock;

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql); /* now as Second's processor */
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&Second);
    ThirdAfterSecond = QueueState(&Third);
    TailAfterSecond = Lock;
    KeReleaseInStackQueuedSpinLockFromDpcLevel(&Third);
    KeLowerIrql(OldIrql);

    KT_EXPECT_EQ(QueueState(&First), 0);
    KT_EXPECT_EQ(SecondAfterFirst, LOCK_QUEUE_OWNER);
    KT_EXPECT_EQ(ThirdAfterFirst, LOCK_QUEUE_WAIT);
    KT_EXPECT_EQ(TailAfterFirst, (KSPIN_LOCK)&Third.LockQueue);
    KT_EXPECT_EQ(ThirdAfterSecond, LOCK_QUEUE_OWNER);
    KT_EXPECT_EQ(TailAfterSecond, (KSPIN_LOCK)&Third.LockQueue);
    KT_EXPECT_EQ(Lock, 0);
}

KTEST(spinlock_queued, nested_with_ordinary_lock)
{
    KSPIN_LOCK Queued, Ordinary;
    KLOCK_QUEUE_HANDLE Handle;
    KIRQL OrdinaryOld, BetweenReleases;

    KeInitializeSpinLock(&Queued);
    KeInitializeSpinLock(&Ordinary);
    KeAcquireInStackQueuedSpinLock(&Queued, &Handle);
    KeAcquireSpinLock(&Ordinary, &OrdinaryOld);
    KeReleaseSpinLock(&Ordinary, OrdinaryOld);
    BetweenReleases = KeGetCurrentIrql();
    KeReleaseInStackQueuedSpinLock(&Handle);

    KT_EXPECT_EQ(OrdinaryOld, DISPATCH_LEVEL);
    KT_EXPECT_EQ(BetweenReleases, DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    KT_EXPECT(KeTestSpinLock(&Queued) && KeTestSpinLock(&Ordinary));
}

/* ---- the checks: each of these must stop the machine ----
 *
 * All stop with DRIVER_VERIFIER_DETECTED_VIOLATION; the comment gives the
 * parameter 1 the STOP line must show. */

static KSPIN_LOCK CrashLock;

/* 0x42: KeAcquireSpinLock above DISPATCH_LEVEL, as from an ISR. */
KTEST_BUGCHECK(spinlock_bugcheck, acquire_above_dispatch, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KIRQL OldIrql;

    KfRaiseIrql(DEVICE_LEVEL_LOW + 2);
    KeAcquireSpinLock(&CrashLock, &OldIrql);
}

/* 0x1000: the second acquire would wait for ever for its own processor. */
KTEST_BUGCHECK(spinlock_bugcheck, recursive, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KIRQL First, Second;

    KeAcquireSpinLock(&CrashLock, &First);
    KeAcquireSpinLock(&CrashLock, &Second);
}

/* 0x1007: the classic double release. */
KTEST_BUGCHECK(spinlock_bugcheck, release_not_held, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&CrashLock, &OldIrql);
    KeReleaseSpinLock(&CrashLock, OldIrql);
    KeReleaseSpinLock(&CrashLock, OldIrql);
}

/* 0x1004: another processor holds it. */
KTEST_BUGCHECK(spinlock_bugcheck, release_held_by_other_processor, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    CrashLock = OtherProcessorTag();
    KfRaiseIrql(DISPATCH_LEVEL);
    KeReleaseSpinLockFromDpcLevel(&CrashLock);
}

/* 0x40: the AtDpcLevel form trusts the caller to be at DISPATCH_LEVEL. */
KTEST_BUGCHECK(spinlock_bugcheck, at_dpc_level_at_passive, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KeAcquireSpinLockAtDpcLevel(&CrashLock);
}

/* 0x1007: a queued lock released twice through its handle. */
KTEST_BUGCHECK(spinlock_bugcheck, queued_release_twice, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KLOCK_QUEUE_HANDLE Handle;

    KeAcquireInStackQueuedSpinLock(&CrashLock, &Handle);
    KeReleaseInStackQueuedSpinLock(&Handle);
    KeReleaseInStackQueuedSpinLock(&Handle);
}

/* 0x1008: one lock taken both ways. */
KTEST_BUGCHECK(spinlock_bugcheck, mixed_kinds, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KIRQL OldIrql;
    KLOCK_QUEUE_HANDLE Handle;

    KeAcquireSpinLock(&CrashLock, &OldIrql);
    KeAcquireInStackQueuedSpinLockAtDpcLevel(&CrashLock, &Handle);
}

/* 0x02: nonpaged pool above DISPATCH_LEVEL. */
KTEST_BUGCHECK(spinlock_bugcheck, pool_allocate_above_dispatch, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    KfRaiseIrql(DEVICE_LEVEL_LOW + 2);
    ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
}

/* 0x12: freeing it there. */
KTEST_BUGCHECK(spinlock_bugcheck, pool_free_above_dispatch, DRIVER_VERIFIER_DETECTED_VIOLATION)
{
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);

    KfRaiseIrql(DEVICE_LEVEL_LOW + 2);
    ExFreePoolWithTag(P, TEST_TAG);
}
