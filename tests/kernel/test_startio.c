/*
 * test_startio.c - the StartIo model and cancellation, with a small driver
 * of the test's own: its dispatch routine queues every read with
 * IoStartPacket, its StartIo routine "starts the device" (notes the IRP), and
 * a DpcForIsr, requested as an ISR would, completes the current IRP and
 * starts the next (IoStartNextPacket).
 */
#include "iotest_helpers.h"

typedef struct _SERIAL_EXTENSION {
    ULONG Started;            /* StartIo calls */
    KIRQL StartIrql;          /* the IRQL StartIo ran at, the last time */
    PIRP StartedIrps[4];
} SERIAL_EXTENSION, *PSERIAL_EXTENSION;

static DRIVER_CANCEL SerialCancel;
static VOID SerialCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    /* Only queued IRPs keep their cancel routine: StartIo takes it away. */
    KeRemoveEntryDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static DRIVER_STARTIO SerialStartIo;
static VOID SerialStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Serial = DeviceObject->DeviceExtension;
    KIRQL CancelIrql;

    IoAcquireCancelSpinLock(&CancelIrql);
    IoSetCancelRoutine(Irp, NULL); /* ours now: no cancelling once the device has it */
    IoReleaseCancelSpinLock(CancelIrql);
    Serial->StartIrql = KeGetCurrentIrql();
    if (Serial->Started < ARRAYSIZE(Serial->StartedIrps))
        Serial->StartedIrps[Serial->Started] = Irp;
    Serial->Started++;
}

static IO_DPC_ROUTINE SerialDpcForIsr;
static VOID SerialDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoStartNextPacket(DeviceObject, TRUE);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static DRIVER_DISPATCH SerialRead;
static NTSTATUS SerialRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, SerialCancel);
    return STATUS_PENDING;
}

static DRIVER_INITIALIZE SerialDriverEntry;
static NTSTATUS SerialDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PDEVICE_OBJECT Device;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverStartIo = SerialStartIo;
    DriverObject->MajorFunction[IRP_MJ_READ] = SerialRead;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(SERIAL_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &Device);
    if (NT_SUCCESS(Status))
        IoInitializeDpcRequest(Device, SerialDpcForIsr);
    return Status;
}

/* The device finished its current IRP: what its ISR would do. */
static VOID Interrupt(PDEVICE_OBJECT Device)
{
    KIRQL OldIrql;
    KeRaiseIrql(DEVICE_LEVEL_LOW + 2, &OldIrql);
    IoRequestDpc(Device, Device->CurrentIrp, NULL);
    KeLowerIrql(OldIrql); /* the DPC runs on the way down */
}

static PIRP SendRead(PDEVICE_OBJECT Device, IOTEST_SENT *Sent, NTSTATUS *Status)
{
    PIRP Irp = IoAllocateIrp(Device->StackSize, FALSE);
    if (Irp == NULL)
        return NULL;
    RtlZeroMemory(Sent, sizeof(*Sent));
    IoGetNextIrpStackLocation(Irp)->MajorFunction = IRP_MJ_READ;
    IoSetCompletionRoutine(Irp, IoTestRecordCompletion, Sent, TRUE, TRUE, TRUE);
    *Status = IoCallDriver(Device, Irp);
    return Irp;
}

static VOID Unload(PDRIVER_OBJECT Driver)
{
    IoDeleteDevice(Driver->DeviceObject);
    IopUnloadDriver(Driver);
}

KTEST(startio, packets_start_one_at_a_time_at_dispatch)
{
    PDRIVER_OBJECT Driver;
    IOTEST_SENT Sent[3];
    PIRP Irps[3];
    NTSTATUS Status[3];

    KT_ASSERT_EQ(IopLoadDriver(L"\\Driver\\StartIoTest", SerialDriverEntry, &Driver), STATUS_SUCCESS);
    PDEVICE_OBJECT Device = Driver->DeviceObject;
    PSERIAL_EXTENSION Serial = Device->DeviceExtension;
    for (int i = 0; i < 3; i++) {
        Irps[i] = SendRead(Device, &Sent[i], &Status[i]);
        KT_ASSERT_NE(Irps[i], NULL);
        KT_EXPECT_EQ(Status[i], STATUS_PENDING);
    }
    KT_EXPECT_EQ(Serial->Started, 1); /* the others wait in the device queue */
    KT_EXPECT_EQ(Device->CurrentIrp, Irps[0]);
    KT_EXPECT_EQ(Serial->StartIrql, DISPATCH_LEVEL); /* though IoStartPacket was called at PASSIVE_LEVEL */

    for (int i = 0; i < 3; i++) {
        Interrupt(Device);
        KT_EXPECT(Sent[i].Called);
        KT_EXPECT(Sent[i].PendingReturned);
        KT_EXPECT_EQ(Serial->StartIrql, DISPATCH_LEVEL);
    }
    KT_EXPECT_EQ(Serial->Started, 3);
    KT_EXPECT_EQ(Serial->StartedIrps[1], Irps[1]);
    KT_EXPECT_EQ(Serial->StartedIrps[2], Irps[2]);
    KT_EXPECT_EQ(Device->CurrentIrp, NULL);
    KT_EXPECT(!Device->DeviceQueue.Busy);
    for (int i = 0; i < 3; i++)
        IoFreeIrp(Irps[i]);
    Unload(Driver);
}

KTEST(startio, cancel_completes_a_queued_packet)
{
    PDRIVER_OBJECT Driver;
    IOTEST_SENT Sent[2];
    PIRP Irps[2];
    NTSTATUS Status[2];

    KT_ASSERT_EQ(IopLoadDriver(L"\\Driver\\StartIoTest", SerialDriverEntry, &Driver), STATUS_SUCCESS);
    PDEVICE_OBJECT Device = Driver->DeviceObject;
    for (int i = 0; i < 2; i++) {
        Irps[i] = SendRead(Device, &Sent[i], &Status[i]);
        KT_ASSERT_NE(Irps[i], NULL);
    }
    KT_EXPECT(IoCancelIrp(Irps[1])); /* queued: its cancel routine completes it */
    KT_EXPECT(Sent[1].Called);
    KT_EXPECT_EQ(Sent[1].Status, STATUS_CANCELLED);
    KT_EXPECT(!IoCancelIrp(Irps[0])); /* started: no cancel routine any more */
    KT_EXPECT(Irps[0]->Cancel);
    KT_EXPECT(!Sent[0].Called);

    Interrupt(Device);
    KT_EXPECT(Sent[0].Called);
    KT_EXPECT_EQ(Sent[0].Status, STATUS_SUCCESS);
    KT_EXPECT(!Device->DeviceQueue.Busy);
    for (int i = 0; i < 2; i++)
        IoFreeIrp(Irps[i]);
    Unload(Driver);
}
