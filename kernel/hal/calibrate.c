/*
 * calibrate.c - measuring the TSC and the LAPIC timer against the PIT.
 *
 * The idea: start the PIT counting down, read its count together with the
 * TSC (and the LAPIC timer's count) now and again about 10 ms later. The PIT
 * ticks between the two reads are a known time, so the TSC ticks between them
 * give the TSC's rate:
 *
 *     TSC rate = TSC ticks * 1193182 / PIT ticks
 *
 * The difficulty is to know the TSC value at the very moment the PIT's count
 * was taken. We cannot: we can only read the TSC just before and just after,
 * and the PIT read lies somewhere in that bracket. A bracket is normally a
 * few microseconds (three I/O accesses), but it is wide if the CPU was held
 * up there: an SMI on a real machine, or, under an emulator on a busy host,
 * the virtual CPU's thread descheduled for milliseconds. So each read is made
 * several times and the one with the narrowest bracket is kept. A hold-up
 * *between* the two reads does not matter: the PIT, the TSC and the LAPIC
 * timer all keep counting through it.
 */
#include "clock.h"
#include "apic.h"
#include "x86.h"
#include "ke/ke.h"

#define READ_TRIES 8               /* per moment; the narrowest bracket wins */
#define COUNTDOWN_TICKS 0xFFFF     /* 54.9 ms, the longest: room for hold-ups */
#define CALIBRATION_PRECISION 1000 /* stop at an uncertainty of 1/1000 (0.1%) */
#define CALIBRATION_MAX_RUNS 50
#define PIT_MAX_POLLS 100000000ULL /* seconds of polling: the PIT is not counting */

/* One moment: the PIT's count, the LAPIC timer's count, and the TSC before
 * and after reading them. */
typedef struct _PIT_MOMENT {
    ULONG64 TscBefore, TscAfter;
    USHORT Pit;
    ULONG Lapic;
} PIT_MOMENT;

static VOID ReadOnce(BOOLEAN WithLapicTimer, PIT_MOMENT *Moment)
{
    Moment->TscBefore = __rdtsc();
    Moment->Pit = HalpPitReadCount();
    Moment->Lapic = WithLapicTimer ? HalpLapicRead(LAPIC_TIMER_CURRENT) : 0;
    Moment->TscAfter = __rdtsc();
}

static ULONG64 Width(const PIT_MOMENT *Moment)
{
    return Moment->TscAfter - Moment->TscBefore;
}

static VOID ReadMoment(BOOLEAN WithLapicTimer, PIT_MOMENT *Best)
{
    PIT_MOMENT Try;

    ReadOnce(WithLapicTimer, Best);
    for (ULONG i = 1; i < READ_TRIES; i++) {
        ReadOnce(WithLapicTimer, &Try);
        if (Width(&Try) < Width(Best))
            *Best = Try;
    }
}

/* Polls the PIT until PitTicks have passed since Start. */
static VOID WaitPitTicks(const PIT_MOMENT *Start, ULONG PitTicks)
{
    for (ULONG64 Polls = 0; (USHORT)(Start->Pit - HalpPitReadCount()) < PitTicks; Polls++) {
        if (Polls == PIT_MAX_POLLS)
            KiBugCheck(HAL_INITIALIZATION_FAILED, 0x8254, Polls, 0, 0, NULL,
                       "the PIT's channel 2 is not counting: no 8254 on this machine?");
    }
}

/* One run: at least PitTicks between two moments. Interrupts are off, so
 * nothing else on this CPU gets between a PIT read and its TSC reads. */
VOID HalpMeasurePitInterval(ULONG PitTicks, BOOLEAN WithLapicTimer, PHALP_PIT_SAMPLE Sample)
{
    ULONG64 Flags = __readeflags();
    PIT_MOMENT Start, End;

    _disable();
    HalpPitStartCountdown(COUNTDOWN_TICKS);
    ReadMoment(WithLapicTimer, &Start);
    WaitPitTicks(&Start, PitTicks);
    ReadMoment(WithLapicTimer, &End);
    BOOLEAN Wrapped = HalpPitCountdownExpired(); /* held up past 54.9 ms: the count wrapped */
    if (Flags & EFLAGS_IF)
        _enable();

    /* The best guess for each moment is the middle of its bracket. */
    Sample->PitTicks = (USHORT)(Start.Pit - End.Pit);
    Sample->TscTicks = (End.TscBefore + End.TscAfter) / 2 - (Start.TscBefore + Start.TscAfter) / 2;
    Sample->LapicTicks = Start.Lapic - End.Lapic; /* the LAPIC timer counts down */
    Sample->Uncertainty = Width(&Start) + Width(&End);
    if (Wrapped)
        Sample->Uncertainty = Sample->TscTicks; /* useless: 100% */
}

/* Runs until one is within CALIBRATION_PRECISION (normally the first is) and
 * keeps the most precise. */
VOID HalpCalibrateAgainstPit(ULONG PitTicks, BOOLEAN WithLapicTimer, PHALP_PIT_SAMPLE Best)
{
    HALP_PIT_SAMPLE Sample;

    for (ULONG Run = 0; Run < CALIBRATION_MAX_RUNS; Run++) {
        HalpMeasurePitInterval(PitTicks, WithLapicTimer, &Sample);
        if (Run == 0 || Sample.Uncertainty < Best->Uncertainty)
            *Best = Sample;
        if (Best->Uncertainty * CALIBRATION_PRECISION <= Best->TscTicks)
            return;
    }
}
