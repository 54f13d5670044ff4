/*
 * routing.c - from a device's interrupt line to a vector, and so to an IRQL.
 *
 * A line is named by its bus: ISA IRQ 8 is the RTC. ACPI's MADT says which
 * global system interrupt (GSI), that is which I/O APIC pin, each ISA IRQ
 * arrives on, and how it signals (HalpIsaIrqToGsi: IRQ 0 arrives on GSI 2 on
 * most PCs). A PCI function's line is named, as NT4's HAL named it, by its
 * Interrupt Line register: the ISA IRQ the firmware routed it to, taken to
 * the same GSI but always level-triggered (PciLineToGsi; docs/pci.md, "INTx
 * without AML"). The HAL then picks the line's vector, and the vector fixes
 * the IRQL: IRQL = vector >> 4.
 *
 * Which IRQL? Like the 8259s, which gave IRQ 0 the highest priority, a lower
 * GSI ranks higher here, two lines per IRQL: GSIs 0-1 get DIRQL 11, 2-3 get
 * 10, ... 14-15 get 4, and 16 and above (the PCI lines) get 3. A device thus
 * gets the same IRQL on every boot, whatever order its driver loads in. In its
 * IRQL's 16 vectors a line takes the lowest one free: GSI 8, the RTC, gets
 * 0x70.
 *
 * HalpVectorLines remembers which GSI each vector was given, so that
 * connecting an interrupt object can unmask the right pin.
 */
#include "interrupts.h"
#include "apic.h"
#include "ioapic.h"
#include "platform.h"
#include "vectors.h"

typedef struct _HALP_VECTOR_LINE {
    BOOLEAN Allocated;
    BOOLEAN HasLine; /* routed from a GSI by HalGetInterruptVector */
    ULONG Gsi;
    BOOLEAN LevelTriggered; /* as ACPI describes the line */
} HALP_VECTOR_LINE;

static HALP_VECTOR_LINE HalpVectorLines[256];
static KSPIN_LOCK HalpRoutingLock; /* after the kernel's KiVectorLock, before the I/O APICs' */

static KIRQL Lock(VOID)
{
    return KiAcquireSpinLockRaiseToHigh(&HalpRoutingLock);
}

static VOID Unlock(KIRQL OldIrql)
{
    KiReleaseSpinLockFromHigh(&HalpRoutingLock, OldIrql);
}

static KIRQL IrqlForGsi(ULONG Gsi)
{
    return (KIRQL)(DEVICE_LEVEL_HIGH - (Gsi < 16 ? Gsi : 16) / 2);
}

/* The lowest free vector of class Irql, marked allocated; 0 if none. Under
 * the lock. */
static ULONG TakeVector(KIRQL Irql)
{
    for (ULONG Index = 0; Index < 16; Index++) {
        ULONG Vector = DEVICE_VECTOR(Irql, Index);
        if (!HalpVectorLines[Vector].Allocated) {
            HalpVectorLines[Vector].Allocated = TRUE;
            return Vector;
        }
    }
    return 0;
}

ULONG HalpAllocateDeviceVector(KIRQL Irql)
{
    if (Irql < DEVICE_LEVEL_LOW || Irql > DEVICE_LEVEL_HIGH)
        return 0;
    KIRQL OldIrql = Lock();
    ULONG Vector = TakeVector(Irql);
    Unlock(OldIrql);
    return Vector;
}

VOID HalpFreeDeviceVector(ULONG Vector)
{
    KIRQL OldIrql = Lock();
    if (Vector < ARRAYSIZE(HalpVectorLines) && !HalpVectorLines[Vector].HasLine)
        HalpVectorLines[Vector].Allocated = FALSE;
    Unlock(OldIrql);
}

BOOLEAN HalpVectorToGsi(ULONG Vector, PULONG Gsi)
{
    KIRQL OldIrql = Lock();
    BOOLEAN HasLine = Vector < ARRAYSIZE(HalpVectorLines) && HalpVectorLines[Vector].HasLine;
    if (HasLine)
        *Gsi = HalpVectorLines[Vector].Gsi;
    Unlock(OldIrql);
    return HasLine;
}

/* The vector already routed from Gsi, or a new one; 0 when its class is
 * full. Under the lock. */
static ULONG VectorForGsi(ULONG Gsi, BOOLEAN LevelTriggered, BOOLEAN *IsNew)
{
    for (ULONG Vector = PRIMARY_VECTOR_BASE; Vector < ARRAYSIZE(HalpVectorLines); Vector++) {
        if (HalpVectorLines[Vector].HasLine && HalpVectorLines[Vector].Gsi == Gsi) {
            *IsNew = FALSE;
            return Vector;
        }
    }
    ULONG Vector = TakeVector(IrqlForGsi(Gsi));
    if (Vector != 0) {
        HalpVectorLines[Vector].HasLine = TRUE;
        HalpVectorLines[Vector].Gsi = Gsi;
        HalpVectorLines[Vector].LevelTriggered = LevelTriggered;
    }
    *IsNew = TRUE;
    return Vector;
}

/* A PCI function's INTx, named by its Interrupt Line register (NT4's
 * convention for PCIBus): the ISA IRQ the firmware routed the function's PIRQ
 * to. In QEMU that IRQ's I/O APIC input carries the PIRQ as well, so the line
 * arrives on the ISA IRQ's GSI (MADT override included). PCI interrupts are
 * level-triggered and shareable whatever the ISA bus would say; the polarity
 * is the override's (QEMU: active high). 0 and 0xFF mean "not routed".
 * docs/pci.md, "INTx without AML", says why this rule and not the _PRT. */
static BOOLEAN PciLineToGsi(ULONG Line, PULONG Gsi, USHORT *Flags)
{
    if (Line == 0 || Line >= 16)
        return FALSE;
    HalpIsaIrqToGsi(Line, Gsi, Flags);
    *Flags = (USHORT)((*Flags & ~INTI_TRIGGER_MASK) | INTI_TRIGGER_LEVEL);
    return TRUE;
}

/* The GSI of a bus interrupt and how it signals; FALSE for a bus or line we
 * cannot route. */
static BOOLEAN BusLineToGsi(INTERFACE_TYPE InterfaceType, ULONG Level, PULONG Gsi, USHORT *Flags)
{
    if (InterfaceType == Isa && Level < 16) {
        HalpIsaIrqToGsi(Level, Gsi, Flags);
        return TRUE;
    }
    if (InterfaceType == PCIBus)
        return PciLineToGsi(Level, Gsi, Flags);
    if (InterfaceType == Internal) {
        *Gsi = Level;
        *Flags = INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE;
        return TRUE;
    }
    return FALSE;
}

ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity)
{
    ULONG Gsi;
    USHORT Flags;
    BOOLEAN IsNew;

    UNREFERENCED_PARAMETER(BusNumber);          /* the line register already says where */
    UNREFERENCED_PARAMETER(BusInterruptVector); /* for ISA and PCI the same as the level */
    if (!BusLineToGsi(InterfaceType, BusInterruptLevel, &Gsi, &Flags) || !HalpIoApicHasGsi(Gsi))
        return 0;
    BOOLEAN LevelTriggered = (Flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL;
    KIRQL OldIrql = Lock();
    ULONG Vector = VectorForGsi(Gsi, LevelTriggered, &IsNew);
    if (Vector != 0 && IsNew)
        HalpIoApicProgram(Gsi, (UCHAR)Vector, (Flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW, LevelTriggered,
                          HalpLapicId());
    Unlock(OldIrql);
    if (Vector == 0)
        return 0;
    *Irql = VECTOR_TO_IRQL(Vector);
    *Affinity = 1; /* processor 0, the boot processor: the I/O APIC entry names it */
    return Vector;
}

/* The trigger mode comes from the connection, as in NT: the driver's
 * InterruptMode, which PnP takes from the same ACPI description. A driver
 * that says otherwise gets what it asked for, with a note on the console. */
BOOLEAN HalEnableSystemInterrupt(ULONG Vector, KIRQL Irql, KINTERRUPT_MODE InterruptMode)
{
    ULONG Gsi;

    UNREFERENCED_PARAMETER(Irql);
    if (!HalpVectorToGsi(Vector, &Gsi))
        return TRUE;
    BOOLEAN Level = InterruptMode == LevelSensitive;
    if (Level != HalpVectorLines[Vector].LevelTriggered)
        DbgPrint("hal: GSI %u (vector 0x%02x) connected %s-triggered; ACPI describes it %s-triggered\n", Gsi, Vector,
                 Level ? "level" : "edge", Level ? "edge" : "level");
    HalpIoApicSetLevelTriggered(Gsi, Level);
    HalpIoApicSetMasked(Gsi, FALSE);
    return TRUE;
}

VOID HalDisableSystemInterrupt(ULONG Vector, KIRQL Irql)
{
    ULONG Gsi;

    UNREFERENCED_PARAMETER(Irql);
    if (HalpVectorToGsi(Vector, &Gsi))
        HalpIoApicSetMasked(Gsi, TRUE);
}
