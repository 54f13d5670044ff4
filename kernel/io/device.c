/*
 * device.c - device objects: IoCreateDevice, IoDeleteDevice, and the
 * references that keep a deleted device's memory alive.
 *
 * A device object is what IRPs are sent to. A driver makes one per device it
 * serves (a disk, a port), or per place it sits in someone else's stack (a
 * filter). The driver's own state for the device lives in the device
 * extension, which the I/O manager allocates with the object.
 *
 * One allocation holds it all:
 *   DEVICE_OBJECT | DEVOBJ_EXTENSION | device extension | name
 *
 * Lifetime: IoDeleteDevice takes the name away at once, so nobody finds the
 * device any more, but frees the memory only when the last reference goes
 * (IoGetDeviceObjectPointer's file object, an IoSetCompletionRoutineEx in
 * progress). Meanwhile IRPs sent to it fail with STATUS_NO_SUCH_DEVICE.
 */
#include "iop.h"

static KSPIN_LOCK IopDatabaseLock;

KIRQL IopLockDatabase(VOID)
{
    KIRQL OldIrql;
    KeAcquireSpinLock(&IopDatabaseLock, &OldIrql);
    return OldIrql;
}

VOID IopUnlockDatabase(KIRQL OldIrql)
{
    KeReleaseSpinLock(&IopDatabaseLock, OldIrql);
}

#define IOP_ALIGN(Size) (((Size) + 15) & ~(SIZE_T)15)

static PDEVICE_OBJECT AllocateDeviceObject(ULONG ExtensionSize, PUNICODE_STRING Name)
{
    SIZE_T ExtensionOffset = IOP_ALIGN(sizeof(DEVICE_OBJECT) + sizeof(DEVOBJ_EXTENSION));
    SIZE_T NameOffset = ExtensionOffset + IOP_ALIGN(ExtensionSize);
    SIZE_T NameLength = Name != NULL ? Name->Length : 0;
    PCHAR Block = ExAllocatePool2(POOL_FLAG_NON_PAGED, NameOffset + NameLength + sizeof(WCHAR), IOP_DEVICE_TAG);
    if (Block == NULL)
        return NULL;

    PDEVICE_OBJECT Device = (PDEVICE_OBJECT)Block;
    PDEVOBJ_EXTENSION Private = (PDEVOBJ_EXTENSION)(Device + 1);
    Device->Type = IO_TYPE_DEVICE;
    Device->Size = (USHORT)sizeof(DEVICE_OBJECT);
    Device->DeviceObjectExtension = Private;
    Device->DeviceExtension = ExtensionSize != 0 ? Block + ExtensionOffset : NULL;
    Private->Type = IO_TYPE_DEVICE;
    Private->Size = (USHORT)sizeof(DEVOBJ_EXTENSION);
    Private->DeviceObject = Device;
    if (Name != NULL) {
        Private->Name.Buffer = (PWSTR)(Block + NameOffset);
        Private->Name.Length = (USHORT)NameLength;
        Private->Name.MaximumLength = (USHORT)(NameLength + sizeof(WCHAR));
        RtlCopyMemory(Private->Name.Buffer, Name->Buffer, NameLength);
    }
    return Device;
}

NTSTATUS IoCreateDevice(PDRIVER_OBJECT DriverObject, ULONG DeviceExtensionSize, PUNICODE_STRING DeviceName,
                        DEVICE_TYPE DeviceType, ULONG DeviceCharacteristics, BOOLEAN Exclusive,
                        PDEVICE_OBJECT *DeviceObject)
{
    *DeviceObject = NULL;
    PDEVICE_OBJECT Device = AllocateDeviceObject(DeviceExtensionSize, DeviceName);
    if (Device == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Device->DriverObject = DriverObject;
    Device->DeviceType = DeviceType;
    Device->Characteristics = DeviceCharacteristics;
    Device->Flags = DO_DEVICE_INITIALIZING | (Exclusive ? DO_EXCLUSIVE : 0);
    Device->StackSize = 1;
    KeInitializeDeviceQueue(&Device->DeviceQueue);

    if (DeviceName != NULL) {
        NTSTATUS Status = IopInsertName(&Device->DeviceObjectExtension->Name, Device);
        if (!NT_SUCCESS(Status)) {
            ExFreePoolWithTag(Device, IOP_DEVICE_TAG);
            return Status;
        }
    }
    /* Newest first on the driver's list, as in NT. */
    KIRQL OldIrql = IopLockDatabase();
    Device->NextDevice = DriverObject->DeviceObject;
    DriverObject->DeviceObject = Device;
    IopUnlockDatabase(OldIrql);
    *DeviceObject = Device;
    return STATUS_SUCCESS;
}

static VOID UnlinkFromDriverLocked(PDEVICE_OBJECT Device)
{
    PDEVICE_OBJECT *Link = &Device->DriverObject->DeviceObject;
    while (*Link != NULL && *Link != Device)
        Link = &(*Link)->NextDevice;
    if (*Link == Device)
        *Link = Device->NextDevice;
}

/* With the database lock held: free the device if it is deleted and nobody
 * holds a reference. Returns TRUE when the caller must free the memory
 * (after dropping the lock). */
static BOOLEAN ShouldFreeLocked(PDEVICE_OBJECT Device)
{
    if (Device->ReferenceCount != 0 || !IopIsDeletePending(Device))
        return FALSE;
    UnlinkFromDriverLocked(Device);
    return TRUE;
}

VOID IoDeleteDevice(PDEVICE_OBJECT DeviceObject)
{
    if (DeviceObject->DeviceObjectExtension->Name.Length != 0)
        IopRemoveName(DeviceObject);

    KIRQL OldIrql = IopLockDatabase();
    DeviceObject->DeviceObjectExtension->ExtensionFlags |= DOE_DELETE_PENDING;
    BOOLEAN Free = ShouldFreeLocked(DeviceObject);
    IopUnlockDatabase(OldIrql);
    if (Free)
        ExFreePoolWithTag(DeviceObject, IOP_DEVICE_TAG);
}

BOOLEAN IopIsDeletePending(PDEVICE_OBJECT DeviceObject)
{
    return (DeviceObject->DeviceObjectExtension->ExtensionFlags & DOE_DELETE_PENDING) != 0;
}

VOID IopReferenceDevice(PDEVICE_OBJECT DeviceObject)
{
    KIRQL OldIrql = IopLockDatabase();
    DeviceObject->ReferenceCount++;
    IopUnlockDatabase(OldIrql);
}

VOID IopDereferenceDevice(PDEVICE_OBJECT DeviceObject)
{
    KIRQL OldIrql = IopLockDatabase();
    DeviceObject->ReferenceCount--;
    BOOLEAN Free = ShouldFreeLocked(DeviceObject);
    IopUnlockDatabase(OldIrql);
    if (Free)
        ExFreePoolWithTag(DeviceObject, IOP_DEVICE_TAG);
}
