/*
 * test_dpcstress.c - every processor inserts DPCs into every processor's
 * queue, from DPCs, from ISRs and (on the boot CPU) from the test's own
 * PASSIVE_LEVEL code, until at least 100,000 inserts have succeeded. Then
 * the accounting must be exact: each DPC object ran exactly as many times as
 * inserts of it returned TRUE, always on its target processor.
 *
 * (Until the dispatcher runs threads on every processor, the "thread" side is
 * the boot CPU's test body; the APs insert from DPCs and ISRs.)
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/dpc.h"
#include "ke/prcb.h"
#include "ke/time.h"
#include "ex/ex.h"
#include "io/io.h"
#include "hal/interrupts.h"
#include "threadtest.h"
#include "rtl.h"

#define STRESS_INSERTS 100000
#define STRESS_OBJECTS_PER_PAIR 4 /* one per importance */
#define STRESS_BATCH 32
#define STRESS_TAG POOL_TAG('D', 'p', 'c', 'S')

typedef struct _STRESS_DPC {
    KDPC Dpc;
    ULONG Target;
    volatile ULONG64 Inserted; /* inserts that returned TRUE */
    volatile ULONG64 Ran;
} STRESS_DPC;

/* Who inserts for a processor: its DPC and ISR, or its thread. Each has
 * half of the processor's share of successful inserts to make. */
#define BY_INTERRUPTS 0
#define BY_THREAD 1

typedef struct _STRESS_SOURCE {
    KDPC Producer;                /* this processor's producing DPC */
    volatile LONG64 Remaining[2]; /* successful inserts still to make, BY_* */
    ULONG Cursor;
} STRESS_SOURCE;

static STRESS_DPC *Objects; /* [source][target][k] */
static STRESS_SOURCE Sources[MAXIMUM_PROCESSORS];
static ULONG Count;
static ULONG StressVector;
static volatile ULONG WrongProcessor, ProducersDone, IsrInserts, ThreadInserts;
static volatile BOOLEAN Stop;

static VOID StressDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    STRESS_DPC *Object = Context;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    if (KeGetCurrentProcessorNumber() != Object->Target)
        __atomic_add_fetch(&WrongProcessor, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&Object->Ran, 1, __ATOMIC_RELAXED);
}

/* One attempt from processor Source, at the next object in its rotation. */
static BOOLEAN InsertOne(ULONG Source, ULONG By)
{
    STRESS_SOURCE *S = &Sources[Source];
    ULONG Index = __atomic_fetch_add(&S->Cursor, 1, __ATOMIC_RELAXED) % (Count * STRESS_OBJECTS_PER_PAIR);
    STRESS_DPC *Object = &Objects[Source * Count * STRESS_OBJECTS_PER_PAIR + Index];

    if (!KeInsertQueueDpc(&Object->Dpc, NULL, NULL))
        return FALSE;
    __atomic_add_fetch(&Object->Inserted, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&S->Remaining[By], 1, __ATOMIC_RELAXED);
    return TRUE;
}

/* The ISR: at DIRQL, inserts on behalf of the processor it interrupted. */
static BOOLEAN StressIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    for (ULONG i = 0; i < 4; i++)
        if (InsertOne(KeGetCurrentProcessorNumber(), BY_INTERRUPTS))
            __atomic_add_fetch(&IsrInserts, 1, __ATOMIC_RELAXED);
    return TRUE;
}

/* Each processor's producer: a batch of inserts, an interrupt whose ISR
 * inserts more, and again (queued anew) until its share is done. */
/* Each processor's thread: its half of the processor's share, at PASSIVE_LEVEL. */
static VOID ProducerThread(PVOID Context)
{
    ULONG Me = (ULONG)(ULONG_PTR)Context;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << Me);
    while (Sources[Me].Remaining[BY_THREAD] > 0 && !Stop)
        if (InsertOne(Me, BY_THREAD))
            __atomic_add_fetch(&ThreadInserts, 1, __ATOMIC_RELAXED);
}

static VOID ProducerDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    ULONG Me = KeGetCurrentProcessorNumber();

    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    HalpSendSelfIpi((UCHAR)StressVector); /* the ISR runs at once: DIRQL is above DISPATCH_LEVEL */
    for (ULONG i = 0; i < STRESS_BATCH; i++)
        InsertOne(Me, BY_INTERRUPTS);
    if (Sources[Me].Remaining[BY_INTERRUPTS] > 0 && !Stop)
        KeInsertQueueDpc(Dpc, NULL, NULL);
    else
        __atomic_add_fetch(&ProducersDone, 1, __ATOMIC_RELEASE);
}

/* How long the producers may take. On one slow CPU the whole stress runs
 * there, and the DPC chains at DISPATCH_LEVEL hold off the threads until they
 * are done: seconds, on a loaded host. A hang beyond this is the bug. */
#define STRESS_PATIENCE KT_MS(60000)

/* A producer thread makes its whole share (its loop ends only then), but it
 * may get its processor only after that processor's DPC chain is done, so it
 * is waited for with STRESS_PATIENCE rather than KtJoin's shorter one. */
static BOOLEAN JoinProducer(PKTHREAD Thread)
{
    LARGE_INTEGER Timeout = {.QuadPart = -(LONGLONG)STRESS_PATIENCE};

    if (KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
        return FALSE;
    return KtJoin(Thread); /* ended: this only drops the reference */
}

static BOOLEAN SetUp(VOID)
{
    SIZE_T Objects_ = (SIZE_T)Count * Count * STRESS_OBJECTS_PER_PAIR;

    Objects = ExAllocatePoolWithTag(NonPagedPool, Objects_ * sizeof(STRESS_DPC), STRESS_TAG);
    if (Objects == NULL)
        return FALSE;
    RtlZeroMemory(Objects, Objects_ * sizeof(STRESS_DPC));
    for (SIZE_T i = 0; i < Objects_; i++) {
        STRESS_DPC *Object = &Objects[i];
        Object->Target = (ULONG)(i / STRESS_OBJECTS_PER_PAIR) % Count;
        KeInitializeDpc(&Object->Dpc, StressDpc, Object);
        KeSetImportanceDpc(&Object->Dpc, (KDPC_IMPORTANCE)(i % STRESS_OBJECTS_PER_PAIR));
        KeSetTargetProcessorDpc(&Object->Dpc, (CCHAR)Object->Target);
    }
    for (ULONG n = 0; n < Count; n++) {
        Sources[n].Remaining[BY_INTERRUPTS] = (STRESS_INSERTS / 2 + Count - 1) / Count;
        Sources[n].Remaining[BY_THREAD] = (STRESS_INSERTS / 2 + Count - 1) / Count;
        Sources[n].Cursor = 0;
        KeInitializeDpc(&Sources[n].Producer, ProducerDpc, NULL);
        KeSetImportanceDpc(&Sources[n].Producer, LowImportance);
        KeSetTargetProcessorDpc(&Sources[n].Producer, (CCHAR)n);
    }
    WrongProcessor = ProducersDone = IsrInserts = ThreadInserts = 0;
    Stop = FALSE;
    return TRUE;
}

/* Up to STRESS_PATIENCE for every producing DPC to finish. */
static BOOLEAN WaitForProducers(VOID)
{
    ULONGLONG Until = KeQueryInterruptTime() + STRESS_PATIENCE;

    while (__atomic_load_n(&ProducersDone, __ATOMIC_ACQUIRE) < Count && KeQueryInterruptTime() < Until)
        KtSleep(1);
    return ProducersDone == Count;
}

/* Every object ran exactly as often as it was inserted. */
static ULONG64 CheckAccounting(KTEST_CONTEXT *Kt)
{
    ULONG64 Total = 0;

    for (SIZE_T i = 0; i < (SIZE_T)Count * Count * STRESS_OBJECTS_PER_PAIR; i++) {
        if (!KT_EXPECT_EQ(Objects[i].Ran, Objects[i].Inserted))
            break;
        Total += Objects[i].Ran;
    }
    return Total;
}

KTEST(dpc_stress, every_insert_runs_exactly_once)
{
    PKINTERRUPT Interrupt;
    ULONG SingleMs, TotalMs;

    Count = KeNumberProcessors;
    KT_ASSERT(SetUp());
    StressVector = HalpAllocateDeviceVector(5);
    KT_ASSERT_EQ(
        IoConnectInterrupt(&Interrupt, StressIsr, NULL, NULL, StressVector, 5, 5, Latched, FALSE, ~0ULL, FALSE),
        STATUS_SUCCESS);
    /* Producers queue themselves again and again: not what the cumulative
     * watchdog is for. */
    KiQueryDpcWatchdogLimits(&SingleMs, &TotalMs);
    KiSetDpcWatchdogLimits(0, 600000);

    PKTHREAD Threads[MAXIMUM_PROCESSORS];
    for (ULONG n = 0; n < Count; n++)
        Threads[n] = KtStartThread(ProducerThread, (PVOID)(ULONG_PTR)n);
    for (ULONG n = 0; n < Count; n++)
        KeInsertQueueDpc(&Sources[n].Producer, NULL, NULL);
    for (ULONG n = 0; n < Count; n++)
        KT_EXPECT(Threads[n] != NULL && JoinProducer(Threads[n]));
    KT_EXPECT(WaitForProducers());
    Stop = TRUE;        /* if they have not finished: stop them, */
    WaitForProducers(); /* and let them see it before the flush */
    KeFlushQueuedDpcs();

    ULONG64 Total = CheckAccounting(Kt);
    KtInfo("%llu inserts ran, %u of them from ISRs, %u from threads, on %u processor(s)", Total, IsrInserts,
           ThreadInserts, Count);
    KT_EXPECT_GE(Total, STRESS_INSERTS);
    KT_EXPECT_EQ(WrongProcessor, 0);
    KT_EXPECT_GT(IsrInserts, 0);
    KT_EXPECT_GT(ThreadInserts, 0);

    KiSetDpcWatchdogLimits(SingleMs, TotalMs);
    IoDisconnectInterrupt(Interrupt);
    HalpFreeDeviceVector(StressVector);
    ExFreePoolWithTag(Objects, STRESS_TAG);
}
