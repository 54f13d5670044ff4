/*
 * lowmem.c - keeping low memory for the SMP trampoline.
 *
 * A secondary CPU starts in 16-bit real mode at the page named by the
 * startup IPI's vector, so the kernel needs a page of RAM below 1 MiB for its
 * trampoline code. After ExitBootServices the firmware's boot-time memory is
 * the kernel's anyway, so what matters is that those pages are RAM and not
 * something the firmware keeps at run time (runtime services data, reserved).
 * We claim them now, by address, so that nothing in the firmware takes them
 * for a runtime purpose while the loader runs, and the memory map the kernel
 * gets shows them as usable (EfiLoaderData). The kernel's frame allocator
 * keeps all of low memory for itself; the SMP code then uses these pages.
 */
#include "loader.h"

/* Must agree with the kernel's trampoline address (docs/boot.md). */
#define TRAMPOLINE_BASE 0x8000ULL
#define TRAMPOLINE_PAGES 2

/* Memory that is free for the kernel once boot services are gone. */
static BOOLEAN UsableAfterExit(UINT32 Type)
{
    return Type == EfiConventionalMemory || Type == EfiLoaderCode || Type == EfiLoaderData ||
           Type == EfiBootServicesCode || Type == EfiBootServicesData;
}

/* The pages could not be allocated: fine if someone only borrows them until
 * ExitBootServices, a problem for SMP (not for booting) otherwise. */
static EFI_STATUS CheckHolder(EFI_STATUS AllocateStatus)
{
    MEMORY_MAP Map;
    EFI_STATUS Status = MemoryMapAllocate(&Map);

    if (!EFI_ERROR(Status))
        Status = MemoryMapRead(&Map);
    for (UINT64 Page = 0; !EFI_ERROR(Status) && Page < TRAMPOLINE_PAGES; Page++) {
        UINT64 Address = TRAMPOLINE_BASE + Page * EFI_PAGE_SIZE;
        const EFI_MEMORY_DESCRIPTOR *D = MemoryMapFind(&Map, Address);
        if (D == NULL || !UsableAfterExit(D->Type)) {
            LoaderInfo(L"warning: SMP trampoline page 0x%lx is %s (%r): secondary CPUs cannot start", Address,
                       D ? MemoryTypeName(D->Type) : L"not RAM", AllocateStatus);
            Status = EFI_ACCESS_DENIED;
        }
    }
    MemoryMapFree(&Map);
    return Status;
}

EFI_STATUS ReserveTrampolinePages(void)
{
    EFI_PHYSICAL_ADDRESS Address = TRAMPOLINE_BASE;
    EFI_STATUS Status = BS->AllocatePages(AllocateAddress, EfiLoaderData, TRAMPOLINE_PAGES, &Address);

    if (EFI_ERROR(Status))
        return CheckHolder(Status);
    LoaderInfo(L"reserved 0x%lx-0x%lx for the SMP trampoline", TRAMPOLINE_BASE,
               TRAMPOLINE_BASE + TRAMPOLINE_PAGES * EFI_PAGE_SIZE);
    return EFI_SUCCESS;
}
