/*
 * layout.c - the kernel's own page tables, built once at boot.
 *
 * boot/entry.asm started the kernel on tables fixed at link time: 2 MiB pages,
 * everything writable and executable, and an identity map of the first 4 GiB.
 * That was enough to reach C, but it hides bugs: a NULL pointer reads
 * physical page 0, a stray write can change code, data can be executed.
 * MmInitSystem replaces them with tables that say what each address is for:
 *
 *   direct map    every physical address up to the end of RAM, and at
 *                 least 4 GiB, so that the registers of the APICs and PCI
 *                 devices below 4 GiB are reachable: 2 MiB pages,
 *                 read/write, no-execute
 *   kernel image  4 KiB pages, each section with its own permissions
 *
 * and nothing else: no page below 0xFFFF800000000000, so NULL always faults.
 * The .boot code and tables at 1 MiB are not mapped any more; they stay
 * reserved, unused.
 *
 * The tables are filled while the boot tables are still loaded, so every
 * frame for them must lie in the boot tables' direct map (MiAllocatePageTable
 * sees to that). Only the final CR3 write makes them take effect; it also
 * flushes every old translation from the TLB (none is marked global).
 */
#include "mi.h"
#include "ke/ke.h"
#include "hal/x86.h"

#define GIB (1ULL << 30)

/* Maps [Va, End) to consecutive physical memory from Physical, with leaf
 * entries at Level carrying Attributes. */
static VOID MapRange(PULONG64 Pml4, ULONG64 Va, ULONG64 End, ULONG64 Physical, ULONG Level, ULONG64 Attributes)
{
    for (ULONG64 Size = MiLeafSize(Level); Va < End; Va += Size, Physical += Size) {
        PULONG64 Entry = MiGetEntry(Pml4, Va, Level);
        if (Entry == NULL)
            KiBugCheck(PHASE0_INITIALIZATION_FAILED, Va, Physical, 0, 0, NULL,
                       "no free RAM below 4 GiB for the kernel's page tables (mapping %p)", (PVOID)Va);
        *Entry = Physical | MI_PTE_VALID | Attributes;
    }
}

static VOID MapImageSection(PULONG64 Pml4, PVOID Start, PVOID End, ULONG64 Attributes)
{
    MapRange(Pml4, (ULONG64)Start, (ULONG64)End, (ULONG64)Start - KERNEL_VMA, MI_LEVEL_PT, Attributes);
}

/* Physical memory up to the end of RAM, rounded up to a whole GiB. */
static ULONG64 DirectMapSize(VOID)
{
    ULONG64 Size = MI_ROUND_UP(MiHighestUsableEnd(), GIB);
    return Size > 4 * GIB ? Size : 4 * GIB;
}

VOID MiBuildKernelPageTables(VOID)
{
    ULONG64 DirectMapBytes = DirectMapSize();
    ULONG64 Pml4Physical = MiAllocatePageTable();

    if (Pml4Physical == 0)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, 0, 0, 0, 0, NULL, "no free RAM below 4 GiB for the PML4");
    PULONG64 Pml4 = (PULONG64)MmPhysicalToVirtual(Pml4Physical);

    MapRange(Pml4, MM_DIRECT_MAP_BASE, MM_DIRECT_MAP_BASE + DirectMapBytes, 0, MI_LEVEL_PD,
             MI_PTE_LARGE_PAGE | MI_PTE_WRITE | MI_PTE_NO_EXECUTE);
    MapImageSection(Pml4, __KernelTextStart, __KernelTextEnd, 0); /* read, execute */
    MapImageSection(Pml4, __KernelRodataStart, __KernelRodataEnd, MI_PTE_NO_EXECUTE);
    MapImageSection(Pml4, __KernelDataStart, __KernelDataEnd, MI_PTE_WRITE | MI_PTE_NO_EXECUTE);
    MapImageSection(Pml4, __KernelDataEnd, __KernelEnd, MI_PTE_NO_EXECUTE); /* .ksyms */

    /* The stack (KiBootStack, in .bss), this code and the GDT and IDT all
     * have their new mappings at the same addresses, so execution simply
     * continues on the new tables. */
    __writecr3(Pml4Physical);
    MiDirectMapEnd = DirectMapBytes;
}
