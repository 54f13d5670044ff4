/*
 * disk.c - the disk device object \Device\Harddisk<N>\DR0 and its dispatch
 * routines.
 *
 * A dispatch routine runs in the caller's thread at IRQL <= DISPATCH_LEVEL.
 * It refuses at once what can be refused (completing the IRP itself), and
 * queues the rest in the port's internal queue, marked pending; then it
 * starts whatever the port has room for, so an idle disk begins the transfer
 * without waiting for a DPC. From the moment the IRP is queued another
 * processor may complete it: the routine returns STATUS_PENDING without
 * touching it again.
 */
#include "ahci.h"

NTSTATUS AhciCompleteNow(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

_Use_decl_annotations_
NTSTATUS AhciDispatchCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, 0);
}

/* Whole sectors, inside the disk. */
static BOOLEAN IsValidTransfer(PAHCI_PORT Port, LONGLONG Offset, ULONG Length)
{
    ULONG64 DiskBytes = Port->SectorCount * AHCI_SECTOR_SIZE;

    if (Offset < 0 || Offset % AHCI_SECTOR_SIZE != 0 || Length % AHCI_SECTOR_SIZE != 0)
        return FALSE;
    return (ULONG64)Offset <= DiskBytes && Length <= DiskBytes - (ULONG64)Offset;
}

/* Straight into a free slot if nothing waits before it; else into the
 * internal queue (IoCsqInsertIrp marks it pending), then start what can. */
static NTSTATUS QueueRequest(PAHCI_PORT Port, PIRP Irp)
{
    AHCI_IRP_DONE(Irp) = 0;
    AHCI_IRP_RETRIES(Irp) = 0;
    AHCI_IRP_AGAIN(Irp) = 0;
    __atomic_fetch_add(&Port->Stats.Requests, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&Port->Dead, __ATOMIC_RELAXED))
        return AhciCompleteNow(Irp, STATUS_IO_DEVICE_ERROR, 0); /* recover.c gave the port up */
    if (AhciTryStartNow(Port, Irp))
        return STATUS_PENDING;
    IoCsqInsertIrp(&Port->Queue, Irp, NULL);
    AhciStartRequests(Port);
    return STATUS_PENDING;
}

_Use_decl_annotations_
NTSTATUS AhciDispatchReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PAHCI_PORT Port = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Length = Stack->Parameters.Read.Length; /* Read and Write share a layout */
    LONGLONG Offset = Stack->Parameters.Read.ByteOffset.QuadPart;

    if (!IsValidTransfer(Port, Offset, Length))
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    if (Length == 0)
        return AhciCompleteNow(Irp, STATUS_SUCCESS, 0);
    PMDL Mdl = Irp->MdlAddress;
    if (Mdl == NULL || MmGetMdlByteCount(Mdl) < Length)
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    /* The HBA moves data in 16-bit units: a PRD's address must be even. */
    if ((ULONG_PTR)MmGetMdlVirtualAddress(Mdl) & DeviceObject->AlignmentRequirement)
        return AhciCompleteNow(Irp, STATUS_DATATYPE_MISALIGNMENT, 0);
    return QueueRequest(Port, Irp);
}

/* FLUSH CACHE EXT, queued like the rest: it starts only on an idle port, so
 * it completes after every write sent before it. */
_Use_decl_annotations_
NTSTATUS AhciDispatchFlush(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return QueueRequest(DeviceObject->DeviceExtension, Irp);
}

/* ---- creating the disk --------------------------------------------------------- */

static VOID InitializeExtension(PAHCI_PORT Port, PDEVICE_OBJECT DeviceObject, PAHCI_CONTROLLER Controller,
                                ULONG PortNumber)
{
    Port->DeviceObject = DeviceObject;
    Port->Controller = Controller;
    Port->Registers = &Controller->Hba->Ports[PortNumber];
    Port->Number = PortNumber;
    Port->DiskNumber = AhciDiskCount;
    KeInitializeSpinLock(&Port->Lock);
    AhciInitializeQueue(Port);
    /* One CustomDpc for this port's queue; the ISR queues it. */
    KeInitializeDpc(&Port->Dpc, AhciCustomDpc, Port);
    KeInitializeTimerEx(&Port->Timer, NotificationTimer);
    KeInitializeDpc(&Port->TimerDpc, AhciTimeoutDpc, Port);
    Port->TimeoutTicks = KeGetOptionNumber("ahci.timeout_ms", AHCI_DEFAULT_TIMEOUT_MS) * 10000;
    Port->MaxPieceBytes = AhciPieceLimit((ULONG)KeGetOptionNumber("ahci.max_piece", 0));
}

static VOID FillStatistics(PAHCI_PORT Port)
{
    Port->Stats.Port = Port->Number;
    Port->Stats.Ncq = Port->Ncq;
    Port->Stats.NcqDepth = Port->Depth;
    Port->Stats.SectorCount = Port->SectorCount;
}

static NTSTATUS BringUp(PAHCI_PORT Port)
{
    NTSTATUS Status = AhciAllocatePortMemory(Port);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = AhciInitializePort(Port);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = AhciIdentify(Port, KeGetOptionNumber("ahci.ncq", 1) != 0);
    if (NT_SUCCESS(Status))
        FillStatistics(Port);
    return Status;
}

/* Looks for a disk on PortNumber; with one there, makes its device object
 * (still DO_DEVICE_INITIALIZING: hba.c clears it once interrupts are on). */
NTSTATUS AhciCreateDisk(PDRIVER_OBJECT DriverObject, PAHCI_CONTROLLER Controller, ULONG PortNumber,
                        PAHCI_PORT *Result)
{
    CHAR Ascii[40];
    WCHAR Wide[40];
    UNICODE_STRING Name;
    PDEVICE_OBJECT DeviceObject;

    RtlFormatString(Ascii, sizeof(Ascii), AHCI_DEVICE_NAME_FORMAT, AhciDiskCount);
    for (ULONG i = 0; i < sizeof(Ascii); i++)
        Wide[i] = (WCHAR)Ascii[i];
    RtlInitUnicodeString(&Name, Wide);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(AHCI_PORT), &Name, FILE_DEVICE_DISK, 0, FALSE,
                                     &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    DeviceObject->Flags |= DO_DIRECT_IO;
    DeviceObject->AlignmentRequirement = FILE_WORD_ALIGNMENT;
    PAHCI_PORT Port = DeviceObject->DeviceExtension;
    InitializeExtension(Port, DeviceObject, Controller, PortNumber);
    Status = BringUp(Port);
    if (!NT_SUCCESS(Status)) {
        AhciDeleteDisk(Port);
        return Status;
    }
    *Result = Port;
    return STATUS_SUCCESS;
}

VOID AhciDeleteDisk(PAHCI_PORT Port)
{
    KeCancelTimer(&Port->Timer);
    AhciStopEngines(Port->Registers);
    AhciFreePortMemory(Port);
    IoDeleteDevice(Port->DeviceObject);
}
