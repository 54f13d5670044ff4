/*
 * pcimsix.c - MSI-X: a table of messages in the device's memory.
 *
 * MSI gives a function one address and one data value in configuration space
 * (a few vectors at most, consecutive, to one CPU). MSI-X gives it a table of
 * up to 2048 entries, each with its own address, data and mask bit, in one of
 * its memory BARs: each message can go to its own vector and its own CPU.
 *
 * The capability (ID 0x11) in configuration space:
 *
 *   +0x02  Message Control (16 bits)
 *            bits 10-0  table size - 1
 *            bit 14     Function Mask: every entry masked, whatever its own bit
 *            bit 15     MSI-X Enable (and then the function stops using INTx)
 *   +0x04  Table Offset / BIR: bits 2-0 which BAR holds the table, the rest
 *          the table's offset in that BAR (8-byte aligned)
 *   +0x08  PBA Offset / BIR: the same for the Pending Bit Array
 *
 * Each table entry is 16 bytes, in the BAR:
 *
 *   +0x0  Message Address (low 32 bits)   as for MSI: 0xFEE00000 | APIC ID << 12
 *   +0x4  Message Upper Address
 *   +0x8  Message Data (32 bits)          as for MSI: vector, fixed, edge
 *   +0xC  Vector Control: bit 0 Mask
 *
 * While an entry (or the whole function) is masked, the device does not send
 * that message: it sets the entry's bit in the Pending Bit Array instead, and
 * sends the message when the mask is cleared. So entries are programmed
 * masked and unmasked last, and a mask is never a way to lose an interrupt.
 * The table is device memory: mapped uncached, read and written 32 bits at a
 * time, and reachable only while the function decodes memory (Command bit 1).
 */
#include "pci.h"

#define MSIX_CONTROL 0x02
#define MSIX_TABLE 0x04
#define MSIX_PBA 0x08

#define MSIX_CONTROL_TABLE_SIZE 0x07FF
#define MSIX_CONTROL_FUNCTION_MASK 0x4000
#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_BIR_MASK 0x7

#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_ADDRESS_LOW 0x0
#define MSIX_ENTRY_ADDRESS_HIGH 0x4
#define MSIX_ENTRY_DATA 0x8
#define MSIX_ENTRY_VECTOR_CONTROL 0xC
#define MSIX_VECTOR_MASKED 0x1

static VOID ReadConfig(const PCI_FUNCTION *F, ULONG Offset, PVOID Buffer, ULONG Length)
{
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, HalpPciSlot(F->Device, F->Function), Buffer, Offset, Length);
}

static VOID WriteConfig(const PCI_FUNCTION *F, ULONG Offset, PVOID Buffer, ULONG Length)
{
    HalSetBusDataByOffset(PCIConfiguration, F->Bus, HalpPciSlot(F->Device, F->Function), Buffer, Offset, Length);
}

USHORT HalpPciMsixControl(const PCI_FUNCTION *F)
{
    USHORT Control = 0;
    if (F->MsixOffset != 0)
        ReadConfig(F, F->MsixOffset + MSIX_CONTROL, &Control, sizeof(Control));
    return Control;
}

static VOID ChangeControl(const PCI_FUNCTION *F, USHORT Clear, USHORT Set)
{
    USHORT Control = (USHORT)((HalpPciMsixControl(F) & ~Clear) | Set);
    WriteConfig(F, F->MsixOffset + MSIX_CONTROL, &Control, sizeof(Control));
}

ULONG HalpPciMsixTableSize(const PCI_FUNCTION *F)
{
    if (F->MsixOffset == 0)
        return 0;
    return (HalpPciMsixControl(F) & MSIX_CONTROL_TABLE_SIZE) + 1u;
}

/* Where a structure (the table or the PBA) is: its BAR and offset, checked
 * against what the BAR decodes. */
static BOOLEAN Locate(const PCI_FUNCTION *F, ULONG Register, ULONG Bytes, PUCHAR Bar, PULONG Offset)
{
    ULONG Value = 0;
    ReadConfig(F, F->MsixOffset + Register, &Value, sizeof(Value));
    *Bar = (UCHAR)(Value & MSIX_BIR_MASK);
    *Offset = Value & ~(ULONG)MSIX_BIR_MASK;
    if (*Bar >= PCI_MAX_BARS)
        return FALSE;
    const PCI_BAR *B = &F->Bars[*Bar];
    return (B->Kind == PciBarMemory32 || B->Kind == PciBarMemory64) && (ULONG64)*Offset + Bytes <= B->Size;
}

/* Maps the BAR that holds a structure; the PBA usually shares the table's. */
static PVOID MapBar(PCI_MSIX *Msix, UCHAR Bar)
{
    for (ULONG i = 0; i < Msix->MappedCount; i++) {
        if (Msix->MappedBar[i] == Bar)
            return Msix->Mapped[i];
    }
    PVOID Va = HalpPciMapBar(Msix->Function, Bar);
    if (Va != NULL) {
        Msix->MappedBar[Msix->MappedCount] = Bar;
        Msix->Mapped[Msix->MappedCount++] = Va;
    }
    return Va;
}

NTSTATUS HalpPciMsixOpen(const PCI_FUNCTION *F, PCI_MSIX *Msix)
{
    RtlZeroMemory(Msix, sizeof(*Msix));
    if (F->MsixOffset == 0)
        return STATUS_NOT_SUPPORTED;
    Msix->Function = F;
    Msix->TableSize = HalpPciMsixTableSize(F);
    if (!Locate(F, MSIX_TABLE, Msix->TableSize * MSIX_ENTRY_SIZE, &Msix->TableBar, &Msix->TableOffset) ||
        !Locate(F, MSIX_PBA, (Msix->TableSize + 63) / 64 * 8, &Msix->PbaBar, &Msix->PbaOffset))
        return STATUS_INVALID_DEVICE_STATE;
    PUCHAR Table = MapBar(Msix, Msix->TableBar);
    PUCHAR Pba = MapBar(Msix, Msix->PbaBar);
    if (Table == NULL || Pba == NULL) {
        HalpPciMsixClose(Msix);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Msix->Table = (volatile ULONG *)(Table + Msix->TableOffset);
    Msix->Pba = (volatile ULONG *)(Pba + Msix->PbaOffset);
    HalpPciEnableMemory(F); /* the table is only there while the function decodes memory */
    return STATUS_SUCCESS;
}

VOID HalpPciMsixClose(PCI_MSIX *Msix)
{
    for (ULONG i = 0; i < Msix->MappedCount; i++)
        MmUnmapIoSpace(Msix->Mapped[i], Msix->Function->Bars[Msix->MappedBar[i]].Size);
    Msix->MappedCount = 0;
    Msix->Table = NULL;
    Msix->Pba = NULL;
}

static volatile ULONG *EntryRegister(const PCI_MSIX *Msix, ULONG Entry, ULONG Offset)
{
    return &Msix->Table[(Entry * MSIX_ENTRY_SIZE + Offset) / sizeof(ULONG)];
}

VOID HalpPciMsixSetEntryMasked(const PCI_MSIX *Msix, ULONG Entry, BOOLEAN Masked)
{
    volatile ULONG *Control = EntryRegister(Msix, Entry, MSIX_ENTRY_VECTOR_CONTROL);
    ULONG Value = *Control;
    *Control = Masked ? (Value | MSIX_VECTOR_MASKED) : (Value & ~(ULONG)MSIX_VECTOR_MASKED);
}

BOOLEAN HalpPciMsixIsEntryMasked(const PCI_MSIX *Msix, ULONG Entry)
{
    return (*EntryRegister(Msix, Entry, MSIX_ENTRY_VECTOR_CONTROL) & MSIX_VECTOR_MASKED) != 0;
}

/* The entry is masked while its address and data change, and stays masked:
 * the caller unmasks it once the ISR is connected. */
VOID HalpPciMsixProgramEntry(const PCI_MSIX *Msix, ULONG Entry, ULONG Vector, ULONG ApicId)
{
    HalpPciMsixWriteEntry(Msix, Entry, HalpMsiAddress(ApicId), HalpMsiData(Vector));
}

VOID HalpPciMsixWriteEntry(const PCI_MSIX *Msix, ULONG Entry, ULONG64 Address, ULONG Data)
{
    HalpPciMsixSetEntryMasked(Msix, Entry, TRUE);
    *EntryRegister(Msix, Entry, MSIX_ENTRY_ADDRESS_LOW) = (ULONG)Address;
    *EntryRegister(Msix, Entry, MSIX_ENTRY_ADDRESS_HIGH) = (ULONG)(Address >> 32);
    *EntryRegister(Msix, Entry, MSIX_ENTRY_DATA) = Data;
}

VOID HalpPciMsixReadEntry(const PCI_MSIX *Msix, ULONG Entry, PULONG64 Address, PULONG Data)
{
    ULONG Low = *EntryRegister(Msix, Entry, MSIX_ENTRY_ADDRESS_LOW);
    ULONG High = *EntryRegister(Msix, Entry, MSIX_ENTRY_ADDRESS_HIGH);
    *Address = ((ULONG64)High << 32) | Low;
    *Data = *EntryRegister(Msix, Entry, MSIX_ENTRY_DATA);
}

BOOLEAN HalpPciMsixIsPending(const PCI_MSIX *Msix, ULONG Entry)
{
    return (Msix->Pba[Entry / 32] >> (Entry % 32)) & 1;
}

/* MSI and MSI-X must not both be on: MSI goes off first. */
VOID HalpPciMsixSetEnabled(const PCI_FUNCTION *F, BOOLEAN Enabled)
{
    if (F->MsixOffset == 0)
        return;
    if (Enabled)
        HalpPciDisableMsi(F);
    ChangeControl(F, MSIX_CONTROL_ENABLE, Enabled ? MSIX_CONTROL_ENABLE : 0);
}

VOID HalpPciMsixSetFunctionMasked(const PCI_FUNCTION *F, BOOLEAN Masked)
{
    if (F->MsixOffset != 0)
        ChangeControl(F, MSIX_CONTROL_FUNCTION_MASK, Masked ? MSIX_CONTROL_FUNCTION_MASK : 0);
}

BOOLEAN HalpPciIsMsixEnabled(const PCI_FUNCTION *F)
{
    return (HalpPciMsixControl(F) & MSIX_CONTROL_ENABLE) != 0;
}

BOOLEAN HalpPciIsMsixFunctionMasked(const PCI_FUNCTION *F)
{
    return (HalpPciMsixControl(F) & MSIX_CONTROL_FUNCTION_MASK) != 0;
}
