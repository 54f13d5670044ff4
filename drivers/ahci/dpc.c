/*
 * dpc.c - AhciCustomDpc: the port's CustomDpc, where requests finish.
 *
 * The ISR queued it with KeInsertQueueDpc; it runs at DISPATCH_LEVEL, soon,
 * on the processor that took the interrupt. One run may stand for several
 * interrupts (an insert while the DPC was already queued returned FALSE),
 * so it takes *every* slot recorded since the last run, not one:
 *
 *   1. under the interrupt spin lock (KeSynchronizeExecution), take the
 *      finished slots and the port status the ISR recorded, and clear them;
 *   2. for each finished slot: if the request was split and has more to
 *      move, put it at the head of the retry list, to continue with its next
 *      piece; else set IoStatus (STATUS_SUCCESS, Information = bytes) and
 *      set it aside for completion;
 *   3. if the port reported an error (PxIS.TFES and friends): recover it
 *      (recover.c): stop, COMRESET, restart, retry what was cut short;
 *   4. start the next requests from the retry list and the queue into the
 *      free slots;
 *   5. outside every lock, IoCompleteRequest each IRP set aside, with
 *      IO_DISK_INCREMENT. (Its completion routines may send new requests to
 *      this disk, whose dispatch routine takes Port->Lock.)
 */
#include "ahci.h"

/* What the ISR recorded, taken at the interrupt's IRQL under its lock. */
typedef struct _AHCI_TAKEN {
    PAHCI_PORT Port;
    ULONG Completed;
    ULONG InterruptStatus;
} AHCI_TAKEN;

static KSYNCHRONIZE_ROUTINE TakeCompletions;

_Use_decl_annotations_
static BOOLEAN TakeCompletions(PVOID Context)
{
    AHCI_TAKEN *Taken = Context;

    Taken->Completed = Taken->Port->Completed;
    Taken->InterruptStatus = Taken->Port->InterruptStatus;
    Taken->Port->Completed = 0;
    Taken->Port->InterruptStatus = 0;
    return TRUE;
}

/* Sets the final status of Irp, which this driver owns, and adds it to Done. */
VOID AhciFinishIrp(PAHCI_PORT Port, PIRP Irp, NTSTATUS Status, PLIST_ENTRY Done)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = NT_SUCCESS(Status) ? AHCI_IRP_DONE(Irp) : 0;
    Port->Stats.Completed++;
    if (!NT_SUCCESS(Status))
        Port->Stats.Failed++;
    InsertTailList(Done, &Irp->Tail.Overlay.ListEntry);
}

/* A read or write with bytes still to move (a flush has none: its stack
 * location has no length). */
static BOOLEAN HasMoreToMove(PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);

    return Stack->MajorFunction != IRP_MJ_FLUSH_BUFFERS && AHCI_IRP_DONE(Irp) < Stack->Parameters.Read.Length;
}

/* Slot finished without error. Under Port->Lock. */
VOID AhciFinishSlot(PAHCI_PORT Port, ULONG Slot, PLIST_ENTRY Done)
{
    PAHCI_SLOT Entry = &Port->Slots[Slot];
    PIRP Irp = Entry->Irp;

    if (Irp == NULL)
        return;
    Entry->Irp = NULL;
    Port->BusySlots &= ~(1u << Slot);
    if (Port->BusySlots == 0)
        Port->Barrier = FALSE;
    AHCI_IRP_DONE(Irp) += Entry->PieceBytes;
    if (HasMoreToMove(Irp)) {
        /* The next piece of a split request: first in line. */
        Port->Stats.SplitPieces++;
        InsertHeadList(&Port->RetryList, &Irp->Tail.Overlay.ListEntry);
        return;
    }
    AhciFinishIrp(Port, Irp, STATUS_SUCCESS, Done);
}

VOID AhciCompleteList(PLIST_ENTRY Done)
{
    while (!IsListEmpty(Done)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(Done), IRP, Tail.Overlay.ListEntry);
        IoCompleteRequest(Irp, NT_SUCCESS(Irp->IoStatus.Status) ? IO_DISK_INCREMENT : IO_NO_INCREMENT);
    }
}

/* After an error, which command was at fault? With one command in flight,
 * that one. With several queued ones, the disk does not say (READ LOG EXT
 * would; QEMU aborts it), so none is blamed: each becomes a suspect and runs
 * again alone, and if one of them is the bad one, the next error names it. */
static VOID HandleError(PAHCI_PORT Port, PLIST_ENTRY Done)
{
    ULONG InFlight = Port->BusySlots;

    Port->Stats.Errors++;
    if (AhciCountSlots(InFlight) == 1)
        AhciRecoverPort(Port, InFlight, FALSE, Done, STATUS_IO_DEVICE_ERROR);
    else
        AhciRecoverPort(Port, 0, TRUE, Done, STATUS_IO_DEVICE_ERROR);
}

_Use_decl_annotations_
VOID AhciCustomDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PAHCI_PORT Port = DeferredContext;
    AHCI_TAKEN Taken = {.Port = Port};
    LIST_ENTRY Done;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    InitializeListHead(&Done);
    KeAcquireSpinLockAtDpcLevel(&Port->Lock);
    Port->Stats.DpcRuns++;
    KeSynchronizeExecution(Port->Controller->Interrupt, TakeCompletions, &Taken);
    for (ULONG Bits = Taken.Completed; Bits != 0; Bits &= Bits - 1)
        AhciFinishSlot(Port, (ULONG)__builtin_ctz(Bits), &Done);
    if (Taken.InterruptStatus & AHCI_PXIS_ERRORS)
        HandleError(Port, &Done);
    AhciStartRequestsLocked(Port);
    KeReleaseSpinLockFromDpcLevel(&Port->Lock);
    AhciCompleteList(&Done);
}
