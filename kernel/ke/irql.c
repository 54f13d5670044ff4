/*
 * irql.c - raising and lowering the IRQL, which on x64 is writing CR8.
 *
 * The checks are the ones Driver Verifier makes: an IRQL only goes up with
 * KeRaiseIrql and only down with KeLowerIrql. Getting that wrong is how a
 * driver ends up running its DPC code below DISPATCH_LEVEL or re-enabling an
 * interrupt inside its own ISR, so it stops the machine at once.
 */
#include "irql.h"
#include "ke.h"
#include "hal/x86.h"

KIRQL KeGetCurrentIrql(VOID)
{
    return (KIRQL)__readcr8();
}

KIRQL KfRaiseIrql(KIRQL NewIrql)
{
    KIRQL OldIrql = KeGetCurrentIrql();

    if (NewIrql < OldIrql || NewIrql > HIGH_LEVEL)
        KiBugCheck(IRQL_NOT_GREATER_OR_EQUAL, OldIrql, NewIrql, 0, 0, NULL,
                   "KeRaiseIrql from IRQL %u to %u: raising may not lower the IRQL", OldIrql, NewIrql);
    __writecr8(NewIrql);
    return OldIrql;
}

VOID KfLowerIrql(KIRQL NewIrql)
{
    KIRQL OldIrql = KeGetCurrentIrql();

    if (NewIrql > OldIrql)
        KiBugCheck(IRQL_NOT_LESS_OR_EQUAL, OldIrql, NewIrql, 0, 0, NULL,
                   "KeLowerIrql from IRQL %u to %u: lowering may not raise the IRQL", OldIrql, NewIrql);
    /* The local APIC re-evaluates pending interrupts when the task priority
     * drops: a software interrupt requested (as a self-IPI) for a level above
     * NewIrql is delivered as soon as interrupts are enabled. */
    __writecr8(NewIrql);
}

KIRQL KeRaiseIrqlToDpcLevel(VOID)
{
    return KfRaiseIrql(DISPATCH_LEVEL);
}

KIRQL KeRaiseIrqlToSynchLevel(VOID)
{
    return KfRaiseIrql(SYNCH_LEVEL);
}
