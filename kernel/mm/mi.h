/*
 * mi.h - the memory manager's internal interface (Mi): shared by the files of
 * kernel/mm/ and by its tests, and by nothing else.
 */
#ifndef MI_H
#define MI_H

#include "mm.h"
#include "bootinfo.h"

/* ---- page-table entries ----------------------------------------------------
 *
 * x86-64 translates a virtual address through four tables, each one 4 KiB
 * page of 512 eight-byte entries:
 *
 *   63     48 47    39 38    30 29    21 20    12 11         0
 *   | sign   | PML4   | PDPT   | PD     | PT     | page offset |
 *
 * Levels are numbered from the bottom: level 0 is the PT, 3 the PML4. An entry
 * either points to the next table down or, as a leaf, maps a page: a PT entry
 * maps 4 KiB, a PD entry with LARGE_PAGE 2 MiB, a PDPT entry with it 1 GiB.
 */
#define MI_LEVEL_PT 0
#define MI_LEVEL_PD 1
#define MI_LEVEL_PDPT 2
#define MI_LEVEL_PML4 3

#define MI_PTE_VALID (1ULL << 0)           /* P: the entry is in use */
#define MI_PTE_WRITE (1ULL << 1)           /* R/W: writes allowed (binds ring 0 too: CR0.WP) */
#define MI_PTE_WRITE_THROUGH (1ULL << 3)   /* PWT */
#define MI_PTE_CACHE_DISABLE (1ULL << 4)   /* PCD; with PWT: uncached */
#define MI_PTE_LARGE_PAGE (1ULL << 7)      /* PS: a PD or PDPT entry that maps a page */
#define MI_PTE_NO_EXECUTE (1ULL << 63)     /* XD: no instruction fetch (needs EFER.NXE) */
#define MI_PTE_FRAME 0x000FFFFFFFFFF000ULL /* physical address of the page or table */

/* The CPU looks at nothing but bit 0 of an entry that is not VALID, so the
 * memory manager may store its own information in the rest. This marks the
 * guard page below a kernel stack (bit 9 is "available to software"). */
#define MI_PTE_GUARD (1ULL << 9)

/* Which entry of the level-Level table translates Va. */
static inline ULONG MiTableIndex(ULONG64 Va, ULONG Level)
{
    return (Va >> (PAGE_SHIFT + 9 * Level)) & 511;
}

/* How much a leaf entry at Level maps: 4 KiB, 2 MiB, 1 GiB. */
static inline ULONG64 MiLeafSize(ULONG Level)
{
    return PAGE_SIZE << (9 * Level);
}

/* Bits 63-48 must copy bit 47, or the CPU raises #GP instead of translating. */
static inline BOOLEAN MiIsCanonical(ULONG64 Va)
{
    return (ULONG64)((LONG64)(Va << 16) >> 16) == Va;
}

#define MI_ROUND_UP(X, Align) (((X) + (Align)-1) & ~((ULONG64)(Align)-1))
#define MI_ROUND_DOWN(X, Align) ((X) & ~((ULONG64)(Align)-1))

/* ---- the physical memory map (memmap.c) ---------------------------------- */

/* Memory beyond this is ignored: more than this kernel will meet, and it keeps
 * a page number within the ULONG that RTL_BITMAP counts in. */
#define MI_MAX_PHYSICAL_ADDRESS (1ULL << 40)

/* Real-mode memory. Kept free of allocations: the SMP trampoline will need
 * pages here, and the BIOS data lives here. Page 0 is in it. */
#define MI_LOW_MEMORY_END 0x100000ULL

typedef struct _MI_PHYSICAL_RANGE {
    ULONG64 Start; /* inclusive, page-aligned */
    ULONG64 End;   /* exclusive, page-aligned */
} MI_PHYSICAL_RANGE;

BOOLEAN MiUsablePages(const BOOT_MEMORY_RANGE *Range, MI_PHYSICAL_RANGE *Pages);
BOOLEAN MiFirmwareReservedPages(const BOOT_MEMORY_RANGE *Range, MI_PHYSICAL_RANGE *Pages);
ULONG64 MiUsableBytes(VOID);
ULONG64 MiHighestUsableEnd(VOID);
ULONG MiGetBootReservations(MI_PHYSICAL_RANGE *Ranges);
ULONG64 MiFindBootMemory(ULONG64 Bytes, ULONG64 Limit);
#define MI_MAX_BOOT_RESERVATIONS (2 + BOOT_MAX_MODULES)

/* ---- frames (pfn.c) --------------------------------------------------------- */

VOID MiInitializeFrameAllocator(VOID);

/* ---- page tables (pagetable.c, paging.c, layout.c) ------------------------ */

/* Physical memory below this is reachable through MmPhysicalToVirtual: 4 GiB
 * on the boot page tables, all of memory once MmInitSystem built its own. */
extern ULONG64 MiDirectMapEnd;

ULONG64 MiAllocatePageTable(VOID);
PULONG64 MiGetEntry(PULONG64 Pml4, ULONG64 Va, ULONG Level);
PULONG64 MiWalkPageTables(ULONG64 Va, ULONG *Level);
NTSTATUS MiWritePte(PVOID Va, ULONG64 Pte);
ULONG64 MiReadPte(PVOID Va);
VOID MiBuildKernelPageTables(VOID);

/* ---- system PTE space (sysptes.c) ------------------------------------------ */

#define MI_SYSTEM_PTE_PAGES (64 * 1024) /* 256 MiB of address space */

PVOID MiReserveSystemPtes(ULONG Count);
VOID MiReleaseSystemPtes(PVOID Va, ULONG Count);
BOOLEAN MiIsSystemPteAddress(ULONG64 Va);

/* ---- bug checks ---------------------------------------------------------------
 * The first parameter of the memory manager's MEMORY_MANAGEMENT (0x1A) bug
 * checks says which rule was broken. (Windows has its own numbering for these;
 * ours are local to this kernel.)
 */
#define MI_BUGCHECK_FREE_UNMANAGED 0x1001  /* freed a page the allocator does not own */
#define MI_BUGCHECK_DOUBLE_FREE 0x1002     /* freed a page that was free already */
#define MI_BUGCHECK_UNMAP_UNMAPPED 0x1003  /* MmUnmapPage of an address with no 4 KiB page */
#define MI_BUGCHECK_BAD_STACK 0x1004       /* MmDeleteKernelStack of something else */
#define MI_BUGCHECK_BAD_CONTIGUOUS 0x1005  /* MmFreeContiguousMemory of something else */
#define MI_BUGCHECK_BAD_SYSTEM_PTES 0x1006 /* released system PTEs that were not reserved */

#endif /* MI_H */
