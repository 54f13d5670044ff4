/*
 * mm.h - the memory manager's public face (Mm).
 *
 * Virtual address space of the kernel:
 *   0xFFFF800000000000  direct map: all physical memory, RW, NX (2 MiB pages)
 *   0xFFFFC00000000000  system PTE space: kernel stacks (each with an unmapped
 *                       guard page below it) and device memory (MmMapIoSpace)
 *   0xFFFFFFFF80000000  the kernel image: text RX, rodata R, data/bss RW+NX
 * Nothing is mapped below 0xFFFF800000000000 once MmInitSystem has run, so a
 * NULL dereference always faults.
 */
#ifndef MM_H
#define MM_H

#include "ntdef.h"

#define PAGE_SIZE 4096ULL
#define PAGE_SHIFT 12
#define BYTES_TO_PAGES(Size) (((Size) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define ROUND_TO_PAGES(Size) (((Size) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN(Va) ((PVOID)((ULONG_PTR)(Va) & ~(PAGE_SIZE - 1)))
#define BYTE_OFFSET(Va) ((ULONG)((ULONG_PTR)(Va) & (PAGE_SIZE - 1)))

#define MM_DIRECT_MAP_BASE 0xFFFF800000000000ULL
#define MM_SYSTEM_PTE_BASE 0xFFFFC00000000000ULL

typedef ULONG64 PFN_NUMBER, *PPFN_NUMBER;

/* Physical memory through the direct map: valid for all RAM and for
 * everything below 4 GiB (device memory included). Before MmInitSystem, on
 * the boot page tables, only the first 4 GiB is mapped. */
static inline PVOID MmPhysicalToVirtual(ULONG64 Physical)
{
    return (PVOID)(Physical + MM_DIRECT_MAP_BASE);
}

/* Boot: frame allocator from the boot memory map, then the kernel's own page
 * tables (direct map, image with per-section permissions), NX and WP on. */
VOID MmInitSystem(VOID);

/* Physical pages (pfn.c). Pages come from the lowest free run below
 * HighestPfn (inclusive; use ~0 for no limit). Returns 0 when none is free
 * (physical page 0 is never handed out). */
PFN_NUMBER MiAllocatePages(SIZE_T Count, PFN_NUMBER HighestPfn);
VOID MiFreePages(PFN_NUMBER Pfn, SIZE_T Count);

typedef struct _MM_STATISTICS {
    ULONG64 UsableBytes;            /* memory the firmware called usable */
    ULONG64 TotalPages;             /* pages the frame allocator manages */
    ULONG64 FreePages;              /* of those, free now */
    ULONG64 ReservedBytes;          /* kernel image, boot data, low memory, bitmap */
    ULONG64 HighestPhysicalAddress; /* last byte of the highest usable page */
} MM_STATISTICS;
VOID MmQueryStatistics(MM_STATISTICS *Statistics);

/* Page tables (paging.c). Protection flags for MmMapPage: */
#define MM_READ 0x0
#define MM_WRITE 0x1
#define MM_EXECUTE 0x2
#define MM_UNCACHED 0x4
NTSTATUS MmMapPage(PVOID VirtualAddress, ULONG64 PhysicalAddress, ULONG Protect);
VOID MmUnmapPage(PVOID VirtualAddress);
/* The physical address VirtualAddress maps to; FALSE if not mapped. */
BOOLEAN MmTranslate(PVOID VirtualAddress, ULONG64 *PhysicalAddress);
/* The flags of the leaf entry mapping VirtualAddress (MM_WRITE, MM_EXECUTE); FALSE if not mapped. */
BOOLEAN MmQueryProtection(PVOID VirtualAddress, ULONG *Protect);
BOOLEAN MmIsAddressValid(PVOID VirtualAddress);

/* Kernel stacks (stack.c): Pages mapped pages in system PTE space with one
 * unmapped guard page below. Returns the top (initial rsp), or NULL. */
PVOID MmCreateKernelStack(SIZE_T Pages);
VOID MmDeleteKernelStack(PVOID StackTop);
BOOLEAN MmIsKernelStackGuardPage(ULONG64 Address);

/* Device memory (iospace.c), as in WDM: MmMapIoSpace maps NumberOfBytes of
 * physical address space (registers, not RAM) at fresh addresses in system
 * PTE space and returns the address of PhysicalAddress there, keeping its
 * offset within the page. Device registers must be mapped MmNonCached: a
 * cached read could return a stale value, and a cached write could reach the
 * device late, merged with others, or never. MmUnmapIoSpace takes the same
 * address and size back. Both at IRQL <= DISPATCH_LEVEL. */
typedef enum _MEMORY_CACHING_TYPE {
    MmNonCached = 0,
    MmCached = 1,
    MmWriteCombined = 2, /* no PAT set up yet: mapped as MmNonCached */
} MEMORY_CACHING_TYPE;
PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType);
VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);

/* Contiguous DMA memory (contig.c), as in WDM. */
PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress);
VOID MmFreeContiguousMemory(PVOID BaseAddress);
PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress);

#endif /* MM_H */
