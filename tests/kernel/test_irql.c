/*
 * test_irql.c - IRQLs: raising and lowering, and the APC and DISPATCH
 * software interrupts, which must arrive exactly when the IRQL drops below
 * their level and not before.
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/irql.h"
#include "ke/softint.h"
#include "hal/interrupts.h"
#include "rtl.h"

/* ---- irql: raising and lowering ---- */

KTEST(irql, raise_and_lower)
{
    KIRQL OldIrql;

    KT_ASSERT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL); /* tests run at PASSIVE_LEVEL */
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KT_EXPECT_EQ(OldIrql, PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), DISPATCH_LEVEL);
    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql); /* raising to the same level is allowed */
    KT_EXPECT_EQ(OldIrql, DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeRaiseIrqlToSynchLevel(), DISPATCH_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), SYNCH_LEVEL);
    KeLowerIrql(PASSIVE_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* On x64 the IRQL is CR8, and CR8 is the local APIC's task priority: the
 * same value, seen through two doors. */
KTEST(irql, irql_is_the_apic_task_priority)
{
    for (KIRQL Level = PASSIVE_LEVEL; Level <= HIGH_LEVEL; Level++) {
        KfRaiseIrql(Level);
        KT_EXPECT_EQ(__readcr8(), Level);
        KT_EXPECT_EQ(HalpLapicRead(LAPIC_TPR) >> 4, Level);
    }
    KeLowerIrql(PASSIVE_LEVEL);
    KT_EXPECT_EQ(HalpLapicRead(LAPIC_TPR), 0);
}

/* ---- irql: software interrupts ---- */

/* What the hooks saw: how many of each arrived, at which IRQL, in what
 * order ('A' for APC, 'D' for DISPATCH). */
static volatile ULONG ApcCount, DispatchCount;
static volatile KIRQL ApcIrql, DispatchIrql;
static volatile BOOLEAN HookInterruptsEnabled;
static char Order[8];
static volatile ULONG OrderLength;

static VOID Note(char Which)
{
    if (OrderLength < sizeof(Order) - 1)
        Order[OrderLength++] = Which;
}

static VOID ApcHook(VOID)
{
    ApcIrql = KeGetCurrentIrql();
    ApcCount++;
    Note('A');
}

static VOID DispatchHook(VOID)
{
    DispatchIrql = KeGetCurrentIrql();
    HookInterruptsEnabled = (__readeflags() & EFLAGS_IF) != 0;
    DispatchCount++;
    Note('D');
}

/* The hooks in place before the test (the DPC queue's drain, ke/dpc.h). */
static KSOFTWARE_INTERRUPT_HOOK *SavedApcHook, *SavedDispatchHook;

static VOID InstallHooks(VOID)
{
    SavedApcHook = KiApcInterruptHook;
    SavedDispatchHook = KiDispatchInterruptHook;
    ApcCount = DispatchCount = OrderLength = 0;
    ApcIrql = DispatchIrql = HIGH_LEVEL;
    RtlZeroMemory(Order, sizeof(Order));
    KiApcInterruptHook = ApcHook;
    KiDispatchInterruptHook = DispatchHook;
}

static VOID RemoveHooks(VOID)
{
    KiApcInterruptHook = SavedApcHook;
    KiDispatchInterruptHook = SavedDispatchHook;
}

KTEST(irql, dispatch_interrupt_waits_until_below_dispatch)
{
    InstallHooks();
    KfRaiseIrql(DISPATCH_LEVEL);
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    KT_EXPECT_EQ(DispatchCount, 0);
    KfRaiseIrql(HIGH_LEVEL);
    KfLowerIrql(DISPATCH_LEVEL); /* down to its level: still held back */
    KT_EXPECT_EQ(DispatchCount, 0);
    KfLowerIrql(APC_LEVEL); /* below it: delivered now */
    KT_EXPECT_EQ(DispatchCount, 1);
    KfLowerIrql(PASSIVE_LEVEL);
    RemoveHooks();
    KT_EXPECT_EQ(DispatchCount, 1);
    KT_EXPECT_EQ(DispatchIrql, DISPATCH_LEVEL);
    KT_EXPECT(HookInterruptsEnabled);
}

KTEST(irql, apc_interrupt_waits_until_passive)
{
    InstallHooks();
    KfRaiseIrql(APC_LEVEL);
    HalRequestSoftwareInterrupt(APC_LEVEL);
    KT_EXPECT_EQ(ApcCount, 0);
    KfLowerIrql(PASSIVE_LEVEL);
    KT_EXPECT_EQ(ApcCount, 1);
    RemoveHooks();
    KT_EXPECT_EQ(ApcIrql, APC_LEVEL);
}

/* Both pending when the IRQL falls to PASSIVE_LEVEL: the APIC gives the
 * higher vector first, and the APC waits for the DISPATCH handler to end,
 * since it runs at DISPATCH_LEVEL. */
KTEST(irql, dispatch_before_apc)
{
    InstallHooks();
    KfRaiseIrql(DISPATCH_LEVEL);
    HalRequestSoftwareInterrupt(APC_LEVEL);
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    KfLowerIrql(PASSIVE_LEVEL);
    RemoveHooks();
    KT_EXPECT_STREQ(Order, "DA");
}

/* A request is one bit in the APIC's IRR: asking twice before it is
 * delivered still gives one interrupt, as in NT. */
KTEST(irql, requests_merge)
{
    InstallHooks();
    KfRaiseIrql(DISPATCH_LEVEL);
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    KfLowerIrql(PASSIVE_LEVEL);
    RemoveHooks();
    KT_EXPECT_EQ(DispatchCount, 1);
}

/* Requested below its level, the interrupt comes at once: the APIC delivers
 * it as soon as the self-IPI lands, a few instructions later at most. */
KTEST(irql, request_below_its_level_arrives_at_once)
{
    InstallHooks();
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    KT_EXPECT(IntTestWaitUntil(DispatchCount == 1));
    HalRequestSoftwareInterrupt(APC_LEVEL);
    KT_EXPECT(IntTestWaitUntil(ApcCount == 1));
    RemoveHooks();
    KT_EXPECT_STREQ(Order, "DA");
}

/* A request made with interrupts disabled waits for them too, whatever the
 * IRQL. */
KTEST(irql, request_waits_for_interrupts_enabled)
{
    InstallHooks();
    _disable();
    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    for (volatile int i = 0; i < 1000; i++)
        ;
    KT_EXPECT_EQ(DispatchCount, 0);
    _enable();
    KT_EXPECT(IntTestWaitUntil(DispatchCount == 1));
    RemoveHooks();
}

/* ---- irql_bugcheck: each in a boot of its own ---- */

KTEST_BUGCHECK(irql_bugcheck, raise_to_lower_level, IRQL_NOT_GREATER_OR_EQUAL)
{
    KIRQL OldIrql;

    KeRaiseIrql(DISPATCH_LEVEL, &OldIrql);
    KeRaiseIrql(APC_LEVEL, &OldIrql); /* "raising" downwards */
}

KTEST_BUGCHECK(irql_bugcheck, lower_to_higher_level, IRQL_NOT_LESS_OR_EQUAL)
{
    KeLowerIrql(DISPATCH_LEVEL); /* "lowering" upwards from PASSIVE_LEVEL */
}

KTEST_BUGCHECK(irql_bugcheck, software_interrupt_at_device_level, INVALID_SOFTWARE_INTERRUPT)
{
    HalRequestSoftwareInterrupt(DEVICE_LEVEL_LOW);
}
