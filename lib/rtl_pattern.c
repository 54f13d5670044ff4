/*
 * rtl_pattern.c - a deterministic pseudo-random byte pattern, addressed by
 * (seed, byte offset), for checking data that went through a disk.
 *
 * The pattern is a sequence of little-endian 64-bit words: word W (bytes
 * 8W .. 8W+7) is SplitMix64(Seed ^ W). So any piece of it can be made or
 * checked without the pieces before it, a read at any offset knows what it
 * must find, and data that landed at the wrong offset does not match.
 * tools/disktest.py computes the same function in Python to make the disk
 * images and to check what the kernel wrote; tests/host/test_pattern.c and
 * the Python side assert the same known values, so the two cannot drift.
 */
#include "rtl.h"

/* Sebastiano Vigna's SplitMix64 finalizer: every input bit affects every
 * output bit, and it is a bijection, so neighbouring words look unrelated. */
static ULONG64 SplitMix64(ULONG64 X)
{
    X += 0x9E3779B97F4A7C15ULL;
    X = (X ^ (X >> 30)) * 0xBF58476D1CE4E5B9ULL;
    X = (X ^ (X >> 27)) * 0x94D049BB133111EBULL;
    return X ^ (X >> 31);
}

ULONG64 RtlPatternWord(ULONG64 Seed, ULONG64 WordIndex)
{
    return SplitMix64(Seed ^ WordIndex);
}

UCHAR RtlPatternByte(ULONG64 Seed, ULONG64 Offset)
{
    return (UCHAR)(RtlPatternWord(Seed, Offset / 8) >> (8 * (Offset % 8)));
}

/* Whether the 8 bytes at P may be accessed as one aligned ULONG64. */
static BOOLEAN WordAligned(const void *P)
{
    return ((ULONG_PTR)P & 7) == 0;
}

VOID RtlFillPattern(ULONG64 Seed, ULONG64 Offset, PVOID Buffer, SIZE_T Length)
{
    PUCHAR Out = Buffer;
    SIZE_T Done = 0;

    while (Done < Length) {
        ULONG64 Position = Offset + Done;
        ULONG64 Word = RtlPatternWord(Seed, Position / 8);
        ULONG First = (ULONG)(Position % 8);
        if (First == 0 && Length - Done >= 8 && WordAligned(Out + Done)) {
            *(ULONG64 *)(Out + Done) = Word;
            Done += 8;
            continue;
        }
        for (ULONG Byte = First; Byte < 8 && Done < Length; Byte++)
            Out[Done++] = (UCHAR)(Word >> (8 * Byte));
    }
}

LONG64 RtlCheckPattern(ULONG64 Seed, ULONG64 Offset, const VOID *Buffer, SIZE_T Length)
{
    const UCHAR *In = Buffer;
    SIZE_T Done = 0;

    while (Done < Length) {
        ULONG64 Position = Offset + Done;
        ULONG64 Word = RtlPatternWord(Seed, Position / 8);
        ULONG First = (ULONG)(Position % 8);
        if (First == 0 && Length - Done >= 8 && WordAligned(In + Done) && *(const ULONG64 *)(In + Done) == Word) {
            Done += 8;
            continue;
        }
        /* A partial word, an unaligned one, or a mismatch: byte by byte. */
        for (ULONG Byte = First; Byte < 8 && Done < Length; Byte++, Done++) {
            if (In[Done] != (UCHAR)(Word >> (8 * Byte)))
                return (LONG64)(Offset + Done);
        }
    }
    return -1;
}
