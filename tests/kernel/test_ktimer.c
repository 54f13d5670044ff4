/*
 * test_ktimer.c - kernel timers: expiry order, never early, periodic timers
 * keeping their period, cancelling, timers as waitable objects, and their
 * DPCs.
 *
 * Tolerances: a timer expires at the first clock tick at or after its due
 * time, by the interrupt time, so "not before its due time" is exact. How
 * late it may be depends on the host (an emulator may not run for tens of
 * milliseconds); the only upper bound is KT_PATIENCE.
 */
#include "ktest.h"
#include "threadtest.h"
#include "ke/dpc.h"

/* What a timer's DPC saw: when it ran, and the due time it was given. */
typedef struct _EXPIRY {
    KTIMER Timer;
    KDPC Dpc;
    volatile ULONG Runs;
    volatile ULONG Order; /* its place among all expiries, from 1 */
    volatile ULONGLONG RanAt;
    volatile ULONGLONG DueTimes[16];
    volatile KIRQL Irql;
} EXPIRY;

static volatile ULONG ExpiryCount;
static KEVENT ExpiryEvent; /* set by every DPC run */

static VOID RecordExpiry(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    EXPIRY *E = Context;
    ULONGLONG Due = (ULONG)(ULONG_PTR)Arg1 | ((ULONGLONG)(ULONG)(ULONG_PTR)Arg2 << 32);

    UNREFERENCED_PARAMETER(Dpc);
    if (E->Runs < ARRAYSIZE(E->DueTimes))
        E->DueTimes[E->Runs] = Due;
    E->Runs++;
    E->Order = __atomic_add_fetch(&ExpiryCount, 1, __ATOMIC_SEQ_CST);
    E->RanAt = KeQueryInterruptTime();
    E->Irql = KeGetCurrentIrql();
    KeSetEvent(&ExpiryEvent, 0, FALSE);
}

static VOID InitExpiry(EXPIRY *E)
{
    RtlZeroMemory(E, sizeof(*E));
    KeInitializeTimer(&E->Timer);
    KeInitializeDpc(&E->Dpc, RecordExpiry, E);
}

/* Waits (KT_PATIENCE at most) until Done() says so, sleeping on the DPCs' event. */
static BOOLEAN WaitForRuns(volatile ULONG *Runs, ULONG Wanted)
{
    LARGE_INTEGER Timeout = KtRelative(100);
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;

    while (*Runs < Wanted && KeQueryInterruptTime() < Until)
        KeWaitForSingleObject(&ExpiryEvent, Executive, KernelMode, FALSE, &Timeout);
    return *Runs >= Wanted;
}

KTEST(ktimer, timers_expire_in_due_order)
{
    static EXPIRY E[5];
    static const ULONG DueMs[5] = {50, 10, 40, 20, 30};
    ULONGLONG SetAt = KeQueryInterruptTime();

    ExpiryCount = 0;
    KeInitializeEvent(&ExpiryEvent, SynchronizationEvent, FALSE);
    for (ULONG i = 0; i < 5; i++) {
        InitExpiry(&E[i]);
        KT_EXPECT(!KeSetTimer(&E[i].Timer, KtRelative(DueMs[i]), &E[i].Dpc));
    }
    KT_ASSERT(WaitForRuns(&ExpiryCount, 5));
    for (ULONG i = 0; i < 5; i++) {
        KT_EXPECT_EQ(E[i].Order, DueMs[i] / 10);           /* 10 ms first, 50 ms last */
        KT_EXPECT_GE(E[i].RanAt, SetAt + KT_MS(DueMs[i])); /* never early */
        KT_EXPECT_GE(E[i].RanAt, E[i].DueTimes[0]);
        KT_EXPECT_EQ(E[i].Irql, DISPATCH_LEVEL);
        KT_EXPECT(KeReadStateTimer(&E[i].Timer));
    }
}

KTEST(ktimer, periodic_timer_keeps_its_period)
{
    static EXPIRY E;

    KeInitializeEvent(&ExpiryEvent, SynchronizationEvent, FALSE);
    InitExpiry(&E);
    KeSetTimerEx(&E.Timer, KtRelative(10), 10, &E.Dpc);
    BOOLEAN Enough = WaitForRuns(&E.Runs, 10);
    KT_EXPECT(KeCancelTimer(&E.Timer)); /* a periodic timer stays set */
    KT_ASSERT(Enough);
    KeFlushQueuedDpcs();
    /* Each due time is a whole number of periods after the one before: the
     * rhythm never drifts (late expiries that were merged skip periods). */
    for (ULONG i = 1; i < 10; i++) {
        ULONGLONG Step = E.DueTimes[i] - E.DueTimes[i - 1];
        KT_EXPECT_GE(Step, KT_MS(10));
        KT_EXPECT_EQ(Step % KT_MS(10), 0);
    }
    KtInfo("10 expiries of a 10 ms periodic timer spanned %llu us of due time", (E.DueTimes[9] - E.DueTimes[0]) / 10);
}

KTEST(ktimer, cancel_before_expiry_prevents_the_dpc)
{
    static EXPIRY E;

    InitExpiry(&E);
    KT_EXPECT(!KeSetTimer(&E.Timer, KtRelative(30), &E.Dpc));
    KT_EXPECT(KeCancelTimer(&E.Timer));  /* it was set */
    KT_EXPECT(!KeCancelTimer(&E.Timer)); /* not any more */
    KtSleep(60);
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(E.Runs, 0);
    KT_EXPECT(!KeReadStateTimer(&E.Timer));
}

KTEST(ktimer, setting_again_restarts)
{
    static EXPIRY E;

    InitExpiry(&E);
    KT_EXPECT(!KeSetTimer(&E.Timer, KtRelative(1000), NULL));
    KT_EXPECT(KeSetTimer(&E.Timer, KtRelative(10), NULL)); /* it was set: now due sooner */
    KT_EXPECT_EQ(KeWaitForSingleObject(&E.Timer, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    KT_EXPECT(KeReadStateTimer(&E.Timer));
}

KTEST(ktimer, timer_is_waitable)
{
    KTIMER Timer;
    LARGE_INTEGER Patience = {.QuadPart = -KT_PATIENCE};

    KeInitializeTimer(&Timer);
    ULONGLONG Start = KeQueryInterruptTime();
    KeSetTimer(&Timer, KtRelative(20), NULL);
    KT_EXPECT(!KeReadStateTimer(&Timer));
    KT_EXPECT_EQ(KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Patience), STATUS_WAIT_0);
    KT_EXPECT_GE(KeQueryInterruptTime() - Start, KT_MS(20));
    /* A notification timer stays signaled: the next wait passes at once. */
    LARGE_INTEGER Poll = {.QuadPart = 0};
    KT_EXPECT_EQ(KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Poll), STATUS_WAIT_0);
}

KTEST(ktimer, synchronization_timer_resets_on_wait)
{
    KTIMER Timer;
    LARGE_INTEGER Poll = {.QuadPart = 0};

    KeInitializeTimerEx(&Timer, SynchronizationTimer);
    KeSetTimer(&Timer, KtRelative(5), NULL);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    KT_EXPECT(!KeReadStateTimer(&Timer));
    KT_EXPECT_EQ(KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, &Poll), STATUS_TIMEOUT);
}

KTEST(ktimer, absolute_due_time)
{
    KTIMER Timer;
    LARGE_INTEGER Due = {.QuadPart = (LONGLONG)KeQueryInterruptTime() + KT_MS(15)};

    KeInitializeTimer(&Timer);
    KeSetTimer(&Timer, Due, NULL);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    KT_EXPECT_GE(KeQueryInterruptTime(), (ULONGLONG)Due.QuadPart);
}
