/*
 * mdl.c - memory descriptor lists: IoAllocateMdl, IoFreeMdl,
 * MmBuildMdlForNonPagedPool, MmProbeAndLockPages, MmUnlockPages,
 * MmMapLockedPagesSpecifyCache.
 *
 * An MDL describes a buffer by its physical pages (wdm.h shows the layout).
 * Filling in those pages is "building" the MDL. On Windows the buffer's pages
 * might be paged out or belong to a user process, hence probing, locking and
 * mapping them into system space. This kernel has neither paging nor user
 * space: every buffer a driver sees is resident and already has a system
 * address. So locking records the pages, and mapping returns the buffer's own
 * address; the calls are still made, in the documented order, so that a
 * driver written here is right on Windows too.
 */
#include "iop.h"

PMDL IoAllocateMdl(PVOID VirtualAddress, ULONG Length, BOOLEAN SecondaryBuffer, BOOLEAN ChargeQuota, PIRP Irp)
{
    UNREFERENCED_PARAMETER(ChargeQuota);
    if (Length == 0)
        return NULL;
    ULONG Pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(VirtualAddress, Length);
    SIZE_T Size = sizeof(MDL) + Pages * sizeof(PFN_NUMBER);
    PMDL Mdl = ExAllocatePool2(POOL_FLAG_NON_PAGED, Size, IOP_MDL_TAG);
    if (Mdl == NULL)
        return NULL;
    Mdl->Size = (CSHORT)Size;
    Mdl->StartVa = PAGE_ALIGN(VirtualAddress);
    Mdl->ByteOffset = BYTE_OFFSET(VirtualAddress);
    Mdl->ByteCount = Length;

    /* With an IRP: the first MDL becomes Irp->MdlAddress; a secondary one
     * goes to the end of the chain. */
    if (Irp != NULL) {
        if (!SecondaryBuffer || Irp->MdlAddress == NULL) {
            Irp->MdlAddress = Mdl;
        } else {
            PMDL Last = Irp->MdlAddress;
            while (Last->Next != NULL)
                Last = Last->Next;
            Last->Next = Mdl;
        }
    }
    return Mdl;
}

VOID IoFreeMdl(PMDL Mdl)
{
    ExFreePoolWithTag(Mdl, IOP_MDL_TAG);
}

/* The PFN of every page the buffer touches. */
static VOID FillPfnArray(PMDL Mdl)
{
    PPFN_NUMBER Pfns = MmGetMdlPfnArray(Mdl);
    ULONG Pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(MmGetMdlVirtualAddress(Mdl), Mdl->ByteCount);

    for (ULONG i = 0; i < Pages; i++) {
        PVOID Page = (PCHAR)Mdl->StartVa + (SIZE_T)i * PAGE_SIZE;
        Pfns[i] = (PFN_NUMBER)MmGetPhysicalAddress(Page).QuadPart >> PAGE_SHIFT;
    }
}

VOID MmBuildMdlForNonPagedPool(PMDL MemoryDescriptorList)
{
    FillPfnArray(MemoryDescriptorList);
    MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
}

VOID MmProbeAndLockPages(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)
{
    UNREFERENCED_PARAMETER(AccessMode);
    UNREFERENCED_PARAMETER(Operation);
    FillPfnArray(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_PAGES_LOCKED;
}

VOID MmUnlockPages(PMDL MemoryDescriptorList)
{
    MemoryDescriptorList->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA);
    MemoryDescriptorList->MappedSystemVa = NULL;
}

PVOID MmMapLockedPagesSpecifyCache(PMDL MemoryDescriptorList, KPROCESSOR_MODE AccessMode,
                                   MEMORY_CACHING_TYPE CacheType, PVOID RequestedAddress, ULONG BugCheckOnFailure,
                                   ULONG Priority)
{
    UNREFERENCED_PARAMETER(AccessMode);
    UNREFERENCED_PARAMETER(CacheType);
    UNREFERENCED_PARAMETER(RequestedAddress);
    UNREFERENCED_PARAMETER(BugCheckOnFailure);
    UNREFERENCED_PARAMETER(Priority);
    /* One address space, everything mapped: the buffer's own address. */
    MemoryDescriptorList->MappedSystemVa = MmGetMdlVirtualAddress(MemoryDescriptorList);
    MemoryDescriptorList->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    return MemoryDescriptorList->MappedSystemVa;
}
