/*
 * ramdisk_helpers.h - what the RAM disk and disk filter tests share: sending
 * a request to \Device\RamDisk0's stack and waiting for it, the way a
 * file system would (IoBuildSynchronousFsdRequest, IoCallDriver, wait).
 */
#ifndef RAMDISK_HELPERS_H
#define RAMDISK_HELPERS_H

#include "ktest.h"
#include "threadtest.h"
#include "io/iop.h"
#include "../../drivers/ramdisk/ramdisk.h"
#include "../../drivers/filter/diskfilter.h"

/* The top of \Device\RamDisk0's stack (the filter); release *File with
 * ObDereferenceObject. NULL if there is no such device. */
static inline PDEVICE_OBJECT RdOpen(PFILE_OBJECT *File)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(RAMDISK_DEVICE_NAME);
    PDEVICE_OBJECT Top;

    if (!NT_SUCCESS(IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, File, &Top)))
        return NULL;
    return Top;
}

/* Sends Irp and waits (KT_PATIENCE at most) for the I/O manager to finish it. */
static inline NTSTATUS RdCallAndWait(PDEVICE_OBJECT Top, PIRP Irp, PKEVENT Event, PIO_STATUS_BLOCK Iosb)
{
    NTSTATUS Status = IoCallDriver(Top, Irp);
    if (Status == STATUS_PENDING) {
        LARGE_INTEGER Timeout = {.QuadPart = -KT_PATIENCE};
        if (KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, &Timeout) != STATUS_WAIT_0)
            return STATUS_TIMEOUT; /* the IRP is lost; the test fails */
        Status = Iosb->Status;
    }
    return Status;
}

/* READ, WRITE or FLUSH_BUFFERS, synchronously. *Information: bytes moved. */
static inline NTSTATUS RdTransfer(PDEVICE_OBJECT Top, ULONG Major, PVOID Buffer, ULONG Length, LONGLONG Offset,
                                  PULONG_PTR Information)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb = {0};
    LARGE_INTEGER Start = {.QuadPart = Offset};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(Major, Top, Buffer, Length, &Start, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = RdCallAndWait(Top, Irp, &Event, &Iosb);
    if (Information != NULL)
        *Information = Iosb.Information;
    return Status;
}

/* A METHOD_BUFFERED IOCTL with only an output buffer, synchronously. */
static inline NTSTATUS RdIoctl(PDEVICE_OBJECT Top, ULONG Code, PVOID Output, ULONG OutputLength,
                               PULONG_PTR Information)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb = {0};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildDeviceIoControlRequest(Code, Top, NULL, 0, Output, OutputLength, FALSE, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = RdCallAndWait(Top, Irp, &Event, &Iosb);
    if (Information != NULL)
        *Information = Iosb.Information;
    return Status;
}

#endif /* RAMDISK_HELPERS_H */
