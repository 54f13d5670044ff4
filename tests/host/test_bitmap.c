/*
 * test_bitmap.c - RTL_BITMAP (lib/bitmap.c): single bits, ranges, counts and
 * the run searches, by hand at the word boundaries and then against a naive
 * reference model on random operations. Every bitmap buffer is malloc'ed at
 * exactly the words its size needs, so AddressSanitizer catches a search that
 * reads a word too far.
 */
#include "khost.h"
#include "hostlib.h"

#include <stdlib.h>
#include <string.h>

#define NOT_FOUND RTL_BITMAP_NOT_FOUND

static ULONG WordsFor(ULONG Bits)
{
    return (Bits + 31) / 32;
}

/* A bitmap of Bits bits over a buffer of exactly the words it needs, with
 * every bit clear. Free Map->Buffer afterwards. */
static void NewBitmap(PRTL_BITMAP Map, ULONG Bits)
{
    ULONG Words = WordsFor(Bits) ? WordsFor(Bits) : 1;
    PULONG Buffer = malloc(Words * sizeof(ULONG));

    memset(Buffer, 0, Words * sizeof(ULONG));
    RtlInitializeBitMap(Map, Buffer, Bits);
}

KH_TEST(initialize_and_count)
{
    static const ULONG Sizes[] = {1, 2, 31, 32, 33, 63, 64, 65, 100, 1000};

    for (size_t i = 0; i < ARRAYSIZE(Sizes); i++) {
        RTL_BITMAP Map;
        ULONG Size = Sizes[i];
        NewBitmap(&Map, Size);
        KH_EXPECT_EQ(Map.SizeOfBitMap, Size);

        RtlSetAllBits(&Map);
        KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), Size);
        KH_EXPECT_EQ(RtlNumberOfClearBits(&Map), 0);
        KH_EXPECT(RtlAreBitsSet(&Map, 0, Size));
        KH_EXPECT(!RtlAreBitsClear(&Map, 0, 1));

        RtlClearAllBits(&Map);
        KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 0);
        KH_EXPECT_EQ(RtlNumberOfClearBits(&Map), Size);
        KH_EXPECT(RtlAreBitsClear(&Map, 0, Size));

        RtlSetBit(&Map, Size - 1);
        KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 1);
        KH_EXPECT_EQ(RtlNumberOfClearBits(&Map), Size - 1);
        free(Map.Buffer);
    }
}

/* Bit N lives in Buffer[N / 32], bit N % 32. */
KH_TEST(single_bits_and_layout)
{
    static const ULONG Bits[] = {0, 1, 30, 31, 32, 33, 63, 64, 95, 127};
    RTL_BITMAP Map;

    NewBitmap(&Map, 128);
    for (size_t i = 0; i < ARRAYSIZE(Bits); i++) {
        ULONG Bit = Bits[i];
        RtlSetBit(&Map, Bit);
        KH_EXPECT(RtlTestBit(&Map, Bit));
        KH_EXPECT_EQ(Map.Buffer[Bit / 32], 1U << (Bit % 32));
        KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 1);
        if (Bit > 0)
            KH_EXPECT(!RtlTestBit(&Map, Bit - 1));
        if (Bit < 127)
            KH_EXPECT(!RtlTestBit(&Map, Bit + 1));
        RtlClearBit(&Map, Bit);
        KH_EXPECT(!RtlTestBit(&Map, Bit));
        KH_EXPECT_EQ(Map.Buffer[Bit / 32], 0);
    }

    /* Setting twice, clearing a clear bit: no change. */
    RtlSetBit(&Map, 40);
    RtlSetBit(&Map, 40);
    RtlClearBit(&Map, 41);
    KH_EXPECT_EQ(Map.Buffer[1], 1U << 8);
    free(Map.Buffer);
}

KH_TEST(ranges_across_words)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 128);
    RtlSetBits(&Map, 30, 40); /* bits 30..69 */
    KH_EXPECT_EQ(Map.Buffer[0], 0xC0000000U);
    KH_EXPECT_EQ(Map.Buffer[1], 0xFFFFFFFFU);
    KH_EXPECT_EQ(Map.Buffer[2], 0x3FU);
    KH_EXPECT_EQ(Map.Buffer[3], 0);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 40);
    KH_EXPECT(RtlAreBitsSet(&Map, 30, 40));
    KH_EXPECT(!RtlAreBitsSet(&Map, 29, 2));
    KH_EXPECT(!RtlAreBitsSet(&Map, 69, 2));
    KH_EXPECT(RtlAreBitsClear(&Map, 0, 30));
    KH_EXPECT(RtlAreBitsClear(&Map, 70, 58));

    RtlClearBits(&Map, 31, 34); /* bits 31..64 */
    KH_EXPECT_EQ(Map.Buffer[0], 0x40000000U);
    KH_EXPECT_EQ(Map.Buffer[1], 0);
    KH_EXPECT_EQ(Map.Buffer[2], 0x3EU);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 6);

    /* Zero-length ranges change nothing. */
    RtlSetBits(&Map, 0, 0);
    RtlClearBits(&Map, 30, 0);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 6);

    /* The whole map, in one range. */
    RtlSetBits(&Map, 0, 128);
    KH_EXPECT_EQ(RtlNumberOfClearBits(&Map), 0);
    RtlClearBits(&Map, 0, 128);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 0);
    free(Map.Buffer);
}

KH_TEST(are_bits_bounds)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 40);
    KH_EXPECT(RtlAreBitsClear(&Map, 0, 40));
    KH_EXPECT(RtlAreBitsClear(&Map, 39, 1));
    KH_EXPECT(RtlAreBitsClear(&Map, 40, 0));  /* an empty range at the end */
    KH_EXPECT(!RtlAreBitsClear(&Map, 0, 41)); /* past the end */
    KH_EXPECT(!RtlAreBitsClear(&Map, 39, 2));
    KH_EXPECT(!RtlAreBitsClear(&Map, 41, 0));
    KH_EXPECT(!RtlAreBitsClear(&Map, 1, 0xFFFFFFFFU)); /* Start + Length wraps */
    KH_EXPECT(!RtlAreBitsClear(&Map, 0xFFFFFFFFU, 2));
    RtlSetAllBits(&Map);
    KH_EXPECT(RtlAreBitsSet(&Map, 0, 40));
    KH_EXPECT(!RtlAreBitsSet(&Map, 8, 0xFFFFFFF9U));
    free(Map.Buffer);
}

KH_TEST(find_clear_simple)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 100);
    /* An empty map: the hint itself. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 1, 0), 0);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 10, 37), 37);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 100, 0), 0);
    /* A hint too close to the end for the run wraps to the start. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 10, 95), 0);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 5, 95), 95);
    /* A hint past the end counts as 0. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 3, 100), 0);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 3, 0xFFFFFFFFU), 0);
    /* Longer than the map, or nothing at all: not found. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 101, 0), NOT_FOUND);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 0, 0), NOT_FOUND);

    RtlSetBits(&Map, 0, 10);
    RtlSetBits(&Map, 15, 10); /* clear: 10..14 and 25..99 */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 5, 0), 10);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 6, 0), 25);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 3, 12), 12);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 3, 13), 25);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 75, 0), 25);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 76, 0), NOT_FOUND);

    RtlSetAllBits(&Map);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 1, 0), NOT_FOUND);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 1, 50), NOT_FOUND);
    free(Map.Buffer);
}

KH_TEST(find_wraps_around_the_hint)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 200);
    RtlSetAllBits(&Map);
    RtlClearBits(&Map, 20, 8); /* the only clear run: 20..27 */

    /* Nothing after the hint: the search wraps to the start. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 100), 20);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 4, 199), 20);
    /* A run that straddles the hint is found from its start. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 24), 20);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 27), 20);
    /* Part of the run after the hint is enough when it is long enough. */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 4, 24), 24);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 5, 24), 20);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 9, 24), NOT_FOUND);

    /* Two runs: the one at or after the hint wins. */
    RtlClearBits(&Map, 150, 8);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 30), 150);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 151), 20);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 0), 20);
    free(Map.Buffer);
}

/* Bits past SizeOfBitMap in the last word are not part of the map, whatever
 * they hold. */
KH_TEST(find_stops_at_the_end)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 40); /* two words; bits 40..63 lie outside */
    RtlSetBits(&Map, 0, 36);
    KH_EXPECT_EQ(Map.Buffer[1] >> 8, 0); /* the outside bits are clear */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 4, 0), 36);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 5, 0), NOT_FOUND);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 5, 38), NOT_FOUND);

    Map.Buffer[1] = 0xFFFFFF00U; /* outside bits set, bits 32..39 clear */
    Map.Buffer[0] = 0;
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 1, 0), NOT_FOUND);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 0);
    Map.Buffer[1] = 0xFFFFFF80U; /* and bit 39 */
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 1, 0), 39);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 2, 0), NOT_FOUND);
    free(Map.Buffer);
}

/* Full words are skipped whole; runs that cross word boundaries or end on
 * one must still be found exactly. */
KH_TEST(find_across_word_boundaries)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 256);
    RtlSetAllBits(&Map);
    RtlClearBits(&Map, 60, 8); /* 60..67 crosses into word 2 */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 0), 60);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 8, 61), 60);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 4, 64), 64);

    RtlSetAllBits(&Map);
    RtlClearBits(&Map, 96, 32); /* exactly word 3 */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 32, 0), 96);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 33, 0), NOT_FOUND);
    RtlClearBits(&Map, 128, 40); /* 96..167, across three words */
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 72, 5), 96);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 40, 100), 100);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 72, 100), 96);

    /* The last bit of the map, after many full words. */
    RtlSetAllBits(&Map);
    RtlClearBit(&Map, 255);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 1, 0), 255);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 1, 200), 255);
    KH_EXPECT_EQ(RtlFindClearBits(&Map, 2, 0), NOT_FOUND);
    free(Map.Buffer);
}

KH_TEST(find_set_bits)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 100);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 1, 0), NOT_FOUND);
    RtlSetBits(&Map, 30, 5);
    RtlSetBits(&Map, 70, 10);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 5, 0), 30);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 6, 0), 70);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 5, 31), 70);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 5, 90), 30);  /* wraps */
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 10, 75), 70); /* straddles the hint */
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 11, 0), NOT_FOUND);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 0, 0), NOT_FOUND);
    RtlSetAllBits(&Map);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 100, 0), 0);
    KH_EXPECT_EQ(RtlFindSetBits(&Map, 100, 50), 0);
    free(Map.Buffer);
}

KH_TEST(find_clear_and_set)
{
    RTL_BITMAP Map;

    NewBitmap(&Map, 70);
    /* Successive allocations come one after another. */
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 10, 0), 0);
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 30, 0), 10);
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 20, 0), 40);
    KH_EXPECT_EQ(RtlNumberOfSetBits(&Map), 60);
    KH_EXPECT(RtlAreBitsSet(&Map, 0, 60));

    /* Not found: the map is left as it was. */
    ULONG Before[3];
    memcpy(Before, Map.Buffer, sizeof(Before));
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 11, 0), NOT_FOUND);
    KH_EXPECT_MEMEQ(Map.Buffer, Before, sizeof(Before));

    /* A freed hole is reused, and the hint wraps to reach it. */
    RtlClearBits(&Map, 10, 5);
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 10, 60), 60);
    KH_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 5, 60), 10);
    KH_EXPECT_EQ(RtlNumberOfClearBits(&Map), 0);
    free(Map.Buffer);
}

/* ---- against a reference model ---- */

typedef struct _MODEL {
    ULONG Size;
    BOOLEAN Bits[400];
} MODEL;

static BOOLEAN ModelRunIs(const MODEL *M, ULONG Start, ULONG Length, BOOLEAN Set)
{
    if (Start > M->Size || Length > M->Size - Start)
        return FALSE;
    for (ULONG i = Start; i < Start + Length; i++) {
        if (M->Bits[i] != Set)
            return FALSE;
    }
    return TRUE;
}

/* The documented search, written as plainly as possible: the first fitting
 * start from the hint on, then the first from 0. */
static ULONG ModelFind(const MODEL *M, ULONG Length, ULONG Hint, BOOLEAN Set)
{
    if (Length == 0 || Length > M->Size)
        return NOT_FOUND;
    if (Hint >= M->Size)
        Hint = 0;
    for (ULONG Start = Hint; Start + Length <= M->Size; Start++) {
        if (ModelRunIs(M, Start, Length, Set))
            return Start;
    }
    for (ULONG Start = 0; Start < Hint && Start + Length <= M->Size; Start++) {
        if (ModelRunIs(M, Start, Length, Set))
            return Start;
    }
    return NOT_FOUND;
}

static ULONG ModelCount(const MODEL *M)
{
    ULONG Count = 0;
    for (ULONG i = 0; i < M->Size; i++)
        Count += M->Bits[i];
    return Count;
}

static void ModelSet(MODEL *M, ULONG Start, ULONG Length, BOOLEAN Set)
{
    for (ULONG i = Start; i < Start + Length; i++)
        M->Bits[i] = Set;
}

/* A range within the map, biased towards short ones. */
static void RandomRange(ULONG Size, ULONG *Start, ULONG *Length)
{
    *Start = (ULONG)KhRandomBelow(Size);
    ULONG Room = Size - *Start;
    *Length = (ULONG)KhRandomBelow((KhRandom() & 3) ? (Room < 8 ? Room : 8) + 1 : Room + 1);
}

static BOOLEAN SameAsModel(PRTL_BITMAP Map, const MODEL *M)
{
    for (ULONG i = 0; i < M->Size; i++) {
        if (RtlTestBit(Map, i) != M->Bits[i]) {
            KH_FAIL("bit %u is %d, the model says %d", i, RtlTestBit(Map, i), M->Bits[i]);
            return FALSE;
        }
    }
    return TRUE;
}

/* One random operation on both; returns FALSE on a disagreement. */
static BOOLEAN RandomStep(PRTL_BITMAP Map, MODEL *M, int Step)
{
    ULONG Start, Length, Hint = (ULONG)KhRandomBelow(M->Size + 8);
    ULONG Want = 1 + (ULONG)KhRandomBelow(KhRandom() & 1 ? 4 : 40);
    int Op = (int)KhRandomBelow(9);

    RandomRange(M->Size, &Start, &Length);
    switch (Op) {
    case 0:
        RtlSetBit(Map, Start);
        M->Bits[Start] = TRUE;
        return TRUE;
    case 1:
        RtlClearBit(Map, Start);
        M->Bits[Start] = FALSE;
        return TRUE;
    case 2:
        RtlSetBits(Map, Start, Length);
        ModelSet(M, Start, Length, TRUE);
        return TRUE;
    case 3:
        RtlClearBits(Map, Start, Length);
        ModelSet(M, Start, Length, FALSE);
        return TRUE;
    case 4: return KH_EXPECT_EQ(RtlFindClearBits(Map, Want, Hint), ModelFind(M, Want, Hint, FALSE));
    case 5: return KH_EXPECT_EQ(RtlFindSetBits(Map, Want, Hint), ModelFind(M, Want, Hint, TRUE));
    case 6: {
        ULONG Expected = ModelFind(M, Want, Hint, FALSE);
        if (Expected != NOT_FOUND)
            ModelSet(M, Expected, Want, TRUE);
        return KH_EXPECT_EQ(RtlFindClearBitsAndSet(Map, Want, Hint), Expected);
    }
    case 7:
        return KH_EXPECT_EQ(RtlAreBitsClear(Map, Start, Length + (Step & 1)),
                            ModelRunIs(M, Start, Length + (Step & 1), FALSE)) &&
               KH_EXPECT_EQ(RtlAreBitsSet(Map, Start, Length), ModelRunIs(M, Start, Length, TRUE));
    default:
        return KH_EXPECT_EQ(RtlNumberOfSetBits(Map), ModelCount(M)) &&
               KH_EXPECT_EQ(RtlNumberOfClearBits(Map), M->Size - ModelCount(M));
    }
}

KH_TEST(random_against_model)
{
    static MODEL M;
    int Operations = 0;

    KhSeed(0x5eed);
    for (int Round = 0; Round < 300; Round++) {
        RTL_BITMAP Map;
        memset(&M, 0, sizeof(M));
        M.Size = 1 + (ULONG)KhRandomBelow(Round < 100 ? 70 : ARRAYSIZE(M.Bits));
        NewBitmap(&Map, M.Size);
        /* Start from a mix: empty, full, or random bits. */
        if (Round % 3 == 1) {
            RtlSetAllBits(&Map);
            ModelSet(&M, 0, M.Size, TRUE);
        } else if (Round % 3 == 2) {
            for (ULONG i = 0; i < M.Size; i++) {
                if (KhRandom() & 1) {
                    RtlSetBit(&Map, i);
                    M.Bits[i] = TRUE;
                }
            }
        }
        for (int Step = 0; Step < 400; Step++, Operations++) {
            if (!RandomStep(&Map, &M, Step) || (Step % 50 == 0 && !SameAsModel(&Map, &M))) {
                KhInfo("  round %d (size %u), step %d", Round, M.Size, Step);
                free(Map.Buffer);
                return;
            }
        }
        SameAsModel(&Map, &M);
        free(Map.Buffer);
    }
    KhInfo("%d random operations agreed with the model", Operations);
}
