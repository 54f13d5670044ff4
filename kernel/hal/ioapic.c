/*
 * ioapic.c - programming the I/O APICs' redirection entries.
 *
 * An I/O APIC shows software only two registers: IOREGSEL (offset 0x00)
 * selects one of its internal registers, and IOWIN (offset 0x10) reads or
 * writes the one selected. The internal registers are 32 bits wide:
 *   0x01          version; bits 23-16 hold the number of pins minus one
 *   0x10 + 2n     pin n's redirection entry, bits 31-0
 *   0x11 + 2n     pin n's redirection entry, bits 63-32 (the destination)
 *
 * Selecting and then accessing takes two steps, so nothing else may touch the
 * same I/O APIC in between: not another CPU, and not an interrupt on this one
 * (the storm detector masks lines from interrupt context). Each access holds
 * HalpIoApicLock at HIGH_LEVEL, where no interrupt arrives.
 */
#include "ioapic.h"
#include "platform.h"
#include "ke/ke.h"
#include "ke/irql.h"
#include "ke/spinlock.h"
#include "mm/mm.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_VERSION 0x01
#define IOAPIC_REDIRECTION(Pin) (0x10 + 2 * (Pin))

typedef struct _HALP_IOAPIC {
    volatile ULONG *Registers;
    ULONG GsiBase;
    ULONG PinCount;
} HALP_IOAPIC;

static HALP_IOAPIC HalpIoApics[HAL_MAX_IOAPICS];
static ULONG HalpIoApicCount;
static KSPIN_LOCK HalpIoApicLock;

static ULONG ReadRegister(HALP_IOAPIC *IoApic, ULONG Register)
{
    IoApic->Registers[IOREGSEL / sizeof(ULONG)] = Register;
    return IoApic->Registers[IOWIN / sizeof(ULONG)];
}

static VOID WriteRegister(HALP_IOAPIC *IoApic, ULONG Register, ULONG Value)
{
    IoApic->Registers[IOREGSEL / sizeof(ULONG)] = Register;
    IoApic->Registers[IOWIN / sizeof(ULONG)] = Value;
}

static KIRQL Lock(VOID)
{
    return KiAcquireSpinLockRaiseToHigh(&HalpIoApicLock);
}

static VOID Unlock(KIRQL OldIrql)
{
    KiReleaseSpinLockFromHigh(&HalpIoApicLock, OldIrql);
}

/* The I/O APIC with a pin for Gsi, and the pin; NULL when none has it. */
static HALP_IOAPIC *FindPin(ULONG Gsi, ULONG *Pin)
{
    for (ULONG i = 0; i < HalpIoApicCount; i++) {
        HALP_IOAPIC *IoApic = &HalpIoApics[i];
        if (Gsi >= IoApic->GsiBase && Gsi - IoApic->GsiBase < IoApic->PinCount) {
            *Pin = Gsi - IoApic->GsiBase;
            return IoApic;
        }
    }
    return NULL;
}

static HALP_IOAPIC *FindPinOrBugCheck(ULONG Gsi, ULONG *Pin)
{
    HALP_IOAPIC *IoApic = FindPin(Gsi, Pin);
    if (IoApic == NULL)
        KiBugCheck(HAL_INITIALIZATION_FAILED, Gsi, HalpIoApicCount, 0, 0, NULL, "GSI %u: no I/O APIC has a pin for it",
                   Gsi);
    return IoApic;
}

static ULONG64 ReadEntry(HALP_IOAPIC *IoApic, ULONG Pin)
{
    ULONG Low = ReadRegister(IoApic, IOAPIC_REDIRECTION(Pin));
    ULONG High = ReadRegister(IoApic, IOAPIC_REDIRECTION(Pin) + 1);
    return ((ULONG64)High << 32) | Low;
}

/* Masked first, then the destination, then the final low half: the pin never
 * fires with half an entry. */
static VOID WriteEntry(HALP_IOAPIC *IoApic, ULONG Pin, ULONG64 Entry)
{
    WriteRegister(IoApic, IOAPIC_REDIRECTION(Pin), (ULONG)(Entry | IOAPIC_ENTRY_MASKED));
    WriteRegister(IoApic, IOAPIC_REDIRECTION(Pin) + 1, (ULONG)(Entry >> 32));
    WriteRegister(IoApic, IOAPIC_REDIRECTION(Pin), (ULONG)Entry);
}

/* Read, change the bits in Clear and Set, write back; under the lock. */
static VOID ChangeEntry(ULONG Gsi, ULONG64 Clear, ULONG64 Set)
{
    ULONG Pin;
    HALP_IOAPIC *IoApic = FindPinOrBugCheck(Gsi, &Pin);
    KIRQL OldIrql = Lock();
    WriteEntry(IoApic, Pin, (ReadEntry(IoApic, Pin) & ~Clear) | Set);
    Unlock(OldIrql);
}

static VOID AddIoApic(const HAL_IOAPIC *Description)
{
    PHYSICAL_ADDRESS Physical;
    Physical.QuadPart = Description->Address;
    HALP_IOAPIC *IoApic = &HalpIoApics[HalpIoApicCount];

    IoApic->Registers = MmMapIoSpace(Physical, PAGE_SIZE, MmNonCached);
    if (IoApic->Registers == NULL)
        KiBugCheck(HAL_INITIALIZATION_FAILED, Description->Address, 0, 0, 0, NULL, "cannot map the I/O APIC at 0x%x",
                   Description->Address);
    IoApic->GsiBase = Description->GsiBase;
    IoApic->PinCount = ((ReadRegister(IoApic, IOAPIC_VERSION) >> 16) & 0xFF) + 1;
    for (ULONG Pin = 0; Pin < IoApic->PinCount; Pin++)
        WriteEntry(IoApic, Pin, IOAPIC_ENTRY_MASKED);
    HalpIoApicCount++;
}

VOID HalpInitializeIoApics(VOID)
{
    for (ULONG i = 0; i < HalPlatform.IoApicCount && i < HAL_MAX_IOAPICS; i++)
        AddIoApic(&HalPlatform.IoApics[i]);
    if (HalpIoApicCount == 0)
        DbgPrint("hal: no I/O APIC: device interrupt lines cannot be connected\n");
}

BOOLEAN HalpIoApicHasGsi(ULONG Gsi)
{
    ULONG Pin;
    return FindPin(Gsi, &Pin) != NULL;
}

VOID HalpIoApicProgram(ULONG Gsi, UCHAR Vector, BOOLEAN ActiveLow, BOOLEAN LevelTriggered, ULONG Destination)
{
    ULONG Pin;
    HALP_IOAPIC *IoApic = FindPinOrBugCheck(Gsi, &Pin);
    ULONG64 Entry = Vector | IOAPIC_ENTRY_MASKED | ((ULONG64)Destination << IOAPIC_ENTRY_DESTINATION_SHIFT);

    if (ActiveLow)
        Entry |= IOAPIC_ENTRY_ACTIVE_LOW;
    if (LevelTriggered)
        Entry |= IOAPIC_ENTRY_LEVEL;
    KIRQL OldIrql = Lock();
    WriteEntry(IoApic, Pin, Entry);
    Unlock(OldIrql);
}

VOID HalpIoApicSetMasked(ULONG Gsi, BOOLEAN Masked)
{
    ChangeEntry(Gsi, IOAPIC_ENTRY_MASKED, Masked ? IOAPIC_ENTRY_MASKED : 0);
}

VOID HalpIoApicSetLevelTriggered(ULONG Gsi, BOOLEAN LevelTriggered)
{
    ChangeEntry(Gsi, IOAPIC_ENTRY_LEVEL, LevelTriggered ? IOAPIC_ENTRY_LEVEL : 0);
}

ULONG64 HalpIoApicReadEntry(ULONG Gsi)
{
    ULONG Pin;
    HALP_IOAPIC *IoApic = FindPinOrBugCheck(Gsi, &Pin);
    KIRQL OldIrql = Lock();
    ULONG64 Entry = ReadEntry(IoApic, Pin);
    Unlock(OldIrql);
    return Entry;
}
