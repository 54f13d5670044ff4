/*
 * softint.c - the APC and DISPATCH software interrupts arrive here.
 *
 * NT defers work to lower IRQLs with two software interrupts: an ISR at DIRQL
 * queues a DPC and requests a DISPATCH_LEVEL interrupt, which runs the DPC
 * queue as soon as the processor drops below DISPATCH_LEVEL; kernel APCs wait
 * for the processor to drop below APC_LEVEL the same way. Here each is a real
 * vector (APC_VECTOR 0x1F, DISPATCH_VECTOR 0x2F) sent by the CPU to itself,
 * so the local APIC does the waiting (docs/interrupts.md explains the
 * choice). The dispatcher calls these at the vector's IRQL with interrupts
 * enabled, and sends the EOI when they return.
 */
#include "softint.h"

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
    CallHook(KiDispatchInterruptHook);
}
