/*
 * softint.c - HalRequestSoftwareInterrupt: a self-IPI on the level's vector.
 *
 * The request is an interrupt the CPU sends to itself through its local APIC.
 * The APIC keeps it in IRR while its class (1 for APC_VECTOR 0x1F, 2 for
 * DISPATCH_VECTOR 0x2F) is not above the processor priority, which CR8, the
 * IRQL, sets. So "delivered when the IRQL drops below the level, and not
 * before" needs no code of ours: KeLowerIrql's write to CR8, or the dispatcher
 * lowering CR8 on the way out of an ISR, is what releases it. A second
 * request before the first is delivered merges with it: one bit in IRR.
 */
#include "interrupts.h"
#include "apic.h"
#include "vectors.h"

VOID HalRequestSoftwareInterrupt(KIRQL RequestIrql)
{
    if (RequestIrql == APC_LEVEL)
        HalpSendSelfIpi(APC_VECTOR);
    else if (RequestIrql == DISPATCH_LEVEL)
        HalpSendSelfIpi(DISPATCH_VECTOR);
    else
        KiBugCheck(INVALID_SOFTWARE_INTERRUPT, RequestIrql, 0, 0, 0, NULL,
                   "HalRequestSoftwareInterrupt(%u): only APC_LEVEL and DISPATCH_LEVEL have software interrupts",
                   RequestIrql);
}
