/*
 * csq_helpers.h - a test driver built on a cancel-safe queue, shared by
 * test_csq.c and test_cancel.c.
 *
 * Its dispatch routine queues every READ and WRITE with IoCsqInsertIrp (the
 * IO_CSQ_IRP_CONTEXT, if any, travels in Parameters.Others.Argument1); the
 * tests take IRPs out with IoCsqRemoveNextIrp / IoCsqRemoveIrp and complete
 * them, or cancel them with IoCancelIrp. The queue is a list under a spin
 * lock, the six callbacks a real driver would write.
 */
#ifndef CSQ_HELPERS_H
#define CSQ_HELPERS_H

#include "ktest.h"
#include "threadtest.h"
#include "io/iop.h"

typedef struct _CSQ_DEVICE {
    IO_CSQ Csq; /* first: the callbacks get the IO_CSQ and find the rest */
    LIST_ENTRY Queue;
    KSPIN_LOCK Lock;
    LONG Cancelled; /* IRPs handed to CsqCompleteCanceledIrp */
} CSQ_DEVICE, *PCSQ_DEVICE;

static inline VOID CsqTestInsert(PIO_CSQ Csq, PIRP Irp)
{
    InsertTailList(&((PCSQ_DEVICE)Csq)->Queue, &Irp->Tail.Overlay.ListEntry);
}

static inline VOID CsqTestRemove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

/* PeekContext, when given, points to the MajorFunction wanted. */
static inline PIRP CsqTestPeekNext(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    PLIST_ENTRY Head = &((PCSQ_DEVICE)Csq)->Queue;
    PLIST_ENTRY Link = Irp != NULL ? Irp->Tail.Overlay.ListEntry.Flink : Head->Flink;

    for (; Link != Head; Link = Link->Flink) {
        PIRP Next = CONTAINING_RECORD(Link, IRP, Tail.Overlay.ListEntry);
        if (PeekContext == NULL || IoGetCurrentIrpStackLocation(Next)->MajorFunction == *(PUCHAR)PeekContext)
            return Next;
    }
    return NULL;
}

static inline VOID CsqTestAcquireLock(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&((PCSQ_DEVICE)Csq)->Lock, Irql);
}

static inline VOID CsqTestReleaseLock(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&((PCSQ_DEVICE)Csq)->Lock, Irql);
}

static inline VOID CsqTestCompleteCanceled(PIO_CSQ Csq, PIRP Irp)
{
    __atomic_add_fetch(&((PCSQ_DEVICE)Csq)->Cancelled, 1, __ATOMIC_SEQ_CST);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static inline NTSTATUS CsqTestDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCSQ_DEVICE Device = DeviceObject->DeviceExtension;
    PIO_CSQ_IRP_CONTEXT Context = IoGetCurrentIrpStackLocation(Irp)->Parameters.Others.Argument1;

    IoCsqInsertIrp(&Device->Csq, Irp, Context); /* marks it pending */
    return STATUS_PENDING;
}

static inline NTSTATUS CsqTestDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PDEVICE_OBJECT DeviceObject;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_READ] = CsqTestDispatch;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = CsqTestDispatch;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(CSQ_DEVICE), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    PCSQ_DEVICE Device = DeviceObject->DeviceExtension;
    InitializeListHead(&Device->Queue);
    KeInitializeSpinLock(&Device->Lock);
    return IoCsqInitialize(&Device->Csq, CsqTestInsert, CsqTestRemove, CsqTestPeekNext, CsqTestAcquireLock,
                           CsqTestReleaseLock, CsqTestCompleteCanceled);
}

static inline PDEVICE_OBJECT CsqTestLoad(PDRIVER_OBJECT *Driver)
{
    if (!NT_SUCCESS(IopLoadDriver(L"\\Driver\\CsqTest", CsqTestDriverEntry, Driver)))
        return NULL;
    return (*Driver)->DeviceObject;
}

static inline VOID CsqTestUnload(PDRIVER_OBJECT Driver)
{
    IoDeleteDevice(Driver->DeviceObject);
    IopUnloadDriver(Driver);
}

/* One request as its creator sees it: how often, and how, it completed. */
typedef struct _CSQ_REQUEST {
    volatile LONG Completions;
    NTSTATUS Status;
} CSQ_REQUEST;

static inline NTSTATUS CsqTestRecord(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    CSQ_REQUEST *Request = Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    Request->Status = Irp->IoStatus.Status;
    __atomic_add_fetch(&Request->Completions, 1, __ATOMIC_SEQ_CST);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the sender frees the IRP */
}

/* Sends a Major request (queued by the driver); NULL when out of memory. */
static inline PIRP CsqTestSend(PDEVICE_OBJECT Device, UCHAR Major, PIO_CSQ_IRP_CONTEXT Context, CSQ_REQUEST *Request)
{
    PIRP Irp = IoAllocateIrp(Device->StackSize, FALSE);
    if (Irp == NULL)
        return NULL;
    RtlZeroMemory(Request, sizeof(*Request));
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = Major;
    Next->Parameters.Others.Argument1 = Context;
    IoSetCompletionRoutine(Irp, CsqTestRecord, Request, TRUE, TRUE, TRUE);
    (VOID)IoCallDriver(Device, Irp);
    return Irp;
}

/* What the device does when it finishes a request. */
static inline VOID CsqTestComplete(PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

#endif /* CSQ_HELPERS_H */
