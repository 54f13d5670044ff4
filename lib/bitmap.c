/*
 * bitmap.c - NT's RTL_BITMAP: a run of bits over a caller-supplied ULONG
 * buffer. The frame allocator uses one bit per physical page.
 *
 * The searches skip whole 32-bit words that cannot contribute (all set while
 * looking for clear bits), so scanning a mostly-full bitmap stays cheap.
 */
#include "rtl.h"

#define WORD_BITS 32U

static inline ULONG WordIndex(ULONG Bit)
{
    return Bit / WORD_BITS;
}
static inline ULONG BitMask(ULONG Bit)
{
    return 1U << (Bit % WORD_BITS);
}

VOID RtlInitializeBitMap(PRTL_BITMAP BitMap, PULONG Buffer, ULONG SizeOfBitMap)
{
    BitMap->Buffer = Buffer;
    BitMap->SizeOfBitMap = SizeOfBitMap;
}

static ULONG WordCount(PRTL_BITMAP BitMap)
{
    return (BitMap->SizeOfBitMap + WORD_BITS - 1) / WORD_BITS;
}

VOID RtlClearAllBits(PRTL_BITMAP BitMap)
{
    memset(BitMap->Buffer, 0, WordCount(BitMap) * sizeof(ULONG));
}

VOID RtlSetAllBits(PRTL_BITMAP BitMap)
{
    memset(BitMap->Buffer, 0xFF, WordCount(BitMap) * sizeof(ULONG));
}

VOID RtlSetBit(PRTL_BITMAP BitMap, ULONG BitNumber)
{
    BitMap->Buffer[WordIndex(BitNumber)] |= BitMask(BitNumber);
}

VOID RtlClearBit(PRTL_BITMAP BitMap, ULONG BitNumber)
{
    BitMap->Buffer[WordIndex(BitNumber)] &= ~BitMask(BitNumber);
}

BOOLEAN RtlTestBit(PRTL_BITMAP BitMap, ULONG BitNumber)
{
    return (BitMap->Buffer[WordIndex(BitNumber)] & BitMask(BitNumber)) != 0;
}

VOID RtlSetBits(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG NumberToSet)
{
    for (ULONG i = 0; i < NumberToSet; i++)
        RtlSetBit(BitMap, StartingIndex + i);
}

VOID RtlClearBits(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG NumberToClear)
{
    for (ULONG i = 0; i < NumberToClear; i++)
        RtlClearBit(BitMap, StartingIndex + i);
}

static BOOLEAN AllBitsAre(PRTL_BITMAP BitMap, ULONG Start, ULONG Length, BOOLEAN Set)
{
    if (Start > BitMap->SizeOfBitMap || Length > BitMap->SizeOfBitMap - Start)
        return FALSE;
    for (ULONG i = 0; i < Length; i++) {
        if (RtlTestBit(BitMap, Start + i) != Set)
            return FALSE;
    }
    return TRUE;
}

BOOLEAN RtlAreBitsClear(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG Length)
{
    return AllBitsAre(BitMap, StartingIndex, Length, FALSE);
}

BOOLEAN RtlAreBitsSet(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG Length)
{
    return AllBitsAre(BitMap, StartingIndex, Length, TRUE);
}

ULONG RtlNumberOfSetBits(PRTL_BITMAP BitMap)
{
    ULONG Count = 0;
    for (ULONG i = 0; i < BitMap->SizeOfBitMap; i++)
        Count += RtlTestBit(BitMap, i);
    return Count;
}

ULONG RtlNumberOfClearBits(PRTL_BITMAP BitMap)
{
    return BitMap->SizeOfBitMap - RtlNumberOfSetBits(BitMap);
}

/*
 * Finds a run of Length bits equal to Set within [From, To). A word holding
 * only bits of the other kind is skipped whole.
 */
static ULONG FindRun(PRTL_BITMAP BitMap, ULONG Length, ULONG From, ULONG To, BOOLEAN Set)
{
    ULONG Skip = Set ? 0 : 0xFFFFFFFFU; /* a word of this value holds no candidate */
    ULONG RunStart = From, RunLength = 0;

    for (ULONG Bit = From; Bit < To;) {
        if (Bit % WORD_BITS == 0 && Bit + WORD_BITS <= To && BitMap->Buffer[WordIndex(Bit)] == Skip) {
            Bit += WORD_BITS;
            RunLength = 0;
            RunStart = Bit;
            continue;
        }
        if (RtlTestBit(BitMap, Bit) == Set) {
            if (RunLength++ == 0)
                RunStart = Bit;
            if (RunLength == Length)
                return RunStart;
        } else {
            RunLength = 0;
        }
        Bit++;
    }
    return RTL_BITMAP_NOT_FOUND;
}

static ULONG FindWrapping(PRTL_BITMAP BitMap, ULONG Length, ULONG Hint, BOOLEAN Set)
{
    ULONG Size = BitMap->SizeOfBitMap;

    if (Length == 0 || Length > Size)
        return RTL_BITMAP_NOT_FOUND;
    if (Hint >= Size)
        Hint = 0;
    ULONG Found = FindRun(BitMap, Length, Hint, Size, Set);
    if (Found == RTL_BITMAP_NOT_FOUND && Hint > 0) {
        /* Wrap around; the run may straddle the hint, so search up to
         * Hint + Length - 1. */
        ULONG End = Hint + Length - 1 < Size ? Hint + Length - 1 : Size;
        Found = FindRun(BitMap, Length, 0, End, Set);
    }
    return Found;
}

ULONG RtlFindClearBits(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex)
{
    return FindWrapping(BitMap, NumberToFind, HintIndex, FALSE);
}

ULONG RtlFindSetBits(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex)
{
    return FindWrapping(BitMap, NumberToFind, HintIndex, TRUE);
}

ULONG RtlFindClearBitsAndSet(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex)
{
    ULONG Index = RtlFindClearBits(BitMap, NumberToFind, HintIndex);
    if (Index != RTL_BITMAP_NOT_FOUND)
        RtlSetBits(BitMap, Index, NumberToFind);
    return Index;
}
