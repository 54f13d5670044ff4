/*
 * startio.c - IoStartPacket and IoStartNextPacket: the StartIo model.
 *
 * Many devices do one thing at a time. A driver for one lets the I/O manager
 * serialize its IRPs:
 *
 *   dispatch routine     IoMarkIrpPending(Irp); IoStartPacket(Device, Irp, NULL, Cancel);
 *                        return STATUS_PENDING;
 *   DriverStartIo        at DISPATCH_LEVEL: program the device for Irp
 *   (interrupt, then DPC) complete Device->CurrentIrp; IoStartNextPacket(Device, TRUE);
 *
 * IoStartPacket calls DriverStartIo at once when the device is idle and
 * queues the IRP in DeviceObject->DeviceQueue otherwise; IoStartNextPacket
 * takes the next one from the queue and calls DriverStartIo for it. Either
 * way DriverStartIo runs at DISPATCH_LEVEL: IoStartPacket raises before
 * anything else, so that the cancel spin lock, released just before the
 * call, gives back DISPATCH_LEVEL and not the caller's level. (A stored
 * ReactOS version released it to the caller's IRQL and ran StartIo at
 * PASSIVE_LEVEL.)
 *
 * With a cancel routine, DeviceObject->CurrentIrp changes only under the
 * cancel spin lock, in the same step that takes the IRP off the queue. So a
 * cancel routine, which runs holding that lock, always finds its IRP in one
 * of two places: still in the device queue (KeRemoveEntryDeviceQueue takes
 * it out), or the current IRP, which StartIo has not yet claimed from it
 * (drivers/ramdisk shows both cases).
 *
 * IoStartPacket's Key sorts the queue (KeInsertByKeyDeviceQueue), and
 * IoStartNextPacketByKey takes the first IRP at or after a key
 * (KeRemoveByKeyDeviceQueue): a disk queues by sector to sweep its head
 * across the platter like an elevator.
 */
#include "iop.h"

static VOID StartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    DeviceObject->DriverObject->DriverStartIo(DeviceObject, Irp);
    IopCheckIrqlUnchanged(DeviceObject, DISPATCH_LEVEL);
}

static BOOLEAN Queue(PDEVICE_OBJECT DeviceObject, PIRP Irp, PULONG Key)
{
    PKDEVICE_QUEUE_ENTRY Entry = &Irp->Tail.Overlay.DeviceQueueEntry;
    if (Key != NULL)
        return KeInsertByKeyDeviceQueue(&DeviceObject->DeviceQueue, Entry, *Key);
    return KeInsertDeviceQueue(&DeviceObject->DeviceQueue, Entry);
}

VOID IoStartPacket(PDEVICE_OBJECT DeviceObject, PIRP Irp, PULONG Key, PDRIVER_CANCEL CancelFunction)
{
    KIRQL OldIrql, CancelIrql = DISPATCH_LEVEL;

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    if (CancelFunction != NULL) {
        IoAcquireCancelSpinLock(&CancelIrql);
        IoSetCancelRoutine(Irp, CancelFunction);
    }
    if (!Queue(DeviceObject, Irp, Key)) {
        /* The device was idle. StartIo takes the cancel routine away itself. */
        DeviceObject->CurrentIrp = Irp;
        if (CancelFunction != NULL)
            IoReleaseCancelSpinLock(CancelIrql);
        StartIo(DeviceObject, Irp);
    } else if (CancelFunction != NULL) {
        /* Queued. If it was cancelled before its cancel routine was set,
         * nobody has called the routine: call it now. */
        if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
            Irp->CancelIrql = CancelIrql;
            CancelFunction(DeviceObject, Irp); /* releases the cancel spin lock */
        } else {
            IoReleaseCancelSpinLock(CancelIrql);
        }
    }
    KeLowerIrql(OldIrql);
}

/* IoStartNextPacket and IoStartNextPacketByKey: Key NULL takes the head. */
static VOID StartNext(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable, PULONG Key)
{
    KIRQL OldIrql, CancelIrql = DISPATCH_LEVEL;
    PKDEVICE_QUEUE_ENTRY Entry;

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql); /* the caller should be there already (a DPC) */
    /* Cancelable: the cancel routines of queued IRPs look at the queue and
     * at CurrentIrp under the cancel spin lock; take it so they see both as
     * they are. */
    if (Cancelable)
        IoAcquireCancelSpinLock(&CancelIrql);
    if (Key != NULL)
        Entry = KeRemoveByKeyDeviceQueue(&DeviceObject->DeviceQueue, *Key);
    else
        Entry = KeRemoveDeviceQueue(&DeviceObject->DeviceQueue);
    PIRP Irp = Entry != NULL ? CONTAINING_RECORD(Entry, IRP, Tail.Overlay.DeviceQueueEntry) : NULL;
    DeviceObject->CurrentIrp = Irp;
    if (Cancelable)
        IoReleaseCancelSpinLock(CancelIrql);
    if (Irp != NULL)
        StartIo(DeviceObject, Irp);
    KeLowerIrql(OldIrql);
}

VOID IoStartNextPacket(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable)
{
    StartNext(DeviceObject, Cancelable, NULL);
}

VOID IoStartNextPacketByKey(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable, ULONG Key)
{
    StartNext(DeviceObject, Cancelable, &Key);
}
