/*
 * complete.c - IoCompleteRequest: the IRP's way back up the driver stack.
 *
 * The driver that finishes a request sets Irp->IoStatus and calls
 * IoCompleteRequest. From its own stack location upward, for each location:
 *
 *   1. Irp->PendingReturned = whether that location was marked pending
 *      (SL_PENDING_RETURNED): "the driver here returned STATUS_PENDING".
 *   2. The IRP moves up one location; the driver there owns it again.
 *   3. If the driver there set a completion routine in the location just
 *      left, and its SL_INVOKE_ON_* flags accept this outcome (success,
 *      error, cancel), it is called with that driver's device object.
 *        - STATUS_MORE_PROCESSING_REQUIRED: the walk stops here. The IRP is
 *          that driver's again; it will complete it (IoCompleteRequest goes
 *          on from its location), send it again, or, if it created the IRP,
 *          free it. The walk must not touch the IRP after this.
 *        - anything else: the walk goes on.
 *      Without a routine, the walk itself marks the location above pending
 *      when PendingReturned is set.
 *
 * Why PendingReturned exists: a driver that returned STATUS_PENDING told its
 * caller "the result will come later, through completion". Its caller
 * returned STATUS_PENDING in turn, to its own caller, and so on to the top,
 * where the creator waits for the completion. So each location above a
 * pending one must be marked pending too. When there is no completion
 * routine the walk propagates the mark; when there is one, only the routine
 * can (the walk does not know whether its driver returned the lower
 * driver's STATUS_PENDING or a status of its own), which is why WDM says
 * that a completion routine that lets completion go on must do:
 *
 *     if (Irp->PendingReturned)
 *         IoMarkIrpPending(Irp);
 *
 * At the top (CurrentLocation == StackCount + 1) the creator's completion
 * routine, if any, ran last. An IRP built by IoBuild*Request is then
 * finished by the I/O manager (build.c); any other stays with its creator.
 */
#include "iop.h"

static BOOLEAN ShouldInvoke(PIRP Irp, UCHAR Control)
{
    if (Irp->Cancel && (Control & SL_INVOKE_ON_CANCEL))
        return TRUE;
    if (NT_SUCCESS(Irp->IoStatus.Status))
        return (Control & SL_INVOKE_ON_SUCCESS) != 0;
    return (Control & SL_INVOKE_ON_ERROR) != 0;
}

/* The device object the completion routine is called with: that of the
 * driver whose location the IRP is now at; NULL for the creator. */
static PDEVICE_OBJECT CurrentDevice(PIRP Irp)
{
    if (Irp->CurrentLocation > Irp->StackCount)
        return NULL;
    return IoGetCurrentIrpStackLocation(Irp)->DeviceObject;
}

/* Leaves the current location: returns its completion routine's Control
 * flags (the routine and context through the pointers) and clears them from
 * the location. SL_PENDING_RETURNED stays: the pending check reads it. */
static UCHAR LeaveLocation(PIRP Irp, PIO_COMPLETION_ROUTINE *Routine, PVOID *Context)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    UCHAR Control = Stack->Control;

    Irp->PendingReturned = (Control & SL_PENDING_RETURNED) != 0;
    IopNoteLocationPassed(Irp, Stack);
    *Routine = Stack->CompletionRoutine;
    *Context = Stack->Context;
    Stack->CompletionRoutine = NULL;
    Stack->Context = NULL;
    Stack->Control = Control & SL_PENDING_RETURNED;
    IoSkipCurrentIrpStackLocation(Irp); /* one location up */
    return Control;
}

/* Calls one completion routine. FALSE: it returned
 * STATUS_MORE_PROCESSING_REQUIRED and the IRP is no longer the walk's. */
static BOOLEAN CallCompletionRoutine(PIRP Irp, PIO_COMPLETION_ROUTINE Routine, PVOID Context)
{
    PDEVICE_OBJECT Device = CurrentDevice(Irp);

    /* A driver in the stack owns the IRP while its routine runs and, if the
     * routine keeps it, afterwards: it may complete it again. The creator's
     * routine ends the IRP's journey, so for it the IRP stays completed. */
    if (Device != NULL)
        Irp->IopPrivate.Completed = FALSE;
    if (Routine(Device, Irp, Context) == STATUS_MORE_PROCESSING_REQUIRED)
        return FALSE;
    Irp->IopPrivate.Completed = TRUE;
    return TRUE;
}

VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    /* The dispatcher does not boost priorities (docs/dispatcher.md), so the
     * boost a driver passes (IO_DISK_INCREMENT, ...) is accepted and unused. */
    UNREFERENCED_PARAMETER(PriorityBoost);
    IopCheckCompletion(Irp);
    Irp->IopPrivate.Completed = TRUE;

    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_COMPLETION_ROUTINE Routine;
        PVOID Context;
        UCHAR Control = LeaveLocation(Irp, &Routine, &Context);

        if (Routine != NULL && ShouldInvoke(Irp, Control)) {
            if (!CallCompletionRoutine(Irp, Routine, Context))
                return;
        } else if (Irp->PendingReturned && Irp->CurrentLocation <= Irp->StackCount) {
            IoMarkIrpPending(Irp);
        }
    }
    if (Irp->IopPrivate.BuiltByIoManager)
        IopFinishBuiltIrp(Irp);
}
