/*
 * interrupt.h - interrupt objects (KINTERRUPT), with WDM's names and rules.
 * A driver meets them through IoConnectInterrupt (io/io.h); these are the
 * types it uses and the kernel routines underneath (interrupt.c, intsync.c).
 * (The I/O manager work will move the driver-visible part into wdm.h.)
 *
 * The contract, as Microsoft documents it:
 *   - An interrupt object ties an InterruptService routine (ISR) to a vector.
 *     When the vector arrives the kernel calls the ISR at the object's
 *     SynchronizeIrql, a device IRQL (DIRQL), holding the object's interrupt
 *     spin lock.
 *   - The ISR returns TRUE when its device was interrupting (and it has
 *     quieted the device), FALSE otherwise. Several objects may share one
 *     vector; each is asked in turn.
 *   - Code that touches what the ISR touches runs inside
 *     KeSynchronizeExecution (a SynchCritSection routine), or between
 *     KeAcquireInterruptSpinLock and KeReleaseInterruptSpinLock: at the same
 *     IRQL, under the same lock, so it and the ISR never overlap on any CPU.
 */
#ifndef KE_INTERRUPT_H
#define KE_INTERRUPT_H

#include "ntdef.h"
#include "ke/irql.h"
#include "ke/spinlock.h"

/* A set of processors, one bit each (bit 0: processor 0). */
typedef ULONG_PTR KAFFINITY, *PKAFFINITY;

/* How the device signals: LevelSensitive holds its line asserted until the
 * driver acknowledges the device; Latched (edge-triggered) sends one edge. */
typedef enum _KINTERRUPT_MODE {
    LevelSensitive,
    Latched,
} KINTERRUPT_MODE;

struct _KINTERRUPT;

/* The InterruptService routine. Drivers declare theirs with the function
 * type, `KSERVICE_ROUTINE MyIsr;`, as WDM's headers allow. */
typedef BOOLEAN KSERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext);
typedef KSERVICE_ROUTINE *PKSERVICE_ROUTINE;

/* A SynchCritSection routine, for KeSynchronizeExecution. What its BOOLEAN
 * means is the driver's choice; KeSynchronizeExecution returns it. */
typedef BOOLEAN KSYNCHRONIZE_ROUTINE(PVOID SynchronizeContext);
typedef KSYNCHRONIZE_ROUTINE *PKSYNCHRONIZE_ROUTINE;

/* Opaque to drivers, as in WDM: they hold a PKINTERRUPT and pass it back. */
typedef struct _KINTERRUPT {
    LIST_ENTRY InterruptListEntry; /* the objects connected to Vector, in order */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    KSPIN_LOCK SpinLock;    /* the interrupt spin lock, when the driver gives none */
    PKSPIN_LOCK ActualLock; /* &SpinLock, or the driver's own lock */
    ULONG Vector;
    KIRQL Irql;            /* the vector's IRQL: Vector >> 4 */
    KIRQL SynchronizeIrql; /* the ISR runs here: >= Irql */
    KINTERRUPT_MODE Mode;
    BOOLEAN ShareVector;
    BOOLEAN Connected;
    ULONG DispatchCount; /* times the ISR was called */
    ULONG ServiceCount;  /* times it returned TRUE */
} KINTERRUPT, *PKINTERRUPT;

/* ---- for drivers (WDM) ---- */

/* Runs SynchronizeRoutine at the interrupt's SynchronizeIrql holding its
 * spin lock, and returns what it returns. Caller at IRQL <= SynchronizeIrql. */
BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext);
/* Raises to the interrupt's SynchronizeIrql and takes its spin lock; returns
 * the IRQL to give back to KeReleaseInterruptSpinLock. */
KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt);
VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql);

/* ---- for the I/O manager (exported by NT's kernel, not in WDM) ---- */

/* Fills in an interrupt object; nothing is connected yet. SpinLock may be
 * NULL: the object then uses its own. */
VOID KeInitializeInterrupt(PKINTERRUPT Interrupt, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                           PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                           KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector);
/* Adds the object to its vector's chain and, for the first object, lets the
 * line through. FALSE when the object cannot go there: not a device vector,
 * Irql not the vector's class, SynchronizeIrql below Irql, already connected,
 * or the vector is taken by an object that does not share it (or shares it
 * in the other trigger mode). Caller at IRQL <= DISPATCH_LEVEL. */
BOOLEAN KeConnectInterrupt(PKINTERRUPT Interrupt);
/* Removes the object from its vector's chain, masking the line when the
 * chain empties; FALSE when it was not connected. */
BOOLEAN KeDisconnectInterrupt(PKINTERRUPT Interrupt);

#endif /* KE_INTERRUPT_H */
