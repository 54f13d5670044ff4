/*
 * filter.c - IoTestLowerFilter and IoTestUpperFilter: two filter drivers
 * stacked on \Device\IoTestDisk, so that every request to the disk passes
 * through three drivers.
 *
 * Both share this code; each DriverEntry attaches one filter device, with
 * its letter ('L' or 'U') in the device extension. A filter passes every
 * request down. For reads, writes and the rest it has nothing to add, so it
 * gives its stack location to the driver below (IoSkipCurrentIrpStackLocation)
 * and sets no completion routine. For the IOTEST IOCTLs it copies its
 * location down and sets a completion routine that appends its letter to the
 * trace: the two ways of passing an IRP down, side by side.
 *
 * The lower filter also shows STATUS_MORE_PROCESSING_REQUIRED: for
 * IOCTL_IOTEST_HOLD its completion routine takes the IRP back and keeps it
 * until IOCTL_IOTEST_RELEASE arrives, then completes it again.
 */
#include <wdm.h>
#include "iotest.h"

typedef struct _FILTER_EXTENSION {
    PDEVICE_OBJECT LowerDevice; /* where this filter sends IRPs */
    CHAR Letter;
    BOOLEAN UnloadSafeCompletion; /* use IoSetCompletionRoutineEx */
    PIRP HeldIrp;                 /* IOCTL_IOTEST_HOLD's request, until RELEASE */
} FILTER_EXTENSION, *PFILTER_EXTENSION;

DRIVER_INITIALIZE IoTestLowerFilterDriverEntry;
DRIVER_INITIALIZE IoTestUpperFilterDriverEntry;
static DRIVER_UNLOAD FilterUnload;
static DRIVER_DISPATCH FilterPassThrough;
static DRIVER_DISPATCH FilterDeviceControl;
static IO_COMPLETION_ROUTINE FilterTraceCompletion;

_Use_decl_annotations_
static NTSTATUS FilterPassThrough(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;

    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Filter->LowerDevice, Irp);
}

_Use_decl_annotations_
static NTSTATUS FilterTraceCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PFILTER_EXTENSION Filter = Context;
    ULONG Code = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode;

    UNREFERENCED_PARAMETER(DeviceObject);
    IoTestTraceAppend(Irp, Filter->Letter);
    if (Filter->Letter == 'L' && Code == IOCTL_IOTEST_HOLD) {
        Filter->HeldIrp = Irp; /* ours again; FilterDeviceControl marked it pending */
        return STATUS_MORE_PROCESSING_REQUIRED;
    }
    /* This filter returned whatever IoCallDriver returned: if that was
     * STATUS_PENDING, its own location must say so too. */
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

/* The lower filter completes the IRP it held, then this one. */
static NTSTATUS ReleaseHeld(PFILTER_EXTENSION Filter, PIRP Irp)
{
    PIRP Held = Filter->HeldIrp;

    Filter->HeldIrp = NULL;
    if (Held != NULL)
        IoCompleteRequest(Held, IO_NO_INCREMENT); /* completion goes on from our location */
    Irp->IoStatus.Status = Held != NULL ? STATUS_SUCCESS : STATUS_NOT_FOUND;
    IoTestTraceAppend(Irp, Filter->Letter);
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Held != NULL ? STATUS_SUCCESS : STATUS_NOT_FOUND;
}

static NTSTATUS SetTraceCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;

    if (Filter->UnloadSafeCompletion)
        return IoSetCompletionRoutineEx(DeviceObject, Irp, FilterTraceCompletion, Filter, TRUE, TRUE, TRUE);
    IoSetCompletionRoutine(Irp, FilterTraceCompletion, Filter, TRUE, TRUE, TRUE);
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static NTSTATUS FilterDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;
    ULONG Code = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode;

    if (IoTestTraceOf(Irp) == NULL)
        return FilterPassThrough(DeviceObject, Irp);
    if (Filter->Letter == 'L' && Code == IOCTL_IOTEST_RELEASE)
        return ReleaseHeld(Filter, Irp);

    IoCopyCurrentIrpStackLocationToNext(Irp);
    NTSTATUS Status = SetTraceCompletion(DeviceObject, Irp);
    if (!NT_SUCCESS(Status)) {
        Irp->IoStatus.Status = Status;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return Status;
    }
    if (Filter->Letter == 'L' && Code == IOCTL_IOTEST_HOLD) {
        /* The completion routine will keep the IRP, so whatever the disk
         * returns, the request is not finished when IoCallDriver returns:
         * mark it pending now and say so. */
        IoMarkIrpPending(Irp);
        IoCallDriver(Filter->LowerDevice, Irp);
        return STATUS_PENDING;
    }
    return IoCallDriver(Filter->LowerDevice, Irp);
}

_Use_decl_annotations_
static VOID FilterUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device = DriverObject->DeviceObject;

    if (Device != NULL) {
        PFILTER_EXTENSION Filter = Device->DeviceExtension;
        IoDetachDevice(Filter->LowerDevice);
        IoDeleteDevice(Device);
    }
}

/* Creates the filter device and puts it on top of the disk's stack. */
static NTSTATUS AttachFilter(PDRIVER_OBJECT DriverObject, CHAR Letter, BOOLEAN UnloadSafeCompletion)
{
    UNICODE_STRING DiskName = RTL_CONSTANT_STRING(IOTEST_DISK_NAME);
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top, Device;

    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterPassThrough;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FilterDeviceControl;
    DriverObject->DriverUnload = FilterUnload;

    NTSTATUS Status = IoGetDeviceObjectPointer(&DiskName, FILE_READ_DATA, &File, &Top);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL, Top->DeviceType, 0, FALSE, &Device);
    if (NT_SUCCESS(Status)) {
        PFILTER_EXTENSION Filter = Device->DeviceExtension;
        Filter->Letter = Letter;
        Filter->UnloadSafeCompletion = UnloadSafeCompletion;
        /* A filter asks for its data the way the device below does. */
        Device->Flags |= Top->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
        Filter->LowerDevice = IoAttachDeviceToDeviceStack(Device, Top);
        if (Filter->LowerDevice == NULL) {
            IoDeleteDevice(Device);
            Status = STATUS_NO_SUCH_DEVICE;
        } else {
            Device->Flags &= ~DO_DEVICE_INITIALIZING;
        }
    }
    ObDereferenceObject(File);
    return Status;
}

_Use_decl_annotations_
NTSTATUS IoTestLowerFilterDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return AttachFilter(DriverObject, 'L', FALSE);
}

_Use_decl_annotations_
NTSTATUS IoTestUpperFilterDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    return AttachFilter(DriverObject, 'U', TRUE);
}
