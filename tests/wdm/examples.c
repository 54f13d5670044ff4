/*
 * examples.c - Microsoft's documented declaration-plus-definition forms,
 * compiled in every kernel build: if a change to wdm.h breaks the way the
 * WDM documentation writes a driver routine, the build fails here.
 *
 * Each routine is declared with its role type, then defined with the
 * parameter names and SAL annotations the documentation uses. Together they
 * make a small driver, \Driver\WdmExample, that the I/O manager starts at
 * boot (kernel/io/drivers.c): it creates \Device\WdmExample, answers
 * create/close/read, and passes nothing anywhere. The other routines are
 * wired where a real driver would wire them, and run when the kernel pieces
 * they depend on (DPCs, StartIo queues, cancellation) call them.
 */
#include <wdm.h>

typedef struct _EXAMPLE_EXTENSION {
    PKINTERRUPT Interrupt;
    KDPC CustomDpc;
    ULONG InterruptCount;
    ULONG Reads;
} EXAMPLE_EXTENSION, *PEXAMPLE_EXTENSION;

/* ---- DRIVER_INITIALIZE ------------------------------------------------- */

DRIVER_INITIALIZE DriverEntry;

/* ---- DRIVER_UNLOAD ----------------------------------------------------- */

DRIVER_UNLOAD ExampleUnload;

_Use_decl_annotations_
VOID ExampleUnload(_In_ struct _DRIVER_OBJECT *DriverObject)
{
    if (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
}

/* ---- DRIVER_DISPATCH --------------------------------------------------- */

DRIVER_DISPATCH ExampleCreateClose;

_Use_decl_annotations_
NTSTATUS ExampleCreateClose(_In_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH ExampleRead;

_Use_decl_annotations_
NTSTATUS ExampleRead(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp)
{
    PEXAMPLE_EXTENSION Extension = DeviceObject->DeviceExtension;

    Extension->Reads++;
    Irp->IoStatus.Status = STATUS_END_OF_FILE;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_END_OF_FILE;
}

/* ---- DRIVER_STARTIO ---------------------------------------------------- */

DRIVER_STARTIO ExampleStartIo;

_Use_decl_annotations_
VOID ExampleStartIo(_Inout_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_DISK_INCREMENT);
}

/* ---- DRIVER_CANCEL ----------------------------------------------------- */

DRIVER_CANCEL ExampleCancel;

_Use_decl_annotations_
VOID ExampleCancel(_Inout_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ _IRQL_uses_cancel_ struct _IRP *Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* ---- IO_COMPLETION_ROUTINE --------------------------------------------- */

IO_COMPLETION_ROUTINE ExampleCompletion;

_Use_decl_annotations_
NTSTATUS ExampleCompletion(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp, _In_reads_opt_(_Inexpressible_("varies")) PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    return STATUS_CONTINUE_COMPLETION;
}

/* ---- KDEFERRED_ROUTINE (a CustomDpc) ----------------------------------- */

KDEFERRED_ROUTINE ExampleCustomDpc;

_Use_decl_annotations_
VOID ExampleCustomDpc(_In_ struct _KDPC *Dpc, _In_opt_ PVOID DeferredContext, _In_opt_ PVOID SystemArgument1,
                      _In_opt_ PVOID SystemArgument2)
{
    PEXAMPLE_EXTENSION Extension = DeferredContext;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    Extension->InterruptCount = 0;
}

/* ---- IO_DPC_ROUTINE (a DpcForIsr) -------------------------------------- */

IO_DPC_ROUTINE ExampleDpcForIsr;

_Use_decl_annotations_
VOID ExampleDpcForIsr(_In_ PKDPC Dpc, _In_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp,
                      _In_opt_ PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_DISK_INCREMENT);
}

/* ---- KSERVICE_ROUTINE (an InterruptService routine) -------------------- */

KSERVICE_ROUTINE ExampleInterruptService;

_Use_decl_annotations_
BOOLEAN ExampleInterruptService(_In_ struct _KINTERRUPT *Interrupt, _In_opt_ PVOID ServiceContext)
{
    PEXAMPLE_EXTENSION Extension = ServiceContext;

    UNREFERENCED_PARAMETER(Interrupt);
    Extension->InterruptCount++;
    return FALSE; /* there is no device: never ours */
}

/* ---- KSYNCHRONIZE_ROUTINE (a SynchCritSection routine) ----------------- */

KSYNCHRONIZE_ROUTINE ExampleSynchronize;

_Use_decl_annotations_
BOOLEAN ExampleSynchronize(_In_opt_ PVOID SynchronizeContext)
{
    PEXAMPLE_EXTENSION Extension = SynchronizeContext;
    return Extension->InterruptCount != 0;
}

/* ---- DriverEntry ------------------------------------------------------- */

_Use_decl_annotations_
NTSTATUS DriverEntry(_In_ struct _DRIVER_OBJECT *DriverObject, _In_ PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName = RTL_CONSTANT_STRING(L"\\Device\\WdmExample");
    PDEVICE_OBJECT DeviceObject;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = ExampleUnload;
    DriverObject->DriverStartIo = ExampleStartIo;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ExampleCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ExampleCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = ExampleRead;

    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(EXAMPLE_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
