/*
 * pciconfig.c - reaching PCI configuration space, two ways.
 *
 * Configuration mechanism #1, the ports (every PC since 1993): write an
 * address to 0xCF8, then read or write the data at 0xCFC.
 *
 *    bit 31    30-24     23-16   15-11    10-8       7-2          1-0
 *   enable  reserved     bus    device  function  dword index     00
 *
 * The address names a dword; a smaller register is a part of it. Two steps
 * through one shared address register: a lock keeps two processors from
 * interleaving them. Only the first 256 bytes can be named.
 *
 * ECAM (PCI Express, found through the ACPI MCFG, acpi_mcfg.c): each function's
 * 4 KiB of configuration space is a page of physical memory, at
 *
 *     base + (bus << 20) + (device << 15) + (function << 12) + offset
 *
 * so an access is one ordinary load or store, needs no lock, and reaches the
 * extended space above 256. The pages are device registers: mapped
 * uncached (MmNonCached), and read at the width of the register.
 *
 * HalpInitializePci maps the 1 MiB window of each bus it finds (pcienum.c,
 * HalpPciMapEcamBus); a bus without a window is reached through the ports.
 */
#include "pci.h"
#include "platform.h"
#include "x86.h"
#include "ke/spinlock.h"

#define PCI_ADDRESS_PORT 0xCF8
#define PCI_DATA_PORT 0xCFC
#define PCI_ENABLE_BIT 0x80000000u
#define ECAM_BUS_BYTES (1u << 20)

PCI_ACCESS_METHOD HalpPciAccessMethod = PciAccessPorts;
static PUCHAR EcamBus[256]; /* each bus's mapped window; NULL: use the ports */
static KSPIN_LOCK PortLock;

ULONG HalpPciSlot(ULONG Device, ULONG Function)
{
    PCI_SLOT_NUMBER Slot;

    Slot.u.AsULONG = 0;
    Slot.u.bits.DeviceNumber = Device;
    Slot.u.bits.FunctionNumber = Function;
    return Slot.u.AsULONG;
}

/* ---- the ports ---- */

static ULONG PortAddress(ULONG Bus, ULONG Slot, ULONG Offset)
{
    PCI_SLOT_NUMBER S = {.u.AsULONG = Slot};
    return PCI_ENABLE_BIT | (Bus << 16) | (S.u.bits.DeviceNumber << 11) | (S.u.bits.FunctionNumber << 8) |
           (Offset & 0xFC);
}

/* Reads the dword holding Offset, and keeps the Length bytes at Offset.
 * Length is 1, 2 or 4, and the bytes lie within one dword. */
ULONG HalpPciReadPortConfig(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Length)
{
    KIRQL OldIrql = KiAcquireSpinLockRaiseToHigh(&PortLock);
    __outdword(PCI_ADDRESS_PORT, PortAddress(Bus, Slot, Offset));
    ULONG Dword = __indword(PCI_DATA_PORT);
    KiReleaseSpinLockFromHigh(&PortLock, OldIrql);

    ULONG Value = Dword >> (8 * (Offset & 3));
    return Length == 4 ? Value : Value & ((1u << (8 * Length)) - 1);
}

/* A whole dword is written with one 32-bit access. A smaller register is
 * written byte by byte at 0xCFC + (Offset & 3), never by reading the dword,
 * changing part of it and writing it back: the Status register shares its
 * dword with Command, and writing back a 1 read from Status clears that bit. */
static VOID PortWrite(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Length, ULONG Value)
{
    KIRQL OldIrql = KiAcquireSpinLockRaiseToHigh(&PortLock);
    if (Length == 4) {
        __outdword(PCI_ADDRESS_PORT, PortAddress(Bus, Slot, Offset));
        __outdword(PCI_DATA_PORT, Value);
    } else {
        for (ULONG i = 0; i < Length; i++) {
            __outdword(PCI_ADDRESS_PORT, PortAddress(Bus, Slot, Offset + i));
            __outbyte((USHORT)(PCI_DATA_PORT + ((Offset + i) & 3)), (UCHAR)(Value >> (8 * i)));
        }
    }
    KiReleaseSpinLockFromHigh(&PortLock, OldIrql);
}

/* ---- ECAM ---- */

static const HAL_MCFG_ALLOCATION *McfgWindowOf(ULONG Bus)
{
    for (ULONG i = 0; i < HalPlatform.McfgCount; i++) {
        const HAL_MCFG_ALLOCATION *Window = &HalPlatform.Mcfg[i];
        if (Window->Segment == 0 && Bus >= Window->StartBus && Bus <= Window->EndBus)
            return Window;
    }
    return NULL;
}

/* Maps Bus's 1 MiB of ECAM if the MCFG covers it (PASSIVE_LEVEL, during
 * HalpInitializePci only). */
VOID HalpPciMapEcamBus(ULONG Bus)
{
    const HAL_MCFG_ALLOCATION *Window = McfgWindowOf(Bus);
    if (Window == NULL || EcamBus[Bus] != NULL)
        return;
    PHYSICAL_ADDRESS Physical;
    Physical.QuadPart = (LONGLONG)(Window->BaseAddress + ((ULONG64)(Bus - Window->StartBus) << 20));
    EcamBus[Bus] = MmMapIoSpace(Physical, ECAM_BUS_BYTES, MmNonCached);
}

static volatile VOID *EcamAddress(ULONG Bus, ULONG Slot, ULONG Offset)
{
    PCI_SLOT_NUMBER S = {.u.AsULONG = Slot};
    return EcamBus[Bus] + (S.u.bits.DeviceNumber << 15) + (S.u.bits.FunctionNumber << 12) + Offset;
}

static ULONG EcamRead(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Length)
{
    volatile VOID *Address = EcamAddress(Bus, Slot, Offset);
    switch (Length) {
    case 1: return *(volatile UCHAR *)Address;
    case 2: return *(volatile USHORT *)Address;
    default: return *(volatile ULONG *)Address;
    }
}

static VOID EcamWrite(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Length, ULONG Value)
{
    volatile VOID *Address = EcamAddress(Bus, Slot, Offset);
    switch (Length) {
    case 1: *(volatile UCHAR *)Address = (UCHAR)Value; break;
    case 2: *(volatile USHORT *)Address = (USHORT)Value; break;
    default: *(volatile ULONG *)Address = Value; break;
    }
}

/* ---- HalGetBusDataByOffset / HalSetBusDataByOffset ---- */

static BOOLEAN UseEcam(ULONG Bus)
{
    return Bus < 256 && EcamBus[Bus] != NULL;
}

static ULONG ConfigSpaceSize(ULONG Bus)
{
    return UseEcam(Bus) ? 4096 : 256;
}

/* The widest access (4, 2 or 1 bytes) that is aligned at Offset and does not
 * go past Remaining: registers are read at their own width. */
static ULONG ChunkLength(ULONG Offset, ULONG Remaining)
{
    if ((Offset & 3) == 0 && Remaining >= 4)
        return 4;
    if ((Offset & 1) == 0 && Remaining >= 2)
        return 2;
    return 1;
}

static BOOLEAN RangeValid(BUS_DATA_TYPE Type, ULONG Bus, ULONG Offset, ULONG Length)
{
    return Type == PCIConfiguration && Bus < 256 && Offset <= ConfigSpaceSize(Bus) &&
           Length <= ConfigSpaceSize(Bus) - Offset;
}

ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                            ULONG Offset, ULONG Length)
{
    PUCHAR Out = Buffer;

    if (!RangeValid(BusDataType, BusNumber, Offset, Length))
        return 0;
    for (ULONG Done = 0; Done < Length;) {
        ULONG Chunk = ChunkLength(Offset + Done, Length - Done);
        ULONG Value = UseEcam(BusNumber) ? EcamRead(BusNumber, SlotNumber, Offset + Done, Chunk)
                                         : HalpPciReadPortConfig(BusNumber, SlotNumber, Offset + Done, Chunk);
        RtlCopyMemory(Out + Done, &Value, Chunk); /* little-endian: the low bytes */
        Done += Chunk;
    }
    return Length;
}

ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                            ULONG Offset, ULONG Length)
{
    const UCHAR *In = Buffer;

    if (!RangeValid(BusDataType, BusNumber, Offset, Length))
        return 0;
    for (ULONG Done = 0; Done < Length;) {
        ULONG Chunk = ChunkLength(Offset + Done, Length - Done);
        ULONG Value = 0;
        RtlCopyMemory(&Value, In + Done, Chunk);
        if (UseEcam(BusNumber))
            EcamWrite(BusNumber, SlotNumber, Offset + Done, Chunk, Value);
        else
            PortWrite(BusNumber, SlotNumber, Offset + Done, Chunk, Value);
        Done += Chunk;
    }
    return Length;
}

ULONG HalGetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length)
{
    return HalGetBusDataByOffset(BusDataType, BusNumber, SlotNumber, Buffer, 0, Length);
}

ULONG HalSetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length)
{
    return HalSetBusDataByOffset(BusDataType, BusNumber, SlotNumber, Buffer, 0, Length);
}
