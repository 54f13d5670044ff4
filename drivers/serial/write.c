/*
 * write.c - IRP_MJ_WRITE on \Device\Serial0, buffered I/O.
 *
 * A write waits in WriteQueue while its bytes go into the output ring, as
 * fast as the ring has room, and completes once the ISR has handed its last
 * byte to the UART. Each write remembers, in its DriverContext, how many of
 * its bytes are in the ring and the ring's Head after its last one: when the
 * ISR's Tail has passed that mark, the bytes have gone out. Writes are not
 * cancelable: the UART always drains, so a write never waits long.
 */
#include "serial.h"

/* The IRP's own fields for the driver that owns it. */
#define BytesQueued(Irp) (*(ULONG_PTR *)&(Irp)->Tail.Overlay.DriverContext[0])
#define EndMark(Irp) (*(ULONG_PTR *)&(Irp)->Tail.Overlay.DriverContext[1])

static ULONG WriteLength(PIRP Irp)
{
    return IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
}

/* Puts as much of the write's remaining bytes as fit into the output ring
 * and starts the transmitter. TRUE once all of them are in. */
static BOOLEAN QueueOutput(PSERIAL_EXTENSION Serial, PIRP Irp)
{
    PUCHAR Bytes = (PUCHAR)Irp->AssociatedIrp.SystemBuffer + BytesQueued(Irp);
    ULONG Remaining = WriteLength(Irp) - (ULONG)BytesQueued(Irp);

    KIRQL OldIrql = KeAcquireInterruptSpinLock(Serial->Interrupt);
    BytesQueued(Irp) += SerialRingPut(&Serial->Output, Bytes, Remaining);
    EndMark(Irp) = Serial->Output.Head;
    SerialFeedTransmitterLocked(Serial);
    KeReleaseInterruptSpinLock(Serial->Interrupt, OldIrql);
    return BytesQueued(Irp) == WriteLength(Irp);
}

/* Has the ISR sent everything up to the write's mark? The counters wrap, so
 * compare their difference. */
static BOOLEAN Sent(PSERIAL_EXTENSION Serial, PIRP Irp)
{
    ULONG Tail = __atomic_load_n(&Serial->Output.Tail, __ATOMIC_ACQUIRE);
    return BytesQueued(Irp) == WriteLength(Irp) && (LONG)(Tail - (ULONG)EndMark(Irp)) >= 0;
}

/* Fills the ring from the queued writes, oldest first, then completes those
 * whose bytes have all gone out. Any IRQL <= DISPATCH_LEVEL. */
VOID SerialPumpWrites(PSERIAL_EXTENSION Serial)
{
    LIST_ENTRY Done;
    KIRQL OldIrql;

    InitializeListHead(&Done);
    KeAcquireSpinLock(&Serial->QueueLock, &OldIrql);
    for (PLIST_ENTRY Link = Serial->WriteQueue.Flink; Link != &Serial->WriteQueue; Link = Link->Flink) {
        if (!QueueOutput(Serial, CONTAINING_RECORD(Link, IRP, Tail.Overlay.ListEntry)))
            break; /* the ring is full: the next THRE makes room */
    }
    while (!IsListEmpty(&Serial->WriteQueue)) {
        PIRP Irp = CONTAINING_RECORD(Serial->WriteQueue.Flink, IRP, Tail.Overlay.ListEntry);
        if (!Sent(Serial, Irp))
            break;
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        InsertTailList(&Done, &Irp->Tail.Overlay.ListEntry);
    }
    KeReleaseSpinLock(&Serial->QueueLock, OldIrql);

    while (!IsListEmpty(&Done)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Done), IRP, Tail.Overlay.ListEntry);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = WriteLength(Irp);
        IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
    }
}

_Use_decl_annotations_
NTSTATUS SerialWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Serial = DeviceObject->DeviceExtension;
    KIRQL OldIrql;

    if (WriteLength(Irp) == 0) {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    BytesQueued(Irp) = 0;
    EndMark(Irp) = 0;
    IoMarkIrpPending(Irp); /* before it is queued: the DPC may complete it */
    KeAcquireSpinLock(&Serial->QueueLock, &OldIrql);
    InsertTailList(&Serial->WriteQueue, &Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Serial->QueueLock, OldIrql);
    SerialPumpWrites(Serial);
    return STATUS_PENDING;
}
