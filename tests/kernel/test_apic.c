/*
 * test_apic.c - the interrupt hardware as HalInitializeInterrupts leaves it:
 * the local APIC, the 8259s, the I/O APIC pins and how ISA lines are routed
 * to them, and MmMapIoSpace, through which the HAL reaches the registers.
 */
#include "ktest.h"
#include "inttest.h"
#include "hal/interrupts.h"
#include "hal/ioapic.h"
#include "hal/platform.h"
#include "hal/vectors.h"
#include "ke/interruptp.h"
#include "mm/mm.h"
#include "rtl.h"

#define ISA_RTC_IRQ 8
#define MSR_APIC_BASE 0x1B /* bits 51-12: where this CPU's local APIC registers are */

/* ---- interrupt_hal: the local APIC ---- */

KTEST(interrupt_hal, lapic_enabled)
{
    ULONG Svr = HalpLapicRead(LAPIC_SVR);

    KT_EXPECT(Svr & LAPIC_SVR_ENABLE);
    KT_EXPECT_EQ(Svr & 0xFF, APIC_SPURIOUS_VECTOR);
    KT_EXPECT(HalpLapicRead(LAPIC_LVT_LINT0) & LAPIC_LVT_MASKED); /* the 8259's way in */
    KT_EXPECT_EQ(HalpLapicRead(LAPIC_LVT_LINT1) & 0x700, LAPIC_DELIVERY_NMI);
    KT_EXPECT_EQ(HalpLapicRead(LAPIC_LVT_ERROR) & (0xFF | LAPIC_LVT_MASKED), APIC_ERROR_VECTOR);
    KT_EXPECT_EQ(HalpLapicRead(LAPIC_PPR), 0); /* nothing in service, IRQL 0 */
}

/* Raising the IRQL raises the processor priority with it: PPR follows the
 * task priority when nothing is in service. */
KTEST(interrupt_hal, processor_priority_follows_irql)
{
    KIRQL OldIrql = KfRaiseIrql(CLOCK_LEVEL);
    KT_EXPECT_EQ(HalpLapicRead(LAPIC_PPR) >> 4, CLOCK_LEVEL);
    KfLowerIrql(OldIrql);
}

KTEST(interrupt_hal, apic_error_vector_connected)
{
    ULONG Before = HalpApicErrorCount;

    HalpSendSelfIpi(APIC_ERROR_VECTOR); /* not a real error: the handler finds ESR clear */
    KT_EXPECT(IntTestWaitUntil(HalpApicErrorCount == Before + 1));
    KT_EXPECT_EQ(HalpApicLastError, 0);
}

/* ---- interrupt_hal: the 8259s and the I/O APIC ---- */

KTEST(interrupt_hal, legacy_pic_masked)
{
    UCHAR Master, Slave;

    if (!HalPlatform.HasLegacyPic)
        KT_SKIP("the MADT says there is no 8259");
    HalpReadLegacyPicMasks(&Master, &Slave);
    KT_EXPECT_EQ(Master, 0xFF);
    KT_EXPECT_EQ(Slave, 0xFF);
}

/* A pin is open only while an interrupt object is connected to its vector. */
KTEST(interrupt_hal, ioapic_pins_masked_unless_connected)
{
    for (ULONG Gsi = 0; HalpIoApicHasGsi(Gsi); Gsi++) {
        ULONG64 Entry = HalpIoApicReadEntry(Gsi);
        ULONG Vector = (ULONG)(Entry & IOAPIC_ENTRY_VECTOR);
        BOOLEAN Connected = !IsListEmpty(&KiInterruptVectors[Vector].InterruptList);
        if (!(Entry & IOAPIC_ENTRY_MASKED) && !Connected) {
            KtInfo("GSI %u is unmasked (entry 0x%llx) with nothing connected to vector 0x%x", Gsi, Entry, Vector);
            KT_EXPECT(FALSE);
        }
    }
}

/* ISA IRQ 8 (the RTC): a GSI from the MADT, a vector whose class is the
 * IRQL, the entry programmed as ACPI describes the line, still masked. */
KTEST(interrupt_hal, isa_irq_routed_to_vector)
{
    KIRQL Irql = 0;
    KAFFINITY Affinity = 0;
    ULONG Gsi;
    USHORT Flags;

    ULONG Vector = HalGetInterruptVector(Isa, 0, ISA_RTC_IRQ, ISA_RTC_IRQ, &Irql, &Affinity);
    KT_ASSERT_NE(Vector, 0);
    KT_EXPECT_EQ(Irql, VECTOR_TO_IRQL(Vector));
    KT_EXPECT(Irql >= DEVICE_LEVEL_LOW && Irql <= DEVICE_LEVEL_HIGH);
    KT_EXPECT_EQ(Affinity, 1);
    KIRQL Again = 0;
    KT_EXPECT_EQ(HalGetInterruptVector(Isa, 0, ISA_RTC_IRQ, ISA_RTC_IRQ, &Again, &Affinity), Vector);
    KT_EXPECT_EQ(Again, Irql);

    HalpIsaIrqToGsi(ISA_RTC_IRQ, &Gsi, &Flags);
    ULONG64 Entry = HalpIoApicReadEntry(Gsi);
    KT_EXPECT_EQ(Entry & IOAPIC_ENTRY_VECTOR, Vector);
    KT_EXPECT(Entry & IOAPIC_ENTRY_MASKED);
    KT_EXPECT_EQ(Entry >> IOAPIC_ENTRY_DESTINATION_SHIFT, HalpLapicId());
    KT_EXPECT_EQ(!!(Entry & IOAPIC_ENTRY_LEVEL), (Flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_LEVEL);
    KT_EXPECT_EQ(!!(Entry & IOAPIC_ENTRY_ACTIVE_LOW), (Flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW);
    ULONG Found;
    KT_EXPECT(HalpVectorToGsi(Vector, &Found) && Found == Gsi);
}

/* IRQ 0, the PIT, is wired to GSI 2 on PCs: the MADT says so with an
 * interrupt source override, and the route follows it. */
KTEST(interrupt_hal, isa_irq_override_followed)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Gsi, RoutedGsi;
    USHORT Flags;

    HalpIsaIrqToGsi(0, &Gsi, &Flags);
    ULONG Vector = HalGetInterruptVector(Isa, 0, 0, 0, &Irql, &Affinity);
    KT_ASSERT_NE(Vector, 0);
    KT_EXPECT(HalpVectorToGsi(Vector, &RoutedGsi));
    KT_EXPECT_EQ(RoutedGsi, Gsi);
    KT_EXPECT_EQ(HalpIoApicReadEntry(Gsi) & IOAPIC_ENTRY_VECTOR, Vector);
}

KTEST(interrupt_hal, unroutable_lines_refused)
{
    KIRQL Irql;
    KAFFINITY Affinity;

    KT_EXPECT_EQ(HalGetInterruptVector(Isa, 0, 16, 16, &Irql, &Affinity), 0);       /* ISA has 16 IRQs */
    KT_EXPECT_EQ(HalGetInterruptVector(PCIBus, 0, 0xFF, 0xFF, &Irql, &Affinity), 0); /* line register: unrouted */
    KT_EXPECT_EQ(HalGetInterruptVector(Internal, 0, 9999, 0, &Irql, &Affinity), 0); /* no such pin */
}

KTEST(interrupt_hal, device_vectors_allocated_by_class)
{
    ULONG A = HalpAllocateDeviceVector(5);
    ULONG B = HalpAllocateDeviceVector(5);

    KT_EXPECT_EQ(VECTOR_TO_IRQL(A), 5);
    KT_EXPECT_EQ(VECTOR_TO_IRQL(B), 5);
    KT_EXPECT_NE(A, B);
    KT_EXPECT_EQ(HalpAllocateDeviceVector(DISPATCH_LEVEL), 0); /* not a device IRQL */
    HalpFreeDeviceVector(A);
    HalpFreeDeviceVector(B);
}

/* ---- interrupt_hal: MmMapIoSpace ---- */

KTEST(interrupt_hal, map_io_space_uncached)
{
    ULONG Protect = 0;
    PHYSICAL_ADDRESS Physical;

    if (HalpLapicIsX2Apic())
        KT_SKIP("x2APIC: the registers are MSRs, not memory");
    Physical.QuadPart = (LONGLONG)((__readmsr(MSR_APIC_BASE) & 0x000FFFFFFFFFF000ULL) + LAPIC_VERSION);
    volatile ULONG *Version = MmMapIoSpace(Physical, sizeof(ULONG), MmNonCached);
    KT_ASSERT(Version != NULL);
    KT_EXPECT_EQ((ULONG_PTR)Version & 0xFFF, LAPIC_VERSION); /* the offset in the page is kept */
    KT_EXPECT_EQ(*Version, HalpLapicRead(LAPIC_VERSION));
    KT_EXPECT(MmQueryProtection((PVOID)Version, &Protect));
    KT_EXPECT_EQ(Protect, MM_WRITE | MM_UNCACHED);
    MmUnmapIoSpace((PVOID)Version, sizeof(ULONG));
    KT_EXPECT(!MmIsAddressValid((PVOID)Version));
}

KTEST(interrupt_hal, map_io_space_across_pages)
{
    PHYSICAL_ADDRESS Physical;

    Physical.QuadPart = 0xFEC00FF8; /* 8 bytes in one page, 8 in the next */
    PUCHAR Va = MmMapIoSpace(Physical, 16, MmNonCached);
    KT_ASSERT(Va != NULL);
    KT_EXPECT(MmIsAddressValid(Va));
    KT_EXPECT(MmIsAddressValid(Va + 15));
    ULONG64 Translated = 0;
    KT_EXPECT(MmTranslate(Va + 8, &Translated));
    KT_EXPECT_EQ(Translated, 0xFEC01000);
    MmUnmapIoSpace(Va, 16);
    KT_EXPECT(!MmIsAddressValid(Va + 15));
    KT_EXPECT(MmMapIoSpace(Physical, 0, MmNonCached) == NULL);
}
