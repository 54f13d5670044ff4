/*
 * test_serial.c - the serial driver (drivers/serial): its ring buffer, a
 * write that goes out through the output ring and the THRE interrupt, and a
 * pending read that is cancelled. tools/serialtest.py drives the same driver
 * from the host: input, echo and the kernel shell.
 */
#include "ktest.h"
#include "io/iop.h"
#include "../../drivers/serial/ring.h"

static SERIAL_RING KtRing;

KTEST(serial, ring_starts_empty)
{
    RtlZeroMemory(&KtRing, sizeof(KtRing));
    KT_EXPECT_EQ(SerialRingCount(&KtRing), 0);
    KT_EXPECT_EQ(SerialRingFree(&KtRing), SERIAL_RING_SIZE);
}

KTEST(serial, ring_keeps_order)
{
    UCHAR Out[4];

    RtlZeroMemory(&KtRing, sizeof(KtRing));
    KT_EXPECT_EQ(SerialRingPut(&KtRing, (const UCHAR *)"abc", 3), 3);
    KT_EXPECT_EQ(SerialRingGet(&KtRing, Out, 2), 2);
    KT_EXPECT_EQ(Out[0], 'a');
    KT_EXPECT_EQ(Out[1], 'b');
    KT_EXPECT_EQ(SerialRingGet(&KtRing, Out, 4), 1); /* only what is there */
    KT_EXPECT_EQ(Out[0], 'c');
    KT_EXPECT_EQ(SerialRingGet(&KtRing, Out, 4), 0);
}

KTEST(serial, ring_full_takes_no_more)
{
    static UCHAR Bytes[SERIAL_RING_SIZE + 8];

    RtlZeroMemory(&KtRing, sizeof(KtRing));
    KT_EXPECT_EQ(SerialRingPut(&KtRing, Bytes, sizeof(Bytes)), SERIAL_RING_SIZE);
    KT_EXPECT_EQ(SerialRingFree(&KtRing), 0);
    KT_EXPECT_EQ(SerialRingPut(&KtRing, Bytes, 1), 0);
}

/* Head and Tail are free-running: the count stays right across the wrap of
 * the slot index and of the 32-bit counters themselves. */
KTEST(serial, ring_wraps)
{
    UCHAR Out[3];

    RtlZeroMemory(&KtRing, sizeof(KtRing));
    KtRing.Head = KtRing.Tail = 0xFFFFFFFE;
    KT_EXPECT_EQ(SerialRingPut(&KtRing, (const UCHAR *)"xyz", 3), 3);
    KT_EXPECT_EQ(SerialRingCount(&KtRing), 3);
    KT_EXPECT_EQ(SerialRingGet(&KtRing, Out, 3), 3);
    KT_EXPECT_EQ(Out[0], 'x');
    KT_EXPECT_EQ(Out[2], 'z');
    KT_EXPECT_EQ(KtRing.Head, 1);
}

static PDEVICE_OBJECT OpenSerial(PFILE_OBJECT *File)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Serial0");
    PDEVICE_OBJECT Device;

    return NT_SUCCESS(IoGetDeviceObjectPointer(&Name, FILE_WRITE_DATA, File, &Device)) ? Device : NULL;
}

/* Sends the IRP; waits for it if it pends. */
static NTSTATUS CallAndWait(PDEVICE_OBJECT Device, PIRP Irp, PKEVENT Event, PIO_STATUS_BLOCK Iosb)
{
    NTSTATUS Status = IoCallDriver(Device, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb->Status;
    }
    return Status;
}

/* The bytes land in this very log, as a KTAP diagnostic line. */
KTEST(serial, write_completes_when_sent)
{
    static char Text[] = "        # serial: this line went out through IRP_MJ_WRITE\r\n";
    IO_STATUS_BLOCK Iosb;
    PFILE_OBJECT File;
    KEVENT Event;

    PDEVICE_OBJECT Device = OpenSerial(&File);
    KT_ASSERT_NE(Device, NULL);
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_WRITE, Device, Text, sizeof(Text) - 1, NULL, &Event, &Iosb);
    KT_ASSERT_NE(Irp, NULL);
    KT_EXPECT_EQ(CallAndWait(Device, Irp, &Event, &Iosb), STATUS_SUCCESS);
    KT_EXPECT_EQ(Iosb.Information, sizeof(Text) - 1);
    ObDereferenceObject(File);
}

/* No one types in a test boot: the read waits, until it is cancelled. */
KTEST(serial, pending_read_can_be_cancelled)
{
    IO_STATUS_BLOCK Iosb;
    PFILE_OBJECT File;
    KEVENT Event;
    UCHAR Byte;

    PDEVICE_OBJECT Device = OpenSerial(&File);
    KT_ASSERT_NE(Device, NULL);
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, &Byte, 1, NULL, &Event, &Iosb);
    KT_ASSERT_NE(Irp, NULL);
    NTSTATUS Status = IoCallDriver(Device, Irp);
    if (Status != STATUS_PENDING) {
        ObDereferenceObject(File);
        KT_SKIP("a byte was waiting: someone is typing");
    }
    KT_EXPECT(IoCancelIrp(Irp));
    KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
    KT_EXPECT_EQ(Iosb.Status, STATUS_CANCELLED);
    KT_EXPECT_EQ(Iosb.Information, 0);
    ObDereferenceObject(File);
}
