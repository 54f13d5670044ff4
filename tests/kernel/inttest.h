/*
 * inttest.h - what the interrupt tests (test_irql.c, test_apic.c,
 * test_interrupt.c) share: waiting, boundedly, for an interrupt to arrive,
 * and looking into the local APIC's request register.
 */
#ifndef INTTEST_H
#define INTTEST_H

#include "ntdef.h"
#include "hal/apic.h"
#include "hal/x86.h"

/* About a second of TSC ticks on the test machines: far longer than any
 * interrupt these tests wait for takes (a self-IPI arrives within a few
 * instructions, an RTC tick within 1 ms). */
#define INTTEST_TIMEOUT_TSC 3000000000ULL

/* Spins until Condition holds or the time is up; TRUE if it held. */
#define IntTestWaitUntil(Condition)                                                                                    \
    ({                                                                                                                 \
        ULONG64 Start_ = __rdtsc();                                                                                    \
        BOOLEAN Met_;                                                                                                  \
        while (!(Met_ = (Condition) ? TRUE : FALSE) && __rdtsc() - Start_ < INTTEST_TIMEOUT_TSC)                       \
            _mm_pause();                                                                                               \
        Met_;                                                                                                          \
    })

/* Whether the local APIC holds Vector in IRR: accepted from the bus, waiting
 * for the IRQL to drop below its class. */
static inline BOOLEAN IntTestIsRequested(ULONG Vector)
{
    return (HalpLapicRead(LAPIC_IRR + (Vector / 32) * 0x10) & (1U << (Vector % 32))) != 0;
}

#endif /* INTTEST_H */
