/*
 * test_wait.c - dispatcher objects and waits: events of both kinds,
 * semaphores, mutexes, WaitAny and WaitAll, timeouts, KeDelayExecutionThread,
 * and the IRQL rule for waiting.
 *
 * Timing rule: a timeout is never early by the interrupt time (the due time
 * is compared with the interrupt time at each tick), so "at least" checks
 * are exact; "at most" is only KT_PATIENCE.
 */
#include "ktest.h"
#include "threadtest.h"

/* A thread that waits for Object, then counts itself in Woken. */
typedef struct _WAITER {
    PVOID Object;
    volatile LONG *Woken;
} WAITER;

static VOID WaitThenCount(PVOID Context)
{
    WAITER *W = Context;

    KeWaitForSingleObject(W->Object, Executive, KernelMode, FALSE, NULL);
    __atomic_add_fetch(W->Woken, 1, __ATOMIC_SEQ_CST);
}

/* Starts Count waiters on Object and returns once all of them wait. */
static BOOLEAN StartWaiters(PKTHREAD *Threads, WAITER *W, ULONG Count, PVOID Object, volatile LONG *Woken)
{
    for (ULONG i = 0; i < Count; i++) {
        W[i] = (WAITER){Object, Woken};
        Threads[i] = KtStartThread(WaitThenCount, &W[i]);
        if (Threads[i] == NULL)
            return FALSE;
    }
    for (ULONG i = 0; i < Count; i++)
        while (Threads[i]->State != Waiting)
            KtSleep(1);
    return TRUE;
}

/* Waits until *Woken reaches Expected (KT_PATIENCE at most), then a little
 * longer, so that a wrong extra wake-up would be seen. */
static LONG SettledCount(volatile LONG *Woken, LONG Expected)
{
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;

    while (*Woken < Expected && KeQueryInterruptTime() < Until)
        KtSleep(1);
    KtSleep(20);
    return *Woken;
}

KTEST(wait, notification_event_releases_every_waiter)
{
    static KEVENT Event;
    static PKTHREAD Threads[3];
    static WAITER W[3];
    volatile LONG Woken = 0;

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KT_ASSERT(StartWaiters(Threads, W, 3, &Event, &Woken));
    KT_EXPECT_EQ(KeSetEvent(&Event, 0, FALSE), 0);
    KT_EXPECT_EQ(SettledCount(&Woken, 3), 3);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 1); /* it stays set */
    KT_EXPECT_EQ(KeResetEvent(&Event), 1);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 0);
    for (ULONG i = 0; i < 3; i++)
        KT_EXPECT(KtJoin(Threads[i]));
}

KTEST(wait, synchronization_event_releases_one_waiter)
{
    static KEVENT Event;
    static PKTHREAD Threads[2];
    static WAITER W[2];
    volatile LONG Woken = 0;

    KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
    KT_ASSERT(StartWaiters(Threads, W, 2, &Event, &Woken));
    KeSetEvent(&Event, 0, FALSE);
    KT_EXPECT_EQ(SettledCount(&Woken, 1), 1);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 0); /* the waiter took it */
    KeSetEvent(&Event, 0, FALSE);
    KT_EXPECT_EQ(SettledCount(&Woken, 2), 2);
    KeSetEvent(&Event, 0, FALSE); /* nobody waits: it stays set for the next wait */
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 1);
    LARGE_INTEGER Poll = {.QuadPart = 0};
    KT_EXPECT_EQ(KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Poll), STATUS_WAIT_0);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 0);
    KeClearEvent(&Event);
    for (ULONG i = 0; i < 2; i++)
        KT_EXPECT(KtJoin(Threads[i]));
}

KTEST(wait, timeout_is_never_early)
{
    KEVENT Event;
    LARGE_INTEGER Timeout = KtRelative(20);

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    ULONGLONG Start = KeQueryInterruptTime();
    KT_EXPECT_EQ(KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout), STATUS_TIMEOUT);
    ULONGLONG Waited = KeQueryInterruptTime() - Start;
    KtInfo("a 20 ms timeout took %llu us of interrupt time", Waited / 10);
    KT_EXPECT_GE(Waited, KT_MS(20));
    KT_EXPECT_LT(Waited, KT_PATIENCE);
    KT_EXPECT(IsListEmpty(&Event.Header.WaitListHead)); /* the timeout took the wait block off */
}

KTEST(wait, absolute_timeout)
{
    KEVENT Event;
    LARGE_INTEGER Timeout = {.QuadPart = (LONGLONG)KeQueryInterruptTime() + KT_MS(10)};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout), STATUS_TIMEOUT);
    KT_EXPECT_GE(KeQueryInterruptTime(), (ULONGLONG)Timeout.QuadPart);
}

KTEST(wait, zero_timeout_polls)
{
    KEVENT Event;
    LARGE_INTEGER Poll = {.QuadPart = 0};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Poll), STATUS_TIMEOUT);
    KeSetEvent(&Event, 0, FALSE);
    KIRQL OldIrql = KeRaiseIrqlToDpcLevel(); /* a poll is allowed at DISPATCH_LEVEL */
    NTSTATUS Status = KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Poll);
    KeLowerIrql(OldIrql);
    KT_EXPECT_EQ(Status, STATUS_WAIT_0);
}

KTEST(wait, delay_execution)
{
    LARGE_INTEGER Interval = KtRelative(10);
    ULONGLONG Start = KeQueryInterruptTime();

    KT_EXPECT_EQ(KeDelayExecutionThread(KernelMode, FALSE, &Interval), STATUS_SUCCESS);
    KT_EXPECT_GE(KeQueryInterruptTime() - Start, KT_MS(10));
}

KTEST(wait, semaphore_counts)
{
    KSEMAPHORE Semaphore;
    LARGE_INTEGER Poll = {.QuadPart = 0};

    KeInitializeSemaphore(&Semaphore, 0, 3);
    KT_EXPECT_EQ(KeReleaseSemaphore(&Semaphore, 0, 2, FALSE), 0);
    KT_EXPECT_EQ(KeReadStateSemaphore(&Semaphore), 2);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Poll), STATUS_WAIT_0);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Poll), STATUS_WAIT_0);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Semaphore, Executive, KernelMode, FALSE, &Poll), STATUS_TIMEOUT);
    KT_EXPECT_EQ(KeReadStateSemaphore(&Semaphore), 0);
}

KTEST(wait, semaphore_release_wakes_as_many_as_it_adds)
{
    static KSEMAPHORE Semaphore;
    static PKTHREAD Threads[3];
    static WAITER W[3];
    volatile LONG Woken = 0;

    KeInitializeSemaphore(&Semaphore, 0, 10);
    KT_ASSERT(StartWaiters(Threads, W, 3, &Semaphore, &Woken));
    KeReleaseSemaphore(&Semaphore, 0, 2, FALSE);
    KT_EXPECT_EQ(SettledCount(&Woken, 2), 2);
    KT_EXPECT_EQ(KeReadStateSemaphore(&Semaphore), 0);
    KeReleaseSemaphore(&Semaphore, 0, 1, FALSE);
    KT_EXPECT_EQ(SettledCount(&Woken, 3), 3);
    for (ULONG i = 0; i < 3; i++)
        KT_EXPECT(KtJoin(Threads[i]));
}

static VOID TakeMutex(PVOID Context)
{
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, NULL);
    KeReleaseMutex(Context, FALSE);
}

KTEST(wait, mutex_is_recursive_and_exclusive)
{
    static KMUTEX Mutex;

    KeInitializeMutex(&Mutex, 0);
    KT_EXPECT_EQ(KeReadStateMutex(&Mutex), 1);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0); /* again */
    KT_EXPECT_EQ(Mutex.OwnerThread, KeGetCurrentThread());
    KT_EXPECT_EQ(KeReadStateMutex(&Mutex), -1);

    PKTHREAD Other = KtStartThread(TakeMutex, &Mutex);
    KT_ASSERT_NE(Other, NULL);
    while (Other->State != Waiting)
        KtSleep(1); /* it waits: we own the mutex */
    KT_EXPECT_EQ(KeReleaseMutex(&Mutex, FALSE), -1);
    KtSleep(10);
    KT_EXPECT_EQ(Other->State, Waiting); /* still owned once */
    KT_EXPECT_EQ(KeReleaseMutex(&Mutex, FALSE), 0);
    KT_EXPECT(KtJoin(Other)); /* it got it, and let go */
    KT_EXPECT_EQ(KeReadStateMutex(&Mutex), 1);
    KT_EXPECT_EQ(Mutex.OwnerThread, NULL);
}

KTEST(wait, wait_any_says_which)
{
    KEVENT Events[3];
    PVOID Objects[3] = {&Events[0], &Events[1], &Events[2]};
    LARGE_INTEGER Timeout = KtRelative(5);

    for (ULONG i = 0; i < 3; i++)
        KeInitializeEvent(&Events[i], SynchronizationEvent, FALSE);
    KT_EXPECT_EQ(KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Timeout, NULL),
                 STATUS_TIMEOUT);
    KeSetEvent(&Events[2], 0, FALSE);
    KT_EXPECT_EQ(KeWaitForMultipleObjects(3, Objects, WaitAny, Executive, KernelMode, FALSE, &Timeout, NULL),
                 STATUS_WAIT_0 + 2);
    KT_EXPECT_EQ(KeReadStateEvent(&Events[2]), 0); /* consumed */
}

KTEST(wait, wait_all_takes_all_or_nothing)
{
    KEVENT Events[3];
    PVOID Objects[3] = {&Events[0], &Events[1], &Events[2]};
    LARGE_INTEGER Poll = {.QuadPart = 0};
    KWAIT_BLOCK Blocks[3];

    for (ULONG i = 0; i < 3; i++)
        KeInitializeEvent(&Events[i], SynchronizationEvent, FALSE);
    KeSetEvent(&Events[0], 0, FALSE);
    KeSetEvent(&Events[1], 0, FALSE);
    KT_EXPECT_EQ(KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, &Poll, Blocks),
                 STATUS_TIMEOUT);
    KT_EXPECT_EQ(KeReadStateEvent(&Events[0]), 1); /* nothing was taken */
    KeSetEvent(&Events[2], 0, FALSE);
    KT_EXPECT_EQ(KeWaitForMultipleObjects(3, Objects, WaitAll, Executive, KernelMode, FALSE, &Poll, Blocks),
                 STATUS_WAIT_0);
    for (ULONG i = 0; i < 3; i++)
        KT_EXPECT_EQ(KeReadStateEvent(&Events[i]), 0);
}

/* A WaitAll that blocks wakes only when the last object is signaled. */
typedef struct _WAIT_ALL {
    KEVENT Events[2];
    volatile NTSTATUS Status;
} WAIT_ALL;

static VOID WaitForBoth(PVOID Context)
{
    WAIT_ALL *W = Context;
    PVOID Objects[2] = {&W->Events[0], &W->Events[1]};

    W->Status = KeWaitForMultipleObjects(2, Objects, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
}

KTEST(wait, blocked_wait_all_wakes_on_the_last)
{
    static WAIT_ALL W;

    KeInitializeEvent(&W.Events[0], NotificationEvent, FALSE);
    KeInitializeEvent(&W.Events[1], NotificationEvent, FALSE);
    W.Status = STATUS_PENDING;
    PKTHREAD Thread = KtStartThread(WaitForBoth, &W);
    KT_ASSERT_NE(Thread, NULL);
    while (Thread->State != Waiting)
        KtSleep(1);
    KeSetEvent(&W.Events[0], 0, FALSE);
    KtSleep(10);
    KT_EXPECT_EQ(W.Status, STATUS_PENDING);
    KeSetEvent(&W.Events[1], 0, FALSE);
    KT_EXPECT(KtJoin(Thread));
    KT_EXPECT_EQ(W.Status, STATUS_WAIT_0);
}

/* ---- the rules, broken ---- */

KTEST_BUGCHECK(wait_bugcheck, wait_at_dispatch_level, IRQL_NOT_LESS_OR_EQUAL)
{
    KEVENT Event;
    LARGE_INTEGER Timeout = KtRelative(10);

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KeRaiseIrqlToDpcLevel();
    KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &Timeout);
}

KTEST_BUGCHECK(wait_bugcheck, release_mutex_not_owned, THREAD_NOT_MUTEX_OWNER)
{
    KMUTEX Mutex;

    KeInitializeMutex(&Mutex, 0);
    KeReleaseMutex(&Mutex, FALSE);
}
