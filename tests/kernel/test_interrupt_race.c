/*
 * test_interrupt_race.c - connecting and disconnecting an interrupt object
 * while another processor is walking the same vector's chain.
 *
 * The dispatcher walks a vector's chain of interrupt objects without the
 * vector lock (it would serialize every interrupt in the machine).
 * KeDisconnectInterrupt therefore unlinks an object so that a walker sitting
 * on it still finds its way back to the head, and waits until no walk that
 * began before the unlink is still running before it reuses the object's
 * links. Getting that wrong hangs the walker (a link pointing to itself) or
 * sends it into freed memory; this test gives it thousands of chances.
 */
#include "ktest.h"
#include "inttest.h"
#include "ke/ke.h"
#include "ke/prcb.h"
#include "io/io.h"
#include "hal/apic.h"
#include "hal/interrupts.h"
#include "threadtest.h"

#define RACE_ROUNDS 2000

static ULONG RaceVector;
static volatile BOOLEAN RaceStop;
static volatile LONG64 RaceFirstCalls, RaceSecondCalls;

static BOOLEAN FirstIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    __atomic_add_fetch(&RaceFirstCalls, 1, __ATOMIC_RELAXED);
    return FALSE; /* latched vector: every object is asked, so the walk goes on */
}

static BOOLEAN SecondIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    __atomic_add_fetch(&RaceSecondCalls, 1, __ATOMIC_RELAXED);
    return TRUE;
}

/* On processor 1: interrupt itself on the vector, again and again. */
static VOID Interrupter(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeSetSystemAffinityThreadEx((KAFFINITY)1 << 1);
    while (!RaceStop)
        HalpSendSelfIpi((UCHAR)RaceVector);
}

static NTSTATUS Connect(PKINTERRUPT *Interrupt, PKSERVICE_ROUTINE Routine)
{
    return IoConnectInterrupt(Interrupt, Routine, NULL, NULL, RaceVector, 5, 5, Latched, TRUE, ~0ULL, FALSE);
}

KTEST(interrupt_race, disconnect_while_another_cpu_walks_the_chain)
{
    PKINTERRUPT First, Second;

    if (KeNumberProcessors < 2)
        KT_SKIP("needs two processors");
    RaceVector = HalpAllocateDeviceVector(5);
    RaceStop = FALSE;
    RaceFirstCalls = RaceSecondCalls = 0;
    KT_ASSERT_EQ(Connect(&First, FirstIsr), STATUS_SUCCESS);
    PKTHREAD Thread = KtStartThread(Interrupter, NULL);
    KT_ASSERT_NE(Thread, NULL);

    KAFFINITY Previous = KeSetSystemAffinityThreadEx((KAFFINITY)1 << 0);
    ULONG Rounds = 0;
    for (; Rounds < RACE_ROUNDS; Rounds++) {
        if (!KT_EXPECT_EQ(Connect(&Second, SecondIsr), STATUS_SUCCESS))
            break;
        IoDisconnectInterrupt(Second);
    }
    RaceStop = TRUE;
    KT_EXPECT(KtJoin(Thread));
    KeRevertToUserAffinityThreadEx(Previous);
    IoDisconnectInterrupt(First);
    HalpFreeDeviceVector(RaceVector);

    KtInfo("%u connect/disconnect rounds; first ISR called %lld times, second %lld", Rounds, RaceFirstCalls,
           RaceSecondCalls);
    KT_EXPECT_EQ(Rounds, RACE_ROUNDS);
    KT_EXPECT_GT(RaceFirstCalls, 0);
}

/* Disconnecting from inside the vector's own ISR would wait forever for that
 * ISR to end; WDM says PASSIVE_LEVEL, and the kernel says so by stopping. */
static PKINTERRUPT SelfDisconnecting;

static BOOLEAN DisconnectingIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeDisconnectInterrupt(Interrupt);
    return TRUE;
}

KTEST_BUGCHECK(interrupt_bugcheck, disconnect_from_isr, IRQL_NOT_LESS_OR_EQUAL)
{
    RaceVector = HalpAllocateDeviceVector(5);
    if (IoConnectInterrupt(&SelfDisconnecting, DisconnectingIsr, NULL, NULL, RaceVector, 5, 5, Latched, FALSE, ~0ULL,
                           FALSE) != STATUS_SUCCESS)
        return;
    HalpSendSelfIpi((UCHAR)RaceVector);
}
