/*
 * memmap.c - reading the boot memory map.
 *
 * The loader passes on the firmware's map of physical memory (E820 on a PC
 * BIOS, the UEFI memory map otherwise) as a list of ranges, each with a type.
 * Only BOOT_MEMORY_USABLE is free RAM. Everything else (ACPI tables, firmware
 * data, the holes in front of device memory) must never be handed out.
 *
 * Firmware lists are not tidy: ranges come unsorted, may overlap, and may
 * start or end in the middle of a page. The rules here:
 *   - a usable range gives only the whole pages inside it (aligned inward);
 *   - any other range takes every page it touches (aligned outward), and wins
 *     where it overlaps a usable range.
 *
 * Some usable RAM is busy before the kernel's first allocation. These boot
 * reservations are never handed out either:
 *   - low memory, below 1 MiB, which includes physical page 0;
 *   - the kernel image (the .boot code at 1 MiB up to __KernelEnd);
 *   - the modules the loader put in memory.
 * (KeBootInfo is a copy, so the loader's own tables need no reservation.)
 */
#include "mi.h"
#include "ke/ke.h"

BOOLEAN MiUsablePages(const BOOT_MEMORY_RANGE *Range, MI_PHYSICAL_RANGE *Pages)
{
    if (Range->Type != BOOT_MEMORY_USABLE || Range->Base >= MI_MAX_PHYSICAL_ADDRESS)
        return FALSE;
    ULONG64 End = Range->Base + Range->Length;
    if (End < Range->Base || End > MI_MAX_PHYSICAL_ADDRESS)
        End = MI_MAX_PHYSICAL_ADDRESS;
    Pages->Start = MI_ROUND_UP(Range->Base, PAGE_SIZE);
    Pages->End = MI_ROUND_DOWN(End, PAGE_SIZE);
    return Pages->Start < Pages->End;
}

BOOLEAN MiFirmwareReservedPages(const BOOT_MEMORY_RANGE *Range, MI_PHYSICAL_RANGE *Pages)
{
    if (Range->Type == BOOT_MEMORY_USABLE || Range->Base >= MI_MAX_PHYSICAL_ADDRESS || Range->Length == 0)
        return FALSE;
    ULONG64 End = Range->Base + Range->Length;
    if (End < Range->Base || End > MI_MAX_PHYSICAL_ADDRESS)
        End = MI_MAX_PHYSICAL_ADDRESS;
    Pages->Start = MI_ROUND_DOWN(Range->Base, PAGE_SIZE);
    Pages->End = MI_ROUND_UP(End, PAGE_SIZE);
    return TRUE;
}

/* What the firmware called usable, in bytes, as it said it. (Overlapping
 * usable ranges would count twice; firmware does not produce those.) */
ULONG64 MiUsableBytes(VOID)
{
    ULONG64 Total = 0;

    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (KeBootInfo.MemoryRanges[i].Type == BOOT_MEMORY_USABLE)
            Total += KeBootInfo.MemoryRanges[i].Length;
    }
    return Total;
}

/* The end of the highest whole page of usable RAM: the frame allocator
 * manages page numbers 0 up to (not including) this address's. */
ULONG64 MiHighestUsableEnd(VOID)
{
    ULONG64 Highest = 0;
    MI_PHYSICAL_RANGE Pages;

    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (MiUsablePages(&KeBootInfo.MemoryRanges[i], &Pages) && Pages.End > Highest)
            Highest = Pages.End;
    }
    return Highest;
}

static VOID SetRange(MI_PHYSICAL_RANGE *Range, ULONG64 Start, ULONG64 End)
{
    Range->Start = MI_ROUND_DOWN(Start, PAGE_SIZE);
    Range->End = MI_ROUND_UP(End, PAGE_SIZE);
}

/* Fills Ranges, which has room for MI_MAX_BOOT_RESERVATIONS, with the boot
 * reservations; returns how many there are. */
ULONG MiGetBootReservations(MI_PHYSICAL_RANGE *Ranges)
{
    ULONG Count = 0;

    SetRange(&Ranges[Count++], 0, MI_LOW_MEMORY_END);
    SetRange(&Ranges[Count++], (ULONG64)__KernelPhysicalStart, (ULONG64)__KernelEnd - KERNEL_VMA);
    for (ULONG i = 0; i < KeBootInfo.ModuleCount && i < BOOT_MAX_MODULES; i++)
        SetRange(&Ranges[Count++], KeBootInfo.Modules[i].Start, KeBootInfo.Modules[i].End);
    return Count;
}

static BOOLEAN Overlaps(const MI_PHYSICAL_RANGE *Range, ULONG64 Start, ULONG64 End)
{
    return Range->Start < End && Start < Range->End;
}

/* The end of some busy range that overlaps [Start, End), or 0 if none does. */
static ULONG64 BusyRangeEnd(ULONG64 Start, ULONG64 End)
{
    MI_PHYSICAL_RANGE Busy[MI_MAX_BOOT_RESERVATIONS], Firmware;
    ULONG Count = MiGetBootReservations(Busy);

    for (ULONG i = 0; i < Count; i++) {
        if (Overlaps(&Busy[i], Start, End))
            return Busy[i].End;
    }
    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (MiFirmwareReservedPages(&KeBootInfo.MemoryRanges[i], &Firmware) && Overlaps(&Firmware, Start, End))
            return Firmware.End;
    }
    return 0;
}

/*
 * Physical memory for the frame allocator's own bitmap, found before the
 * allocator exists: Bytes of usable RAM, below Limit, that no boot
 * reservation or firmware range overlaps. Returns its address, or 0.
 */
ULONG64 MiFindBootMemory(ULONG64 Bytes, ULONG64 Limit)
{
    MI_PHYSICAL_RANGE Usable;

    Bytes = MI_ROUND_UP(Bytes, PAGE_SIZE);
    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (!MiUsablePages(&KeBootInfo.MemoryRanges[i], &Usable))
            continue;
        ULONG64 End = Usable.End < Limit ? Usable.End : Limit;
        /* Try the start of the range; after a collision, just past the busy
         * range it hit (always further on, so the loop ends). */
        for (ULONG64 Start = Usable.Start; Start + Bytes <= End;) {
            ULONG64 BusyEnd = BusyRangeEnd(Start, Start + Bytes);
            if (BusyEnd == 0)
                return Start;
            Start = BusyEnd;
        }
    }
    return 0;
}
