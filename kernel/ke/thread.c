/*
 * thread.c - a thread's life: its first stack, its start, its priority, its
 * end.
 *
 * Creating a thread is making a stack that looks as if the thread had been
 * switched away from just before its first instruction (contextswitch.asm
 * draws it). Ending one has one difficulty: the thread cannot free the stack
 * it is running on. So it marks itself Terminated and switches away for the
 * last time, and the thread switched to frees the stack (KiFinishSwitch calls
 * KiThreadReaper), once the old stack is no longer in use.
 */
#include "schedp.h"
#include "ipi.h"
#include "mm/mm.h"
#include "rtl.h"

#define KI_THREAD_STACK_PAGES 4

LIST_ENTRY KiThreadListHead = {&KiThreadListHead, &KiThreadListHead};
static volatile ULONG KiNextThreadId = 4; /* NT's thread IDs are multiples of 4 */

VOID KiThreadStartup(VOID); /* contextswitch.asm */

/* The saved registers of a thread that has not run yet, in the order
 * KiSwapContext pops them, then its two return addresses. */
typedef struct _KI_INITIAL_FRAME {
    ULONG64 R15, R14, R13, R12, Rbx, Rbp, RFlags;
    ULONG64 Return;      /* KiThreadStartup */
    ULONG64 OuterReturn; /* 0: KiThreadStartup never returns */
} KI_INITIAL_FRAME;

#define KI_INITIAL_RFLAGS 0x202 /* IF set; bit 1 is always 1 */

VOID KiInitializeThreadObject(PKTHREAD Thread, KPRIORITY Priority)
{
    KiInitializeDispatcherHeader(&Thread->Header, ThreadObject, 0);
    KeInitializeTimer(&Thread->Timer);
    Thread->State = Initialized;
    Thread->Priority = Priority;
    Thread->Affinity = KI_ALL_PROCESSORS;
    Thread->Quantum = KiQuantumTicks();
    Thread->ThreadId = __atomic_fetch_add(&KiNextThreadId, 4, __ATOMIC_RELAXED);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    InsertTailList(&KiThreadListHead, &Thread->ThreadListEntry);
    KiReleaseDispatcherLock(OldIrql);
}

NTSTATUS KeInitializeThread(PKTHREAD Thread, PKSTART_ROUTINE StartRoutine, PVOID StartContext, KPRIORITY Priority)
{
    if (Priority <= LOW_PRIORITY || Priority > HIGH_PRIORITY)
        return STATUS_INVALID_PARAMETER;
    PUCHAR Top = MmCreateKernelStack(KI_THREAD_STACK_PAGES);
    if (Top == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;

    KI_INITIAL_FRAME *Frame = (KI_INITIAL_FRAME *)(Top - sizeof(KI_INITIAL_FRAME));
    RtlZeroMemory(Frame, sizeof(*Frame));
    Frame->RFlags = KI_INITIAL_RFLAGS;
    Frame->Return = (ULONG64)KiThreadStartup;
    Thread->StackBase = Top;
    Thread->KernelStack = Frame;
    Thread->StartRoutine = StartRoutine;
    Thread->StartContext = StartContext;
    Thread->NextProcessor = KeGetCurrentProcessorNumber();
    KiInitializeThreadObject(Thread, Priority);
    return STATUS_SUCCESS;
}

VOID KeStartThread(PKTHREAD Thread)
{
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KiReadyThread(Thread);
    KiReleaseDispatcherLock(OldIrql);
}

/* A new thread's first C code (reached from KiThreadStartup): finish the
 * switch that brought it here, drop to PASSIVE_LEVEL, run. */
__attribute__((noreturn)) VOID KiThreadStart(VOID)
{
    PKTHREAD Thread = KeGetCurrentThread();

    KiFinishSwitch();
    KeLowerIrql(PASSIVE_LEVEL);
    Thread->StartRoutine(Thread->StartContext);
    KeTerminateThread(STATUS_SUCCESS);
}

VOID KeTerminateThread(NTSTATUS ExitStatus)
{
    PKTHREAD Thread = KeGetCurrentThread();

    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        KiBugCheck(IRQL_NOT_LESS_OR_EQUAL, KeGetCurrentIrql(), 0, 0, (ULONG_PTR)Thread, NULL,
                   "a thread may only end at PASSIVE_LEVEL; this one is at IRQL %u", KeGetCurrentIrql());
    KiAcquireDispatcherLock();
    Thread->ExitStatus = ExitStatus;
    Thread->State = Terminated;
    Thread->Header.SignalState = 1;
    KiWaitTest(&Thread->Header);
    KiSwapThread();
    __builtin_unreachable(); /* nobody switches to a Terminated thread */
}

/* Runs in the thread that took over the processor, lock released: the ended
 * thread's stack is not in use any more. */
VOID KiReapThread(PKTHREAD Thread)
{
    MmDeleteKernelStack(Thread->StackBase);
    Thread->StackBase = NULL;
    if (Thread->ReapRoutine != NULL)
        Thread->ReapRoutine(Thread);
}

VOID KiDeleteThread(PKTHREAD Thread)
{
    if (Thread->ThreadListEntry.Flink != NULL) { /* KeInitializeThread got that far */
        KIRQL OldIrql = KiAcquireDispatcherLock();
        RemoveEntryList(&Thread->ThreadListEntry);
        KiReleaseDispatcherLock(OldIrql);
    }
    if (Thread->StackBase != NULL) /* it never ran */
        MmDeleteKernelStack(Thread->StackBase);
}

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread)
{
    return Thread->Priority;
}

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    if (Priority <= LOW_PRIORITY || Priority > HIGH_PRIORITY)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, Priority, (ULONG_PTR)Thread, 0, 0, NULL,
                   "KeSetPriorityThread(%p, %d): a priority is from 1 to 31", (PVOID)Thread, Priority);
    KIRQL OldIrql = KiAcquireDispatcherLock();
    KPRIORITY Old = Thread->Priority;
    PKPRCB Prcb = KiProcessorBlock[Thread->NextProcessor];

    if (Thread->State == Ready) { /* move it to its new queue */
        KiRemoveReadyThread(Thread);
        Thread->Priority = Priority;
        KiReadyThread(Thread);
    } else {
        Thread->Priority = Priority;
        /* Running and lowered: a better thread may be waiting there now. */
        if (Thread->State == Running && KiHighestReadyPriority(Prcb) > Priority)
            KiRequestDispatchInterrupt(Prcb->Number);
    }
    KiReleaseDispatcherLock(OldIrql);
    return Old;
}
