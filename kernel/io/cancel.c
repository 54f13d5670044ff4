/*
 * cancel.c - IoCancelIrp and the cancel spin lock.
 *
 * Whoever owns an IRP that may wait a long time (queued behind others, or
 * waiting for a device that may never answer) gives it a cancel routine
 * (IoSetCancelRoutine). IoCancelIrp, called by anyone, sets Irp->Cancel and,
 * if a cancel routine is set, takes it away and calls it, holding the cancel
 * spin lock. The routine takes the IRP out of wherever it waits, releases the
 * lock with IoReleaseCancelSpinLock(Irp->CancelIrql), and completes the IRP
 * with STATUS_CANCELLED.
 *
 * The race this settles: the owner starting or completing the IRP at the
 * same moment. Both sides take the routine away with IoSetCancelRoutine,
 * an atomic exchange: exactly one of them gets it, and only that one may
 * complete the IRP.
 */
#include "iop.h"

static KSPIN_LOCK IopCancelSpinLock;

VOID IoAcquireCancelSpinLock(PKIRQL Irql)
{
    KeAcquireSpinLock(&IopCancelSpinLock, Irql);
}

VOID IoReleaseCancelSpinLock(KIRQL Irql)
{
    KeReleaseSpinLock(&IopCancelSpinLock, Irql);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    KIRQL Irql;

    IoAcquireCancelSpinLock(&Irql);
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL CancelRoutine = IoSetCancelRoutine(Irp, NULL);
    if (CancelRoutine == NULL) {
        IoReleaseCancelSpinLock(Irql);
        return FALSE; /* its owner will see Irp->Cancel */
    }
    Irp->CancelIrql = Irql;
    PDEVICE_OBJECT Device = Irp->CurrentLocation <= Irp->StackCount
                                ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject
                                : NULL;
    CancelRoutine(Device, Irp); /* releases the cancel spin lock */
    return TRUE;
}
