/*
 * test_dpc.c - the DPC contract (kernel/ke/dpc.h), point by point, on one
 * processor and across all of them. Run at -smp 1 and -smp 4.
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/dpc.h"
#include "ke/prcb.h"
#include "ke/thread.h"
#include "ke/time.h"
#include "rtl.h"

/* What one DPC routine call saw. */
typedef struct _DPC_RECORD {
    volatile ULONG Runs;
    KIRQL Irql;
    ULONG Processor;
    PVOID Argument1;
    PVOID Argument2;
    BOOLEAN InterruptsEnabled;
    PVOID Thread;
} DPC_RECORD;

static VOID RecordingDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    DPC_RECORD *Record = Context;

    UNREFERENCED_PARAMETER(Dpc);
    Record->Irql = KeGetCurrentIrql();
    Record->Processor = KeGetCurrentProcessorNumber();
    Record->Argument1 = Argument1;
    Record->Argument2 = Argument2;
    Record->InterruptsEnabled = (__readeflags() & EFLAGS_IF) != 0;
    Record->Thread = KeGetCurrentThread();
    __atomic_add_fetch(&Record->Runs, 1, __ATOMIC_RELEASE);
}

KTEST(dpc, runs_only_after_the_irql_drops)
{
    DPC_RECORD Record = {0};
    KDPC Dpc;
    KIRQL OldIrql;

    KeInitializeDpc(&Dpc, RecordingDpc, &Record);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KT_EXPECT(KeInsertQueueDpc(&Dpc, (PVOID)1, (PVOID)2));
    KeStallExecutionProcessor(100);
    KT_EXPECT_EQ(Record.Runs, 0); /* never inline, never at DISPATCH_LEVEL's caller */
    KeLowerIrql(OldIrql);
    KT_EXPECT_EQ(Record.Runs, 1); /* at once on the way down */
    KT_EXPECT_EQ(Record.Irql, DISPATCH_LEVEL);
    KT_EXPECT(Record.InterruptsEnabled);
    KT_EXPECT_EQ(Record.Argument1, (PVOID)1);
    KT_EXPECT_EQ(Record.Argument2, (PVOID)2);
}

KTEST(dpc, second_insert_returns_false_and_keeps_the_arguments)
{
    DPC_RECORD Record = {0};
    KDPC Dpc;
    KIRQL OldIrql;

    KeInitializeDpc(&Dpc, RecordingDpc, &Record);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KT_EXPECT(KeInsertQueueDpc(&Dpc, (PVOID)1, (PVOID)2));
    KT_EXPECT(!KeInsertQueueDpc(&Dpc, (PVOID)3, (PVOID)4));
    KeLowerIrql(OldIrql);
    KT_EXPECT_EQ(Record.Runs, 1);
    KT_EXPECT_EQ(Record.Argument1, (PVOID)1);
    KT_EXPECT_EQ(Record.Argument2, (PVOID)2);
    /* Once it has run, it may be queued again. */
    KT_EXPECT(KeInsertQueueDpc(&Dpc, (PVOID)5, (PVOID)6));
    KT_EXPECT(IntTestWaitUntil(Record.Runs == 2));
    KT_EXPECT_EQ(Record.Argument1, (PVOID)5);
}

KTEST(dpc, remove_takes_it_back)
{
    DPC_RECORD Record = {0};
    KDPC Dpc;
    KIRQL OldIrql;

    KeInitializeDpc(&Dpc, RecordingDpc, &Record);
    KT_EXPECT(!KeRemoveQueueDpc(&Dpc)); /* not queued */
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KT_EXPECT(KeInsertQueueDpc(&Dpc, NULL, NULL));
    KT_EXPECT(KeRemoveQueueDpc(&Dpc));
    KT_EXPECT(!KeRemoveQueueDpc(&Dpc));
    KeLowerIrql(OldIrql);
    KeStallExecutionProcessor(1000);
    KT_EXPECT_EQ(Record.Runs, 0);
    KT_EXPECT_EQ(KeGetCurrentPrcb()->DpcData.DpcQueueDepth, 0);
}

/* The order of one queue: High at the head, the others at the tail. */
static CHAR Order[8];
static volatile ULONG OrderLength;

static VOID OrderDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    if (OrderLength < sizeof(Order) - 1)
        Order[OrderLength++] = (CHAR)(ULONG_PTR)Context;
}

KTEST(dpc, importance_orders_the_queue)
{
    static const KDPC_IMPORTANCE Importance[4] = {LowImportance, MediumImportance, HighImportance,
                                                  MediumHighImportance};
    KDPC Dpcs[4];
    KIRQL OldIrql;

    RtlZeroMemory(Order, sizeof(Order));
    OrderLength = 0;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    for (ULONG i = 0; i < 4; i++) {
        KeInitializeDpc(&Dpcs[i], OrderDpc, (PVOID)(ULONG_PTR)("LMHm"[i]));
        KeSetImportanceDpc(&Dpcs[i], Importance[i]);
        KeInsertQueueDpc(&Dpcs[i], NULL, NULL);
    }
    KeLowerIrql(OldIrql);
    KT_EXPECT(IntTestWaitUntil(OrderLength == 4));
    KT_EXPECT_STREQ(Order, "HLMm");
}

/* A LowImportance DPC alone asks for nothing: the next clock tick drains it. */
KTEST(dpc, low_importance_runs_at_the_next_tick)
{
    DPC_RECORD Record = {0};
    KDPC Dpc;

    KeInitializeDpc(&Dpc, RecordingDpc, &Record);
    KeSetImportanceDpc(&Dpc, LowImportance);
    KT_EXPECT(KeInsertQueueDpc(&Dpc, NULL, NULL));
    KT_EXPECT(IntTestWaitUntil(Record.Runs == 1));
    KT_EXPECT_EQ(Record.Irql, DISPATCH_LEVEL);
}

/* On each processor in turn, for each importance that interrupts it and for
 * Medium (drained at its next tick). */
KTEST(dpc, targeted_dpc_runs_on_its_target)
{
    static const KDPC_IMPORTANCE Importance[3] = {HighImportance, MediumHighImportance, MediumImportance};

    for (ULONG n = 0; n < KeNumberProcessors; n++) {
        for (ULONG i = 0; i < 3; i++) {
            DPC_RECORD Record = {0};
            KDPC Dpc;
            KeInitializeDpc(&Dpc, RecordingDpc, &Record);
            KeSetImportanceDpc(&Dpc, Importance[i]);
            KeSetTargetProcessorDpc(&Dpc, (CCHAR)n);
            KT_EXPECT(KeInsertQueueDpc(&Dpc, (PVOID)(ULONG_PTR)n, NULL));
            if (!KT_EXPECT(IntTestWaitUntil(Record.Runs == 1)))
                return;
            KT_EXPECT_EQ(Record.Processor, n);
            KT_EXPECT_EQ(Record.Irql, DISPATCH_LEVEL);
        }
    }
}

/* KeFlushQueuedDpcs returns only after every queued DPC has run, on every
 * processor: each here waits a little before it finishes. */
static VOID SlowDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    KeStallExecutionProcessor(2000);
    __atomic_add_fetch((volatile ULONG *)Context, 1, __ATOMIC_RELEASE);
}

KTEST(dpc, flush_waits_for_every_processor)
{
    KDPC Dpcs[MAXIMUM_PROCESSORS];
    volatile ULONG Done = 0;
    ULONG Count = KeNumberProcessors;

    for (ULONG n = 0; n < Count; n++) {
        KeInitializeDpc(&Dpcs[n], SlowDpc, (PVOID)&Done);
        KeSetImportanceDpc(&Dpcs[n], LowImportance); /* nobody is interrupted for these */
        KeSetTargetProcessorDpc(&Dpcs[n], (CCHAR)n);
        KT_EXPECT(KeInsertQueueDpc(&Dpcs[n], NULL, NULL));
    }
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(Done, Count);
}

/* A routine may queue its own DPC again: the queued flag is already clear. */
static VOID RequeueingDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    volatile ULONG *Runs = Context;

    UNREFERENCED_PARAMETER(Argument2);
    if (__atomic_add_fetch(Runs, 1, __ATOMIC_RELEASE) < (ULONG)(ULONG_PTR)Argument1)
        KeInsertQueueDpc(Dpc, Argument1, NULL);
}

KTEST(dpc, routine_requeues_itself)
{
    volatile ULONG Runs = 0;
    KDPC Dpc;

    KeInitializeDpc(&Dpc, RequeueingDpc, (PVOID)&Runs);
    KT_EXPECT(KeInsertQueueDpc(&Dpc, (PVOID)1000, NULL));
    KT_EXPECT(IntTestWaitUntil(Runs == 1000));
    KeFlushQueuedDpcs();
    KT_EXPECT_EQ(Runs, 1000);
}

/* A threaded DPC runs at PASSIVE_LEVEL, on its target, in that processor's
 * DPC thread. */
KTEST(dpc, threaded_dpc_runs_at_passive_in_the_dpc_thread)
{
    for (ULONG n = 0; n < KeNumberProcessors; n++) {
        DPC_RECORD Record = {0};
        KDPC Dpc;
        KT_ASSERT(IntTestWaitUntil(KiProcessorBlock[n]->ThreadedDpcData.DpcThread != NULL));
        KeInitializeThreadedDpc(&Dpc, RecordingDpc, &Record);
        KT_EXPECT_EQ(Dpc.Type, ThreadedDpcObject);
        KeSetImportanceDpc(&Dpc, HighImportance);
        KeSetTargetProcessorDpc(&Dpc, (CCHAR)n);
        KT_EXPECT(KeInsertQueueDpc(&Dpc, NULL, NULL));
        if (!KT_EXPECT(IntTestWaitUntil(Record.Runs == 1)))
            return;
        KT_EXPECT_EQ(Record.Irql, PASSIVE_LEVEL);
        KT_EXPECT_EQ(Record.Processor, n);
        KT_EXPECT_EQ(Record.Thread, KiProcessorBlock[n]->ThreadedDpcData.DpcThread); /* KTHREAD comes first */
    }
}

KTEST(dpc, statistics_count)
{
    KDPC_STATISTICS *Stats = &KeGetCurrentPrcb()->DpcData.Statistics;
    ULONG64 Before = Stats->DpcCount;
    DPC_RECORD Record = {0};
    KDPC Dpc;

    KeInitializeDpc(&Dpc, RecordingDpc, &Record);
    KeSetTargetProcessorDpc(&Dpc, 0);
    KeInsertQueueDpc(&Dpc, NULL, NULL);
    KT_EXPECT(IntTestWaitUntil(Record.Runs == 1));
    KT_EXPECT_GT(Stats->DpcCount, Before);
    KT_EXPECT_GE(Stats->MaximumQueueDepth, 1);
    KT_EXPECT_NE(Stats->LongestDpcRoutine, NULL);
}

/* ---- expected bug checks ---- */

static VOID LoweringDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    KeLowerIrql(PASSIVE_LEVEL);
}

KTEST_BUGCHECK(dpc_bugcheck, routine_returns_below_dispatch, IRQL_UNEXPECTED_VALUE)
{
    static KDPC Dpc;

    KeInitializeDpc(&Dpc, LoweringDpc, NULL);
    KeInsertQueueDpc(&Dpc, NULL, NULL);
    KeStallExecutionProcessor(100000);
}

static VOID EndlessDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    for (;;)
        _mm_pause();
}

/* One DPC over the limit: parameter 1 is 0. */
KTEST_BUGCHECK(dpc_bugcheck, watchdog_single_dpc, DPC_WATCHDOG_VIOLATION)
{
    static KDPC Dpc;

    KiSetDpcWatchdogLimits(50, 0);
    KeInitializeDpc(&Dpc, EndlessDpc, NULL);
    KeInsertQueueDpc(&Dpc, NULL, NULL);
}

static VOID ShortRequeueingDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    KeStallExecutionProcessor(1000);
    KeInsertQueueDpc(Dpc, NULL, NULL);
}

/* Short DPCs without a break, over the cumulative limit: parameter 1 is 1. */
KTEST_BUGCHECK(dpc_bugcheck, watchdog_cumulative, DPC_WATCHDOG_VIOLATION)
{
    static KDPC Dpc;

    KiSetDpcWatchdogLimits(1000, 100);
    KeInitializeDpc(&Dpc, ShortRequeueingDpc, NULL);
    KeInsertQueueDpc(&Dpc, NULL, NULL);
}
