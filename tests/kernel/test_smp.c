/*
 * test_smp.c - every processor the MADT lists is running, each with its own
 * KPRCB, descriptor tables and clock (kernel/ke/mpinit.c, kernel/hal/mp.c).
 * Run at -smp 1, -smp 4 and -smp 6,sockets=2,cores=3 (APIC IDs 0,1,2,4,5,6).
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/prcb.h"
#include "ke/ipi.h"
#include "hal/platform.h"
#include "hal/hal_internal.h"
#include "rtl.h"

typedef struct _SMP_SEEN {
    PKPRCB Prcb;
    ULONG ApicId; /* the APIC's own ID register */
    ULONG64 GdtBase;
    USHORT Tr; /* the task register: the TSS selector */
} SMP_SEEN;

static SMP_SEEN Seen[MAXIMUM_PROCESSORS];

static ULONG_PTR RecordProcessor(ULONG_PTR Argument)
{
    struct __attribute__((packed)) {
        USHORT Limit;
        ULONG64 Base;
    } Gdtr;
    SMP_SEEN *Entry = &Seen[KeGetCurrentProcessorNumber()];

    UNREFERENCED_PARAMETER(Argument);
    __asm__ volatile("sgdt %0" : "=m"(Gdtr));
    __asm__ volatile("str %0" : "=r"(Entry->Tr));
    Entry->Prcb = KeGetCurrentPrcb();
    Entry->ApicId = HalpLapicId();
    Entry->GdtBase = Gdtr.Base;
    return 0;
}

/* Every enabled MADT entry is a running processor (unless `cpus=N` asked
 * for fewer). */
KTEST(smp, every_madt_processor_runs)
{
    ULONG Enabled = 0;
    ULONG64 Mask;

    for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++)
        Enabled += HalPlatform.Processors[i].Enabled;
    if (KeHasOption("cpus"))
        KT_SKIP("cpus= limits the count");
    KT_EXPECT_EQ(KeQueryActiveProcessorCount(&Mask), Enabled);
    KT_EXPECT_EQ(KeNumberProcessors, Enabled);
    KT_EXPECT_EQ(Mask, Enabled >= 64 ? ~0ULL : (1ULL << Enabled) - 1);
}

/* Each processor's GS reaches its own KPRCB, whose number and APIC ID are
 * its own, and each has its own GDT (hence its own TSS). */
KTEST(smp, each_processor_has_its_own_prcb_and_gdt)
{
    ULONG Count = KeNumberProcessors;

    RtlZeroMemory(Seen, sizeof(Seen));
    KeIpiGenericCall(RecordProcessor, 0);
    for (ULONG n = 0; n < Count; n++) {
        KT_EXPECT_EQ(Seen[n].Prcb, KiProcessorBlock[n]);
        KT_EXPECT_EQ(Seen[n].Prcb->Number, n);
        KT_EXPECT_EQ(Seen[n].Prcb->ApicId, Seen[n].ApicId);
        KT_EXPECT_EQ(Seen[n].Tr, KGDT_TSS);
        for (ULONG m = 0; m < n; m++) {
            KT_EXPECT_NE(Seen[n].GdtBase, Seen[m].GdtBase);
            KT_EXPECT_NE(Seen[n].ApicId, Seen[m].ApicId);
        }
    }
}

/* The APIC IDs are the MADT's, whatever gaps they have. */
KTEST(smp, apic_ids_come_from_the_madt)
{
    for (ULONG n = 0; n < KeNumberProcessors; n++) {
        BOOLEAN Listed = FALSE;
        for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++)
            Listed |=
                HalPlatform.Processors[i].Enabled && HalPlatform.Processors[i].ApicId == KiProcessorBlock[n]->ApicId;
        KT_EXPECT(Listed);
    }
}

/* Every processor's own LAPIC timer interrupts it. */
KTEST(smp, every_processor_has_a_clock)
{
    ULONG64 Before[MAXIMUM_PROCESSORS];
    ULONG Count = KeNumberProcessors;

    for (ULONG n = 0; n < Count; n++)
        Before[n] = KiProcessorBlock[n]->ClockTickCount;
    for (ULONG n = 0; n < Count; n++)
        KT_EXPECT(IntTestWaitUntil(KiProcessorBlock[n]->ClockTickCount >= Before[n] + 3));
}

KTEST(smp, processor_number_ex)
{
    PROCESSOR_NUMBER Number;
    KIRQL OldIrql;

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    ULONG Plain = KeGetCurrentProcessorNumber();
    KT_EXPECT_EQ(KeGetCurrentProcessorNumberEx(&Number), Plain);
    KeLowerIrql(OldIrql);
    KT_EXPECT_EQ(Number.Group, 0);
    KT_EXPECT_EQ(Number.Number, Plain);
}
