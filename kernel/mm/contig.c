/*
 * contig.c - physically contiguous memory, for DMA.
 *
 * A device that reads or writes memory by itself (DMA) knows nothing of page
 * tables: it is given physical addresses. A buffer it fills in one piece must
 * therefore be contiguous in physical memory, not just in virtual memory, and
 * an older device may reach only addresses below some limit (below 4 GiB for
 * a 32-bit DMA engine, below 16 MiB for ISA DMA). MmAllocateContiguousMemory,
 * as in WDM, takes that limit; the driver gives the device the address that
 * MmGetPhysicalAddress returns.
 *
 * The memory is a run of frames from the frame allocator, used through the
 * direct map. Since MmFreeContiguousMemory receives only the address, each
 * allocation is remembered in a small table with its size. The contents of new
 * memory are undefined, as in WDM.
 */
#include "mi.h"
#include "milock.h"
#include "ke/ke.h"

#define MI_MAX_CONTIGUOUS_ALLOCATIONS 64

typedef struct _MI_CONTIGUOUS_ALLOCATION {
    PFN_NUMBER Pfn; /* 0: this slot is unused */
    SIZE_T Pages;
} MI_CONTIGUOUS_ALLOCATION;

static MI_CONTIGUOUS_ALLOCATION MiContiguousAllocations[MI_MAX_CONTIGUOUS_ALLOCATIONS];
static MI_LOCK MiContiguousLock;

static MI_CONTIGUOUS_ALLOCATION *FindAllocation(PFN_NUMBER Pfn)
{
    for (ULONG i = 0; i < MI_MAX_CONTIGUOUS_ALLOCATIONS; i++) {
        if (MiContiguousAllocations[i].Pfn == Pfn)
            return &MiContiguousAllocations[i];
    }
    return NULL;
}

/* The highest frame that lies wholly at or below HighestAcceptable. */
static PFN_NUMBER HighestAcceptablePfn(ULONG64 HighestAcceptable)
{
    if (HighestAcceptable == ~0ULL)
        return ~0ULL;
    return ((HighestAcceptable + 1) >> PAGE_SHIFT) - 1;
}

PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress)
{
    ULONG64 Highest = (ULONG64)HighestAcceptableAddress.QuadPart;
    SIZE_T Pages = BYTES_TO_PAGES(NumberOfBytes);
    PFN_NUMBER Pfn = 0;

    if (Pages == 0 || Highest < PAGE_SIZE - 1)
        return NULL;
    MI_LOCK_STATE State = MiAcquireLock(&MiContiguousLock);
    MI_CONTIGUOUS_ALLOCATION *Slot = FindAllocation(0);
    if (Slot != NULL)
        Pfn = MiAllocatePages(Pages, HighestAcceptablePfn(Highest));
    if (Pfn != 0) {
        Slot->Pfn = Pfn;
        Slot->Pages = Pages;
    }
    MiReleaseLock(&MiContiguousLock, State);
    return Pfn == 0 ? NULL : MmPhysicalToVirtual(Pfn << PAGE_SHIFT);
}

VOID MmFreeContiguousMemory(PVOID BaseAddress)
{
    ULONG64 Physical = (ULONG64)BaseAddress - MM_DIRECT_MAP_BASE;
    PFN_NUMBER Pfn = Physical >> PAGE_SHIFT;

    MI_LOCK_STATE State = MiAcquireLock(&MiContiguousLock);
    MI_CONTIGUOUS_ALLOCATION *Slot = BYTE_OFFSET(BaseAddress) == 0 && Pfn != 0 ? FindAllocation(Pfn) : NULL;
    if (Slot == NULL)
        KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_BAD_CONTIGUOUS, (ULONG_PTR)BaseAddress, 0, 0, NULL,
                   "MmFreeContiguousMemory(%p): not an address from MmAllocateContiguousMemory "
                   "(or freed already)",
                   BaseAddress);
    MiFreePages(Slot->Pfn, Slot->Pages);
    Slot->Pfn = 0;
    MiReleaseLock(&MiContiguousLock, State);
}

/* Works for every mapped address (direct map, image, system PTE space), not
 * only for contiguous memory: it reads the page tables. 0 when not mapped. */
PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress)
{
    PHYSICAL_ADDRESS Result;
    ULONG64 Physical;

    Result.QuadPart = MmTranslate(BaseAddress, &Physical) ? (LONGLONG)Physical : 0;
    return Result;
}
