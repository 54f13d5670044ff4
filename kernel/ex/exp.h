/*
 * exp.h - the nonpaged pool's internals, shared by the files of kernel/ex/.
 *
 * One idea per file:
 *   pool.c       the public routines: the caller's rules, the lock, small or large
 *   poolblock.c  small blocks: size classes, the 16-byte header, free lists
 *   bigpool.c    large allocations: whole pages, and the big page table
 *   poolpage.c   the pool's pages, and the page map saying what each one holds
 *   pooltag.c    per-tag accounting: what WinDbg's !poolused shows
 *   poolcheck.c  the checks Driver Verifier would make, and their bug checks
 *
 * docs/pool.md tells the whole story.
 */
#ifndef EXP_H
#define EXP_H

#include "ex.h"
#include "mm/mm.h"
#include "ke/spinlock.h"

/* ---- the pool lock ----
 *
 * One spin lock guards all pool state: free lists, page map, big page table
 * and tag table. WDM lets drivers allocate and free nonpaged pool at IRQL <=
 * DISPATCH_LEVEL, so the lock is taken the way KeAcquireSpinLock takes any
 * lock: raise to DISPATCH_LEVEL, then spin for it. Another processor waits its
 * turn, and nothing that may call the pool (a DPC, the dispatcher) can run on
 * this processor while it is half-updated. Nothing inside the lock waits, and
 * the only code it calls outside the pool is the frame allocator (lock order:
 * pool, then Mm; both are DISPATCH_LEVEL spin locks, taken nested). */
typedef KIRQL EXP_LOCK_STATE; /* what release restores: the caller's IRQL */

extern KSPIN_LOCK ExpPoolLock; /* pool.c */

static inline EXP_LOCK_STATE ExpAcquirePoolLock(VOID)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&ExpPoolLock, &OldIrql);
    return OldIrql;
}

static inline VOID ExpReleasePoolLock(EXP_LOCK_STATE State)
{
    KeReleaseSpinLock(&ExpPoolLock, State);
}

/* ---- the pool's pages (poolpage.c) ----
 *
 * The page map keeps one byte per physical page the pool may use: */
#define POOL_PAGE_NOT_POOL 0 /* not the pool's */
#define POOL_PAGE_INTERNAL 1 /* the pool's own tables: page map, big page table */
#define POOL_PAGE_BIG 2      /* a page of a large allocation */
#define POOL_PAGE_SMALL 3    /* small blocks of size class (value - POOL_PAGE_SMALL) */

VOID ExpInitializePageMap(VOID);
/* TRUE when Va lies in memory the pool could ever have handed out. */
BOOLEAN ExpIsInPoolRange(PCVOID Va);
/* The map's byte for Va's page; POOL_PAGE_NOT_POOL outside the pool's range. */
UCHAR ExpPageUse(PCVOID Va);
/* A run of Pages physically contiguous pages, recorded in the map as Use;
 * NULL when no such run is free. */
PVOID ExpAllocatePoolPages(SIZE_T Pages, UCHAR Use);
VOID ExpFreePoolPages(PVOID Va, SIZE_T Pages);

/* ---- small blocks (poolblock.c) ---- */

/* The most a small block holds: a page less its 16-byte header. Larger
 * requests get whole pages (bigpool.c). */
#define POOL_SMALL_MAX_BYTES (PAGE_SIZE - 16)

PVOID ExpAllocateSmallBlock(SIZE_T NumberOfBytes, ULONG Tag);
/* Checks the block at P and frees it. Tag 0 means "any tag". Returns the
 * owner's tag and sets *NumberOfBytes to the size it asked for. */
ULONG ExpFreeSmallBlock(PVOID P, ULONG Tag, PSIZE_T NumberOfBytes);

/* ---- large allocations (bigpool.c) ---- */

VOID ExpInitializeBigPageTable(VOID);
PVOID ExpAllocateBigPages(SIZE_T NumberOfBytes, ULONG Tag);
/* As ExpFreeSmallBlock, for a page-aligned P. */
ULONG ExpFreeBigPages(PVOID P, ULONG Tag, PSIZE_T NumberOfBytes);

/* ---- per-tag accounting (pooltag.c) ---- */

VOID ExpInsertPoolTracker(ULONG Tag, SIZE_T NumberOfBytes); /* an allocation succeeded */
VOID ExpRemovePoolTracker(ULONG Tag, SIZE_T NumberOfBytes); /* it was freed */

/* ---- checks and bug checks (poolcheck.c) ---- */

/* The rules for a request: a well-formed tag, a non-zero size. */
VOID ExpCheckAllocation(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PVOID Caller);

/* The tail guard: the bytes between the end of what the caller asked for
 * (P + NumberOfBytes) and the end of the space it got (P + Capacity) hold a
 * known pattern, checked when the block is freed. */
VOID ExpFillGuard(PVOID P, SIZE_T NumberOfBytes, SIZE_T Capacity);
VOID ExpCheckGuard(PVOID P, SIZE_T NumberOfBytes, SIZE_T Capacity, ULONG Tag);

/* A free of something that is not an allocation's start, of one already
 * freed, or with another owner's tag. */
__attribute__((noreturn)) VOID ExpBugCheckBadAddress(PVOID P);
__attribute__((noreturn)) VOID ExpBugCheckDoubleFree(PVOID P, ULONG Tag, ULONG64 HeaderContents);
__attribute__((noreturn)) VOID ExpBugCheckWrongTag(PVOID P, ULONG OwnerTag, ULONG Tag);

/* The tag as text for messages, unprintable bytes as '.'. */
VOID ExpTagToText(ULONG Tag, CHAR Text[5]);

#endif /* EXP_H */
