/*
 * build.c - IRPs the I/O manager prepares for a driver: IoBuildAsynchronous-
 * FsdRequest and IoBuildDeviceIoControlRequest, and their end, when the
 * completion walk reaches the top.
 *
 * A driver that wants to send a read, a write or an IOCTL to another device
 * could allocate an IRP and fill its first location by hand. These routines
 * do it, and they also prepare the data the way the target device wants it:
 *
 *   buffered I/O   the I/O manager allocates a system buffer
 *                  (Irp->AssociatedIrp.SystemBuffer), copies the caller's
 *                  data in for a write, and copies the result back to the
 *                  caller's buffer (Irp->UserBuffer) when a read completes;
 *   direct I/O     the caller's buffer is described by an MDL
 *                  (Irp->MdlAddress), locked while the request is out;
 *   neither        the driver gets the caller's addresses as they are.
 *
 * For reads and writes the device's DO_BUFFERED_IO / DO_DIRECT_IO flag
 * decides; for an IOCTL, the METHOD_* in its code.
 *
 * When completion reaches the top, IopFinishBuiltIrp copies back, frees the
 * buffer and the MDLs, stores IoStatus in the caller's IO_STATUS_BLOCK,
 * frees the IRP and, last, sets the caller's event, if it gave one: the
 * caller must not touch the IRP after IoCallDriver.
 *
 * The synchronous forms (IoBuildSynchronousFsdRequest, and
 * IoBuildDeviceIoControlRequest with an event) are used like this, at
 * PASSIVE_LEVEL:
 *
 *     KeInitializeEvent(&Event, NotificationEvent, FALSE);
 *     Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, Length, &Offset, &Event, &Iosb);
 *     Status = IoCallDriver(Device, Irp);
 *     if (Status == STATUS_PENDING) {
 *         KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
 *         Status = Iosb.Status;
 *     } (A caller
 * who takes the IRP back with a completion routine returning
 * STATUS_MORE_PROCESSING_REQUIRED frees it itself: MmUnlockPages and
 * IoFreeMdl for its MDL, then IoFreeIrp.)
 */
#include "iop.h"

static BOOLEAN UseSystemBuffer(PIRP Irp, PVOID UserBuffer, ULONG Length, BOOLEAN CopyIn, BOOLEAN CopyOut)
{
    Irp->AssociatedIrp.SystemBuffer = ExAllocatePoolWithTag(NonPagedPoolNx, Length, IOP_BUFFER_TAG);
    if (Irp->AssociatedIrp.SystemBuffer == NULL)
        return FALSE;
    Irp->Flags |= IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
    if (CopyIn && UserBuffer != NULL)
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, UserBuffer, Length);
    else
        RtlZeroMemory(Irp->AssociatedIrp.SystemBuffer, Length);
    if (CopyOut)
        Irp->Flags |= IRP_INPUT_OPERATION; /* "input" to memory: copied back at the end */
    return TRUE;
}

static BOOLEAN UseMdl(PIRP Irp, PVOID Buffer, ULONG Length, LOCK_OPERATION Operation)
{
    PMDL Mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, Irp);
    if (Mdl == NULL)
        return FALSE;
    MmProbeAndLockPages(Mdl, KernelMode, Operation);
    Irp->IopPrivate.DeallocateMdls = TRUE;
    return TRUE;
}

/* An IRP for DeviceObject with its first location ready for MajorFunction. */
static PIRP AllocateBuiltIrp(PDEVICE_OBJECT DeviceObject, UCHAR MajorFunction, PVOID UserBuffer,
                             PIO_STATUS_BLOCK IoStatusBlock, PKEVENT Event)
{
    PIRP Irp = IoAllocateIrp(DeviceObject->StackSize, FALSE);
    if (Irp == NULL)
        return NULL;
    Irp->IopPrivate.BuiltByIoManager = TRUE;
    Irp->UserBuffer = UserBuffer;
    Irp->UserIosb = IoStatusBlock;
    Irp->UserEvent = Event;
    IoGetNextIrpStackLocation(Irp)->MajorFunction = MajorFunction;
    return Irp;
}

/* Undoes a half-built IRP. */
static VOID FreeBuiltIrp(PIRP Irp)
{
    if (Irp->MdlAddress != NULL)
        IoFreeMdl(Irp->MdlAddress);
    IoFreeIrp(Irp); /* also frees a system buffer */
}

static BOOLEAN PrepareReadWrite(PIRP Irp, PDEVICE_OBJECT DeviceObject, BOOLEAN IsRead, PVOID Buffer, ULONG Length)
{
    if (DeviceObject->Flags & DO_BUFFERED_IO)
        return UseSystemBuffer(Irp, Buffer, Length, !IsRead, IsRead);
    if (DeviceObject->Flags & DO_DIRECT_IO)
        return UseMdl(Irp, Buffer, Length, IsRead ? IoWriteAccess : IoReadAccess);
    return TRUE; /* neither: UserBuffer is all the driver gets */
}

PIRP IoBuildAsynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer, ULONG Length,
                                   PLARGE_INTEGER StartingOffset, PIO_STATUS_BLOCK IoStatusBlock)
{
    if (MajorFunction != IRP_MJ_READ && MajorFunction != IRP_MJ_WRITE && MajorFunction != IRP_MJ_FLUSH_BUFFERS &&
        MajorFunction != IRP_MJ_SHUTDOWN)
        return NULL;
    PIRP Irp = AllocateBuiltIrp(DeviceObject, (UCHAR)MajorFunction, Buffer, IoStatusBlock, NULL);
    if (Irp == NULL)
        return NULL;
    if (MajorFunction != IRP_MJ_READ && MajorFunction != IRP_MJ_WRITE)
        return Irp; /* flush and shutdown carry no parameters */

    BOOLEAN IsRead = MajorFunction == IRP_MJ_READ;
    if (Length != 0 && !PrepareReadWrite(Irp, DeviceObject, IsRead, Buffer, Length)) {
        FreeBuiltIrp(Irp);
        return NULL;
    }
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    /* Read and Write have the same layout. */
    Stack->Parameters.Read.Length = Length;
    Stack->Parameters.Read.ByteOffset.QuadPart = StartingOffset != NULL ? StartingOffset->QuadPart : 0;
    return Irp;
}

PIRP IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer, ULONG Length,
                                  PLARGE_INTEGER StartingOffset, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    PIRP Irp = IoBuildAsynchronousFsdRequest(MajorFunction, DeviceObject, Buffer, Length, StartingOffset,
                                             IoStatusBlock);
    if (Irp != NULL) {
        Irp->UserEvent = Event;
        Irp->Flags |= IRP_SYNCHRONOUS_API;
    }
    return Irp;
}

/* The buffers of an IOCTL, by its transfer type. The input always travels
 * in the system buffer (except METHOD_NEITHER); METHOD_BUFFERED's output
 * does too, the DIRECT methods describe the output with an MDL. */
static BOOLEAN PrepareIoctlBuffers(PIRP Irp, ULONG Method, PVOID InputBuffer, ULONG InputLength, PVOID OutputBuffer,
                                   ULONG OutputLength)
{
    if (Method == METHOD_NEITHER) {
        IoGetNextIrpStackLocation(Irp)->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
        return TRUE;
    }
    if (Method == METHOD_BUFFERED) {
        ULONG Length = InputLength > OutputLength ? InputLength : OutputLength;
        return Length == 0 || UseSystemBuffer(Irp, InputBuffer, Length, TRUE, OutputLength != 0);
    }
    if (InputLength != 0 && !UseSystemBuffer(Irp, InputBuffer, InputLength, TRUE, FALSE))
        return FALSE;
    /* METHOD_IN_DIRECT: the device reads the "output" buffer; OUT_DIRECT: writes it. */
    LOCK_OPERATION Operation = Method == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess;
    return OutputLength == 0 || UseMdl(Irp, OutputBuffer, OutputLength, Operation);
}

PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                                   ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                                   BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    UCHAR Major = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    PIRP Irp = AllocateBuiltIrp(DeviceObject, Major, OutputBuffer, IoStatusBlock, Event);
    if (Irp == NULL)
        return NULL;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    Stack->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    Stack->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
    if (!PrepareIoctlBuffers(Irp, METHOD_FROM_CTL_CODE(IoControlCode), InputBuffer, InputBufferLength, OutputBuffer,
                             OutputBufferLength)) {
        FreeBuiltIrp(Irp);
        return NULL;
    }
    return Irp;
}

static VOID ReleaseMdls(PIRP Irp)
{
    PMDL Mdl = Irp->MdlAddress;
    while (Mdl != NULL) {
        PMDL Next = Mdl->Next;
        if (Mdl->MdlFlags & MDL_PAGES_LOCKED)
            MmUnlockPages(Mdl);
        IoFreeMdl(Mdl);
        Mdl = Next;
    }
    Irp->MdlAddress = NULL;
}

VOID IopFinishBuiltIrp(PIRP Irp)
{
    if ((Irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(Irp->IoStatus.Status) && Irp->UserBuffer != NULL)
        RtlCopyMemory(Irp->UserBuffer, Irp->AssociatedIrp.SystemBuffer, Irp->IoStatus.Information);
    if (Irp->IopPrivate.DeallocateMdls)
        ReleaseMdls(Irp);
    if (Irp->UserIosb != NULL)
        *Irp->UserIosb = Irp->IoStatus;
    PKEVENT Event = Irp->UserEvent;
    IoFreeIrp(Irp); /* and its system buffer */
    /* Last: the waiter may return, and its event and IO_STATUS_BLOCK (often
     * on its stack) go away, the moment the event is set. */
    if (Event != NULL)
        KeSetEvent(Event, IO_NO_INCREMENT, FALSE);
}
