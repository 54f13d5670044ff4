/*
 * test_acpi.c - the machine as HalpInitializeAcpi read it from QEMU's real
 * tables. (How the parser treats malformed tables is tested on the host, in
 * tests/host/test_acpi.c, where tables can be broken at will.)
 */
#include "ktest.h"
#include "hal/platform.h"
#include "hal/x86.h"

/* CPUID leaf 1, EBX bits 31-24: this CPU's initial APIC ID. */
static ULONG ThisCpuApicId(VOID)
{
    ULONG Registers[4];

    __cpuid(1, 0, Registers);
    return Registers[1] >> 24;
}

KTEST(acpi, tables_used)
{
    /* Every QEMU machine has a well-formed MADT: the defaults mean a bug. */
    KT_EXPECT(HalPlatform.FromAcpi);
    KT_EXPECT_EQ(HalPlatform.LocalApicAddress, 0xFEE00000);
    KT_EXPECT(HalPlatform.HasLegacyPic);
}

KTEST(acpi, boot_cpu_listed)
{
    BOOLEAN Found = FALSE;

    KT_ASSERT(HalPlatform.ProcessorCount >= 1);
    for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++) {
        const HAL_PROCESSOR *Processor = &HalPlatform.Processors[i];
        if (Processor->ApicId == ThisCpuApicId() && Processor->Enabled)
            Found = TRUE;
        for (ULONG j = 0; j < i; j++)
            KT_EXPECT_NE(HalPlatform.Processors[j].ApicId, Processor->ApicId); /* no APIC ID twice */
    }
    KT_EXPECT(Found);
}

KTEST(acpi, one_ioapic)
{
    KT_ASSERT_EQ(HalPlatform.IoApicCount, 1);
    KT_EXPECT_EQ(HalPlatform.IoApics[0].Address, 0xFEC00000);
    KT_EXPECT_EQ(HalPlatform.IoApics[0].GsiBase, 0);
}

KTEST(acpi, isa_irqs_to_gsis)
{
    ULONG Gsi;
    USHORT Flags;

    HalpIsaIrqToGsi(0, &Gsi, &Flags); /* the PIT: moved to pin 2 by an override */
    KT_EXPECT_EQ(Gsi, 2);
    KT_EXPECT_EQ(Flags, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE);
    HalpIsaIrqToGsi(4, &Gsi, &Flags); /* COM1: no override, so ISA's defaults */
    KT_EXPECT_EQ(Gsi, 4);
    KT_EXPECT_EQ(Flags, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE);
    HalpIsaIrqToGsi(9, &Gsi, &Flags); /* the ACPI SCI: QEMU makes it level-triggered */
    KT_EXPECT_EQ(Gsi, 9);
    KT_EXPECT_EQ(Flags & INTI_TRIGGER_MASK, INTI_TRIGGER_LEVEL);
}

KTEST(acpi, nmi_on_lint1)
{
    KT_ASSERT(HalPlatform.NmiCount >= 1);
    KT_EXPECT_EQ(HalPlatform.Nmis[0].AcpiProcessorId, 0xFF); /* every processor */
    KT_EXPECT_EQ(HalPlatform.Nmis[0].Lint, 1);
}

KTEST(acpi, mcfg_consistent)
{
    if (HalPlatform.McfgCount == 0)
        KT_SKIP("no MCFG: a plain PCI machine such as -M pc");
    for (ULONG i = 0; i < HalPlatform.McfgCount; i++) {
        const HAL_MCFG_ALLOCATION *Window = &HalPlatform.Mcfg[i];
        KT_EXPECT_EQ(Window->BaseAddress & 0xFFF, 0);
        KT_EXPECT_NE(Window->BaseAddress, 0);
        KT_EXPECT_LE(Window->StartBus, Window->EndBus);
    }
}

KTEST(acpi, hpet)
{
    KT_EXPECT_EQ(HalPlatform.HpetAddress, 0xFED00000);
}
