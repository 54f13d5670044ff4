/*
 * queue.c - the port's internal IRP queue: a cancel-safe queue (IO_CSQ).
 *
 * A request the disk cannot start at once waits here, cancelable: IoCsq
 * takes care of the race between IoCancelIrp and the driver removing the IRP
 * to start it. The driver supplies the queue's storage (a list through
 * Irp->Tail.Overlay.ListEntry) and lock, and these callbacks.
 *
 * The queue is strictly first in, first out, and the start path may only take
 * the head: a flush must not be overtaken by the writes queued after it. So
 * PeekNext, when asked by the start path (a PeekContext of the port), returns
 * the head only if it can start now (AhciCanStart), else nothing.
 */
#include "ahci.h"

static IO_CSQ_INSERT_IRP InsertIrp;
static IO_CSQ_REMOVE_IRP RemoveIrp;
static IO_CSQ_PEEK_NEXT_IRP PeekNextIrp;
static IO_CSQ_ACQUIRE_LOCK AcquireLock;
static IO_CSQ_RELEASE_LOCK ReleaseLock;
static IO_CSQ_COMPLETE_CANCELED_IRP CompleteCanceledIrp;

static PAHCI_PORT PortOf(PIO_CSQ Csq)
{
    return CONTAINING_RECORD(Csq, AHCI_PORT, Queue);
}

_Use_decl_annotations_
static VOID InsertIrp(PIO_CSQ Csq, PIRP Irp)
{
    InsertTailList(&PortOf(Csq)->QueueHead, &Irp->Tail.Overlay.ListEntry);
}

_Use_decl_annotations_
static VOID RemoveIrp(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

_Use_decl_annotations_
static PIRP PeekNextIrp(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    PAHCI_PORT Port = PortOf(Csq);
    PLIST_ENTRY Next = Irp != NULL ? Irp->Tail.Overlay.ListEntry.Flink : Port->QueueHead.Flink;

    if (Next == &Port->QueueHead)
        return NULL;
    PIRP Head = CONTAINING_RECORD(Next, IRP, Tail.Overlay.ListEntry);
    if (PeekContext != NULL && !AhciCanStart(Port, Head))
        return NULL;
    return Head;
}

_Use_decl_annotations_
static VOID AcquireLock(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&PortOf(Csq)->QueueLock, Irql);
}

_Use_decl_annotations_
static VOID ReleaseLock(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&PortOf(Csq)->QueueLock, Irql);
}

_Use_decl_annotations_
static VOID CompleteCanceledIrp(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    AhciCompleteNow(Irp, STATUS_CANCELLED, 0);
}

VOID AhciInitializeQueue(PAHCI_PORT Port)
{
    InitializeListHead(&Port->QueueHead);
    InitializeListHead(&Port->RetryList);
    KeInitializeSpinLock(&Port->QueueLock);
    IoCsqInitialize(&Port->Queue, InsertIrp, RemoveIrp, PeekNextIrp, AcquireLock, ReleaseLock, CompleteCanceledIrp);
}
