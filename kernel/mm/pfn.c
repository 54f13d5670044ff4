/*
 * pfn.c - the physical frame allocator.
 *
 * Physical memory is handed out in 4 KiB page frames, each named by its page
 * frame number (PFN): its physical address >> 12. The allocator keeps one bit
 * per frame (an RTL_BITMAP, set = in use) from PFN 0 up to the highest usable
 * page. That costs 32 KiB per GiB of RAM, makes a run of physically contiguous
 * frames (what DMA wants) a simple search, and makes "is this frame free?" a
 * single test, which catches double frees.
 *
 * A second bitmap, fixed after boot, says which frames the allocator manages
 * at all: usable RAM minus the boot reservations. Holes in the physical
 * address space, firmware memory and the kernel image stay "in use" forever
 * in the first bitmap and are absent from the second, so freeing one of them
 * is recognised as the bug it is.
 * (Windows keeps a PFN database instead, a structure per frame with its state,
 * reference count and more. One bit is all this kernel needs so far.)
 *
 * The bitmaps themselves live in RAM that MiFindBootMemory finds below 4 GiB:
 * before MmInitSystem switches page tables, the direct map through which all
 * frames are reached covers only the first 4 GiB.
 */
#include "mi.h"
#include "milock.h"
#include "ke/ke.h"
#include "rtl.h"

static RTL_BITMAP MiFrameInUse;   /* set: allocated, reserved, or not RAM at all */
static RTL_BITMAP MiFrameManaged; /* set: RAM this allocator hands out */
static MM_STATISTICS MiStatistics;
static MI_LOCK MiFrameLock;

/* ---- building the bitmaps from the boot memory map ---- */

static PFN_NUMBER FirstPfn(const MI_PHYSICAL_RANGE *Range)
{
    return Range->Start >> PAGE_SHIFT;
}

/* One past the range's last PFN, cut off where the bitmaps end. */
static PFN_NUMBER EndPfn(const MI_PHYSICAL_RANGE *Range)
{
    PFN_NUMBER End = Range->End >> PAGE_SHIFT;
    return End < MiFrameInUse.SizeOfBitMap ? End : MiFrameInUse.SizeOfBitMap;
}

static VOID AddFrames(const MI_PHYSICAL_RANGE *Range)
{
    for (PFN_NUMBER Pfn = FirstPfn(Range); Pfn < EndPfn(Range); Pfn++) {
        RtlClearBit(&MiFrameInUse, (ULONG)Pfn);
        RtlSetBit(&MiFrameManaged, (ULONG)Pfn);
    }
}

/* Takes frames away for good; returns how many of them were usable RAM. */
static ULONG64 RemoveFrames(const MI_PHYSICAL_RANGE *Range)
{
    ULONG64 Removed = 0;

    for (PFN_NUMBER Pfn = FirstPfn(Range); Pfn < EndPfn(Range); Pfn++) {
        Removed += RtlTestBit(&MiFrameManaged, (ULONG)Pfn);
        RtlClearBit(&MiFrameManaged, (ULONG)Pfn);
        RtlSetBit(&MiFrameInUse, (ULONG)Pfn);
    }
    return Removed;
}

/* Places both bitmaps, one after the other, and starts them as "no RAM". */
static MI_PHYSICAL_RANGE PlaceBitmaps(ULONG PageCount)
{
    ULONG64 BytesEach = MI_ROUND_UP(PageCount, 32) / 8;
    ULONG64 Physical = MiFindBootMemory(2 * BytesEach, MiDirectMapEnd);
    MI_PHYSICAL_RANGE Range = {Physical, Physical + MI_ROUND_UP(2 * BytesEach, PAGE_SIZE)};

    if (Physical == 0)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, PageCount, 0, 0, 0, NULL,
                   "no free RAM below 4 GiB for the frame allocator's %llu KiB of bitmaps", (2 * BytesEach) >> 10);
    PULONG Buffer = MmPhysicalToVirtual(Physical);
    RtlInitializeBitMap(&MiFrameInUse, Buffer, PageCount);
    RtlInitializeBitMap(&MiFrameManaged, Buffer + BytesEach / sizeof(ULONG), PageCount);
    RtlSetAllBits(&MiFrameInUse);
    RtlClearAllBits(&MiFrameManaged);
    return Range;
}

/*
 * Usable ranges first, then every firmware reservation on top (so it wins
 * over an overlapping usable range), then the boot reservations and the
 * bitmaps themselves.
 */
VOID MiInitializeFrameAllocator(VOID)
{
    MI_PHYSICAL_RANGE Range, Busy[MI_MAX_BOOT_RESERVATIONS];
    ULONG64 Reserved = 0;
    ULONG64 PageCount = MiHighestUsableEnd() >> PAGE_SHIFT;

    if (PageCount == 0)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, KeBootInfo.MemoryRangeCount, 0, 0, 0, NULL,
                   "the boot memory map lists no usable RAM");
    MI_PHYSICAL_RANGE Bitmaps = PlaceBitmaps((ULONG)PageCount);

    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (MiUsablePages(&KeBootInfo.MemoryRanges[i], &Range))
            AddFrames(&Range);
    }
    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        if (MiFirmwareReservedPages(&KeBootInfo.MemoryRanges[i], &Range))
            RemoveFrames(&Range);
    }
    ULONG Count = MiGetBootReservations(Busy);
    for (ULONG i = 0; i < Count; i++)
        Reserved += RemoveFrames(&Busy[i]);
    Reserved += RemoveFrames(&Bitmaps);

    MiStatistics.UsableBytes = MiUsableBytes();
    MiStatistics.TotalPages = RtlNumberOfSetBits(&MiFrameManaged);
    MiStatistics.FreePages = MiStatistics.TotalPages;
    MiStatistics.ReservedBytes = Reserved << PAGE_SHIFT;
    MiStatistics.HighestPhysicalAddress = (PageCount << PAGE_SHIFT) - 1;
}

/* ---- allocating and freeing ---- */

PFN_NUMBER MiAllocatePages(SIZE_T Count, PFN_NUMBER HighestPfn)
{
    if (Count == 0 || Count > MiFrameInUse.SizeOfBitMap)
        return 0;

    MI_LOCK_STATE State = MiAcquireLock(&MiFrameLock);
    /* The same bits, seen only up to HighestPfn: a run found in this view
     * lies wholly at or below the limit. The search starts at PFN 0, so the
     * run is the lowest one, which leaves high memory for large requests. */
    RTL_BITMAP Below = MiFrameInUse;
    if (HighestPfn < Below.SizeOfBitMap)
        Below.SizeOfBitMap = (ULONG)HighestPfn + 1;
    ULONG First = RtlFindClearBits(&Below, (ULONG)Count, 0);
    if (First != RTL_BITMAP_NOT_FOUND) {
        RtlSetBits(&MiFrameInUse, First, (ULONG)Count);
        MiStatistics.FreePages -= Count;
    }
    MiReleaseLock(&MiFrameLock, State);
    return First == RTL_BITMAP_NOT_FOUND ? 0 : First;
}

/* Every frame must be one this allocator manages and has handed out; a
 * mistake here would corrupt memory later, far from its cause, so it stops
 * the machine now. Checked before anything changes. */
static VOID CheckFree(PFN_NUMBER Pfn, SIZE_T Count)
{
    for (SIZE_T i = 0; i < Count; i++) {
        PFN_NUMBER Page = Pfn + i;
        if (Page >= MiFrameManaged.SizeOfBitMap || !RtlTestBit(&MiFrameManaged, (ULONG)Page))
            KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_FREE_UNMANAGED, Pfn, Count, Page, NULL,
                       "MiFreePages(0x%llx, %llu): physical page 0x%llx is not RAM the frame allocator "
                       "hands out (%s)",
                       Pfn, (ULONG64)Count, Page,
                       Page >= MiFrameManaged.SizeOfBitMap ? "it lies above the highest usable page"
                                                           : "it is reserved, firmware memory, or a hole");
        if (!RtlTestBit(&MiFrameInUse, (ULONG)Page))
            KiBugCheck(MEMORY_MANAGEMENT, MI_BUGCHECK_DOUBLE_FREE, Pfn, Count, Page, NULL,
                       "MiFreePages(0x%llx, %llu): physical page 0x%llx is already free: "
                       "freed twice, or never allocated",
                       Pfn, (ULONG64)Count, Page);
    }
}

VOID MiFreePages(PFN_NUMBER Pfn, SIZE_T Count)
{
    MI_LOCK_STATE State = MiAcquireLock(&MiFrameLock);
    CheckFree(Pfn, Count);
    RtlClearBits(&MiFrameInUse, (ULONG)Pfn, (ULONG)Count);
    MiStatistics.FreePages += Count;
    MiReleaseLock(&MiFrameLock, State);
}

VOID MmQueryStatistics(MM_STATISTICS *Statistics)
{
    MI_LOCK_STATE State = MiAcquireLock(&MiFrameLock);
    *Statistics = MiStatistics;
    MiReleaseLock(&MiFrameLock, State);
}
