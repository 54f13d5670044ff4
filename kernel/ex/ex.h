/*
 * ex.h - the executive's public face (Ex): the nonpaged pool.
 */
#ifndef EX_H
#define EX_H

#include "ntdef.h"

typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    PagedPool = 1, /* no paging here: served from nonpaged memory */
    NonPagedPoolNx = 512,
} POOL_TYPE;

/* ExAllocatePool2 flags (POOL_FLAGS). */
typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL
#define POOL_FLAG_NON_PAGED 0x0000000000000040ULL
#define POOL_FLAG_PAGED 0x0000000000000100ULL

VOID ExInitializePool(VOID);
PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag); /* zeroed unless UNINITIALIZED */
VOID ExFreePoolWithTag(PVOID P, ULONG Tag);
VOID ExFreePool(PVOID P);

/* Per-tag accounting, for leak checks. */
typedef struct _POOL_TAG_INFO {
    ULONG Tag;
    ULONG64 Allocations; /* successful allocations so far */
    ULONG64 Frees;
    ULONG64 BytesInUse;  /* bytes requested and not yet freed */
} POOL_TAG_INFO;
/* Copies up to Capacity entries (tags with any activity); returns how many
 * tags exist. */
ULONG ExQueryPoolTags(POOL_TAG_INFO *Tags, ULONG Capacity);
/* Outstanding allocations (Allocations - Frees) for one tag. */
ULONG64 ExQueryPoolTagOutstanding(ULONG Tag);

#endif /* EX_H */
