/*
 * sysptes.c - system PTE space: kernel virtual addresses handed out by page.
 *
 * The direct map already gives every physical page an address, so why a
 * second region? In the direct map, neighbouring virtual pages are always
 * neighbouring physical pages and every one of them is mapped. Here the memory
 * manager decides, page by page, which frame (if any) backs each address, so
 * it can leave holes: the unmapped guard page below every kernel stack, and,
 * later, windows onto device memory.
 *
 * This file only hands out addresses, one bit per page of the region (set =
 * reserved); the caller maps what it wants there. The search starts where the
 * previous reservation ended and wraps around, so a freed range is reused as
 * late as possible: a stale pointer into it keeps faulting for a long time
 * instead of silently reaching someone else's new stack.
 */
#include "mi.h"
#include "milock.h"
#include "ke/ke.h"
#include "rtl.h"

static ULONG MiSystemPteBits[MI_SYSTEM_PTE_PAGES / 32];
static RTL_BITMAP MiSystemPteMap = {MI_SYSTEM_PTE_PAGES, MiSystemPteBits};
static ULONG MiSystemPteHint;
static MI_LOCK MiSystemPteLock;

static PVOID PageToVa(ULONG Page)
{
    return (PVOID)(MM_SYSTEM_PTE_BASE + ((ULONG64)Page << PAGE_SHIFT));
}

BOOLEAN MiIsSystemPteAddress(ULONG64 Va)
{
    return Va >= MM_SYSTEM_PTE_BASE && Va < MM_SYSTEM_PTE_BASE + MI_SYSTEM_PTE_PAGES * PAGE_SIZE;
}

/* Count pages of address space, none of them mapped yet; NULL if the region
 * has no run that long left. */
PVOID MiReserveSystemPtes(ULONG Count)
{
    MI_LOCK_STATE State = MiAcquireLock(&MiSystemPteLock);
    ULONG Page = RtlFindClearBitsAndSet(&MiSystemPteMap, Count, MiSystemPteHint);
    if (Page != RTL_BITMAP_NOT_FOUND)
        MiSystemPteHint = Page + Count;
    MiReleaseLock(&MiSystemPteLock, State);
    return Page == RTL_BITMAP_NOT_FOUND ? NULL : PageToVa(Page);
}

/* Gives back addresses from MiReserveSystemPtes. The caller must already
 * have unmapped every page of them. */
VOID MiReleaseSystemPtes(PVOID Va, ULONG Count)
{
    ULONG64 Page = ((ULONG64)Va - MM_SYSTEM_PTE_BASE) >> PAGE_SHIFT;

    MI_LOCK_STATE State = MiAcquireLock(&MiSystemPteLock);
    if (!MiIsSystemPteAddress((ULONG64)Va) || BYTE_OFFSET(Va) != 0 ||
        !RtlAreBitsSet(&MiSystemPteMap, (ULONG)Page, Count))
        KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_BAD_SYSTEM_PTES, (ULONG_PTR)Va, Count, 0, NULL,
                   "MiReleaseSystemPtes(%p, %u): these pages of system PTE space were not reserved", Va, Count);
    RtlClearBits(&MiSystemPteMap, (ULONG)Page, Count);
    MiReleaseLock(&MiSystemPteLock, State);
}
