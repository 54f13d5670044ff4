/*
 * softint.h - the APC_LEVEL and DISPATCH_LEVEL software interrupts, as the
 * kernel receives them (softint.c). HalRequestSoftwareInterrupt
 * (hal/interrupts.h) requests one.
 *
 * The DISPATCH_LEVEL interrupt expires timers, drains the DPC queue and
 * switches threads (softint.c); both also call a hook, so that tests can
 * watch when they arrive. The APC work will plug the kernel APCs into
 * KiApcInterruptHook.
 */
#ifndef KE_SOFTINT_H
#define KE_SOFTINT_H

#include "ke/ke.h"

/* Called at the interrupt's IRQL (APC_LEVEL or DISPATCH_LEVEL), interrupts
 * enabled; must return at the same IRQL. NULL: nothing to do. */
typedef VOID KSOFTWARE_INTERRUPT_HOOK(VOID);
extern KSOFTWARE_INTERRUPT_HOOK *volatile KiApcInterruptHook;
extern KSOFTWARE_INTERRUPT_HOOK *volatile KiDispatchInterruptHook;

/* The handlers of APC_VECTOR and DISPATCH_VECTOR (HalpConnectSystemVector). */
VOID KiApcInterrupt(PKTRAP_FRAME TrapFrame);
VOID KiDispatchInterrupt(PKTRAP_FRAME TrapFrame);

#endif /* KE_SOFTINT_H */
