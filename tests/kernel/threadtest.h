/*
 * threadtest.h - what the thread, wait and timer tests share: starting a
 * thread and waiting for it to end, and time in the units tests think in.
 *
 * No test trusts the host's clock: durations are interrupt times
 * (KeQueryInterruptTime), and a wait for something that must happen gives up
 * only after KT_PATIENCE (5 s), hundreds of times what it should take, so a
 * slow or busy host cannot fail a correct kernel.
 */
#ifndef THREADTEST_H
#define THREADTEST_H

#include "ps/ps.h"
#include "ke/schedp.h"
#include "ke/time.h"

#define KT_MS(n) ((LONGLONG)(n)*10000) /* milliseconds in 100 ns units */
#define KT_PATIENCE KT_MS(5000)

/* A relative timeout of Ms milliseconds, as WDM writes it (negative). */
static inline LARGE_INTEGER KtRelative(LONGLONG Ms)
{
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = -KT_MS(Ms);
    return Timeout;
}

/* Starts Routine(Context) in a system thread; returns the thread object,
 * referenced (drop it with KtJoin), or NULL. */
static inline PKTHREAD KtStartThread(PKSTART_ROUTINE Routine, PVOID Context)
{
    HANDLE Handle;
    PVOID Thread;

    if (!NT_SUCCESS(PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Routine, Context)))
        return NULL;
    NTSTATUS Status = ObReferenceObjectByHandle(Handle, SYNCHRONIZE, PsThreadType, KernelMode, &Thread, NULL);
    ZwClose(Handle);
    return NT_SUCCESS(Status) ? Thread : NULL;
}

/* Waits (KT_PATIENCE at most) for Thread to end and drops the reference.
 * TRUE if it ended.
 *
 * The thread object is signaled as the thread ends, but the kernel holds its
 * own reference until the thread is off its processor and its stack is
 * freed, which happens on that processor a moment later. A test that counts
 * pool allocations waits for that too: until ours is the last reference. */
static inline BOOLEAN KtJoin(PKTHREAD Thread)
{
    LARGE_INTEGER Timeout = {.QuadPart = -KT_PATIENCE};
    NTSTATUS Status = KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, &Timeout);

    if (Status != STATUS_WAIT_0)
        return FALSE; /* leak it rather than free a running thread */
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;
    while (ObpPointerCount(Thread) > 1 && KeQueryInterruptTime() < Until)
        KiYieldThread();
    ObDereferenceObject(Thread);
    return TRUE;
}

static inline VOID KtSleep(LONGLONG Ms)
{
    LARGE_INTEGER Interval = KtRelative(Ms);
    KeDelayExecutionThread(KernelMode, FALSE, &Interval);
}

#endif /* THREADTEST_H */
