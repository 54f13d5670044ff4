/*
 * recover.c - getting a port going again after an error or a timeout.
 *
 * When the disk reports an error (PxIS.TFES: the ATA status had ERR set) the
 * port stops processing commands: the failed non-queued command keeps its
 * PxCI bit, a failed queued command keeps its PxSACT bit. The way back is
 * the one QEMU 7.2's HBA survives (../shared/notes, measured): clear PxCMD.ST,
 * COMRESET, wait for the device, set ST again. Never write PxCI or PxCMD with
 * ST set while a failed command's bit is still there: the HBA would run it
 * again (start.c holds new commands back until this has run).
 *
 * What was in flight is sorted:
 *   - finished before the error (its bits had cleared): a success, kept;
 *   - blamed (the one command in flight when the error came, or one the timer
 *     found hung): one attempt more, at most AHCI_MAX_RETRIES times; then it
 *     completes with FailStatus (STATUS_IO_DEVICE_ERROR or STATUS_IO_TIMEOUT);
 *   - innocent (cut short by the reset, or held back): issued again, first in
 *     line, without counting against it.
 * With Isolate, the commands issued again run one at a time, not queued, so
 * that if one of them is the bad one the next error names it.
 *
 * Called at DISPATCH_LEVEL holding Port->Lock. Busy-waits (the reset takes
 * about a millisecond on QEMU, up to a second on a real disk): recovery is
 * rare, and no request can proceed on this port meanwhile anyway.
 */
#include "ahci.h"

typedef struct _AHCI_SNAPSHOT {
    PAHCI_PORT Port;
    ULONG Finished;
} AHCI_SNAPSHOT;

static KSYNCHRONIZE_ROUTINE TakeEverything;

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

/* ST=0, COMRESET, clear what the error and the reset left, start again. */
static NTSTATUS ResetPort(PAHCI_PORT Port)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;

    NTSTATUS Status = AhciStopCommandEngine(Registers);
    if (NT_SUCCESS(Status))
        Status = AhciComReset(Registers);
    WRITE_REGISTER_ULONG(&Registers->SERR, ~0u);
    WRITE_REGISTER_ULONG(&Registers->IS, ~0u);
    if (NT_SUCCESS(Status))
        Status = AhciStartEngines(Registers);
    WRITE_REGISTER_ULONG(&Registers->IE, AHCI_PXIE_DRIVER);
    return Status;
}

/* Takes Slot's IRP out of the slot: again (RequeueTail, in slot order) or,
 * blamed too often or with the port dead, finished with FailStatus. */
static VOID Sort(PAHCI_PORT Port, ULONG Slot, BOOLEAN Blamed, BOOLEAN PortDead, NTSTATUS FailStatus,
                 PLIST_ENTRY Again, PLIST_ENTRY Done)
{
    PIRP Irp = Port->Slots[Slot].Irp;

    Port->Slots[Slot].Irp = NULL;
    if (Irp == NULL)
        return;
    if (Blamed)
        AHCI_IRP_RETRIES(Irp)++;
    if (PortDead || AHCI_IRP_RETRIES(Irp) > AHCI_MAX_RETRIES) {
        AhciFinishIrp(Port, Irp, PortDead ? STATUS_IO_DEVICE_ERROR : FailStatus, Done);
        return;
    }
    Port->Stats.Retries++;
    InsertTailList(Again, &Irp->Tail.Overlay.ListEntry);
}

/* Puts the Again list in front of the retry list, keeping its order.
 * Returns how many there were. */
static ULONG Requeue(PAHCI_PORT Port, PLIST_ENTRY Again)
{
    ULONG Count = 0;

    while (!IsListEmpty(Again)) {
        InsertHeadList(&Port->RetryList, RemoveTailList(Again));
        Count++;
    }
    return Count;
}

VOID AhciRecoverPort(PAHCI_PORT Port, ULONG Blamed, BOOLEAN Isolate, PLIST_ENTRY Done, NTSTATUS FailStatus)
{
    AHCI_SNAPSHOT Snapshot = {.Port = Port};
    LIST_ENTRY Again;

    Port->Stats.Recoveries++;
    KeSynchronizeExecution(Port->Controller->Interrupt, TakeEverything, &Snapshot);
    /* A blamed command is not trusted even if its bit has cleared: the timer
     * blames a command whose interrupt never came. */
    for (ULONG Bits = Snapshot.Finished & ~Blamed; Bits != 0; Bits &= Bits - 1)
        AhciFinishSlot(Port, (ULONG)__builtin_ctz(Bits), Done);

    NTSTATUS Status = ResetPort(Port);
    if (!NT_SUCCESS(Status))
        DbgPrint("ahci: disk %u: port %u does not come back: status 0x%08x\n", Port->DiskNumber, Port->Number,
                 (ULONG)Status);
    InitializeListHead(&Again);
    for (ULONG Bits = Port->BusySlots; Bits != 0; Bits &= Bits - 1) {
        ULONG Slot = (ULONG)__builtin_ctz(Bits);
        Sort(Port, Slot, (Blamed >> Slot) & 1, !NT_SUCCESS(Status), FailStatus, &Again, Done);
    }
    Port->BusySlots = 0;
    Port->Barrier = FALSE;
    ULONG Count = Requeue(Port, &Again);
    if (Isolate && Count > Port->Isolate)
        Port->Isolate = Count;
}
