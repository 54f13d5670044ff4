/*
 * wait.c - KeWaitForSingleObject, KeWaitForMultipleObjects and
 * KeDelayExecutionThread: a thread stops until objects are signaled or time
 * runs out.
 *
 * Under the dispatcher lock a wait either is satisfied at once (and returns),
 * or times out at once (a zero timeout, a due time already past), or blocks:
 *
 *   1. a wait block per object goes on that object's wait list;
 *   2. with a timeout, the thread's own timer is set, with one more wait
 *      block on the timer's list whose WaitKey is STATUS_TIMEOUT;
 *   3. the thread becomes Waiting and switches away (KiSwapThread).
 *
 * Whoever later signals an object runs KiWaitTest (waittest.c), which
 * satisfies the wait, takes every block off its list and makes the thread
 * ready with the status to return. The timeout is the same thing: when the
 * timer expires, KiWaitTest on the timer finds the STATUS_TIMEOUT block. So
 * the thread, once it runs again, only reads the status it was given.
 */
#include "schedp.h"
#include "ke/time.h"
#include "rtl.h"

/* A thread at DISPATCH_LEVEL cannot switch away, so it may only poll (a zero
 * timeout); above DISPATCH_LEVEL it may not even take the dispatcher lock. */
VOID KiCheckWaitIrql(PLARGE_INTEGER Timeout)
{
    KIRQL Irql = KeGetCurrentIrql();
    BOOLEAN Poll = Timeout != NULL && Timeout->QuadPart == 0;

    if (Irql < DISPATCH_LEVEL || (Irql == DISPATCH_LEVEL && Poll))
        return;
    KiBugCheck(IRQL_NOT_LESS_OR_EQUAL, Irql, Timeout ? (ULONG_PTR)Timeout->QuadPart : 0, 0,
               (ULONG_PTR)KeGetCurrentThread(), NULL,
               "a wait at IRQL %u with %s: only IRQL <= APC_LEVEL may wait, and DISPATCH_LEVEL only with a zero "
               "timeout (a processor at DISPATCH_LEVEL cannot switch threads)",
               Irql, Timeout ? "a non-zero timeout" : "no timeout");
}

/* The wait is satisfied now: take what it takes and say with what status. */
static BOOLEAN SatisfiedNow(PKTHREAD Thread, ULONG Count, PDISPATCHER_HEADER *Objects, WAIT_TYPE WaitType,
                            NTSTATUS *Status)
{
    if (WaitType == WaitAny) {
        for (ULONG i = 0; i < Count; i++) {
            if (KiIsObjectSignaled(Objects[i], Thread)) {
                KiSatisfyObject(Objects[i], Thread);
                *Status = STATUS_WAIT_0 + (NTSTATUS)i;
                return TRUE;
            }
        }
        return FALSE;
    }
    for (ULONG i = 0; i < Count; i++)
        if (!KiIsObjectSignaled(Objects[i], Thread))
            return FALSE;
    for (ULONG i = 0; i < Count; i++)
        KiSatisfyObject(Objects[i], Thread);
    *Status = STATUS_WAIT_0;
    return Count > 0;
}

static VOID QueueWaitBlock(PKWAIT_BLOCK Block, PKTHREAD Thread, PDISPATCHER_HEADER Object, NTSTATUS Key,
                           WAIT_TYPE WaitType)
{
    Block->Thread = Thread;
    Block->Object = Object;
    Block->WaitKey = Key;
    Block->WaitType = (UCHAR)WaitType;
    InsertTailList(&Object->WaitListHead, &Block->WaitListEntry);
}

/* Blocks: steps 1-3 above. Returns the status the waker set. */
static NTSTATUS Block(PKTHREAD Thread, ULONG Count, PDISPATCHER_HEADER *Objects, WAIT_TYPE WaitType,
                      KWAIT_REASON WaitReason, PKWAIT_BLOCK Blocks, ULONGLONG DueTime, BOOLEAN HasTimeout)
{
    for (ULONG i = 0; i < Count; i++)
        QueueWaitBlock(&Blocks[i], Thread, Objects[i], STATUS_WAIT_0 + (NTSTATUS)i, WaitType);
    Thread->WaitBlockList = Blocks;
    Thread->WaitCount = Count;
    Thread->WaitTimeout = HasTimeout;
    if (HasTimeout) {
        Thread->Timer.Header.SignalState = 0;
        QueueWaitBlock(&Thread->TimerWaitBlock, Thread, &Thread->Timer.Header, STATUS_TIMEOUT, WaitAny);
        KiInsertTimer(&Thread->Timer, DueTime);
    }
    Thread->WaitReason = (UCHAR)WaitReason;
    Thread->State = Waiting;
    KiSwapThread(); /* returns with the lock released */
    return Thread->WaitStatus;
}

static NTSTATUS Wait(ULONG Count, PDISPATCHER_HEADER *Objects, WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                     PLARGE_INTEGER Timeout, PKWAIT_BLOCK Blocks)
{
    PKTHREAD Thread = KeGetCurrentThread();
    NTSTATUS Status;

    KiCheckWaitIrql(Timeout);
    if (Thread == KeGetCurrentPrcb()->IdleThread)
        KiBugCheck(KERNEL_SECURITY_CHECK_FAILURE, (ULONG_PTR)Thread, 0, 0, 0, NULL,
                   "the idle thread may not wait: it is what runs when every other thread waits");
    KIRQL OldIrql = KiAcquireDispatcherLock();
    if (SatisfiedNow(Thread, Count, Objects, WaitType, &Status)) {
        KiReleaseDispatcherLock(OldIrql);
        return Status;
    }
    ULONGLONG DueTime = Timeout ? KiAbsoluteDueTime(Timeout->QuadPart) : 0;
    if (Timeout != NULL && (Timeout->QuadPart == 0 || DueTime <= KeQueryInterruptTime())) {
        KiReleaseDispatcherLock(OldIrql);
        return STATUS_TIMEOUT;
    }
    Status = Block(Thread, Count, Objects, WaitType, WaitReason, Blocks, DueTime, Timeout != NULL);
    KeLowerIrql(OldIrql);
    return Status;
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray)
{
    ULONG Limit = WaitBlockArray ? MAXIMUM_WAIT_OBJECTS : THREAD_WAIT_OBJECTS;

    UNREFERENCED_PARAMETER(WaitMode);
    UNREFERENCED_PARAMETER(Alertable);
    if (Count == 0 || Count > Limit)
        KiBugCheck(MAXIMUM_WAIT_OBJECTS_EXCEEDED, Count, Limit, 0, 0, NULL,
                   "KeWaitForMultipleObjects with %u objects: from 1 to %u %s", Count, Limit,
                   WaitBlockArray ? "with a wait block array" : "without a wait block array (pass one for more)");
    PKWAIT_BLOCK Blocks = WaitBlockArray ? WaitBlockArray : KeGetCurrentThread()->WaitBlock;
    return Wait(Count, (PDISPATCHER_HEADER *)Object, WaitType, WaitReason, Timeout, Blocks);
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout)
{
    PDISPATCHER_HEADER Header = Object;

    UNREFERENCED_PARAMETER(WaitMode);
    UNREFERENCED_PARAMETER(Alertable);
    return Wait(1, &Header, WaitAny, WaitReason, Timeout, KeGetCurrentThread()->WaitBlock);
}

/* A wait for no object, with a timeout: it can only time out. A zero
 * interval gives the processor to another ready thread of the same
 * priority, as in NT. */
NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval)
{
    UNREFERENCED_PARAMETER(WaitMode);
    UNREFERENCED_PARAMETER(Alertable);
    if (Interval->QuadPart == 0 && KeGetCurrentIrql() <= APC_LEVEL)
        KiYieldThread();
    else
        Wait(0, NULL, WaitAny, DelayExecution, Interval, KeGetCurrentThread()->WaitBlock);
    return STATUS_SUCCESS;
}
