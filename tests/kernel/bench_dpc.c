/*
 * bench_dpc.c - how long a DPC waits: TSC cycles from KeInsertQueueDpc to
 * the routine's first instruction on the same processor and on another, and
 * from a device interrupt to its CustomDpc routine: interrupt_to_dpc from the
 * write to the ICR that raises it (a self-IPI on a device vector), isr_to_dpc
 * from the ISR's first instruction. Each is sampled many
 * times; the median and the 99th percentile are printed.
 *
 * Under QEMU's TCG these are emulated cycles of the host's TSC: compare runs
 * on one machine, not with real hardware.
 */
#include "bench.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/dpc.h"
#include "ke/prcb.h"
#include "io/io.h"
#include "hal/interrupts.h"
#include "hal/x86.h"
#include "rtl.h"

#define SAMPLES 2000
#define SAMPLE_TIMEOUT_TSC 3000000000ULL

static ULONG64 Samples[SAMPLES];
static ULONG64 IsrSamples[SAMPLES];
static volatile ULONG64 StartTsc, EndTsc, IsrTsc;
static volatile ULONG Arrived;

/* The measured routine: its first act is reading the TSC. */
static VOID TimedDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    ULONG64 Now = __rdtsc();

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    EndTsc = Now;
    __atomic_store_n(&Arrived, 1, __ATOMIC_RELEASE);
}

static BOOLEAN WaitArrived(VOID)
{
    ULONG64 Start = __rdtsc();

    while (!__atomic_load_n(&Arrived, __ATOMIC_ACQUIRE))
        if (__rdtsc() - Start > SAMPLE_TIMEOUT_TSC)
            return FALSE;
    return TRUE;
}

/* Insertion sort: 2000 samples, once per benchmark. */
static VOID Sort(ULONG64 *Values, ULONG Count)
{
    for (ULONG i = 1; i < Count; i++) {
        ULONG64 Value = Values[i];
        ULONG j = i;
        for (; j > 0 && Values[j - 1] > Value; j--)
            Values[j] = Values[j - 1];
        Values[j] = Value;
    }
}

static VOID Report(PCSTR Name, ULONG64 *Values, ULONG Count)
{
    if (Count == 0) {
        DbgPrint("bench %s skipped=1\n", Name);
        return;
    }
    Sort(Values, Count);
    DbgPrint("bench %s median_cycles=%llu p99_cycles=%llu samples=%u\n", Name, Values[Count / 2],
             Values[Count * 99 / 100], Count);
}

/* Insert, from PASSIVE_LEVEL, a DPC for processor Target. */
static ULONG MeasureInsert(ULONG Target)
{
    KDPC Dpc;
    ULONG Count = 0;

    KeInitializeDpc(&Dpc, TimedDpc, NULL);
    KeSetImportanceDpc(&Dpc, HighImportance);
    KeSetTargetProcessorDpc(&Dpc, (CCHAR)Target);
    for (; Count < SAMPLES; Count++) {
        Arrived = 0;
        StartTsc = __rdtsc();
        KeInsertQueueDpc(&Dpc, NULL, NULL);
        if (!WaitArrived())
            break;
        Samples[Count] = EndTsc - StartTsc;
    }
    return Count;
}

/* The CustomDpc pattern: an ISR that queues its DPC. The interrupt is a
 * self-IPI on a device vector, taken at once (the CPU is at PASSIVE_LEVEL). */
static KDPC IsrDpc;

static BOOLEAN BenchIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    IsrTsc = __rdtsc();
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    KeInsertQueueDpc(&IsrDpc, NULL, NULL);
    return TRUE;
}

static ULONG MeasureInterrupt(VOID)
{
    ULONG Vector = HalpAllocateDeviceVector(5);
    PKINTERRUPT Interrupt;
    ULONG Count = 0;

    KeInitializeDpc(&IsrDpc, TimedDpc, NULL);
    if (IoConnectInterrupt(&Interrupt, BenchIsr, NULL, NULL, Vector, 5, 5, Latched, FALSE, ~0ULL, FALSE) !=
        STATUS_SUCCESS)
        return 0;
    for (; Count < SAMPLES; Count++) {
        Arrived = 0;
        StartTsc = __rdtsc();
        HalpSendSelfIpi((UCHAR)Vector);
        if (!WaitArrived())
            break;
        Samples[Count] = EndTsc - StartTsc;
        IsrSamples[Count] = EndTsc - IsrTsc;
    }
    IoDisconnectInterrupt(Interrupt);
    HalpFreeDeviceVector(Vector);
    return Count;
}

static BOOLEAN Wanted(PCSTR Name)
{
    CHAR Pattern[64] = "";

    KeGetOption("bench", Pattern, sizeof(Pattern));
    return Pattern[0] == 0 || RtlMatchWildcard(Pattern, "all") || RtlMatchWildcard(Pattern, Name);
}

VOID KtRunBenchmarks(VOID)
{
    if (Wanted("dpc_insert_local"))
        Report("dpc_insert_local", Samples, MeasureInsert(KeGetCurrentProcessorNumber()));
    if (Wanted("dpc_insert_remote"))
        Report("dpc_insert_remote", Samples, KeNumberProcessors > 1 ? MeasureInsert(1) : 0);
    if (Wanted("interrupt_to_dpc")) {
        ULONG Count = MeasureInterrupt();
        Report("interrupt_to_dpc", Samples, Count);
        Report("isr_to_dpc", IsrSamples, Count);
    }
    KtRunDiskBenchmarks(); /* bench_disk.c: only those the bench= option names */
}
