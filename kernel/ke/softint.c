/*
 * softint.c - the APC and DISPATCH software interrupts arrive here.
 *
 * NT defers work to lower IRQLs with two software interrupts: an ISR at DIRQL
 * queues a DPC and requests a DISPATCH_LEVEL interrupt, which runs the DPC
 * queue as soon as the processor drops below DISPATCH_LEVEL; kernel APCs wait
 * for the processor to drop below APC_LEVEL the same way. Here each is a real
 * vector (APC_VECTOR 0x1F, DISPATCH_VECTOR 0x2F) sent by the CPU to itself,
 * or by another CPU to this one, so the local APIC does the waiting
 * (docs/interrupts.md explains the choice). The vector dispatcher calls these
 * at the vector's IRQL with interrupts enabled, after the EOI
 * (intdispatch.c says why).
 *
 * The DISPATCH_LEVEL interrupt is where everything deferred to DISPATCH_LEVEL
 * happens, in this order (docs/dispatcher.md has the figure):
 *   1. expire this processor's due timers: signal them, queue their DPCs;
 *   2. drain the DPC queue (those DPCs included, so a timer's DPC runs in
 *      the same pass; NT likewise expires timers at the start of its DPC drain);
 *   3. the hook, which tests use to watch the interrupt arrive;
 *   4. switch threads if the clock ended the quantum or a better thread is
 *      ready. Last, because the switch leaves this interrupt half done until
 *      the thread switched away from runs again.
 */
#include "softint.h"
#include "schedp.h"
#include "ke/dpc.h"

KSOFTWARE_INTERRUPT_HOOK *volatile KiApcInterruptHook;
KSOFTWARE_INTERRUPT_HOOK *volatile KiDispatchInterruptHook;

static VOID CallHook(KSOFTWARE_INTERRUPT_HOOK *Hook)
{
    if (Hook != NULL)
        Hook();
}

VOID KiApcInterrupt(PKTRAP_FRAME TrapFrame)
{
    UNREFERENCED_PARAMETER(TrapFrame);
    CallHook(KiApcInterruptHook);
}

VOID KiDispatchInterrupt(PKTRAP_FRAME TrapFrame)
{
    UNREFERENCED_PARAMETER(TrapFrame);
    KiExpireTimers();
    KiRetireDpcList();
    KSOFTWARE_INTERRUPT_HOOK *Hook = KiDispatchInterruptHook;
    if (Hook != KiRetireDpcList) /* the DPC code installs itself here too */
        CallHook(Hook);
    KiDispatchReschedule();
}
