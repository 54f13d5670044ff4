/*
 * prcb.h - the processor control block: what the kernel keeps per CPU.
 *
 * Each CPU's GS base (the IA32_GS_BASE MSR) points at its own KPRCB, whose
 * first field points back at itself. So `mov rax, gs:[0]` gives the current
 * CPU's block in one instruction, without knowing which CPU this is: the way
 * NT reaches its KPCR/KPRCB on x64. Code that reads it must not move to
 * another CPU in between: run at DISPATCH_LEVEL or above, or with interrupts
 * off (below DISPATCH the dispatcher may switch the thread to another CPU).
 *
 * The subsystems keep their per-CPU state in sub-structures defined in their
 * own headers: the DPC queue (dpcdata.h) and the dispatcher's ready queues
 * and timers (scheddata.h).
 */
#ifndef KE_PRCB_H
#define KE_PRCB_H

#include "ntdef.h"
#include "ke/irql.h"
#include "ke/dpcdata.h"
#include "ke/scheddata.h"

#define MAXIMUM_PROCESSORS 64

struct _KTHREAD;

typedef struct _KPRCB {
    struct _KPRCB *Self; /* gs:[0] */
    ULONG Number;        /* 0 .. KeNumberProcessors - 1, in MADT order */
    ULONG ApicId;        /* the local APIC's ID (need not equal Number) */
    struct _KTHREAD *CurrentThread;
    struct _KTHREAD *NextThread; /* chosen to run next; switched to at DISPATCH */
    struct _KTHREAD *IdleThread;
    KDPC_DATA DpcData;         /* ordinary DPCs, run at DISPATCH_LEVEL */
    KDPC_DATA ThreadedDpcData; /* threaded DPCs, run at PASSIVE_LEVEL by the DPC thread */
    KSCHEDULER_DATA Scheduler;
    PVOID ArchData;                  /* the CPU's GDT, TSS and IST stacks (hal) */
    PVOID InitialStack;              /* the top of the stack the CPU started on */
    volatile ULONG IpiRequests;      /* IPI_REQUEST_* bits other CPUs left for this one (ipi.c) */
    /* Per IRQL class: the vector whose interrupt chain this CPU is walking
     * (0: none) and how many walks it has finished (intdispatch.c); what
     * KeDisconnectInterrupt waits on. */
    volatile UCHAR InterruptWalkVector[16];
    volatile ULONG64 InterruptWalkCount[16];
    ULONG64 IpiCount;                /* IPIs taken */
    volatile ULONG64 ClockTickCount; /* this CPU's clock interrupts */
} KPRCB, *PKPRCB;

/* KPRCB.Self sits at offset 0 so that gs:[0] finds it. */
_Static_assert(__builtin_offsetof(KPRCB, Self) == 0, "KPRCB.Self must be first");

static inline PKPRCB KeGetCurrentPrcb(VOID)
{
    PKPRCB Prcb;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(Prcb));
    return Prcb;
}

extern KPRCB *KiProcessorBlock[MAXIMUM_PROCESSORS]; /* by processor number */
extern volatile ULONG KeNumberProcessors;           /* CPUs started so far */

/* Fills Prcb, points this CPU's GS base at it and records it in
 * KiProcessorBlock. Call after the CPU's GDT is loaded. */
VOID KiInitializePrcb(PKPRCB Prcb, ULONG Number, ULONG ApicId);
/* The CPU is ready for work from others (IPIs, targeted DPCs): it joins
 * KeNumberProcessors. The last step of a CPU's start-up. */
VOID KiActivateProcessor(PKPRCB Prcb);

/* WDM: the group-relative processor number (one group here: group 0). */
typedef struct _PROCESSOR_NUMBER {
    USHORT Group;
    UCHAR Number;
    UCHAR Reserved;
} PROCESSOR_NUMBER, *PPROCESSOR_NUMBER;

ULONG KeGetCurrentProcessorNumber(VOID);
ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber);
ULONG KeQueryActiveProcessorCount(PULONG64 ActiveProcessors);

/* Starts every other processor the MADT lists (mpinit.c), on the boot CPU,
 * once the clock runs. Returns when each has started or given up. */
VOID KeStartAllProcessors(VOID);

#endif /* KE_PRCB_H */
