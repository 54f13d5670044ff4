/*
 * schedp.h - what the dispatcher's files share (docs/dispatcher.md):
 *
 *   sched.c          the dispatcher lock; ready queues; choosing a thread
 *   schedswitch.c    switching threads; the DISPATCH_LEVEL decision to preempt
 *   contextswitch.asm  the switch itself: registers and stacks
 *   thread.c         creating and ending threads; priorities
 *   idle.c           the idle thread
 *   wait.c           KeWaitFor*: blocking
 *   waittest.c       satisfying waits: who wakes when an object is signaled
 *   event.c semaphore.c mutex.c timer.c   the objects
 *   timerlist.c      per-processor timer lists, expired at DISPATCH_LEVEL
 *
 * The dispatcher lock. One spin lock guards every thread's state, every
 * ready queue, every wait list and every timer list, on all processors, as
 * in NT before Windows 7 (which split it for scalability). One lock makes
 * each step easy to check: a thread's state never changes while it is held
 * by someone else. It is taken at DISPATCH_LEVEL, so ISRs (above) never take
 * it; they queue a DPC that does.
 *
 * The lock is held across a thread switch: the thread switching away takes
 * it, and the thread switched to releases it (KiFinishSwitch). So no other
 * processor can pick the old thread up before its registers are saved.
 */
#ifndef KE_SCHEDP_H
#define KE_SCHEDP_H

#include "ke/thread.h"
#include "ke/spinlock.h"
#include "ke/ke.h"
#include "rtl.h"

extern KSPIN_LOCK KiDispatcherLock;

/* Raise to DISPATCH_LEVEL and take the lock; returns the old IRQL. */
KIRQL KiAcquireDispatcherLock(VOID);
/* Let go, and lower to OldIrql. */
VOID KiReleaseDispatcherLock(KIRQL OldIrql);

/* ---- ready queues (sched.c) ---- */

/* Thread becomes Ready on some processor's queue (an idle one if possible)
 * and that processor is asked to reschedule if Thread should preempt what it
 * runs. */
VOID KiReadyThread(PKTHREAD Thread);
/* Puts Thread on Prcb's queue: at the tail, or at the head (a thread that
 * was preempted keeps its place in line). */
VOID KiInsertReadyThread(PKPRCB Prcb, PKTHREAD Thread, BOOLEAN AtHead);
VOID KiRemoveReadyThread(PKTHREAD Thread);
/* The highest-priority thread on Prcb's queue with priority >= MinPriority,
 * removed from the queue; else one stolen from another processor's queue if
 * Steal; else NULL. */
PKTHREAD KiSelectReadyThread(PKPRCB Prcb, KPRIORITY MinPriority, BOOLEAN Steal);
/* The highest priority on Prcb's queue, or -1: a hint, read without the lock. */
KPRIORITY KiHighestReadyPriority(PKPRCB Prcb);
/* The processors whose dispatcher runs (they have their idle thread). */
KAFFINITY KiSchedulingProcessors(VOID);
/* Is some processor's queue not empty? A hint, read without the lock. */
BOOLEAN KiAnyThreadReady(VOID);
/* Clock ticks in a quantum: about 20 ms, whatever the clock period. */
LONG KiQuantumTicks(VOID);

/* The parts of a KTHREAD every thread has, the idle ones included: its
 * dispatcher header, timer, priority, ID; it joins KiThreadListHead. */
VOID KiInitializeThreadObject(PKTHREAD Thread, KPRIORITY Priority);

/* ---- switching (schedswitch.c) ---- */

/* The current thread has left the Running state (it waits, it ended, or it
 * was put back on a ready queue): switch to the best thread for this
 * processor. Called with the lock held at DISPATCH_LEVEL; returns, when this
 * thread runs again, with the lock released and still at DISPATCH_LEVEL. */
VOID KiSwapThread(VOID);
/* The second half of every switch, run by the thread switched to. */
VOID KiFinishSwitch(VOID);
/* The DISPATCH_LEVEL interrupt's last step: preempt if a quantum ended or a
 * higher-priority thread is ready. */
VOID KiDispatchReschedule(VOID);
/* At CLOCK_LEVEL, from KiClockTick: charge the tick to the running thread.
 * TRUE when the dispatcher has something to do. */
BOOLEAN KiQuantumTick(PKPRCB Prcb);

/* contextswitch.asm: saves this thread's registers on its stack and its rsp
 * in *OldKernelStack, then continues the thread whose rsp is NewKernelStack. */
VOID KiSwapContext(PVOID *OldKernelStack, PVOID NewKernelStack);

/* ---- waits (waittest.c) ---- */

/* Is Object signaled, as far as Thread is concerned (a mutex Thread owns
 * counts as signaled for it)? */
BOOLEAN KiIsObjectSignaled(PDISPATCHER_HEADER Object, PKTHREAD Thread);
/* Thread's wait took Object: consume what it takes (a synchronization
 * event's signal, a semaphore's count, a mutex's ownership). */
VOID KiSatisfyObject(PDISPATCHER_HEADER Object, PKTHREAD Thread);
/* Object may have become signaled: wake the waits it now satisfies. */
VOID KiWaitTest(PDISPATCHER_HEADER Object);
/* Ends Thread's wait with Status: off every wait list, timer cancelled, ready. */
VOID KiUnwaitThread(PKTHREAD Thread, NTSTATUS Status);
VOID KiInitializeDispatcherHeader(PDISPATCHER_HEADER Header, UCHAR Type, LONG SignalState);

/* ---- timers (timerlist.c) ---- */

/* An interrupt time from a WDM due time: negative = relative to now. */
ULONGLONG KiAbsoluteDueTime(LONGLONG DueTime);
/* Onto / off the current processor's timer list; lock held. */
VOID KiInsertTimer(PKTIMER Timer, ULONGLONG DueTime);
VOID KiRemoveTimer(PKTIMER Timer);
/* At CLOCK_LEVEL: is a timer of this processor due? */
BOOLEAN KiTimerDue(PKPRCB Prcb);
/* At DISPATCH_LEVEL: expires this processor's due timers and queues their DPCs. */
VOID KiExpireTimers(VOID);
VOID KiInitializeTimerList(PKPRCB Prcb);

/* The checks: a broken rule or a broken invariant stops the machine. */
VOID KiCheckWaitIrql(PLARGE_INTEGER Timeout);

#endif /* KE_SCHEDP_H */
