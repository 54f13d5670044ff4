/*
 * iotest_helpers.h - what the I/O manager's tests share: sending IOTEST
 * IOCTLs down the three-driver stack (drivers/iotest) as the IRP's creator,
 * and recording what the creator's completion routine saw.
 */
#ifndef IOTEST_HELPERS_H
#define IOTEST_HELPERS_H

#include "ktest.h"
#include "io/iop.h"
#include "../../drivers/iotest/iotest.h"

/* What the creator's completion routine saw. */
typedef struct _IOTEST_SENT {
    BOOLEAN Called;
    BOOLEAN PendingReturned;
    NTSTATUS Status;
    ULONG_PTR Information;
    PDEVICE_OBJECT DeviceObject; /* NULL: the creator has no location */
} IOTEST_SENT;

/* The creator's routine: record, and keep the IRP (the test frees it). */
static inline NTSTATUS IoTestRecordCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    IOTEST_SENT *Sent = Context;

    Sent->Called = TRUE;
    Sent->PendingReturned = Irp->PendingReturned;
    Sent->Status = Irp->IoStatus.Status;
    Sent->Information = Irp->IoStatus.Information;
    Sent->DeviceObject = DeviceObject;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* The top of \Device\IoTestDisk's stack; release *File with ObDereferenceObject. */
static inline PDEVICE_OBJECT IoTestOpenDisk(PCWSTR Name, PFILE_OBJECT *File)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT Top;

    RtlInitUnicodeString(&DeviceName, Name);
    if (!NT_SUCCESS(IoGetDeviceObjectPointer(&DeviceName, FILE_READ_DATA, File, &Top)))
        return NULL;
    return Top;
}

/* An IOTEST IOCTL for Top, built by hand: the output (the trace) is Trace,
 * given as the system buffer, and the creator's routine records into Sent. */
static inline PIRP IoTestBuildIoctl(PDEVICE_OBJECT Top, ULONG Code, IOTEST_TRACE *Trace, IOTEST_SENT *Sent,
                                    CCHAR StackSize)
{
    PIRP Irp = IoAllocateIrp(StackSize, FALSE);
    if (Irp == NULL)
        return NULL;
    RtlZeroMemory(Trace, sizeof(*Trace));
    RtlZeroMemory(Sent, sizeof(*Sent));
    Irp->AssociatedIrp.SystemBuffer = Trace;
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    Next->Parameters.DeviceIoControl.IoControlCode = Code;
    Next->Parameters.DeviceIoControl.OutputBufferLength = sizeof(IOTEST_TRACE);
    IoSetCompletionRoutine(Irp, IoTestRecordCompletion, Sent, TRUE, TRUE, TRUE);
    return Irp;
}

#endif /* IOTEST_HELPERS_H */
