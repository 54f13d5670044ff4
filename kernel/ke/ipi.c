/*
 * ipi.c - KeIpiGenericCall and the kernel's IPI requests (ipi.h).
 *
 * KeIpiGenericCall is a rendezvous. The caller takes a global lock (one
 * generic call at a time), fills the call packet, sends every other active
 * CPU a generic-call request, and raises itself to IPI_LEVEL. Each CPU,
 * caller included, then
 *   1. counts itself in (Arrived) and waits until all have arrived: from
 *      here until step 3, no CPU runs anything but this call: every one is
 *      at IPI_LEVEL, with only HIGH_LEVEL interrupts getting through;
 *   2. runs the function;
 *   3. counts itself out (Finished).
 * The caller returns when every CPU has finished, so the packet (on the
 * caller's side) can be reused by the next call.
 *
 * Waiting for one another at IPI_LEVEL cannot deadlock on the lock: a CPU
 * spinning for KiGenericCallLock spins at DISPATCH_LEVEL with interrupts on,
 * so it still takes the IPI of the call in progress.
 */
#include "ipi.h"
#include "ke.h"
#include "prcb.h"
#include "spinlock.h"
#include "interruptp.h"
#include "hal/hal.h"
#include "hal/interrupts.h"
#include "hal/vectors.h"
#include "hal/x86.h"

typedef struct _KI_GENERIC_CALL {
    PKIPI_BROADCAST_WORKER Function;
    ULONG_PTR Context;
    ULONG Processors;        /* how many take part */
    volatile ULONG Arrived;  /* step 1 */
    volatile ULONG Finished; /* step 3 */
} KI_GENERIC_CALL;

static KSPIN_LOCK KiGenericCallLock;
static KI_GENERIC_CALL KiGenericCall;

static VOID WaitForCount(volatile ULONG *Counter, ULONG Count)
{
    while (__atomic_load_n(Counter, __ATOMIC_ACQUIRE) < Count)
        _mm_pause();
}

/* Steps 1 to 3, on each CPU, at IPI_LEVEL. */
static ULONG_PTR TakePartInGenericCall(VOID)
{
    KI_GENERIC_CALL *Call = &KiGenericCall;

    __atomic_add_fetch(&Call->Arrived, 1, __ATOMIC_ACQ_REL);
    WaitForCount(&Call->Arrived, Call->Processors);
    ULONG_PTR Result = Call->Function(Call->Context);
    __atomic_add_fetch(&Call->Finished, 1, __ATOMIC_ACQ_REL);
    return Result;
}

ULONG_PTR KeIpiGenericCall(PKIPI_BROADCAST_WORKER BroadcastFunction, ULONG_PTR Context)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&KiGenericCallLock, &OldIrql);
    KiGenericCall.Function = BroadcastFunction;
    KiGenericCall.Context = Context;
    KiGenericCall.Processors = KeNumberProcessors;
    KiGenericCall.Arrived = 0;
    KiGenericCall.Finished = 0;
    for (ULONG Number = 0; Number < KiGenericCall.Processors; Number++) {
        if (Number != KeGetCurrentProcessorNumber())
            KiIpiSendRequest(Number, IPI_REQUEST_GENERIC_CALL);
    }
    KfRaiseIrql(IPI_LEVEL);
    ULONG_PTR Result = TakePartInGenericCall();
    WaitForCount(&KiGenericCall.Finished, KiGenericCall.Processors);
    KfLowerIrql(DISPATCH_LEVEL);
    KeReleaseSpinLock(&KiGenericCallLock, OldIrql);
    return Result;
}

/* The request bit is set before the interrupt is sent (a sequentially
 * consistent atomic OR), so the target always finds it. Several requests may
 * share one interrupt: the handler takes all the bits at once. */
VOID KiIpiSendRequest(ULONG Number, ULONG Request)
{
    PKPRCB Target = KiProcessorBlock[Number];

    __atomic_or_fetch(&Target->IpiRequests, Request, __ATOMIC_SEQ_CST);
    HalRequestIpi(Target->ApicId, IPI_VECTOR);
}

VOID KiRequestDispatchInterrupt(ULONG Number)
{
    ULONG64 Flags = __readeflags();

    /* Interrupts off: the thread cannot move to another CPU between reading
     * the number and sending. */
    _disable();
    if (Number == KeGetCurrentProcessorNumber())
        HalRequestSoftwareInterrupt(DISPATCH_LEVEL);
    else
        HalRequestIpi(KiProcessorBlock[Number]->ApicId, DISPATCH_VECTOR);
    if (Flags & EFLAGS_IF)
        _enable();
}

/* IPI_VECTOR's handler, at IPI_LEVEL; the dispatcher sends the EOI. */
static VOID KiIpiInterrupt(PKTRAP_FRAME TrapFrame)
{
    PKPRCB Prcb = KeGetCurrentPrcb();
    ULONG Requests = __atomic_exchange_n(&Prcb->IpiRequests, 0, __ATOMIC_ACQ_REL);

    UNREFERENCED_PARAMETER(TrapFrame);
    Prcb->IpiCount++;
    if (Requests & IPI_REQUEST_GENERIC_CALL)
        TakePartInGenericCall();
}

VOID KiInitializeIpi(VOID)
{
    KeInitializeSpinLock(&KiGenericCallLock);
    KiConnectSystemVector(IPI_VECTOR, KiIpiInterrupt);
}
