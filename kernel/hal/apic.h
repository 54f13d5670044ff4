/*
 * apic.h - the local APIC (xAPIC, reached by MMIO) as the rest of the HAL
 * sees it, and the system vectors that do not go through interrupt objects.
 */
#ifndef HAL_APIC_H
#define HAL_APIC_H

#include "ntdef.h"
#include "ke/ke.h"

/* Local APIC registers (byte offsets from its base, 16 bytes apart). */
#define LAPIC_ID 0x020
#define LAPIC_VERSION 0x030
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0B0
#define LAPIC_SVR 0x0F0
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0

ULONG HalpLapicRead(ULONG Register);
VOID HalpLapicWrite(ULONG Register, ULONG Value);
VOID HalpLapicEoi(VOID);
ULONG HalpLapicId(VOID);
/* Sends Vector to this CPU (a self-IPI): pending until CR8 drops below its class. */
VOID HalpSendSelfIpi(UCHAR Vector);

/* A system vector's handler (clock, IPI, APIC error, software interrupts):
 * called with the trap frame at the vector's IRQL. The dispatcher sends the
 * EOI after it returns (never for the spurious vector). */
typedef VOID (*PHAL_SYSTEM_HANDLER)(PKTRAP_FRAME TrapFrame);
VOID HalpConnectSystemVector(UCHAR Vector, PHAL_SYSTEM_HANDLER Handler);

#endif /* HAL_APIC_H */
