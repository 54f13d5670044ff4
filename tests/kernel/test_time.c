/*
 * test_time.c - the clocks: calibration against the PIT, the clock interrupt,
 * and the NT time functions.
 *
 * Every duration here is measured by the PIT or the TSC, never assumed from
 * the host: under QEMU without -icount both follow the host's clock, and the
 * host may be slow and busy (four vCPUs sharing two cores), so the guest can
 * be paused at any moment for milliseconds. The tolerances are chosen so that
 * such a pause cannot fail a test that is right:
 *
 *   - Calibrations compare within 2%. Each calibration knows its uncertainty
 *     and accepts a run only at 0.1% or better (calibrate.c), so 2% is twenty
 *     times the most that two of them can disagree by.
 *   - Clock ticks can come late or be lost (a paused guest merges them) but
 *     never early, so "no sooner than" bounds are tight and "no later than"
 *     bounds are loose: a wait fails only after 5 s of TSC time.
 */
#include "ktest.h"
#include "hal/apic.h"
#include "hal/clock.h"
#include "hal/vectors.h"
#include "hal/x86.h"
#include "ke/irql.h"
#include "ke/time.h"
#include "rtl.h"

#define TOLERANCE_PERCENT 2
#define WAIT_LIMIT_SECONDS 5

static BOOLEAN WithinPercent(ULONG64 Value, ULONG64 Reference, ULONG Percent)
{
    ULONG64 Difference = Value > Reference ? Value - Reference : Reference - Value;
    return Difference * 100 <= Reference * Percent;
}

static ULONG64 TickCount(void)
{
    LARGE_INTEGER Count;
    KeQueryTickCount(&Count);
    return (ULONG64)Count.QuadPart;
}

/* Is the LAPIC timer set to interrupt periodically on CLOCK_VECTOR? If not,
 * halting to wait for a tick would halt for ever. */
static BOOLEAN ClockIsRunning(void)
{
    ULONG Lvt = HalpLapicRead(LAPIC_LVT_TIMER);
    return (Lvt & 0xFF) == CLOCK_VECTOR && !(Lvt & LAPIC_LVT_MASKED) &&
           (Lvt & LAPIC_TIMER_MODE_MASK) == LAPIC_TIMER_PERIODIC && HalpLapicRead(LAPIC_TIMER_INITIAL) != 0;
}

/* Halts until Ticks clock interrupts have come. FALSE if that takes more than
 * WAIT_LIMIT_SECONDS by the TSC, a thousand times the usual. */
static BOOLEAN WaitForTicks(ULONG64 Ticks)
{
    ULONG64 Start = TickCount();
    ULONG64 TscStart = __rdtsc();

    if (!ClockIsRunning() || !(__readeflags() & EFLAGS_IF) || KeGetCurrentIrql() >= CLOCK_LEVEL)
        return FALSE;
    while (TickCount() - Start < Ticks) {
        if (__rdtsc() - TscStart > WAIT_LIMIT_SECONDS * HalpClock.TscFrequency)
            return FALSE;
        __halt(); /* sleeps until the next interrupt, the clock's at the latest */
    }
    return TRUE;
}

/* Is this QEMU (TCG or KVM), whose LAPIC timer input is 1 GHz? CPUID leaf
 * 0x40000000 holds a hypervisor's signature when CPUID.1:ECX bit 31 is set. */
static BOOLEAN RunningOnQemu(void)
{
    ULONG Regs[4];
    CHAR Signature[13];

    __cpuid(1, 0, Regs);
    if (!(Regs[2] & (1U << 31)))
        return FALSE;
    __cpuid(0x40000000, 0, Regs);
    memcpy(Signature, &Regs[1], 4);
    memcpy(Signature + 4, &Regs[2], 4);
    memcpy(Signature + 8, &Regs[3], 4);
    Signature[12] = 0;
    return strcmp(Signature, "TCGTCGTCGTCG") == 0 || strcmp(Signature, "KVMKVMKVM") == 0;
}

/* A second measurement, over 30 ms instead of the boot's 10 ms, must agree. */
KTEST(time, tsc_calibration_repeats)
{
    ULONG Ppm;
    ULONG64 Again = HalpMeasureTscFrequency(PIT_TICKS_FROM_US(30000), &Ppm);

    KtInfo("TSC %llu Hz at boot (+-%u ppm), %llu Hz now (+-%u ppm)", HalpClock.TscFrequency, HalpClock.CalibrationPpm,
           Again, Ppm);
    KT_EXPECT_LE(HalpClock.CalibrationPpm, 1000); /* both as sure as calibrate.c aims for */
    KT_EXPECT_LE(Ppm, 1000);
    KT_EXPECT(WithinPercent(Again, HalpClock.TscFrequency, TOLERANCE_PERCENT));
}

KTEST(time, lapic_timer_rate)
{
    ULONG64 Hz = HalpClock.LapicTimerFrequency;

    KtInfo("LAPIC timer input %llu Hz, divider %u, %u counts per tick", Hz, HalpClock.LapicDivider,
           HalpClock.LapicInitialCount);
    KT_EXPECT_EQ(HalpClock.LapicDivider, 16);
    KT_EXPECT_EQ(HalpClock.LapicInitialCount, (Hz / HalpClock.LapicDivider * HalpClock.PeriodUs + 500000) / 1000000);
    if (RunningOnQemu()) {
        KT_EXPECT(WithinPercent(Hz, 1000000000, TOLERANCE_PERCENT)); /* QEMU: 1 GHz */
    } else {
        KtInfo("not QEMU: only a plausible rate is checked");
        KT_EXPECT(Hz >= 10000000 && Hz <= 10000000000ULL); /* real buses: tens of MHz to a few GHz */
    }
}

KTEST(time, clock_is_programmed)
{
    KT_EXPECT(ClockIsRunning());
    KT_EXPECT_EQ(KeQueryTimeIncrement(), HalpClock.PeriodUs * 10);
}

/* The CPU halts; the clock interrupt wakes it. A tick can be late, and a late
 * tick can be followed closely by an on-time one, but none comes before its
 * time: N ticks after a tick take at least N - 1 periods. */
KTEST(time, ticks_advance_while_halted)
{
    const ULONG64 Ticks = 20;

    KT_ASSERT(WaitForTicks(1)); /* start at a tick */
    ULONG64 Start = __rdtsc();
    KT_ASSERT(WaitForTicks(Ticks));
    ULONG64 ElapsedUs = (__rdtsc() - Start) * 1000000 / HalpClock.TscFrequency;

    KtInfo("%llu ticks of %u us took %llu us by the TSC", Ticks, HalpClock.PeriodUs, ElapsedUs);
    KT_EXPECT_GE(ElapsedUs * 100, (Ticks - 1) * HalpClock.PeriodUs * (100 - TOLERANCE_PERCENT));
}

/* Read as a pair at CLOCK_LEVEL, so that no tick falls between the reads. */
KTEST(time, interrupt_time_is_ticks_times_increment)
{
    KIRQL OldIrql;

    KT_ASSERT(WaitForTicks(2));
    KeRaiseIrql(CLOCK_LEVEL, &OldIrql);
    ULONG64 InterruptTime = KeQueryInterruptTime();
    ULONG64 Ticks = TickCount();
    KeLowerIrql(OldIrql);

    KT_EXPECT_GE(Ticks, 2);
    KT_EXPECT_EQ(InterruptTime, Ticks * KeQueryTimeIncrement());
}

KTEST(time, interrupt_time_is_monotonic)
{
    ULONG64 Previous = KeQueryInterruptTime();
    ULONG64 TscStart = __rdtsc();
    ULONG Changes = 0;

    /* Spin (not halt), reading all the while, until it has moved 3 times. */
    KT_ASSERT(ClockIsRunning());
    while (Changes < 3 && __rdtsc() - TscStart < WAIT_LIMIT_SECONDS * HalpClock.TscFrequency) {
        ULONG64 Now = KeQueryInterruptTime();
        KT_ASSERT(Now >= Previous);
        Changes += Now != Previous;
        Previous = Now;
    }
    KT_EXPECT_EQ(Changes, 3);
}

KTEST(time, stall_lasts_long_enough)
{
    /* By the TSC: at least the 1000 us asked for. */
    ULONG64 Start = __rdtsc();
    KeStallExecutionProcessor(1000);
    ULONG64 Elapsed = __rdtsc() - Start;
    KT_EXPECT_GE(Elapsed * 1000, HalpClock.TscFrequency);

    /* By the PIT, which started counting first: at least 1000 us less the
     * calibration tolerance. */
    HalpPitStartCountdown((USHORT)PIT_TICKS_FROM_US(1000 * (100 - TOLERANCE_PERCENT) / 100));
    KeStallExecutionProcessor(1000);
    KT_EXPECT(HalpPitCountdownExpired());
}

KTEST(time, performance_counter_is_the_tsc)
{
    LARGE_INTEGER Frequency;
    ULONG64 Before = __rdtsc();
    LARGE_INTEGER Counter = KeQueryPerformanceCounter(&Frequency);
    ULONG64 After = __rdtsc();

    KT_EXPECT_EQ(Frequency.QuadPart, HalpClock.TscFrequency);
    KT_EXPECT_GE(Counter.QuadPart, Before);
    KT_EXPECT_LE(Counter.QuadPart, After);
    KT_EXPECT_GT(KeQueryPerformanceCounter(NULL).QuadPart, Counter.QuadPart);
}

/* At CLOCK_LEVEL the clock is held back; the ticks missed meanwhile merge
 * into one pending interrupt, delivered when the IRQL drops. */
KTEST(time, no_clock_at_clock_level)
{
    KIRQL OldIrql;

    KT_ASSERT(ClockIsRunning());
    KeRaiseIrql(CLOCK_LEVEL, &OldIrql);
    ULONG64 Before = TickCount();
    KeStallExecutionProcessor(5 * HalpClock.PeriodUs);
    ULONG64 After = TickCount();
    KeLowerIrql(OldIrql);

    KT_EXPECT_EQ(After, Before);
    KT_EXPECT(WaitForTicks(1));
}

KTEST(time, clock_option)
{
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine(""), CLOCK_PERIOD_DEFAULT_MS);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("quiet clock.ms=5"), 5);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms=100"), 100);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms=0x10"), 16);
    /* Each bad value prints a usage line and falls back to the default. */
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms=0"), CLOCK_PERIOD_DEFAULT_MS);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms=101"), CLOCK_PERIOD_DEFAULT_MS);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms=fast"), CLOCK_PERIOD_DEFAULT_MS);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms="), CLOCK_PERIOD_DEFAULT_MS);
    KT_EXPECT_EQ(HalpClockPeriodFromCommandLine("clock.ms"), CLOCK_PERIOD_DEFAULT_MS);
}

/* ---- expected bug checks, each in a boot of its own ---- */

/* Stalling needs the TSC's rate; without it (before HalInitializeClock) the
 * stall could not know when to stop. Simulated by forgetting the rate. */
KTEST_BUGCHECK(time_bugcheck, stall_before_clock, PHASE0_INITIALIZATION_FAILED)
{
    KiSetPerformanceFrequency(0);
    KeStallExecutionProcessor(10);
}
