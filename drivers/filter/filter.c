/*
 * filter.c - DiskFilter: a filter driver above \Device\RamDisk0 that counts
 * and times the requests going through it.
 *
 * A filter is a device object attached on top of another device's stack
 * (IoAttachDeviceToDeviceStack): every IRP sent to the stack reaches it
 * first. This one passes every request down unchanged, after noting the
 * time, and sets a completion routine so that it hears when the request
 * comes back up; then it counts. The one request it answers itself is
 * IOCTL_DISKFILTER_GET_STATISTICS (diskfilter.h).
 *
 * Its completion routine shows the rule every completion routine must keep:
 * if the driver below returned STATUS_PENDING (Irp->PendingReturned), mark
 * this location pending too, because this driver's dispatch routine also
 * returned STATUS_PENDING (it returned what IoCallDriver returned).
 */
#include "diskfilter.h"

typedef struct _FILTER_EXTENSION {
    PDEVICE_OBJECT LowerDevice; /* where requests go: the device just below */
    DISKFILTER_STATISTICS Statistics;
} FILTER_EXTENSION, *PFILTER_EXTENSION;

DRIVER_INITIALIZE DiskFilterDriverEntry;
static DRIVER_UNLOAD DiskFilterUnload;
static DRIVER_DISPATCH DiskFilterDispatchAny;
static DRIVER_DISPATCH DiskFilterDispatchDeviceControl;
static IO_COMPLETION_ROUTINE DiskFilterCompletion;

/* Counted on the way down. */
static VOID CountRequest(PDISKFILTER_STATISTICS Statistics, UCHAR MajorFunction)
{
    if (MajorFunction == IRP_MJ_READ)
        InterlockedIncrement(&Statistics->Reads);
    else if (MajorFunction == IRP_MJ_WRITE)
        InterlockedIncrement(&Statistics->Writes);
    else
        InterlockedIncrement(&Statistics->Others);
}

/* Counted on the way up. Runs at IRQL <= DISPATCH_LEVEL, on whatever
 * processor completed the IRP: hence the interlocked arithmetic. */
static VOID CountCompletion(PDISKFILTER_STATISTICS Statistics, PIRP Irp, LONGLONG Started)
{
    UCHAR MajorFunction = IoGetCurrentIrpStackLocation(Irp)->MajorFunction;
    LONG64 Bytes = (LONG64)Irp->IoStatus.Information;

    InterlockedExchangeAdd64(&Statistics->TotalTime, KeQueryPerformanceCounter(NULL).QuadPart - Started);
    InterlockedIncrement(&Statistics->Completed);
    if (!NT_SUCCESS(Irp->IoStatus.Status))
        InterlockedIncrement(&Statistics->Failed);
    else if (MajorFunction == IRP_MJ_READ)
        InterlockedExchangeAdd64(&Statistics->BytesRead, Bytes);
    else if (MajorFunction == IRP_MJ_WRITE)
        InterlockedExchangeAdd64(&Statistics->BytesWritten, Bytes);
}

/* Context is the performance counter at dispatch: the routine's context is
 * a pointer-sized value of the driver's choosing, and a counter fits in one
 * on x64, so no memory has to be allocated per request. */
_Use_decl_annotations_
static NTSTATUS DiskFilterCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;

    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    CountCompletion(&Filter->Statistics, Irp, (LONGLONG)(ULONG_PTR)Context);
    return STATUS_CONTINUE_COMPLETION;
}

/* Every request but our IOCTL: count it, pass it down with a completion
 * routine, and return what the driver below returned. */
_Use_decl_annotations_
static NTSTATUS DiskFilterDispatchAny(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;
    LONGLONG Started = KeQueryPerformanceCounter(NULL).QuadPart;

    CountRequest(&Filter->Statistics, IoGetCurrentIrpStackLocation(Irp)->MajorFunction);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, DiskFilterCompletion, (PVOID)(ULONG_PTR)Started, TRUE, TRUE, TRUE);
    return IoCallDriver(Filter->LowerDevice, Irp);
}

_Use_decl_annotations_
static NTSTATUS DiskFilterDispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Filter = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);

    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_DISKFILTER_GET_STATISTICS)
        return DiskFilterDispatchAny(DeviceObject, Irp);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(DISKFILTER_STATISTICS)) {
        Irp->IoStatus.Status = STATUS_BUFFER_TOO_SMALL;
        Irp->IoStatus.Information = 0;
    } else {
        /* A snapshot: counters may move while we copy, each one stays whole. */
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &Filter->Statistics, sizeof(DISKFILTER_STATISTICS));
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = sizeof(DISKFILTER_STATISTICS);
    }
    NTSTATUS Status = Irp->IoStatus.Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* Requests may still be on their way back through DiskFilterCompletion:
 * a filter that can really be unloaded uses IoSetCompletionRoutineEx. This
 * one stays as long as the disk does. */
_Use_decl_annotations_
static VOID DiskFilterUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device = DriverObject->DeviceObject;

    if (Device == NULL)
        return;
    PFILTER_EXTENSION Filter = Device->DeviceExtension;
    IoDetachDevice(Filter->LowerDevice);
    IoDeleteDevice(Device);
}

/* An unnamed device on top of Target's stack, shaped like it. */
static NTSTATUS Attach(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Target)
{
    PDEVICE_OBJECT Device;

    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL, Target->DeviceType, 0, FALSE,
                                     &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PFILTER_EXTENSION Filter = Device->DeviceExtension;
    LARGE_INTEGER Frequency;
    KeQueryPerformanceCounter(&Frequency);
    Filter->Statistics.CounterFrequency = Frequency.QuadPart;
    /* A filter asks for its data the way the device below does. */
    Device->Flags |= Target->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    Filter->LowerDevice = IoAttachDeviceToDeviceStack(Device, Target);
    if (Filter->LowerDevice == NULL) {
        IoDeleteDevice(Device);
        return STATUS_NO_SUCH_DEVICE;
    }
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
NTSTATUS DiskFilterDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DiskName = RTL_CONSTANT_STRING(DISKFILTER_TARGET_NAME);
    PFILE_OBJECT File;
    PDEVICE_OBJECT Disk;

    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = DiskFilterDispatchAny;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DiskFilterDispatchDeviceControl;
    DriverObject->DriverUnload = DiskFilterUnload;

    NTSTATUS Status = IoGetDeviceObjectPointer(&DiskName, FILE_READ_DATA, &File, &Disk);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = Attach(DriverObject, Disk);
    ObDereferenceObject(File); /* the stack keeps the disk: attaching referenced it */
    return Status;
}
