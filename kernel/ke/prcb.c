/*
 * prcb.c - per-CPU control blocks: setting a CPU's GS base, and the
 * processor-number queries of WDM.
 */
#include "prcb.h"
#include "ke.h"
#include "hal/x86.h"

KPRCB *KiProcessorBlock[MAXIMUM_PROCESSORS];
volatile ULONG KeNumberProcessors;

VOID KiInitializePrcb(PKPRCB Prcb, ULONG Number, ULONG ApicId)
{
    Prcb->Self = Prcb;
    Prcb->Number = Number;
    Prcb->ApicId = ApicId;
    /* Loading a selector into GS may clear the base on some CPUs: write the
     * MSR after the GDT and segment registers are in place. */
    __writemsr(MSR_GS_BASE, (ULONG64)Prcb);
    KiProcessorBlock[Number] = Prcb;
    __atomic_add_fetch(&KeNumberProcessors, 1, __ATOMIC_SEQ_CST);
}

ULONG KeGetCurrentProcessorNumber(VOID)
{
    ULONG Number;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(Number) : "i"(__builtin_offsetof(KPRCB, Number)));
    return Number;
}

/* WDM: the number of active processors, and optionally their mask. */
ULONG KeQueryActiveProcessorCount(PULONG64 ActiveProcessors)
{
    ULONG Count = KeNumberProcessors;

    if (ActiveProcessors != NULL)
        *ActiveProcessors = Count >= 64 ? ~0ULL : (1ULL << Count) - 1;
    return Count;
}
