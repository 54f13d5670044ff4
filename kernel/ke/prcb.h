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
    struct _KPRCB *Self;   /* gs:[0] */
    ULONG Number;          /* 0 .. KeNumberProcessors - 1, in MADT order */
    ULONG ApicId;          /* the local APIC's ID (need not equal Number) */
    struct _KTHREAD *CurrentThread;
    struct _KTHREAD *NextThread; /* chosen to run next; switched to at DISPATCH */
    struct _KTHREAD *IdleThread;
    KDPC_DATA DpcData;
    KSCHEDULER_DATA Scheduler;
    PVOID ArchData; /* the CPU's GDT, TSS and IST stacks (hal) */
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
extern volatile ULONG KeNumberProcessors;            /* CPUs started so far */

/* Points this CPU's GS base at Prcb and records it in KiProcessorBlock. */
VOID KiInitializePrcb(PKPRCB Prcb, ULONG Number, ULONG ApicId);

ULONG KeGetCurrentProcessorNumber(VOID);
ULONG KeQueryActiveProcessorCount(PULONG64 ActiveProcessors);

#endif /* KE_PRCB_H */
