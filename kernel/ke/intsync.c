/*
 * intsync.c - synchronizing with an ISR: KeSynchronizeExecution and the
 * interrupt spin lock.
 *
 * A driver's DPC or dispatch routine often shares state with its ISR: the
 * device's registers, a count of completed requests. The ISR can interrupt
 * that code at any moment on this processor, and run at the same time on
 * another. Both are ruled out the same way the dispatcher calls the ISR:
 *   - raise to the object's SynchronizeIrql, so the interrupt cannot arrive
 *     on this processor (the APIC holds its vector back);
 *   - take the object's interrupt spin lock, which the ISR's caller also
 *     holds, so no other processor runs the ISR meanwhile.
 * Raise first, then take the lock: taken the other way round, the interrupt
 * could arrive in between and its ISR would spin on a lock that the code it
 * interrupted holds, forever.
 */
#include "interrupt.h"

KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt)
{
    /* The caller must be at or below SynchronizeIrql: getting there from
     * above would mean lowering the IRQL, and KfRaiseIrql stops the machine
     * (IRQL_NOT_GREATER_OR_EQUAL). */
    KIRQL OldIrql = KfRaiseIrql(Interrupt->SynchronizeIrql);
    KiAcquireSpinLockRaw(Interrupt->ActualLock);
    return OldIrql;
}

VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql)
{
    KiReleaseSpinLockRaw(Interrupt->ActualLock);
    KfLowerIrql(OldIrql);
}

BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext)
{
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Interrupt);
    BOOLEAN Result = SynchronizeRoutine(SynchronizeContext);
    KeReleaseInterruptSpinLock(Interrupt, OldIrql);
    return Result;
}
