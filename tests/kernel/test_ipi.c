/*
 * test_ipi.c - KeIpiGenericCall: every processor, at IPI_LEVEL, at once
 * (kernel/ke/ipi.c).
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/prcb.h"
#include "ke/ipi.h"

static volatile ULONG64 RanOn; /* a bit per processor */
static volatile ULONG WrongIrql;
static volatile ULONG Inside;      /* processors inside the worker now */
static volatile ULONG MetEveryone; /* workers that saw all the others inside */

static ULONG_PTR NoteProcessor(ULONG_PTR Argument)
{
    if (KeGetCurrentIrql() != IPI_LEVEL)
        __atomic_add_fetch(&WrongIrql, 1, __ATOMIC_SEQ_CST);
    __atomic_or_fetch(&RanOn, 1ULL << KeGetCurrentProcessorNumber(), __ATOMIC_SEQ_CST);
    return Argument + KeGetCurrentProcessorNumber();
}

KTEST(ipi, generic_call_runs_everywhere_at_ipi_level)
{
    ULONG64 Mask;
    KIRQL OldIrql;

    KeQueryActiveProcessorCount(&Mask);
    RanOn = 0;
    WrongIrql = 0;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql); /* to know which processor calls */
    ULONG Me = KeGetCurrentProcessorNumber();
    ULONG_PTR Result = KeIpiGenericCall(NoteProcessor, 1000);
    KeLowerIrql(OldIrql);
    KT_EXPECT_EQ(RanOn, Mask);
    KT_EXPECT_EQ(WrongIrql, 0);
    KT_EXPECT_EQ(Result, 1000 + Me); /* the value of this processor's call */
}

/* The workers run at the same time: each waits (boundedly) until every
 * processor is inside. Run one after another, the first would time out. */
static ULONG_PTR Rendezvous(ULONG_PTR Count)
{
    __atomic_add_fetch(&Inside, 1, __ATOMIC_SEQ_CST);
    if (IntTestWaitUntil(Inside == Count))
        __atomic_add_fetch(&MetEveryone, 1, __ATOMIC_SEQ_CST);
    return 0;
}

KTEST(ipi, generic_call_runs_simultaneously)
{
    ULONG Count = KeNumberProcessors;

    Inside = 0;
    MetEveryone = 0;
    KeIpiGenericCall(Rendezvous, Count);
    KT_EXPECT_EQ(MetEveryone, Count);
}

/* Many calls in a row, from the boot CPU: the packet is reused safely. */
KTEST(ipi, generic_call_repeats)
{
    ULONG64 Mask;

    KeQueryActiveProcessorCount(&Mask);
    for (ULONG i = 0; i < 200; i++) {
        RanOn = 0;
        KeIpiGenericCall(NoteProcessor, 0);
        if (!KT_EXPECT_EQ(RanOn, Mask))
            break;
    }
}
