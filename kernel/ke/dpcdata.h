/*
 * dpcdata.h - a processor's DPC queue and its statistics, kept in its KPRCB
 * (prcb.h). Owned by the DPC code (dpc*.c).
 *
 * Each processor has its own queue with its own spin lock: an ISR on CPU 2
 * queueing a DPC never contends with CPU 0's, and the lock is only shared
 * when a DPC is targeted at another processor.
 */
#ifndef KE_DPCDATA_H
#define KE_DPCDATA_H

#include "ntdef.h"
#include "ke/spinlock.h"

/* What the processor's DPCs have done, for tests, `dpcs` and `pcr` in GDB. */
typedef struct _KDPC_STATISTICS {
    ULONG64 DpcCount;         /* DPC routines run */
    ULONG64 InsertCount;      /* successful inserts into this queue */
    ULONG MaximumQueueDepth;  /* the longest the queue has been */
    ULONG64 LongestDpcCycles; /* the longest single routine, TSC cycles */
    PVOID LongestDpcRoutine;  /* ... and which routine it was */
} KDPC_STATISTICS;

/* The DPC watchdog's bookkeeping (dpcwatchdog.c). */
typedef struct _KDPC_WATCHDOG {
    volatile ULONG64 DpcStartTsc;    /* when the running DPC routine began; 0: none runs */
    PVOID volatile DpcRoutine;       /* the routine running now */
    volatile ULONG64 RetireStartTsc; /* when the drain loop began; 0: not draining */
} KDPC_WATCHDOG;

/* Each processor has two queues, as in NT: KPRCB.DpcData for ordinary DPCs,
 * drained at DISPATCH_LEVEL, and KPRCB.ThreadedDpcData for threaded ones,
 * drained at PASSIVE_LEVEL by the processor's DPC thread (dpcthread.c). */
typedef struct _KDPC_DATA {
    LIST_ENTRY DpcListHead; /* KDPC.DpcListEntry, in the order they will run */
    KSPIN_LOCK DpcLock;     /* guards the list, DpcQueueDepth and each KDPC.DpcData pointing here */
    volatile ULONG DpcQueueDepth;
    volatile BOOLEAN DpcRoutineActive; /* the drain loop is running a routine */
    ULONG Number;                      /* the processor this queue belongs to */
    KDPC_STATISTICS Statistics;
    KDPC_WATCHDOG Watchdog;
    PVOID DpcThread; /* threaded queue: the thread that drains it; NULL until it runs */
} KDPC_DATA;

#endif /* KE_DPCDATA_H */
