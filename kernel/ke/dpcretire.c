/*
 * dpcretire.c - KiRetireDpcList: a processor drains its DPC queue.
 *
 * The DISPATCH_LEVEL software interrupt brings the processor here, at
 * DISPATCH_LEVEL with interrupts enabled, once nothing above DISPATCH_LEVEL
 * is left to run. One DPC at a time, until the queue is empty:
 *
 *   interrupts off; take the queue's lock
 *   unlink the first DPC; copy its routine, context and arguments to locals;
 *   clear its DpcData (from here on it may be inserted again)
 *   release the lock; interrupts on
 *   call the routine with the copies, at DISPATCH_LEVEL
 *   check that the IRQL is still DISPATCH_LEVEL
 *
 * Why copies: once DpcData is NULL, an ISR (or the routine itself) may insert
 * the DPC again with new arguments; the routine must see the arguments of the
 * insert it runs for. Why interrupts off around the lock: an ISR on this
 * processor inserting into this queue would spin on a lock its own CPU holds.
 * Why one at a time rather than the whole list at once: a HighImportance DPC
 * queued while the loop runs goes to the head and runs next, and
 * KeRemoveQueueDpc can still take back any DPC that has not started.
 */
#include "dpc.h"
#include "ke.h"
#include "prcb.h"
#include "softint.h"
#include "spinlock.h"
#include "hal/x86.h"
#include "rtl.h"

/* The next DPC, unlinked, with copies of what it needs; FALSE when the queue
 * is empty. Returns with interrupts enabled either way. The DPC thread
 * (dpcthread.c) takes its DPCs the same way. */
BOOLEAN KiTakeNextDpc(KDPC_DATA *Data, KDPC *Copy)
{
    BOOLEAN Found = FALSE;
    ULONG64 Flags = __readeflags();

    _disable();
    KiAcquireSpinLockRaw(&Data->DpcLock);
    if (!IsListEmpty(&Data->DpcListHead)) {
        PKDPC Dpc = CONTAINING_RECORD(RemoveHeadList(&Data->DpcListHead), KDPC, DpcListEntry);
        Copy->DeferredRoutine = Dpc->DeferredRoutine;
        Copy->DeferredContext = Dpc->DeferredContext;
        Copy->SystemArgument1 = Dpc->SystemArgument1;
        Copy->SystemArgument2 = Dpc->SystemArgument2;
        Copy->DpcListEntry.Flink = (PLIST_ENTRY)Dpc; /* which DPC it was */
        Data->DpcQueueDepth--;
        __atomic_store_n(&Dpc->DpcData, NULL, __ATOMIC_RELEASE);
        Found = TRUE;
    }
    KiReleaseSpinLockRaw(&Data->DpcLock);
    if (Flags & EFLAGS_IF) /* the caller's state, not simply "on" */
        _enable();
    return Found;
}

/* A routine that returns at another IRQL has broken the DPC contract: stop
 * here, naming it, before the wrong IRQL does damage elsewhere. Parameter 1
 * packs the IRQLs as intdispatch.c does for ISRs (unique value 2: a DPC). */
static VOID CheckIrqlAfter(PKDEFERRED_ROUTINE Routine, PKDPC Dpc)
{
    KIRQL Irql = KeGetCurrentIrql();
    ULONG64 Offset;

    if (Irql == DISPATCH_LEVEL)
        return;
    PCSTR Name = KiLookupSymbol((ULONG64)Routine, &Offset);
    KiBugCheck(IRQL_UNEXPECTED_VALUE, ((ULONG_PTR)Irql << 16) | (DISPATCH_LEVEL << 8) | 2, (ULONG_PTR)Routine,
               (ULONG_PTR)Dpc, 0, NULL,
               "the DPC routine %s (DPC %p) returned at IRQL %u; DPC routines are called at DISPATCH_LEVEL (2) "
               "and must return at it",
               Name ? Name : "?", (PVOID)Dpc, Irql);
}

/* One routine, timed for the watchdog and the statistics. */
static VOID RunDpc(KDPC_DATA *Data, KDPC *Copy)
{
    PKDPC Dpc = (PKDPC)Copy->DpcListEntry.Flink;
    ULONG64 Start = __rdtsc();

    Data->Watchdog.DpcRoutine = (PVOID)Copy->DeferredRoutine;
    __atomic_store_n(&Data->Watchdog.DpcStartTsc, Start, __ATOMIC_RELEASE);
    Copy->DeferredRoutine(Dpc, Copy->DeferredContext, Copy->SystemArgument1, Copy->SystemArgument2);
    __atomic_store_n(&Data->Watchdog.DpcStartTsc, 0, __ATOMIC_RELEASE);
    CheckIrqlAfter(Copy->DeferredRoutine, Dpc);

    ULONG64 Cycles = __rdtsc() - Start;
    Data->Statistics.DpcCount++;
    if (Cycles > Data->Statistics.LongestDpcCycles) {
        Data->Statistics.LongestDpcCycles = Cycles;
        Data->Statistics.LongestDpcRoutine = (PVOID)Copy->DeferredRoutine;
    }
}

VOID KiRetireDpcList(VOID)
{
    KDPC_DATA *Data = &KeGetCurrentPrcb()->DpcData;
    KDPC Copy;

    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        KiBugCheck(IRQL_UNEXPECTED_VALUE, ((ULONG_PTR)KeGetCurrentIrql() << 16) | (DISPATCH_LEVEL << 8), 0, 0, 0, NULL,
                   "KiRetireDpcList at IRQL %u: the DPC queue is drained at DISPATCH_LEVEL only", KeGetCurrentIrql());
    if (Data->DpcRoutineActive)
        return; /* already draining, further up this stack */
    Data->DpcRoutineActive = TRUE;
    __atomic_store_n(&Data->Watchdog.RetireStartTsc, __rdtsc(), __ATOMIC_RELEASE);
    while (KiTakeNextDpc(Data, &Copy))
        RunDpc(Data, &Copy);
    __atomic_store_n(&Data->Watchdog.RetireStartTsc, 0, __ATOMIC_RELEASE);
    Data->DpcRoutineActive = FALSE;
    KiWakeDpcThread(KeGetCurrentPrcb());
}

static VOID InitializeQueue(KDPC_DATA *Data, ULONG Number)
{
    InitializeListHead(&Data->DpcListHead);
    KeInitializeSpinLock(&Data->DpcLock);
    Data->DpcQueueDepth = 0;
    Data->DpcRoutineActive = FALSE;
    Data->Number = Number;
    Data->DpcThread = NULL;
}

VOID KiInitializeDpcData(struct _KPRCB *Prcb)
{
    InitializeQueue(&Prcb->DpcData, Prcb->Number);
    InitializeQueue(&Prcb->ThreadedDpcData, Prcb->Number);
}

/* Until the dispatcher drains the queue itself from KiDispatchInterrupt, the
 * DISPATCH software interrupt reaches KiRetireDpcList through the hook.
 * The hook is only taken if it is free, and an extra call finds the queue
 * empty, so both ways together are harmless. */
VOID KiInitializeDpcs(VOID)
{
    if (KiDispatchInterruptHook == NULL)
        KiDispatchInterruptHook = KiRetireDpcList;
}
