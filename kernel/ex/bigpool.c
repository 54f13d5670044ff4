/*
 * bigpool.c - large allocations: anything too big for a small block.
 *
 * A large allocation is a run of whole, physically contiguous pages, and the
 * caller's data starts at its first byte, so it is page-aligned (NT promises
 * that for any request of PAGE_SIZE or more). There is no room for a header,
 * so what a header would hold - the tag and the size asked for - is kept out
 * of line in the big page table, as NT does in its PoolBigPageTable.
 *
 * The table is a hash table with open addressing, keyed by address. A slot is
 * free when the low bit of its Va is set (NT's POOL_BIG_TABLE_ENTRY_FREE): an
 * empty slot is just that bit, and a freed allocation's slot keeps its address
 * and tag with the bit set, until an insert reuses it. So a second free of the
 * same address can still find the slot and report a double free, with the tag.
 *
 * Insertion takes the first free slot from the hash position, and lookups walk
 * from the same place. Because an address is only reallocated after its free,
 * a live slot for it always comes before any freed slot with the same address.
 * The table doubles when three quarters of it is in use.
 *
 * When a large allocation is freed, its pages go straight back to the frame
 * allocator.
 */
#include "exp.h"
#include "ke/ke.h"

typedef struct _POOL_BIG_PAGE {
    ULONG_PTR Va;         /* the allocation; | POOL_BIG_ENTRY_FREE when the slot is free */
    SIZE_T NumberOfBytes; /* what the owner asked for */
    ULONG PoolTag;
} POOL_BIG_PAGE, *PPOOL_BIG_PAGE;

#define POOL_BIG_ENTRY_FREE 1
#define POOL_BIG_TABLE_INITIAL_SIZE 128 /* slots; always a power of two */

static PPOOL_BIG_PAGE ExpBigPageTable;
static SIZE_T ExpBigPageTableSize; /* slots */
static SIZE_T ExpBigPagesInUse;    /* live slots */

static SIZE_T TablePages(SIZE_T Slots)
{
    return BYTES_TO_PAGES(Slots * sizeof(POOL_BIG_PAGE));
}

static SIZE_T Hash(ULONG_PTR Va)
{
    return (Va >> PAGE_SHIFT) & (ExpBigPageTableSize - 1);
}

static SIZE_T NextSlot(SIZE_T Slot)
{
    return (Slot + 1) & (ExpBigPageTableSize - 1);
}

static BOOLEAN IsFree(const POOL_BIG_PAGE *Entry)
{
    return (Entry->Va & POOL_BIG_ENTRY_FREE) != 0;
}

/* A table of Slots empty slots in pages of its own; NULL if none are free. */
static PPOOL_BIG_PAGE CreateTable(SIZE_T Slots)
{
    PPOOL_BIG_PAGE Table = ExpAllocatePoolPages(TablePages(Slots), POOL_PAGE_INTERNAL);

    for (SIZE_T i = 0; Table != NULL && i < Slots; i++)
        Table[i].Va = POOL_BIG_ENTRY_FREE;
    return Table;
}

static VOID Insert(ULONG_PTR Va, SIZE_T NumberOfBytes, ULONG Tag)
{
    SIZE_T Slot = Hash(Va);

    while (!IsFree(&ExpBigPageTable[Slot]))
        Slot = NextSlot(Slot);
    ExpBigPageTable[Slot] = (POOL_BIG_PAGE){Va, NumberOfBytes, Tag};
    ExpBigPagesInUse++;
}

/* The slot for Va: its live one, or else a freed one that still remembers it;
 * NULL if there is neither. A miss walks the whole table, but only a bad free
 * misses. */
static PPOOL_BIG_PAGE Find(ULONG_PTR Va)
{
    SIZE_T Slot = Hash(Va);

    for (SIZE_T Probes = 0; Probes < ExpBigPageTableSize; Probes++, Slot = NextSlot(Slot)) {
        if ((ExpBigPageTable[Slot].Va & ~(ULONG_PTR)POOL_BIG_ENTRY_FREE) == Va)
            return &ExpBigPageTable[Slot];
    }
    return NULL;
}

/* Makes room for one more entry, doubling the table when it is 3/4 full.
 * FALSE when there is no memory for a bigger table. */
static BOOLEAN MakeRoom(VOID)
{
    if ((ExpBigPagesInUse + 1) * 4 <= ExpBigPageTableSize * 3)
        return TRUE;

    PPOOL_BIG_PAGE Old = ExpBigPageTable, New = CreateTable(ExpBigPageTableSize * 2);
    SIZE_T OldSize = ExpBigPageTableSize;
    if (New == NULL)
        return FALSE;

    ExpBigPageTable = New;
    ExpBigPageTableSize = OldSize * 2;
    ExpBigPagesInUse = 0;
    for (SIZE_T i = 0; i < OldSize; i++) {
        if (!IsFree(&Old[i]))
            Insert(Old[i].Va, Old[i].NumberOfBytes, Old[i].PoolTag);
    }
    ExpFreePoolPages(Old, TablePages(OldSize));
    return TRUE;
}

VOID ExpInitializeBigPageTable(VOID)
{
    ExpBigPageTable = CreateTable(POOL_BIG_TABLE_INITIAL_SIZE);
    if (ExpBigPageTable == NULL)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, 0, 0, 0, 0, NULL, "no memory for the pool's big page table");
    ExpBigPageTableSize = POOL_BIG_TABLE_INITIAL_SIZE;
}

PVOID ExpAllocateBigPages(SIZE_T NumberOfBytes, ULONG Tag)
{
    if (NumberOfBytes > ~(SIZE_T)0 - PAGE_SIZE)
        return NULL; /* more than the address space; BYTES_TO_PAGES would overflow */
    SIZE_T Pages = BYTES_TO_PAGES(NumberOfBytes);

    if (!MakeRoom())
        return NULL;
    PVOID Va = ExpAllocatePoolPages(Pages, POOL_PAGE_BIG);
    if (Va == NULL)
        return NULL;
    Insert((ULONG_PTR)Va, NumberOfBytes, Tag);
    ExpFillGuard(Va, NumberOfBytes, Pages * PAGE_SIZE);
    return Va;
}

ULONG ExpFreeBigPages(PVOID P, ULONG Tag, PSIZE_T NumberOfBytes)
{
    PPOOL_BIG_PAGE Entry = Find((ULONG_PTR)P);

    if (Entry == NULL)
        ExpBugCheckBadAddress(P);
    if (IsFree(Entry))
        ExpBugCheckDoubleFree(P, Entry->PoolTag, Entry->PoolTag);
    if (Tag != 0 && Tag != Entry->PoolTag)
        ExpBugCheckWrongTag(P, Entry->PoolTag, Tag);

    SIZE_T Pages = BYTES_TO_PAGES(Entry->NumberOfBytes);
    ExpCheckGuard(P, Entry->NumberOfBytes, Pages * PAGE_SIZE, Entry->PoolTag);
    Entry->Va |= POOL_BIG_ENTRY_FREE;
    ExpBigPagesInUse--;
    ExpFreePoolPages(P, Pages);

    *NumberOfBytes = Entry->NumberOfBytes;
    return Entry->PoolTag;
}
