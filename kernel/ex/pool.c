/*
 * pool.c - the nonpaged pool's public routines (ex.h).
 *
 * Each routine checks the caller's side of the contract (poolcheck.c), takes
 * the pool lock, and sends the request where it belongs: to a small block with
 * an inline header (poolblock.c) when it fits in one, to whole pages tracked
 * in the big page table (bigpool.c) when it does not. Every allocation and
 * free is counted under its tag (pooltag.c).
 *
 * WDM: callers may run at IRQL <= DISPATCH_LEVEL. The pool never waits, and
 * its lock shuts out interrupts (exp.h), so that holds here too.
 */
#include "exp.h"
#include "rtl.h"

/* The low 32 bits of POOL_FLAGS are required flags: the request fails if the
 * pool does not know one. These are the ones it knows. */
#define POOL_FLAGS_REQUIRED 0x00000000FFFFFFFFULL
#define POOL_FLAGS_KNOWN (POOL_FLAG_UNINITIALIZED | POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED)

VOID ExInitializePool(VOID)
{
    ExpInitializePageMap();
    ExpInitializeBigPageTable();
}

static PVOID Allocate(SIZE_T NumberOfBytes, ULONG Tag)
{
    EXP_LOCK_STATE Lock = ExpAcquirePoolLock();
    PVOID P;

    if (NumberOfBytes <= POOL_SMALL_MAX_BYTES)
        P = ExpAllocateSmallBlock(NumberOfBytes, Tag);
    else
        P = ExpAllocateBigPages(NumberOfBytes, Tag);
    if (P != NULL)
        ExpInsertPoolTracker(Tag, NumberOfBytes);
    ExpReleasePoolLock(Lock);
    return P;
}

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    ExpCheckAllocation(PoolType, NumberOfBytes, Tag, __builtin_return_address(0));
    return Allocate(NumberOfBytes, Tag);
}

/* The pool type Flags ask for. FALSE, as in Windows, for a required flag the
 * pool does not know, or for naming no pool type or two. */
static BOOLEAN PoolTypeFromFlags(POOL_FLAGS Flags, POOL_TYPE *PoolType)
{
    POOL_FLAGS Required = Flags & POOL_FLAGS_REQUIRED;

    if ((Required & ~POOL_FLAGS_KNOWN) != 0)
        return FALSE;
    switch (Required & (POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED)) {
    case POOL_FLAG_NON_PAGED: *PoolType = NonPagedPoolNx; return TRUE;
    case POOL_FLAG_PAGED: *PoolType = PagedPool; return TRUE;
    default: return FALSE;
    }
}

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    POOL_TYPE PoolType;

    if (!PoolTypeFromFlags(Flags, &PoolType))
        return NULL;
    ExpCheckAllocation(PoolType, NumberOfBytes, Tag, __builtin_return_address(0));
    PVOID P = Allocate(NumberOfBytes, Tag);
    if (P != NULL && (Flags & POOL_FLAG_UNINITIALIZED) == 0)
        RtlZeroMemory(P, NumberOfBytes);
    return P;
}

/* A small block's data is never page-aligned (its header comes first on the
 * page), and a large allocation's always is: that tells them apart. */
VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    EXP_LOCK_STATE Lock = ExpAcquirePoolLock();
    SIZE_T NumberOfBytes;
    ULONG OwnerTag;

    if (!ExpIsInPoolRange(P))
        ExpBugCheckBadAddress(P);
    if (BYTE_OFFSET(P) == 0)
        OwnerTag = ExpFreeBigPages(P, Tag, &NumberOfBytes);
    else
        OwnerTag = ExpFreeSmallBlock(P, Tag, &NumberOfBytes);
    ExpRemovePoolTracker(OwnerTag, NumberOfBytes);
    ExpReleasePoolLock(Lock);
}

VOID ExFreePool(PVOID P)
{
    ExFreePoolWithTag(P, 0);
}
