/*
 * test_pattern.c - the disk test pattern (lib/rtl_pattern.c): known values,
 * which tools/disktest.py asserts too (so the kernel and the host agree on
 * every byte), and fills and checks at every alignment of offset, length and
 * buffer address, compared with a byte-by-byte reference.
 */
#include "khost.h"
#include "hostlib.h"

#include <stdlib.h>
#include <string.h>

/* The same table is in tools/disktest.py (KNOWN_WORDS): change both or neither. */
static const struct {
    ULONG64 Seed, Word, Value;
} KnownWords[] = {
    {0x0, 0x0, 0xe220a8397b1dcdafULL}, /* SplitMix64's well-known first output */
    {0x0, 0x1, 0x910a2dec89025cc1ULL},
    {0x1, 0x0, 0x910a2dec89025cc1ULL}, /* Seed ^ Word: the same input */
    {0x5eed, 0x0, 0x09f1fd9d03f0a9b4ULL},
    {0x5eed, 0x3039, 0xcc958da87bf5d17bULL},
    {0xdeadbeefcafef00dULL, 0x7fffff, 0x6058d048ef44b159ULL},
};

KH_TEST(known_words)
{
    for (size_t i = 0; i < ARRAYSIZE(KnownWords); i++)
        KH_EXPECT_EQ(RtlPatternWord(KnownWords[i].Seed, KnownWords[i].Word), KnownWords[i].Value);
}

/* Bytes are the words' bytes, little-endian: byte 8W + k is bits 8k.. of word W. */
KH_TEST(bytes_are_little_endian_words)
{
    KH_EXPECT_EQ(RtlPatternByte(0x5eed, 0), 0xb4);
    KH_EXPECT_EQ(RtlPatternByte(0x5eed, 7), 0x09);
    KH_EXPECT_EQ(RtlPatternByte(0x5eed, 0x3039 * 8 + 1), 0xd1);
    for (ULONG64 Offset = 0; Offset < 64; Offset++)
        KH_EXPECT_EQ(RtlPatternByte(7, Offset), (UCHAR)(RtlPatternWord(7, Offset / 8) >> (8 * (Offset % 8))));
}

/* Fill [Offset, Offset + Length) into a buffer starting Skew bytes into a
 * malloc'ed block of exactly the size needed; compare with RtlPatternByte. */
static void FillAndCompare(ULONG64 Seed, ULONG64 Offset, size_t Length, size_t Skew)
{
    PUCHAR Block = malloc(Length + Skew + 1);
    PUCHAR Buffer = Block + Skew;

    RtlFillPattern(Seed, Offset, Buffer, Length);
    for (size_t i = 0; i < Length; i++) {
        if (Buffer[i] != RtlPatternByte(Seed, Offset + i)) {
            KH_FAIL("seed %llx offset %llu length %zu skew %zu: byte %zu is %02x, expected %02x", Seed, Offset, Length,
                    Skew, i, Buffer[i], RtlPatternByte(Seed, Offset + i));
            break;
        }
    }
    KH_EXPECT_EQ(RtlCheckPattern(Seed, Offset, Buffer, Length), -1);
    free(Block);
}

KH_TEST(fill_at_every_alignment)
{
    for (size_t Skew = 0; Skew < 9; Skew++) {
        for (ULONG64 Offset = 0; Offset < 17; Offset++) {
            for (size_t Length = 0; Length < 40; Length++)
                FillAndCompare(0x1234, Offset, Length, Skew);
        }
    }
    FillAndCompare(0x5eed, 1ULL << 40, 4096, 0); /* far offsets: a disk of terabytes */
    FillAndCompare(0x5eed, (1ULL << 40) + 3, 4093, 5);
}

/* A changed byte anywhere is found, at its pattern offset. */
KH_TEST(check_finds_the_first_difference)
{
    enum { Length = 100 };
    UCHAR Block[Length + 8];

    for (size_t Skew = 0; Skew < 8; Skew++) {
        for (size_t Bad = 0; Bad < Length; Bad += 7) {
            PUCHAR Buffer = Block + Skew;
            RtlFillPattern(99, 1000 + Skew, Buffer, Length);
            Buffer[Bad] ^= 0x01;
            KH_EXPECT_EQ(RtlCheckPattern(99, 1000 + Skew, Buffer, Length), 1000 + Skew + Bad);
            if (Bad + 5 < Length) {
                Buffer[Bad + 5] ^= 0xff; /* the first of two differences */
                KH_EXPECT_EQ(RtlCheckPattern(99, 1000 + Skew, Buffer, Length), 1000 + Skew + Bad);
            }
        }
    }
}

/* Another seed, or the right data at the wrong offset, does not match. */
KH_TEST(wrong_seed_or_offset_does_not_match)
{
    UCHAR Buffer[512];

    RtlFillPattern(1, 4096, Buffer, sizeof(Buffer));
    KH_EXPECT_EQ(RtlCheckPattern(1, 4096, Buffer, sizeof(Buffer)), -1);
    KH_EXPECT_NE(RtlCheckPattern(2, 4096, Buffer, sizeof(Buffer)), -1);
    KH_EXPECT_NE(RtlCheckPattern(1, 4096 + 512, Buffer, sizeof(Buffer)), -1);
    KH_EXPECT_NE(RtlCheckPattern(1, 4096 - 8, Buffer, sizeof(Buffer)), -1);
    KH_EXPECT_EQ(RtlCheckPattern(1, 0, Buffer, 0), -1); /* nothing to check */
}
