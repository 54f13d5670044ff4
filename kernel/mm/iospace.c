/*
 * iospace.c - MmMapIoSpace: a window onto device registers.
 *
 * A device's registers (the local APIC's, an I/O APIC's, an AHCI
 * controller's) sit at physical addresses like RAM, but reading one may have
 * side effects, and its value may change at any moment by itself. So the CPU
 * must not cache them: every read has to reach the device and every write has
 * to leave at once, in program order. That is a property of the mapping, set
 * by two bits of the page-table entry: PCD (cache disable) and PWT (write
 * through). With both set, the default PAT gives the page the memory type UC,
 * uncacheable.
 *
 * The direct map cannot give that: it maps everything with 2 MiB cacheable
 * pages. So device memory gets its own 4 KiB pages in system PTE space, the
 * same region that holds the kernel stacks (sysptes.c hands out the addresses).
 */
#include "mi.h"

static ULONG ProtectionFor(MEMORY_CACHING_TYPE CacheType)
{
    /* Write-combining needs a PAT entry of its own, which this kernel does
     * not program yet; uncached is always correct, only slower. */
    return CacheType == MmCached ? MM_WRITE : MM_WRITE | MM_UNCACHED;
}

static VOID UnmapPages(PUCHAR Va, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        MmUnmapPage(Va + (ULONG64)i * PAGE_SIZE);
}

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    ULONG64 Physical = (ULONG64)PhysicalAddress.QuadPart;
    ULONG Offset = BYTE_OFFSET(Physical);

    if (NumberOfBytes == 0 || NumberOfBytes > MI_SYSTEM_PTE_PAGES * PAGE_SIZE)
        return NULL;
    ULONG Count = (ULONG)BYTES_TO_PAGES(Offset + NumberOfBytes);
    PUCHAR Va = MiReserveSystemPtes(Count);
    if (Va == NULL)
        return NULL;
    for (ULONG i = 0; i < Count; i++) {
        ULONG64 Page = Physical - Offset + (ULONG64)i * PAGE_SIZE;
        if (!NT_SUCCESS(MmMapPage(Va + (ULONG64)i * PAGE_SIZE, Page, ProtectionFor(CacheType)))) {
            UnmapPages(Va, i);
            MiReleaseSystemPtes(Va, Count);
            return NULL;
        }
    }
    return Va + Offset;
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    ULONG Count = (ULONG)BYTES_TO_PAGES(BYTE_OFFSET(BaseAddress) + NumberOfBytes);
    PUCHAR Va = PAGE_ALIGN(BaseAddress);

    UnmapPages(Va, Count);
    MiReleaseSystemPtes(Va, Count);
}
