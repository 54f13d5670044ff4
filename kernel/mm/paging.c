/*
 * paging.c - mapping, unmapping and looking up single pages.
 *
 * The kernel has one address space, so "the page tables" are always those CR3
 * points at. After a present entry changes, the TLB may still hold the old
 * translation: invlpg discards it for one address. (Without that, a remapped
 * page would keep reaching its old frame for a while, and an unmapped one
 * would stay usable: both bugs that appear and vanish with timing.)
 */
#include "mi.h"
#include "milock.h"
#include "hal/x86.h"
#include "ke/ke.h"

static MI_LOCK MiPageTableLock;

static PULONG64 CurrentPml4(VOID)
{
    return (PULONG64)MmPhysicalToVirtual(__readcr3() & MI_PTE_FRAME);
}

/* The leaf entry that maps Va, if Va is mapped; *Level gives the page size. */
static PULONG64 ValidLeaf(PVOID Va, ULONG *Level)
{
    if (!MiIsCanonical((ULONG64)Va))
        return NULL;
    PULONG64 Entry = MiWalkPageTables((ULONG64)Va, Level);
    return (Entry != NULL && (*Entry & MI_PTE_VALID)) ? Entry : NULL;
}

static ULONG64 MakeValidPte(ULONG64 Physical, ULONG Protect)
{
    ULONG64 Pte = (Physical & MI_PTE_FRAME) | MI_PTE_VALID;

    if (Protect & MM_WRITE)
        Pte |= MI_PTE_WRITE;
    if (!(Protect & MM_EXECUTE))
        Pte |= MI_PTE_NO_EXECUTE;
    if (Protect & MM_UNCACHED)
        Pte |= MI_PTE_CACHE_DISABLE | MI_PTE_WRITE_THROUGH;
    return Pte;
}

/*
 * Sets the 4 KiB page-table entry for Va (a valid mapping, or a marker such
 * as MI_PTE_GUARD), creating missing tables. Fails when a large page already
 * maps Va (the direct map: it is not ours to change) or no frame is free for
 * a new table.
 */
NTSTATUS MiWritePte(PVOID Va, ULONG64 Pte)
{
    ULONG Level;
    NTSTATUS Status = STATUS_SUCCESS;

    if (!MiIsCanonical((ULONG64)Va))
        return STATUS_INVALID_PARAMETER;
    MI_LOCK_STATE State = MiAcquireLock(&MiPageTableLock);
    if (ValidLeaf(Va, &Level) != NULL && Level != MI_LEVEL_PT) {
        Status = STATUS_INVALID_PARAMETER;
    } else {
        PULONG64 Entry = MiGetEntry(CurrentPml4(), (ULONG64)Va, MI_LEVEL_PT);
        if (Entry != NULL) {
            *Entry = Pte;
            __invlpg(Va);
        } else {
            Status = STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    MiReleaseLock(&MiPageTableLock, State);
    return Status;
}

/* The 4 KiB page-table entry for Va, or 0 when there is none (no page table
 * there, or a large page maps Va). Safe at any time, like MiWalkPageTables. */
ULONG64 MiReadPte(PVOID Va)
{
    ULONG Level;
    PULONG64 Entry = MiIsCanonical((ULONG64)Va) ? MiWalkPageTables((ULONG64)Va, &Level) : NULL;

    return (Entry != NULL && Level == MI_LEVEL_PT) ? *Entry : 0;
}

NTSTATUS MmMapPage(PVOID VirtualAddress, ULONG64 PhysicalAddress, ULONG Protect)
{
    return MiWritePte(PAGE_ALIGN(VirtualAddress), MakeValidPte(PhysicalAddress, Protect));
}

VOID MmUnmapPage(PVOID VirtualAddress)
{
    PVOID Va = PAGE_ALIGN(VirtualAddress);
    ULONG Level;

    MI_LOCK_STATE State = MiAcquireLock(&MiPageTableLock);
    PULONG64 Entry = ValidLeaf(Va, &Level);
    if (Entry == NULL || Level != MI_LEVEL_PT)
        KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_UNMAP_UNMAPPED, (ULONG_PTR)Va, Entry ? *Entry : 0, 0, NULL,
                   "MmUnmapPage(%p): %s", Va,
                   Entry == NULL ? "nothing is mapped there" : "a large page maps it, not MmMapPage");
    *Entry = 0;
    __invlpg(Va);
    MiReleaseLock(&MiPageTableLock, State);
}

BOOLEAN MmTranslate(PVOID VirtualAddress, ULONG64 *PhysicalAddress)
{
    ULONG Level;
    PULONG64 Entry = ValidLeaf(VirtualAddress, &Level);

    if (Entry == NULL)
        return FALSE;
    /* A large page's frame is aligned to its size; its low bits (PAT at
     * bit 12) are not part of the address. */
    ULONG64 Size = MiLeafSize(Level);
    *PhysicalAddress = (*Entry & MI_PTE_FRAME & ~(Size - 1)) | ((ULONG64)VirtualAddress & (Size - 1));
    return TRUE;
}

BOOLEAN MmQueryProtection(PVOID VirtualAddress, ULONG *Protect)
{
    ULONG Level;
    PULONG64 Entry = ValidLeaf(VirtualAddress, &Level);

    if (Entry == NULL)
        return FALSE;
    *Protect = ((*Entry & MI_PTE_WRITE) ? MM_WRITE : 0) | ((*Entry & MI_PTE_NO_EXECUTE) ? 0 : MM_EXECUTE) |
               ((*Entry & MI_PTE_CACHE_DISABLE) ? MM_UNCACHED : 0);
    return TRUE;
}

/* Whether reading VirtualAddress would not fault. Walks whatever tables are
 * loaded, so bug-check code can call it at any time, even before
 * MmInitSystem (backtraces use it to stop at a broken frame chain). */
BOOLEAN MmIsAddressValid(PVOID VirtualAddress)
{
    ULONG Level;
    return ValidLeaf(VirtualAddress, &Level) != NULL;
}
