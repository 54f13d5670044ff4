/*
 * clock.h - the HAL's time sources, as its own files (pit.c, calibrate.c,
 * tsc.c, clock.c) and the tests see them. docs/time.md tells the whole story.
 *
 *   PIT   8254 timer, 1.193182 MHz on every PC: the reference, used at boot
 *   TSC   the CPU's cycle counter: fast to read, rate unknown until measured
 *   LAPIC the local APIC's timer: interrupts this CPU, rate unknown until measured
 */
#ifndef HAL_CLOCK_H
#define HAL_CLOCK_H

#include "ntdef.h"

/* ---- The PIT (pit.c) ---------------------------------------------------- */

#define PIT_FREQUENCY 1193182 /* Hz: 14.31818 MHz / 12, fixed by the PC design */

/* Microseconds to PIT ticks, rounded down. At most 54925 us (65535 ticks). */
#define PIT_TICKS_FROM_US(Us) ((ULONG)(((ULONG64)(Us)*PIT_FREQUENCY) / 1000000))

/* Channel 2 as a one-shot countdown (mode 0), polled: started, then checked. */
VOID HalpPitStartCountdown(USHORT PitTicks);
BOOLEAN HalpPitCountdownExpired(VOID);
USHORT HalpPitReadCount(VOID);

/* ---- Calibration against the PIT (calibrate.c) ---------------------------- */

/* One PIT interval as the TSC and the LAPIC timer saw it. */
typedef struct _HALP_PIT_SAMPLE {
    ULONG PitTicks;      /* the interval: PIT input clocks */
    ULONG64 TscTicks;    /* TSC ticks over it */
    ULONG LapicTicks;    /* LAPIC timer counts over it (when measured) */
    ULONG64 Uncertainty; /* TSC ticks: how far off the two ends can be */
} HALP_PIT_SAMPLE, *PHALP_PIT_SAMPLE;

/* Measures one interval of at least PitTicks (keep it well under 65535, 55 ms),
 * with interrupts off. With WithLapicTimer the caller has the LAPIC timer
 * counting down. */
VOID HalpMeasurePitInterval(ULONG PitTicks, BOOLEAN WithLapicTimer, PHALP_PIT_SAMPLE Sample);

/* Measures intervals until one is precise (or after 50 tries) and keeps the
 * one with the smallest uncertainty. */
VOID HalpCalibrateAgainstPit(ULONG PitTicks, BOOLEAN WithLapicTimer, PHALP_PIT_SAMPLE Best);

/* Ticks per PIT interval to ticks per second. */
#define HALP_HZ_FROM_PIT(Ticks, PitTicks) (((ULONG64)(Ticks)*PIT_FREQUENCY) / (PitTicks))

/* A sample's uncertainty in parts per million of its interval. */
#define HALP_SAMPLE_PPM(Sample) ((ULONG)((Sample)->Uncertainty * 1000000 / (Sample)->TscTicks))

/* ---- The TSC (tsc.c) ---------------------------------------------------- */

BOOLEAN HalpTscIsInvariant(VOID);
ULONG64 HalpMeasureTscFrequency(ULONG PitTicks, PULONG UncertaintyPpm);

/* ---- The clock (clock.c) ------------------------------------------------ */

/* The LAPIC timer's mode, bits 18-17 of its LVT entry (LAPIC_LVT_TIMER). */
#define LAPIC_TIMER_MODE_MASK (3U << 17)
#define LAPIC_TIMER_ONE_SHOT (0U << 17)
#define LAPIC_TIMER_PERIODIC (1U << 17)

/* What HalInitializeClock measured and programmed; the `clock` GDB command
 * (tools/gdb/clock.py) prints it. */
typedef struct _HALP_CLOCK {
    ULONG64 TscFrequency;        /* Hz, measured */
    ULONG64 LapicTimerFrequency; /* Hz at the timer's input, before the divider, measured */
    ULONG LapicDivider;          /* the divide configuration, 1 to 128 */
    ULONG LapicInitialCount;     /* counts per clock interrupt */
    ULONG PeriodUs;              /* the clock interrupt's period, as asked for */
    ULONG CalibrationPpm;        /* the calibration's uncertainty, parts per million */
} HALP_CLOCK;

extern HALP_CLOCK HalpClock;

#define CLOCK_PERIOD_DEFAULT_MS 1
#define CLOCK_PERIOD_MIN_MS 1
#define CLOCK_PERIOD_MAX_MS 100

/* The period `clock.ms=N` asks for on CommandLine, in milliseconds; a bad
 * value is reported with a usage line and the default is used. */
ULONG HalpClockPeriodFromCommandLine(PCSTR CommandLine);

#endif /* HAL_CLOCK_H */
