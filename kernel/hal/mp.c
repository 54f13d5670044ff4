/*
 * mp.c - waking the application processors (APs) with INIT-SIPI-SIPI.
 *
 * At reset only one CPU, the bootstrap processor (BSP), runs the firmware;
 * the others wait in a state where the only thing that starts them is an
 * IPI from another CPU. The sequence, from Intel's MultiProcessor spec:
 *
 *   INIT  (ICR delivery mode 101, level assert): the AP resets itself and
 *         waits for a startup IPI ("wait-for-SIPI");
 *   SIPI  (delivery mode 110, vector VV): the AP starts in real mode at
 *         physical VV * 4096, here TRAMPOLINE_BASE 0x8000 (trampoline.asm);
 *   SIPI  again, only if the first was lost (an AP still busy with its INIT
 *         does not see it). A SIPI reaching an AP that is already running
 *         is ignored, so the second one can never restart it.
 *
 * The spec also asks for fixed delays (10 ms after INIT, 200 us after the
 * SIPI). ntmini waits on what the AP does instead: its first instruction sets
 * a flag in the trampoline page, and the BSP watches that flag, with a time
 * limit only to give up. Under QEMU's single-threaded TCG an AP gets time in
 * coarse slices only, so any fixed delay would be either too short or wasted.
 *
 * One AP starts at a time: they all read the same trampoline parameters, so
 * the next AP is woken only when the previous one has reported in
 * (KeStartAllProcessors waits for that).
 */
#include "mp.h"
#include "apic.h"
#include "hal.h"
#include "x86.h"
#include "mm/mm.h"
#include "ke/ke.h"
#include "ke/time.h"
#include "ke/ipi.h"
#include "rtl.h"

#define TRAMPOLINE_BASE 0x8000ULL
#define TRAMPOLINE_VECTOR (TRAMPOLINE_BASE >> PAGE_SHIFT) /* the SIPI's VV */
#define FIRST_SIPI_WAIT_US 10000                          /* before the second SIPI */
#define AWAKE_TIMEOUT_US 2000000                          /* after it: the AP is not coming */

/* Filled for each AP, at the end of the trampoline (trampoline.asm). */
typedef struct _HALP_TRAMPOLINE_PARAMETERS {
    ULONG64 Cr3;
    ULONG64 StackTop;
    ULONG64 Entry;
    ULONG64 Argument;
    volatile ULONG64 Awake;
} HALP_TRAMPOLINE_PARAMETERS;

extern const UCHAR HalpTrampolineStart[], HalpTrampolineEnd[], HalpTrampolineParameters[];

static BOOLEAN HalpTrampolineMapped;

/* The copy at TRAMPOLINE_BASE, reached through the direct map. */
static HALP_TRAMPOLINE_PARAMETERS *TrampolineParameters(VOID)
{
    return MmPhysicalToVirtual(TRAMPOLINE_BASE +
                               ((ULONG_PTR)HalpTrampolineParameters - (ULONG_PTR)HalpTrampolineStart));
}

/* Copies the code below 1 MiB, and maps its page at virtual = physical, the
 * one low mapping the kernel ever has: from CR0.PG on, the AP fetches its
 * next instruction through the kernel's page tables at the address it was
 * already at. */
static VOID PrepareTrampoline(VOID)
{
    SIZE_T Size = (ULONG_PTR)HalpTrampolineEnd - (ULONG_PTR)HalpTrampolineStart; /* symbols of one asm section */

    if (HalpTrampolineMapped)
        return;
    RtlCopyMemory(MmPhysicalToVirtual(TRAMPOLINE_BASE), HalpTrampolineStart, Size);
    if (!NT_SUCCESS(MmMapPage((PVOID)TRAMPOLINE_BASE, TRAMPOLINE_BASE, MM_EXECUTE)))
        KiBugCheck(HAL_INITIALIZATION_FAILED, TRAMPOLINE_BASE, 0, 0, 0, NULL,
                   "cannot map the AP trampoline at its physical address");
    HalpTrampolineMapped = TRUE;
}

/* Waits up to Microseconds for the AP to set its Awake flag. */
static BOOLEAN WaitUntilAwake(volatile ULONG64 *Awake, ULONG Microseconds)
{
    LARGE_INTEGER Frequency;
    ULONG64 Start = (ULONG64)KeQueryPerformanceCounter(&Frequency).QuadPart;
    ULONG64 Limit = (ULONG64)Frequency.QuadPart / 1000000 * Microseconds;

    while (__atomic_load_n(Awake, __ATOMIC_ACQUIRE) == 0) {
        if (__rdtsc() - Start > Limit)
            return FALSE;
        _mm_pause();
    }
    return TRUE;
}

BOOLEAN HalStartNextProcessor(ULONG ApicId, PVOID StackTop, PHAL_AP_ENTRY Entry, PVOID Argument)
{
    HALP_TRAMPOLINE_PARAMETERS *Parameters;

    PrepareTrampoline();
    Parameters = TrampolineParameters();
    Parameters->Cr3 = __readcr3();
    Parameters->StackTop = (ULONG64)StackTop;
    Parameters->Entry = (ULONG64)Entry;
    Parameters->Argument = (ULONG64)Argument;
    __atomic_store_n(&Parameters->Awake, 0, __ATOMIC_RELEASE);

    HalpSendIpi(ApicId, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT | LAPIC_ICR_LEVEL_TRIGGER);
    HalpSendIpi(ApicId, LAPIC_ICR_STARTUP | TRAMPOLINE_VECTOR);
    if (WaitUntilAwake(&Parameters->Awake, FIRST_SIPI_WAIT_US))
        return TRUE;
    HalpSendIpi(ApicId, LAPIC_ICR_STARTUP | TRAMPOLINE_VECTOR);
    if (WaitUntilAwake(&Parameters->Awake, AWAKE_TIMEOUT_US))
        return TRUE;
    HalStopProcessor(ApicId);
    return FALSE;
}

VOID HalStopProcessor(ULONG ApicId)
{
    HalpSendIpi(ApicId, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT | LAPIC_ICR_LEVEL_TRIGGER);
}

/* Runs on every CPU at once (KeIpiGenericCall). */
static ULONG_PTR ForgetTrampolinePage(ULONG_PTR Address)
{
    __invlpg((PVOID)Address);
    return 0;
}

/* MmUnmapPage flushes this CPU's TLB entry only. The APs ran through that
 * page too and may still cache its translation, so every CPU forgets it: a
 * TLB shootdown, the classic use of an IPI. */
VOID HalEndProcessorStartup(VOID)
{
    if (!HalpTrampolineMapped)
        return;
    MmUnmapPage((PVOID)TRAMPOLINE_BASE);
    HalpTrampolineMapped = FALSE;
    KeIpiGenericCall(ForgetTrampolinePage, TRAMPOLINE_BASE);
}

VOID HalInitializeProcessor(VOID)
{
    HalpInitializeLapic();
    HalStartClockOnThisProcessor();
}
