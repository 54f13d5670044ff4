/*
 * tsc.c - the time-stamp counter (TSC), the clock behind
 * KeQueryPerformanceCounter and KeStallExecutionProcessor.
 *
 * The TSC is a 64-bit counter in every x86 CPU, read with one unprivileged
 * instruction, RDTSC, in a few cycles: the cheapest clock on the machine, and
 * one that never wraps (at 5 GHz it takes 116 years). Two questions matter:
 *
 * Does it tick steadily? On the first CPUs it counted core cycles, so it
 * slowed down with the CPU's power states. CPUs since about 2008 have an
 * "invariant" TSC (CPUID 0x80000007, EDX bit 8): a constant rate in every
 * power state, and the same count on every core. QEMU's TCG does not report
 * the bit, yet its TSC is steady: the host's TSC without -icount, and
 * virtual time (1 GHz) with it.
 *
 * How fast does it tick? Intel's CPUID leaf 0x15 tells on some recent CPUs,
 * but not under QEMU and not on AMD, so ntmini measures it against the PIT
 * (calibrate.c), as Windows and Linux do when nothing better is known.
 *
 * RDTSC is not ordered with the instructions around it (RDTSCP and fences
 * are); for intervals of microseconds and more that does not matter.
 */
#include "clock.h"
#include "x86.h"

#define CPUID_EXTENDED_MAX 0x80000000
#define CPUID_ADVANCED_POWER 0x80000007
#define CPUID_INVARIANT_TSC (1U << 8) /* in EDX of leaf 0x80000007 */

BOOLEAN HalpTscIsInvariant(VOID)
{
    ULONG Regs[4];

    /* A leaf above the highest one the CPU reports returns garbage. */
    __cpuid(CPUID_EXTENDED_MAX, 0, Regs);
    if (Regs[0] < CPUID_ADVANCED_POWER)
        return FALSE;
    __cpuid(CPUID_ADVANCED_POWER, 0, Regs);
    return (Regs[3] & CPUID_INVARIANT_TSC) != 0;
}

/* The TSC's rate in Hz, measured over intervals of PitTicks; *UncertaintyPpm
 * gets how sure the measurement is, in parts per million. */
ULONG64 HalpMeasureTscFrequency(ULONG PitTicks, PULONG UncertaintyPpm)
{
    HALP_PIT_SAMPLE Best;

    HalpCalibrateAgainstPit(PitTicks, FALSE, &Best);
    *UncertaintyPpm = HALP_SAMPLE_PPM(&Best);
    return HALP_HZ_FROM_PIT(Best.TscTicks, Best.PitTicks);
}
