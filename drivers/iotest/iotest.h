/*
 * iotest.h - what the I/O test drivers and their tests agree on: device
 * names, the I/O control codes, and the trace an IOCTL's output carries.
 *
 * The stack they build (docs/io.md draws it):
 *
 *     \Device\IoTestDisk -> upper filter 'U' -> lower filter 'L' -> RAM disk 'D'
 *
 * Each IOTEST IOCTL's output buffer is an IOTEST_TRACE. The disk writes 'D'
 * when it finishes the request, and each filter's completion routine appends
 * its letter on the way back up, with Irp->PendingReturned as it saw it:
 * the trace shows the order completion routines ran in.
 */
#ifndef IOTEST_H
#define IOTEST_H

#include <wdm.h>

#define IOTEST_DISK_NAME L"\\Device\\IoTestDisk"                 /* direct I/O; the filters sit on it */
#define IOTEST_BUFFERED_DISK_NAME L"\\Device\\IoTestBufferedDisk" /* buffered I/O, no filters */
#define IOTEST_DISK_SIZE 8192

#define IOTEST_IOCTL(Function) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (Function), METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_IOTEST_COMPLETE IOTEST_IOCTL(0)        /* the disk completes at once, STATUS_SUCCESS */
#define IOCTL_IOTEST_FAIL IOTEST_IOCTL(1)            /* ... with STATUS_DEVICE_NOT_READY */
#define IOCTL_IOTEST_PEND IOTEST_IOCTL(2)            /* the disk marks it pending and keeps it */
#define IOCTL_IOTEST_COMPLETE_PENDED IOTEST_IOCTL(3) /* the disk completes the one it kept, then this one */
#define IOCTL_IOTEST_HOLD IOTEST_IOCTL(4)            /* the lower filter takes it back on completion ... */
#define IOCTL_IOTEST_RELEASE IOTEST_IOCTL(5)         /* ... and completes it again when this one comes */
/* Broken on purpose, for the bug-check tests: */
#define IOCTL_IOTEST_PEND_UNMARKED IOTEST_IOCTL(6)      /* STATUS_PENDING without IoMarkIrpPending */
#define IOCTL_IOTEST_COMPLETE_TWICE IOTEST_IOCTL(7)     /* IoCompleteRequest twice */
#define IOCTL_IOTEST_COMPLETE_AT_DIRQL IOTEST_IOCTL(8)  /* IoCompleteRequest at a device IRQL */
#define IOTEST_IOCTL_COUNT 9

#define IOTEST_TRACE_MAX 8

typedef struct _IOTEST_TRACE {
    CHAR Order[IOTEST_TRACE_MAX + 1]; /* "DLU": who saw the completion, in order */
    ULONG Count;
    BOOLEAN PendingReturned[IOTEST_TRACE_MAX]; /* Irp->PendingReturned as each saw it */
} IOTEST_TRACE, *PIOTEST_TRACE;

/* The IRP's trace, from the current location's parameters: NULL when the
 * request is not an IOTEST IOCTL with room for one. */
static inline PIOTEST_TRACE IoTestTraceOf(PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Function = IoGetFunctionCodeFromCtlCode(Stack->Parameters.DeviceIoControl.IoControlCode);

    if (Stack->MajorFunction != IRP_MJ_DEVICE_CONTROL || Function < 0x800 || Function >= 0x800 + IOTEST_IOCTL_COUNT)
        return NULL;
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(IOTEST_TRACE))
        return NULL;
    return Irp->AssociatedIrp.SystemBuffer;
}

static inline VOID IoTestTraceAppend(PIRP Irp, CHAR Who)
{
    PIOTEST_TRACE Trace = IoTestTraceOf(Irp);

    if (Trace == NULL || Trace->Count >= IOTEST_TRACE_MAX)
        return;
    Trace->PendingReturned[Trace->Count] = Irp->PendingReturned;
    Trace->Order[Trace->Count++] = Who;
    Irp->IoStatus.Information = sizeof(IOTEST_TRACE);
}

#endif /* IOTEST_H */
