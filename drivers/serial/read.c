/*
 * read.c - IRP_MJ_READ on \Device\Serial0, buffered I/O.
 *
 * The semantics: a read completes as soon as at least one byte has arrived,
 * with as many bytes as are there, up to its Length (Information says how
 * many). A read when bytes are waiting completes at once; otherwise it waits
 * in ReadQueue, marked pending, until the DpcForIsr finds bytes for it. This
 * is what a Win32 program gets from a COM port with ReadIntervalTimeout =
 * MAXDWORD and ReadTotalTimeoutMultiplier = MAXDWORD: "return what you have,
 * but wait for the first byte". A waiting read can be cancelled (IoCancelIrp).
 *
 * The cancel race: the DpcForIsr completing a read and IoCancelIrp cancelling
 * it. Both take the cancel routine away with IoSetCancelRoutine, an atomic
 * exchange, and only the side that got it completes the IRP.
 */
#include "serial.h"

static DRIVER_CANCEL CancelRead;

/* Up to Length received bytes into Buffer; how many. */
static ULONG TakeInput(PSERIAL_EXTENSION Serial, PUCHAR Buffer, ULONG Length)
{
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Serial->Interrupt);
    ULONG Count = SerialRingGet(&Serial->Input, Buffer, Length);
    KeReleaseInterruptSpinLock(Serial->Interrupt, OldIrql);
    return Count;
}

static BOOLEAN InputWaiting(PSERIAL_EXTENSION Serial)
{
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Serial->Interrupt);
    BOOLEAN Waiting = SerialRingCount(&Serial->Input) != 0;
    KeReleaseInterruptSpinLock(Serial->Interrupt, OldIrql);
    return Waiting;
}

static ULONG ReadLength(PIRP Irp)
{
    return IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
}

/* The oldest read that can complete now, out of the queue with its cancel
 * routine taken away and its bytes in its buffer; NULL if none. Under
 * QueueLock. */
static PIRP NextSatisfiedReadLocked(PSERIAL_EXTENSION Serial)
{
    while (!IsListEmpty(&Serial->ReadQueue) && InputWaiting(Serial)) {
        PIRP Irp = CONTAINING_RECORD(Serial->ReadQueue.Flink, IRP, Tail.Overlay.ListEntry);
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        if (IoSetCancelRoutine(Irp, NULL) == NULL) {
            /* Being cancelled: CancelRead owns it now and will unlink it
             * again, harmlessly, from this empty list. */
            InitializeListHead(&Irp->Tail.Overlay.ListEntry);
            continue;
        }
        Irp->IoStatus.Information = TakeInput(Serial, Irp->AssociatedIrp.SystemBuffer, ReadLength(Irp));
        return Irp;
    }
    return NULL;
}

/* Gives waiting bytes to waiting reads, oldest first. Any IRQL <= DISPATCH. */
VOID SerialCompleteReads(PSERIAL_EXTENSION Serial)
{
    for (;;) {
        KIRQL OldIrql;
        KeAcquireSpinLock(&Serial->QueueLock, &OldIrql);
        PIRP Irp = NextSatisfiedReadLocked(Serial);
        KeReleaseSpinLock(&Serial->QueueLock, OldIrql);
        if (Irp == NULL)
            return;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
    }
}

/* Called holding the cancel spin lock, which it releases first. */
_Use_decl_annotations_
static VOID CancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Serial = DeviceObject->DeviceExtension;
    KIRQL OldIrql;

    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KeAcquireSpinLock(&Serial->QueueLock, &OldIrql);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Serial->QueueLock, OldIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* Queues the read, cancelable. FALSE if it was cancelled before it could
 * wait: the caller completes it. */
static BOOLEAN QueueRead(PSERIAL_EXTENSION Serial, PIRP Irp)
{
    KIRQL OldIrql;
    BOOLEAN Queued = TRUE;

    KeAcquireSpinLock(&Serial->QueueLock, &OldIrql);
    IoSetCancelRoutine(Irp, CancelRead);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL)
        Queued = FALSE; /* cancelled already, and its routine not called */
    else
        InsertTailList(&Serial->ReadQueue, &Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Serial->QueueLock, OldIrql);
    return Queued;
}

_Use_decl_annotations_
NTSTATUS SerialRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Serial = DeviceObject->DeviceExtension;

    Irp->IoStatus.Information = 0;
    if (ReadLength(Irp) == 0) {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    /* Pending first: once queued, the DpcForIsr may complete it at once. */
    IoMarkIrpPending(Irp);
    if (!QueueRead(Serial, Irp)) {
        Irp->IoStatus.Status = STATUS_CANCELLED;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_PENDING;
    }
    /* Bytes that arrived before it queued have no interrupt to come: serve
     * them now, as the DpcForIsr would. */
    SerialCompleteReads(Serial);
    return STATUS_PENDING;
}
