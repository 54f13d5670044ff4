/*
 * test_devobj.c - driver and device objects: names, extensions, flags,
 * attaching and detaching, deletion with references outstanding, and the
 * built-in drivers (the WDM documentation examples among them).
 */
#include "iotest_helpers.h"

static DRIVER_INITIALIZE EmptyDriverEntry;
static NTSTATUS EmptyDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_SUCCESS;
}

static PDRIVER_OBJECT LoadEmptyDriver(VOID)
{
    PDRIVER_OBJECT Driver;
    return NT_SUCCESS(IopLoadDriver(L"\\Driver\\DevObjTest", EmptyDriverEntry, &Driver)) ? Driver : NULL;
}

KTEST(devobj, driver_object_starts_with_invalid_request)
{
    PDRIVER_OBJECT Driver = LoadEmptyDriver();

    KT_ASSERT_NE(Driver, NULL);
    KT_EXPECT_EQ(Driver->Type, IO_TYPE_DRIVER);
    KT_EXPECT_EQ(Driver->DeviceObject, NULL);
    KT_EXPECT_NE(Driver->MajorFunction[IRP_MJ_READ], NULL);
    KT_EXPECT_EQ(Driver->MajorFunction[IRP_MJ_READ], Driver->MajorFunction[IRP_MJ_PNP]);
    PDRIVER_OBJECT Twice;
    KT_EXPECT_EQ(IopLoadDriver(L"\\Driver\\DEVOBJTEST", EmptyDriverEntry, &Twice), STATUS_OBJECT_NAME_COLLISION);
    IopUnloadDriver(Driver);
}

KTEST(devobj, create_names_and_zeroes)
{
    PDRIVER_OBJECT Driver = LoadEmptyDriver();
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\DevObjTest");
    PDEVICE_OBJECT Device, Other;

    KT_ASSERT_NE(Driver, NULL);
    KT_ASSERT_EQ(IoCreateDevice(Driver, 100, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device), STATUS_SUCCESS);
    KT_EXPECT_EQ(Device->Type, IO_TYPE_DEVICE);
    KT_EXPECT_EQ(Device->DriverObject, Driver);
    KT_EXPECT_EQ(Driver->DeviceObject, Device);
    KT_EXPECT_EQ(Device->StackSize, 1);
    KT_EXPECT_NE(Device->Flags & DO_DEVICE_INITIALIZING, 0);
    KT_ASSERT_NE(Device->DeviceExtension, NULL);
    KT_EXPECT_EQ(((ULONG_PTR)Device->DeviceExtension) & 15, 0);
    UCHAR Zeroes[100] = {0};
    KT_EXPECT(RtlEqualMemory(Device->DeviceExtension, Zeroes, sizeof(Zeroes)));
    KT_EXPECT_EQ(IopLookupName(&Name), Device);

    UNICODE_STRING Upper = RTL_CONSTANT_STRING(L"\\DEVICE\\devobjtest");
    KT_EXPECT_EQ(IoCreateDevice(Driver, 0, &Upper, FILE_DEVICE_UNKNOWN, 0, FALSE, &Other),
                 STATUS_OBJECT_NAME_COLLISION);
    KT_EXPECT_EQ(Other, NULL);

    IoDeleteDevice(Device);
    KT_EXPECT_EQ(IopLookupName(&Name), NULL);
    KT_EXPECT_EQ(Driver->DeviceObject, NULL);
    IopUnloadDriver(Driver);
}

KTEST(devobj, attach_builds_a_stack)
{
    PDRIVER_OBJECT Driver = LoadEmptyDriver();
    PDEVICE_OBJECT Bottom, Middle, Top;

    KT_ASSERT_NE(Driver, NULL);
    KT_ASSERT_EQ(IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_DISK, 0, FALSE, &Bottom), STATUS_SUCCESS);
    KT_ASSERT_EQ(IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_DISK, 0, FALSE, &Middle), STATUS_SUCCESS);
    KT_ASSERT_EQ(IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_DISK, 0, FALSE, &Top), STATUS_SUCCESS);
    KT_EXPECT_EQ(Bottom->DeviceExtension, NULL);

    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(Middle, Bottom), Bottom);
    KT_EXPECT_EQ(IoAttachDeviceToDeviceStack(Top, Bottom), Middle); /* onto the top, whatever was named */
    KT_EXPECT_EQ(Middle->StackSize, 2);
    KT_EXPECT_EQ(Top->StackSize, 3);
    KT_EXPECT_EQ(Bottom->AttachedDevice, Middle);
    KT_EXPECT_EQ(Middle->AttachedDevice, Top);
    KT_EXPECT_EQ(Top->DeviceObjectExtension->AttachedTo, Middle);

    IoDetachDevice(Middle);
    KT_EXPECT_EQ(Middle->AttachedDevice, NULL);
    KT_EXPECT_EQ(Top->DeviceObjectExtension->AttachedTo, NULL);
    IoDetachDevice(Bottom);
    KT_EXPECT_EQ(Middle->DeviceObjectExtension->AttachedTo, NULL);
    IoDeleteDevice(Top);
    IoDeleteDevice(Middle);
    IoDeleteDevice(Bottom);
    KT_EXPECT_EQ(Driver->DeviceObject, NULL);
    IopUnloadDriver(Driver);
}

KTEST(devobj, reference_outlives_delete)
{
    PDRIVER_OBJECT Driver = LoadEmptyDriver();
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\DevObjTest");
    PDEVICE_OBJECT Device, Found;
    PFILE_OBJECT File;

    KT_ASSERT_NE(Driver, NULL);
    KT_ASSERT_EQ(IoCreateDevice(Driver, 16, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device), STATUS_SUCCESS);
    KT_ASSERT_EQ(IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &File, &Found), STATUS_SUCCESS);
    KT_EXPECT_EQ(Found, Device);
    KT_EXPECT_EQ(File->DeviceObject, Device);
    KT_EXPECT_EQ(Device->ReferenceCount, 1);

    IoDeleteDevice(Device);
    KT_EXPECT_EQ(IopLookupName(&Name), NULL);
    KT_EXPECT_EQ(Driver->DeviceObject, Device); /* still there: referenced */
    KT_EXPECT(IopIsDeletePending(Device));
    ObDereferenceObject(File);
    KT_EXPECT_EQ(Driver->DeviceObject, NULL);
    IopUnloadDriver(Driver);
}

KTEST(devobj, builtin_drivers_started)
{
    UNICODE_STRING Names[] = {RTL_CONSTANT_STRING(L"\\Driver\\WdmExample"),
                              RTL_CONSTANT_STRING(L"\\Driver\\IoTestDisk"),
                              RTL_CONSTANT_STRING(L"\\Driver\\IoTestLowerFilter"),
                              RTL_CONSTANT_STRING(L"\\Driver\\IoTestUpperFilter"),
                              RTL_CONSTANT_STRING(L"\\Device\\WdmExample"),
                              RTL_CONSTANT_STRING(IOTEST_DISK_NAME),
                              RTL_CONSTANT_STRING(IOTEST_BUFFERED_DISK_NAME)};

    for (ULONG i = 0; i < ARRAYSIZE(Names); i++)
        KT_EXPECT_NE(IopLookupName(&Names[i]), NULL);
}

/* The documentation examples (tests/wdm) are a driver: its read routine. */
KTEST(devobj, wdm_example_driver_answers)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Device = IoTestOpenDisk(L"\\Device\\WdmExample", &File);
    UCHAR Buffer[16];
    IO_STATUS_BLOCK Iosb;
    KEVENT Event;

    KT_ASSERT_NE(Device, NULL);
    KT_EXPECT_NE(Device->Flags & DO_BUFFERED_IO, 0);
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, sizeof(Buffer), NULL, &Event, &Iosb);
    KT_ASSERT_NE(Irp, NULL);
    NTSTATUS Status = IoCallDriver(Device, Irp);
    if (Status == STATUS_PENDING)
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(Status, STATUS_END_OF_FILE);
    KT_EXPECT_EQ(Iosb.Status, STATUS_END_OF_FILE);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 1);
    ObDereferenceObject(File);
}
