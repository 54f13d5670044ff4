/*
 * hba.c - bringing an AHCI host bus adapter up, and its interrupt.
 *
 * The order matters (AHCI 1.3 section 10.1):
 *   1. let the function decode its memory BAR and master the bus (DMA, MSI);
 *   2. map ABAR (BAR5), uncached: it is registers, not memory;
 *   3. take it from the BIOS if it offers a hand-off (CAP2.BOH);
 *   4. switch to AHCI mode (GHC.AE) and reset the HBA (GHC.HR), which also
 *      stops whatever the firmware left running;
 *   5. per implemented port (PI): set up the port and look for a disk
 *      (port.c, identify.c, disk.c);
 *   6. connect the interrupt: MSI when the function has it and `ahci.msi`
 *      is not 0, else the INTx line; then enable the ports' interrupts and
 *      the HBA's (GHC.IE), and only then let requests in.
 */
#include "ahci.h"

#define PCI_COMMAND_OFFSET 0x04
#define AHCI_ABAR_INDEX 5

/* ---- finding the controller's resources -------------------------------- */

/* The HAL's record of the function (its BAR sizes, its MSI capability). */
static PPCI_FUNCTION FindPciFunction(ULONG BusNumber, ULONG SlotNumber)
{
    PCI_SLOT_NUMBER Slot = {.u.AsULONG = SlotNumber};

    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        PPCI_FUNCTION F = &HalpPciFunctions[i];
        if (F->Bus == BusNumber && F->Device == Slot.u.bits.DeviceNumber &&
            F->Function == Slot.u.bits.FunctionNumber)
            return F;
    }
    return NULL;
}

static VOID EnableMemoryAndBusMaster(PAHCI_CONTROLLER Controller)
{
    USHORT Command = 0;

    HalGetBusDataByOffset(PCIConfiguration, Controller->BusNumber, Controller->SlotNumber, &Command,
                          PCI_COMMAND_OFFSET, sizeof(Command));
    Command |= PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_BUS_MASTER;
    HalSetBusDataByOffset(PCIConfiguration, Controller->BusNumber, Controller->SlotNumber, &Command,
                          PCI_COMMAND_OFFSET, sizeof(Command));
}

static NTSTATUS MapAbar(PAHCI_CONTROLLER Controller, PPCI_FUNCTION Function)
{
    const PCI_BAR *Bar = &Function->Bars[AHCI_ABAR_INDEX];

    if ((Bar->Kind != PciBarMemory32 && Bar->Kind != PciBarMemory64) || Bar->Size < 0x100 + sizeof(AHCI_PORT_REGISTERS))
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    Controller->AbarPhysical.QuadPart = (LONGLONG)Bar->Address;
    Controller->AbarSize = Bar->Size;
    Controller->Hba = MmMapIoSpace(Controller->AbarPhysical, Controller->AbarSize, MmNonCached);
    return Controller->Hba != NULL ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

/* ---- hand-off and reset --------------------------------------------------- */

/* An HBA that firmware may still be using (CAP2.BOH) is asked for: set OOS,
 * wait for the BIOS to drop BOS, and give it 2 s more if it says it is busy
 * (BB). QEMU's HBA has no hand-off; real ones often do. */
static VOID TakeFromBios(volatile AHCI_HBA_REGISTERS *Hba)
{
    if ((READ_REGISTER_ULONG(&Hba->CAP2) & AHCI_CAP2_BOH) == 0)
        return;
    WRITE_REGISTER_ULONG(&Hba->BOHC, READ_REGISTER_ULONG(&Hba->BOHC) | AHCI_BOHC_OOS);
    AhciWaitRegister(&Hba->BOHC, AHCI_BOHC_BOS, 0, 25000);
    if (READ_REGISTER_ULONG(&Hba->BOHC) & AHCI_BOHC_BB)
        AhciWaitRegister(&Hba->BOHC, AHCI_BOHC_BB, 0, 2000000);
}

/* GHC.HR resets every port and the HBA's registers; it reads 1 until done. */
static NTSTATUS ResetHba(volatile AHCI_HBA_REGISTERS *Hba)
{
    WRITE_REGISTER_ULONG(&Hba->GHC, AHCI_GHC_AE);
    WRITE_REGISTER_ULONG(&Hba->GHC, AHCI_GHC_AE | AHCI_GHC_HR);
    if (!AhciWaitRegister(&Hba->GHC, AHCI_GHC_HR, 0, AHCI_POLL_TIMEOUT_US))
        return STATUS_IO_TIMEOUT;
    WRITE_REGISTER_ULONG(&Hba->GHC, AHCI_GHC_AE); /* the reset may have cleared it */
    return STATUS_SUCCESS;
}

/* ---- the interrupt ---------------------------------------------------------- */

/* MSI: IoConnectInterruptEx with CONNECT_MESSAGE_BASED. When the function
 * has no MSI the I/O manager falls back to the line (FallBackServiceRoutine)
 * and says so in Version. */
static NTSTATUS ConnectMessageBased(PAHCI_CONTROLLER Controller, PPCI_FUNCTION Function)
{
    IO_CONNECT_INTERRUPT_PARAMETERS Parameters;
    PVOID Connection = NULL; /* the message table, or after a fallback the line's object */

    RtlZeroMemory(&Parameters, sizeof(Parameters));
    Parameters.Version = CONNECT_MESSAGE_BASED;
    Parameters.MessageBased.ConnectionContext.Generic = &Connection;
    Parameters.MessageBased.MessageServiceRoutine = AhciMessageService;
    Parameters.MessageBased.ServiceContext = Controller;
    Parameters.MessageBased.FallBackServiceRoutine = AhciInterruptService;
    Parameters.MessageBased.PciFunction = Function;
    NTSTATUS Status = IoConnectInterruptEx(&Parameters);
    if (!NT_SUCCESS(Status))
        return Status;
    Controller->ConnectVersion = Parameters.Version;
    if (Parameters.Version == CONNECT_MESSAGE_BASED) {
        /* One message for the HBA; with several they would share one lock. */
        Controller->Messages = Connection;
        Controller->Interrupt = Controller->Messages->MessageInfo[0].InterruptObject;
        Controller->Msi = TRUE;
    } else {
        Controller->Interrupt = Connection; /* the fallback: the INTx line */
    }
    return STATUS_SUCCESS;
}

/* INTx: CONNECT_LINE_BASED. The I/O manager finds the line the firmware
 * wrote into the function's Interrupt Line register and routes it (docs/pci.md,
 * "INTx without AML"); it is level-triggered and may be shared, so the ISR
 * must say FALSE when IS is 0. */
static NTSTATUS ConnectLine(PAHCI_CONTROLLER Controller, PPCI_FUNCTION Function)
{
    IO_CONNECT_INTERRUPT_PARAMETERS Parameters;

    RtlZeroMemory(&Parameters, sizeof(Parameters));
    Parameters.Version = CONNECT_LINE_BASED;
    Parameters.LineBased.InterruptObject = &Controller->Interrupt;
    Parameters.LineBased.ServiceRoutine = AhciInterruptService;
    Parameters.LineBased.ServiceContext = Controller;
    Parameters.LineBased.PciFunction = Function;
    NTSTATUS Status = IoConnectInterruptEx(&Parameters);
    if (NT_SUCCESS(Status))
        Controller->ConnectVersion = CONNECT_LINE_BASED;
    return Status;
}

static NTSTATUS ConnectInterrupt(PAHCI_CONTROLLER Controller, PPCI_FUNCTION Function)
{
    if (KeGetOptionNumber("ahci.msi", 1) != 0)
        return ConnectMessageBased(Controller, Function);
    return ConnectLine(Controller, Function);
}

static VOID DisconnectInterrupt(PAHCI_CONTROLLER Controller)
{
    IO_DISCONNECT_INTERRUPT_PARAMETERS Parameters;

    if (Controller->Interrupt == NULL)
        return;
    Parameters.Version = Controller->ConnectVersion;
    if (Controller->ConnectVersion == CONNECT_MESSAGE_BASED)
        Parameters.ConnectionContext.InterruptMessageTable = Controller->Messages;
    else
        Parameters.ConnectionContext.InterruptObject = Controller->Interrupt;
    IoDisconnectInterruptEx(&Parameters);
    Controller->Interrupt = NULL;
}

/* ---- ports -------------------------------------------------------------------- */

static ULONG FindDisks(PDRIVER_OBJECT DriverObject, PAHCI_CONTROLLER Controller)
{
    ULONG Found = 0;

    for (ULONG Port = 0; Port < AHCI_MAX_PORTS; Port++) {
        if ((Controller->PortMask & (1u << Port)) == 0)
            continue;
        if (AhciDiskCount >= AHCI_MAX_DISKS)
            break;
        PAHCI_PORT Disk;
        if (NT_SUCCESS(AhciCreateDisk(DriverObject, Controller, Port, &Disk))) {
            Controller->Ports[Port] = Disk;
            AhciDisks[AhciDiskCount++] = Disk;
            Found++;
        }
    }
    return Found;
}

/* Interrupts on: each disk's port, then the HBA. Stale status first, so that
 * nothing from start-up arrives as an interrupt. */
static VOID EnableInterrupts(PAHCI_CONTROLLER Controller)
{
    volatile AHCI_HBA_REGISTERS *Hba = Controller->Hba;

    for (ULONG Port = 0; Port < AHCI_MAX_PORTS; Port++) {
        PAHCI_PORT Disk = Controller->Ports[Port];
        if (Disk == NULL)
            continue;
        WRITE_REGISTER_ULONG(&Disk->Registers->IS, ~0u);
        WRITE_REGISTER_ULONG(&Disk->Registers->IE, AHCI_PXIE_DRIVER);
    }
    WRITE_REGISTER_ULONG(&Hba->IS, ~0u);
    WRITE_REGISTER_ULONG(&Hba->GHC, READ_REGISTER_ULONG(&Hba->GHC) | AHCI_GHC_IE);
}

static VOID Announce(PAHCI_CONTROLLER Controller, PAHCI_PORT Disk)
{
    ULONG64 MiB = Disk->SectorCount * AHCI_SECTOR_SIZE / (1024 * 1024);
    PCI_SLOT_NUMBER Slot = {.u.AsULONG = Controller->SlotNumber};

    DbgPrint("ahci: disk %u at %02x:%02x.%x port %u: %s, %llu MiB, %s depth %u, %s\n", Disk->DiskNumber,
             Controller->BusNumber, Slot.u.bits.DeviceNumber, Slot.u.bits.FunctionNumber, Disk->Number,
             Disk->Model, MiB, Disk->Ncq ? "NCQ" : "no NCQ,", Disk->Depth, Controller->Msi ? "MSI" : "INTx");
}

/* ---- the whole ---------------------------------------------------------------- */

static VOID FreeController(PAHCI_CONTROLLER Controller)
{
    if (Controller->Hba != NULL)
        MmUnmapIoSpace((PVOID)Controller->Hba, Controller->AbarSize);
    ExFreePoolWithTag(Controller, AHCI_TAG);
}

static NTSTATUS StartHba(PAHCI_CONTROLLER Controller, PPCI_FUNCTION Function)
{
    EnableMemoryAndBusMaster(Controller);
    NTSTATUS Status = MapAbar(Controller, Function);
    if (!NT_SUCCESS(Status))
        return Status;
    TakeFromBios(Controller->Hba);
    Status = ResetHba(Controller->Hba);
    if (!NT_SUCCESS(Status))
        return Status;
    Controller->Cap = READ_REGISTER_ULONG(&Controller->Hba->CAP);
    Controller->PortsImplemented = READ_REGISTER_ULONG(&Controller->Hba->PI);
    for (ULONG Port = 0; Port < AHCI_MAX_PORTS; Port++) {
        if (0x100 + (Port + 1) * sizeof(AHCI_PORT_REGISTERS) <= Controller->AbarSize)
            Controller->PortMask |= Controller->PortsImplemented & (1u << Port);
    }
    return STATUS_SUCCESS;
}

/* Undoes what AhciStartController did, for a controller whose disks never served a
 * request (start-up failure). */
static VOID StopController(PAHCI_CONTROLLER Controller)
{
    WRITE_REGISTER_ULONG(&Controller->Hba->GHC, AHCI_GHC_AE);
    DisconnectInterrupt(Controller);
    for (ULONG Port = 0; Port < AHCI_MAX_PORTS; Port++) {
        PAHCI_PORT Disk = Controller->Ports[Port];
        if (Disk == NULL)
            continue;
        for (ULONG i = 0; i < AhciDiskCount; i++) {
            if (AhciDisks[i] == Disk)
                AhciDisks[i] = NULL;
        }
        AhciDeleteDisk(Disk);
    }
    FreeController(Controller);
}

NTSTATUS AhciStartController(PDRIVER_OBJECT DriverObject, ULONG BusNumber, ULONG SlotNumber)
{
    PPCI_FUNCTION Function = FindPciFunction(BusNumber, SlotNumber);
    if (Function == NULL)
        return STATUS_NO_SUCH_DEVICE;
    PAHCI_CONTROLLER Controller = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Controller), AHCI_TAG);
    if (Controller == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Controller->BusNumber = BusNumber;
    Controller->SlotNumber = SlotNumber;
    Controller->LoseInterrupts = (ULONG)KeGetOptionNumber("ahci.lose", 0);

    NTSTATUS Status = StartHba(Controller, Function);
    if (!NT_SUCCESS(Status) || FindDisks(DriverObject, Controller) == 0) {
        FreeController(Controller); /* no disk: nothing to serve */
        return Status;
    }
    Status = ConnectInterrupt(Controller, Function);
    if (!NT_SUCCESS(Status)) {
        StopController(Controller);
        return Status;
    }
    EnableInterrupts(Controller);
    for (ULONG Port = 0; Port < AHCI_MAX_PORTS; Port++) {
        PAHCI_PORT Disk = Controller->Ports[Port];
        if (Disk == NULL)
            continue;
        Disk->Stats.Msi = Controller->Msi;
        AhciStartTimer(Disk);
        Disk->DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
        Announce(Controller, Disk);
    }
    return STATUS_SUCCESS;
}
