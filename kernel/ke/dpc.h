/*
 * dpc.h - deferred procedure calls (DPCs), with the WDM names and rules
 * (docs/dpc.md tells the whole story).
 *
 * An ISR runs at its device's IRQL, above everything a driver's other code
 * runs at, so it must be short: it reads what its device reports and asks for
 * the rest of the work to be done later, at DISPATCH_LEVEL, by queueing a DPC.
 * The DPC routine runs when the processor's IRQL drops below DISPATCH_LEVEL:
 * after every interrupt has been served, before any thread runs again.
 *
 *   KeInitializeDpc(&Dpc, Routine, Context);       once
 *   KeInsertQueueDpc(&Dpc, Arg1, Arg2);            from the ISR: TRUE if queued,
 *                                                  FALSE if it already was
 *   Routine(&Dpc, Context, Arg1, Arg2);            later, at DISPATCH_LEVEL
 *
 * The contract (each point is tested in tests/kernel/test_dpc.c):
 *   - one DPC object is queued at most once at a time. Inserting it again
 *     while it waits returns FALSE and leaves its arguments as they were, so
 *     one run of the routine may have to cover several interrupts;
 *   - each processor has its own queue, with its own lock. A DPC goes on the
 *     queue of the processor that inserts it, or of the one named by
 *     KeSetTargetProcessorDpc;
 *   - its importance (KeSetImportanceDpc) decides where in the queue it goes
 *     and whether the queue is drained at once or at the next occasion;
 *   - the routine runs at DISPATCH_LEVEL and must return at DISPATCH_LEVEL;
 *     it never runs inside KeInsertQueueDpc, whatever the caller's IRQL;
 *   - the queued flag is cleared before the routine is called, so the routine
 *     (or an ISR meanwhile) may queue the same DPC again.
 */
#ifndef KE_DPC_H
#define KE_DPC_H

#include "ntdef.h"
#include "ke/irql.h"

#ifndef CCHAR_DEFINED
#define CCHAR_DEFINED
typedef char CCHAR;
#endif

struct _KDPC;

/* The routine a DPC calls: KDEFERRED_ROUTINE, the prototype WDM declares
 * CustomDpc, DpcForIsr and CustomTimerDpc routines with. */
typedef VOID KDEFERRED_ROUTINE(struct _KDPC *Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2);
typedef KDEFERRED_ROUTINE *PKDEFERRED_ROUTINE;

/* Where a DPC goes in its queue, and whether the queue is drained at once.
 * The values are WDM's (note that HighImportance is 2). */
typedef enum _KDPC_IMPORTANCE {
    LowImportance,        /* tail; the queue is drained at the next occasion */
    MediumImportance,     /* tail; drained at once when on this CPU's queue (the default) */
    HighImportance,       /* head; drained at once, on any CPU */
    MediumHighImportance, /* tail; drained at once, on any CPU */
} KDPC_IMPORTANCE;

/* KDPC.Type */
#define DpcObject 0x13
#define ThreadedDpcObject 0x18

/* The DPC object. Drivers allocate it in nonpaged memory, initialize it with
 * KeInitializeDpc and otherwise treat it as opaque. */
typedef struct _KDPC {
    UCHAR Type;       /* DpcObject or ThreadedDpcObject */
    UCHAR Importance; /* KDPC_IMPORTANCE */
    USHORT Number;    /* 0: the inserting CPU; else KDPC_TARGETED + the target CPU */
    LIST_ENTRY DpcListEntry;
    PKDEFERRED_ROUTINE DeferredRoutine;
    PVOID DeferredContext;
    PVOID SystemArgument1;
    PVOID SystemArgument2;
    /* The queue (a KDPC_DATA) the DPC waits in; NULL when it is not queued.
     * Set by a compare-exchange: the one insert that succeeds owns it. */
    PVOID volatile DpcData;
} KDPC, *PKDPC, *PRKDPC;

#define KDPC_TARGETED 0x100 /* KDPC.Number: KeSetTargetProcessorDpc was called */

/* ---- WDM ------------------------------------------------------------------ */

/* Any IRQL. Importance MediumImportance, no target processor. */
VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
/* The same, for a threaded DPC: its routine runs at PASSIVE_LEVEL in the
 * target processor's DPC thread, which preempts every other thread there. */
VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext);
/* Any IRQL. TRUE: queued with these arguments. FALSE: it was already queued;
 * nothing changes (the arguments stay those of the insert that queued it). */
BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2);
/* Any IRQL. TRUE: it was queued and is not any more (its routine will not
 * run for that insert). FALSE: it was not queued (it may be running now). */
BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc);
/* Call before inserting. */
VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance);
/* Queue the DPC on processor Number (0 .. KeNumberProcessors - 1) rather than
 * the inserting one. Call before inserting. */
VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number);
/* PASSIVE_LEVEL. Returns once every DPC queued on any processor when it was
 * called has run (or been removed). */
VOID KeFlushQueuedDpcs(VOID);

/* ---- For the kernel ---------------------------------------------------------- */

/* Drains this processor's DPC queue: called at DISPATCH_LEVEL, interrupts
 * enabled, by the DISPATCH_LEVEL software interrupt (KiDispatchInterrupt).
 * Calling it with an empty queue does nothing, so an extra call is harmless. */
VOID KiRetireDpcList(VOID);

/* The drain's first half (dpcretire.c): unlinks the next DPC of Data and
 * copies its routine, context and arguments into Copy (Copy->DpcListEntry.Flink
 * is the DPC itself); FALSE when Data is empty. */
struct _KDPC_DATA;
struct _KPRCB;
BOOLEAN KiTakeNextDpc(struct _KDPC_DATA *Data, KDPC *Copy);

/* Threaded DPCs (dpcthread.c): each processor's DPC thread is started once
 * the dispatcher runs; the DISPATCH_LEVEL drain wakes it when its queue is
 * not empty. */
VOID KiStartDpcThreads(VOID);
VOID KiWakeDpcThread(struct _KPRCB *Prcb);

/* Boot: this processor's queue (every CPU, before it enables interrupts), and
 * once, on the boot CPU after the interrupts are up, the DISPATCH hook. */
VOID KiInitializeDpcData(struct _KPRCB *Prcb);
VOID KiInitializeDpcs(VOID);

/* This processor's clock tick, at CLOCK_LEVEL (dpcclock.c): the DPC
 * watchdog's check, and the drain of a queue that holds only DPCs that did
 * not ask to be drained at once. */
VOID KiDpcClockTick(VOID);
/* The watchdog's limits, in milliseconds (0 keeps a limit as it is). The
 * defaults come from `dpc.single_ms=N` and `dpc.total_ms=N` on the command line. */
VOID KiSetDpcWatchdogLimits(ULONG SingleDpcMs, ULONG CumulativeMs);
VOID KiQueryDpcWatchdogLimits(PULONG SingleDpcMs, PULONG CumulativeMs);

#endif /* KE_DPC_H */
