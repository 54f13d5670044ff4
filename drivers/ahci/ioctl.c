/*
 * ioctl.c - IRP_MJ_DEVICE_CONTROL: what the disk says about itself, and the
 * driver's two private controls (ahcipub.h).
 *
 * All are METHOD_BUFFERED: the input arrives and the answer leaves through
 * Irp->AssociatedIrp.SystemBuffer, and IoStatus.Information says how many
 * bytes of it are the answer. The answers are known without asking the
 * disk (IDENTIFY ran at start-up), so every one completes at once.
 */
#include "ahci.h"

/* The usual fiction for an LBA disk: 255 heads, 63 sectors per track. */
#define HEADS 255
#define SECTORS_PER_TRACK 63

static VOID FillGeometry(PAHCI_PORT Port, PDISK_GEOMETRY Geometry)
{
    Geometry->Cylinders.QuadPart = (LONGLONG)(Port->SectorCount / (HEADS * SECTORS_PER_TRACK));
    Geometry->MediaType = FixedMedia;
    Geometry->TracksPerCylinder = HEADS;
    Geometry->SectorsPerTrack = SECTORS_PER_TRACK;
    Geometry->BytesPerSector = AHCI_SECTOR_SIZE;
}

static NTSTATUS Geometry(PAHCI_PORT Port, PIRP Irp, ULONG OutputLength)
{
    if (OutputLength < sizeof(DISK_GEOMETRY))
        return AhciCompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    FillGeometry(Port, Irp->AssociatedIrp.SystemBuffer);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, sizeof(DISK_GEOMETRY));
}

static NTSTATUS GeometryEx(PAHCI_PORT Port, PIRP Irp, ULONG OutputLength)
{
    PDISK_GEOMETRY_EX Answer = Irp->AssociatedIrp.SystemBuffer;

    if (OutputLength < (ULONG)FIELD_OFFSET(DISK_GEOMETRY_EX, Data))
        return AhciCompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    FillGeometry(Port, &Answer->Geometry);
    Answer->DiskSize.QuadPart = (LONGLONG)(Port->SectorCount * AHCI_SECTOR_SIZE);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, FIELD_OFFSET(DISK_GEOMETRY_EX, Data));
}

/* Appends Text with its NUL at *Used in Descriptor (if it fits within
 * Capacity); returns its offset. */
static ULONG AddString(PUCHAR Descriptor, ULONG Capacity, PULONG Used, PCSTR Text)
{
    ULONG Offset = *Used;
    ULONG Length = (ULONG)strlen(Text) + 1;

    if (Offset + Length <= Capacity)
        RtlCopyMemory(Descriptor + Offset, Text, Length);
    *Used += Length;
    return Offset;
}

/* STORAGE_DEVICE_DESCRIPTOR, then its strings. A buffer too small for the
 * whole answer gets as much of the fixed part as fits, with Size telling
 * the caller what to allocate (the documented way to size the query). */
static NTSTATUS DeviceDescriptor(PAHCI_PORT Port, PIRP Irp, ULONG OutputLength)
{
    STORAGE_DEVICE_DESCRIPTOR Fixed;
    UCHAR Whole[sizeof(STORAGE_DEVICE_DESCRIPTOR) + 96];
    ULONG Used = sizeof(STORAGE_DEVICE_DESCRIPTOR);

    if (OutputLength < sizeof(STORAGE_DESCRIPTOR_HEADER))
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    RtlZeroMemory(&Fixed, sizeof(Fixed));
    RtlZeroMemory(Whole, sizeof(Whole));
    Fixed.Version = sizeof(STORAGE_DEVICE_DESCRIPTOR);
    Fixed.CommandQueueing = Port->Ncq;
    Fixed.BusType = BusTypeSata;
    Fixed.VendorIdOffset = 0; /* ATA disks name no vendor apart from the model */
    Fixed.ProductIdOffset = AddString(Whole, sizeof(Whole), &Used, Port->Model);
    Fixed.ProductRevisionOffset = AddString(Whole, sizeof(Whole), &Used, Port->Firmware);
    Fixed.SerialNumberOffset = AddString(Whole, sizeof(Whole), &Used, Port->Serial);
    Fixed.Size = Used;
    RtlCopyMemory(Whole, &Fixed, sizeof(Fixed));
    ULONG Copied = OutputLength < Used ? OutputLength : Used;
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Whole, Copied);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, Copied);
}

static NTSTATUS QueryProperty(PAHCI_PORT Port, PIRP Irp, ULONG InputLength, ULONG OutputLength)
{
    PSTORAGE_PROPERTY_QUERY Query = Irp->AssociatedIrp.SystemBuffer;

    if (InputLength < FIELD_OFFSET(STORAGE_PROPERTY_QUERY, AdditionalParameters))
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    if (Query->PropertyId != StorageDeviceProperty)
        return AhciCompleteNow(Irp, STATUS_NOT_SUPPORTED, 0);
    if (Query->QueryType == PropertyExistsQuery)
        return AhciCompleteNow(Irp, STATUS_SUCCESS, 0);
    if (Query->QueryType != PropertyStandardQuery)
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    return DeviceDescriptor(Port, Irp, OutputLength);
}

static NTSTATUS QueryStatistics(PAHCI_PORT Port, PIRP Irp, ULONG OutputLength)
{
    KIRQL OldIrql;

    if (OutputLength < sizeof(AHCI_DISK_STATISTICS))
        return AhciCompleteNow(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    KeAcquireSpinLock(&Port->Lock, &OldIrql);
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &Port->Stats, sizeof(AHCI_DISK_STATISTICS));
    KeReleaseSpinLock(&Port->Lock, OldIrql);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, sizeof(AHCI_DISK_STATISTICS));
}

/* Keeps what describes the disk, zeroes the counters. Under Port->Lock. */
static VOID ResetStatistics(PAHCI_PORT Port)
{
    AHCI_DISK_STATISTICS Kept = Port->Stats;

    RtlZeroMemory(&Port->Stats, sizeof(Port->Stats));
    Port->Stats.NcqDepth = Kept.NcqDepth;
    Port->Stats.SectorCount = Kept.SectorCount;
    Port->Stats.Port = Kept.Port;
    Port->Stats.Ncq = Kept.Ncq;
    Port->Stats.Msi = Kept.Msi;
}

static NTSTATUS SetTestHooks(PAHCI_PORT Port, PIRP Irp, ULONG InputLength)
{
    PAHCI_TEST_HOOKS Hooks = Irp->AssociatedIrp.SystemBuffer;
    KIRQL OldIrql;

    if (InputLength < sizeof(AHCI_TEST_HOOKS))
        return AhciCompleteNow(Irp, STATUS_INVALID_PARAMETER, 0);
    KeAcquireSpinLock(&Port->Lock, &OldIrql);
    Port->Controller->LoseInterrupts = Hooks->LoseInterrupts;
    if (Hooks->TimeoutMs != 0)
        Port->TimeoutTicks = (ULONG64)Hooks->TimeoutMs * 10000;
    if (Hooks->MaxPieceBytes != 0)
        Port->MaxPieceBytes = AhciPieceLimit(Hooks->MaxPieceBytes);
    AhciStartTimer(Port); /* its period follows the timeout */
    if (Hooks->ResetStatistics)
        ResetStatistics(Port);
    KeReleaseSpinLock(&Port->Lock, OldIrql);
    return AhciCompleteNow(Irp, STATUS_SUCCESS, 0);
}

_Use_decl_annotations_
NTSTATUS AhciDispatchDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PAHCI_PORT Port = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InputLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutputLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;

    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_DISK_GET_DRIVE_GEOMETRY:
        return Geometry(Port, Irp, OutputLength);
    case IOCTL_DISK_GET_DRIVE_GEOMETRY_EX:
        return GeometryEx(Port, Irp, OutputLength);
    case IOCTL_STORAGE_QUERY_PROPERTY:
        return QueryProperty(Port, Irp, InputLength, OutputLength);
    case IOCTL_AHCI_QUERY_STATISTICS:
        return QueryStatistics(Port, Irp, OutputLength);
    case IOCTL_AHCI_SET_TEST_HOOKS:
        return SetTestHooks(Port, Irp, InputLength);
    default:
        return AhciCompleteNow(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}
