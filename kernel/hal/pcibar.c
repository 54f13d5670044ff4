/*
 * pcibar.c - sizing a Base Address Register.
 *
 * A BAR (configuration offsets 0x10-0x24 in a type 0 header) tells where the
 * firmware put one of the device's register blocks. Its low bits say what
 * kind of block it is, and are read-only:
 *
 *   bit 0 = 1   I/O space:  bits 31-2 the port address
 *   bit 0 = 0   memory:     bits 2-1  00 = 32-bit, 10 = 64-bit (the next BAR
 *                                     holds the upper 32 bits)
 *                           bit 3     prefetchable (reads have no side effects)
 *                           bits 31-4 the address
 *
 * The BAR does not say how big the block is; it is found by experiment. A
 * block of 2^n bytes is aligned on 2^n, so the device hard-wires the low n
 * address bits to zero. Write all ones, read back: the bits that stayed zero
 * give the size. For a 4 KiB block, 0xFFFFF000 comes back, and
 * ~0xFFFFF000 + 1 = 0x1000. Then write the original address back.
 *
 * While the BAR holds all ones it is a valid address, 0xFFFFF000 say, and a
 * device that decodes it would answer accesses there: a write the CPU meant
 * for RAM or another device mapped at that address would land in it. So the
 * probe runs with memory and I/O decoding turned off in the Command register
 * and the Command register is restored afterwards.
 */
#include "pci.h"

#define PCI_COMMAND_OFFSET 0x04
#define PCI_BAR_OFFSET(Index) (0x10 + 4 * (Index))

#define BAR_IO 0x1
#define BAR_TYPE_MASK 0x6
#define BAR_TYPE_64 0x4
#define BAR_PREFETCHABLE 0x8
#define BAR_IO_ADDRESS_MASK 0xFFFFFFFCu
#define BAR_MEMORY_ADDRESS_MASK 0xFFFFFFF0u

static ULONG ReadDword(ULONG Bus, ULONG Slot, ULONG Offset)
{
    ULONG Value = 0;
    HalGetBusDataByOffset(PCIConfiguration, Bus, Slot, &Value, Offset, sizeof(Value));
    return Value;
}

static VOID WriteDword(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Value)
{
    HalSetBusDataByOffset(PCIConfiguration, Bus, Slot, &Value, Offset, sizeof(Value));
}

/* Writes all ones to the BAR at Offset, returns what reads back, and puts the
 * original value back. Decoding must be off. */
static ULONG ProbeDword(ULONG Bus, ULONG Slot, ULONG Offset)
{
    ULONG Original = ReadDword(Bus, Slot, Offset);
    WriteDword(Bus, Slot, Offset, 0xFFFFFFFF);
    ULONG Probed = ReadDword(Bus, Slot, Offset);
    WriteDword(Bus, Slot, Offset, Original);
    return Probed;
}

/* The size a probe read back, from the address bits that stayed 0. */
static ULONG64 SizeFromMask(ULONG64 Mask)
{
    return Mask == 0 ? 0 : ~Mask + 1;
}

static VOID DescribeIo(ULONG Value, ULONG Probed, PCI_BAR *Bar)
{
    ULONG Mask = Probed & BAR_IO_ADDRESS_MASK;
    if (Mask == 0)
        return; /* unimplemented */
    /* Only 16 bits of port address exist on x86: the upper half may read 0. */
    if ((Mask & 0xFFFF0000) == 0)
        Mask |= 0xFFFF0000;
    Bar->Kind = PciBarIo;
    Bar->Address = Value & BAR_IO_ADDRESS_MASK;
    Bar->Size = (ULONG)SizeFromMask(Mask) & 0xFFFFFFFF;
}

static ULONG DescribeMemory(ULONG Bus, ULONG Slot, ULONG Index, ULONG Value, ULONG Probed, PCI_BAR *Bar)
{
    BOOLEAN Is64 = (Value & BAR_TYPE_MASK) == BAR_TYPE_64 && Index + 1 < PCI_MAX_BARS;
    ULONG64 Address = Value & BAR_MEMORY_ADDRESS_MASK;
    ULONG64 Mask = Probed & BAR_MEMORY_ADDRESS_MASK;

    if (Is64) {
        ULONG Offset = PCI_BAR_OFFSET(Index + 1);
        Address |= (ULONG64)ReadDword(Bus, Slot, Offset) << 32;
        Mask |= (ULONG64)ProbeDword(Bus, Slot, Offset) << 32;
    } else if (Mask != 0) {
        Mask |= 0xFFFFFFFF00000000ull; /* a 32-bit BAR cannot decode above 4 GiB */
    }
    if (Mask == 0)
        return 1; /* unimplemented */
    Bar->Kind = Is64 ? PciBarMemory64 : PciBarMemory32;
    Bar->Prefetchable = (Value & BAR_PREFETCHABLE) != 0;
    Bar->Address = Address;
    Bar->Size = SizeFromMask(Mask);
    return Is64 ? 2 : 1;
}

ULONG HalpPciSizeBar(ULONG Bus, ULONG Slot, ULONG Index, PCI_BAR *Bar)
{
    USHORT Command = 0;
    USHORT Quiet;
    ULONG Used = 1;

    RtlZeroMemory(Bar, sizeof(*Bar));
    HalGetBusDataByOffset(PCIConfiguration, Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
    Quiet = Command & (USHORT)~(PCI_ENABLE_IO_SPACE | PCI_ENABLE_MEMORY_SPACE);
    HalSetBusDataByOffset(PCIConfiguration, Bus, Slot, &Quiet, PCI_COMMAND_OFFSET, sizeof(Quiet));

    ULONG Value = ReadDword(Bus, Slot, PCI_BAR_OFFSET(Index));
    ULONG Probed = ProbeDword(Bus, Slot, PCI_BAR_OFFSET(Index));
    if (Value & BAR_IO)
        DescribeIo(Value, Probed, Bar);
    else
        Used = DescribeMemory(Bus, Slot, Index, Value, Probed, Bar);

    HalSetBusDataByOffset(PCIConfiguration, Bus, Slot, &Command, PCI_COMMAND_OFFSET, sizeof(Command));
    return Used;
}
