/*
 * pooltag.c - per-tag accounting: for each tag, how many allocations and frees
 * there have been and how many bytes are in use.
 *
 * These are the numbers WinDbg's !poolused and the WDK's PoolMon show, and
 * what finds a leak: a tag whose outstanding allocations (allocations - frees)
 * only grow. The test runner compares them before and after every suite
 * (tests/kernel/ktest.c), so a test that leaks fails.
 *
 * NT keeps them in PoolTrackTable, a hash table. A kernel with a few dozen
 * tags can search a short array instead. A tag gets an entry on its first
 * allocation and keeps it, even when its counts return to zero. When the array
 * is full, further tags are counted together under 'Ovfl', as in NT.
 */
#include "exp.h"

#define POOL_TAG_TABLE_SIZE 256
#define POOL_OVERFLOW_TAG POOL_TAG('O', 'v', 'f', 'l')

static POOL_TAG_INFO ExpPoolTags[POOL_TAG_TABLE_SIZE];
static ULONG ExpPoolTagCount;

static POOL_TAG_INFO *FindTag(ULONG Tag)
{
    for (ULONG i = 0; i < ExpPoolTagCount; i++) {
        if (ExpPoolTags[i].Tag == Tag)
            return &ExpPoolTags[i];
    }
    return NULL;
}

/* The entry for Tag, made if need be. The last slot is kept for 'Ovfl'. */
static POOL_TAG_INFO *FindOrAddTag(ULONG Tag)
{
    POOL_TAG_INFO *Entry = FindTag(Tag);

    if (Entry != NULL)
        return Entry;
    if (ExpPoolTagCount >= POOL_TAG_TABLE_SIZE - 1 && Tag != POOL_OVERFLOW_TAG)
        return FindOrAddTag(POOL_OVERFLOW_TAG);
    Entry = &ExpPoolTags[ExpPoolTagCount++];
    *Entry = (POOL_TAG_INFO){.Tag = Tag};
    return Entry;
}

VOID ExpInsertPoolTracker(ULONG Tag, SIZE_T NumberOfBytes)
{
    POOL_TAG_INFO *Entry = FindOrAddTag(Tag);

    Entry->Allocations++;
    Entry->BytesInUse += NumberOfBytes;
}

VOID ExpRemovePoolTracker(ULONG Tag, SIZE_T NumberOfBytes)
{
    POOL_TAG_INFO *Entry = FindOrAddTag(Tag); /* found: the allocation made it */

    Entry->Frees++;
    Entry->BytesInUse -= NumberOfBytes;
}

ULONG ExQueryPoolTags(POOL_TAG_INFO *Tags, ULONG Capacity)
{
    EXP_LOCK_STATE Lock = ExpAcquirePoolLock();
    ULONG Count = ExpPoolTagCount;

    for (ULONG i = 0; i < Count && i < Capacity; i++)
        Tags[i] = ExpPoolTags[i];
    ExpReleasePoolLock(Lock);
    return Count;
}

ULONG64 ExQueryPoolTagOutstanding(ULONG Tag)
{
    EXP_LOCK_STATE Lock = ExpAcquirePoolLock();
    const POOL_TAG_INFO *Entry = FindTag(Tag);
    ULONG64 Outstanding = Entry != NULL ? Entry->Allocations - Entry->Frees : 0;

    ExpReleasePoolLock(Lock);
    return Outstanding;
}
