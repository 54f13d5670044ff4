/*
 * dpcclock.c - what each processor's clock tick does for its DPCs: the DPC
 * watchdog, and draining the queue at the "next occasion".
 *
 * The watchdog. A DPC runs at DISPATCH_LEVEL: while it runs, nothing else on
 * its processor does, no thread, no other DPC. Microsoft asks for DPCs under
 * 100 us; Windows stops a machine whose DPCs break the rule badly with
 * DPC_WATCHDOG_VIOLATION (0x133):
 *   parameter 1 = 0  one DPC routine ran longer than the single-DPC limit
 *                    (P2 its time so far, P3 the limit, both in clock ticks)
 *   parameter 1 = 1  the processor has been draining DPCs without a break
 *                    for longer than the cumulative limit (a DPC that keeps
 *                    queuing itself, a flood from a device)
 *                    (P2 the limit in ticks, P3 the time so far)
 * The clock interrupt, at CLOCK_LEVEL above DISPATCH_LEVEL, still arrives
 * while a DPC runs: that is where the watchdog looks. (ntmini measures the
 * cumulative time in the DPC drain loop; Windows also counts time a thread
 * spends at DISPATCH_LEVEL holding spin locks.)
 *
 * The next occasion. A LowImportance DPC, or a MediumImportance one queued
 * for another processor, does not interrupt anyone: the tick that finds such
 * DPCs waiting requests the DISPATCH software interrupt for them.
 */
#include "dpc.h"
#include "ke.h"
#include "prcb.h"
#include "hal/interrupts.h"
#include "hal/x86.h"
#include "ke/time.h"

#define DEFAULT_SINGLE_DPC_MS 1000
#define DEFAULT_CUMULATIVE_MS 10000

static ULONG KiDpcSingleLimitMs;
static ULONG KiDpcCumulativeLimitMs;

VOID KiSetDpcWatchdogLimits(ULONG SingleDpcMs, ULONG CumulativeMs)
{
    if (SingleDpcMs != 0)
        KiDpcSingleLimitMs = SingleDpcMs;
    if (CumulativeMs != 0)
        KiDpcCumulativeLimitMs = CumulativeMs;
}

VOID KiQueryDpcWatchdogLimits(PULONG SingleDpcMs, PULONG CumulativeMs)
{
    *SingleDpcMs = KiDpcSingleLimitMs;
    *CumulativeMs = KiDpcCumulativeLimitMs;
}

/* The command line's limits, read at the first tick. */
static VOID LoadLimits(VOID)
{
    if (KiDpcSingleLimitMs == 0)
        KiDpcSingleLimitMs = (ULONG)KeGetOptionNumber("dpc.single_ms", DEFAULT_SINGLE_DPC_MS);
    if (KiDpcCumulativeLimitMs == 0)
        KiDpcCumulativeLimitMs = (ULONG)KeGetOptionNumber("dpc.total_ms", DEFAULT_CUMULATIVE_MS);
}

/* Milliseconds since Start (a TSC value); 0 when Start is 0 (nothing runs). */
static ULONG64 MillisecondsSince(ULONG64 Start)
{
    LARGE_INTEGER Frequency;
    ULONG64 Now = (ULONG64)KeQueryPerformanceCounter(&Frequency).QuadPart;

    if (Start == 0 || Frequency.QuadPart == 0 || Now < Start)
        return 0;
    return (Now - Start) / ((ULONG64)Frequency.QuadPart / 1000);
}

static ULONG64 TicksFromMs(ULONG64 Ms)
{
    ULONG Increment = KeQueryTimeIncrement(); /* 100 ns units */
    return Increment ? Ms * 10000 / Increment : Ms;
}

static VOID CheckWatchdog(KDPC_DATA *Data)
{
    ULONG64 Single = MillisecondsSince(__atomic_load_n(&Data->Watchdog.DpcStartTsc, __ATOMIC_ACQUIRE));
    ULONG64 Total = MillisecondsSince(__atomic_load_n(&Data->Watchdog.RetireStartTsc, __ATOMIC_ACQUIRE));
    ULONG64 Offset;

    if (Single > KiDpcSingleLimitMs) {
        PCSTR Name = KiLookupSymbol((ULONG64)Data->Watchdog.DpcRoutine, &Offset);
        KiBugCheck(DPC_WATCHDOG_VIOLATION, 0, TicksFromMs(Single), TicksFromMs(KiDpcSingleLimitMs), 0, NULL,
                   "the DPC routine %s has run for %llu ms on processor %u; the limit for one DPC is %u ms "
                   "(dpc.single_ms)",
                   Name ? Name : "?", Single, Data->Number, KiDpcSingleLimitMs);
    }
    if (Total > KiDpcCumulativeLimitMs)
        KiBugCheck(DPC_WATCHDOG_VIOLATION, 1, TicksFromMs(KiDpcCumulativeLimitMs), TicksFromMs(Total), 0, NULL,
                   "processor %u has run DPCs for %llu ms without a break; the limit is %u ms (dpc.total_ms)",
                   Data->Number, Total, KiDpcCumulativeLimitMs);
}

VOID KiDpcClockTick(VOID)
{
    KDPC_DATA *Data = &KeGetCurrentPrcb()->DpcData;

    LoadLimits();
    CheckWatchdog(Data);
    if ((Data->DpcQueueDepth != 0 || KeGetCurrentPrcb()->ThreadedDpcData.DpcQueueDepth != 0) && !Data->DpcRoutineActive)
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
}
