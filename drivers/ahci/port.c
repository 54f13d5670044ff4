/*
 * port.c - one port: its two engines, its DMA memory, COMRESET.
 *
 * A port has two DMA engines. The FIS receive engine (PxCMD.FRE, running
 * while PxCMD.FR reads 1) copies what the device sends into the received-FIS
 * area; the command list engine (PxCMD.ST, running while PxCMD.CR reads 1)
 * fetches commands from the command list. Their base addresses (PxCLB, PxFB)
 * may only change while both are stopped, and firmware often leaves them
 * running (SeaBIOS does): so the first thing done to a port is to stop them,
 * ST before FRE, and wait for CR and FR to drop.
 *
 * COMRESET (PxSCTL.DET = 1, then 0) resets the link and the device, which
 * answers with a D2H register FIS carrying its signature (PxSIG). It is also
 * the way out of an error: see recover.c.
 */
#include "ahci.h"

/* Polls until (*Register & Mask) == Value, at most Microseconds by the
 * clock (the interrupt time, which the clock interrupt advances even at
 * DISPATCH_LEVEL): counting only the stalls would leave out the register
 * reads, which under emulation take longer than the stalls. */
BOOLEAN AhciWaitRegister(volatile ULONG *Register, ULONG Mask, ULONG Value, ULONG Microseconds)
{
    ULONG64 Deadline = KeQueryInterruptTime() + (ULONG64)Microseconds * 10;

    for (;;) {
        if ((READ_REGISTER_ULONG(Register) & Mask) == Value)
            return TRUE;
        if (KeQueryInterruptTime() > Deadline)
            return FALSE;
        KeStallExecutionProcessor(10);
    }
}

/* The command list engine only: the FIS receive engine stays on, so that the
 * device's answer to a COMRESET (its signature, its status) can arrive. */
NTSTATUS AhciStopCommandEngine(volatile AHCI_PORT_REGISTERS *Registers)
{
    ULONG Cmd = READ_REGISTER_ULONG(&Registers->CMD);
    if (Cmd & AHCI_PXCMD_ST)
        WRITE_REGISTER_ULONG(&Registers->CMD, Cmd & ~AHCI_PXCMD_ST);
    if (!AhciWaitRegister(&Registers->CMD, AHCI_PXCMD_CR, 0, AHCI_RECOVERY_WAIT_US))
        return STATUS_IO_TIMEOUT;
    return STATUS_SUCCESS;
}

NTSTATUS AhciStopEngines(volatile AHCI_PORT_REGISTERS *Registers)
{
    NTSTATUS Status = AhciStopCommandEngine(Registers);
    if (!NT_SUCCESS(Status))
        return Status;
    ULONG Cmd = READ_REGISTER_ULONG(&Registers->CMD);
    if (Cmd & AHCI_PXCMD_FRE)
        WRITE_REGISTER_ULONG(&Registers->CMD, Cmd & ~AHCI_PXCMD_FRE);
    if (!AhciWaitRegister(&Registers->CMD, AHCI_PXCMD_FR, 0, AHCI_RECOVERY_WAIT_US))
        return STATUS_IO_TIMEOUT;
    return STATUS_SUCCESS;
}

/* FRE first (the device's answers must have somewhere to go), then, once the
 * device is not busy, ST. */
NTSTATUS AhciStartEngines(volatile AHCI_PORT_REGISTERS *Registers)
{
    WRITE_REGISTER_ULONG(&Registers->CMD, READ_REGISTER_ULONG(&Registers->CMD) | AHCI_PXCMD_FRE);
    if (!AhciWaitRegister(&Registers->TFD, AHCI_TFD_BSY | AHCI_TFD_DRQ, 0, AHCI_RECOVERY_WAIT_US))
        return STATUS_DEVICE_NOT_READY;
    WRITE_REGISTER_ULONG(&Registers->CMD, READ_REGISTER_ULONG(&Registers->CMD) | AHCI_PXCMD_ST);
    return STATUS_SUCCESS;
}

/* COMRESET: DET=1 for at least 1 ms, DET=0, then wait for the link
 * (SSTS.DET=3) and for the device to finish its reset (BSY and DRQ clear in
 * the status its D2H FIS brings: FRE must be on, or it never arrives and
 * PxTFD keeps its reset value 0x7F). With nothing attached the link never
 * comes up: STATUS_NO_SUCH_DEVICE. The waits are short enough for a DPC
 * (recover.c): under the DPC watchdog's 1 s in all. */
NTSTATUS AhciComReset(volatile AHCI_PORT_REGISTERS *Registers)
{
    ULONG Sctl = READ_REGISTER_ULONG(&Registers->SCTL) & ~0xFu;

    WRITE_REGISTER_ULONG(&Registers->SCTL, Sctl | AHCI_SCTL_DET_COMRESET);
    KeStallExecutionProcessor(1000);
    WRITE_REGISTER_ULONG(&Registers->SCTL, Sctl);
    if (!AhciWaitRegister(&Registers->SSTS, 0xF, AHCI_SSTS_DET_ESTABLISHED, 100000))
        return STATUS_NO_SUCH_DEVICE;
    WRITE_REGISTER_ULONG(&Registers->SERR, ~0u); /* the reset itself logs link events */
    if (!AhciWaitRegister(&Registers->TFD, AHCI_TFD_BSY | AHCI_TFD_DRQ, 0, AHCI_RECOVERY_WAIT_US))
        return STATUS_DEVICE_NOT_READY;
    return STATUS_SUCCESS;
}

/* ---- DMA memory ---------------------------------------------------------------
 * One contiguous block per port: 32 command tables (a page each, so 128-byte
 * aligned), then the command list (1 KiB, 1 KiB aligned), then the received
 * FIS area (256 bytes, 256-byte aligned). Below 4 GiB, so that an HBA without
 * 64-bit addressing (CAP.S64A clear) can reach it too. */
#define TABLES_BYTES (AHCI_MAX_SLOTS * sizeof(AHCI_COMMAND_TABLE))
#define PORT_MEMORY_BYTES (TABLES_BYTES + PAGE_SIZE)

static ULONG64 PhysicalOf(PVOID Va)
{
    return (ULONG64)MmGetPhysicalAddress(Va).QuadPart;
}

NTSTATUS AhciAllocatePortMemory(PAHCI_PORT Port)
{
    PHYSICAL_ADDRESS Highest = {.QuadPart = 0xFFFFFFFFLL};
    PUCHAR Memory = MmAllocateContiguousMemory(PORT_MEMORY_BYTES, Highest);

    if (Memory == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Memory, PORT_MEMORY_BYTES);
    Port->Tables = (PAHCI_COMMAND_TABLE)Memory;
    Port->CommandList = (PAHCI_COMMAND_HEADER)(Memory + TABLES_BYTES);
    Port->ReceivedFis = Memory + TABLES_BYTES + 1024;
    for (ULONG Slot = 0; Slot < AHCI_MAX_SLOTS; Slot++) {
        ULONG64 Table = PhysicalOf(&Port->Tables[Slot]);
        Port->CommandList[Slot].CTBA = (ULONG)Table;
        Port->CommandList[Slot].CTBAU = (ULONG)(Table >> 32);
    }
    return STATUS_SUCCESS;
}

VOID AhciFreePortMemory(PAHCI_PORT Port)
{
    if (Port->Tables != NULL)
        MmFreeContiguousMemory(Port->Tables);
    Port->Tables = NULL;
}

/* Stops the port, points it at this driver's memory, powers and spins the
 * device up, and waits for it: STATUS_SUCCESS with an ATA disk behind it,
 * STATUS_NO_SUCH_DEVICE with nothing there or something else (a CD-ROM). */
NTSTATUS AhciInitializePort(PAHCI_PORT Port)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;

    NTSTATUS Status = AhciStopEngines(Registers);
    if (!NT_SUCCESS(Status))
        return Status;
    ULONG64 CommandList = PhysicalOf(Port->CommandList);
    ULONG64 ReceivedFis = PhysicalOf(Port->ReceivedFis);
    WRITE_REGISTER_ULONG(&Registers->CLB, (ULONG)CommandList);
    WRITE_REGISTER_ULONG(&Registers->CLBU, (ULONG)(CommandList >> 32));
    WRITE_REGISTER_ULONG(&Registers->FB, (ULONG)ReceivedFis);
    WRITE_REGISTER_ULONG(&Registers->FBU, (ULONG)(ReceivedFis >> 32));
    WRITE_REGISTER_ULONG(&Registers->IE, 0);
    WRITE_REGISTER_ULONG(&Registers->SERR, ~0u);
    WRITE_REGISTER_ULONG(&Registers->IS, ~0u);
    WRITE_REGISTER_ULONG(&Registers->CMD, READ_REGISTER_ULONG(&Registers->CMD) | AHCI_PXCMD_POD | AHCI_PXCMD_SUD |
                                              AHCI_PXCMD_FRE);

    /* After the HBA reset the link comes up by itself; if it has not, a
     * COMRESET asks again. No link: no device. */
    if (!AhciWaitRegister(&Registers->SSTS, 0xF, AHCI_SSTS_DET_ESTABLISHED, 20000)) {
        Status = AhciComReset(Registers);
        if (!NT_SUCCESS(Status))
            return STATUS_NO_SUCH_DEVICE;
    }
    if (!AhciWaitRegister(&Registers->TFD, AHCI_TFD_BSY | AHCI_TFD_DRQ, 0, AHCI_POLL_TIMEOUT_US))
        return STATUS_DEVICE_NOT_READY;
    if (READ_REGISTER_ULONG(&Registers->SIG) != AHCI_SIG_ATA)
        return STATUS_NO_SUCH_DEVICE; /* ATAPI (a CD-ROM) or a port multiplier: not a disk */
    WRITE_REGISTER_ULONG(&Registers->SERR, ~0u);
    WRITE_REGISTER_ULONG(&Registers->IS, ~0u);
    return AhciStartEngines(Registers);
}
