/*
 * prcb.c - per-CPU control blocks: setting a CPU's GS base, and the
 * processor-number queries of WDM.
 *
 * Processor numbers are dense, 0 .. KeNumberProcessors - 1, in the order the
 * CPUs started; APIC IDs need not be (-smp 6,sockets=2,cores=3 gives IDs
 * 0,1,2,4,5,6), which is why the number, not the APIC ID, indexes everything.
 */
#include "prcb.h"
#include "ke.h"
#include "ke/dpc.h"
#include "schedp.h"
#include "hal/x86.h"

KPRCB *KiProcessorBlock[MAXIMUM_PROCESSORS];
volatile ULONG KeNumberProcessors;

VOID KiInitializePrcb(PKPRCB Prcb, ULONG Number, ULONG ApicId)
{
    Prcb->Self = Prcb;
    Prcb->Number = Number;
    Prcb->ApicId = ApicId;
    KiInitializeDpcData(Prcb);
    /* Timers can be set from here on (a driver's DriverEntry does, before
     * the scheduler starts); they expire once the idle thread runs. */
    KiInitializeTimerList(Prcb);
    /* Loading a selector into GS may clear the base on some CPUs: write the
     * MSR after the GDT and segment registers are in place. */
    __writemsr(MSR_GS_BASE, (ULONG64)Prcb);
    KiProcessorBlock[Number] = Prcb;
}

/* Processors start one at a time, in number order, so the count is also
 * the next number and the active set is always 0 .. count - 1. */
VOID KiActivateProcessor(PKPRCB Prcb)
{
    UNREFERENCED_PARAMETER(Prcb);
    __atomic_add_fetch(&KeNumberProcessors, 1, __ATOMIC_SEQ_CST);
}

ULONG KeGetCurrentProcessorNumber(VOID)
{
    ULONG Number;
    __asm__ volatile("movl %%gs:%c1, %0" : "=r"(Number) : "i"(__builtin_offsetof(KPRCB, Number)));
    return Number;
}

/* WDM: the number, and the same as group 0 and a group-relative number. */
ULONG KeGetCurrentProcessorNumberEx(PPROCESSOR_NUMBER ProcNumber)
{
    ULONG Number = KeGetCurrentProcessorNumber();

    if (ProcNumber != NULL) {
        ProcNumber->Group = 0;
        ProcNumber->Number = (UCHAR)Number;
        ProcNumber->Reserved = 0;
    }
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
