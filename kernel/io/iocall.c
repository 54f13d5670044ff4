/*
 * iocall.c - IoCallDriver: handing an IRP to the driver of a device.
 *
 * The caller has written the parameters in the next stack location
 * (IoGetNextIrpStackLocation, or IoCopyCurrentIrpStackLocationToNext, or
 * IoSkipCurrentIrpStackLocation to give away its own). IoCallDriver moves
 * the IRP to that location, records the device there, and calls the
 * dispatch routine the device's driver registered for the location's
 * MajorFunction. What the routine returns is returned as it is:
 *
 *   - a status other than STATUS_PENDING: the IRP is complete already (the
 *     driver called IoCompleteRequest), with that status;
 *   - STATUS_PENDING: the driver has marked the IRP pending (IoMarkIrpPending)
 *     and will complete it later; the caller learns the result from its
 *     completion routine, never from this return value.
 *
 * The IRP may be complete, and even freed, by the time the routine returns:
 * after the call the caller must not touch it unless a completion routine of
 * its own gave it back.
 */
#include "iop.h"

/* The IRP never reaches a driver: complete it here, so that completion
 * routines above still run (every IRP is completed exactly once). */
static NTSTATUS FailRequest(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID MoveToNextLocation(PIRP Irp)
{
    IoSetNextIrpStackLocation(Irp);
    if (Irp->CurrentLocation <= 0)
        KiBugCheck(NO_MORE_IRP_STACK_LOCATIONS, (ULONG_PTR)Irp, 0, 0, 0, NULL,
                   "IoCallDriver: IRP %p has no stack location left for the next driver (StackCount %d); "
                   "allocate it with the target device's StackSize",
                   Irp, Irp->StackCount);
}

NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    IopCheckCallIrql();
    if (Irp->Type != IO_TYPE_IRP)
        IopVerifierBugCheck(IOP_VERIFIER_CALL_NOT_AN_IRP, (ULONG_PTR)Irp, 0, 0, "IoCallDriver was given a non-IRP");
    if (DeviceObject == NULL || DeviceObject->Type != IO_TYPE_DEVICE)
        IopVerifierBugCheck(IOP_VERIFIER_CALL_BAD_DEVICE, (ULONG_PTR)DeviceObject, 0, 0,
                            "IoCallDriver was given something that is not a device object");

    Irp->IopPrivate.Completed = FALSE; /* whoever sends it owned it */
    MoveToNextLocation(Irp);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    Stack->DeviceObject = DeviceObject;
    Stack->IopVerifierState = 0;

    if (IopIsDeletePending(DeviceObject))
        return FailRequest(Irp, STATUS_NO_SUCH_DEVICE);
    if (Stack->MajorFunction > IRP_MJ_MAXIMUM_FUNCTION)
        return FailRequest(Irp, STATUS_INVALID_DEVICE_REQUEST);

    KIRQL Irql = KeGetCurrentIrql();
    NTSTATUS Status = DeviceObject->DriverObject->MajorFunction[Stack->MajorFunction](DeviceObject, Irp);
    IopCheckIrqlUnchanged(DeviceObject, Irql);
    if (Status == STATUS_PENDING)
        IopNoteReturnedPending(Irp, Stack);
    return Status;
}
