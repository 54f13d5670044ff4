/*
 * pool.c - the nonpaged pool's public routines (ex.h).
 *
 * Each routine checks the caller's side of the contract (poolcheck.c), takes
 * the pool lock, and sends the request where it belongs: to a small block with
 * an inline header (poolblock.c) when it fits in one, to whole pages tracked
 * in the big page table (bigpool.c) when it does not. Every allocation and
 * free is counted under its tag (pooltag.c).
 *
 * WDM: callers of nonpaged pool may run at IRQL <= DISPATCH_LEVEL (paged pool:
 * <= APC_LEVEL, since touching it may page-fault). The pool never waits, and
 * its lock is a spin lock taken at DISPATCH_LEVEL (exp.h), so that holds here.
 * Above DISPATCH_LEVEL, in an interrupt service routine, the pool is off
 * limits: the lock's holder on this very processor may be what the interrupt
 * interrupted. The IRQL is checked before anything else, as Driver Verifier
 * does.
 */
#include "exp.h"
#include "ke/ke.h"
#include "rtl.h"

/* DRIVER_VERIFIER_DETECTED_VIOLATION parameter 1 values, from Microsoft's
 * "Bug Check 0xC4" table. */
#define VERIFIER_ALLOCATE_PAGED_ABOVE_APC 0x01
#define VERIFIER_ALLOCATE_NONPAGED_ABOVE_DISPATCH 0x02
#define VERIFIER_FREE_NONPAGED_ABOVE_DISPATCH 0x12

KSPIN_LOCK ExpPoolLock;

/* The low 32 bits of POOL_FLAGS are required flags: the request fails if the
 * pool does not know one. These are the ones it knows. */
#define POOL_FLAGS_REQUIRED 0x00000000FFFFFFFFULL
#define POOL_FLAGS_KNOWN (POOL_FLAG_UNINITIALIZED | POOL_FLAG_NON_PAGED | POOL_FLAG_PAGED)

VOID ExInitializePool(VOID)
{
    ExpInitializePageMap();
    ExpInitializeBigPageTable();
}

/* Paged pool is pageable in NT: a page fault at DISPATCH_LEVEL or above
 * cannot be serviced, so it is APC_LEVEL at most. Nonpaged pool is taken
 * under a DISPATCH_LEVEL spin lock, so it is DISPATCH_LEVEL at most. */
static VOID CheckIrqlForAllocation(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (PoolType == PagedPool && Irql > APC_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_ALLOCATE_PAGED_ABOVE_APC, Irql, PoolType, NumberOfBytes,
                   NULL, "allocating %llu bytes of paged pool at IRQL %u: paged pool is for IRQL <= APC_LEVEL",
                   (ULONG64)NumberOfBytes, Irql);
    if (Irql > DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_ALLOCATE_NONPAGED_ABOVE_DISPATCH, Irql, PoolType,
                   NumberOfBytes, NULL,
                   "allocating %llu bytes of nonpaged pool at IRQL %u: the pool is for IRQL <= DISPATCH_LEVEL; "
                   "an interrupt service routine must not allocate",
                   (ULONG64)NumberOfBytes, Irql);
}

/* A block does not record its pool type, so a free is held to the nonpaged
 * rule. */
static VOID CheckIrqlForFree(PVOID P)
{
    KIRQL Irql = KeGetCurrentIrql();

    if (Irql > DISPATCH_LEVEL)
        KiBugCheck(DRIVER_VERIFIER_DETECTED_VIOLATION, VERIFIER_FREE_NONPAGED_ABOVE_DISPATCH, Irql, NonPagedPool,
                   (ULONG_PTR)P, NULL,
                   "freeing pool at %p at IRQL %u: the pool is for IRQL <= DISPATCH_LEVEL; "
                   "an interrupt service routine must not free",
                   P, Irql);
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
    CheckIrqlForAllocation(PoolType, NumberOfBytes);
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
    CheckIrqlForAllocation(PoolType, NumberOfBytes);
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
    SIZE_T NumberOfBytes;
    ULONG OwnerTag;

    CheckIrqlForFree(P);
    EXP_LOCK_STATE Lock = ExpAcquirePoolLock();
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
