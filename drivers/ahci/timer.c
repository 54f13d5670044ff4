/*
 * timer.c - AhciTimeoutDpc: the CustomTimerDpc that finds hung commands.
 *
 * Each disk has a periodic KTIMER whose DPC looks at the slots in flight.
 * A command issued more than the timeout ago (ahci.timeout_ms, 10 s by
 * default) whose completion never reached the driver, because the disk hung
 * or its interrupt was lost, is blamed: the port is recovered (recover.c)
 * and the command retried, and after AHCI_MAX_RETRIES attempts more it
 * completes with STATUS_IO_TIMEOUT. The recovery waits until the commands
 * that are not hung have finished: until then nothing new starts.
 */
#include "ahci.h"

/* Checks a few times per timeout period, at most once a second. */
VOID AhciStartTimer(PAHCI_PORT Port)
{
    LONG PeriodMs = (LONG)(Port->TimeoutTicks / 10000 / 4);
    if (PeriodMs < 50)
        PeriodMs = 50;
    if (PeriodMs > 1000)
        PeriodMs = 1000;
    LARGE_INTEGER DueTime = {.QuadPart = -(LONGLONG)PeriodMs * 10000};
    KeSetTimerEx(&Port->Timer, DueTime, PeriodMs, &Port->TimerDpc);
}

/* The busy slots issued before Now - timeout. Under Port->Lock. */
static ULONG HungSlots(PAHCI_PORT Port, ULONG64 Now)
{
    ULONG Hung = 0;

    for (ULONG Bits = Port->BusySlots; Bits != 0; Bits &= Bits - 1) {
        ULONG Slot = (ULONG)__builtin_ctz(Bits);
        if (Now - Port->Slots[Slot].IssueTime > Port->TimeoutTicks)
            Hung |= 1u << Slot;
    }
    return Hung;
}

/* Whether the HBA still works on commands that are not hung. Resetting the
 * port under them would cut them short; on QEMU, stopping a port with a
 * command in flight and starting it again can crash the emulator. */
static BOOLEAN OthersStillRunning(PAHCI_PORT Port, ULONG Hung)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;
    ULONG Active = READ_REGISTER_ULONG(&Registers->CI) | READ_REGISTER_ULONG(&Registers->SACT);

    return (Active & Port->BusySlots & ~Hung) != 0;
}

_Use_decl_annotations_
VOID AhciTimeoutDpc(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    PAHCI_PORT Port = DeferredContext;
    LIST_ENTRY Done;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    InitializeListHead(&Done);
    KeAcquireSpinLockAtDpcLevel(&Port->Lock);
    ULONG Hung = HungSlots(Port, KeQueryInterruptTime());
    if (Hung != 0 && OthersStillRunning(Port, Hung)) {
        /* Let the others finish first: start nothing new, look again at
         * the next tick. (If they hang too, they become hung themselves.) */
        Port->Barrier = TRUE;
    } else if (Hung != 0) {
        Port->Stats.Timeouts += AhciCountSlots(Hung);
        AhciRecoverPort(Port, Hung, FALSE, &Done, STATUS_IO_TIMEOUT);
        AhciStartRequestsLocked(Port);
    }
    KeReleaseSpinLockFromDpcLevel(&Port->Lock);
    AhciCompleteList(&Done);
}
