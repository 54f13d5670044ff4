/*
 * test_irp.c - the IRP contract, one rule at a time, through the three-driver
 * stack of drivers/iotest: upper filter 'U', lower filter 'L', RAM disk 'D'.
 * Each test is the IRP's creator: it allocates the IRP with the stack's
 * StackSize, sets its own completion routine, sends it to the top, and frees
 * it. The bug-check tests at the end each break one rule.
 */
#include "iotest_helpers.h"

/* Sends Code to the disk stack and returns IoCallDriver's status. */
static NTSTATUS SendIoctl(PDEVICE_OBJECT Top, ULONG Code, IOTEST_TRACE *Trace, IOTEST_SENT *Sent, PIRP *Irp)
{
    *Irp = IoTestBuildIoctl(Top, Code, Trace, Sent, Top->StackSize);
    if (*Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    return IoCallDriver(Top, *Irp);
}

KTEST(irp, stack_has_three_drivers)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(Top->StackSize, 3);
    KT_EXPECT_EQ(Top->AttachedDevice, NULL);
    PDEVICE_OBJECT Lower = Top->DeviceObjectExtension->AttachedTo;
    KT_ASSERT_NE(Lower, NULL);
    KT_EXPECT_EQ(Lower->StackSize, 2);
    KT_EXPECT_EQ(Lower->AttachedDevice, Top);
    KT_EXPECT_EQ(File->DeviceObject->StackSize, 1);
    KT_EXPECT_EQ(File->DeviceObject->DeviceObjectExtension->AttachedTo, NULL);
    KT_EXPECT_EQ(File->DeviceObject->ReferenceCount, 1);
    ObDereferenceObject(File);
}

KTEST(irp, completion_runs_bottom_up)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;
    PIRP Irp;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_COMPLETE, &Trace, &Sent, &Irp), STATUS_SUCCESS);
    KT_EXPECT_STREQ(Trace.Order, "DLU");
    KT_EXPECT(Sent.Called);
    KT_EXPECT_EQ(Sent.DeviceObject, NULL);
    KT_EXPECT_EQ(Sent.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(Sent.Information, sizeof(IOTEST_TRACE));
    KT_EXPECT(!Sent.PendingReturned);
    KT_EXPECT_EQ(Irp->CurrentLocation, Irp->StackCount + 1);
    IoFreeIrp(Irp);
    ObDereferenceObject(File);
}

KTEST(irp, pending_propagates_to_the_creator)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace, Trace2;
    IOTEST_SENT Sent, Sent2;
    PIRP Irp, Irp2;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_PEND, &Trace, &Sent, &Irp), STATUS_PENDING);
    KT_EXPECT(!Sent.Called); /* the disk holds it */
    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_COMPLETE_PENDED, &Trace2, &Sent2, &Irp2), STATUS_SUCCESS);
    KT_EXPECT(Sent.Called);
    KT_EXPECT(Sent.PendingReturned);
    KT_EXPECT_STREQ(Trace.Order, "DLU");
    KT_EXPECT(!Trace.PendingReturned[0]); /* the disk wrote 'D' before it returned */
    KT_EXPECT(Trace.PendingReturned[1]);  /* L saw the disk's mark ... */
    KT_EXPECT(Trace.PendingReturned[2]);  /* ... and U saw L's, which L's routine set */
    KT_EXPECT(!Sent2.PendingReturned);
    IoFreeIrp(Irp);
    IoFreeIrp(Irp2);
    ObDereferenceObject(File);
}

KTEST(irp, error_calls_only_routines_that_asked)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;
    PIRP Irp = IoTestBuildIoctl(Top, IOCTL_IOTEST_FAIL, &Trace, &Sent, Top->StackSize);

    KT_ASSERT_NE(Irp, NULL);
    IoSetCompletionRoutine(Irp, IoTestRecordCompletion, &Sent, TRUE, FALSE, FALSE); /* success only */
    KT_EXPECT_EQ(IoCallDriver(Top, Irp), STATUS_DEVICE_NOT_READY);
    KT_EXPECT_STREQ(Trace.Order, "DLU"); /* the filters ask for errors too */
    KT_EXPECT(!Sent.Called);
    IoFreeIrp(Irp);
    ObDereferenceObject(File);
}

KTEST(irp, more_processing_required_stops_the_walk)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace, Trace2;
    IOTEST_SENT Sent, Sent2;
    PIRP Irp, Irp2;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_HOLD, &Trace, &Sent, &Irp), STATUS_PENDING);
    KT_EXPECT_STREQ(Trace.Order, "DL"); /* L took it back: U has not seen it */
    KT_EXPECT(!Sent.Called);

    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_RELEASE, &Trace2, &Sent2, &Irp2), STATUS_SUCCESS);
    KT_EXPECT_STREQ(Trace2.Order, "LU");
    KT_EXPECT_STREQ(Trace.Order, "DLU"); /* L completed it again: on from L's location */
    KT_EXPECT(Sent.Called);
    KT_EXPECT(Sent.PendingReturned);
    KT_EXPECT_EQ(Sent.Status, STATUS_SUCCESS);
    IoFreeIrp(Irp);
    IoFreeIrp(Irp2);
    ObDereferenceObject(File);
}

KTEST(irp, unhandled_major_function_is_invalid)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_SENT Sent = {0};
    PIRP Irp = IoAllocateIrp(Top->StackSize, FALSE);

    KT_ASSERT_NE(Irp, NULL);
    IoGetNextIrpStackLocation(Irp)->MajorFunction = IRP_MJ_QUERY_INFORMATION;
    IoSetCompletionRoutine(Irp, IoTestRecordCompletion, &Sent, TRUE, TRUE, TRUE);
    KT_EXPECT_EQ(IoCallDriver(Top, Irp), STATUS_INVALID_DEVICE_REQUEST);
    KT_EXPECT(Sent.Called);
    KT_EXPECT_EQ(Sent.Status, STATUS_INVALID_DEVICE_REQUEST);
    IoFreeIrp(Irp);
    ObDereferenceObject(File);
}

KTEST(irp, reused_irp_goes_down_again)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;
    PIRP Irp;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(SendIoctl(Top, IOCTL_IOTEST_COMPLETE, &Trace, &Sent, &Irp), STATUS_SUCCESS);
    IoReuseIrp(Irp, STATUS_SUCCESS);
    KT_EXPECT_EQ(Irp->CurrentLocation, Irp->StackCount + 1);
    RtlZeroMemory(&Trace, sizeof(Trace));
    Irp->AssociatedIrp.SystemBuffer = &Trace;
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    Next->Parameters.DeviceIoControl.IoControlCode = IOCTL_IOTEST_COMPLETE;
    Next->Parameters.DeviceIoControl.OutputBufferLength = sizeof(IOTEST_TRACE);
    IoSetCompletionRoutine(Irp, IoTestRecordCompletion, &Sent, TRUE, TRUE, TRUE);
    KT_EXPECT_EQ(IoCallDriver(Top, Irp), STATUS_SUCCESS);
    KT_EXPECT_STREQ(Trace.Order, "DLU");
    IoFreeIrp(Irp);
    ObDereferenceObject(File);
}

KTEST(irp, allocated_irps_are_listed_until_freed)
{
    ULONG Before = IopCountIrpsInFlight();
    PIRP Irp = IoAllocateIrp(2, FALSE);

    KT_ASSERT_NE(Irp, NULL);
    KT_EXPECT_EQ(IopCountIrpsInFlight(), Before + 1);
    KT_EXPECT_EQ(Irp->Type, IO_TYPE_IRP);
    KT_EXPECT_EQ(Irp->StackCount, 2);
    KT_EXPECT_EQ(Irp->CurrentLocation, 3);
    KT_EXPECT_EQ(IoGetNextIrpStackLocation(Irp), (PIO_STACK_LOCATION)(Irp + 1) + 1);
    IoFreeIrp(Irp);
    KT_EXPECT_EQ(IopCountIrpsInFlight(), Before);
    KT_EXPECT_EQ(IoAllocateIrp(0, FALSE), NULL);
}

KTEST(irp, missing_device_is_not_found)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NoSuchDevice");
    PFILE_OBJECT File = (PFILE_OBJECT)1;
    PDEVICE_OBJECT Device = (PDEVICE_OBJECT)1;

    KT_EXPECT_EQ(IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &File, &Device), STATUS_OBJECT_NAME_NOT_FOUND);
    KT_EXPECT_EQ(File, NULL);
    KT_EXPECT_EQ(Device, NULL);
}

/* ---- a device of the test's own: deletion, DpcForIsr ---- */

static DRIVER_DISPATCH NullDispatch;
static NTSTATUS NullDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static DRIVER_INITIALIZE NullDriverEntry;
static NTSTATUS NullDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\IrpTestNull");
    PDEVICE_OBJECT Device;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = NullDispatch;
    return IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_NULL, 0, FALSE, &Device);
}

KTEST(irp, deleted_device_fails_with_no_such_device)
{
    PDRIVER_OBJECT Driver;
    PFILE_OBJECT File;
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;

    KT_ASSERT_EQ(IopLoadDriver(L"\\Driver\\IrpTestNull", NullDriverEntry, &Driver), STATUS_SUCCESS);
    PDEVICE_OBJECT Device = IoTestOpenDisk(L"\\Device\\IrpTestNull", &File);
    KT_ASSERT_NE(Device, NULL);
    KT_EXPECT_EQ(Device->Flags & DO_DEVICE_INITIALIZING, 0); /* cleared after DriverEntry */

    IoDeleteDevice(Device); /* the file object's reference keeps its memory */
    PFILE_OBJECT Again;
    KT_EXPECT_EQ(IoTestOpenDisk(L"\\Device\\IrpTestNull", &Again), NULL);
    PIRP Irp = IoTestBuildIoctl(Device, IOCTL_IOTEST_COMPLETE, &Trace, &Sent, 1);
    KT_ASSERT_NE(Irp, NULL);
    KT_EXPECT_EQ(IoCallDriver(Device, Irp), STATUS_NO_SUCH_DEVICE);
    KT_EXPECT(Sent.Called); /* completed all the same, once */
    KT_EXPECT_EQ(Sent.Status, STATUS_NO_SUCH_DEVICE);
    IoFreeIrp(Irp);
    ObDereferenceObject(File); /* the device goes now */
    KT_EXPECT_EQ(Driver->DeviceObject, NULL);
    IopUnloadDriver(Driver);
}

static IO_DPC_ROUTINE NullDpcForIsr;
static VOID NullDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    *(KIRQL *)Context = KeGetCurrentIrql();
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = (ULONG_PTR)DeviceObject;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

KTEST(irp, dpc_for_isr_completes_at_dispatch)
{
    PDRIVER_OBJECT Driver;
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;
    volatile KIRQL DpcIrql = 0xFF;

    KT_ASSERT_EQ(IopLoadDriver(L"\\Driver\\IrpTestNull", NullDriverEntry, &Driver), STATUS_SUCCESS);
    PDEVICE_OBJECT Device = Driver->DeviceObject;
    IoInitializeDpcRequest(Device, NullDpcForIsr);
    PIRP Irp = IoTestBuildIoctl(Device, IOCTL_IOTEST_COMPLETE, &Trace, &Sent, 1);
    KT_ASSERT_NE(Irp, NULL);
    IoSetNextIrpStackLocation(Irp); /* as if IoCallDriver had given it to the driver */
    IoGetCurrentIrpStackLocation(Irp)->DeviceObject = Device;

    KIRQL OldIrql;
    KeRaiseIrql(DEVICE_LEVEL_LOW + 2, &OldIrql); /* as an ISR would */
    IoRequestDpc(Device, Irp, (PVOID)&DpcIrql);
    KeLowerIrql(OldIrql); /* the DPC runs on the way down */
    KT_EXPECT_EQ(DpcIrql, DISPATCH_LEVEL);
    KT_EXPECT(Sent.Called);
    KT_EXPECT_EQ(Sent.Information, (ULONG_PTR)Device);
    IoFreeIrp(Irp);
    IoDeleteDevice(Device); /* the driver has no DriverUnload */
    IopUnloadDriver(Driver);
}

/* ---- each rule broken, in a boot of its own ---- */

static VOID SendBroken(ULONG Code)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    static IOTEST_TRACE Trace;
    static IOTEST_SENT Sent;
    PIRP Irp;

    SendIoctl(Top, Code, &Trace, &Sent, &Irp);
}

KTEST_BUGCHECK(irp_bugcheck, completed_twice, MULTIPLE_IRP_COMPLETE_REQUESTS)
{
    SendBroken(IOCTL_IOTEST_COMPLETE_TWICE);
}

KTEST_BUGCHECK(irp_bugcheck, no_more_stack_locations, NO_MORE_IRP_STACK_LOCATIONS)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace;
    IOTEST_SENT Sent;
    PIRP Irp = IoTestBuildIoctl(Top, IOCTL_IOTEST_COMPLETE, &Trace, &Sent, 2); /* the stack needs 3 */

    IoCallDriver(Top, Irp);
}

KTEST_BUGCHECK(irp_bugcheck, pending_not_marked, DRIVER_VERIFIER_IOMANAGER_VIOLATION)
{
    SendBroken(IOCTL_IOTEST_PEND_UNMARKED);
    SendBroken(IOCTL_IOTEST_COMPLETE_PENDED); /* the walk passes the unmarked location */
}

KTEST_BUGCHECK(irp_bugcheck, completed_above_dispatch, DRIVER_VERIFIER_IOMANAGER_VIOLATION)
{
    SendBroken(IOCTL_IOTEST_COMPLETE_AT_DIRQL);
}
