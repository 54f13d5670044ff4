/*
 * load.c - putting the kernel's segments at their physical addresses.
 *
 * The kernel is not relocatable: each segment must land exactly at its p_paddr
 * (1 MiB and up). UEFI owns all memory until ExitBootServices, so we ask for
 * those pages by address (AllocatePages with AllocateAddress). The firmware
 * says no when any of them is in use; we check the memory map first so the
 * message can say who holds the memory.
 *
 * The pages are typed EfiLoaderCode. Firmware that applies memory protection
 * may map data types (EfiLoaderData) non-executable, and the firmware's page
 * tables are the ones in force when we jump to _start_efi64. In the map the
 * kernel gets, LoaderCode is usable memory, like the rest of the loader's
 * allocations: the kernel reserves its own image by its linker symbols
 * (__KernelPhysicalStart.. __KernelEnd), exactly as it must under GRUB.
 */
#include "loader.h"

/* A run of whole pages holding one or more segments. */
typedef struct _PAGE_RUN {
    UINT64 Base;
    UINT64 End;
} PAGE_RUN;

static UINT64 PageDown(UINT64 Address)
{
    return Address & ~(UINT64)EFI_PAGE_MASK;
}

static UINT64 PageUp(UINT64 Address)
{
    return (Address + EFI_PAGE_MASK) & ~(UINT64)EFI_PAGE_MASK;
}

/* The segments' pages, neighbours that share or touch a page merged into one
 * run (the segments are sorted by address and do not overlap). */
static UINTN CollectPageRuns(const KERNEL_IMAGE *Image, PAGE_RUN *Runs)
{
    UINTN Count = 0;

    for (UINTN i = 0; i < Image->SegmentCount; i++) {
        const KERNEL_SEGMENT *S = &Image->Segments[i];
        UINT64 Base = PageDown(S->Physical), End = PageUp(S->Physical + S->MemorySize);
        if (Count > 0 && Base <= Runs[Count - 1].End) {
            Runs[Count - 1].End = End;
        } else {
            Runs[Count].Base = Base;
            Runs[Count].End = End;
            Count++;
        }
    }
    return Count;
}

/* Is every page of Run free RAM (EfiConventionalMemory) right now? The run
 * may span several adjacent descriptors. */
static EFI_STATUS CheckRunIsFree(const MEMORY_MAP *Map, const PAGE_RUN *Run)
{
    for (UINT64 Address = Run->Base; Address < Run->End;) {
        const EFI_MEMORY_DESCRIPTOR *D = MemoryMapFind(Map, Address);
        if (D == NULL) {
            LoaderError(L"the kernel needs 0x%lx-0x%lx, but 0x%lx is not RAM", Run->Base, Run->End, Address);
            return EFI_NOT_FOUND;
        }
        if (D->Type != EfiConventionalMemory) {
            LoaderError(L"the kernel needs 0x%lx-0x%lx, but the firmware holds 0x%lx-0x%lx as %s", Run->Base, Run->End,
                        D->PhysicalStart, D->PhysicalStart + D->NumberOfPages * EFI_PAGE_SIZE, MemoryTypeName(D->Type));
            return EFI_ACCESS_DENIED;
        }
        Address = D->PhysicalStart + D->NumberOfPages * EFI_PAGE_SIZE;
    }
    return EFI_SUCCESS;
}

static EFI_STATUS CheckRunsAreFree(const PAGE_RUN *Runs, UINTN Count)
{
    MEMORY_MAP Map;
    EFI_STATUS Status = MemoryMapAllocate(&Map);

    if (!EFI_ERROR(Status))
        Status = MemoryMapRead(&Map);
    for (UINTN i = 0; !EFI_ERROR(Status) && i < Count; i++)
        Status = CheckRunIsFree(&Map, &Runs[i]);
    MemoryMapFree(&Map);
    return Status;
}

static EFI_STATUS AllocateRuns(const PAGE_RUN *Runs, UINTN Count)
{
    for (UINTN i = 0; i < Count; i++) {
        EFI_PHYSICAL_ADDRESS Address = Runs[i].Base;
        UINTN Pages = (Runs[i].End - Runs[i].Base) / EFI_PAGE_SIZE;
        EFI_STATUS Status = BS->AllocatePages(AllocateAddress, EfiLoaderCode, Pages, &Address);
        if (EFI_ERROR(Status)) {
            LoaderError(L"cannot allocate 0x%lx-0x%lx for the kernel: %r", Runs[i].Base, Runs[i].End, Status);
            while (i-- > 0) /* give back what we took */
                BS->FreePages(Runs[i].Base, (Runs[i].End - Runs[i].Base) / EFI_PAGE_SIZE);
            return Status;
        }
    }
    return EFI_SUCCESS;
}

EFI_STATUS LoadKernel(const LOADER_FILE *File, const KERNEL_IMAGE *Image)
{
    PAGE_RUN Runs[KERNEL_MAX_SEGMENTS];
    UINTN Count = CollectPageRuns(Image, Runs);
    EFI_STATUS Status;

    Status = CheckRunsAreFree(Runs, Count);
    if (!EFI_ERROR(Status))
        Status = AllocateRuns(Runs, Count);
    if (EFI_ERROR(Status))
        return Status;

    /* UEFI maps memory 1:1, so a physical address is also our pointer. Zero
     * whole runs first: that clears .bss and the gaps between segments. */
    for (UINTN i = 0; i < Count; i++)
        ZeroMem((VOID *)(UINTN)Runs[i].Base, Runs[i].End - Runs[i].Base);
    for (UINTN i = 0; i < Image->SegmentCount; i++) {
        const KERNEL_SEGMENT *S = &Image->Segments[i];
        CopyMem((VOID *)(UINTN)S->Physical, File->Data + S->FileOffset, S->FileSize);
        LoaderInfo(L"segment 0x%lx-0x%lx: 0x%lx bytes from the file, 0x%lx zeroed", S->Physical,
                   S->Physical + S->MemorySize, S->FileSize, S->MemorySize - S->FileSize);
    }
    return EFI_SUCCESS;
}
