/*
 * mpinit.c - KeStartAllProcessors: the kernel's side of starting the other
 * processors (the HAL's side, INIT-SIPI-SIPI and the real-mode trampoline,
 * is kernel/hal/mp.c; docs/smp.md tells the whole story).
 *
 * For each enabled processor in the MADT other than this one, the boot CPU
 *   1. allocates what the AP needs before it can run C: a KPRCB, a kernel
 *      stack (with a guard page) and its GDT, TSS and IST stacks;
 *   2. has the HAL wake it, at KiSystemStartupAp on that stack;
 *   3. waits until the AP has joined KeNumberProcessors: a counter, never a
 *      fixed delay. Only then is the next AP started, because every AP reads
 *      the same trampoline parameters.
 * The AP, in KiSystemStartupAp, loads its own descriptor tables, points its
 * GS base at its KPRCB, enables its local APIC and its clock, and idles.
 */
#include "ke.h"
#include "prcb.h"
#include "idle.h"
#include "ke/time.h"
#include "hal/hal.h"
#include "hal/mp.h"
#include "hal/platform.h"
#include "hal/x86.h"
#include "mm/mm.h"
#include "ex/ex.h"
#include "rtl.h"

#define AP_STACK_PAGES 8
#define AP_REPORT_TIMEOUT_SECONDS 5
#define PRCB_TAG POOL_TAG('P', 'r', 'c', 'b')

static __attribute__((noreturn)) VOID KiSystemStartupAp(PVOID Argument)
{
    PKPRCB Prcb = Argument;

    HalLoadProcessorDescriptors(Prcb->ArchData, Prcb->Number);
    KiInitializePrcb(Prcb, Prcb->Number, Prcb->ApicId);
    HalInitializeProcessor();
    KiActivateProcessor(Prcb); /* the boot CPU was waiting for this */
    _enable();
    KiIdleLoop();
}

/* Step 1: everything the AP needs, or NULL (all of it freed). */
static PKPRCB AllocateProcessor(ULONG Number, ULONG ApicId)
{
    PKPRCB Prcb = ExAllocatePoolWithTag(NonPagedPool, sizeof(KPRCB), PRCB_TAG);

    if (Prcb == NULL)
        return NULL;
    RtlZeroMemory(Prcb, sizeof(*Prcb));
    Prcb->Number = Number;
    Prcb->ApicId = ApicId;
    Prcb->ArchData = HalAllocateProcessorDescriptors();
    Prcb->InitialStack = MmCreateKernelStack(AP_STACK_PAGES);
    if (Prcb->ArchData != NULL && Prcb->InitialStack != NULL)
        return Prcb;
    if (Prcb->ArchData != NULL)
        ExFreePool(Prcb->ArchData);
    if (Prcb->InitialStack != NULL)
        MmDeleteKernelStack(Prcb->InitialStack);
    ExFreePool(Prcb);
    return NULL;
}

/* Step 3: TRUE once the AP has counted itself in. */
static BOOLEAN WaitForProcessor(ULONG Number)
{
    LARGE_INTEGER Frequency;
    ULONG64 Start = (ULONG64)KeQueryPerformanceCounter(&Frequency).QuadPart;

    while (__atomic_load_n(&KeNumberProcessors, __ATOMIC_ACQUIRE) <= Number) {
        if (__rdtsc() - Start > (ULONG64)Frequency.QuadPart * AP_REPORT_TIMEOUT_SECONDS)
            return FALSE;
        _mm_pause();
    }
    return TRUE;
}

static BOOLEAN StartProcessor(const HAL_PROCESSOR *Processor)
{
    ULONG Number = KeNumberProcessors;
    PKPRCB Prcb = AllocateProcessor(Number, Processor->ApicId);

    if (Prcb == NULL) {
        DbgPrint("smp: no memory to start the CPU with APIC ID %u\n", Processor->ApicId);
        return FALSE;
    }
    if (HalStartNextProcessor(Processor->ApicId, Prcb->InitialStack, KiSystemStartupAp, Prcb) &&
        WaitForProcessor(Number))
        return TRUE;
    /* It never woke, or woke and got stuck: it must not run on the next
     * AP's parameters, and its memory can never be freed safely. */
    HalStopProcessor(Processor->ApicId);
    DbgPrint("smp: the CPU with APIC ID %u did not start; not starting any more\n", Processor->ApicId);
    return FALSE;
}

VOID KeStartAllProcessors(VOID)
{
    ULONG Wanted = (ULONG)KeGetOptionNumber("cpus", MAXIMUM_PROCESSORS);
    ULONG BootApicId = KeGetCurrentPrcb()->ApicId;

    for (ULONG i = 0; i < HalPlatform.ProcessorCount && KeNumberProcessors < Wanted; i++) {
        const HAL_PROCESSOR *Processor = &HalPlatform.Processors[i];
        if (!Processor->Enabled || Processor->ApicId == BootApicId)
            continue;
        if (KeNumberProcessors == MAXIMUM_PROCESSORS || !StartProcessor(Processor))
            break;
    }
    HalEndProcessorStartup();
    if (!KeHasOption("quiet"))
        DbgPrint("smp: %u processor(s) running\n", KeNumberProcessors);
}
