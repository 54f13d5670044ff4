/*
 * interruptp.h - the kernel's vector table, shared by the files that connect
 * interrupt objects (interrupt.c), dispatch interrupts (intdispatch.c), the
 * HAL's HalpConnectSystemVector, the tests and the `idt` GDB command.
 *
 * Every vector from 32 to 255 has one entry. What serves it is either
 *   - a HAL routine (SystemHandler): the clock, IPIs, the APIC error, the APC
 *     and DISPATCH software interrupts; or
 *   - the chain of interrupt objects connected to it (device vectors 0x30-0xBF);
 *   - or nothing: the interrupt is then unexpected, counted and acknowledged.
 */
#ifndef KE_INTERRUPTP_H
#define KE_INTERRUPTP_H

#include "ke/ke.h"
#include "ke/interrupt.h"
#include "hal/apic.h"
#include "hal/vectors.h"

typedef struct _KI_INTERRUPT_VECTOR {
    LIST_ENTRY InterruptList; /* KINTERRUPT.InterruptListEntry, in connection order */
    PHAL_SYSTEM_HANDLER SystemHandler;
    ULONG64 Count;              /* times the vector arrived */
    ULONG64 Unclaimed;          /* times no ISR returned TRUE (or none was connected) */
    ULONG ConsecutiveUnclaimed; /* the same, in a row: the storm detector's count */
    BOOLEAN StormMasked;        /* the storm detector masked the line */
} KI_INTERRUPT_VECTOR;

extern KI_INTERRUPT_VECTOR KiInterruptVectors[256];

/* A level-triggered line that interrupts this many times in a row with no
 * ISR claiming it is stuck asserted: it is masked (intdispatch.c). */
#define KI_INTERRUPT_STORM_THRESHOLD 1000

/* Device vectors, the only ones interrupt objects may connect to. */
#define KI_FIRST_DEVICE_VECTOR PRIMARY_VECTOR_BASE
#define KI_LAST_DEVICE_VECTOR 0xBF

/* Empties every chain; before the local APIC lets anything in. */
VOID KiInitializeInterruptVectors(VOID);
/* Gives Vector to a HAL routine (HalpConnectSystemVector); NULL takes it back. */
VOID KiConnectSystemVector(UCHAR Vector, PHAL_SYSTEM_HANDLER Handler);
/* trap.c hands every vector from 32 up to this. */
VOID KiInterruptDispatch(PKTRAP_FRAME TrapFrame);

#endif /* KE_INTERRUPTP_H */
