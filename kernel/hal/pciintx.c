/*
 * pciintx.c - a PCI function's interrupt line (INTx), without the AML.
 *
 * A PCI function that does not use MSI pulls one of four wires, INTA#-INTD#
 * (its Interrupt Pin register, 0x3D, says which; 0 means none). The wire is
 * level-triggered and may be shared: it stays asserted until the driver
 * clears the cause in the device, and several functions may pull the same one.
 *
 * Where the wire arrives is board wiring. The chipset's PCI interrupt router
 * gathers the wires into eight PIRQ signals (PIRQA#-PIRQH#); the firmware
 * steers each PIRQ to an ISA IRQ for the 8259s and writes that IRQ into every
 * function's Interrupt Line register (0x3C), which the hardware ignores: it
 * is a note for the operating system. ACPI's _PRT (AML in the DSDT) says,
 * for APIC mode, which GSI each slot's pins arrive on. ntmini has no AML
 * interpreter, so it follows NT4's HAL for PCI: the line register is the
 * interrupt. On QEMU's machines the ISA IRQ's I/O APIC input carries the
 * PIRQ too, so routing.c takes the line through HalpIsaIrqToGsi and makes it
 * level-triggered. docs/pci.md, "INTx without AML", has the whole story.
 */
#include "pci.h"
#include "interrupts.h"

#define PCI_COMMAND_OFFSET 0x04
#define PCI_INTERRUPT_LINE_OFFSET 0x3C

/* What the firmware wrote in the Interrupt Line register, read now. */
UCHAR HalpPciReadInterruptLine(const PCI_FUNCTION *Function)
{
    UCHAR Line = 0xFF;
    HalGetBusDataByOffset(PCIConfiguration, Function->Bus, HalpPciSlot(Function->Device, Function->Function), &Line,
                          PCI_INTERRUPT_LINE_OFFSET, sizeof(Line));
    return Line;
}

/* Command bit 10, Interrupt Disable: set, the function does not assert INTx
 * (MSI and MSI-X are not affected). */
VOID HalpPciSetIntxDisabled(const PCI_FUNCTION *Function, BOOLEAN Disabled)
{
    ULONG Slot = HalpPciSlot(Function->Device, Function->Function);
    USHORT Command = 0;

    HalGetBusDataByOffset(PCIConfiguration, Function->Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
    if (Disabled)
        Command |= PCI_DISABLE_LEVEL_INTERRUPT;
    else
        Command &= (USHORT)~PCI_DISABLE_LEVEL_INTERRUPT;
    HalSetBusDataByOffset(PCIConfiguration, Function->Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
}

NTSTATUS HalpPciGetInterruptVector(const PCI_FUNCTION *Function, PULONG Vector, PKIRQL Irql, PKAFFINITY Affinity)
{
    if (Function->InterruptPin == 0)
        return STATUS_NOT_SUPPORTED; /* the function has no INTx wire */
    ULONG Line = HalpPciReadInterruptLine(Function);
    *Vector = HalGetInterruptVector(PCIBus, Function->Bus, Line, Line, Irql, Affinity);
    return *Vector != 0 ? STATUS_SUCCESS : STATUS_NOT_SUPPORTED;
}
