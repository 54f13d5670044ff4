/*
 * start.c - from the queue into free command slots, and then into PxCI.
 *
 * Called by the dispatch routines (any IRQL <= DISPATCH_LEVEL) and by the
 * DPCs (DISPATCH_LEVEL). Under Port->Lock it fills free slots, up to the
 * disk's queue depth: first from the retry list (pieces of split requests,
 * and commands set aside by a recovery), then from the cancel-safe queue.
 * Then, in one step under the interrupt spin lock, it tells the ISR which
 * slots are now in flight (Port->Issued) and tells the HBA (PxSACT for
 * queued commands, then PxCI). Those two must happen together: if the ISR ran
 * between them it could take a slot the HBA has not yet seen for one that has
 * finished.
 *
 * Which commands can share the port: queued (NCQ) reads and writes, up to
 * the depth. Without NCQ the depth is 1: one command at a time.
 * A flush, and every suspect of an error nobody could be blamed for, runs
 * alone: it starts only on an idle port and nothing starts until it is done
 * (Barrier).
 */
#include "ahci.h"

static BOOLEAN MustRunAlone(PIRP Irp)
{
    return (AHCI_IRP_AGAIN(Irp) & AHCI_AGAIN_SUSPECT) ||
           IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_FLUSH_BUFFERS;
}

/* Under Port->Lock (the cancel-safe queue calls it from PeekNextIrp). */
BOOLEAN AhciCanStart(PAHCI_PORT Port, PIRP Irp)
{
    if (Port->Barrier)
        return FALSE;
    if (MustRunAlone(Irp))
        return Port->BusySlots == 0;
    return TRUE;
}

static ULONG FreeSlot(PAHCI_PORT Port)
{
    ULONG Usable = Port->Depth >= 32 ? ~0u : (1u << Port->Depth) - 1;
    ULONG Free = ~Port->BusySlots & Usable;
    return Free != 0 ? (ULONG)__builtin_ctz(Free) : AHCI_MAX_SLOTS;
}

/* Whether anything waits, in the retry list or the queue. The queue is
 * looked at without its lock: an IRP being inserted right now may be missed,
 * but the dispatch routine inserting it calls AhciStartRequests next, which
 * takes Port->Lock after the insert and so sees it. */
static BOOLEAN AnythingWaiting(PAHCI_PORT Port)
{
    PLIST_ENTRY First = __atomic_load_n(&Port->QueueHead.Flink, __ATOMIC_RELAXED);
    return !IsListEmpty(&Port->RetryList) || First != &Port->QueueHead;
}

/* The next IRP that may start now, retries first; NULL if none. */
static PIRP NextIrp(PAHCI_PORT Port)
{
    if (!IsListEmpty(&Port->RetryList)) {
        PIRP Irp = CONTAINING_RECORD(Port->RetryList.Flink, IRP, Tail.Overlay.ListEntry);
        if (!AhciCanStart(Port, Irp))
            return NULL;
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        return Irp;
    }
    if (!AnythingWaiting(Port))
        return NULL; /* spares the queue's lock when it is empty, the usual case */
    return IoCsqRemoveNextIrp(&Port->Queue, Port); /* PeekContext: only a head that can start */
}

/* Whether an error waits for recovery: one the ISR has recorded, or, while
 * queued commands are out, one in PxIS that the ISR has not reached yet (it
 * cannot run now: the caller holds the interrupt spin lock). With no command
 * out there can be no error, and no register is read. */
static BOOLEAN ErrorPending(PAHCI_PORT Port)
{
    if (Port->InterruptStatus & AHCI_PXIS_ERRORS)
        return TRUE;
    return Port->IssuedQueued != 0 && (READ_REGISTER_ULONG(&Port->Registers->IS) & AHCI_PXIS_ERRORS) != 0;
}

/* Holding the interrupt spin lock: hand Slots to the ISR's bookkeeping and
 * to the HBA. If an error waits for recovery, writing PxCI now could make the
 * HBA run the failed command again (QEMU re-executes every slot whose CI bit
 * is still set), and a command started now would be in flight when the
 * recovery stops the port, which QEMU does not survive: the slots are held
 * back instead, and the recovery restarts them. */
static VOID IssueSlots(PAHCI_PORT Port, ULONG Slots, ULONG QueuedSlots)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Port->Controller->Interrupt);

    if (ErrorPending(Port)) {
        Port->Deferred |= Slots;
    } else {
        Port->Issued |= Slots;
        Port->IssuedQueued |= QueuedSlots;
        if (QueuedSlots != 0)
            WRITE_REGISTER_ULONG(&Registers->SACT, QueuedSlots);
        WRITE_REGISTER_ULONG(&Registers->CI, Slots);
    }
    KeReleaseInterruptSpinLock(Port->Controller->Interrupt, OldIrql);
}

static VOID CountStarted(PAHCI_PORT Port, ULONG Slots, ULONG QueuedSlots)
{
    ULONG Busy = AhciCountSlots(Port->BusySlots);

    Port->Stats.Commands += AhciCountSlots(Slots);
    Port->Stats.NcqCommands += AhciCountSlots(QueuedSlots);
    if (Busy > Port->Stats.MaxOutstanding)
        Port->Stats.MaxOutstanding = Busy;
}

/* Builds Irp's next command into Slot and marks the slot busy; adds it to
 * *Slots (and *QueuedSlots). Returns FALSE when nothing may start after it. */
static BOOLEAN Fill(PAHCI_PORT Port, ULONG Slot, PIRP Irp, ULONG64 Now, PULONG Slots, PULONG QueuedSlots)
{
    BOOLEAN Alone = MustRunAlone(Irp);

    AhciBuildCommand(Port, Slot, Irp, Port->Ncq && !Alone);
    Port->Slots[Slot].IssueTime = Now;
    Port->BusySlots |= 1u << Slot;
    *Slots |= 1u << Slot;
    if (Port->Slots[Slot].Queued)
        *QueuedSlots |= 1u << Slot;
    if (Alone)
        Port->Barrier = TRUE;
    return !Alone;
}

VOID AhciStartRequestsLocked(PAHCI_PORT Port)
{
    ULONG Slots = 0, QueuedSlots = 0;
    ULONG64 Now = KeQueryInterruptTime();

    for (;;) {
        ULONG Slot = FreeSlot(Port);
        if (Slot == AHCI_MAX_SLOTS)
            break;
        PIRP Irp = NextIrp(Port);
        if (Irp == NULL || !Fill(Port, Slot, Irp, Now, &Slots, &QueuedSlots))
            break;
    }
    if (Slots == 0)
        return;
    CountStarted(Port, Slots, QueuedSlots);
    IssueSlots(Port, Slots, QueuedSlots);
}

/* The dispatch routine's short way: with nothing waiting and a slot free,
 * the IRP goes straight into the slot, never into the queue (so it is never
 * cancelable: it is with the hardware at once). FALSE: queue it instead. */
BOOLEAN AhciTryStartNow(PAHCI_PORT Port, PIRP Irp)
{
    ULONG Slots = 0, QueuedSlots = 0;
    KIRQL OldIrql;
    BOOLEAN Started = FALSE;

    KeAcquireSpinLock(&Port->Lock, &OldIrql);
    ULONG Slot = FreeSlot(Port);
    if (Slot != AHCI_MAX_SLOTS && !AnythingWaiting(Port) && AhciCanStart(Port, Irp)) {
        IoMarkIrpPending(Irp); /* before the hardware has it: it may complete at once */
        Fill(Port, Slot, Irp, KeQueryInterruptTime(), &Slots, &QueuedSlots);
        CountStarted(Port, Slots, QueuedSlots);
        IssueSlots(Port, Slots, QueuedSlots);
        Started = TRUE;
    }
    KeReleaseSpinLock(&Port->Lock, OldIrql);
    return Started;
}

VOID AhciStartRequests(PAHCI_PORT Port)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&Port->Lock, &OldIrql);
    AhciStartRequestsLocked(Port);
    KeReleaseSpinLock(&Port->Lock, OldIrql);
}
