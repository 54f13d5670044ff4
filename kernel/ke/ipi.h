/*
 * ipi.h - inter-processor interrupts: asking other processors to do
 * something now (ipi.c; docs/smp.md).
 *
 * Two mechanisms, for two kinds of request:
 *   - the kernel's requests travel on IPI_VECTOR (0xE1, IPI_LEVEL): the
 *     sender sets a bit in the target's KPRCB.IpiRequests and interrupts it;
 *     the target runs every request it finds, at IPI_LEVEL. KeIpiGenericCall
 *     is one such request;
 *   - "drain your DPC queue" and "reschedule" are DISPATCH_LEVEL work: they
 *     go as an IPI on DISPATCH_VECTOR itself (KiRequestDispatchInterrupt),
 *     which the target's APIC holds until that CPU's IRQL drops below
 *     DISPATCH_LEVEL, as it does a self-requested software interrupt. No
 *     request bits, no IPI_LEVEL work.
 */
#ifndef KE_IPI_H
#define KE_IPI_H

#include "ntdef.h"

/* WDM: the routine KeIpiGenericCall runs on every processor, at IPI_LEVEL. */
typedef ULONG_PTR KIPI_BROADCAST_WORKER(ULONG_PTR Argument);
typedef KIPI_BROADCAST_WORKER *PKIPI_BROADCAST_WORKER;

/* WDM: runs BroadcastFunction(Context) on every active processor at once, at
 * IPI_LEVEL, and returns when all have finished, with the value it returned
 * on this processor. Caller at IRQL <= DISPATCH_LEVEL. */
ULONG_PTR KeIpiGenericCall(PKIPI_BROADCAST_WORKER BroadcastFunction, ULONG_PTR Context);

/* A DISPATCH_LEVEL software interrupt on processor Number (this one or
 * another): it drains its DPC queue (and reschedules) once its IRQL drops
 * below DISPATCH_LEVEL. Any IRQL. */
VOID KiRequestDispatchInterrupt(ULONG Number);

/* KPRCB.IpiRequests bits. */
#define IPI_REQUEST_GENERIC_CALL 0x1

/* Sets Request in processor Number's IpiRequests and interrupts it on
 * IPI_VECTOR. Any IRQL. */
VOID KiIpiSendRequest(ULONG Number, ULONG Request);

/* Boot, on the boot CPU: connects IPI_VECTOR. */
VOID KiInitializeIpi(VOID);

#endif /* KE_IPI_H */
