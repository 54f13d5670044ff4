/*
 * init.c - MmInitSystem: bringing the memory manager up, in order.
 *
 *   1. check the CPU features that page protection relies on;
 *   2. build the frame allocator from the boot memory map;
 *   3. build the kernel's own page tables and switch to them.
 * System PTE space (kernel stacks) needs no step: its bitmap starts empty.
 */
#include "mi.h"
#include "ke/ke.h"
#include "hal/x86.h"

#define CR0_WP (1ULL << 16)   /* write protect: read-only pages bind ring 0 too */
#define EFER_NXE (1ULL << 11) /* no-execute enable: bit 63 of an entry means NX */

/* boot/entry.asm turns both on. Without WP, the kernel could write to its
 * own code despite read-only entries; without NXE, bit 63 of an entry is
 * reserved and every page with NX set would fault as malformed. */
static VOID CheckProcessorFeatures(VOID)
{
    if (!(__readcr0() & CR0_WP))
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, __readcr0(), 0, 0, 0, NULL,
                   "CR0.WP is clear: read-only pages would not stop kernel writes");
    if (!(__readmsr(MSR_EFER) & EFER_NXE))
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, __readmsr(MSR_EFER), 0, 0, 0, NULL,
                   "EFER.NXE is clear: no-execute pages are not available");
}

VOID MmInitSystem(VOID)
{
    CheckProcessorFeatures();
    MiInitializeFrameAllocator();
    MiBuildKernelPageTables();
}
