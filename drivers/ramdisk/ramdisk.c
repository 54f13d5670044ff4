/*
 * ramdisk.c - RamDisk: a disk in pool memory, written like a driver for a
 * real disk controller that does one request at a time.
 *
 * The "controller" is a KTIMER. A real driver's StartIo programs the
 * hardware and returns; some time later the device raises an interrupt, the
 * ISR acknowledges it and queues the DpcForIsr, and the DPC completes the
 * IRP. Here:
 *
 *   RamDiskDispatchReadWrite   checks the request, marks it pending,
 *                              IoStartPacket (the I/O manager queues it
 *                              while the disk is busy)
 *   RamDiskStartIo             DISPATCH_LEVEL: claims the IRP from its cancel
 *                              routine, "programs the controller": KeSetTimer
 *   RamDiskTimerDpc            the controller: moves the data, then "raises
 *                              its interrupt" the way an ISR ends: IoRequestDpc
 *   RamDiskDpcForIsr           DISPATCH_LEVEL: IoCompleteRequest with
 *                              IO_DISK_INCREMENT, then IoStartNextPacket
 *
 * docs/irp-journey.md follows one read through these routines.
 *
 * Requests: READ and WRITE (direct I/O: the buffer arrives as an MDL),
 * FLUSH_BUFFERS (queued like the rest, so it completes after every write
 * sent before it), and IOCTL_DISK_GET_DRIVE_GEOMETRY(_EX).
 */
#include "ramdisk.h"

#define RAMDISK_TAG POOL_TAG('R', 'a', 'm', 'D')

typedef struct _RAMDISK_EXTENSION {
    PUCHAR Data;     /* RAMDISK_SIZE bytes of nonpaged pool: the platter */
    KTIMER Timer;    /* the controller's "transfer takes a while" */
    KDPC TimerDpc;   /* RamDiskTimerDpc: the controller finishing */
    NTSTATUS Result; /* what the controller reports for CurrentIrp */
} RAMDISK_EXTENSION, *PRAMDISK_EXTENSION;

DRIVER_INITIALIZE RamDiskDriverEntry;
static DRIVER_UNLOAD RamDiskUnload;
static DRIVER_DISPATCH RamDiskDispatchCreateClose;
static DRIVER_DISPATCH RamDiskDispatchReadWrite;
static DRIVER_DISPATCH RamDiskDispatchFlush;
static DRIVER_DISPATCH RamDiskDispatchDeviceControl;
static DRIVER_STARTIO RamDiskStartIo;
static DRIVER_CANCEL RamDiskCancel;
static KDEFERRED_ROUTINE RamDiskTimerDpc;
static IO_DPC_ROUTINE RamDiskDpcForIsr;

static NTSTATUS CompleteNow(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

_Use_decl_annotations_
static NTSTATUS RamDiskDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return CompleteNow(Irp, STATUS_SUCCESS, 0);
}

/* ---- dispatch: check, then queue ---------------------------------------- */

/* A transfer must lie inside the disk and cover whole sectors. */
static BOOLEAN IsValidTransfer(LONGLONG Offset, ULONG Length)
{
    if (Offset < 0 || Offset % RAMDISK_SECTOR_SIZE != 0 || Length % RAMDISK_SECTOR_SIZE != 0)
        return FALSE;
    return Offset <= RAMDISK_SIZE && Length <= RAMDISK_SIZE - Offset;
}

/* Runs at IRQL <= DISPATCH_LEVEL in the caller's thread. Everything that can
 * be refused is refused here, completed at once; what is left goes to the
 * device. From IoMarkIrpPending on, the IRP may be completed at any moment
 * on another processor: the routine returns STATUS_PENDING without looking
 * at it again. */
_Use_decl_annotations_
static NTSTATUS RamDiskDispatchReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Length = Stack->Parameters.Read.Length; /* Read and Write share a layout */
    LONGLONG Offset = Stack->Parameters.Read.ByteOffset.QuadPart;

    if (!IsValidTransfer(Offset, Length))
        return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    if (Length == 0)
        return CompleteNow(Irp, STATUS_SUCCESS, 0);
    if (Irp->MdlAddress == NULL)
        return CompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, RamDiskCancel);
    return STATUS_PENDING;
}

_Use_decl_annotations_
static NTSTATUS RamDiskDispatchFlush(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, RamDiskCancel);
    return STATUS_PENDING;
}

static VOID FillGeometry(PDISK_GEOMETRY Geometry)
{
    Geometry->Cylinders.QuadPart = RAMDISK_CYLINDERS;
    Geometry->MediaType = FixedMedia;
    Geometry->TracksPerCylinder = RAMDISK_TRACKS_PER_CYLINDER;
    Geometry->SectorsPerTrack = RAMDISK_SECTORS_PER_TRACK;
    Geometry->BytesPerSector = RAMDISK_SECTOR_SIZE;
}

/* METHOD_BUFFERED: the answer goes into Irp->AssociatedIrp.SystemBuffer, and
 * IoStatus.Information says how many bytes of it to copy back. The geometry
 * is known without asking the device, so these complete at once. */
_Use_decl_annotations_
static NTSTATUS RamDiskDispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG OutputLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PVOID Output = Irp->AssociatedIrp.SystemBuffer;

    UNREFERENCED_PARAMETER(DeviceObject);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_DISK_GET_DRIVE_GEOMETRY:
        if (OutputLength < sizeof(DISK_GEOMETRY))
            return CompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        FillGeometry(Output);
        return CompleteNow(Irp, STATUS_SUCCESS, sizeof(DISK_GEOMETRY));
    case IOCTL_DISK_GET_DRIVE_GEOMETRY_EX: {
        PDISK_GEOMETRY_EX GeometryEx = Output;
        if (OutputLength < (ULONG)FIELD_OFFSET(DISK_GEOMETRY_EX, Data))
            return CompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        FillGeometry(&GeometryEx->Geometry);
        GeometryEx->DiskSize.QuadPart = RAMDISK_SIZE;
        return CompleteNow(Irp, STATUS_SUCCESS, FIELD_OFFSET(DISK_GEOMETRY_EX, Data));
    }
    default:
        return CompleteNow(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* ---- cancel: only while the IRP waits --------------------------------- */

/* IoCancelIrp calls this with the cancel spin lock held. The IRP is either
 * still in the device queue, or the one IoStartNextPacket has just made
 * current but whose StartIo has not yet taken the cancel routine away
 * (startio.c changes CurrentIrp under this same lock). In that second case
 * StartIo will find no cancel routine and leave the IRP to us, so we must
 * also start the next one. */
_Use_decl_annotations_
static VOID RamDiskCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (Irp == DeviceObject->CurrentIrp) {
        IoReleaseCancelSpinLock(Irp->CancelIrql);
        CompleteNow(Irp, STATUS_CANCELLED, 0);
        IoStartNextPacket(DeviceObject, TRUE);
        return;
    }
    KeRemoveEntryDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    CompleteNow(Irp, STATUS_CANCELLED, 0);
}

/* ---- StartIo: program the controller ---------------------------------- */

/* DISPATCH_LEVEL, one IRP at a time. Whoever takes the cancel routine away
 * owns the IRP: if it is already gone, RamDiskCancel has the IRP. */
_Use_decl_annotations_
static VOID RamDiskStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PRAMDISK_EXTENSION Disk = DeviceObject->DeviceExtension;
    KIRQL CancelIrql;

    IoAcquireCancelSpinLock(&CancelIrql);
    BOOLEAN Ours = IoSetCancelRoutine(Irp, NULL) != NULL;
    IoReleaseCancelSpinLock(CancelIrql);
    if (!Ours)
        return;

    /* The transfer "takes time": the controller answers at the next clock
     * tick. (The shortest relative due time; the timer rounds up to a tick.) */
    LARGE_INTEGER DueTime = {.QuadPart = -1};
    KeSetTimer(&Disk->Timer, DueTime, &Disk->TimerDpc);
}

/* ---- the controller, then its interrupt's DPC -------------------------- */

/* The controller's transfer: between its platter and the buffer's pages. */
static NTSTATUS Transfer(PRAMDISK_EXTENSION Disk, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);

    if (Stack->MajorFunction == IRP_MJ_FLUSH_BUFFERS)
        return STATUS_SUCCESS; /* nothing is cached: every write is already on the platter */
    PUCHAR Buffer = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (Buffer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    PUCHAR Platter = Disk->Data + Stack->Parameters.Read.ByteOffset.QuadPart;
    if (Stack->MajorFunction == IRP_MJ_READ)
        RtlCopyMemory(Buffer, Platter, Stack->Parameters.Read.Length);
    else
        RtlCopyMemory(Platter, Buffer, Stack->Parameters.Write.Length);
    return STATUS_SUCCESS;
}

/* The timer's CustomTimerDpc plays the hardware: it does the transfer for
 * CurrentIrp, then does what an ISR does last, IoRequestDpc, naming the IRP
 * the "interrupt" is about. */
_Use_decl_annotations_
static VOID RamDiskTimerDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PDEVICE_OBJECT DeviceObject = DeferredContext;
    PRAMDISK_EXTENSION Disk = DeviceObject->DeviceExtension;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    Disk->Result = Transfer(Disk, DeviceObject->CurrentIrp);
    IoRequestDpc(DeviceObject, DeviceObject->CurrentIrp, NULL);
}

/* DISPATCH_LEVEL. The IRP is finished: complete it (IO_DISK_INCREMENT: the
 * waiting thread gets the disk's small priority boost), then let the I/O
 * manager start the next queued one. */
_Use_decl_annotations_
static VOID RamDiskDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PRAMDISK_EXTENSION Disk = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    Irp->IoStatus.Status = Disk->Result;
    Irp->IoStatus.Information = NT_SUCCESS(Disk->Result) && Stack->MajorFunction != IRP_MJ_FLUSH_BUFFERS
                                    ? Stack->Parameters.Read.Length
                                    : 0;
    IoCompleteRequest(Irp, IO_DISK_INCREMENT);
    IoStartNextPacket(DeviceObject, TRUE);
}

/* ---- loading and unloading --------------------------------------------- */

_Use_decl_annotations_
static VOID RamDiskUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device = DriverObject->DeviceObject;

    if (Device == NULL)
        return;
    PRAMDISK_EXTENSION Disk = Device->DeviceExtension;
    if (Disk->Data != NULL)
        ExFreePoolWithTag(Disk->Data, RAMDISK_TAG);
    IoDeleteDevice(Device);
}

static VOID SetEntryPoints(PDRIVER_OBJECT DriverObject)
{
    DriverObject->DriverUnload = RamDiskUnload;
    DriverObject->DriverStartIo = RamDiskStartIo;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = RamDiskDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = RamDiskDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = RamDiskDispatchReadWrite;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = RamDiskDispatchReadWrite;
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = RamDiskDispatchFlush;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = RamDiskDispatchDeviceControl;
}

_Use_decl_annotations_
NTSTATUS RamDiskDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(RAMDISK_DEVICE_NAME);
    PDEVICE_OBJECT Device;

    UNREFERENCED_PARAMETER(RegistryPath);
    SetEntryPoints(DriverObject);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(RAMDISK_EXTENSION), &DeviceName, FILE_DEVICE_DISK,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PRAMDISK_EXTENSION Disk = Device->DeviceExtension;
    Disk->Data = ExAllocatePool2(POOL_FLAG_NON_PAGED, RAMDISK_SIZE, RAMDISK_TAG); /* zeroed */
    if (Disk->Data == NULL) {
        RamDiskUnload(DriverObject);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    KeInitializeTimer(&Disk->Timer);
    KeInitializeDpc(&Disk->TimerDpc, RamDiskTimerDpc, Device);
    IoInitializeDpcRequest(Device, RamDiskDpcForIsr);
    Device->Flags |= DO_DIRECT_IO;
    Device->AlignmentRequirement = 0; /* any buffer address will do: the "DMA" is a memcpy */
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
