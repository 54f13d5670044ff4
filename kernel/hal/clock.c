/*
 * clock.c - the clock interrupt: the local APIC timer, measured against the
 * PIT, interrupting this CPU periodically at CLOCK_LEVEL.
 *
 * The LAPIC timer is a 32-bit down-counter inside each CPU's local APIC,
 * driven by the APIC's input clock (the bus or core crystal clock; 1 GHz under
 * QEMU) through a divider. Its registers (offsets from the APIC's base):
 *
 *   0x320  LVT timer     bits 7-0 the vector, bit 16 masked,
 *                        bits 18-17 the mode: 00 one-shot, 01 periodic
 *                        (10 TSC-deadline, which QEMU's TCG lacks)
 *   0x380  initial count writing it starts the countdown (0 stops it)
 *   0x390  current count read only: where the countdown is now
 *   0x3E0  divide config bits 3,1,0: 000 /2, 001 /4, 010 /8, 011 /16,
 *                        100 /32, 101 /64, 110 /128, 111 /1
 *
 * In periodic mode, reaching zero raises the LVT's vector and reloads the
 * initial count: one interrupt every InitialCount * Divider input clocks.
 * The vector is CLOCK_VECTOR (0xD1), whose priority class, 13, is CLOCK_LEVEL:
 * the clock is held back only while the IRQL is CLOCK_LEVEL or higher.
 *
 * HalInitializeClock runs once, on the boot CPU, with interrupts disabled:
 *   1. start the LAPIC timer counting down, one-shot and masked, and measure
 *      it and the TSC against the PIT (calibrate.c);
 *   2. tell the kernel the tick length and the TSC's rate (ke/time.h);
 *   3. connect the clock handler and start the timer, periodic.
 */
#include "hal.h"
#include "apic.h"
#include "clock.h"
#include "vectors.h"
#include "ke/ke.h"
#include "ke/time.h"
#include "ke/prcb.h"
#include "ke/dpc.h"
#include "rtl.h"

/* Divide by 16: QEMU's 1 GHz becomes 62.5 MHz, so 1 ms is 62500 counts and the
 * longest period, 100 ms, still fits in 32 bits with room to spare. */
#define LAPIC_DIVIDER 16
#define LAPIC_DIVIDE_BY_16 0x3

/* 10 ms: each end of a run is read within a few microseconds, so one run is
 * good to about 0.05% or better, and costs 10 ms of boot time. */
#define CALIBRATION_US 10000

HALP_CLOCK HalpClock;

ULONG HalpClockPeriodFromCommandLine(PCSTR CommandLine)
{
    CHAR Text[24] = "";
    ULONG64 Ms;

    if (!RtlHasOption(CommandLine, "clock.ms"))
        return CLOCK_PERIOD_DEFAULT_MS;
    if (RtlGetOption(CommandLine, "clock.ms", Text, sizeof(Text)) && RtlParseNumber(Text, &Ms) &&
        Ms >= CLOCK_PERIOD_MIN_MS && Ms <= CLOCK_PERIOD_MAX_MS)
        return (ULONG)Ms;
    DbgPrint("clock: `clock.ms=%s` is not a period; usage: clock.ms=N, N from %u to %u (milliseconds); using %u\n",
             Text, CLOCK_PERIOD_MIN_MS, CLOCK_PERIOD_MAX_MS, CLOCK_PERIOD_DEFAULT_MS);
    return CLOCK_PERIOD_DEFAULT_MS;
}

/* Step 1: the TSC and the LAPIC timer, counted against the same PIT intervals.
 * The timer counts down from 0xFFFFFFFF (over a minute at 62.5 MHz), masked,
 * so it only counts and never interrupts. */
static VOID MeasureTscAndLapicTimer(VOID)
{
    HALP_PIT_SAMPLE Best;

    HalpLapicWrite(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    HalpLapicWrite(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | LAPIC_TIMER_ONE_SHOT | CLOCK_VECTOR);
    HalpLapicWrite(LAPIC_TIMER_INITIAL, 0xFFFFFFFF);
    HalpCalibrateAgainstPit(PIT_TICKS_FROM_US(CALIBRATION_US), TRUE, &Best);
    HalpLapicWrite(LAPIC_TIMER_INITIAL, 0);

    HalpClock.TscFrequency = HALP_HZ_FROM_PIT(Best.TscTicks, Best.PitTicks);
    HalpClock.LapicDivider = LAPIC_DIVIDER;
    HalpClock.LapicTimerFrequency = HALP_HZ_FROM_PIT(Best.LapicTicks, Best.PitTicks) * LAPIC_DIVIDER;
    HalpClock.CalibrationPpm = HALP_SAMPLE_PPM(&Best);
}

/* The clock interrupt, at CLOCK_LEVEL, on every CPU (each has its own LAPIC
 * timer). As in NT, only one CPU, the boot CPU, advances the time; every
 * CPU lets the DPC watchdog look at its own DPCs. The dispatcher sends the EOI. */
static VOID HalpClockInterrupt(PKTRAP_FRAME TrapFrame)
{
    KeGetCurrentPrcb()->ClockTickCount++;
    if (KeGetCurrentProcessorNumber() == 0)
        KeUpdateSystemTime(TrapFrame, HalpClock.PeriodUs * 10);
    else
        KiClockTick(TrapFrame); /* the dispatcher's share: quantum, timers */
    KiDpcClockTick();
}

/* Step 3: one interrupt every PeriodUs, rounded to the nearest count. */
static VOID StartPeriodicTimer(VOID)
{
    ULONG64 CountsPerSecond = HalpClock.LapicTimerFrequency / HalpClock.LapicDivider;

    HalpClock.LapicInitialCount = (ULONG)((CountsPerSecond * HalpClock.PeriodUs + 500000) / 1000000);
    HalpConnectSystemVector(CLOCK_VECTOR, HalpClockInterrupt);
    HalStartClockOnThisProcessor();
}

/* Every CPU's LAPIC timer runs at the same rate (one bus clock feeds them
 * all), so each AP starts its own with the boot CPU's measured values. */
VOID HalStartClockOnThisProcessor(VOID)
{
    HalpLapicWrite(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_BY_16);
    HalpLapicWrite(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | CLOCK_VECTOR);
    HalpLapicWrite(LAPIC_TIMER_INITIAL, HalpClock.LapicInitialCount); /* counting starts */
}

/* "clock: TSC 2.904 GHz, LAPIC timer 1000 MHz / 16, clock interrupt every 1.000 ms":
 * every figure from the measurement, none assumed. */
static VOID PrintClock(VOID)
{
    ULONG64 TscMHz = (HalpClock.TscFrequency + 500000) / 1000000;
    ULONG64 CountsPerSecond = HalpClock.LapicTimerFrequency / HalpClock.LapicDivider;
    ULONG64 PeriodUs = ((ULONG64)HalpClock.LapicInitialCount * 1000000 + CountsPerSecond / 2) / CountsPerSecond;

    DbgPrint("clock: TSC %llu.%03llu GHz%s, LAPIC timer %llu MHz / %u, clock interrupt every %llu.%03llu ms\n",
             TscMHz / 1000, TscMHz % 1000, HalpTscIsInvariant() ? " (invariant)" : "",
             (HalpClock.LapicTimerFrequency + 500000) / 1000000, HalpClock.LapicDivider, PeriodUs / 1000,
             PeriodUs % 1000);
    if (HalpClock.CalibrationPpm > 1000)
        DbgPrint("clock: the calibration is only sure to %u ppm: is the host very busy?\n", HalpClock.CalibrationPpm);
}

VOID HalInitializeClock(VOID)
{
    MeasureTscAndLapicTimer();
    HalpClock.PeriodUs = HalpClockPeriodFromCommandLine(KeBootInfo.CommandLine) * 1000;

    /* Step 2: NT's units are 100 ns, so a tick of PeriodUs is PeriodUs * 10. */
    KeSetTimeIncrement(HalpClock.PeriodUs * 10, HalpClock.PeriodUs * 10);
    KiSetPerformanceFrequency(HalpClock.TscFrequency);

    StartPeriodicTimer();
    if (!KeHasOption("quiet"))
        PrintClock();
}
