/*
 * cmddisk.c - the shell's `disks` command: every \Device\Harddisk<N>\DR0,
 * asked through the same IOCTLs a file system or a partition manager would
 * send (IOCTL_STORAGE_QUERY_PROPERTY, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX), plus
 * the AHCI driver's own counters (IOCTL_AHCI_QUERY_STATISTICS).
 *
 * At start-up the shell shows the disks and reads sector 0 of the first one
 * (KdShowDisks): the whole IRP path, from IoBuildSynchronousFsdRequest down to
 * the controller's interrupt and back, before the first prompt.
 */
#include "kdp.h"
#include "../../drivers/ahci/ahcipub.h"

#define KD_DISK_TAG POOL_TAG('K', 'd', 'D', 'k')

/* A METHOD_BUFFERED IOCTL, waited for. */
static NTSTATUS Ioctl(PDEVICE_OBJECT Device, ULONG Code, PVOID Input, ULONG InputLength, PVOID Output,
                      ULONG OutputLength)
{
    IO_STATUS_BLOCK Iosb;
    KEVENT Event;

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildDeviceIoControlRequest(Code, Device, Input, InputLength, Output, OutputLength, FALSE, &Event,
                                             &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    return KdCallAndWait(Device, Irp, &Event, &Iosb);
}

static BOOLEAN OpenDisk(ULONG Number, PFILE_OBJECT *File, PDEVICE_OBJECT *Device)
{
    CHAR Name[40];

    RtlFormatString(Name, sizeof(Name), AHCI_DEVICE_NAME_FORMAT, Number);
    return NT_SUCCESS(KdOpenDevice(Name, File, Device));
}

static VOID PrintModel(PDEVICE_OBJECT Device)
{
    STORAGE_PROPERTY_QUERY Query = {.PropertyId = StorageDeviceProperty, .QueryType = PropertyStandardQuery};
    ULONG Size = 256;
    PUCHAR Answer = ExAllocatePoolWithTag(NonPagedPoolNx, Size, KD_DISK_TAG);

    if (Answer == NULL)
        return;
    RtlZeroMemory(Answer, Size);
    if (NT_SUCCESS(Ioctl(Device, IOCTL_STORAGE_QUERY_PROPERTY, &Query, sizeof(Query), Answer, Size - 1))) {
        PSTORAGE_DEVICE_DESCRIPTOR Descriptor = (PSTORAGE_DEVICE_DESCRIPTOR)Answer;
        if (Descriptor->ProductIdOffset != 0 && Descriptor->ProductIdOffset < Size)
            DbgPrint(" %s", (PCSTR)Answer + Descriptor->ProductIdOffset);
        if (Descriptor->SerialNumberOffset != 0 && Descriptor->SerialNumberOffset < Size)
            DbgPrint(" (serial %s)", (PCSTR)Answer + Descriptor->SerialNumberOffset);
    }
    ExFreePoolWithTag(Answer, KD_DISK_TAG);
}

static VOID PrintDisk(ULONG Number, PDEVICE_OBJECT Device)
{
    DISK_GEOMETRY_EX Geometry;
    AHCI_DISK_STATISTICS Stats;

    DbgPrint("  \\Device\\Harddisk%u\\DR0:", Number);
    PrintModel(Device);
    if (NT_SUCCESS(Ioctl(Device, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &Geometry, sizeof(Geometry))))
        DbgPrint(", %llu MiB", (ULONG64)Geometry.DiskSize.QuadPart >> 20);
    if (NT_SUCCESS(Ioctl(Device, IOCTL_AHCI_QUERY_STATISTICS, NULL, 0, &Stats, sizeof(Stats)))) {
        DbgPrint(", port %u, %s %u, %s\n", Stats.Port, Stats.Ncq ? "NCQ depth" : "no NCQ, slots", Stats.NcqDepth,
                 Stats.Msi ? "MSI" : "INTx");
        DbgPrint("    requests %llu, commands %llu (NCQ %llu), interrupts %llu, DPC runs %llu, errors %llu, "
                 "timeouts %llu, retries %llu, failed %llu\n",
                 Stats.Requests, Stats.Commands, Stats.NcqCommands, Stats.Interrupts, Stats.DpcRuns, Stats.Errors,
                 Stats.Timeouts, Stats.Retries, Stats.Failed);
    } else {
        DbgPrint("\n");
    }
}

/* Lists the disks; returns how many there are. */
static ULONG ListDisks(VOID)
{
    ULONG Found = 0;

    for (ULONG Number = 0; Number < AHCI_MAX_DISKS; Number++) {
        PFILE_OBJECT File;
        PDEVICE_OBJECT Device;
        if (!OpenDisk(Number, &File, &Device))
            continue;
        PrintDisk(Number, Device);
        ObDereferenceObject(File);
        Found++;
    }
    if (Found == 0)
        DbgPrint("  no disks (attach one: -drive file=X,if=none,id=d0 -device ide-hd,drive=d0,bus=ide.0)\n");
    return Found;
}

_Use_decl_annotations_
BOOLEAN KdCmdDisks(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    ListDisks();
    return TRUE;
}

VOID KdShowDisks(VOID)
{
    static CHAR ReadSectorZero[] = "read \\Device\\Harddisk0\\DR0 0 1";

    DbgPrint("disks:\n");
    if (ListDisks() == 0)
        return;
    DbgPrint("sector 0 of disk 0, read with IRP_MJ_READ (the command `%s`):\n", ReadSectorZero);
    KdExecuteLine(ReadSectorZero);
}
