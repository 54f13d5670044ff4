/*
 * time.h - time as the NT kernel keeps it, with the WDM names (time.c;
 * docs/time.md explains the clocks).
 *
 * NT counts time in 100-nanosecond units. A driver sees three clocks:
 *
 *   tick count           clock interrupts since boot           KeQueryTickCount
 *   interrupt time       100 ns units since boot, advanced by  KeQueryInterruptTime
 *                        KeQueryTimeIncrement() at each clock interrupt
 *   performance counter  the TSC: fine-grained, with its rate  KeQueryPerformanceCounter
 *
 * The first two move only when the clock interrupt comes (every 1 ms by
 * default, `clock.ms=N` on the command line); the third at every moment.
 */
#ifndef KE_TIME_H
#define KE_TIME_H

#include "ntdef.h"
#include "ke/ke.h"

/* 100 ns units since boot; as coarse as the clock tick. Any IRQL. */
ULONGLONG KeQueryInterruptTime(VOID);
/* Clock interrupts since boot. Any IRQL. */
VOID KeQueryTickCount(PLARGE_INTEGER CurrentCount);
/* 100 ns units per clock interrupt. */
ULONG KeQueryTimeIncrement(VOID);
/* The counter now, and (when PerformanceFrequency is not NULL) its rate in
 * counts per second. Any IRQL. */
LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency);
/* Busy-waits at least MicroSeconds. Any IRQL; Microsoft asks drivers to stall
 * 50 us at most, since the CPU does nothing else meanwhile. */
VOID KeStallExecutionProcessor(ULONG MicroSeconds);

/* ---- For the HAL's clock (kernel/hal/clock.c) ---------------------------- */

/* The clock interrupt's period, in 100 ns units, as NT's HAL reports it. */
VOID KeSetTimeIncrement(ULONG MaximumIncrement, ULONG MinimumIncrement);
/* The TSC's measured rate: the performance counter's frequency. */
VOID KiSetPerformanceFrequency(ULONG64 Frequency);
/* The clock interrupt's work, at CLOCK_LEVEL, on the processor that keeps
 * the time: advance it by Increment, then KiClockTick. */
VOID KeUpdateSystemTime(PKTRAP_FRAME TrapFrame, ULONG Increment);
/* Every other processor's clock interrupt: the per-processor part alone
 * (quantum, timers). */
VOID KiClockTick(PKTRAP_FRAME TrapFrame);

#endif /* KE_TIME_H */
