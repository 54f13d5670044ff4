/*
 * poolcheck.c - the rules a caller of the pool must keep, checked always (as
 * Windows checks them only under Driver Verifier), and the bug checks for
 * breaking them.
 *
 * Parameter 1 of each bug check is the value Microsoft documents for that
 * violation in "Bug Check 0xC2: BAD_POOL_CALLER" and "Bug Check 0x19:
 * BAD_POOL_HEADER", so the STOP line reads as it would on Windows; the line
 * after it names the rule. docs/pool.md lists them all. (The header checks of
 * small blocks are in poolblock.c, next to the header.)
 */
#include "exp.h"
#include "ke/ke.h"
#include "rtl.h"

/* BAD_POOL_CALLER parameter 1 values used here. */
#define POOL_CALLER_ZERO_BYTES 0x00
#define POOL_CALLER_ALREADY_FREE 0x07
#define POOL_CALLER_WRONG_TAG 0x0A
#define POOL_CALLER_NEVER_POOL 0x42
#define POOL_CALLER_INVALID_ADDRESS 0x46
#define POOL_CALLER_ZERO_TAG 0x9B
#define POOL_CALLER_BAD_TAG 0x9D

/* BAD_POOL_HEADER parameter 1: the data after the block was overwritten. */
#define POOL_HEADER_TAIL_OVERRUN 0x21

/* The tail guard byte: 0xFD, the "no man's land" fill of the Microsoft C
 * runtime's debug heap. */
#define POOL_GUARD_BYTE 0xFD

VOID ExpTagToText(ULONG Tag, CHAR Text[5])
{
    for (int i = 0; i < 4; i++) {
        CHAR C = (CHAR)(Tag >> (8 * i));
        Text[i] = (C >= 0x20 && C <= 0x7E) ? C : '.';
    }
    Text[4] = 0;
}

/* ---- allocation requests ---- */

static BOOLEAN IsLetterOrDigit(UCHAR C)
{
    return (C >= '0' && C <= '9') || (C >= 'A' && C <= 'Z') || (C >= 'a' && C <= 'z');
}

/* Microsoft: a tag is one to four characters, each 0x20 (space) to 0x7E (~);
 * a shorter tag is zero in its high bytes. BAD_POOL_CALLER 0x9D adds that it
 * must contain a letter or a digit. */
static BOOLEAN IsTagWellFormed(ULONG Tag)
{
    BOOLEAN Ended = FALSE, HasLetterOrDigit = FALSE;

    for (int i = 0; i < 4; i++) {
        UCHAR C = (UCHAR)(Tag >> (8 * i));
        if (C == 0) {
            Ended = TRUE;
            continue;
        }
        if (Ended || C < 0x20 || C > 0x7E)
            return FALSE;
        HasLetterOrDigit |= IsLetterOrDigit(C);
    }
    return HasLetterOrDigit;
}

/* Windows' ExAllocatePool2 returns NULL for tag 0, and retail Windows serves
 * a 0-byte request. Both are always bugs in the caller, never a condition a
 * correct driver meets at run time, so here they stop the machine as Driver
 * Verifier would: a NULL would pass for "out of memory" and hide the bug. */
VOID ExpCheckAllocation(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PVOID Caller)
{
    CHAR Name[5];

    if (Tag == 0)
        KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_ZERO_TAG, PoolType, NumberOfBytes, (ULONG_PTR)Caller, NULL,
                   "pool allocation with tag 0 (from %p): every allocation needs a tag, the name !poolused and "
                   "the leak check know it by",
                   Caller);
    ExpTagToText(Tag, Name);
    if (!IsTagWellFormed(Tag))
        KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_BAD_TAG, Tag, PoolType, (ULONG_PTR)Caller, NULL,
                   "pool tag 0x%08x ('%s', from %p) is malformed: a tag is one to four printable ASCII characters "
                   "(0x20-0x7E), at least one of them a letter or digit",
                   Tag, Name, Caller);
    if (NumberOfBytes == 0)
        KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_ZERO_BYTES, 0, PoolType, Tag, NULL,
                   "pool allocation of 0 bytes (tag '%s', from %p): the number of bytes must not be 0", Name, Caller);
}

/* ---- the tail guard ---- */

VOID ExpFillGuard(PVOID P, SIZE_T NumberOfBytes, SIZE_T Capacity)
{
    RtlFillMemory((PUCHAR)P + NumberOfBytes, Capacity - NumberOfBytes, POOL_GUARD_BYTE);
}

VOID ExpCheckGuard(PVOID P, SIZE_T NumberOfBytes, SIZE_T Capacity, ULONG Tag)
{
    PUCHAR Guard = (PUCHAR)P + NumberOfBytes;
    CHAR Name[5];

    for (SIZE_T i = 0; i < Capacity - NumberOfBytes; i++) {
        if (Guard[i] != POOL_GUARD_BYTE) {
            ExpTagToText(Tag, Name);
            KiBugCheck(BAD_POOL_HEADER, POOL_HEADER_TAIL_OVERRUN, (ULONG_PTR)P, NumberOfBytes, Guard[i], NULL,
                       "the pool block at %p (tag '%s', %llu bytes) was written past its end: the byte at "
                       "offset %llu is 0x%02x, not the guard byte 0x%02x. A driver may use only the bytes it "
                       "asked for.",
                       P, Name, (ULONG64)NumberOfBytes, (ULONG64)(NumberOfBytes + i), Guard[i], POOL_GUARD_BYTE);
        }
    }
}

/* ---- bad frees ---- */

VOID ExpBugCheckBadAddress(PVOID P)
{
    PCSTR Where;

    switch (ExpPageUse(P)) {
    case POOL_PAGE_NOT_POOL:
        KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_NEVER_POOL, (ULONG_PTR)P, 0, 0, NULL,
                   "ExFreePool(%p): that address is not pool memory. Free only what ExAllocatePool* returned, "
                   "once.",
                   P);
    case POOL_PAGE_BIG: Where = "inside a large allocation, not at its start"; break;
    case POOL_PAGE_INTERNAL: Where = "in the pool's own tables"; break;
    default: Where = "on a page of small blocks, but not where an allocated block's data starts"; break;
    }
    KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_INVALID_ADDRESS, (ULONG_PTR)P, 0, 0, NULL,
               "ExFreePool(%p): that address is %s. Free exactly the pointer ExAllocatePool* returned.", P, Where);
}

VOID ExpBugCheckDoubleFree(PVOID P, ULONG Tag, ULONG64 HeaderContents)
{
    CHAR Name[5];

    ExpTagToText(Tag, Name);
    KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_ALREADY_FREE, 0, HeaderContents, (ULONG_PTR)P, NULL,
               "ExFreePool(%p): the block (tag '%s') is already free. Each allocation is freed exactly once.", P, Name);
}

VOID ExpBugCheckWrongTag(PVOID P, ULONG OwnerTag, ULONG Tag)
{
    CHAR Owner[5], Given[5];

    ExpTagToText(OwnerTag, Owner);
    ExpTagToText(Tag, Given);
    KiBugCheck(BAD_POOL_CALLER, POOL_CALLER_WRONG_TAG, (ULONG_PTR)P, OwnerTag, Tag, NULL,
               "ExFreePoolWithTag(%p, '%s'): the block was allocated with tag '%s'. Free a block with its own "
               "tag: a different one means it belongs to someone else.",
               P, Given, Owner);
}
