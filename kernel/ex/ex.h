/*
 * ex.h - the executive's public face (Ex): the nonpaged pool.
 *
 * The pool is the kernel's malloc: ExAllocatePoolWithTag / ExAllocatePool2
 * and ExFreePoolWithTag / ExFreePool, with the WDM contracts:
 *   - callable at IRQL <= DISPATCH_LEVEL; never waits;
 *   - NumberOfBytes must not be 0, and every allocation carries a tag: one to
 *     four printable ASCII characters that name its owner (see POOL_TAG);
 *   - results are 16-byte aligned; a request of PAGE_SIZE or more gets
 *     page-aligned memory;
 *   - NULL when memory is short: every caller must handle it.
 * Breaking a rule (a zero tag, a double free, a free with someone else's tag,
 * a write past the end) stops the machine with the bug check Windows gives
 * for it. docs/pool.md has the details.
 */
#ifndef EX_H
#define EX_H

#include "ntdef.h"

/* A pool tag from its characters, in the order debuggers print them:
 * POOL_TAG('N', 't', 'f', 's') is the tag MSVC code writes as 'sftN'. (A
 * multi-character constant has an implementation-defined value in GCC and
 * Clang, which also warn about it.) Pad a shorter tag with zeros at the end. */
#define POOL_TAG(A, B, C, D)                                                                                           \
    ((ULONG)(UCHAR)(A) | (ULONG)(UCHAR)(B) << 8 | (ULONG)(UCHAR)(C) << 16 | (ULONG)(UCHAR)(D) << 24)

/* All pool types are served from the same nonpaged, non-executable memory. */
typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    PagedPool = 1, /* no paging here: served from nonpaged memory */
    NonPagedPoolNx = 512,
} POOL_TYPE;

/* ExAllocatePool2 flags (POOL_FLAGS). The low 32 bits are required flags:
 * one the pool does not know fails the request (NULL), as does naming no pool
 * type or two. The high 32 bits are optional hints, ignored here. */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL
#define POOL_FLAG_NON_PAGED 0x0000000000000040ULL
#define POOL_FLAG_PAGED 0x0000000000000100ULL

VOID ExInitializePool(VOID);
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag); /* zeroed unless UNINITIALIZED */
/* Tag must be the allocation's tag; ExFreePool (tag 0) skips that check. */
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);

/* Per-tag accounting, for leak checks. */
typedef struct _POOL_TAG_INFO {
    ULONG Tag;
    ULONG64 Allocations; /* successful allocations so far */
    ULONG64 Frees;
    ULONG64 BytesInUse; /* bytes requested and not yet freed */
} POOL_TAG_INFO;
/* Copies up to Capacity entries (tags with any activity); returns how many
 * tags exist. */
ULONG ExQueryPoolTags(POOL_TAG_INFO *Tags, ULONG Capacity);
/* Outstanding allocations (Allocations - Frees) for one tag. */
ULONG64 ExQueryPoolTagOutstanding(ULONG Tag);

#endif /* EX_H */
