/*
 * line.c - the shell's input: bytes from \Device\Serial0, edited into lines.
 *
 * Each read is an IRP_MJ_READ built with IoBuildSynchronousFsdRequest and
 * sent with IoCallDriver, the way a driver reads from another. The serial
 * driver completes a read as soon as at least one byte has arrived, with all
 * the bytes that are there (drivers/serial/read.c), so a pasted line comes
 * in a few reads and a typed one in one read per key.
 *
 * The editing a terminal's user expects: each character is echoed (through
 * DbgPrint, like all the shell's output), Backspace or DEL erases the last
 * one, Ctrl-U the whole line, and CR, LF or CR LF ends it.
 */
#include "kdp.h"

#define KEY_BACKSPACE 0x08
#define KEY_DELETE 0x7F
#define KEY_CTRL_U 0x15

NTSTATUS KdOpenInput(KD_INPUT *Input)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Serial0");

    RtlZeroMemory(Input, sizeof(*Input));
    return IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &Input->File, &Input->Device);
}

/* One IRP_MJ_READ: waits for at least one byte. */
static NTSTATUS ReadSome(KD_INPUT *Input)
{
    IO_STATUS_BLOCK Iosb;
    KEVENT Event;

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Input->Device, Input->Bytes, sizeof(Input->Bytes), NULL,
                                            &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = IoCallDriver(Input->Device, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb.Status;
    }
    Input->Count = NT_SUCCESS(Status) ? (ULONG)Iosb.Information : 0;
    Input->Next = 0;
    return Status;
}

static BOOLEAN NextByte(KD_INPUT *Input, PCHAR C)
{
    while (Input->Next == Input->Count) {
        if (!NT_SUCCESS(ReadSome(Input)))
            return FALSE;
    }
    *C = Input->Bytes[Input->Next++];
    return TRUE;
}

static VOID EraseLast(ULONG *Length)
{
    if (*Length > 0) {
        (*Length)--;
        DbgPrint("\b \b");
    }
}

BOOLEAN KdReadLine(KD_INPUT *Input, PCHAR Line, ULONG Size)
{
    ULONG Length = 0;
    CHAR C;

    while (NextByte(Input, &C)) {
        BOOLEAN SkipLf = Input->AfterCr && C == '\n';
        Input->AfterCr = C == '\r';
        if (SkipLf)
            continue;
        if (C == '\r' || C == '\n') {
            DbgPrint("\n");
            Line[Length] = 0;
            return TRUE;
        }
        if (C == KEY_BACKSPACE || C == KEY_DELETE)
            EraseLast(&Length);
        else if (C == KEY_CTRL_U)
            while (Length > 0)
                EraseLast(&Length);
        else if (C >= 0x20 && C < 0x7F && Length + 1 < Size) {
            Line[Length++] = C;
            DbgPrint("%c", C);
        }
    }
    return FALSE;
}
