/*
 * verifier.c - the rules of the IRP contract, checked on every IRP.
 *
 * Windows checks these only under Driver Verifier; here they are always on,
 * because a broken rule otherwise shows up much later, somewhere else (a
 * request that never finishes, memory freed twice). Each stops the machine
 * with the bug check Windows uses and a sentence naming the rule:
 *
 *   MULTIPLE_IRP_COMPLETE_REQUESTS (0x44)  completing an IRP that is already
 *       completed: the walk reached the creator, or the IRP was freed.
 *   NO_MORE_IRP_STACK_LOCATIONS (0x35)     (iocall.c) IoCallDriver past the
 *       last location.
 *   DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9), parameter 1:
 *       0x0E  IoCompleteRequest above DISPATCH_LEVEL;
 *       0x06  IoCompleteRequest with IoStatus.Status STATUS_PENDING;
 *       0x07  IoCompleteRequest with a cancel routine still set;
 *       0x10  IoCallDriver above DISPATCH_LEVEL;
 *       0x05  a dispatch routine returned at another IRQL than it was called at;
 *       0x1001 (ntmini's) a dispatch routine returned STATUS_PENDING but its
 *             location was not marked pending when completion passed it.
 *
 * The last one is checked when both events have happened, in either order:
 * the dispatch routine returned STATUS_PENDING (IoCallDriver notes it on
 * the location), and completion moved up past the location (the walk notes
 * it). Whichever comes second looks at SL_PENDING_RETURNED. Waiting for both
 * matters: a filter whose completion routine propagates the mark
 * (if (Irp->PendingReturned) IoMarkIrpPending(Irp)) may return the lower
 * driver's STATUS_PENDING before its location is marked, and that is right.
 *
 * What is not caught: a second IoCompleteRequest while a driver above holds
 * the IRP after STATUS_MORE_PROCESSING_REQUIRED looks exactly like that
 * driver's own completion (Windows' check misses it too). And IoCallDriver
 * knows an IRP by its address only: if it was completed, freed and a new IRP
 * allocated at the same address before the dispatch routine returned
 * STATUS_PENDING, the note lands on the new one.
 */
#include "iop.h"

VOID IopVerifierBugCheck(ULONG_PTR Rule, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, PCSTR Explanation)
{
    KiBugCheck(DRIVER_VERIFIER_IOMANAGER_VIOLATION, Rule, P2, P3, P4, NULL, "%s", Explanation);
}

VOID IopCheckCallIrql(VOID)
{
    KIRQL Irql = KeGetCurrentIrql();
    if (Irql > DISPATCH_LEVEL)
        IopVerifierBugCheck(IOP_VERIFIER_CALL_ABOVE_DISPATCH, Irql, 0, 0,
                            "IoCallDriver called above DISPATCH_LEVEL");
}

VOID IopCheckIrqlUnchanged(PDEVICE_OBJECT DeviceObject, KIRQL Before)
{
    KIRQL After = KeGetCurrentIrql();
    if (After != Before)
        IopVerifierBugCheck(IOP_VERIFIER_IRQL_CHANGED, (ULONG_PTR)DeviceObject, Before, After,
                            "a driver routine returned at another IRQL than it was called at");
}

static BOOLEAN IsLiveIrp(PIRP Irp)
{
    KIRQL OldIrql = IopLockIrpList();
    BOOLEAN Live = IopIsIrpAllocatedLocked(Irp);
    IopUnlockIrpList(OldIrql);
    return Live && Irp->Type == IO_TYPE_IRP;
}

VOID IopCheckCompletion(PIRP Irp)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql > DISPATCH_LEVEL)
        IopVerifierBugCheck(IOP_VERIFIER_COMPLETE_ABOVE_DISPATCH, Irql, (ULONG_PTR)Irp, 0,
                            "IoCompleteRequest called above DISPATCH_LEVEL: complete IRPs from a DPC, "
                            "not from an ISR");
    if (!IsLiveIrp(Irp) || Irp->IopPrivate.Completed || Irp->CurrentLocation > Irp->StackCount)
        KiBugCheck(MULTIPLE_IRP_COMPLETE_REQUESTS, (ULONG_PTR)Irp, 0, 0, 0, NULL,
                   "IoCompleteRequest: IRP %p is already completed (or freed): "
                   "a driver completed it twice",
                   Irp);
    if (Irp->IoStatus.Status == STATUS_PENDING || Irp->IoStatus.Status == (NTSTATUS)-1)
        IopVerifierBugCheck(IOP_VERIFIER_COMPLETE_WITH_PENDING, (ULONG_PTR)Irp->IoStatus.Status, (ULONG_PTR)Irp, 0,
                            "IoCompleteRequest with IoStatus.Status STATUS_PENDING: set the real result first");
    if (Irp->CancelRoutine != NULL)
        IopVerifierBugCheck(IOP_VERIFIER_COMPLETE_WITH_CANCEL_ROUTINE, (ULONG_PTR)Irp->CancelRoutine,
                            (ULONG_PTR)Irp, 0,
                            "IoCompleteRequest with a cancel routine still set: IoSetCancelRoutine(Irp, NULL) first");
}

static VOID CheckPendingMarked(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    if (Stack->Control & SL_PENDING_RETURNED)
        return;
    KiBugCheck(DRIVER_VERIFIER_IOMANAGER_VIOLATION, IOP_VERIFIER_PENDING_NOT_MARKED, (ULONG_PTR)Irp,
               (ULONG_PTR)Stack->DeviceObject, (ULONG_PTR)Stack, NULL,
               "the dispatch routine for device %p returned STATUS_PENDING without calling IoMarkIrpPending "
               "(IRP %p): mark the IRP pending before it can complete, or return the status it completed with",
               Stack->DeviceObject, Irp);
}

VOID IopNoteReturnedPending(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    /* The IRP may have been completed and freed already: look at it only
     * while it is known to be allocated (IoFreeIrp takes the same lock). */
    KIRQL OldIrql = IopLockIrpList();
    if (IopIsIrpAllocatedLocked(Irp)) {
        UCHAR Before = __atomic_fetch_or(&Stack->IopVerifierState, IOP_RETURNED_PENDING, __ATOMIC_SEQ_CST);
        if (Before & IOP_COMPLETION_PASSED)
            CheckPendingMarked(Irp, Stack);
    }
    IopUnlockIrpList(OldIrql);
}

VOID IopNoteLocationPassed(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    UCHAR Before = __atomic_fetch_or(&Stack->IopVerifierState, IOP_COMPLETION_PASSED, __ATOMIC_SEQ_CST);
    if (Before & IOP_RETURNED_PENDING)
        CheckPendingMarked(Irp, Stack);
}
