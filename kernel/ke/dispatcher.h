/*
 * dispatcher.h - dispatcher objects and waiting for them (docs/dispatcher.md).
 *
 * A dispatcher object is anything a thread can wait for: an event, a
 * semaphore, a mutex, a timer, a thread (signaled when it ends). Each begins
 * with a DISPATCHER_HEADER, which holds the one thing every wait looks at,
 * SignalState (> 0: signaled), and the list of the threads waiting for it.
 *
 * A waiting thread is tied to each object it waits for by a KWAIT_BLOCK on
 * that object's WaitListHead. When an object becomes signaled, the kernel
 * walks that list (KiWaitTest) and wakes whoever's wait is now satisfied.
 *
 * Everything here is guarded by one lock, the dispatcher lock (schedp.h).
 */
#ifndef KE_DISPATCHER_H
#define KE_DISPATCHER_H

#include "ntdef.h"
#include "ke/irql.h"

typedef LONG KPRIORITY;

/* Who is waiting: the kernel or user code. Only KernelMode exists here. */
typedef CCHAR KPROCESSOR_MODE;
#define KernelMode 0
#define UserMode 1

/* The kinds of dispatcher object, as DISPATCHER_HEADER.Type says. */
typedef enum _KOBJECTS {
    EventNotificationObject = 0,
    EventSynchronizationObject = 1,
    MutantObject = 2,
    SemaphoreObject = 5,
    ThreadObject = 6,
    TimerNotificationObject = 8,
    TimerSynchronizationObject = 9,
} KOBJECTS;

typedef struct _DISPATCHER_HEADER {
    UCHAR Type;     /* KOBJECTS */
    UCHAR Inserted; /* timers: on a timer list */
    USHORT Reserved;
    volatile LONG SignalState; /* > 0: signaled. A mutex: 1 free, <= 0 owned */
    LIST_ENTRY WaitListHead;   /* KWAIT_BLOCK.WaitListEntry, in arrival order */
} DISPATCHER_HEADER, *PDISPATCHER_HEADER;

typedef enum _WAIT_TYPE { WaitAll, WaitAny } WAIT_TYPE;

/* Why a thread waits: shown by the GDB `threads` command, otherwise unused. */
typedef enum _KWAIT_REASON {
    Executive,
    FreePage,
    PageIn,
    PoolAllocation,
    DelayExecution,
    Suspended,
    UserRequest,
    WrExecutive
} KWAIT_REASON;

/* One thread's wait for one object. A thread has THREAD_WAIT_OBJECTS of them
 * built in; KeWaitForMultipleObjects for more needs an array from the caller
 * (up to MAXIMUM_WAIT_OBJECTS), which must stay valid during the wait. */
typedef struct _KWAIT_BLOCK {
    LIST_ENTRY WaitListEntry; /* on Object->WaitListHead */
    struct _KTHREAD *Thread;
    PDISPATCHER_HEADER Object;
    NTSTATUS WaitKey; /* what the wait returns if this object ends it */
    UCHAR WaitType;   /* WAIT_TYPE */
} KWAIT_BLOCK, *PKWAIT_BLOCK;

#define THREAD_WAIT_OBJECTS 3
#define MAXIMUM_WAIT_OBJECTS 64

/*
 * Waiting. At IRQL <= APC_LEVEL; at DISPATCH_LEVEL only with a zero
 * *Timeout (a poll: it cannot block). Anything else stops the machine with
 * IRQL_NOT_LESS_OR_EQUAL: a CPU at DISPATCH_LEVEL cannot switch threads.
 *
 * Timeout: NULL waits for ever; negative is relative, in 100 ns units
 * (-10000 = 1 ms); positive is an absolute interrupt time (KeQueryInterruptTime:
 * there is no system time yet). Returns STATUS_WAIT_0 + n (the n-th object
 * satisfied a WaitAny; STATUS_WAIT_0 for a WaitAll) or STATUS_TIMEOUT.
 * WaitMode must be KernelMode and Alertable FALSE: no APCs or alerts yet.
 */
NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout);
NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray);
/* Sleeps for Interval (same units as Timeout above); a zero Interval only
 * lets another ready thread of the same priority run. PASSIVE/APC_LEVEL.
 * Returns STATUS_SUCCESS. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval);

#endif /* KE_DISPATCHER_H */
