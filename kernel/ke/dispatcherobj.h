/*
 * dispatcherobj.h - the dispatcher objects a driver uses: events, semaphores,
 * mutexes and timers, with the WDM names and contracts (docs/dispatcher.md).
 * Each lives in nonpaged memory that the driver provides, and is waited for
 * with KeWaitForSingleObject / KeWaitForMultipleObjects (dispatcher.h).
 *
 * Two parameters are accepted for WDM's sake and have no effect here:
 *   - Increment, the priority boost given to the thread woken: priorities do
 *     not change by themselves in this kernel;
 *   - Wait = TRUE, which in NT promises that a wait follows at once and
 *     returns at DISPATCH_LEVEL with the dispatcher lock held, to make the
 *     signal and the wait one atomic step. Here the call returns normally.
 */
#ifndef KE_DISPATCHEROBJ_H
#define KE_DISPATCHEROBJ_H

#include "ke/dispatcher.h"

struct _KDPC; /* ke/dpc.h */

/* ---- events (event.c): IRQL <= DISPATCH_LEVEL ---- */

/* A NotificationEvent stays signaled, releasing every waiter, until reset.
 * A SynchronizationEvent releases one waiter and resets itself. */
typedef enum _EVENT_TYPE { NotificationEvent, SynchronizationEvent } EVENT_TYPE;

typedef struct _KEVENT {
    DISPATCHER_HEADER Header;
} KEVENT, *PKEVENT, *PRKEVENT;

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State);
/* Signals the event; returns its previous state. */
LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait);
/* Not signaled: KeResetEvent returns the previous state, KeClearEvent nothing. */
LONG KeResetEvent(PRKEVENT Event);
VOID KeClearEvent(PRKEVENT Event);
LONG KeReadStateEvent(PRKEVENT Event);

/* ---- semaphores (semaphore.c): IRQL <= DISPATCH_LEVEL ---- */

/* A count between 0 and Limit; signaled while above 0. Each satisfied wait
 * takes one. */
typedef struct _KSEMAPHORE {
    DISPATCHER_HEADER Header; /* SignalState is the count */
    LONG Limit;
} KSEMAPHORE, *PKSEMAPHORE, *PRKSEMAPHORE;

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit);
/* Adds Adjustment to the count; returns the previous count. Going over the
 * limit is an error Windows raises as STATUS_SEMAPHORE_LIMIT_EXCEEDED: here
 * it stops the machine (KMODE_EXCEPTION_NOT_HANDLED). */
LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait);
LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore);

/* ---- mutexes (mutex.c) ---- */

/* Owned by one thread at a time; the owner may acquire it again (each
 * acquire needs its release). Signaled while nobody owns it. */
typedef struct _KMUTANT {
    DISPATCHER_HEADER Header; /* SignalState: 1 free, 0 owned once, -1 twice... */
    struct _KTHREAD *OwnerThread;
} KMUTANT, *PKMUTANT, *PRKMUTANT, KMUTEX, *PKMUTEX, *PRKMUTEX;

/* Level is ignored, as it is in Windows. */
VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level);
/* The owner lets go once; returns the previous SignalState. A thread that
 * does not own it: THREAD_NOT_MUTEX_OWNER. IRQL <= DISPATCH_LEVEL. */
LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait);
LONG KeReadStateMutex(PRKMUTEX Mutex);

/* ---- timers (timer.c, timerlist.c): IRQL <= DISPATCH_LEVEL ---- */

typedef enum _TIMER_TYPE { NotificationTimer, SynchronizationTimer } TIMER_TYPE;

/* Signaled when it expires: a NotificationTimer stays signaled until set
 * again; a SynchronizationTimer releases one waiter and resets itself. */
typedef struct _KTIMER {
    DISPATCHER_HEADER Header; /* Inserted: on a processor's timer list */
    ULONGLONG DueTime;        /* absolute interrupt time, 100 ns units */
    LIST_ENTRY TimerListEntry;
    struct _KDPC *Dpc; /* queued when it expires, or NULL */
    LONG Period;       /* milliseconds; 0: once */
    ULONG Processor;   /* whose timer list it is on */
} KTIMER, *PKTIMER, *PRKTIMER;

VOID KeInitializeTimer(PKTIMER Timer); /* a NotificationTimer */
VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type);
/* Starts the timer (restarting it if it runs; it becomes not signaled).
 * DueTime: negative = relative, positive = absolute interrupt time, in
 * 100 ns units. Period > 0: it expires again every Period ms. On expiry Dpc,
 * if not NULL, is queued with the expiry time in SystemArgument1/2 (low and
 * high 32 bits). Returns TRUE if the timer was already set. */
BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, struct _KDPC *Dpc);
BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, struct _KDPC *Dpc);
/* Stops it; returns TRUE if it was set. Its DPC will not be queued, but one
 * already queued by an expiry still runs. */
BOOLEAN KeCancelTimer(PKTIMER Timer);
BOOLEAN KeReadStateTimer(PKTIMER Timer);

#endif /* KE_DISPATCHEROBJ_H */
