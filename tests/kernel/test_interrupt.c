/*
 * test_interrupt.c - interrupt objects, from IoConnectInterrupt to the ISR.
 *
 * Each test connects a test "device" (an ISR that records what it saw) to a
 * device vector and makes the vector arrive by sending it to this CPU, a
 * self-IPI. test_interrupt_line.c does the same with a real device line.
 */
#include "ktest.h"
#include "inttest.h"
#include "io/io.h"
#include "hal/interrupts.h"
#include "hal/vectors.h"
#include "ke/interruptp.h"
#include "ke/softint.h"
#include "rtl.h"

/* ---- a test device: an ISR that records what it saw ---- */

typedef struct _TEST_DEVICE {
    char Name;     /* its letter in the order log */
    BOOLEAN Claim; /* what its ISR returns */
    volatile ULONG Calls;
    volatile KIRQL Irql;
    volatile BOOLEAN LockHeld;
    volatile BOOLEAN InterruptsEnabled;
    PKINTERRUPT Interrupt;
} TEST_DEVICE;

static char Log[16];
static volatile ULONG LogLength;

static VOID ClearLog(VOID)
{
    RtlZeroMemory(Log, sizeof(Log));
    LogLength = 0;
}

static VOID LogChar(char C)
{
    if (LogLength < sizeof(Log) - 1)
        Log[LogLength++] = C;
}

static BOOLEAN TestIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    TEST_DEVICE *Device = ServiceContext;

    Device->Irql = KeGetCurrentIrql();
    Device->LockHeld = !KeTestSpinLock(Interrupt->ActualLock);
    Device->InterruptsEnabled = (__readeflags() & EFLAGS_IF) != 0;
    Device->Calls++;
    LogChar(Device->Name);
    return Device->Claim;
}

static NTSTATUS ConnectDevice(TEST_DEVICE *Device, ULONG Vector, KIRQL SynchronizeIrql, KINTERRUPT_MODE Mode,
                              BOOLEAN Share)
{
    return IoConnectInterrupt(&Device->Interrupt, TestIsr, Device, NULL, Vector, VECTOR_TO_IRQL(Vector),
                              SynchronizeIrql, Mode, Share, 1, FALSE);
}

/* Sends Vector to this CPU and waits until Device's ISR has run Calls times. */
static BOOLEAN Fire(ULONG Vector, TEST_DEVICE *Device, ULONG Calls)
{
    HalpSendSelfIpi((UCHAR)Vector);
    return IntTestWaitUntil(Device->Calls >= Calls);
}

/* ---- interrupt: connecting ---- */

KTEST(interrupt, isr_runs_at_dirql_holding_its_lock)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(6);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 6, Latched, FALSE), STATUS_SUCCESS);
    KT_EXPECT(Fire(Vector, &Device, 1));
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
    KT_EXPECT_EQ(Device.Irql, 6);
    KT_EXPECT(Device.LockHeld);
    KT_EXPECT(Device.InterruptsEnabled); /* a higher IRQL may interrupt an ISR */
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
}

/* SynchronizeIrql above the vector's IRQL: the ISR runs there (a driver with
 * several interrupts synchronizes them all at the highest one). */
KTEST(interrupt, isr_runs_at_synchronize_irql)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(5);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 8, Latched, FALSE), STATUS_SUCCESS);
    KT_EXPECT_EQ(Device.Interrupt->Irql, 5);
    KT_EXPECT(Fire(Vector, &Device, 1));
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
    KT_EXPECT_EQ(Device.Irql, 8);
}

/* A driver that has several ISRs passes one spin lock for all of them. */
KTEST(interrupt, driver_supplied_spin_lock)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    KSPIN_LOCK DriverLock;
    ULONG Vector = HalpAllocateDeviceVector(4);

    KeInitializeSpinLock(&DriverLock);
    KT_ASSERT_EQ(
        IoConnectInterrupt(&Device.Interrupt, TestIsr, &Device, &DriverLock, Vector, 4, 4, Latched, FALSE, 1, FALSE),
        STATUS_SUCCESS);
    KT_EXPECT(Device.Interrupt->ActualLock == &DriverLock);
    KT_EXPECT(Fire(Vector, &Device, 1));
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
    KT_EXPECT(Device.LockHeld);
    KT_EXPECT(KeTestSpinLock(&DriverLock));
}

/* IoConnectInterrupt's documented failure, and the ones the hardware adds:
 * the APIC masks by the vector's class, so Irql must be exactly that. */
KTEST(interrupt, connect_refuses_bad_parameters)
{
    TEST_DEVICE Device = {.Name = 'a'};
    ULONG Vector = HalpAllocateDeviceVector(6);
    PKINTERRUPT *Object = &Device.Interrupt;

    KT_EXPECT_EQ(IoConnectInterrupt(Object, TestIsr, &Device, NULL, Vector, 6, 6, Latched, FALSE, 0, FALSE),
                 STATUS_INVALID_PARAMETER); /* no processor */
    KT_EXPECT_EQ(IoConnectInterrupt(Object, TestIsr, &Device, NULL, Vector, 6, 5, Latched, FALSE, 1, FALSE),
                 STATUS_INVALID_PARAMETER); /* SynchronizeIrql < Irql */
    KT_EXPECT_EQ(IoConnectInterrupt(Object, TestIsr, &Device, NULL, Vector, 7, 7, Latched, FALSE, 1, FALSE),
                 STATUS_INVALID_PARAMETER); /* not the vector's IRQL */
    KT_EXPECT_EQ(IoConnectInterrupt(Object, TestIsr, &Device, NULL, DISPATCH_VECTOR, 2, 2, Latched, FALSE, 1, FALSE),
                 STATUS_INVALID_PARAMETER); /* not a device vector */
    KT_EXPECT_EQ(IoConnectInterrupt(Object, TestIsr, &Device, NULL, CLOCK_VECTOR, 13, 13, Latched, FALSE, 1, FALSE),
                 STATUS_INVALID_PARAMETER);
    KT_EXPECT(Device.Interrupt == NULL);
    HalpFreeDeviceVector(Vector);
}

KTEST(interrupt, disconnected_isr_not_called)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(6);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 6, Latched, FALSE), STATUS_SUCCESS);
    KT_EXPECT(Fire(Vector, &Device, 1));
    IoDisconnectInterrupt(Device.Interrupt);
    ULONG64 Unclaimed = KiInterruptVectors[Vector].Unclaimed;
    HalpSendSelfIpi((UCHAR)Vector);
    KT_EXPECT(IntTestWaitUntil(KiInterruptVectors[Vector].Unclaimed == Unclaimed + 1));
    KT_EXPECT_EQ(Device.Calls, 1);
    HalpFreeDeviceVector(Vector);
}

/* ---- interrupt: masking by IRQL, nesting ---- */

/* Raised to the vector's IRQL, the CPU holds the interrupt back: the APIC has
 * it in IRR. It is delivered exactly when the IRQL drops below that. */
KTEST(interrupt, raising_irql_masks_the_vector)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(6);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 6, Latched, FALSE), STATUS_SUCCESS);
    KIRQL OldIrql = KfRaiseIrql(6);
    HalpSendSelfIpi((UCHAR)Vector);
    KT_EXPECT(IntTestWaitUntil(IntTestIsRequested(Vector)));
    KT_EXPECT_EQ(Device.Calls, 0);
    KfLowerIrql(5);
    KT_EXPECT_EQ(Device.Calls, 1);
    KfLowerIrql(OldIrql);
    /* One level below the vector's IRQL masks nothing. */
    KfRaiseIrql(5);
    KT_EXPECT(Fire(Vector, &Device, 2));
    KfLowerIrql(OldIrql);
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
}

/* Inside an ISR at IRQL 4, a vector of IRQL 9 interrupts it at once; one of
 * IRQL 3 waits until the ISR is over. */
static ULONG HighVector, LowVector;
static TEST_DEVICE High = {.Name = 'H', .Claim = TRUE}, Low = {.Name = 'L', .Claim = TRUE};
static volatile ULONG LowCallsInsideOuter;

static BOOLEAN OuterIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    TEST_DEVICE *Outer = ServiceContext;

    LogChar('O');
    HalpSendSelfIpi((UCHAR)HighVector);
    (VOID) IntTestWaitUntil(High.Calls == 1);
    HalpSendSelfIpi((UCHAR)LowVector);
    for (volatile int i = 0; i < 10000; i++)
        ;
    LowCallsInsideOuter = Low.Calls;
    LogChar('o');
    Outer->Calls++;
    return TRUE;
}

KTEST(interrupt, higher_irql_nests_lower_waits)
{
    TEST_DEVICE Outer = {.Name = 'O', .Claim = TRUE};
    ULONG OuterVector = HalpAllocateDeviceVector(4);
    HighVector = HalpAllocateDeviceVector(9);
    LowVector = HalpAllocateDeviceVector(3);
    High.Calls = Low.Calls = 0;

    KT_ASSERT_EQ(ConnectDevice(&High, HighVector, 9, Latched, FALSE), STATUS_SUCCESS);
    KT_ASSERT_EQ(ConnectDevice(&Low, LowVector, 3, Latched, FALSE), STATUS_SUCCESS);
    KT_ASSERT_EQ(
        IoConnectInterrupt(&Outer.Interrupt, OuterIsr, &Outer, NULL, OuterVector, 4, 4, Latched, FALSE, 1, FALSE),
        STATUS_SUCCESS);
    ClearLog();
    HalpSendSelfIpi((UCHAR)OuterVector);
    KT_EXPECT(IntTestWaitUntil(Low.Calls == 1));
    KT_EXPECT_STREQ(Log, "OHoL");
    KT_EXPECT_EQ(LowCallsInsideOuter, 0);
    IoDisconnectInterrupt(Outer.Interrupt);
    IoDisconnectInterrupt(High.Interrupt);
    IoDisconnectInterrupt(Low.Interrupt);
    HalpFreeDeviceVector(OuterVector);
    HalpFreeDeviceVector(HighVector);
    HalpFreeDeviceVector(LowVector);
}

/* An ISR queues work for later by requesting a DISPATCH_LEVEL software
 * interrupt; it arrives as the dispatcher lowers the IRQL on the way out. */
static volatile ULONG DeferredCalls, DeferredCallsSeenByIsr;

static VOID DeferredWork(VOID)
{
    LogChar('D');
    DeferredCalls++;
}

static BOOLEAN RequestingIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    TEST_DEVICE *Device = ServiceContext;

    HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    for (volatile int i = 0; i < 10000; i++)
        ;
    DeferredCallsSeenByIsr = DeferredCalls;
    LogChar('I');
    Device->Calls++;
    return TRUE;
}

KTEST(interrupt, dispatch_interrupt_follows_the_isr)
{
    TEST_DEVICE Device = {.Name = 'I', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(5);

    KSOFTWARE_INTERRUPT_HOOK *SavedHook = KiDispatchInterruptHook; /* the DPC queue's drain */

    DeferredCalls = 0;
    KiDispatchInterruptHook = DeferredWork;
    KT_ASSERT_EQ(
        IoConnectInterrupt(&Device.Interrupt, RequestingIsr, &Device, NULL, Vector, 5, 5, Latched, FALSE, 1, FALSE),
        STATUS_SUCCESS);
    ClearLog();
    HalpSendSelfIpi((UCHAR)Vector);
    KT_EXPECT(IntTestWaitUntil(DeferredCalls == 1));
    KiDispatchInterruptHook = SavedHook;
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
    KT_EXPECT_EQ(DeferredCallsSeenByIsr, 0);
    KT_EXPECT_STREQ(Log, "ID");
}

/* ---- interrupt: sharing ---- */

/* Edge-triggered: an edge is sent once, so every ISR on the vector is asked,
 * even after one has claimed the interrupt. */
KTEST(interrupt, shared_latched_vector_asks_every_isr)
{
    TEST_DEVICE A = {.Name = 'a', .Claim = TRUE}, B = {.Name = 'b', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(7);

    KT_ASSERT_EQ(ConnectDevice(&A, Vector, 7, Latched, TRUE), STATUS_SUCCESS);
    KT_ASSERT_EQ(ConnectDevice(&B, Vector, 7, Latched, TRUE), STATUS_SUCCESS);
    ClearLog();
    KT_EXPECT(Fire(Vector, &B, 1));
    KT_EXPECT_STREQ(Log, "ab");
    KT_EXPECT_EQ(KiInterruptVectors[Vector].ConsecutiveUnclaimed, 0);
    IoDisconnectInterrupt(A.Interrupt);
    IoDisconnectInterrupt(B.Interrupt);
    HalpFreeDeviceVector(Vector);
}

/* Level-triggered: the first ISR that claims the interrupt ends the walk; if
 * another device still holds the line, the interrupt comes again after the
 * EOI. An ISR that does not claim it passes it on. */
KTEST(interrupt, shared_level_vector_stops_at_first_claim)
{
    TEST_DEVICE A = {.Name = 'a', .Claim = FALSE}, B = {.Name = 'b', .Claim = TRUE}, C = {.Name = 'c', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(7);

    KT_ASSERT_EQ(ConnectDevice(&A, Vector, 7, LevelSensitive, TRUE), STATUS_SUCCESS);
    KT_ASSERT_EQ(ConnectDevice(&B, Vector, 7, LevelSensitive, TRUE), STATUS_SUCCESS);
    KT_ASSERT_EQ(ConnectDevice(&C, Vector, 7, LevelSensitive, TRUE), STATUS_SUCCESS);
    ClearLog();
    KT_EXPECT(Fire(Vector, &B, 1));
    KT_EXPECT_STREQ(Log, "ab");
    KT_EXPECT_EQ(C.Calls, 0);
    IoDisconnectInterrupt(A.Interrupt);
    IoDisconnectInterrupt(B.Interrupt);
    IoDisconnectInterrupt(C.Interrupt);
    HalpFreeDeviceVector(Vector);
}

KTEST(interrupt, sharing_needs_every_object_to_agree)
{
    TEST_DEVICE A = {.Name = 'a'}, B = {.Name = 'b'};
    ULONG Vector = HalpAllocateDeviceVector(7);

    KT_ASSERT_EQ(ConnectDevice(&A, Vector, 7, Latched, FALSE), STATUS_SUCCESS);
    KT_EXPECT_EQ(ConnectDevice(&B, Vector, 7, Latched, TRUE), STATUS_INVALID_PARAMETER); /* A did not share */
    IoDisconnectInterrupt(A.Interrupt);
    KT_ASSERT_EQ(ConnectDevice(&A, Vector, 7, Latched, TRUE), STATUS_SUCCESS);
    KT_EXPECT_EQ(ConnectDevice(&B, Vector, 7, LevelSensitive, TRUE), STATUS_INVALID_PARAMETER); /* other mode */
    KT_EXPECT_EQ(ConnectDevice(&B, Vector, 7, Latched, FALSE), STATUS_INVALID_PARAMETER);       /* B will not */
    IoDisconnectInterrupt(A.Interrupt);
    HalpFreeDeviceVector(Vector);
}

/* Interrupts nobody claims are counted per vector; a claim resets the count
 * of those in a row (what the storm detector watches). */
KTEST(interrupt, unclaimed_interrupts_counted)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = FALSE};
    ULONG Vector = HalpAllocateDeviceVector(7);
    KI_INTERRUPT_VECTOR *Entry = &KiInterruptVectors[Vector];

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 7, Latched, FALSE), STATUS_SUCCESS);
    ULONG64 Count = Entry->Count, Unclaimed = Entry->Unclaimed;
    KT_EXPECT(Fire(Vector, &Device, 1));
    KT_EXPECT(Fire(Vector, &Device, 2));
    KT_EXPECT_EQ(Entry->Count, Count + 2);
    KT_EXPECT_EQ(Entry->Unclaimed, Unclaimed + 2);
    KT_EXPECT_EQ(Entry->ConsecutiveUnclaimed, 2);
    Device.Claim = TRUE;
    KT_EXPECT(Fire(Vector, &Device, 3));
    KT_EXPECT_EQ(Entry->Unclaimed, Unclaimed + 2);
    KT_EXPECT_EQ(Entry->ConsecutiveUnclaimed, 0);
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
}

/* ---- interrupt: synchronizing with the ISR ---- */

typedef struct _SYNC_CHECK {
    TEST_DEVICE *Device;
    ULONG Vector;
    BOOLEAN Result;
    KIRQL Irql;
    BOOLEAN LockHeld;
    ULONG CallsInside;
} SYNC_CHECK;

/* Makes the device's vector arrive while inside: the ISR must wait. */
static BOOLEAN SynchCritSection(PVOID SynchronizeContext)
{
    SYNC_CHECK *Check = SynchronizeContext;

    Check->Irql = KeGetCurrentIrql();
    Check->LockHeld = !KeTestSpinLock(Check->Device->Interrupt->ActualLock);
    HalpSendSelfIpi((UCHAR)Check->Vector);
    (VOID) IntTestWaitUntil(IntTestIsRequested(Check->Vector));
    Check->CallsInside = Check->Device->Calls;
    return Check->Result;
}

KTEST(interrupt, synchronize_execution_excludes_the_isr)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(4);
    SYNC_CHECK Check = {.Device = &Device, .Vector = Vector, .Result = TRUE};

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 6, Latched, FALSE), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeSynchronizeExecution(Device.Interrupt, SynchCritSection, &Check), TRUE);
    KT_EXPECT_EQ(Check.Irql, 6); /* the SynchronizeIrql, not the vector's 4 */
    KT_EXPECT(Check.LockHeld);
    KT_EXPECT_EQ(Check.CallsInside, 0);
    KT_EXPECT_EQ(Device.Calls, 1); /* delivered as KeSynchronizeExecution lowered the IRQL */
    Check.Result = FALSE;
    KT_EXPECT_EQ(KeSynchronizeExecution(Device.Interrupt, SynchCritSection, &Check), FALSE);
    KT_EXPECT_EQ(KeGetCurrentIrql(), PASSIVE_LEVEL);
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
}

KTEST(interrupt, interrupt_spin_lock)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(4);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 5, Latched, FALSE), STATUS_SUCCESS);
    KfRaiseIrql(APC_LEVEL);
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Device.Interrupt);
    KT_EXPECT_EQ(OldIrql, APC_LEVEL);
    KT_EXPECT_EQ(KeGetCurrentIrql(), 5);
    KT_EXPECT(!KeTestSpinLock(Device.Interrupt->ActualLock));
    KeReleaseInterruptSpinLock(Device.Interrupt, OldIrql);
    KT_EXPECT_EQ(KeGetCurrentIrql(), APC_LEVEL);
    KT_EXPECT(KeTestSpinLock(Device.Interrupt->ActualLock));
    KfLowerIrql(PASSIVE_LEVEL);
    IoDisconnectInterrupt(Device.Interrupt);
    HalpFreeDeviceVector(Vector);
}

/* ---- interrupt: IoConnectInterruptEx ---- */

KTEST(interrupt, connect_ex_fully_specified)
{
    TEST_DEVICE Device = {.Name = 'a', .Claim = TRUE};
    ULONG Vector = HalpAllocateDeviceVector(6);
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_FULLY_SPECIFIED};

    Connect.FullySpecified.InterruptObject = &Device.Interrupt;
    Connect.FullySpecified.ServiceRoutine = TestIsr;
    Connect.FullySpecified.ServiceContext = &Device;
    Connect.FullySpecified.Vector = Vector;
    Connect.FullySpecified.Irql = 6;
    Connect.FullySpecified.SynchronizeIrql = 6;
    Connect.FullySpecified.InterruptMode = Latched;
    Connect.FullySpecified.ProcessorEnableMask = 1;
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_EXPECT(Fire(Vector, &Device, 1));
    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_FULLY_SPECIFIED};
    Disconnect.ConnectionContext.InterruptObject = Device.Interrupt;
    IoDisconnectInterruptEx(&Disconnect);
    HalpFreeDeviceVector(Vector);
}

/* Without a PnP manager there are no resources to connect by: Windows's
 * answer for a system that lacks a version is to ask for the fully specified
 * one instead. */
KTEST(interrupt, connect_ex_other_versions)
{
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_LINE_BASED};

    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_NOT_SUPPORTED);
    KT_EXPECT_EQ(Connect.Version, CONNECT_FULLY_SPECIFIED);
    Connect.Version = CONNECT_MESSAGE_BASED;
    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_NOT_SUPPORTED);
    KT_EXPECT_EQ(Connect.Version, CONNECT_FULLY_SPECIFIED);
    Connect.Version = 77;
    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_INVALID_PARAMETER_1);
}

/* ---- interrupt_bugcheck: each in a boot of its own ---- */

static BOOLEAN IsrThatRaisesIrql(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    KfRaiseIrql(HIGH_LEVEL); /* and forgets to lower it again */
    return TRUE;
}

KTEST_BUGCHECK(interrupt_bugcheck, isr_returns_at_another_irql, IRQL_UNEXPECTED_VALUE)
{
    PKINTERRUPT Interrupt;
    ULONG Vector = HalpAllocateDeviceVector(5);

    KT_ASSERT_EQ(IoConnectInterrupt(&Interrupt, IsrThatRaisesIrql, NULL, NULL, Vector, 5, 5, Latched, FALSE, 1, FALSE),
                 STATUS_SUCCESS);
    HalpSendSelfIpi((UCHAR)Vector);
    (VOID) IntTestWaitUntil(FALSE); /* the bug check comes first */
}

static BOOLEAN NothingToDo(PVOID SynchronizeContext)
{
    return TRUE;
}

/* KeSynchronizeExecution from above the SynchronizeIrql would have to lower
 * the IRQL to get there. */
KTEST_BUGCHECK(interrupt_bugcheck, synchronize_from_above_synchronize_irql, IRQL_NOT_GREATER_OR_EQUAL)
{
    TEST_DEVICE Device = {.Name = 'a'};
    ULONG Vector = HalpAllocateDeviceVector(5);

    KT_ASSERT_EQ(ConnectDevice(&Device, Vector, 5, Latched, FALSE), STATUS_SUCCESS);
    KfRaiseIrql(SYNCH_LEVEL);
    KeSynchronizeExecution(Device.Interrupt, NothingToDo, NULL);
}
