/*
 * ipi.c - sending an interrupt to another processor.
 *
 * An inter-processor interrupt is a message one local APIC sends another:
 * the sender writes the destination APIC ID and the vector into its ICR
 * (interrupt command register, lapic.c), and the receiving APIC treats the
 * vector like any other interrupt: into its IRR, delivered when the vector's
 * class is above that CPU's CR8. So an IPI on DISPATCH_VECTOR is a DISPATCH
 * software interrupt requested remotely: it waits in the target's IRR until
 * that CPU drops below DISPATCH_LEVEL, exactly like a self-IPI
 * (softint.c). The kernel's own requests use IPI_VECTOR (ke/ipi.c).
 */
#include "hal.h"
#include "apic.h"

VOID HalRequestIpi(ULONG ApicId, UCHAR Vector)
{
    HalpSendIpi(ApicId, LAPIC_ICR_FIXED | Vector);
}
