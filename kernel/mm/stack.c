/*
 * stack.c - kernel stacks, each with a guard page below it.
 *
 * A kernel stack is a few pages of system PTE space, and one more page below
 * them that is deliberately left unmapped:
 *
 *     MmCreateKernelStack returns -> +------------------+
 *     (the initial rsp)              |   stack pages    |  read/write, NX
 *                                    |   (grow down)    |
 *                                    +------------------+
 *                                    |   guard page     |  not mapped
 *                                    +------------------+
 *
 * A stack that overflows runs into the guard page and faults at once, rather
 * than quietly overwriting whatever lies below it. That page fault cannot be
 * handled on the same stack: the CPU must push the exception frame there, the
 * push faults too, and a fault while delivering a page fault is a double
 * fault. The double fault runs on a stack of its own (the IST stack of
 * hal/gdt.c), and the trap code asks MmIsKernelStackGuardPage whether the
 * address was a guard page, to report a kernel stack overflow by name.
 *
 * The guard page's PTE holds MI_PTE_GUARD: not valid, so every access faults,
 * but recognisable. It also marks where a stack ends, so MmDeleteKernelStack
 * needs no record of the stack's size.
 */
#include "mi.h"
#include "ke/ke.h"
#include "rtl.h"

#define MI_MAX_STACK_PAGES 64

/* A fresh zeroed frame at Va. */
static BOOLEAN MapStackPage(PUCHAR Va)
{
    PFN_NUMBER Pfn = MiAllocatePages(1, ~0ULL);

    if (Pfn == 0)
        return FALSE;
    if (!NT_SUCCESS(MmMapPage(Va, Pfn << PAGE_SHIFT, MM_WRITE))) {
        MiFreePages(Pfn, 1);
        return FALSE;
    }
    RtlZeroMemory(Va, PAGE_SIZE);
    return TRUE;
}

/* Unmaps and frees the pages below Top down to the guard page, then removes
 * the guard marker. Returns how many stack pages there were. */
static SIZE_T UnmapStack(PUCHAR Top)
{
    SIZE_T Pages = 0;
    PUCHAR Va = Top - PAGE_SIZE;

    for (ULONG64 Pte; (Pte = MiReadPte(Va)) != MI_PTE_GUARD; Va -= PAGE_SIZE, Pages++) {
        if (!(Pte & MI_PTE_VALID) || Pages == MI_MAX_STACK_PAGES)
            KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_BAD_STACK, (ULONG_PTR)Top, (ULONG_PTR)Va, Pte, NULL,
                       "MmDeleteKernelStack(%p): no guard page below it: not a kernel stack's top", Top);
        MmUnmapPage(Va);
        MiFreePages((Pte & MI_PTE_FRAME) >> PAGE_SHIFT, 1);
    }
    MiWritePte(Va, 0); /* the guard goes too; its table exists, so this cannot fail */
    return Pages;
}

PVOID MmCreateKernelStack(SIZE_T Pages)
{
    if (Pages == 0 || Pages > MI_MAX_STACK_PAGES)
        return NULL;
    PUCHAR Guard = MiReserveSystemPtes((ULONG)Pages + 1);
    if (Guard == NULL)
        return NULL;
    if (!NT_SUCCESS(MiWritePte(Guard, MI_PTE_GUARD))) {
        MiReleaseSystemPtes(Guard, (ULONG)Pages + 1);
        return NULL;
    }
    for (SIZE_T i = 1; i <= Pages; i++) {
        if (!MapStackPage(Guard + i * PAGE_SIZE)) {
            UnmapStack(Guard + i * PAGE_SIZE);
            MiReleaseSystemPtes(Guard, (ULONG)Pages + 1);
            return NULL;
        }
    }
    return Guard + (Pages + 1) * PAGE_SIZE;
}

VOID MmDeleteKernelStack(PVOID StackTop)
{
    PUCHAR Top = StackTop;

    if (!MiIsSystemPteAddress((ULONG64)Top - 1) || BYTE_OFFSET(Top) != 0)
        KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_BAD_STACK, (ULONG_PTR)Top, 0, 0, NULL,
                   "MmDeleteKernelStack(%p): not the top of a kernel stack from MmCreateKernelStack", Top);
    SIZE_T Pages = UnmapStack(Top);
    MiReleaseSystemPtes(Top - (Pages + 1) * PAGE_SIZE, (ULONG)Pages + 1);
}

/* Called by the trap code, maybe on a double fault: reads the tables only. */
BOOLEAN MmIsKernelStackGuardPage(ULONG64 Address)
{
    return MiIsSystemPteAddress(Address) && MiReadPte((PVOID)Address) == MI_PTE_GUARD;
}
