/*
 * test_bugcheck_smp.c - a bug check stops the other processors.
 *
 * While the other processors print as fast as they can, this one bug-checks.
 * The NMI the bug check sends must stop them before the report: at 4 CPUs no
 * "noise" line appears after the STOP line. See it with
 *   make run-kernel SMP=4 ARGS=crash=ke_bugcheck.freezes_other_processors
 * (without the freeze, a dozen noise lines land inside the report). The
 * runner's crash boots run on one CPU, where this is simply a bug check.
 */
#include "ktest.h"
#include "ke/ke.h"
#include "ke/prcb.h"
#include "threadtest.h"

static volatile BOOLEAN NoiseStarted[MAXIMUM_PROCESSORS];

static VOID Noise(PVOID Context)
{
    ULONG Me = (ULONG)(ULONG_PTR)Context;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << Me);
    NoiseStarted[Me] = TRUE;
    for (;;)
        DbgPrint("noise from processor %u\n", Me);
}

KTEST_BUGCHECK(ke_bugcheck, freezes_other_processors, MANUALLY_INITIATED_CRASH)
{
    ULONG Count = KeNumberProcessors;

    for (ULONG n = 1; n < Count; n++)
        KtStartThread(Noise, (PVOID)(ULONG_PTR)n);
    /* Bounded wait for the noise to start; the bug check happens anyway. */
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;
    for (ULONG n = 1; n < Count; n++)
        while (!NoiseStarted[n] && KeQueryInterruptTime() < Until)
            KtSleep(1);
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 0xF0, Count, 0, 0);
}
