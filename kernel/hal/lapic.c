/*
 * lapic.c - the local APIC: each CPU's own interrupt controller.
 *
 * Every interrupt a CPU takes passes through its local APIC. Messages arrive
 * from the I/O APICs (device lines), from other CPUs and from the CPU itself
 * (IPIs), and from the APIC's own sources (its timer, LINT0/LINT1 pins, its
 * error detector), each carrying a vector. The APIC keeps three bitmaps of
 * 256 bits:
 *   IRR  requested: accepted, waiting for the CPU;
 *   ISR  in service: given to the CPU, not yet acknowledged by an EOI;
 *   TMR  which in-service vectors came level-triggered.
 * It hands the CPU the highest requested vector V only when V's priority
 * class (V >> 4) is above the processor priority, PPR = max(TPR class,
 * class of the highest vector in service). The TPR is CR8: that is the whole
 * trick of IRQLs on x64 (ke/irql.h). An EOI retires the highest vector in
 * service; for a level-triggered vector the APIC also tells the I/O APICs, so
 * that the line may be sampled again.
 *
 * Two ways to reach the registers:
 *   xAPIC   memory-mapped, 4 KiB at the address IA32_APIC_BASE names
 *           (0xFEE00000 on a PC); must be mapped uncached (MmMapIoSpace)
 *   x2APIC  MSRs 0x800 + (offset >> 4): faster, 32-bit APIC IDs, a one-write
 *           self-IPI. Used when CPUID leaf 1 reports it (KVM does; QEMU's
 *           TCG does not, so the test machines run the xAPIC path).
 */
#include "apic.h"
#include "platform.h"
#include "vectors.h"
#include "x86.h"
#include "mm/mm.h"

#define MSR_APIC_BASE 0x1B
#define APIC_BASE_X2APIC (1ULL << 10) /* EXTD: registers are MSRs */
#define APIC_BASE_ENABLE (1ULL << 11) /* global enable */
#define APIC_BASE_ADDRESS 0x000FFFFFFFFFF000ULL
#define CPUID_1_ECX_X2APIC (1U << 21)

#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_ICR 0x830      /* the ICR is one 64-bit MSR in x2APIC mode */
#define MSR_X2APIC_SELF_IPI 0x83F /* write a vector: it is sent to this CPU */

static volatile ULONG *HalpLapicBase; /* xAPIC registers; NULL in x2APIC mode */
static BOOLEAN HalpX2Apic;

BOOLEAN HalpLapicIsX2Apic(VOID)
{
    return HalpX2Apic;
}

ULONG HalpLapicRead(ULONG Register)
{
    if (HalpX2Apic)
        return (ULONG)__readmsr(MSR_X2APIC_FIRST + (Register >> 4));
    return HalpLapicBase[Register / sizeof(ULONG)];
}

VOID HalpLapicWrite(ULONG Register, ULONG Value)
{
    if (HalpX2Apic)
        __writemsr(MSR_X2APIC_FIRST + (Register >> 4), Value);
    else
        HalpLapicBase[Register / sizeof(ULONG)] = Value;
}

/* The value written does not matter; writing is the acknowledgement. */
VOID HalpLapicEoi(VOID)
{
    HalpLapicWrite(LAPIC_EOI, 0);
}

ULONG HalpLapicId(VOID)
{
    ULONG Id = HalpLapicRead(LAPIC_ID);
    return HalpX2Apic ? Id : Id >> 24; /* xAPIC keeps its 8-bit ID in bits 31-24 */
}

VOID HalpSendSelfIpi(UCHAR Vector)
{
    if (HalpX2Apic) {
        __writemsr(MSR_X2APIC_SELF_IPI, Vector);
        return;
    }
    /* Writing the low half of the ICR sends the IPI; wait until the
     * previous one has left. Fixed delivery, edge, to this CPU only. */
    while (HalpLapicRead(LAPIC_ICR_LOW) & LAPIC_ICR_PENDING)
        _mm_pause();
    HalpLapicWrite(LAPIC_ICR_LOW, LAPIC_ICR_TO_SELF | Vector);
}

/* Sends an IPI: IcrLow (vector, delivery mode, level, trigger) to the APIC
 * whose ID is ApicId. In xAPIC mode the destination goes in the ICR's high
 * half and writing the low half sends; interrupts are off in between, so an
 * ISR sending its own IPI cannot change the destination under us. */
VOID HalpSendIpi(ULONG ApicId, ULONG IcrLow)
{
    ULONG64 Flags = __readeflags();

    _disable();
    if (HalpX2Apic) {
        __writemsr(MSR_X2APIC_ICR, ((ULONG64)ApicId << 32) | IcrLow);
    } else {
        while (HalpLapicRead(LAPIC_ICR_LOW) & LAPIC_ICR_PENDING)
            _mm_pause();
        HalpLapicWrite(LAPIC_ICR_HIGH, ApicId << 24);
        HalpLapicWrite(LAPIC_ICR_LOW, IcrLow);
        while (HalpLapicRead(LAPIC_ICR_LOW) & LAPIC_ICR_PENDING)
            _mm_pause();
    }
    if (Flags & EFLAGS_IF)
        _enable();
}

/* Switches the APIC into x2APIC mode if the CPU has it, otherwise maps the
 * xAPIC registers. Firmware may already have chosen x2APIC; the only way
 * back would be to disable the APIC, so that choice is kept. Every CPU runs
 * this for its own APIC (the mode is per CPU); the xAPIC registers are at the
 * same physical address on every CPU, each CPU reaching its own APIC there,
 * so one mapping serves all. */
static VOID ChooseAccessMode(VOID)
{
    ULONG Regs[4];
    ULONG64 Base = __readmsr(MSR_APIC_BASE);

    __cpuid(1, 0, Regs);
    if ((Regs[2] & CPUID_1_ECX_X2APIC) || (Base & APIC_BASE_X2APIC)) {
        __writemsr(MSR_APIC_BASE, Base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
        HalpX2Apic = TRUE;
        return;
    }
    __writemsr(MSR_APIC_BASE, Base | APIC_BASE_ENABLE);
    if (HalpLapicBase != NULL)
        return;
    PHYSICAL_ADDRESS Physical;
    Physical.QuadPart = (LONGLONG)(Base & APIC_BASE_ADDRESS); /* the MADT says the same */
    HalpLapicBase = MmMapIoSpace(Physical, PAGE_SIZE, MmNonCached);
    if (HalpLapicBase == NULL)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, Base, 0, 0, 0, NULL, "cannot map the local APIC's registers");
}

/* Whether an MADT "local APIC NMI" entry is for this processor: 0xFF means
 * every processor, anything else is an ACPI processor ID. */
static BOOLEAN NmiAppliesHere(const HAL_LAPIC_NMI *Nmi)
{
    if (Nmi->AcpiProcessorId == 0xFF)
        return TRUE;
    for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++) {
        if (HalPlatform.Processors[i].AcpiProcessorId == Nmi->AcpiProcessorId)
            return HalPlatform.Processors[i].ApicId == HalpLapicId();
    }
    return FALSE;
}

/* PCs wire NMI to LINT1, active high, and the MADT normally says just that;
 * what the MADT says for this processor wins. NMI is always edge-triggered,
 * so the entries have no trigger bit. */
static VOID ProgramNmiPins(VOID)
{
    HalpLapicWrite(LAPIC_LVT_LINT1, LAPIC_DELIVERY_NMI);
    for (ULONG i = 0; i < HalPlatform.NmiCount; i++) {
        const HAL_LAPIC_NMI *Nmi = &HalPlatform.Nmis[i];
        BOOLEAN ActiveLow = (Nmi->Flags & INTI_POLARITY_MASK) == INTI_POLARITY_LOW;
        if (NmiAppliesHere(Nmi))
            HalpLapicWrite(Nmi->Lint == 0 ? LAPIC_LVT_LINT0 : LAPIC_LVT_LINT1,
                           LAPIC_DELIVERY_NMI | (ActiveLow ? LAPIC_LVT_ACTIVE_LOW : 0));
    }
}

VOID HalpInitializeLapic(VOID)
{
    ChooseAccessMode();
    /* Software-enable first: while disabled, the APIC forces every LVT
     * entry masked and ignores writes that unmask one. */
    HalpLapicWrite(LAPIC_SVR, LAPIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR);
    HalpLapicWrite(LAPIC_TPR, 0);
    /* LINT0 is where the 8259 delivers (ExtINT): off, the 8259 is unused.
     * The timer is the clock's (clock.c); thermal and performance unused. */
    HalpLapicWrite(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED);
    HalpLapicWrite(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    HalpLapicWrite(LAPIC_LVT_THERMAL, LAPIC_LVT_MASKED);
    HalpLapicWrite(LAPIC_LVT_PERFORMANCE, LAPIC_LVT_MASKED);
    ProgramNmiPins();
    HalpLapicWrite(LAPIC_LVT_ERROR, APIC_ERROR_VECTOR);
    /* A write latches the errors seen so far into ESR (and clears them); the
     * second clears what the first latched. */
    HalpLapicWrite(LAPIC_ESR, 0);
    HalpLapicWrite(LAPIC_ESR, 0);
}
