/*
 * disk.c - IoTestDisk: a RAM disk, the function driver at the bottom of the
 * I/O test stack.
 *
 * It creates two devices over one 8 KiB store of its own: \Device\IoTestDisk
 * with direct I/O (reads and writes arrive with an MDL) and
 * \Device\IoTestBufferedDisk with buffered I/O (they arrive with a system
 * buffer). Its IOCTLs (iotest.h) let tests choose how a request ends:
 * completed at once, failed, or marked pending and completed later, and a
 * few deliberately broken endings for the bug-check tests.
 */
#include <wdm.h>
#include "iotest.h"

typedef struct _DISK_EXTENSION {
    PUCHAR Data; /* the store, shared by both devices */
    PIRP PendingIrp; /* IOCTL_IOTEST_PEND's request, until COMPLETE_PENDED */
    ULONG Flushes;
} DISK_EXTENSION, *PDISK_EXTENSION;


static UCHAR DiskStore[IOTEST_DISK_SIZE];

DRIVER_INITIALIZE IoTestDiskDriverEntry;
static DRIVER_UNLOAD DiskUnload;
static DRIVER_DISPATCH DiskCreateClose;
static DRIVER_DISPATCH DiskReadWrite;
static DRIVER_DISPATCH DiskFlushBuffers;
static DRIVER_DISPATCH DiskDeviceControl;

static NTSTATUS CompleteWith(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, NT_SUCCESS(Status) ? IO_DISK_INCREMENT : IO_NO_INCREMENT);
    return Status;
}

_Use_decl_annotations_
static NTSTATUS DiskCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return CompleteWith(Irp, STATUS_SUCCESS, 0);
}

/* Where the data is: an MDL for direct I/O, the system buffer for buffered. */
static PUCHAR TransferBuffer(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (DeviceObject->Flags & DO_DIRECT_IO)
        return Irp->MdlAddress != NULL ? MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority) : NULL;
    return Irp->AssociatedIrp.SystemBuffer;
}

_Use_decl_annotations_
static NTSTATUS DiskReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDISK_EXTENSION Disk = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Length = Stack->Parameters.Read.Length; /* Read and Write share a layout */
    LONGLONG Offset = Stack->Parameters.Read.ByteOffset.QuadPart;

    if (Length == 0)
        return CompleteWith(Irp, STATUS_SUCCESS, 0);
    if (Offset < 0 || Offset >= IOTEST_DISK_SIZE)
        return CompleteWith(Irp, STATUS_END_OF_FILE, 0);
    if (Length > IOTEST_DISK_SIZE - Offset)
        return CompleteWith(Irp, STATUS_INVALID_PARAMETER, 0);
    PUCHAR Buffer = TransferBuffer(DeviceObject, Irp);
    if (Buffer == NULL)
        return CompleteWith(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);

    if (Stack->MajorFunction == IRP_MJ_READ)
        RtlCopyMemory(Buffer, Disk->Data + Offset, Length);
    else
        RtlCopyMemory(Disk->Data + Offset, Buffer, Length);
    return CompleteWith(Irp, STATUS_SUCCESS, Length);
}

_Use_decl_annotations_
static NTSTATUS DiskFlushBuffers(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDISK_EXTENSION Disk = DeviceObject->DeviceExtension;
    Disk->Flushes++;
    return CompleteWith(Irp, STATUS_SUCCESS, 0);
}

/* IOCTL_IOTEST_PEND: keep the IRP to complete later. Mark it pending first:
 * once it is in the queue, someone may complete it at any moment. */
static NTSTATUS PendRequest(PDISK_EXTENSION Disk, PIRP Irp, BOOLEAN Mark)
{
    if (Disk->PendingIrp != NULL)
        return CompleteWith(Irp, STATUS_DEVICE_NOT_READY, 0);
    IoTestTraceAppend(Irp, 'D');
    if (Mark)
        IoMarkIrpPending(Irp);
    Disk->PendingIrp = Irp;
    return STATUS_PENDING;
}

static NTSTATUS CompletePended(PDISK_EXTENSION Disk, PIRP Irp)
{
    PIRP Pended = Disk->PendingIrp;

    Disk->PendingIrp = NULL;
    if (Pended != NULL) {
        Pended->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Pended, IO_DISK_INCREMENT);
    }
    IoTestTraceAppend(Irp, 'D');
    return CompleteWith(Irp, Pended != NULL ? STATUS_SUCCESS : STATUS_NOT_FOUND, Irp->IoStatus.Information);
}

/* The broken endings. */
static NTSTATUS Misbehave(PIRP Irp, ULONG Code)
{
    IoTestTraceAppend(Irp, 'D');
    Irp->IoStatus.Status = STATUS_SUCCESS;
    if (Code == IOCTL_IOTEST_COMPLETE_AT_DIRQL) {
        KIRQL OldIrql;
        KeRaiseIrql(DEVICE_LEVEL_LOW + 2, &OldIrql); /* as if from an ISR */
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        KeLowerIrql(OldIrql);
        return STATUS_SUCCESS;
    }
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoCompleteRequest(Irp, IO_NO_INCREMENT); /* IOCTL_IOTEST_COMPLETE_TWICE */
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static NTSTATUS DiskDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDISK_EXTENSION Disk = DeviceObject->DeviceExtension;
    ULONG Code = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode;

    switch (Code) {
    case IOCTL_IOTEST_COMPLETE:
    case IOCTL_IOTEST_HOLD:
        IoTestTraceAppend(Irp, 'D');
        return CompleteWith(Irp, STATUS_SUCCESS, Irp->IoStatus.Information);
    case IOCTL_IOTEST_FAIL:
        IoTestTraceAppend(Irp, 'D');
        return CompleteWith(Irp, STATUS_DEVICE_NOT_READY, 0);
    case IOCTL_IOTEST_PEND: return PendRequest(Disk, Irp, TRUE);
    case IOCTL_IOTEST_PEND_UNMARKED: return PendRequest(Disk, Irp, FALSE);
    case IOCTL_IOTEST_COMPLETE_PENDED: return CompletePended(Disk, Irp);
    case IOCTL_IOTEST_COMPLETE_TWICE:
    case IOCTL_IOTEST_COMPLETE_AT_DIRQL: return Misbehave(Irp, Code);
    default: return CompleteWith(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS CreateDisk(PDRIVER_OBJECT DriverObject, PCWSTR Name, ULONG IoFlag)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT Device;

    RtlInitUnicodeString(&DeviceName, Name);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(DISK_EXTENSION), &DeviceName, FILE_DEVICE_DISK,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PDISK_EXTENSION Disk = Device->DeviceExtension;
    Disk->Data = DiskStore;
    Device->Flags |= IoFlag;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

_Use_decl_annotations_
static VOID DiskUnload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

_Use_decl_annotations_
NTSTATUS IoTestDiskDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = DiskUnload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = DiskCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = DiskCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = DiskReadWrite;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = DiskReadWrite;
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = DiskFlushBuffers;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = DiskDeviceControl;

    NTSTATUS Status = CreateDisk(DriverObject, IOTEST_DISK_NAME, DO_DIRECT_IO);
    if (NT_SUCCESS(Status))
        Status = CreateDisk(DriverObject, IOTEST_BUFFERED_DISK_NAME, DO_BUFFERED_IO);
    if (!NT_SUCCESS(Status))
        DiskUnload(DriverObject);
    return Status;
}
