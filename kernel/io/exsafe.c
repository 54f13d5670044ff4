/*
 * exsafe.c - IoSetCompletionRoutineEx: a completion routine that keeps its
 * driver loaded until it has returned.
 *
 * With IoSetCompletionRoutine, the last instruction of a driver's completion
 * routine can still be running when another processor, seeing the IRP
 * completed, lets the driver unload: the code under it disappears. The Ex
 * form interposes a routine of the I/O manager's own, which holds a reference
 * on the driver's device object across the call and drops it only after the
 * driver's routine has returned into I/O manager code.
 */
#include "iop.h"

typedef struct _IOP_COMPLETION_CONTEXT {
    PDEVICE_OBJECT DeviceObject; /* referenced while the routine may run */
    PIO_COMPLETION_ROUTINE CompletionRoutine;
    PVOID Context;
} IOP_COMPLETION_CONTEXT;

static IO_COMPLETION_ROUTINE IopUnloadSafeCompletion;

static NTSTATUS IopUnloadSafeCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    IOP_COMPLETION_CONTEXT *Safe = Context;
    PDEVICE_OBJECT Referenced = Safe->DeviceObject;

    NTSTATUS Status = Safe->CompletionRoutine(DeviceObject, Irp, Safe->Context);
    ExFreePoolWithTag(Safe, IOP_COMPLETION_CONTEXT_TAG);
    IopDereferenceDevice(Referenced);
    return Status;
}

NTSTATUS IoSetCompletionRoutineEx(PDEVICE_OBJECT DeviceObject, PIRP Irp, PIO_COMPLETION_ROUTINE CompletionRoutine,
                                  PVOID Context, BOOLEAN InvokeOnSuccess, BOOLEAN InvokeOnError,
                                  BOOLEAN InvokeOnCancel)
{
    IOP_COMPLETION_CONTEXT *Safe =
        ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*Safe), IOP_COMPLETION_CONTEXT_TAG);
    if (Safe == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IopReferenceDevice(DeviceObject);
    Safe->DeviceObject = DeviceObject;
    Safe->CompletionRoutine = CompletionRoutine;
    Safe->Context = Context;
    IoSetCompletionRoutine(Irp, IopUnloadSafeCompletion, Safe, InvokeOnSuccess, InvokeOnError, InvokeOnCancel);
    return STATUS_SUCCESS;
}
