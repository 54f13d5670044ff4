/*
 * test_interrupt_line.c - a real device line: the RTC on ISA IRQ 8, through
 * the I/O APIC to its ISR. Edge-triggered, as ACPI describes it, and then
 * level-triggered, to make an interrupt storm on purpose.
 */
#include "ktest.h"
#include "inttest.h"
#include "io/io.h"
#include "hal/interrupts.h"
#include "hal/ioapic.h"
#include "hal/platform.h"
#include "hal/vectors.h"
#include "ke/interruptp.h"

/* The MC146818 real-time clock raises its interrupt output when a flag it
 * was told to report is set, and lowers it only when register C is read.
 * Periodic mode sets the PF flag 1024 times a second here. */

#define ISA_RTC_IRQ 8
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define RTC_REGISTER_A 0x0A
#define RTC_REGISTER_B 0x0B
#define RTC_REGISTER_C 0x0C
#define RTC_A_1024_HZ 0x26      /* the 32.768 kHz time base, rate 6 */
#define RTC_B_PERIODIC 0x40     /* PIE: report PF */
#define RTC_C_INTERRUPTING 0xC0 /* IRQF (some reported flag is set) and PF */

typedef struct _RTC_TEST {
    PKINTERRUPT Interrupt;
    ULONG Vector;
    KIRQL Irql;
    volatile ULONG Ticks;
    volatile KIRQL IrqlSeen;
} RTC_TEST;

static UCHAR CmosRead(UCHAR Register)
{
    __outbyte(CMOS_INDEX, Register);
    return __inbyte(CMOS_DATA);
}

static VOID CmosWrite(UCHAR Register, UCHAR Value)
{
    __outbyte(CMOS_INDEX, Register);
    __outbyte(CMOS_DATA, Value);
}

/* A driver's ISR: ask the device whether it interrupted; if so, acknowledge
 * it (reading C lowers the line) and claim the interrupt. */
static BOOLEAN RtcIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    RTC_TEST *Rtc = ServiceContext;

    if ((CmosRead(RTC_REGISTER_C) & RTC_C_INTERRUPTING) != RTC_C_INTERRUPTING)
        return FALSE;
    Rtc->IrqlSeen = KeGetCurrentIrql();
    Rtc->Ticks++;
    return TRUE;
}

/* A broken ISR: never looks at the device, so never acknowledges it. */
static BOOLEAN RtcIgnoringIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    RTC_TEST *Rtc = ServiceContext;
    Rtc->Ticks++;
    return FALSE;
}

/* The CMOS index and data ports are shared with the ISR, so the periodic
 * interrupt is switched under the interrupt's lock: a SynchCritSection. */
static BOOLEAN RtcSetPeriodic(PVOID SynchronizeContext)
{
    BOOLEAN On = SynchronizeContext != NULL;
    UCHAR B = CmosRead(RTC_REGISTER_B);

    CmosWrite(RTC_REGISTER_A, RTC_A_1024_HZ);
    CmosWrite(RTC_REGISTER_B, On ? B | RTC_B_PERIODIC : B & ~RTC_B_PERIODIC);
    CmosRead(RTC_REGISTER_C); /* clear what is pending: the line goes low */
    return TRUE;
}

static NTSTATUS RtcConnect(RTC_TEST *Rtc, PKSERVICE_ROUTINE Isr, KINTERRUPT_MODE Mode)
{
    KAFFINITY Affinity;

    Rtc->Vector = HalGetInterruptVector(Isa, 0, ISA_RTC_IRQ, ISA_RTC_IRQ, &Rtc->Irql, &Affinity);
    if (Rtc->Vector == 0)
        return STATUS_NOT_FOUND;
    return IoConnectInterrupt(&Rtc->Interrupt, Isr, Rtc, NULL, Rtc->Vector, Rtc->Irql, Rtc->Irql, Mode, FALSE, Affinity,
                              FALSE);
}

static VOID RtcDisconnect(RTC_TEST *Rtc)
{
    KeSynchronizeExecution(Rtc->Interrupt, RtcSetPeriodic, NULL);
    IoDisconnectInterrupt(Rtc->Interrupt);
}

static ULONG RtcGsi(VOID)
{
    ULONG Gsi;
    USHORT Flags;
    HalpIsaIrqToGsi(ISA_RTC_IRQ, &Gsi, &Flags);
    return Gsi;
}

KTEST(interrupt_line, rtc_reaches_its_isr_at_dirql)
{
    RTC_TEST Rtc = {0};

    KT_ASSERT_EQ(RtcConnect(&Rtc, RtcIsr, Latched), STATUS_SUCCESS);
    ULONG64 Entry = HalpIoApicReadEntry(RtcGsi());
    KT_EXPECT(!(Entry & IOAPIC_ENTRY_MASKED)); /* connected: the pin is open */
    KT_EXPECT(!(Entry & IOAPIC_ENTRY_LEVEL));
    KeSynchronizeExecution(Rtc.Interrupt, RtcSetPeriodic, (PVOID)1);
    KT_EXPECT(IntTestWaitUntil(Rtc.Ticks >= 3));
    RtcDisconnect(&Rtc);
    KT_EXPECT_EQ(Rtc.IrqlSeen, Rtc.Irql);
    KT_EXPECT_EQ(Rtc.Irql, VECTOR_TO_IRQL(Rtc.Vector));
    KT_EXPECT(HalpIoApicReadEntry(RtcGsi()) & IOAPIC_ENTRY_MASKED); /* disconnected: closed again */
}

/* The RTC interrupts while the CPU is at the RTC's IRQL: the I/O APIC sends
 * the message, the local APIC accepts it into IRR, and it waits there until
 * the IRQL drops. */
KTEST(interrupt_line, raised_irql_holds_back_the_rtc)
{
    RTC_TEST Rtc = {0};

    KT_ASSERT_EQ(RtcConnect(&Rtc, RtcIsr, Latched), STATUS_SUCCESS);
    KeSynchronizeExecution(Rtc.Interrupt, RtcSetPeriodic, (PVOID)1);
    KIRQL OldIrql = KfRaiseIrql(Rtc.Irql);
    CmosRead(RTC_REGISTER_C); /* at the RTC's IRQL the ISR cannot interfere */
    KT_EXPECT(IntTestWaitUntil(IntTestIsRequested(Rtc.Vector)));
    ULONG Before = Rtc.Ticks;
    for (volatile int i = 0; i < 100000; i++)
        ;
    KT_EXPECT_EQ(Rtc.Ticks, Before);
    KfLowerIrql(OldIrql);
    /* The request held in IRR is delivered now. It may be one the RTC sent
     * before register C was read, whose flags that read cleared: then the ISR
     * rightly says "not mine", and the next period's interrupt is the one
     * counted. So wait for a tick, rather than expect it at once. */
    KT_EXPECT(IntTestWaitUntil(Rtc.Ticks > Before));
    RtcDisconnect(&Rtc);
}

/* An interrupt storm, made on purpose. Connected level-triggered, the RTC's
 * line is re-delivered after every EOI for as long as it is asserted, and
 * RtcIgnoringIsr never reads register C to lower it. Without the storm
 * detector the CPU would never leave the interrupt handler again. */
KTEST(interrupt_line, level_triggered_storm_is_masked)
{
    RTC_TEST Rtc = {0};

    KT_ASSERT_EQ(RtcConnect(&Rtc, RtcIgnoringIsr, LevelSensitive), STATUS_SUCCESS);
    KI_INTERRUPT_VECTOR *Entry = &KiInterruptVectors[Rtc.Vector];
    KT_EXPECT(HalpIoApicReadEntry(RtcGsi()) & IOAPIC_ENTRY_LEVEL);
    KeSynchronizeExecution(Rtc.Interrupt, RtcSetPeriodic, (PVOID)1);
    KT_EXPECT(IntTestWaitUntil(Entry->StormMasked));
    KT_EXPECT_GE(Rtc.Ticks, KI_INTERRUPT_STORM_THRESHOLD);
    KT_EXPECT_GE(Entry->ConsecutiveUnclaimed, KI_INTERRUPT_STORM_THRESHOLD);
    KT_EXPECT(HalpIoApicReadEntry(RtcGsi()) & IOAPIC_ENTRY_MASKED);
    RtcDisconnect(&Rtc);

    /* Connected again, properly, the line works: edge-triggered, unmasked. */
    RTC_TEST Again = {0};
    KT_ASSERT_EQ(RtcConnect(&Again, RtcIsr, Latched), STATUS_SUCCESS);
    KT_EXPECT(!Entry->StormMasked);
    KeSynchronizeExecution(Again.Interrupt, RtcSetPeriodic, (PVOID)1);
    KT_EXPECT(IntTestWaitUntil(Again.Ticks >= 2));
    RtcDisconnect(&Again);
}
