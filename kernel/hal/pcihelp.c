/*
 * pcihelp.c - what a driver needs from the device table: find its function,
 * let it reach memory, map its registers.
 *
 * ntmini has no Plug and Play manager handing a driver its resources, so a
 * driver looks its device up itself (by class, as a class driver would, or by
 * vendor and device ID) and gets the BARs from the table.
 */
#include "pci.h"

#define PCI_COMMAND_OFFSET 0x04

PPCI_FUNCTION HalpPciFindByClass(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf)
{
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        PPCI_FUNCTION F = &HalpPciFunctions[i];
        if (F->BaseClass == BaseClass && F->SubClass == SubClass && (ProgIf == 0xFF || F->ProgIf == ProgIf))
            return F;
    }
    return NULL;
}

PPCI_FUNCTION HalpPciFindById(USHORT VendorId, USHORT DeviceId)
{
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        PPCI_FUNCTION F = &HalpPciFunctions[i];
        if (F->VendorId == VendorId && F->DeviceId == DeviceId)
            return F;
    }
    return NULL;
}

static VOID SetCommandBits(const PCI_FUNCTION *Function, USHORT Bits)
{
    ULONG Slot = HalpPciSlot(Function->Device, Function->Function);
    USHORT Command = 0;

    HalGetBusDataByOffset(PCIConfiguration, Function->Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
    Command |= Bits;
    HalSetBusDataByOffset(PCIConfiguration, Function->Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
}

/* Memory Space lets the device answer at its memory BARs; Bus Master lets it
 * start memory cycles of its own: DMA, and MSI, which is a memory write. */
VOID HalpPciEnableMemoryAndBusMaster(const PCI_FUNCTION *Function)
{
    SetCommandBits(Function, PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_BUS_MASTER);
}

VOID HalpPciEnableMemory(const PCI_FUNCTION *Function)
{
    SetCommandBits(Function, PCI_ENABLE_MEMORY_SPACE);
}

/* Device registers must not be cached: a read has to reach the device every
 * time, and a write must not wait in the cache. */
PVOID HalpPciMapBar(const PCI_FUNCTION *Function, ULONG Index)
{
    if (Index >= PCI_MAX_BARS)
        return NULL;
    const PCI_BAR *Bar = &Function->Bars[Index];
    if (Bar->Kind != PciBarMemory32 && Bar->Kind != PciBarMemory64)
        return NULL;
    PHYSICAL_ADDRESS Physical;
    Physical.QuadPart = (LONGLONG)Bar->Address;
    return MmMapIoSpace(Physical, Bar->Size, MmNonCached);
}
