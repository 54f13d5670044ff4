/*
 * isr.c - AhciInterruptService: the controller's interrupt.
 *
 * Runs at the interrupt's DIRQL holding the interrupt spin lock, on whichever
 * processor took the interrupt; everything at lower IRQL on that processor
 * waits for it. So it does the least that cannot wait:
 *
 *   1. read the HBA's IS: which ports interrupt. 0: not ours (an INTx line
 *      may be shared), return FALSE;
 *   2. for each such port, read PxIS and write the same bits back to clear
 *      them; then clear those bits of IS. In this order: IS is recomputed
 *      from the ports' PxIS, so clearing IS first would let a level-triggered
 *      line fire again at once;
 *   3. for each port with a disk: work out which slots finished, those it
 *      issued (Issued) that are no longer in PxCI or PxSACT; move them to
 *      Completed, note PxIS for the DPC (errors), and, if anything finished
 *      or failed, queue the port's CustomDpc with KeInsertQueueDpc (a queued
 *      command being accepted interrupts too, with nothing to do);
 *   4. return TRUE.
 *
 * It completes no IRP and starts no command: that is the CustomDpc's work, at
 * DISPATCH_LEVEL. If KeInsertQueueDpc returns FALSE the DPC is already queued
 * and has not yet run: it will find these slots in Completed too, so nothing
 * is lost.
 */
#include "ahci.h"

/* The lost-interrupt hook (ahci.lose, IOCTL_AHCI_SET_TEST_HOOKS): drop the
 * completions this interrupt reports, as if it had never arrived. The slots
 * stay in Issued: a later interrupt of the port, or the timeout, finds them.
 * (An error it reports is still noted: losing that would let the start path
 * write PxCI over a failed command.) */
static BOOLEAN LoseThisOne(PAHCI_CONTROLLER Controller)
{
    ULONG Left = Controller->LoseInterrupts;
    if (Left == 0)
        return FALSE;
    Controller->LoseInterrupts = Left - 1;
    return TRUE;
}

/* The slots the HBA still holds. A queued command leaves PxCI when the disk
 * accepts it and PxSACT when it is done, so for queued slots PxSACT alone
 * tells; for the others PxCI. Each register is read only if a slot needs it:
 * every read is a trip to the device. */
static ULONG ActiveSlots(PAHCI_PORT Port)
{
    ULONG Active = 0;

    if (Port->Issued & ~Port->IssuedQueued)
        Active |= READ_REGISTER_ULONG(&Port->Registers->CI);
    if (Port->IssuedQueued)
        Active |= READ_REGISTER_ULONG(&Port->Registers->SACT);
    return Active;
}

static VOID NoteCompletions(PAHCI_PORT Port, ULONG PortStatus)
{
    ULONG Finished = 0;

    Port->Stats.Interrupts++;
    if (LoseThisOne(Port->Controller))
        Port->Stats.LostInterrupts++; /* the completions are lost; an error is still noted */
    else
        Finished = Port->Issued & ~ActiveSlots(Port);
    Port->Issued &= ~Finished;
    Port->IssuedQueued &= ~Finished;
    Port->Completed |= Finished;
    Port->InterruptStatus |= PortStatus;
    if (Finished != 0 || (PortStatus & AHCI_PXIS_ERRORS))
        KeInsertQueueDpc(&Port->Dpc, NULL, NULL);
}

_Use_decl_annotations_
BOOLEAN AhciInterruptService(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    PAHCI_CONTROLLER Controller = ServiceContext;
    volatile AHCI_HBA_REGISTERS *Hba = Controller->Hba;
    ULONG PortStatus[AHCI_MAX_PORTS];

    UNREFERENCED_PARAMETER(Interrupt);
    ULONG Pending = READ_REGISTER_ULONG(&Hba->IS);
    if (Pending == 0)
        return FALSE;
    for (ULONG Bits = Pending & Controller->PortMask; Bits != 0; Bits &= Bits - 1) {
        ULONG Port = (ULONG)__builtin_ctz(Bits);
        PortStatus[Port] = READ_REGISTER_ULONG(&Hba->Ports[Port].IS);
        WRITE_REGISTER_ULONG(&Hba->Ports[Port].IS, PortStatus[Port]);
    }
    WRITE_REGISTER_ULONG(&Hba->IS, Pending);
    for (ULONG Bits = Pending & Controller->PortMask; Bits != 0; Bits &= Bits - 1) {
        ULONG Port = (ULONG)__builtin_ctz(Bits);
        if (Controller->Ports[Port] != NULL)
            NoteCompletions(Controller->Ports[Port], PortStatus[Port]);
    }
    return TRUE;
}

/* With MSI the I/O manager calls this, with the message's number; AHCI has
 * one message for the whole HBA, so it is the same routine. */
_Use_decl_annotations_
BOOLEAN AhciMessageService(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    UNREFERENCED_PARAMETER(MessageID);
    return AhciInterruptService(Interrupt, ServiceContext);
}
