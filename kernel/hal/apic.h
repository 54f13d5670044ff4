/*
 * apic.h - the local APIC (xAPIC, reached by MMIO, or x2APIC, by MSRs) as
 * the rest of the HAL sees it (lapic.c), and the system vectors that do not
 * go through interrupt objects (interrupts.c).
 */
#ifndef HAL_APIC_H
#define HAL_APIC_H

#include "ntdef.h"
#include "ke/ke.h"

/* Local APIC registers (byte offsets from its base, 16 bytes apart). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080 /* task priority: CR8 is its bits 7-4 */
#define LAPIC_PPR 0x0A0 /* processor priority: max(TPR, class in service) */
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ISR 0x100 /* in service: 8 registers of 32 vectors each, 0x10 apart */
#define LAPIC_TMR 0x180 /* trigger mode: 1 = the vector in service came level-triggered */
#define LAPIC_IRR 0x200 /* requested: accepted, not yet given to the CPU */
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERFORMANCE 0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0

/* Bits of the local vector table (LVT) entries and of the ICR. */
#define LAPIC_LVT_MASKED (1U << 16)
#define LAPIC_DELIVERY_NMI (4U << 8)
#define LAPIC_LVT_ACTIVE_LOW (1U << 13)
#define LAPIC_SVR_ENABLE (1U << 8)
#define LAPIC_ICR_PENDING (1U << 12) /* delivery status: the last IPI is still being sent */
#define LAPIC_ICR_TO_SELF (1U << 18) /* destination shorthand 01: this CPU only */

/* Enables this CPU's local APIC (lapic.c): x2APIC mode when CPUID offers it,
 * otherwise xAPIC through an uncached mapping of its registers; every local
 * interrupt source masked except LINT1 (NMI) and the error interrupt;
 * spurious vector APIC_SPURIOUS_VECTOR. */
VOID HalpInitializeLapic(VOID);
BOOLEAN HalpLapicIsX2Apic(VOID);

ULONG HalpLapicRead(ULONG Register);
VOID HalpLapicWrite(ULONG Register, ULONG Value);
VOID HalpLapicEoi(VOID);
ULONG HalpLapicId(VOID);
/* Sends an IPI to the APIC ApicId: IcrLow holds the vector, the delivery
 * mode and the level/trigger bits (below); waits until it has left. */
VOID HalpSendIpi(ULONG ApicId, ULONG IcrLow);
#define LAPIC_ICR_FIXED (0U << 8)
#define LAPIC_ICR_NMI (4U << 8) /* delivery mode NMI: the vector field is ignored */
#define LAPIC_ICR_INIT (5U << 8)
#define LAPIC_ICR_STARTUP (6U << 8)
#define LAPIC_ICR_LEVEL_ASSERT (1U << 14)
#define LAPIC_ICR_LEVEL_TRIGGER (1U << 15)
/* Sends Vector to this CPU (a self-IPI): pending until CR8 drops below its class. */
VOID HalpSendSelfIpi(UCHAR Vector);

/* A system vector's handler (clock, IPI, APIC error, software interrupts):
 * called with the trap frame at the vector's IRQL. The dispatcher sends the
 * EOI after it returns (never for the spurious vector). */
typedef VOID (*PHAL_SYSTEM_HANDLER)(PKTRAP_FRAME TrapFrame);
VOID HalpConnectSystemVector(UCHAR Vector, PHAL_SYSTEM_HANDLER Handler);

#endif /* HAL_APIC_H */
