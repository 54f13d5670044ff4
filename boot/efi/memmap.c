/*
 * memmap.c - the UEFI memory map, and the kernel's view of it.
 *
 * GetMemoryMap fills a caller's buffer with EFI_MEMORY_DESCRIPTORs, one per
 * range of pages of one type (free, the loader's, the firmware's boot-time or
 * run-time memory, ACPI tables, MMIO...). Three details trip up every loader:
 *   - the size argument is in/out: set it to the buffer's capacity before each
 *     call, it comes back as the bytes used (or needed);
 *   - step through the buffer by the returned DescriptorSize, which may be
 *     larger than sizeof(EFI_MEMORY_DESCRIPTOR) (the spec lets it grow);
 *   - allocating the buffer changes the map, so allocate with some slack.
 * The map also comes with a key that ExitBootServices checks (handoff.c).
 *
 * After ExitBootServices the firmware's boot-time memory is free for the
 * kernel, so the conversion reports it as usable, together with the loader's
 * own memory and free memory. What the firmware keeps at run time (runtime
 * services code and data, MMIO, reserved) stays reserved; ACPI tables keep
 * their own types. GRUB does the same, so both loaders describe the same RAM.
 */
#include "loader.h"

/* Room for this many extra descriptors beyond the size GetMemoryMap asked for. */
#define MAP_SLACK_DESCRIPTORS 16
/* The largest descriptor this loader accepts (OVMF uses 48 bytes). */
#define MAX_DESCRIPTOR_SIZE 128

static EFI_MEMORY_DESCRIPTOR *Descriptor(const MEMORY_MAP *Map, UINTN Index)
{
    return (EFI_MEMORY_DESCRIPTOR *)((UINT8 *)Map->Buffer + Index * Map->DescriptorSize);
}

static UINTN DescriptorCount(const MEMORY_MAP *Map)
{
    return Map->Size / Map->DescriptorSize;
}

static UINT64 DescriptorEnd(const EFI_MEMORY_DESCRIPTOR *D)
{
    return D->PhysicalStart + D->NumberOfPages * EFI_PAGE_SIZE;
}

EFI_STATUS MemoryMapAllocate(MEMORY_MAP *Map)
{
    EFI_STATUS Status;

    ZeroMem(Map, sizeof(*Map));
    Status = BS->GetMemoryMap(&Map->Size, NULL, &Map->Key, &Map->DescriptorSize, &Map->DescriptorVersion);
    if (Status != EFI_BUFFER_TOO_SMALL) {
        LoaderError(L"GetMemoryMap did not report the map's size: %r", Status);
        return EFI_ERROR(Status) ? Status : EFI_DEVICE_ERROR;
    }
    Map->Capacity = Map->Size + MAP_SLACK_DESCRIPTORS * Map->DescriptorSize;
    Map->Buffer = AllocatePool(Map->Capacity);
    if (Map->Buffer == NULL) {
        LoaderError(L"no memory for the memory map");
        return EFI_OUT_OF_RESOURCES;
    }
    return EFI_SUCCESS;
}

/* Fills the buffer with the current map. Prints nothing: it also runs in the
 * window before ExitBootServices where nothing may change the map. */
EFI_STATUS MemoryMapRead(MEMORY_MAP *Map)
{
    EFI_STATUS Status;

    Map->Size = Map->Capacity;
    Status = BS->GetMemoryMap(&Map->Size, Map->Buffer, &Map->Key, &Map->DescriptorSize, &Map->DescriptorVersion);
    if (EFI_ERROR(Status))
        return Status;
    if (Map->DescriptorSize < sizeof(EFI_MEMORY_DESCRIPTOR) || Map->DescriptorSize > MAX_DESCRIPTOR_SIZE)
        return EFI_UNSUPPORTED;
    return EFI_SUCCESS;
}

void MemoryMapFree(MEMORY_MAP *Map)
{
    if (Map->Buffer)
        FreePool(Map->Buffer);
    Map->Buffer = NULL;
}

const EFI_MEMORY_DESCRIPTOR *MemoryMapFind(const MEMORY_MAP *Map, UINT64 Address)
{
    for (UINTN i = 0; i < DescriptorCount(Map); i++) {
        const EFI_MEMORY_DESCRIPTOR *D = Descriptor(Map, i);
        if (Address >= D->PhysicalStart && Address < DescriptorEnd(D))
            return D;
    }
    return NULL;
}

const CHAR16 *MemoryTypeName(UINT32 Type)
{
    static const CHAR16 *const Names[] = {
        L"Reserved",
        L"LoaderCode",
        L"LoaderData",
        L"BootServicesCode",
        L"BootServicesData",
        L"RuntimeServicesCode",
        L"RuntimeServicesData",
        L"Conventional",
        L"Unusable",
        L"ACPIReclaim",
        L"ACPINVS",
        L"MMIO",
        L"MMIOPortSpace",
        L"PalCode",
        L"Persistent",
    };
    return Type < sizeof(Names) / sizeof(Names[0]) ? Names[Type] : L"(unknown type)";
}

/* ---- conversion, after ExitBootServices: no firmware calls from here ---- */

static UINT32 BootMemoryType(UINT32 EfiType)
{
    switch (EfiType) {
    case EfiConventionalMemory:
    case EfiLoaderCode:       /* our allocations: the kernel image (which the */
    case EfiLoaderData:       /* kernel reserves itself), BOOT_INFO, buffers */
    case EfiBootServicesCode: /* the firmware's, until ExitBootServices */
    case EfiBootServicesData: return BOOT_MEMORY_USABLE;
    case EfiACPIReclaimMemory: return BOOT_MEMORY_ACPI_RECLAIMABLE;
    case EfiACPIMemoryNVS: return BOOT_MEMORY_ACPI_NVS;
    case EfiUnusableMemory: return BOOT_MEMORY_BAD;
    default: /* runtime services, MMIO, reserved, persistent, unknown */ return BOOT_MEMORY_RESERVED;
    }
}

/* The spec does not promise an order, so sort by address (insertion sort:
 * the map has a hundred entries or so). The buffer is ours to reorder. */
static void SortByAddress(MEMORY_MAP *Map)
{
    UINT8 Held[MAX_DESCRIPTOR_SIZE];

    for (UINTN i = 1; i < DescriptorCount(Map); i++) {
        UINTN j = i;
        CopyMem(Held, Descriptor(Map, i), Map->DescriptorSize);
        while (j > 0 && Descriptor(Map, j - 1)->PhysicalStart > ((EFI_MEMORY_DESCRIPTOR *)Held)->PhysicalStart) {
            CopyMem(Descriptor(Map, j), Descriptor(Map, j - 1), Map->DescriptorSize);
            j--;
        }
        CopyMem(Descriptor(Map, j), Held, Map->DescriptorSize);
    }
}

/* Appends a range, or extends the previous one when it is the same type and
 * ends where this one starts: UEFI splits memory much more finely than the
 * kernel cares about. When the table is full the rest is left out, which is
 * always safe: the kernel never uses memory that is not listed as usable. */
static void AddRange(BOOT_INFO *Info, UINT64 Base, UINT64 Length, UINT32 Type)
{
    BOOT_MEMORY_RANGE *Last = Info->MemoryRangeCount ? &Info->MemoryRanges[Info->MemoryRangeCount - 1] : NULL;

    if (Last && Last->Type == Type && Last->Base + Last->Length == Base) {
        Last->Length += Length;
        return;
    }
    if (Info->MemoryRangeCount == BOOT_MAX_MEMORY_RANGES)
        return;
    BOOT_MEMORY_RANGE *New = &Info->MemoryRanges[Info->MemoryRangeCount++];
    New->Base = Base;
    New->Length = Length;
    New->Type = Type;
    New->Reserved = 0;
}

void MemoryMapConvert(MEMORY_MAP *Map, BOOT_INFO *Info)
{
    SortByAddress(Map);
    Info->MemoryRangeCount = 0;
    for (UINTN i = 0; i < DescriptorCount(Map); i++) {
        const EFI_MEMORY_DESCRIPTOR *D = Descriptor(Map, i);
        AddRange(Info, D->PhysicalStart, D->NumberOfPages * EFI_PAGE_SIZE, BootMemoryType(D->Type));
    }
}
