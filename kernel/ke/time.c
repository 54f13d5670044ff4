/*
 * time.c - the kernel's clocks: tick count, interrupt time, performance
 * counter, and the busy-wait built on them.
 *
 * The HAL drives this file: at boot HalInitializeClock measures the TSC and
 * tells us the tick length (KeSetTimeIncrement) and the TSC's rate
 * (KiSetPerformanceFrequency); then every clock interrupt calls
 * KeUpdateSystemTime at CLOCK_LEVEL.
 *
 * Reading the time safely. Only the clock interrupt writes KiTickCount and
 * KiInterruptTime, and on x64 an aligned 64-bit load or store is a single
 * access that no other CPU can see half done. So a reader at any IRQL, on any
 * CPU, gets an old or a new value, never a torn one. (32-bit Windows could
 * not store 64 bits at once, and had to use a three-word KSYSTEM_TIME.)
 * `volatile` makes the compiler read memory each time instead of keeping a
 * copy in a register across a loop.
 *
 * The two are separate stores, so a reader can see the tick count before the
 * interrupt time catches up. To read both as one pair, read them at
 * CLOCK_LEVEL on the CPU that takes the clock interrupt (tests/kernel/test_time.c
 * does).
 *
 * Granularity. KeQueryInterruptTime returns the time of the last tick, not of
 * this moment, exactly as NT's does (NT has KeQueryInterruptTimePrecise for an
 * interpolated one). For short, fine intervals use the performance counter.
 */
#include "ke/time.h"
#include "ke/irql.h"
#include "hal/x86.h"
#include "hal/interrupts.h"
#include "ke/schedp.h"

volatile ULONG64 KiTickCount;     /* clock interrupts since boot */
volatile ULONG64 KiInterruptTime; /* 100 ns units since boot */
ULONG KeMaximumIncrement;         /* 100 ns units per tick */
ULONG KeMinimumIncrement;         /* the same: ntmini's tick never changes */
ULONG64 KiPerformanceFrequency;   /* TSC ticks per second; 0 until measured */

ULONGLONG KeQueryInterruptTime(VOID)
{
    return KiInterruptTime;
}

VOID KeQueryTickCount(PLARGE_INTEGER CurrentCount)
{
    CurrentCount->QuadPart = (LONGLONG)KiTickCount;
}

ULONG KeQueryTimeIncrement(VOID)
{
    return KeMaximumIncrement;
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    LARGE_INTEGER Counter;

    if (PerformanceFrequency != NULL)
        PerformanceFrequency->QuadPart = (LONGLONG)KiPerformanceFrequency;
    Counter.QuadPart = (LONGLONG)__rdtsc();
    return Counter;
}

/* TSC ticks in MicroSeconds, rounded up. Whole seconds and the rest apart, so
 * that no product overflows 64 bits (4294 s at 5 GHz would). */
static ULONG64 TscTicksFromMicroseconds(ULONG MicroSeconds)
{
    ULONG64 Seconds = MicroSeconds / 1000000;
    ULONG64 Rest = MicroSeconds % 1000000;

    return Seconds * KiPerformanceFrequency + (Rest * KiPerformanceFrequency + 999999) / 1000000;
}

VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    if (KiPerformanceFrequency == 0)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, MicroSeconds, 0, 0, 0, NULL,
                   "KeStallExecutionProcessor before HalInitializeClock: the TSC's rate is not measured yet");

    ULONG64 Start = __rdtsc();
    ULONG64 Ticks = TscTicksFromMicroseconds(MicroSeconds);

    /* Unsigned subtraction: right even if the TSC wrapped in between. PAUSE
     * tells the CPU this is a spin loop (it saves power, and a hyperthread
     * sibling gets the core). */
    while (__rdtsc() - Start < Ticks)
        _mm_pause();
}

VOID KeSetTimeIncrement(ULONG MaximumIncrement, ULONG MinimumIncrement)
{
    KeMaximumIncrement = MaximumIncrement;
    KeMinimumIncrement = MinimumIncrement;
}

VOID KiSetPerformanceFrequency(ULONG64 Frequency)
{
    KiPerformanceFrequency = Frequency;
}

/*
 * What each clock tick does for the dispatcher, on every processor, at
 * CLOCK_LEVEL. It must stay short, as everything at CLOCK_LEVEL must, so it
 * only decides and asks: when one of this processor's timers is due, or the
 * running thread's quantum is used up (or a better thread waits), it
 * requests the DISPATCH_LEVEL software interrupt. The timers expire, their
 * DPCs run and threads switch there, once the IRQL drops below
 * DISPATCH_LEVEL; never here. Until the processor has its idle thread its
 * dispatcher is not running, and there is nothing to do.
 */
VOID KiClockTick(PKTRAP_FRAME TrapFrame)
{
    PKPRCB Prcb = KeGetCurrentPrcb();

    UNREFERENCED_PARAMETER(TrapFrame);
    if (Prcb->IdleThread == NULL)
        return;
    BOOLEAN TimerDue = KiTimerDue(Prcb);
    BOOLEAN Reschedule = KiQuantumTick(Prcb);
    if (TimerDue || Reschedule)
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
}

/* Called by the HAL's clock interrupt handler, at CLOCK_LEVEL, on the one
 * processor that keeps the time (as in NT); the others call KiClockTick. */
VOID KeUpdateSystemTime(PKTRAP_FRAME TrapFrame, ULONG Increment)
{
    KiInterruptTime += Increment;
    KiTickCount += 1;
    KiClockTick(TrapFrame);
}
