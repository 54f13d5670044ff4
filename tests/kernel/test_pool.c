/*
 * test_pool.c - the nonpaged pool: sizes and alignment, zeroing, neighbours
 * left alone, tag accounting, reuse, large allocations, a random stress run;
 * then, each in a boot of its own, the bug checks for breaking its rules.
 */
#include "ktest.h"
#include "ex/ex.h"
#include "ke/ke.h"
#include "mm/mm.h"
#include "rtl.h"

#define TEST_TAG POOL_TAG('T', 'p', 'o', 'l')
#define OTHER_TAG POOL_TAG('T', 'o', 't', 'h')

static BOOLEAN IsAligned(PVOID P, SIZE_T Alignment)
{
    return ((ULONG_PTR)P & (Alignment - 1)) == 0;
}

/* A pattern that differs from block to block (Seed) and from byte to byte. */
static VOID Fill(PVOID P, SIZE_T Bytes, ULONG Seed)
{
    for (SIZE_T i = 0; i < Bytes; i++)
        ((PUCHAR)P)[i] = (UCHAR)(Seed * 31 + i * 7 + (i >> 8));
}

static BOOLEAN HoldsPattern(PVOID P, SIZE_T Bytes, ULONG Seed)
{
    for (SIZE_T i = 0; i < Bytes; i++) {
        if (((PUCHAR)P)[i] != (UCHAR)(Seed * 31 + i * 7 + (i >> 8)))
            return FALSE;
    }
    return TRUE;
}

static BOOLEAN IsZero(PVOID P, SIZE_T Bytes)
{
    for (SIZE_T i = 0; i < Bytes; i++) {
        if (((PUCHAR)P)[i] != 0)
            return FALSE;
    }
    return TRUE;
}

/* Tag's entry in ExQueryPoolTags; all zero if it has none. */
static POOL_TAG_INFO TagInfo(ULONG Tag)
{
    static POOL_TAG_INFO Tags[256];
    POOL_TAG_INFO Info = {.Tag = Tag};
    ULONG Count = ExQueryPoolTags(Tags, ARRAYSIZE(Tags));

    for (ULONG i = 0; i < Count && i < ARRAYSIZE(Tags); i++) {
        if (Tags[i].Tag == Tag)
            Info = Tags[i];
    }
    return Info;
}

KTEST(pool, sizes)
{
    static const SIZE_T Sizes[] = {1, 15, 16, 17, 100, 4095, 4096, 4097, 1 << 20};

    for (ULONG i = 0; i < ARRAYSIZE(Sizes); i++) {
        PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, Sizes[i], TEST_TAG);
        KT_ASSERT(P != NULL);
        /* Every byte asked for is usable: writing the last one must not trip
         * the tail guard when the block is freed. */
        Fill(P, Sizes[i], i);
        KT_EXPECT(HoldsPattern(P, Sizes[i], i));
        ExFreePoolWithTag(P, TEST_TAG);
    }
}

KTEST(pool, alignment)
{
    static PVOID P[240];

    for (ULONG i = 0; i < ARRAYSIZE(P); i++) {
        SIZE_T Size = 1 + i % 80 * 61; /* 1 .. 4820, three of each: every size class, and past a page */
        P[i] = ExAllocatePoolWithTag(NonPagedPoolNx, Size, TEST_TAG);
        KT_ASSERT(P[i] != NULL);
        KT_EXPECT(IsAligned(P[i], 16));
        if (Size >= PAGE_SIZE)
            KT_EXPECT(IsAligned(P[i], PAGE_SIZE));
        else /* within one page */
            KT_EXPECT_EQ((ULONG_PTR)P[i] >> PAGE_SHIFT, ((ULONG_PTR)P[i] + Size - 1) >> PAGE_SHIFT);
    }
    for (ULONG i = 0; i < ARRAYSIZE(P); i++)
        ExFreePool(P[i]);
}

/* The block freed last is handed out next, so the second allocation gets
 * memory the first one dirtied: ExAllocatePool2 must clear it. */
KTEST(pool, pool2_zeroes)
{
    static const SIZE_T Sizes[] = {24, 700, 3000, 5000, 70000};

    for (ULONG i = 0; i < ARRAYSIZE(Sizes); i++) {
        PVOID Dirty = ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_UNINITIALIZED, Sizes[i], TEST_TAG);
        KT_ASSERT(Dirty != NULL);
        RtlFillMemory(Dirty, Sizes[i], 0xCC);
        ExFreePoolWithTag(Dirty, TEST_TAG);

        PVOID Clean = ExAllocatePool2(POOL_FLAG_NON_PAGED, Sizes[i], TEST_TAG);
        KT_ASSERT(Clean != NULL);
        if (Sizes[i] < PAGE_SIZE)
            KT_EXPECT_EQ(Clean, Dirty);
        KT_EXPECT(IsZero(Clean, Sizes[i]));
        ExFreePoolWithTag(Clean, TEST_TAG);
    }
}

KTEST(pool, pool2_flags)
{
    /* No pool type, two pool types, a required flag the pool does not know:
     * NULL, as Windows returns. */
    KT_EXPECT(ExAllocatePool2(0, 16, TEST_TAG) == NULL);
    KT_EXPECT(ExAllocatePool2(POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED, 16, TEST_TAG) == NULL);
    KT_EXPECT(ExAllocatePool2(POOL_FLAG_NON_PAGED | 0x8, 16, TEST_TAG) == NULL);

    /* Paged pool is served from nonpaged memory; optional flags are hints. */
    PVOID Paged = ExAllocatePool2(POOL_FLAG_PAGED, 16, TEST_TAG);
    PVOID Hinted = ExAllocatePool2(POOL_FLAG_NON_PAGED | (1ULL << 32), 16, TEST_TAG);
    KT_EXPECT(Paged != NULL);
    KT_EXPECT(Hinted != NULL);
    if (Paged != NULL)
        ExFreePoolWithTag(Paged, TEST_TAG);
    if (Hinted != NULL)
        ExFreePoolWithTag(Hinted, TEST_TAG);
}

/* Writing all of one block, and allocating and freeing the blocks around it,
 * leaves its contents alone. */
KTEST(pool, neighbours_untouched)
{
    PVOID P[48];

    for (ULONG i = 0; i < ARRAYSIZE(P); i++) {
        SIZE_T Size = i % 3 ? 40 : 100;
        P[i] = ExAllocatePoolWithTag(NonPagedPoolNx, Size, TEST_TAG);
        KT_ASSERT(P[i] != NULL);
        Fill(P[i], Size, i);
    }
    for (ULONG i = 1; i < ARRAYSIZE(P); i += 2)
        ExFreePoolWithTag(P[i], TEST_TAG);
    for (ULONG i = 1; i < ARRAYSIZE(P); i += 2) {
        P[i] = ExAllocatePool2(POOL_FLAG_NON_PAGED, 48, TEST_TAG);
        KT_ASSERT(P[i] != NULL);
        Fill(P[i], 48, 1000 + i);
    }
    for (ULONG i = 0; i < ARRAYSIZE(P); i++) {
        if (i % 2 == 0)
            KT_EXPECT(HoldsPattern(P[i], i % 3 ? 40 : 100, i));
        else
            KT_EXPECT(HoldsPattern(P[i], 48, 1000 + i));
        ExFreePoolWithTag(P[i], TEST_TAG);
    }
}

KTEST(pool, tag_accounting)
{
    const ULONG Tag = POOL_TAG('T', 'a', 'c', 'c');
    POOL_TAG_INFO Before = TagInfo(Tag);

    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(Tag), 0);
    PVOID Small = ExAllocatePoolWithTag(NonPagedPoolNx, 10, Tag);
    PVOID Medium = ExAllocatePool2(POOL_FLAG_NON_PAGED, 3000, Tag);
    PVOID Large = ExAllocatePoolWithTag(NonPagedPoolNx, 10000, Tag);
    KT_ASSERT(Small != NULL && Medium != NULL && Large != NULL);

    POOL_TAG_INFO Info = TagInfo(Tag);
    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(Tag), 3);
    KT_EXPECT_EQ(Info.Allocations, Before.Allocations + 3);
    KT_EXPECT_EQ(Info.Frees, Before.Frees);
    KT_EXPECT_EQ(Info.BytesInUse, 13010); /* bytes asked for, not bytes used */

    ExFreePoolWithTag(Medium, Tag);
    Info = TagInfo(Tag);
    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(Tag), 2);
    KT_EXPECT_EQ(Info.Frees, Before.Frees + 1);
    KT_EXPECT_EQ(Info.BytesInUse, 10010);

    ExFreePool(Small); /* no tag given: counted under the block's own */
    ExFreePool(Large);
    Info = TagInfo(Tag);
    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(Tag), 0);
    KT_EXPECT_EQ(Info.Allocations, Info.Frees);
    KT_EXPECT_EQ(Info.BytesInUse, 0);
}

KTEST(pool, query_tags_capacity)
{
    POOL_TAG_INFO Tags[2] = {{0}, {.Tag = 0xDEADBEEF}};
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 8, TEST_TAG); /* at least one tag exists */
    KT_ASSERT(P != NULL);

    ULONG Count = ExQueryPoolTags(Tags, 1);
    KT_EXPECT_GE(Count, 1);
    KT_EXPECT_NE(Tags[0].Tag, 0);
    KT_EXPECT_EQ(Tags[1].Tag, 0xDEADBEEF); /* beyond Capacity: untouched */
    KT_EXPECT_EQ(ExQueryPoolTags(NULL, 0), Count);
    ExFreePool(P);
}

KTEST(pool, short_tags)
{
    /* 'abc' in MSVC: the unused high byte is zero. */
    PVOID Three = ExAllocatePoolWithTag(NonPagedPoolNx, 8, POOL_TAG('a', 'b', 'c', 0));
    PVOID One = ExAllocatePoolWithTag(NonPagedPoolNx, 8, POOL_TAG('x', 0, 0, 0));
    KT_EXPECT(Three != NULL);
    KT_EXPECT(One != NULL);
    if (Three != NULL)
        ExFreePoolWithTag(Three, POOL_TAG('a', 'b', 'c', 0));
    if (One != NULL)
        ExFreePoolWithTag(One, POOL_TAG('x', 0, 0, 0));
}

KTEST(pool, freed_memory_reused)
{
    PVOID First = ExAllocatePoolWithTag(NonPagedPoolNx, 100, TEST_TAG);
    KT_ASSERT(First != NULL);
    ExFreePoolWithTag(First, TEST_TAG);

    /* 90 bytes is the same size class as 100: the same block comes back. */
    PVOID Second = ExAllocatePoolWithTag(NonPagedPoolNx, 90, OTHER_TAG);
    KT_EXPECT_EQ(Second, First);
    if (Second != NULL)
        ExFreePoolWithTag(Second, OTHER_TAG);
}

KTEST(pool, big_page_aligned)
{
    static const SIZE_T Sizes[] = {4096, 4097, 8192, 3 * 4096 + 5, 65536, 1 << 20};
    PVOID P[ARRAYSIZE(Sizes)];
    SIZE_T Total = 0;
    POOL_TAG_INFO Before = TagInfo(TEST_TAG);

    for (ULONG i = 0; i < ARRAYSIZE(Sizes); i++) {
        P[i] = ExAllocatePoolWithTag(NonPagedPoolNx, Sizes[i], TEST_TAG);
        KT_ASSERT(P[i] != NULL);
        KT_EXPECT(IsAligned(P[i], PAGE_SIZE));
        Fill(P[i], Sizes[i], i);
        Total += Sizes[i];
    }
    KT_EXPECT_EQ(TagInfo(TEST_TAG).BytesInUse, Before.BytesInUse + Total);
    for (ULONG i = 0; i < ARRAYSIZE(Sizes); i++) {
        KT_EXPECT(HoldsPattern(P[i], Sizes[i], i));
        ExFreePoolWithTag(P[i], TEST_TAG);
    }
}

/* Freeing a large allocation gives its pages back to the frame allocator. */
KTEST(pool, big_pages_returned)
{
    MM_STATISTICS Before, During, After;

    MmQueryStatistics(&Before);
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 1 << 20, TEST_TAG);
    KT_ASSERT(P != NULL);
    MmQueryStatistics(&During);
    ExFreePoolWithTag(P, TEST_TAG);
    MmQueryStatistics(&After);

    KT_EXPECT_LE(During.FreePages + 256, Before.FreePages);
    KT_EXPECT_EQ(After.FreePages, Before.FreePages);
}

/* More large allocations than the big page table first has room for: it
 * grows, and still finds every one. */
KTEST(pool, big_page_table_grows)
{
    enum { COUNT = 300 };
    static PULONG P[COUNT];

    for (ULONG i = 0; i < COUNT; i++) {
        P[i] = ExAllocatePoolWithTag(NonPagedPoolNx, PAGE_SIZE, TEST_TAG);
        KT_ASSERT(P[i] != NULL);
        P[i][0] = i;
        P[i][PAGE_SIZE / sizeof(ULONG) - 1] = ~i;
    }
    KT_EXPECT_GE(ExQueryPoolTagOutstanding(TEST_TAG), COUNT);
    for (ULONG k = 0; k < COUNT; k++) {
        ULONG i = (k * 7) % COUNT; /* 7 and 300 are coprime: every one, out of order */
        KT_EXPECT_EQ(P[i][0], i);
        KT_EXPECT_EQ(P[i][PAGE_SIZE / sizeof(ULONG) - 1], ~i);
        ExFreePoolWithTag(P[i], TEST_TAG);
    }
    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(TEST_TAG), 0);
}

/* Thousands of random allocations and frees, mostly small, some large. Each
 * block holds a pattern of its own, checked before it is freed. */
static ULONG Random(PULONG64 State)
{
    *State = *State * 6364136223846793005ULL + 1442695040888963407ULL; /* Knuth's MMIX LCG */
    return (ULONG)(*State >> 33);
}

static SIZE_T RandomSize(PULONG64 State)
{
    ULONG R = Random(State);

    switch (R % 16) {
    case 0: return PAGE_SIZE + R % (3 * PAGE_SIZE); /* large */
    case 1:
    case 2: return 1 + R % PAGE_SIZE; /* any small size, and a few just too big */
    default: return 1 + R % 256;
    }
}

KTEST(pool, stress)
{
    enum { SLOTS = 256, ROUNDS = 20000 };
    static PVOID Block[SLOTS];
    static SIZE_T Size[SLOTS];
    const ULONG Tag = POOL_TAG('T', 's', 't', 'r');
    ULONG64 State = 20240601;
    ULONG Corrupt = 0, Failed = 0;

    for (ULONG Round = 0; Round < ROUNDS; Round++) {
        ULONG Slot = Random(&State) % SLOTS;
        if (Block[Slot] != NULL) {
            Corrupt += !HoldsPattern(Block[Slot], Size[Slot], Slot);
            ExFreePoolWithTag(Block[Slot], Tag);
            Block[Slot] = NULL;
        } else {
            Size[Slot] = RandomSize(&State);
            Block[Slot] = ExAllocatePoolWithTag(NonPagedPoolNx, Size[Slot], Tag);
            if (Block[Slot] == NULL)
                Failed++;
            else
                Fill(Block[Slot], Size[Slot], Slot);
        }
    }
    for (ULONG Slot = 0; Slot < SLOTS; Slot++) {
        if (Block[Slot] != NULL) {
            Corrupt += !HoldsPattern(Block[Slot], Size[Slot], Slot);
            ExFreePoolWithTag(Block[Slot], Tag);
            Block[Slot] = NULL;
        }
    }
    KT_EXPECT_EQ(Corrupt, 0);
    KT_EXPECT_EQ(Failed, 0);
    KT_EXPECT_EQ(ExQueryPoolTagOutstanding(Tag), 0);
    KT_EXPECT_EQ(TagInfo(Tag).BytesInUse, 0);
}

/* ---- broken rules, each in a boot of its own ---- */

KTEST_BUGCHECK(pool_bugcheck, double_free, BAD_POOL_CALLER)
{
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
    ExFreePoolWithTag(P, TEST_TAG);
    ExFreePoolWithTag(P, TEST_TAG);
}

KTEST_BUGCHECK(pool_bugcheck, double_free_big, BAD_POOL_CALLER)
{
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 3 * PAGE_SIZE, TEST_TAG);
    ExFreePoolWithTag(P, TEST_TAG);
    ExFreePoolWithTag(P, TEST_TAG);
}

KTEST_BUGCHECK(pool_bugcheck, wrong_tag, BAD_POOL_CALLER)
{
    PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
    ExFreePoolWithTag(P, OTHER_TAG);
}

KTEST_BUGCHECK(pool_bugcheck, free_bogus_pointer, BAD_POOL_CALLER)
{
    static UCHAR NotFromThePool[64];
    ExFreePool(NotFromThePool + 16);
}

KTEST_BUGCHECK(pool_bugcheck, free_inside_block, BAD_POOL_CALLER)
{
    PUCHAR P = ExAllocatePoolWithTag(NonPagedPoolNx, 100, TEST_TAG);
    ExFreePool(P + 32);
}

KTEST_BUGCHECK(pool_bugcheck, free_inside_big, BAD_POOL_CALLER)
{
    PUCHAR P = ExAllocatePoolWithTag(NonPagedPoolNx, 3 * PAGE_SIZE, TEST_TAG);
    ExFreePool(P + PAGE_SIZE);
}

KTEST_BUGCHECK(pool_bugcheck, zero_tag, BAD_POOL_CALLER)
{
    ExAllocatePoolWithTag(NonPagedPoolNx, 16, 0);
}

KTEST_BUGCHECK(pool_bugcheck, unprintable_tag, BAD_POOL_CALLER)
{
    ExAllocatePool2(POOL_FLAG_NON_PAGED, 16, POOL_TAG('a', '\n', 'b', 'c'));
}

KTEST_BUGCHECK(pool_bugcheck, zero_bytes, BAD_POOL_CALLER)
{
    ExAllocatePool2(POOL_FLAG_NON_PAGED, 0, TEST_TAG);
}

/* A stray write into the header in front of a block. */
KTEST_BUGCHECK(pool_bugcheck, corrupted_header, BAD_POOL_HEADER)
{
    PUCHAR P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
    P[-12] ^= 0x01; /* a bit of the size field */
    ExFreePoolWithTag(P, TEST_TAG);
}

/* One byte past the end lands in the tail guard. */
KTEST_BUGCHECK(pool_bugcheck, overrun_tail_guard, BAD_POOL_HEADER)
{
    PUCHAR P = ExAllocatePoolWithTag(NonPagedPoolNx, 20, TEST_TAG);
    P[20] = 0;
    ExFreePoolWithTag(P, TEST_TAG);
}

/* A block that fills its size class exactly has no guard bytes: an overrun
 * lands on the next block's header, found when the overrunning block is freed. */
KTEST_BUGCHECK(pool_bugcheck, overrun_next_header, BAD_POOL_HEADER)
{
    const SIZE_T Size = 48; /* the 64-byte class less its header */
    PUCHAR P;

    do /* one that is not last on its page (the others are left: this boot ends) */
        P = ExAllocatePoolWithTag(NonPagedPoolNx, Size, TEST_TAG);
    while (BYTE_OFFSET(P) + Size + 64 > PAGE_SIZE);
    RtlFillMemory(P, Size + 8, 0x41);
    ExFreePoolWithTag(P, TEST_TAG);
}

/* Writing to a block after freeing it overwrites the free-list link kept
 * there; the next allocation that would hand the block out notices. */
KTEST_BUGCHECK(pool_bugcheck, write_after_free, BAD_POOL_HEADER)
{
    PULONG64 P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
    ExFreePoolWithTag(P, TEST_TAG);
    P[0] = 0x4141414141414141ULL;
    ExAllocatePoolWithTag(NonPagedPoolNx, 64, TEST_TAG);
}
