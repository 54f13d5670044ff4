/*
 * thread.h - kernel threads (KTHREAD), the dispatcher's unit of work
 * (docs/dispatcher.md).
 *
 * A thread is a kernel stack plus what the dispatcher needs to know about it:
 * its state, its priority, what it waits for. While a thread is not running,
 * everything it was doing is on its stack, and KernelStack says where the top
 * of that is (contextswitch.asm). A thread is also a dispatcher object,
 * signaled when it terminates, so another thread can wait for it to end.
 *
 * Drivers create threads with PsCreateSystemThread (ps/ps.h), which builds on
 * KeInitializeThread and KeStartThread here.
 */
#ifndef KE_THREAD_H
#define KE_THREAD_H

#include "ke/dispatcherobj.h"
#include "ke/prcb.h"

/* Priorities: 0 is the idle thread's alone; 1-15 ordinary threads (8 is a
 * system thread's default); 16-31 "real-time". The highest ready runs. */
#define LOW_PRIORITY 0
#define LOW_REALTIME_PRIORITY 16
#define HIGH_PRIORITY 31
#define MAXIMUM_PRIORITY 32
#define KI_SYSTEM_THREAD_PRIORITY 8

typedef enum _KTHREAD_STATE {
    Initialized, /* created, not yet started */
    Ready,       /* on a processor's ready queue */
    Running,     /* on a processor (its KPRCB.CurrentThread) */
    Standby,     /* an idle thread that is not running */
    Terminated,  /* ended; its stack goes as soon as it is off the processor */
    Waiting,     /* in KeWaitFor*: on its objects' wait lists */
} KTHREAD_STATE;

/* A set of processors: bit N is processor N. */
typedef ULONG_PTR KAFFINITY;
#define KI_ALL_PROCESSORS ((KAFFINITY)~0ULL)

typedef VOID KSTART_ROUTINE(PVOID StartContext);
typedef KSTART_ROUTINE *PKSTART_ROUTINE;

typedef struct _KTHREAD {
    DISPATCHER_HEADER Header; /* signaled when the thread terminates */

    /* The stack. KernelStack is the saved rsp while the thread is off the
     * processor; StackBase the top MmCreateKernelStack returned (NULL for an
     * idle thread, which runs on its processor's start-up stack). */
    PVOID KernelStack;
    PVOID StackBase;

    /* Scheduling; changed only under the dispatcher lock. */
    volatile UCHAR State; /* KTHREAD_STATE */
    KPRIORITY Priority;
    volatile LONG Quantum;    /* clock ticks left before others of its priority get a turn */
    ULONG NextProcessor;      /* whose ready queue it is on, or where it last ran */
    KAFFINITY Affinity;       /* the processors it may run on */
    volatile LONG RunningOn;  /* processor number + 1 while on a processor, 0 otherwise */
    LIST_ENTRY WaitListEntry; /* on a ready queue, while Ready */

    /* Waiting. WaitBlockList points at WaitCount blocks (WaitBlock or the
     * caller's array); a timeout adds Timer, whose own list holds
     * TimerWaitBlock. */
    NTSTATUS WaitStatus;
    PKWAIT_BLOCK WaitBlockList;
    ULONG WaitCount;
    UCHAR WaitReason;    /* KWAIT_REASON */
    BOOLEAN WaitTimeout; /* Timer is part of the current wait */
    KWAIT_BLOCK WaitBlock[THREAD_WAIT_OBJECTS];
    KWAIT_BLOCK TimerWaitBlock;
    KTIMER Timer;

    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    VOID (*ReapRoutine)(struct _KTHREAD *Thread); /* after it ended and its stack is gone */
    NTSTATUS ExitStatus;
    ULONG ThreadId;
    ULONG64 ContextSwitches;    /* times switched to */
    LIST_ENTRY ThreadListEntry; /* KiThreadListHead: every thread, for debuggers */
} KTHREAD, *PKTHREAD, *PRKTHREAD;

/* The thread running on this processor. Any IRQL. */
static inline PKTHREAD KeGetCurrentThread(VOID)
{
    PKTHREAD Thread;
    __asm__ volatile("movq %%gs:%c1, %0" : "=r"(Thread) : "i"(__builtin_offsetof(KPRCB, CurrentThread)));
    return Thread;
}

/* Sets Thread's priority (1 to HIGH_PRIORITY) and returns the old one. The
 * change takes effect at once: a thread that is now the highest ready runs.
 * IRQL <= DISPATCH_LEVEL. */
KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority);
KPRIORITY KeQueryPriorityThread(PKTHREAD Thread);

/* Restricts the current thread to the processors in Affinity (at least one
 * running processor) and moves it there at once if it is elsewhere; returns
 * the previous set, for KeRevertToUserAffinityThreadEx. IRQL <= APC_LEVEL. */
KAFFINITY KeSetSystemAffinityThreadEx(KAFFINITY Affinity);
VOID KeRevertToUserAffinityThreadEx(KAFFINITY Affinity);

/* Prepares Thread (zeroed memory the caller owns) to run
 * StartRoutine(StartContext) on a new kernel stack, at PASSIVE_LEVEL.
 * STATUS_INSUFFICIENT_RESOURCES when there is no memory for the stack. */
NTSTATUS KeInitializeThread(PKTHREAD Thread, PKSTART_ROUTINE StartRoutine, PVOID StartContext, KPRIORITY Priority);
/* Makes it ready: from now on it may run, on any processor. */
VOID KeStartThread(PKTHREAD Thread);
/* Ends the current thread: it becomes signaled and never runs again. Its
 * stack is freed by the next thread on this processor (a thread cannot free
 * the stack it runs on), which then calls the thread's ReapRoutine, if set
 * (Ps drops its reference there). PASSIVE_LEVEL. */
__attribute__((noreturn)) VOID KeTerminateThread(NTSTATUS ExitStatus);
VOID KiReapThread(PKTHREAD Thread);
/* The memory of Thread is about to be freed (its last reference went): it
 * leaves KiThreadListHead, and a thread that never ran frees its stack. */
VOID KiDeleteThread(PKTHREAD Thread);

/* Gives the rest of the quantum to another ready thread of the same
 * priority, if there is one (what ZwYieldExecution does in Windows).
 * IRQL <= APC_LEVEL. */
VOID KiYieldThread(VOID);

/* The processor's idle thread: the code running here becomes it. Called by
 * KiIdleLoop on every processor, and earlier on the boot processor, which
 * starts the first system threads before it idles. */
VOID KiInitializeIdleThread(VOID);

/* Every thread (idle ones included), for debuggers; under the dispatcher lock. */
extern LIST_ENTRY KiThreadListHead;

#endif /* KE_THREAD_H */
