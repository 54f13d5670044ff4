/*
 * fileobj.c - IoGetDeviceObjectPointer: from a device's name to the top of
 * its stack, and the file object that keeps the device referenced.
 *
 * In NT this opens the device, which makes a file object: an object manager
 * object that holds a reference on the device it opened. The caller sends
 * IRPs to the device returned (the top of the stack the named device is in)
 * and, when done, lets go of the file object with ObDereferenceObject; the
 * last reference deletes it, and its delete procedure drops the device's
 * reference. A device deleted meanwhile is freed only then.
 */
#include "iop.h"

static VOID IopDeleteFile(PVOID Object)
{
    PFILE_OBJECT File = Object;
    IopDereferenceDevice(File->DeviceObject);
}

static OBJECT_TYPE IoFileObjectType = {"File", IOP_FILE_TAG, IopDeleteFile};

/* The named device, referenced; NULL if there is none. Looked up and
 * referenced under the database lock, so it cannot be freed in between. */
static PDEVICE_OBJECT ReferenceNamedDevice(PUNICODE_STRING Name, PDEVICE_OBJECT *Top)
{
    KIRQL OldIrql = IopLockDatabase();
    PDEVICE_OBJECT Device = IopLookupName(Name);
    if (Device != NULL && Device->Type != IO_TYPE_DEVICE)
        Device = NULL; /* a driver's name */
    if (Device != NULL) {
        Device->ReferenceCount++;
        *Top = IopGetTopOfStackLocked(Device);
    }
    IopUnlockDatabase(OldIrql);
    return Device;
}

NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess, PFILE_OBJECT *FileObject,
                                  PDEVICE_OBJECT *DeviceObject)
{
    UNREFERENCED_PARAMETER(DesiredAccess); /* no security yet */
    *FileObject = NULL;
    *DeviceObject = NULL;

    PDEVICE_OBJECT Top;
    PDEVICE_OBJECT Named = ReferenceNamedDevice(ObjectName, &Top);
    if (Named == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    PFILE_OBJECT File = ObpCreateObject(&IoFileObjectType, sizeof(FILE_OBJECT));
    if (File == NULL) {
        IopDereferenceDevice(Named);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    File->Type = IO_TYPE_FILE;
    File->Size = (CSHORT)sizeof(FILE_OBJECT);
    File->DeviceObject = Named; /* the file object holds the named device's reference */
    *FileObject = File;
    *DeviceObject = Top; /* IRPs go to the top of its stack */
    return STATUS_SUCCESS;
}
