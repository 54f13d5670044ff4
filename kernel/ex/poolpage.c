/*
 * poolpage.c - the pool's pages, and the page map that records what each one
 * holds.
 *
 * All pool memory is whole physical pages from the frame allocator
 * (MiAllocatePages), used through the direct map. The page map has one byte
 * per physical page, POOL_PAGE_* (exp.h): not the pool's, the pool's own
 * tables, part of a large allocation, or small blocks of one size class.
 *
 * The map lives apart from the pages it describes, so no overrun of a pool
 * block can corrupt it. With it ExFreePool can tell, before it reads anything
 * at the address it was given, whether that address is pool memory at all and
 * where the block boundaries on its page are. NT keeps the same knowledge in
 * its PFN database.
 *
 * The map covers physical memory up to ExpPoolHighestPfn, at most 4 GiB (so
 * the map is at most 1 MiB), and the pool takes pages only from that range.
 */
#include "exp.h"
#include "ke/ke.h"
#include "rtl.h"

#define POOL_MAX_PFN ((4ULL << 30) / PAGE_SIZE - 1)

static PUCHAR ExpPageMap;            /* one POOL_PAGE_* per page, from PFN 0 */
static PFN_NUMBER ExpPoolHighestPfn; /* the last page the map covers */

/* The inverse of MmPhysicalToVirtual: the page frame behind a direct-map
 * address. Only meaningful when ExpIsInPoolRange(Va). */
static PFN_NUMBER DirectMapPfn(PCVOID Va)
{
    return ((ULONG_PTR)Va - MM_DIRECT_MAP_BASE) >> PAGE_SHIFT;
}

static VOID SetPageUse(PFN_NUMBER Pfn, SIZE_T Pages, UCHAR Use)
{
    for (SIZE_T i = 0; i < Pages; i++)
        ExpPageMap[Pfn + i] = Use;
}

/* Called once, before the first allocation. The map covers every page up to
 * the highest physical address (capped at 4 GiB) and is taken from that same
 * range, so it records itself. */
VOID ExpInitializePageMap(VOID)
{
    MM_STATISTICS Statistics;

    MmQueryStatistics(&Statistics);
    PFN_NUMBER Highest = Statistics.HighestPhysicalAddress >> PAGE_SHIFT;
    if (Highest > POOL_MAX_PFN)
        Highest = POOL_MAX_PFN;

    SIZE_T MapPages = BYTES_TO_PAGES(Highest + 1);
    PFN_NUMBER MapPfn = MiAllocatePages(MapPages, Highest);
    if (MapPfn == 0)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, 0, 0, 0, 0, NULL,
                   "the pool needs %llu pages for its page map and none are free", (ULONG64)MapPages);

    ExpPageMap = MmPhysicalToVirtual((ULONG64)MapPfn << PAGE_SHIFT);
    ExpPoolHighestPfn = Highest;
    RtlZeroMemory(ExpPageMap, MapPages * PAGE_SIZE);
    SetPageUse(MapPfn, MapPages, POOL_PAGE_INTERNAL);
}

BOOLEAN ExpIsInPoolRange(PCVOID Va)
{
    return (ULONG_PTR)Va >= MM_DIRECT_MAP_BASE && DirectMapPfn(Va) <= ExpPoolHighestPfn;
}

UCHAR ExpPageUse(PCVOID Va)
{
    if (!ExpIsInPoolRange(Va))
        return POOL_PAGE_NOT_POOL;
    return ExpPageMap[DirectMapPfn(Va)];
}

PVOID ExpAllocatePoolPages(SIZE_T Pages, UCHAR Use)
{
    PFN_NUMBER Pfn = MiAllocatePages(Pages, ExpPoolHighestPfn);
    if (Pfn == 0)
        return NULL;
    SetPageUse(Pfn, Pages, Use);
    return MmPhysicalToVirtual((ULONG64)Pfn << PAGE_SHIFT);
}

VOID ExpFreePoolPages(PVOID Va, SIZE_T Pages)
{
    PFN_NUMBER Pfn = DirectMapPfn(Va);

    SetPageUse(Pfn, Pages, POOL_PAGE_NOT_POOL);
    MiFreePages(Pfn, Pages);
}
