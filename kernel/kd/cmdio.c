/*
 * cmdio.c - the shell's look at the I/O manager: devices, irps, and read,
 * which sends a real IRP_MJ_READ to a device and dumps what comes back.
 */
#include "kdp.h"

#define KD_SECTOR_SIZE 512
#define KD_READ_MAX_SECTORS 8
#define KD_READ_TAG POOL_TAG('K', 'd', 'R', 'd')

/* Names are ASCII here: print each UTF-16 unit as a byte. */
static VOID PrintUnicode(PCUNICODE_STRING Name)
{
    for (USHORT i = 0; i < Name->Length / sizeof(WCHAR); i++)
        DbgPrint("%c", (char)Name->Buffer[i]);
}

static VOID PrintNamedObject(PCUNICODE_STRING Name, PVOID Object, PVOID Context)
{
    CSHORT Type = *(CSHORT *)Object; /* every I/O object begins with its type */

    UNREFERENCED_PARAMETER(Context);
    DbgPrint("  ");
    PrintUnicode(Name);
    if (Type == IO_TYPE_DEVICE) {
        PDEVICE_OBJECT Device = Object;
        DbgPrint("  device, driver ");
        PrintUnicode(&Device->DriverObject->DriverName);
        DbgPrint(", stack size %d%s\n", Device->StackSize, Device->AttachedDevice != NULL ? ", filtered" : "");
    } else {
        DbgPrint("  %s\n", Type == IO_TYPE_DRIVER ? "driver" : "object");
    }
}

_Use_decl_annotations_
BOOLEAN KdCmdDevices(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    IopForEachName(PrintNamedObject, NULL);
    return TRUE;
}

static VOID PrintIrp(PIRP Irp)
{
    DbgPrint("  irp %p: ", Irp);
    if (Irp->CurrentLocation > Irp->StackCount) {
        DbgPrint("not sent yet (or back with its creator)\n");
        return;
    }
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    DbgPrint("major 0x%02x at device %p, location %d of %d%s%s\n", Stack->MajorFunction, Stack->DeviceObject,
             Irp->CurrentLocation, Irp->StackCount, Irp->PendingReturned ? ", pending" : "",
             Irp->Cancel ? ", cancelled" : "");
}

_Use_decl_annotations_
BOOLEAN KdCmdIrps(ULONG Argc, PCSTR *Argv)
{
    ULONG Count = 0;

    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    KIRQL OldIrql = IopLockIrpList();
    for (PLIST_ENTRY Link = IopIrpList.Flink; Link != &IopIrpList; Link = Link->Flink, Count++)
        PrintIrp(CONTAINING_RECORD(Link, IRP, IopPrivate.InFlightLinks));
    IopUnlockIrpList(OldIrql);
    DbgPrint("irps: %u in flight\n", Count);
    return TRUE;
}

/* Sixteen bytes a line: offset, hex, ASCII. As hexdump does, a run of lines
 * equal to the one before prints as one `*`. */
static BOOLEAN SameAsPreviousLine(const UCHAR *Bytes, ULONG Length, ULONG Line)
{
    return Line >= 16 && Line + 16 <= Length && RtlEqualMemory(Bytes + Line, Bytes + Line - 16, 16);
}

static VOID HexDump(const UCHAR *Bytes, ULONG Length, ULONG64 Offset)
{
    BOOLEAN Starred = FALSE;

    for (ULONG Line = 0; Line < Length; Line += 16) {
        if (SameAsPreviousLine(Bytes, Length, Line)) {
            if (!Starred)
                DbgPrint("*\n");
            Starred = TRUE;
            continue;
        }
        Starred = FALSE;
        DbgPrint("%08llx ", Offset + Line);
        for (ULONG i = Line; i < Line + 16; i++)
            i < Length ? DbgPrint(" %02x", Bytes[i]) : DbgPrint("   ");
        DbgPrint("  ");
        for (ULONG i = Line; i < Line + 16 && i < Length; i++)
            DbgPrint("%c", Bytes[i] >= 0x20 && Bytes[i] < 0x7F ? Bytes[i] : '.');
        DbgPrint("\n");
    }
    DbgPrint("%08llx\n", Offset + Length);
}

/* Sends Irp (built with Event and Iosb) and waits for it: what every command
 * that talks to a device does. */
NTSTATUS KdCallAndWait(PDEVICE_OBJECT Device, PIRP Irp, PKEVENT Event, PIO_STATUS_BLOCK Iosb)
{
    NTSTATUS Status = IoCallDriver(Device, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb->Status;
    }
    return Status;
}

/* The top of the named device's stack; release *File with ObDereferenceObject. */
NTSTATUS KdOpenDevice(PCSTR DeviceName, PFILE_OBJECT *File, PDEVICE_OBJECT *Device)
{
    WCHAR WideName[64];
    UNICODE_STRING Name;
    ULONG i;

    for (i = 0; DeviceName[i] != 0 && i + 1 < ARRAYSIZE(WideName); i++)
        WideName[i] = (WCHAR)DeviceName[i];
    WideName[i] = 0;
    RtlInitUnicodeString(&Name, WideName);
    return IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, File, Device);
}

/* One IRP_MJ_READ of Length bytes at Offset, waited for. */
static NTSTATUS ReadDevice(PDEVICE_OBJECT Device, PVOID Buffer, ULONG Length, ULONG64 Offset, ULONG_PTR *Read)
{
    LARGE_INTEGER StartingOffset;
    IO_STATUS_BLOCK Iosb;
    KEVENT Event;

    StartingOffset.QuadPart = (LONGLONG)Offset;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, Length, &StartingOffset, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = KdCallAndWait(Device, Irp, &Event, &Iosb);
    *Read = NT_SUCCESS(Status) ? Iosb.Information : 0;
    return Status;
}

static NTSTATUS ReadAndDump(PCSTR DeviceName, ULONG64 Lba, ULONG Count)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Device;
    ULONG_PTR Read;

    NTSTATUS Status = KdOpenDevice(DeviceName, &File, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PUCHAR Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, Count * KD_SECTOR_SIZE, KD_READ_TAG);
    Status = Buffer == NULL ? STATUS_INSUFFICIENT_RESOURCES
                            : ReadDevice(Device, Buffer, Count * KD_SECTOR_SIZE, Lba * KD_SECTOR_SIZE, &Read);
    if (NT_SUCCESS(Status))
        HexDump(Buffer, (ULONG)Read, Lba * KD_SECTOR_SIZE);
    if (Buffer != NULL)
        ExFreePoolWithTag(Buffer, KD_READ_TAG);
    ObDereferenceObject(File);
    return Status;
}

_Use_decl_annotations_
BOOLEAN KdCmdRead(ULONG Argc, PCSTR *Argv)
{
    ULONG64 Lba, Count;

    if (Argc != 4 || !RtlParseNumber(Argv[2], &Lba) || !RtlParseNumber(Argv[3], &Count) || Count == 0 ||
        Count > KD_READ_MAX_SECTORS || Lba > (~0ULL >> 10))
        return FALSE;
    NTSTATUS Status = ReadAndDump(Argv[1], Lba, (ULONG)Count);
    if (!NT_SUCCESS(Status))
        DbgPrint("read: status 0x%08x\n", (ULONG)Status);
    return TRUE;
}
