/*
 * pagetable.c - finding and creating page-table entries.
 *
 * The CPU finds a translation by walking from the PML4 (whose physical address
 * is in CR3) down one table per level; each entry holds the physical address
 * of the next table. The kernel walks the same way, reaching each table
 * through the direct map at MmPhysicalToVirtual(its physical address): no
 * special mapping of the tables themselves is needed.
 *
 * Intermediate entries are created VALID and WRITE, without NO_EXECUTE. The
 * CPU combines the permissions of every level (writable only if all levels
 * allow it, executable only if none forbids it), so this leaves the decision
 * to the leaf entry, the one that maps the page.
 *
 * Callers serialize changes (the page-table lock, or being alone at boot).
 */
#include "mi.h"
#include "rtl.h"
#include "hal/x86.h"

/* What boot/entry.asm's tables map; MiBuildKernelPageTables raises it. */
ULONG64 MiDirectMapEnd = 4ULL << 30;

static PULONG64 TableAt(ULONG64 Physical)
{
    return (PULONG64)MmPhysicalToVirtual(Physical);
}

/* A zeroed page for a new table (512 not-present entries); 0 if none is
 * free. It must be reachable through the direct map as it is right now. */
ULONG64 MiAllocatePageTable(VOID)
{
    PFN_NUMBER Pfn = MiAllocatePages(1, (MiDirectMapEnd >> PAGE_SHIFT) - 1);

    if (Pfn == 0)
        return 0;
    RtlZeroMemory(TableAt(Pfn << PAGE_SHIFT), PAGE_SIZE);
    return Pfn << PAGE_SHIFT;
}

/*
 * The level-Level entry that translates Va in the tables under Pml4, creating
 * the tables above it that are missing. NULL when no frame is free for a new
 * table, or when a large page already maps Va at a higher level.
 */
PULONG64 MiGetEntry(PULONG64 Pml4, ULONG64 Va, ULONG Level)
{
    PULONG64 Table = Pml4;

    for (ULONG L = MI_LEVEL_PML4; L > Level; L--) {
        PULONG64 Entry = &Table[MiTableIndex(Va, L)];
        if (!(*Entry & MI_PTE_VALID)) {
            ULONG64 NewTable = MiAllocatePageTable();
            if (NewTable == 0)
                return NULL;
            *Entry = NewTable | MI_PTE_VALID | MI_PTE_WRITE;
        } else if (*Entry & MI_PTE_LARGE_PAGE) {
            return NULL;
        }
        Table = TableAt(*Entry & MI_PTE_FRAME);
    }
    return &Table[MiTableIndex(Va, Level)];
}

/*
 * Where the walk for Va ends in the tables that CR3 points at: the leaf entry
 * that maps it (*Level says which size of page), or the first entry on the
 * way that is not VALID. NULL when a table lies outside the direct map, which
 * only corrupt tables can cause.
 *
 * It reads and never writes, takes no lock and allocates nothing, so the
 * bug-check and trap code may use it at any moment, on the boot page tables
 * as well as on the kernel's own.
 */
PULONG64 MiWalkPageTables(ULONG64 Va, ULONG *Level)
{
    ULONG64 TablePhysical = __readcr3() & MI_PTE_FRAME;

    for (ULONG L = MI_LEVEL_PML4;; L--) {
        if (TablePhysical >= MiDirectMapEnd)
            return NULL;
        PULONG64 Entry = &TableAt(TablePhysical)[MiTableIndex(Va, L)];
        BOOLEAN LargePage = (L == MI_LEVEL_PD || L == MI_LEVEL_PDPT) && (*Entry & MI_PTE_LARGE_PAGE);
        if (L == MI_LEVEL_PT || LargePage || !(*Entry & MI_PTE_VALID)) {
            *Level = L;
            return Entry;
        }
        TablePhysical = *Entry & MI_PTE_FRAME;
    }
}
