/*
 * recover.c - getting a port going again after an error or a timeout.
 *
 * When the disk reports an error (PxIS.TFES: the ATA status had ERR set) the
 * port stops processing commands: the failed non-queued command keeps its
 * PxCI bit, a failed queued command keeps its PxSACT bit. The way back is
 * the one QEMU 7.2's HBA survives (../shared/notes, measured): clear PxCMD.ST,
 * COMRESET, wait for the device, set ST again. Never write PxCI while a
 * failed command's bit is still there: the HBA would run it again (start.c
 * holds new commands back until this has run).
 *
 * What was in flight is sorted:
 *   - finished before the error (its bits had cleared): a success, kept,
 *     unless it is blamed (the timer blames a command whose completion never
 *     reached the driver: its bit may have cleared, but it is not trusted);
 *   - blamed (the one command in flight when the error came, or one the timer
 *     found hung): one attempt more, at most AHCI_MAX_RETRIES times; then it
 *     completes with FailStatus (STATUS_IO_DEVICE_ERROR or STATUS_IO_TIMEOUT);
 *   - innocent (cut short by the reset, or held back): issued again, first in
 *     line, without counting against its retries (but at most
 *     AHCI_MAX_REQUEUES times, so that nothing can go round for ever).
 * With Isolate (an error with several commands in flight), the innocent ones
 * become suspects: each runs alone, not queued, until it has finished, so
 * that if one of them is the bad one the next error names it.
 *
 * If the port does not come back, everything in flight and everything
 * waiting fails with STATUS_IO_DEVICE_ERROR, and so does every later request
 * (Port->Dead).
 *
 * Called at DISPATCH_LEVEL holding Port->Lock. Busy-waits (the reset takes
 * about a millisecond on QEMU, up to a second on a real disk; port.c keeps
 * the waits under the DPC watchdog's limit): recovery is rare, and no
 * request can proceed on this port meanwhile anyway.
 */
#include "ahci.h"

typedef struct _AHCI_SNAPSHOT {
    PAHCI_PORT Port;
    ULONG Finished;
} AHCI_SNAPSHOT;

static KSYNCHRONIZE_ROUTINE TakeEverything;
static KSYNCHRONIZE_ROUTINE ForgetInterrupts;

/* At the interrupt's IRQL: what finished (recorded by the ISR or visible in
 * PxCI/PxSACT), and from now on the ISR follows none of this port's slots. */
_Use_decl_annotations_
static BOOLEAN TakeEverything(PVOID Context)
{
    AHCI_SNAPSHOT *Snapshot = Context;
    PAHCI_PORT Port = Snapshot->Port;
    ULONG Active = READ_REGISTER_ULONG(&Port->Registers->CI) | READ_REGISTER_ULONG(&Port->Registers->SACT);

    Snapshot->Finished = Port->Completed | (Port->Issued & ~Active);
    Port->Completed = 0;
    Port->Issued = 0;
    Port->IssuedQueued = 0;
    Port->Deferred = 0;
    Port->InterruptStatus = 0;
    return TRUE;
}

/* What the ISR noted while the port was being reset (a status the reset
 * itself caused) is not an error of any command: forget it. */
_Use_decl_annotations_
static BOOLEAN ForgetInterrupts(PVOID Context)
{
    PAHCI_PORT Port = Context;

    Port->InterruptStatus = 0;
    Port->Completed = 0;
    return TRUE;
}

/* ST=0, COMRESET, clear what the error and the reset left, start again;
 * the port's interrupts stay off meanwhile. */
static NTSTATUS ResetPort(PAHCI_PORT Port)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;

    WRITE_REGISTER_ULONG(&Registers->IE, 0);
    NTSTATUS Status = AhciStopCommandEngine(Registers);
    if (NT_SUCCESS(Status))
        Status = AhciComReset(Registers);
    WRITE_REGISTER_ULONG(&Registers->SERR, ~0u);
    WRITE_REGISTER_ULONG(&Registers->IS, ~0u);
    if (NT_SUCCESS(Status))
        Status = AhciStartEngines(Registers);
    KeSynchronizeExecution(Port->Controller->Interrupt, ForgetInterrupts, Port);
    WRITE_REGISTER_ULONG(&Registers->IE, AHCI_PXIE_DRIVER);
    return Status;
}

/* Whether Irp may go round once more; counts the round. */
static BOOLEAN MayGoAgain(PIRP Irp, BOOLEAN Blamed, BOOLEAN Suspect)
{
    if (Blamed)
        return ++AHCI_IRP_RETRIES(Irp) <= AHCI_MAX_RETRIES;
    AHCI_IRP_AGAIN(Irp) += AHCI_AGAIN_ONE_MORE;
    if (Suspect)
        AHCI_IRP_AGAIN(Irp) |= AHCI_AGAIN_SUSPECT;
    return AHCI_IRP_AGAIN(Irp) / AHCI_AGAIN_ONE_MORE <= AHCI_MAX_REQUEUES;
}

/* Takes Slot's IRP out of the slot: onto Again (in slot order) to go round
 * once more, or, blamed or cut short too often or with the port dead, onto
 * Done with its final status. */
static VOID Sort(PAHCI_PORT Port, ULONG Slot, BOOLEAN Blamed, BOOLEAN Suspect, NTSTATUS Status, NTSTATUS FailStatus,
                 PLIST_ENTRY Again, PLIST_ENTRY Done)
{
    PIRP Irp = Port->Slots[Slot].Irp;

    Port->Slots[Slot].Irp = NULL;
    if (Irp == NULL)
        return;
    if (!NT_SUCCESS(Status)) {
        AhciFinishIrp(Port, Irp, STATUS_IO_DEVICE_ERROR, Done);
        return;
    }
    if (!MayGoAgain(Irp, Blamed, Suspect)) {
        AhciFinishIrp(Port, Irp, Blamed ? FailStatus : STATUS_IO_DEVICE_ERROR, Done);
        return;
    }
    Port->Stats.Retries++;
    InsertTailList(Again, &Irp->Tail.Overlay.ListEntry);
}

/* Puts the Again list in front of the retry list, keeping its order. */
static VOID Requeue(PAHCI_PORT Port, PLIST_ENTRY Again)
{
    while (!IsListEmpty(Again))
        InsertHeadList(&Port->RetryList, RemoveTailList(Again));
}

/* The port is gone: everything waiting fails (Port->Dead keeps new requests
 * from coming in). Under Port->Lock. */
static VOID FailWaiting(PAHCI_PORT Port, PLIST_ENTRY Done)
{
    while (!IsListEmpty(&Port->RetryList)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Port->RetryList), IRP, Tail.Overlay.ListEntry);
        AhciFinishIrp(Port, Irp, STATUS_IO_DEVICE_ERROR, Done);
    }
    for (PIRP Irp; (Irp = IoCsqRemoveNextIrp(&Port->Queue, NULL)) != NULL;)
        AhciFinishIrp(Port, Irp, STATUS_IO_DEVICE_ERROR, Done);
}

VOID AhciRecoverPort(PAHCI_PORT Port, ULONG Blamed, BOOLEAN Isolate, PLIST_ENTRY Done, NTSTATUS FailStatus)
{
    AHCI_SNAPSHOT Snapshot = {.Port = Port};
    LIST_ENTRY Again;

    Port->Stats.Recoveries++;
    KeSynchronizeExecution(Port->Controller->Interrupt, TakeEverything, &Snapshot);
    for (ULONG Bits = Snapshot.Finished & ~Blamed; Bits != 0; Bits &= Bits - 1)
        AhciFinishSlot(Port, (ULONG)__builtin_ctz(Bits), Done);

    NTSTATUS Status = ResetPort(Port);
    if (!NT_SUCCESS(Status))
        DbgPrint("ahci: disk %u: port %u does not come back (status 0x%08x): its requests fail from now on\n",
                 Port->DiskNumber, Port->Number, (ULONG)Status);
    InitializeListHead(&Again);
    for (ULONG Bits = Port->BusySlots; Bits != 0; Bits &= Bits - 1) {
        ULONG Slot = (ULONG)__builtin_ctz(Bits);
        Sort(Port, Slot, (Blamed >> Slot) & 1, Isolate, Status, FailStatus, &Again, Done);
    }
    Port->BusySlots = 0;
    Port->Barrier = FALSE;
    Requeue(Port, &Again);
    if (!NT_SUCCESS(Status)) {
        __atomic_store_n(&Port->Dead, TRUE, __ATOMIC_RELAXED);
        FailWaiting(Port, Done);
    }
}
