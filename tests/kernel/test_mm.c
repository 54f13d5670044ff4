/*
 * test_mm.c - the memory manager: the boot memory map, the frame allocator,
 * the page tables, kernel stacks and contiguous memory, and the bug checks
 * that catch misuse of memory.
 */
#include "ktest.h"
#include "ke/ke.h"
#include "mm/mi.h"
#include "hal/x86.h"
#include "rtl.h"

static ULONG64 FreePages(VOID)
{
    MM_STATISTICS Stats;
    MmQueryStatistics(&Stats);
    return Stats.FreePages;
}

static BOOLEAN HasProtection(PVOID Va, ULONG Expected)
{
    ULONG Protect;
    return MmQueryProtection(Va, &Protect) && Protect == Expected;
}

/* ---- mm_pfn: the boot memory map and the frame allocator ---- */

static PCSTR RangeTypeName(ULONG Type)
{
    static PCSTR const Names[] = {"?", "usable", "reserved", "ACPI reclaimable", "ACPI NVS", "bad"};
    return Type < ARRAYSIZE(Names) ? Names[Type] : "?";
}

KTEST(mm_pfn, memory_map)
{
    MM_STATISTICS Stats;
    ULONG64 Usable = 0;

    MmQueryStatistics(&Stats);
    for (ULONG i = 0; i < KeBootInfo.MemoryRangeCount; i++) {
        const BOOT_MEMORY_RANGE *R = &KeBootInfo.MemoryRanges[i];
        KtInfo("%016llx-%016llx %s", (ULONG64)R->Base, (ULONG64)(R->Base + R->Length - 1), RangeTypeName(R->Type));
        if (R->Type == BOOT_MEMORY_USABLE)
            Usable += R->Length;
    }
    KT_EXPECT_GT(Usable, 0);
    KT_EXPECT_EQ(Stats.UsableBytes, Usable);
    KT_EXPECT_GT(Stats.TotalPages, 0);
    /* Managed plus reserved pages fit in what the firmware called usable. */
    KT_EXPECT_LE(Stats.TotalPages * PAGE_SIZE + Stats.ReservedBytes, Usable);
    KT_EXPECT_LE(Stats.FreePages, Stats.TotalPages);
    KT_EXPECT_GT(Stats.ReservedBytes, (ULONG64)__KernelEnd - (ULONG64)__KernelTextStart);
    /* Usable ranges do not overlap, so they fit below the highest address
     * (give or take the partial page that the allocator leaves out). */
    KT_EXPECT_LE(Usable, Stats.HighestPhysicalAddress + PAGE_SIZE);
    KT_EXPECT(RtlHasOption(KeBootInfo.CommandLine, "test"));
}

/* The rules of memmap.c on a made-up map, untidy in every allowed way. The
 * real KeBootInfo is put back at the end, so only KT_EXPECT here. */
static BOOT_INFO KtSavedBootInfo;

static VOID SetRange(ULONG i, ULONG64 Base, ULONG64 Length, ULONG Type)
{
    KeBootInfo.MemoryRanges[i].Base = Base;
    KeBootInfo.MemoryRanges[i].Length = Length;
    KeBootInfo.MemoryRanges[i].Type = Type;
}

KTEST(mm_pfn, untidy_memory_map)
{
    ULONG64 ImageEnd = (ULONG64)__KernelEnd - KERNEL_VMA; /* physical, page-aligned */
    MI_PHYSICAL_RANGE Pages;

    KtSavedBootInfo = KeBootInfo;
    KeBootInfo.ModuleCount = 0;
    KeBootInfo.MemoryRangeCount = 5;
    SetRange(0, 0x0, 0xA0000, BOOT_MEMORY_USABLE);                           /* low memory */
    SetRange(1, 0x10080100, 0x10, BOOT_MEMORY_RESERVED);                     /* inside range 3 */
    SetRange(2, 0x100000, ImageEnd - 0x100000 + 0x2800, BOOT_MEMORY_USABLE); /* image + 2.5 pages */
    SetRange(3, 0x10000400, 0x100000 - 0x400, BOOT_MEMORY_USABLE);           /* unaligned start */
    SetRange(4, 0x10050000, 0x1000, BOOT_MEMORY_USABLE);                     /* overlaps range 3 */

    /* Usable: whole pages inside only. Reserved: every page touched. */
    KT_EXPECT(MiUsablePages(&KeBootInfo.MemoryRanges[3], &Pages));
    KT_EXPECT(Pages.Start == 0x10001000 && Pages.End == 0x10100000);
    KT_EXPECT(!MiUsablePages(&KeBootInfo.MemoryRanges[1], &Pages));
    KT_EXPECT(MiFirmwareReservedPages(&KeBootInfo.MemoryRanges[1], &Pages));
    KT_EXPECT(Pages.Start == 0x10080000 && Pages.End == 0x10081000);
    KT_EXPECT_EQ(MiHighestUsableEnd(), 0x10100000);

    /* Boot memory avoids low memory, the image and reserved ranges. */
    KT_EXPECT_EQ(MiFindBootMemory(2 * PAGE_SIZE, ~0ULL), ImageEnd);
    KT_EXPECT_EQ(MiFindBootMemory(3 * PAGE_SIZE, ~0ULL), 0x10001000);
    KT_EXPECT_EQ(MiFindBootMemory(0x7F000, ~0ULL), 0x10001000);   /* ends where range 1 begins */
    KT_EXPECT_EQ(MiFindBootMemory(0x80000, ~0ULL), 0);            /* would cross range 1 */
    KT_EXPECT_EQ(MiFindBootMemory(3 * PAGE_SIZE, 0x10000000), 0); /* the limit */
    KeBootInfo.ModuleCount = 1;
    KeBootInfo.Modules[0].Start = 0x10001000;
    KeBootInfo.Modules[0].End = 0x10001800;
    KT_EXPECT_EQ(MiFindBootMemory(0x7E000, ~0ULL), 0x10002000); /* after the module */

    KeBootInfo = KtSavedBootInfo;
}

KTEST(mm_pfn, allocate_free)
{
    ULONG64 Before = FreePages();
    PFN_NUMBER Pfn = MiAllocatePages(1, ~0ULL);

    KT_ASSERT_NE(Pfn, 0);
    KT_EXPECT_EQ(FreePages(), Before - 1);
    volatile ULONG64 *Page = MmPhysicalToVirtual(Pfn << PAGE_SHIFT);
    Page[0] = 0x1122334455667788ULL;
    Page[511] = Page[0];
    KT_EXPECT_EQ(Page[511], 0x1122334455667788ULL);
    MiFreePages(Pfn, 1);
    KT_EXPECT_EQ(FreePages(), Before);
    /* The lowest free page is handed out, so the same one comes back. */
    PFN_NUMBER Again = MiAllocatePages(1, ~0ULL);
    KT_EXPECT_EQ(Again, Pfn);
    MiFreePages(Again, 1);
    KT_EXPECT_EQ(MiAllocatePages(0, ~0ULL), 0);
}

KTEST(mm_pfn, contiguous_run)
{
    ULONG64 Before = FreePages();
    PFN_NUMBER Run = MiAllocatePages(16, ~0ULL), Single[8];

    KT_ASSERT_NE(Run, 0);
    KT_EXPECT_EQ(FreePages(), Before - 16);
    RtlFillMemory(MmPhysicalToVirtual(Run << PAGE_SHIFT), 16 * PAGE_SIZE, 0xA5);
    for (ULONG i = 0; i < ARRAYSIZE(Single); i++) {
        Single[i] = MiAllocatePages(1, ~0ULL);
        KT_EXPECT_NE(Single[i], 0);
        KT_EXPECT(Single[i] < Run || Single[i] >= Run + 16);
    }
    for (ULONG i = 0; i < ARRAYSIZE(Single); i++)
        MiFreePages(Single[i], 1);
    MiFreePages(Run, 16);
    KT_EXPECT_EQ(FreePages(), Before);
}

KTEST(mm_pfn, limit_respected)
{
    ULONG64 Before = FreePages();
    PFN_NUMBER Limit = (16ULL << 20) / PAGE_SIZE - 1; /* last page below 16 MiB */
    PFN_NUMBER Pfn = MiAllocatePages(4, Limit);

    KT_ASSERT_NE(Pfn, 0);
    KT_EXPECT_LE(Pfn + 3, Limit);
    MiFreePages(Pfn, 4);
    /* Everything below 1 MiB is reserved: nothing fits under that limit. */
    KT_EXPECT_EQ(MiAllocatePages(1, MI_LOW_MEMORY_END / PAGE_SIZE - 1), 0);
    /* Nor does more memory than there is. */
    KT_EXPECT_EQ(MiAllocatePages(Before + 1, ~0ULL), 0);
    KT_EXPECT_EQ(FreePages(), Before);
}

/* ---- mm_paging: the kernel's page tables ---- */

KTEST(mm_paging, processor_features)
{
    KT_EXPECT(__readcr0() & (1ULL << 16));         /* CR0.WP */
    KT_EXPECT(__readmsr(MSR_EFER) & (1ULL << 11)); /* EFER.NXE */
}

KTEST(mm_paging, map_translate_unmap)
{
    PUCHAR Va = MiReserveSystemPtes(1);
    PFN_NUMBER Pfn = MiAllocatePages(1, ~0ULL);
    ULONG64 Physical = Pfn << PAGE_SHIFT, Translated = 0;

    KT_ASSERT(Va != NULL && Pfn != 0);
    KT_EXPECT(!MmIsAddressValid(Va));
    KT_ASSERT_EQ(MmMapPage(Va, Physical, MM_WRITE), STATUS_SUCCESS);
    KT_EXPECT(MmIsAddressValid(Va));
    KT_EXPECT(MmTranslate(Va + 0x123, &Translated));
    KT_EXPECT_EQ(Translated, Physical + 0x123);
    KT_EXPECT(HasProtection(Va, MM_WRITE));

    /* Two virtual addresses, one frame: a write through either shows in both. */
    volatile ULONG *Mapped = (volatile ULONG *)Va, *Direct = MmPhysicalToVirtual(Physical);
    Mapped[10] = 0xCAFEF00D;
    KT_EXPECT_EQ(Direct[10], 0xCAFEF00D);
    Direct[20] = 0x12345678;
    KT_EXPECT_EQ(Mapped[20], 0x12345678);

    MmUnmapPage(Va);
    KT_EXPECT(!MmIsAddressValid(Va));
    KT_EXPECT(!MmTranslate(Va, &Translated));
    MiReleaseSystemPtes(Va, 1);
    MiFreePages(Pfn, 1);
}

KTEST(mm_paging, remap_reaches_new_frame)
{
    PUCHAR Va = MiReserveSystemPtes(1);
    PFN_NUMBER A = MiAllocatePages(1, ~0ULL), B = MiAllocatePages(1, ~0ULL);

    KT_ASSERT(Va != NULL && A != 0 && B != 0);
    *(volatile ULONG *)MmPhysicalToVirtual(A << PAGE_SHIFT) = 0xAAAA;
    *(volatile ULONG *)MmPhysicalToVirtual(B << PAGE_SHIFT) = 0xBBBB;
    KT_EXPECT_EQ(MmMapPage(Va, A << PAGE_SHIFT, MM_READ), STATUS_SUCCESS);
    KT_EXPECT_EQ(*(volatile ULONG *)Va, 0xAAAA); /* now the TLB holds A */
    KT_EXPECT_EQ(MmMapPage(Va, B << PAGE_SHIFT, MM_READ), STATUS_SUCCESS);
    KT_EXPECT_EQ(*(volatile ULONG *)Va, 0xBBBB); /* only true if the TLB entry was flushed */
    KT_EXPECT(HasProtection(Va, MM_READ));
    MmUnmapPage(Va);
    MiReleaseSystemPtes(Va, 1);
    MiFreePages(A, 1);
    MiFreePages(B, 1);
}

static volatile ULONG KtData = 1;
static const ULONG KtRodata[2] = {1, 2}; /* const and unchanged: .rodata */

KTEST(mm_paging, image_sections)
{
    KT_EXPECT(HasProtection((PVOID)MmIsAddressValid, MM_EXECUTE)); /* text: read, execute */
    KT_EXPECT(HasProtection((PVOID)KtRodata, MM_READ));            /* rodata: read only */
    KT_EXPECT(HasProtection((PVOID)&KtData, MM_WRITE));            /* data: read, write */
    KT_EXPECT(HasProtection(KiBootStack, MM_WRITE));               /* bss */
    if ((ULONG64)__KernelEnd > (ULONG64)__KernelDataEnd)
        KT_EXPECT(HasProtection(__KernelDataEnd, MM_READ)); /* .ksyms */
    KT_EXPECT_EQ(MmGetPhysicalAddress(__KernelTextStart).QuadPart, (LONGLONG)(__KernelTextStart - KERNEL_VMA));
    KT_EXPECT(!MmIsAddressValid(__KernelEnd)); /* nothing after the image */
}

KTEST(mm_paging, direct_map)
{
    MM_STATISTICS Stats;
    ULONG64 Physical = 0;

    MmQueryStatistics(&Stats);
    KT_EXPECT(MmTranslate((PUCHAR)MmPhysicalToVirtual(0x200000) + 5, &Physical));
    KT_EXPECT_EQ(Physical, 0x200005);
    KT_EXPECT(HasProtection(MmPhysicalToVirtual(0x200000), MM_WRITE));
    KT_EXPECT(MmIsAddressValid(MmPhysicalToVirtual(Stats.HighestPhysicalAddress)));
    /* At least 4 GiB, for device memory (the local APIC sits at 0xFEE00000). */
    KT_EXPECT(MmIsAddressValid(MmPhysicalToVirtual(0xFEE00000)));
    /* Large pages belong to the direct map: MmMapPage cannot change them. */
    KT_EXPECT_NE(MmMapPage(MmPhysicalToVirtual(0x200000), 0x200000, MM_WRITE), STATUS_SUCCESS);
}

KTEST(mm_paging, nothing_low)
{
    KT_EXPECT(!MmIsAddressValid(NULL));
    KT_EXPECT(!MmIsAddressValid((PVOID)0x1000));
    KT_EXPECT(!MmIsAddressValid(__KernelPhysicalStart)); /* the boot identity map is gone */
    KT_EXPECT(!MmIsAddressValid((PVOID)0x00007FFFFFFFF000ULL));
    /* Not canonical: bits 63-48 do not copy bit 47. */
    KT_EXPECT(!MmIsAddressValid((PVOID)0x0000800000000000ULL));
    KT_EXPECT_EQ(MmMapPage((PVOID)0x0000800000000000ULL, 0x200000, MM_READ), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(MmGetPhysicalAddress(NULL).QuadPart, 0);
}

/* ---- mm_stack: kernel stacks and their guard pages ---- */

KTEST(mm_stack, guard_page)
{
    ULONG64 Before = FreePages();
    PUCHAR Top = MmCreateKernelStack(4);

    KT_ASSERT(Top != NULL);
    PUCHAR Bottom = Top - 4 * PAGE_SIZE, Guard = Bottom - PAGE_SIZE;
    KT_EXPECT_EQ(BYTE_OFFSET(Top), 0);
    KT_EXPECT_EQ(FreePages(), Before - 4);
    for (PUCHAR Va = Bottom; Va < Top; Va += PAGE_SIZE)
        KT_EXPECT(HasProtection(Va, MM_WRITE));
    RtlFillMemory(Bottom, 4 * PAGE_SIZE, 0x5A);
    KT_EXPECT(!MmIsAddressValid(Guard));
    KT_EXPECT(MmIsKernelStackGuardPage((ULONG64)Guard));
    KT_EXPECT(MmIsKernelStackGuardPage((ULONG64)Bottom - 1));
    KT_EXPECT(!MmIsKernelStackGuardPage((ULONG64)Bottom));
    KT_EXPECT(!MmIsKernelStackGuardPage((ULONG64)Top - 8));

    MmDeleteKernelStack(Top);
    KT_EXPECT_EQ(FreePages(), Before);
    KT_EXPECT(!MmIsAddressValid(Bottom));
    KT_EXPECT(!MmIsKernelStackGuardPage((ULONG64)Guard));
}

KTEST(mm_stack, stacks_apart)
{
    PUCHAR A = MmCreateKernelStack(2), B = MmCreateKernelStack(2);

    KT_ASSERT(A != NULL && B != NULL);
    KT_EXPECT(A <= B - 3 * PAGE_SIZE || B <= A - 3 * PAGE_SIZE);
    KT_EXPECT(MmCreateKernelStack(0) == NULL);
    MmDeleteKernelStack(A);
    MmDeleteKernelStack(B);
}

KTEST(mm_stack, running_on_one)
{
    ULONG64 Rsp = (ULONG64)__builtin_frame_address(0);

    /* Phase 1 of boot, and so this test, runs on a stack from MmCreateKernelStack. */
    KT_EXPECT(MiIsSystemPteAddress(Rsp));
    KT_EXPECT(!MmIsKernelStackGuardPage(Rsp));
    KT_EXPECT_NE(MmGetPhysicalAddress((PVOID)Rsp).QuadPart, 0);
}

/* ---- mm_contig: physically contiguous memory ---- */

static PHYSICAL_ADDRESS Below(ULONG64 Highest)
{
    PHYSICAL_ADDRESS Limit;
    Limit.QuadPart = (LONGLONG)Highest;
    return Limit;
}

KTEST(mm_contig, allocate_free)
{
    ULONG64 Before = FreePages();
    SIZE_T Size = 5 * PAGE_SIZE - 100;
    PUCHAR Va = MmAllocateContiguousMemory(Size, Below(0xFFFFFFFF));

    KT_ASSERT(Va != NULL);
    KT_EXPECT_EQ(BYTE_OFFSET(Va), 0);
    KT_EXPECT_EQ(FreePages(), Before - 5);
    ULONG64 Physical = (ULONG64)MmGetPhysicalAddress(Va).QuadPart;
    for (ULONG i = 0; i < 5; i++)
        KT_EXPECT_EQ(MmGetPhysicalAddress(Va + i * PAGE_SIZE).QuadPart, (LONGLONG)(Physical + i * PAGE_SIZE));
    KT_EXPECT_LE(Physical + Size - 1, 0xFFFFFFFF);
    RtlFillMemory(Va, Size, 0xC3);
    MmFreeContiguousMemory(Va);
    KT_EXPECT_EQ(FreePages(), Before);
}

KTEST(mm_contig, limits)
{
    PUCHAR Va = MmAllocateContiguousMemory(3 * PAGE_SIZE, Below((16ULL << 20) - 1));

    KT_ASSERT(Va != NULL);
    KT_EXPECT_LE((ULONG64)MmGetPhysicalAddress(Va).QuadPart + 3 * PAGE_SIZE, 16ULL << 20);
    MmFreeContiguousMemory(Va);
    /* Below 1 MiB everything is reserved. */
    KT_EXPECT(MmAllocateContiguousMemory(PAGE_SIZE, Below(0xFFFFF)) == NULL);
    KT_EXPECT(MmAllocateContiguousMemory(0, Below(~0ULL)) == NULL);
    /* No limit at all. */
    Va = MmAllocateContiguousMemory(PAGE_SIZE, Below(~0ULL));
    KT_EXPECT(Va != NULL);
    if (Va != NULL)
        MmFreeContiguousMemory(Va);
}

/* ---- expected bug checks, each in a boot of its own ---- */

/* Volatile, so the compiler cannot see the values and drop the bad accesses. */
static PVOID volatile KtNullPointer = NULL;
static volatile BOOLEAN KtKeepRecursing = TRUE;

static ULONG64 RecurseForever(ULONG64 Depth)
{
    volatile UCHAR Frame[256];

    Frame[0] = (UCHAR)Depth;
    if (KtKeepRecursing)
        Depth = RecurseForever(Depth + 1);
    return Depth + Frame[0];
}

static VOID OverflowRoutine(VOID)
{
    RecurseForever(0);
}

/* Switches to KiCallOnStack's target and calls the routine there (ke/callonstack.asm). */
__attribute__((noreturn)) VOID KiCallOnStack(PVOID StackTop, VOID (*Routine)(VOID));

KTEST_BUGCHECK(mm_stack, overflow, UNEXPECTED_KERNEL_MODE_TRAP)
{
    PVOID Top = MmCreateKernelStack(2);

    KT_ASSERT(Top != NULL);
    KiCallOnStack(Top, OverflowRoutine);
}

KTEST_BUGCHECK(mm_paging, write_to_text, ATTEMPTED_WRITE_TO_READONLY_MEMORY)
{
    volatile UCHAR *Code = (volatile UCHAR *)__KernelTextStart;
    UCHAR Same = Code[0];
    Code[0] = Same; /* would change nothing, but the page says no */
}

KTEST_BUGCHECK(mm_paging, null_dereference, PAGE_FAULT_IN_NONPAGED_AREA)
{
    volatile ULONG *Pointer = KtNullPointer;
    (void)*Pointer;
}

KTEST_BUGCHECK(mm_paging, execute_data, ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY)
{
    static UCHAR Return = 0xC3; /* ret, in a writable, no-execute page */
    VOID (*volatile Routine)(VOID) = (VOID(*)(VOID))(PVOID)&Return;
    Routine();
}

KTEST_BUGCHECK(mm_pfn, double_free, MEMORY_MANAGEMENT)
{
    PFN_NUMBER Pfn = MiAllocatePages(1, ~0ULL);

    KT_ASSERT_NE(Pfn, 0);
    MiFreePages(Pfn, 1);
    MiFreePages(Pfn, 1);
}

KTEST_BUGCHECK(mm_pfn, free_reserved, MEMORY_MANAGEMENT)
{
    MiFreePages(((ULONG64)__KernelTextStart - KERNEL_VMA) >> PAGE_SHIFT, 1);
}

KTEST_BUGCHECK(mm_contig, bad_free, MEMORY_MANAGEMENT)
{
    PUCHAR Va = MmAllocateContiguousMemory(2 * PAGE_SIZE, Below(~0ULL));

    KT_ASSERT(Va != NULL);
    MmFreeContiguousMemory(Va + PAGE_SIZE);
}
