/*
 * test_devqueue.c - device queues sorted by key: KeInsertByKeyDeviceQueue,
 * KeRemoveByKeyDeviceQueue, and the I/O manager's use of them,
 * IoStartPacket with a Key and IoStartNextPacketByKey (the elevator).
 */
#include "iotest_helpers.h"

static PKDEVICE_QUEUE_ENTRY Entry(KDEVICE_QUEUE_ENTRY *Entries, ULONG i)
{
    return &Entries[i];
}

KTEST(devqueue, by_key_sorts_and_removes_from_a_key_with_wraparound)
{
    KDEVICE_QUEUE Queue;
    KDEVICE_QUEUE_ENTRY Entries[4];
    KIRQL OldIrql;

    KeInitializeDeviceQueue(&Queue);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KT_EXPECT(!KeInsertByKeyDeviceQueue(&Queue, Entry(Entries, 0), 50)); /* idle: "start it yourself" */
    KT_EXPECT(Queue.Busy);
    KT_EXPECT(KeInsertByKeyDeviceQueue(&Queue, Entry(Entries, 1), 30));
    KT_EXPECT(KeInsertByKeyDeviceQueue(&Queue, Entry(Entries, 2), 70));
    KT_EXPECT(KeInsertByKeyDeviceQueue(&Queue, Entry(Entries, 3), 10));
    KT_EXPECT_EQ(KeRemoveByKeyDeviceQueue(&Queue, 50), Entry(Entries, 2)); /* the first key >= 50 */
    KT_EXPECT_EQ(KeRemoveByKeyDeviceQueue(&Queue, 71), Entry(Entries, 3)); /* none: wrap to the lowest */
    KT_EXPECT_EQ(KeRemoveDeviceQueue(&Queue), Entry(Entries, 1));
    KT_EXPECT(Queue.Busy);
    KT_EXPECT_EQ(KeRemoveByKeyDeviceQueue(&Queue, 0), NULL); /* empty: idle again */
    KT_EXPECT(!Queue.Busy);
    KeLowerIrql(OldIrql);
}

/* A driver whose StartIo only notes the order IRPs start in; its dispatch
 * routine queues each read by its sector (ByteOffset.LowPart). */
typedef struct _ELEVATOR_EXTENSION {
    ULONG Started;
    PIRP Order[4];
} ELEVATOR_EXTENSION;

static DRIVER_STARTIO ElevatorStartIo;
static VOID ElevatorStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ELEVATOR_EXTENSION *Elevator = DeviceObject->DeviceExtension;
    if (Elevator->Started < ARRAYSIZE(Elevator->Order))
        Elevator->Order[Elevator->Started] = Irp;
    Elevator->Started++;
}

static DRIVER_DISPATCH ElevatorRead;
static NTSTATUS ElevatorRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ULONG Sector = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.ByteOffset.LowPart;
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, &Sector, NULL);
    return STATUS_PENDING;
}

static DRIVER_INITIALIZE ElevatorDriverEntry;
static NTSTATUS ElevatorDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverStartIo = ElevatorStartIo;
    DriverObject->MajorFunction[IRP_MJ_READ] = ElevatorRead;
    return IoCreateDevice(DriverObject, sizeof(ELEVATOR_EXTENSION), NULL, FILE_DEVICE_DISK, 0, FALSE, &Device);
}

/* Completes the current IRP and starts the next from Key, as a DPC would. */
static VOID FinishCurrent(PDEVICE_OBJECT Device, ULONG Key)
{
    KIRQL OldIrql;
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    PIRP Irp = Device->CurrentIrp;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoStartNextPacketByKey(Device, FALSE, Key);
    KeLowerIrql(OldIrql);
}

KTEST(devqueue, start_next_packet_by_key_sweeps_like_an_elevator)
{
    static const ULONG Sectors[4] = {50, 30, 70, 10};
    PDRIVER_OBJECT Driver;
    IOTEST_SENT Sent[4];
    PIRP Irps[4];

    KT_ASSERT_EQ(IopLoadDriver(L"\\Driver\\ElevatorTest", ElevatorDriverEntry, &Driver), STATUS_SUCCESS);
    PDEVICE_OBJECT Device = Driver->DeviceObject;
    ELEVATOR_EXTENSION *Elevator = Device->DeviceExtension;
    for (int i = 0; i < 4; i++) {
        Irps[i] = IoAllocateIrp(Device->StackSize, FALSE);
        KT_ASSERT_NE(Irps[i], NULL);
        RtlZeroMemory(&Sent[i], sizeof(Sent[i]));
        PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irps[i]);
        Next->MajorFunction = IRP_MJ_READ;
        Next->Parameters.Read.ByteOffset.QuadPart = Sectors[i];
        IoSetCompletionRoutine(Irps[i], IoTestRecordCompletion, &Sent[i], TRUE, TRUE, TRUE);
        KT_EXPECT_EQ(IoCallDriver(Device, Irps[i]), STATUS_PENDING);
    }
    FinishCurrent(Device, 51); /* after 50, upward: 70 */
    FinishCurrent(Device, 71); /* nothing above 70: back to the lowest, 10 */
    FinishCurrent(Device, 11); /* then 30 */
    FinishCurrent(Device, 31); /* and the queue is empty */
    KT_EXPECT_EQ(Elevator->Started, 4);
    KT_EXPECT_EQ(Elevator->Order[0], Irps[0]);
    KT_EXPECT_EQ(Elevator->Order[1], Irps[2]);
    KT_EXPECT_EQ(Elevator->Order[2], Irps[3]);
    KT_EXPECT_EQ(Elevator->Order[3], Irps[1]);
    KT_EXPECT_EQ(Device->CurrentIrp, NULL);
    KT_EXPECT(!Device->DeviceQueue.Busy);
    for (int i = 0; i < 4; i++) {
        KT_EXPECT(Sent[i].Called);
        IoFreeIrp(Irps[i]);
    }
    IoDeleteDevice(Device);
    IopUnloadDriver(Driver);
}
