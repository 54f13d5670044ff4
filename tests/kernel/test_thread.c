/*
 * test_thread.c - threads and the dispatcher: creation and termination,
 * priorities, preemption by the quantum, all processors used, wake-ups on
 * another processor, and a stress run of the "one thread, one processor"
 * invariant (which the dispatcher itself checks at every switch).
 */
#include "ktest.h"
#include "threadtest.h"
#include "hal/x86.h"

/* ---- creation and termination ---- */

static VOID SetFlag(PVOID Context)
{
    *(volatile LONG *)Context = (LONG)(ULONG_PTR)KeGetCurrentThread();
}

KTEST(thread, runs_and_ends)
{
    volatile LONG Seen = 0;
    PKTHREAD Thread = KtStartThread(SetFlag, (PVOID)&Seen);

    KT_ASSERT_NE(Thread, NULL);
    KT_EXPECT_EQ(Thread->Priority, KI_SYSTEM_THREAD_PRIORITY);
    BOOLEAN Ended = KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL) == STATUS_WAIT_0;
    KT_EXPECT(Ended);
    KT_EXPECT_EQ(Seen, (LONG)(ULONG_PTR)Thread); /* KeGetCurrentThread in it was the thread */
    KT_EXPECT_EQ(Thread->State, Terminated);
    KT_EXPECT_EQ(Thread->ExitStatus, STATUS_SUCCESS);
    KT_EXPECT(KtJoin(Thread));
}

static VOID WaitForEvent(PVOID Context)
{
    KeWaitForSingleObject(Context, Executive, KernelMode, FALSE, NULL);
}

/* The stack goes once the thread is off its processor: then the kernel's own
 * reference goes too, and ours is the last. The thread waits for our event
 * so that it is certainly still alive (on another CPU it could otherwise
 * finish before we look) while we check that it has a stack. */
KTEST(thread, stack_is_freed_after_the_end)
{
    KEVENT Go;
    KeInitializeEvent(&Go, NotificationEvent, FALSE);
    PKTHREAD Thread = KtStartThread(WaitForEvent, &Go);

    KT_ASSERT_NE(Thread, NULL);
    KT_EXPECT_NE(Thread->StackBase, NULL);
    KeSetEvent(&Go, 0, FALSE);
    KT_EXPECT_EQ(KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;
    while (ObpPointerCount(Thread) > 1 && KeQueryInterruptTime() < Until)
        KtSleep(1);
    KT_EXPECT_EQ(ObpPointerCount(Thread), 1);
    KT_EXPECT_EQ(Thread->StackBase, NULL);
    KT_EXPECT_EQ(Thread->RunningOn, 0);
    ObDereferenceObject(Thread);
}

static VOID EndWithStatus(PVOID Context)
{
    PsTerminateSystemThread((NTSTATUS)(ULONG_PTR)Context);
}

KTEST(thread, terminate_keeps_the_exit_status)
{
    PKTHREAD Thread = KtStartThread(EndWithStatus, (PVOID)(ULONG_PTR)0x1234);

    KT_ASSERT_NE(Thread, NULL);
    KT_EXPECT_EQ(KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL), STATUS_WAIT_0);
    KT_EXPECT_EQ(Thread->ExitStatus, 0x1234);
    KT_EXPECT(KtJoin(Thread));
}

KTEST(thread, tests_run_in_a_thread)
{
    PKTHREAD Self = KeGetCurrentThread();

    KT_ASSERT_NE(Self, NULL);
    KT_EXPECT_NE(Self, KeGetCurrentPrcb()->IdleThread);
    KT_EXPECT_EQ(Self->State, Running);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

KTEST(thread, handles)
{
    HANDLE Handle;
    PVOID Object;
    volatile LONG Seen = 0;

    KT_ASSERT_EQ(PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, SetFlag, (PVOID)&Seen),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ((ULONG_PTR)Handle % 4, 0);
    KT_ASSERT_EQ(ObReferenceObjectByHandle(Handle, SYNCHRONIZE, PsThreadType, KernelMode, &Object, NULL),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(ZwClose(Handle), STATUS_SUCCESS);
    KT_EXPECT_EQ(ZwClose(Handle), STATUS_INVALID_HANDLE); /* closed already */
    KT_EXPECT_EQ(ObReferenceObjectByHandle(Handle, 0, NULL, KernelMode, &Object, NULL), STATUS_INVALID_HANDLE);
    KT_EXPECT(KtJoin(Object));
    KT_EXPECT_EQ(PsCreateSystemThread(&Handle, 0, NULL, (HANDLE)4, NULL, SetFlag, (PVOID)&Seen),
                 STATUS_INVALID_PARAMETER); /* no processes */
}

/* ---- priorities ---- */

KTEST(thread, higher_priority_runs_first)
{
    volatile LONG Seen = 0;
    PKTHREAD Self = KeGetCurrentThread();
    KPRIORITY Old = KeSetPriorityThread(Self, KI_SYSTEM_THREAD_PRIORITY - 1);
    PKTHREAD Thread = KtStartThread(SetFlag, (PVOID)&Seen);
    LONG SeenAtOnce = Seen;

    KeSetPriorityThread(Self, Old);
    KT_ASSERT_NE(Thread, NULL);
    KT_EXPECT_EQ(Old, KI_SYSTEM_THREAD_PRIORITY);
    /* One processor: the better thread ran before PsCreateSystemThread
     * returned. More: it ran on another one, soon. */
    if (KeNumberProcessors == 1)
        KT_EXPECT_NE(SeenAtOnce, 0);
    KT_EXPECT(KtJoin(Thread));
    KT_EXPECT_NE(Seen, 0);
}

/* ---- preemption: CPU-bound threads take turns ---- */

typedef struct _SPINNER {
    volatile BOOLEAN *Stop;
    volatile ULONG64 Count;
    volatile ULONG64 Processors; /* a bit per processor it ran on */
} SPINNER;

static VOID Spin(PVOID Context)
{
    SPINNER *S = Context;

    while (!*S->Stop) {
        S->Count++;
        __atomic_or_fetch(&S->Processors, 1ULL << KeGetCurrentProcessorNumber(), __ATOMIC_RELAXED);
    }
}

#define KT_MAX_SPINNERS 9

/* More spinning threads than processors, none of which ever waits: only the
 * quantum can make them share. The test thread sleeps 200 ms meanwhile (its
 * wake-up needs a quantum end too), then every spinner must have run. */
KTEST(thread, quantum_shares_the_processors)
{
    static SPINNER Spinners[KT_MAX_SPINNERS];
    static PKTHREAD Threads[KT_MAX_SPINNERS];
    volatile BOOLEAN Stop = FALSE;
    ULONG Count = KeNumberProcessors + 1 > KT_MAX_SPINNERS ? KT_MAX_SPINNERS : KeNumberProcessors + 1;
    ULONG64 Used = 0;

    for (ULONG i = 0; i < Count; i++) {
        Spinners[i] = (SPINNER){&Stop, 0, 0};
        Threads[i] = KtStartThread(Spin, &Spinners[i]);
        KT_ASSERT_NE(Threads[i], NULL);
    }
    KtSleep(200);
    Stop = TRUE;
    for (ULONG i = 0; i < Count; i++) {
        KT_EXPECT(KtJoin(Threads[i]));
        KT_EXPECT_GT(Spinners[i].Count, 0);
        Used |= Spinners[i].Processors;
    }
    KtInfo("%u spinners on %u processors: processor mask 0x%llx", Count, KeNumberProcessors, Used);
    KT_EXPECT_EQ(Used, (KeNumberProcessors >= 64 ? ~0ULL : (1ULL << KeNumberProcessors) - 1));
}

/* ---- a wake-up on another processor ---- */

typedef struct _PING {
    KEVENT Go, Done;
    volatile ULONG Processor;
} PING;

static VOID WaitForGo(PVOID Context)
{
    PING *P = Context;

    KeWaitForSingleObject(&P->Go, Executive, KernelMode, FALSE, NULL);
    P->Processor = KeGetCurrentProcessorNumber();
    KeSetEvent(&P->Done, 0, FALSE);
}

/* The setter keeps its processor busy (it sets the event at DISPATCH_LEVEL,
 * then spins until the thread has run), so the woken thread must go to an
 * idle processor, which an IPI wakes from its halt. (Had the setter waited
 * instead, its processor could have stolen the thread back: also correct.) */
KTEST(thread, wakes_on_another_processor)
{
    static PING P;
    LARGE_INTEGER Timeout = KtRelative(5000);

    KeInitializeEvent(&P.Go, NotificationEvent, FALSE);
    KeInitializeEvent(&P.Done, NotificationEvent, FALSE);
    P.Processor = ~0U;
    PKTHREAD Thread = KtStartThread(WaitForGo, &P);
    KT_ASSERT_NE(Thread, NULL);
    while (Thread->State != Waiting)
        KtSleep(1);
    KIRQL OldIrql = KeRaiseIrqlToDpcLevel();
    ULONG Setter = KeGetCurrentProcessorNumber();
    KeSetEvent(&P.Go, 0, FALSE);
    KeLowerIrql(OldIrql);
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;
    while (P.Processor == ~0U && KeQueryInterruptTime() < Until)
        _mm_pause();
    KT_EXPECT_EQ(KeWaitForSingleObject(&P.Done, Executive, KernelMode, FALSE, &Timeout), STATUS_WAIT_0);
    if (KeNumberProcessors > 1)
        KT_EXPECT_NE(P.Processor, Setter);
    KT_EXPECT(KtJoin(Thread));
}

/* ---- stress: every way of leaving a processor, many times over ---- */

typedef struct _STRESS {
    PKEVENT Event;
    PKMUTEX Mutex;
    volatile LONG *Inside;
    volatile LONG Errors;
} STRESS;

/* With interrupts off, the thread cannot move: the processor it is on must
 * be the one RunningOn names, and that processor's current thread must be it. */
static BOOLEAN OnOneProcessor(VOID)
{
    _disable();
    PKTHREAD Self = KeGetCurrentThread();
    BOOLEAN Ok =
        Self->RunningOn == (LONG)KeGetCurrentProcessorNumber() + 1 && KeGetCurrentPrcb()->CurrentThread == Self;
    _enable();
    return Ok;
}

static VOID Stress(PVOID Context)
{
    STRESS *S = Context;
    LARGE_INTEGER Tiny = {.QuadPart = -KT_MS(1)};

    for (ULONG i = 0; i < 200; i++) {
        KeSetEvent(S->Event, 0, FALSE);
        KeWaitForSingleObject(S->Event, Executive, KernelMode, FALSE, &Tiny);
        KiYieldThread();
        KeWaitForSingleObject(S->Mutex, Executive, KernelMode, FALSE, NULL);
        if (__atomic_add_fetch(S->Inside, 1, __ATOMIC_SEQ_CST) != 1)
            S->Errors++; /* two owners of the mutex at once */
        for (volatile ULONG Spin = 0; Spin < 200; Spin++)
            ;
        __atomic_sub_fetch(S->Inside, 1, __ATOMIC_SEQ_CST);
        KeReleaseMutex(S->Mutex, FALSE);
        if (!OnOneProcessor())
            S->Errors++;
    }
}

KTEST(thread, stress_one_thread_one_processor)
{
    static STRESS S[8];
    static PKTHREAD Threads[8];
    static KEVENT Event;
    static KMUTEX Mutex;
    volatile LONG Inside = 0;

    KeInitializeEvent(&Event, SynchronizationEvent, FALSE);
    KeInitializeMutex(&Mutex, 0);
    for (ULONG i = 0; i < 8; i++) {
        S[i] = (STRESS){&Event, &Mutex, &Inside, 0};
        Threads[i] = KtStartThread(Stress, &S[i]);
        KT_ASSERT_NE(Threads[i], NULL);
    }
    for (ULONG i = 0; i < 8; i++) {
        KT_EXPECT(KtJoin(Threads[i]));
        KT_EXPECT_EQ(S[i].Errors, 0);
    }
    KT_EXPECT_EQ(KeReadStateMutex(&Mutex), 1);
}
