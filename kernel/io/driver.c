/*
 * driver.c - driver objects, and loading a driver by calling its DriverEntry.
 *
 * A driver object is the kernel's record of one driver: its name, its
 * devices and, above all, its MajorFunction table, which IoCallDriver
 * indexes with each IRP's major function code. The I/O manager creates the
 * object, fills every MajorFunction entry with IopInvalidDeviceRequest, and
 * calls DriverEntry at PASSIVE_LEVEL, which replaces the entries it handles
 * and creates its devices.
 */
#include "iop.h"

/* What a driver that does not handle a major function answers. */
static DRIVER_DISPATCH IopInvalidDeviceRequest;

static NTSTATUS IopInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

static PDRIVER_OBJECT CreateDriverObject(PCWSTR Name)
{
    UNICODE_STRING Source;
    RtlInitUnicodeString(&Source, Name);

    /* The object and a copy of its name, in one allocation. */
    SIZE_T Size = sizeof(DRIVER_OBJECT) + Source.Length;
    PDRIVER_OBJECT Driver = ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, IOP_DRIVER_TAG);
    if (Driver == NULL)
        return NULL;
    Driver->Type = IO_TYPE_DRIVER;
    Driver->Size = (CSHORT)sizeof(DRIVER_OBJECT);
    Driver->DriverName.Buffer = (PWSTR)(Driver + 1);
    Driver->DriverName.Length = Driver->DriverName.MaximumLength = Source.Length;
    RtlCopyMemory(Driver->DriverName.Buffer, Source.Buffer, Source.Length);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        Driver->MajorFunction[i] = IopInvalidDeviceRequest;
    return Driver;
}

/* NT does this for a legacy driver's devices when DriverEntry returns: they
 * are ready for IRPs. */
static VOID FinishInitializingDevices(PDRIVER_OBJECT Driver)
{
    for (PDEVICE_OBJECT Device = Driver->DeviceObject; Device != NULL; Device = Device->NextDevice)
        Device->Flags &= ~DO_DEVICE_INITIALIZING;
}

NTSTATUS IopLoadDriver(PCWSTR Name, PDRIVER_INITIALIZE DriverEntry, PDRIVER_OBJECT *DriverObject)
{
    *DriverObject = NULL;
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        return STATUS_INVALID_DEVICE_STATE;
    PDRIVER_OBJECT Driver = CreateDriverObject(Name);
    if (Driver == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = IopInsertName(&Driver->DriverName, Driver);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Driver, IOP_DRIVER_TAG);
        return Status;
    }

    Driver->DriverInit = DriverEntry;
    Status = DriverEntry(Driver, NULL); /* no registry: RegistryPath is NULL */
    IopCheckIrqlUnchanged(NULL, PASSIVE_LEVEL);
    if (!NT_SUCCESS(Status)) {
        /* A failing DriverEntry must have deleted what it created. */
        IopRemoveName(Driver);
        ExFreePoolWithTag(Driver, IOP_DRIVER_TAG);
        return Status;
    }
    FinishInitializingDevices(Driver);
    *DriverObject = Driver;
    return STATUS_SUCCESS;
}

VOID IopUnloadDriver(PDRIVER_OBJECT DriverObject)
{
    if (DriverObject->DriverUnload != NULL)
        DriverObject->DriverUnload(DriverObject);
    IopRemoveName(DriverObject);
    ExFreePoolWithTag(DriverObject, IOP_DRIVER_TAG);
}
