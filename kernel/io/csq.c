/*
 * csq.c - cancel-safe queues: IoCsqInitialize, IoCsqInsertIrp,
 * IoCsqRemoveNextIrp, IoCsqRemoveIrp.
 *
 * Writing a cancel routine for a queue of one's own is where drivers go
 * wrong: the IRP may be cancelled while it is being inserted, while it is
 * being removed, or both at once on two processors. With a cancel-safe queue
 * the driver writes only the queue (insert, remove, peek, lock, unlock) and
 * the I/O manager owns the cancel routine, IopCsqCancelRoutine below.
 *
 * The rule that settles every race is cancel.c's: whoever takes the cancel
 * routine away (IoSetCancelRoutine, an atomic exchange) owns the IRP.
 *
 *   IoCsqRemove*   under the queue's lock, takes the routine away. Got it:
 *                  removes the IRP and returns it. Did not: a cancel is in
 *                  progress, so it leaves the IRP where it is.
 *   IoCancelIrp    took the routine: the routine waits for the queue's lock,
 *                  removes the IRP and has the driver complete it cancelled.
 *
 * Where is the queue? The IRP remembers it: DriverContext[3] holds the
 * IO_CSQ, or the IO_CSQ_IRP_CONTEXT when the driver gave one (as Windows
 * does; the Type field at the start of both tells them apart).
 */
#include "iop.h"

#define CSQ_SLOT 3 /* Irp->Tail.Overlay.DriverContext[CSQ_SLOT] */

static PIO_CSQ CsqOf(PIRP Irp, PIO_CSQ_IRP_CONTEXT *Context)
{
    PVOID Slot = Irp->Tail.Overlay.DriverContext[CSQ_SLOT];

    *Context = NULL;
    if (*(PULONG)Slot == IO_TYPE_CSQ_IRP_CONTEXT) {
        *Context = Slot;
        return (*Context)->Csq;
    }
    return Slot;
}

/* With the queue's lock held: the IRP leaves the queue, and its context
 * (if any) no longer names it. */
static VOID Unlink(PIO_CSQ Csq, PIRP Irp)
{
    PIO_CSQ_IRP_CONTEXT Context;

    CsqOf(Irp, &Context);
    if (Context != NULL)
        Context->Irp = NULL;
    Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = NULL;
    Csq->CsqRemoveIrp(Csq, Irp);
}

/* Called by IoCancelIrp with the cancel spin lock held. */
static DRIVER_CANCEL IopCsqCancelRoutine;
static VOID IopCsqCancelRoutine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_CSQ_IRP_CONTEXT Context;
    KIRQL Irql;

    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql); /* the queue has a lock of its own */
    PIO_CSQ Csq = CsqOf(Irp, &Context);
    Csq->CsqAcquireLock(Csq, &Irql);
    Unlink(Csq, Irp);
    Csq->CsqReleaseLock(Csq, Irql);
    Csq->CsqCompleteCanceledIrp(Csq, Irp);
}

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                         PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                         PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    Csq->Type = IO_TYPE_CSQ;
    Csq->CsqInsertIrp = CsqInsertIrp;
    Csq->CsqRemoveIrp = CsqRemoveIrp;
    Csq->CsqPeekNextIrp = CsqPeekNextIrp;
    Csq->CsqAcquireLock = CsqAcquireLock;
    Csq->CsqReleaseLock = CsqReleaseLock;
    Csq->CsqCompleteCanceledIrp = CsqCompleteCanceledIrp;
    Csq->ReservePointer = NULL;
    return STATUS_SUCCESS;
}

VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL Irql;

    Csq->CsqAcquireLock(Csq, &Irql);
    if (Context != NULL) {
        Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
        Context->Irp = Irp;
        Context->Csq = Csq;
        Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = Context;
    } else {
        Irp->Tail.Overlay.DriverContext[CSQ_SLOT] = Csq;
    }
    Csq->CsqInsertIrp(Csq, Irp);
    IoMarkIrpPending(Irp); /* before it can be completed: from here on, it can */
    IoSetCancelRoutine(Irp, IopCsqCancelRoutine);
    /* Cancelled before the routine was set? Then IoCancelIrp found none to
     * call, and unless it is being called now, we must cancel it ourselves. */
    if (__atomic_load_n(&Irp->Cancel, __ATOMIC_SEQ_CST) && IoSetCancelRoutine(Irp, NULL) != NULL) {
        Unlink(Csq, Irp);
        Csq->CsqReleaseLock(Csq, Irql);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return;
    }
    Csq->CsqReleaseLock(Csq, Irql);
}

PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    KIRQL Irql;

    Csq->CsqAcquireLock(Csq, &Irql);
    PIRP Irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext);
    /* Skip IRPs whose cancel routine is running: it will remove them. */
    while (Irp != NULL && IoSetCancelRoutine(Irp, NULL) == NULL)
        Irp = Csq->CsqPeekNextIrp(Csq, Irp, PeekContext);
    if (Irp != NULL)
        Unlink(Csq, Irp);
    Csq->CsqReleaseLock(Csq, Irql);
    return Irp;
}

PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
    KIRQL Irql;

    Csq->CsqAcquireLock(Csq, &Irql);
    PIRP Irp = Context->Irp;
    if (Irp != NULL && IoSetCancelRoutine(Irp, NULL) != NULL)
        Unlink(Csq, Irp);
    else
        Irp = NULL; /* gone, or being cancelled: the cancel routine has it */
    Csq->CsqReleaseLock(Csq, Irql);
    return Irp;
}
