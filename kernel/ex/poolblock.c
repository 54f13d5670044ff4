/*
 * poolblock.c - small pool blocks: requests of up to POOL_SMALL_MAX_BYTES.
 *
 * A small block is a 16-byte POOL_HEADER followed by the caller's bytes. Block
 * sizes come in a few fixed size classes, and a page holds blocks of one class
 * only, carved up when that class first needs room:
 *
 *     page: | hdr | data ...... | hdr | data ...... | hdr | ...  | spare |
 *           |<-- class size --->|<-- class size --->|
 *
 * So the caller's data is 16-byte aligned, never crosses a page, and from the
 * page map's class alone the pool knows where every block on a page begins.
 *
 * Each class keeps its free blocks on a singly linked list, the link stored
 * where the data was. The list is LIFO: the block freed last, still warm in
 * the cache, is handed out first.
 *
 * The header holds the owner's tag, the size asked for, the class, the state
 * (allocated or free) and a check: a hash of all of those, of the header's own
 * address and, while the block is free, of its link. A header that was
 * overwritten - usually by an overrun of the block before it - no longer
 * matches its check, and the pool stops with BAD_POOL_HEADER the next time it
 * reads that header, rather than trust it.
 *
 * Pages of small blocks are never given back (NT frees a page once all of its
 * blocks are free).
 */
#include "exp.h"
#include "ke/ke.h"

typedef struct _POOL_HEADER {
    union {
        struct {
            ULONG PoolTag;        /* the owner's; kept after the free, for reports; 0: never allocated */
            USHORT NumberOfBytes; /* what the owner asked for */
            UCHAR SizeClass;      /* index into ExpBlockSizes */
            UCHAR State;          /* POOL_BLOCK_ALLOCATED or POOL_BLOCK_FREE */
        };
        ULONG64 Contents; /* the fields above as one word, as bug checks report it */
    };
    ULONG64 Check; /* HeaderCheck() of the header as it should be */
} POOL_HEADER, *PPOOL_HEADER;

_Static_assert(sizeof(POOL_HEADER) == 16, "the header keeps the data 16-byte aligned");

#define POOL_BLOCK_ALLOCATED 0xA1
#define POOL_BLOCK_FREE 0xF7

/* A free block: its header, then the link where the data was. */
typedef struct _POOL_FREE_BLOCK {
    POOL_HEADER Header;
    struct _POOL_FREE_BLOCK *Next; /* the next free block of the same class */
} POOL_FREE_BLOCK, *PPOOL_FREE_BLOCK;

/* Block sizes, header included: multiples of 16, about 1.5 times apart, so a
 * block wastes at most about a third of itself. The last is one page. */
static const USHORT ExpBlockSizes[] = {32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1360, 2048, PAGE_SIZE};
#define POOL_SIZE_CLASSES ARRAYSIZE(ExpBlockSizes)

_Static_assert(PAGE_SIZE - sizeof(POOL_HEADER) == POOL_SMALL_MAX_BYTES, "the largest class is one page");

static PPOOL_FREE_BLOCK ExpFreeBlocks[POOL_SIZE_CLASSES]; /* list heads, one per class */

/* A seed for the header check. NT draws its pool cookie at boot so an attacker
 * cannot forge a header; a constant keeps this kernel's runs reproducible. */
#define POOL_HEADER_SEED 0x6E746D696E69706FULL

/* ---- the header check ---- */

/* MurmurHash3's 64-bit finalizer: every input bit changes about half the
 * output bits. */
static ULONG64 Mix(ULONG64 X)
{
    X ^= X >> 33;
    X *= 0xFF51AFD7ED558CCDULL;
    X ^= X >> 33;
    X *= 0xC4CEB9FE1A85EC53ULL;
    X ^= X >> 33;
    return X;
}

static ULONG64 HeaderCheck(PPOOL_HEADER Header)
{
    ULONG64 Link = 0;

    if (Header->State == POOL_BLOCK_FREE)
        Link = (ULONG64)CONTAINING_RECORD(Header, POOL_FREE_BLOCK, Header)->Next;
    return Mix(Header->Contents ^ Mix((ULONG64)Header ^ Link ^ POOL_HEADER_SEED));
}

/* Call after every change to a header (or to a free block's link). */
static VOID Seal(PPOOL_HEADER Header)
{
    Header->Check = HeaderCheck(Header);
}

static BOOLEAN IsIntact(PPOOL_HEADER Header)
{
    return Header->Check == HeaderCheck(Header);
}

/* ---- size classes and pages ---- */

/* The smallest class whose blocks hold NumberOfBytes after the header. */
static ULONG SizeClassFor(SIZE_T NumberOfBytes)
{
    ULONG Class = 0;
    while (ExpBlockSizes[Class] - sizeof(POOL_HEADER) < NumberOfBytes)
        Class++;
    return Class;
}

static SIZE_T DataCapacity(ULONG Class)
{
    return ExpBlockSizes[Class] - sizeof(POOL_HEADER);
}

/* Carves a fresh page into free blocks of Class. They are pushed from the last
 * to the first, so the first comes off the list first. FALSE when no page is
 * free. */
static BOOLEAN AddPage(ULONG Class)
{
    ULONG Size = ExpBlockSizes[Class];
    PUCHAR Page = ExpAllocatePoolPages(1, POOL_PAGE_SMALL + Class);

    if (Page == NULL)
        return FALSE;
    for (ULONG i = PAGE_SIZE / Size; i > 0; i--) {
        PPOOL_FREE_BLOCK Block = (PPOOL_FREE_BLOCK)(Page + (i - 1) * Size);
        Block->Header.Contents = 0;
        Block->Header.SizeClass = (UCHAR)Class;
        Block->Header.State = POOL_BLOCK_FREE;
        Block->Next = ExpFreeBlocks[Class];
        Seal(&Block->Header);
        ExpFreeBlocks[Class] = Block;
    }
    return TRUE;
}

/* ---- allocate ---- */

/* A free block's header and link are only written by the pool. If they have
 * changed since it was freed, something wrote into a block it did not own. */
static VOID CheckFreeBlock(PPOOL_FREE_BLOCK Block)
{
    PPOOL_HEADER Header = &Block->Header;

    if (!IsIntact(Header) || Header->State != POOL_BLOCK_FREE)
        KiBugCheck(BAD_POOL_HEADER, 0xD, (ULONG_PTR)Header, Header->Contents, 0, NULL,
                   "the free pool block at %p was modified after it was freed: its header or free-list link "
                   "changed. Usually the block before it was overrun, or a block was used after its free.",
                   (PVOID)(Header + 1));
}

PVOID ExpAllocateSmallBlock(SIZE_T NumberOfBytes, ULONG Tag)
{
    ULONG Class = SizeClassFor(NumberOfBytes);

    if (ExpFreeBlocks[Class] == NULL && !AddPage(Class))
        return NULL;
    PPOOL_FREE_BLOCK Block = ExpFreeBlocks[Class];
    CheckFreeBlock(Block);
    ExpFreeBlocks[Class] = Block->Next;

    PPOOL_HEADER Header = &Block->Header;
    Header->PoolTag = Tag;
    Header->NumberOfBytes = (USHORT)NumberOfBytes;
    Header->State = POOL_BLOCK_ALLOCATED;
    Seal(Header);
    ExpFillGuard(Header + 1, NumberOfBytes, DataCapacity(Class));
    return Header + 1;
}

/* ---- free ---- */

/* The header of the block whose data starts at P. Bug checks unless P is
 * exactly that: on a page of small blocks, where a block's data begins. */
static PPOOL_HEADER HeaderOf(PVOID P, PULONG Class)
{
    UCHAR Use = ExpPageUse(P);
    if (Use < POOL_PAGE_SMALL)
        ExpBugCheckBadAddress(P);

    *Class = Use - POOL_PAGE_SMALL;
    SIZE_T Size = ExpBlockSizes[*Class], Offset = BYTE_OFFSET(P);
    if (Offset < sizeof(POOL_HEADER))
        ExpBugCheckBadAddress(P);
    SIZE_T BlockOffset = Offset - sizeof(POOL_HEADER);
    if (BlockOffset % Size != 0 || BlockOffset + Size > PAGE_SIZE)
        ExpBugCheckBadAddress(P);
    return (PPOOL_HEADER)P - 1;
}

/* An overrun longer than the guard bytes lands on the next block's header.
 * Checking that header now, while the overrunning block is freed, names the
 * culprit; later, the damage would be found far from its cause. */
static VOID CheckNextHeader(PPOOL_HEADER Header, ULONG Class)
{
    SIZE_T Size = ExpBlockSizes[Class];
    PPOOL_HEADER Next = (PPOOL_HEADER)((PUCHAR)Header + Size);
    CHAR Name[5];

    if (BYTE_OFFSET(Header) + 2 * Size > PAGE_SIZE)
        return; /* the last block on its page */
    if (!IsIntact(Next)) {
        ExpTagToText(Header->PoolTag, Name);
        KiBugCheck(BAD_POOL_HEADER, 0x5, (ULONG_PTR)Header, Next->Contents, (ULONG_PTR)Next, NULL,
                   "the pool header at %p is corrupt. The block before it, %p (tag '%s', %u bytes), is being "
                   "freed and most likely wrote past its end: a driver may use only the bytes it asked for.",
                   (PVOID)Next, (PVOID)(Header + 1), Name, Header->NumberOfBytes);
    }
}

ULONG ExpFreeSmallBlock(PVOID P, ULONG Tag, PSIZE_T NumberOfBytes)
{
    ULONG Class;
    PPOOL_HEADER Header = HeaderOf(P, &Class);

    if (!IsIntact(Header))
        KiBugCheck(BAD_POOL_HEADER, 0x7, 0, Header->Contents, (ULONG_PTR)Header, NULL,
                   "ExFreePool(%p): the block's pool header is corrupt, so the pool cannot trust it. Usually the "
                   "block before it was overrun.",
                   P);
    if (Header->State == POOL_BLOCK_FREE) {
        if (Header->PoolTag == 0)
            ExpBugCheckBadAddress(P); /* a block no one was ever given */
        ExpBugCheckDoubleFree(P, Header->PoolTag, Header->Contents);
    }
    if (Tag != 0 && Tag != Header->PoolTag)
        ExpBugCheckWrongTag(P, Header->PoolTag, Tag);
    ExpCheckGuard(P, Header->NumberOfBytes, DataCapacity(Class), Header->PoolTag);
    CheckNextHeader(Header, Class);

    /* Tag and size stay, so a second free can say whose block it was. */
    PPOOL_FREE_BLOCK Block = CONTAINING_RECORD(Header, POOL_FREE_BLOCK, Header);
    Header->State = POOL_BLOCK_FREE;
    Block->Next = ExpFreeBlocks[Class];
    Seal(Header);
    ExpFreeBlocks[Class] = Block;

    *NumberOfBytes = Header->NumberOfBytes;
    return Header->PoolTag;
}
