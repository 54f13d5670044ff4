/*
 * test_string.c - lib's memory and string functions (lib/string.c), reached
 * under their host names lib_memcpy, lib_strlen, ... (see hostlib.h).
 * Buffers come from malloc at their exact size where it matters, so that
 * AddressSanitizer catches a read or write past the end.
 */
#include "khost.h"
#include "hostlib.h"

#include <stdlib.h>
#include <string.h>

/* Fills a buffer with a pattern that differs at every offset. */
static void Pattern(unsigned char *P, size_t Size, unsigned Seed)
{
    for (size_t i = 0; i < Size; i++)
        P[i] = (unsigned char)(Seed + i * 7 + 1);
}

/* Signs only: strcmp and memcmp promise nothing about magnitudes. */
static int Sign(int V)
{
    return (V > 0) - (V < 0);
}

KH_TEST(memcpy_copies_and_returns_dest)
{
    unsigned char Src[64], Dest[64], Expected[64];

    for (size_t Offset = 0; Offset < 8; Offset++) {
        for (size_t Count = 0; Count + Offset <= sizeof(Dest); Count += 3) {
            Pattern(Src, sizeof(Src), 1);
            memset(Dest, 0xEE, sizeof(Dest));
            memset(Expected, 0xEE, sizeof(Expected));
            memcpy(Expected + Offset, Src, Count);
            KH_EXPECT_EQ(lib_memcpy(Dest + Offset, Src, Count), Dest + Offset);
            KH_EXPECT_MEMEQ(Dest, Expected, sizeof(Dest));
        }
    }
}

KH_TEST(memcpy_zero_count_touches_nothing)
{
    unsigned char *Dest = malloc(1), *Src = malloc(1);

    Dest[0] = 'd';
    Src[0] = 's';
    KH_EXPECT_EQ(lib_memcpy(Dest, Src, 0), Dest);
    KH_EXPECT_EQ(Dest[0], 'd');
    KH_EXPECT_EQ(lib_memmove(Dest, Src, 0), Dest);
    KH_EXPECT_EQ(Dest[0], 'd');
    free(Dest);
    free(Src);
}

/* Every source and destination offset and length within a small buffer, so
 * both directions of overlap (and none) are covered; the reference copies
 * through a separate buffer. */
KH_TEST(memmove_overlap_both_directions)
{
    enum { SIZE = 40 };
    unsigned char Buffer[SIZE], Expected[SIZE], Temp[SIZE];

    for (size_t From = 0; From < SIZE; From++) {
        for (size_t To = 0; To < SIZE; To++) {
            size_t Max = SIZE - (From > To ? From : To);
            for (size_t Count = 0; Count <= Max; Count++) {
                Pattern(Buffer, SIZE, 3);
                Pattern(Expected, SIZE, 3);
                memcpy(Temp, Expected + From, Count);
                memcpy(Expected + To, Temp, Count);
                KH_EXPECT_EQ(lib_memmove(Buffer + To, Buffer + From, Count), Buffer + To);
                if (!KH_EXPECT_MEMEQ(Buffer, Expected, SIZE)) {
                    KhInfo("  memmove(Buffer + %zu, Buffer + %zu, %zu)", To, From, Count);
                    return;
                }
            }
        }
    }
}

KH_TEST(memmove_spelled_out)
{
    char Up[] = "abcdef", Down[] = "abcdef";

    lib_memmove(Up + 2, Up, 4); /* destination above the source */
    KH_EXPECT_STREQ(Up, "ababcd");
    lib_memmove(Down, Down + 2, 4); /* destination below the source */
    KH_EXPECT_STREQ(Down, "cdefef");
}

KH_TEST(memset_fills_and_returns_dest)
{
    unsigned char Buffer[32];

    memset(Buffer, 0x11, sizeof(Buffer));
    KH_EXPECT_EQ(lib_memset(Buffer + 3, 0xAB, 10), Buffer + 3);
    for (size_t i = 0; i < sizeof(Buffer); i++)
        KH_EXPECT_EQ(Buffer[i], i >= 3 && i < 13 ? 0xAB : 0x11);

    /* Only the low byte of the value counts. */
    lib_memset(Buffer, 0x1FF, 4);
    KH_EXPECT_EQ(Buffer[0], 0xFF);
    KH_EXPECT_EQ(Buffer[3], 0xFF);
    KH_EXPECT_EQ(Buffer[4], 0xAB);
    lib_memset(Buffer, -1, 2);
    KH_EXPECT_EQ(Buffer[1], 0xFF);

    lib_memset(Buffer, 0, 0);
    KH_EXPECT_EQ(Buffer[0], 0xFF);
}

KH_TEST(memcmp_orders_bytes_unsigned)
{
    KH_EXPECT_EQ(lib_memcmp("abc", "abc", 3), 0);
    KH_EXPECT_EQ(lib_memcmp("abc", "abd", 2), 0);
    KH_EXPECT_EQ(Sign(lib_memcmp("abc", "abd", 3)), -1);
    KH_EXPECT_EQ(Sign(lib_memcmp("abd", "abc", 3)), 1);
    KH_EXPECT_EQ(lib_memcmp("x", "y", 0), 0);
    /* 0x80 is above 0x7f: bytes compare as unsigned char. */
    KH_EXPECT_EQ(Sign(lib_memcmp("\x80", "\x7f", 1)), 1);
    KH_EXPECT_EQ(Sign(lib_memcmp("\x01", "\xff", 1)), -1);
    /* NUL bytes do not stop it. */
    KH_EXPECT_EQ(Sign(lib_memcmp("a\0b", "a\0c", 3)), -1);
}

KH_TEST(memcmp_agrees_with_libc)
{
    unsigned char A[16], B[16];

    KhSeed(7);
    for (int Round = 0; Round < 20000; Round++) {
        size_t Count = KhRandomBelow(sizeof(A) + 1);
        for (size_t i = 0; i < sizeof(A); i++)
            A[i] = B[i] = (unsigned char)KhRandom();
        if (Count > 0 && (KhRandom() & 1))
            B[KhRandomBelow(Count)] = (unsigned char)KhRandom();
        if (!KH_EXPECT_EQ(Sign(lib_memcmp(A, B, Count)), Sign(memcmp(A, B, Count))))
            return;
    }
}

KH_TEST(strlen_and_strnlen)
{
    char *S = malloc(6);

    memcpy(S, "hello", 6);
    KH_EXPECT_EQ(lib_strlen(S), 5);
    KH_EXPECT_EQ(lib_strlen(""), 0);
    KH_EXPECT_EQ(lib_strnlen(S, 10), 5);
    KH_EXPECT_EQ(lib_strnlen(S, 5), 5);
    KH_EXPECT_EQ(lib_strnlen(S, 3), 3);
    KH_EXPECT_EQ(lib_strnlen(S, 0), 0);
    KH_EXPECT_EQ(lib_strnlen("", 4), 0);
    free(S);

    /* strnlen reads no more than Max bytes: no terminator needed. */
    char *Raw = malloc(4);
    memcpy(Raw, "abcd", 4);
    KH_EXPECT_EQ(lib_strnlen(Raw, 4), 4);
    KH_EXPECT_EQ(lib_strnlen(Raw, 2), 2);
    free(Raw);
}

KH_TEST(strcmp_and_strncmp)
{
    KH_EXPECT_EQ(lib_strcmp("", ""), 0);
    KH_EXPECT_EQ(lib_strcmp("abc", "abc"), 0);
    KH_EXPECT_EQ(Sign(lib_strcmp("abc", "abd")), -1);
    KH_EXPECT_EQ(Sign(lib_strcmp("abd", "abc")), 1);
    KH_EXPECT_EQ(Sign(lib_strcmp("ab", "abc")), -1); /* a prefix sorts first */
    KH_EXPECT_EQ(Sign(lib_strcmp("abc", "ab")), 1);
    KH_EXPECT_EQ(Sign(lib_strcmp("", "a")), -1);
    KH_EXPECT_EQ(Sign(lib_strcmp("\xe9", "z")), 1); /* unsigned char */

    KH_EXPECT_EQ(lib_strncmp("abcX", "abcY", 3), 0);
    KH_EXPECT_EQ(Sign(lib_strncmp("abcX", "abcY", 4)), -1);
    KH_EXPECT_EQ(lib_strncmp("abc", "xyz", 0), 0);
    KH_EXPECT_EQ(Sign(lib_strncmp("ab", "abc", 5)), -1);
    KH_EXPECT_EQ(lib_strncmp("ab\0x", "ab\0y", 4), 0); /* stops at the terminator */
    KH_EXPECT_EQ(Sign(lib_strncmp("\x80", "\x7f", 1)), 1);
}

KH_TEST(strchr_finds_first_and_terminator)
{
    const char *S = "hello, world";

    KH_EXPECT_EQ(lib_strchr(S, 'h'), S);
    KH_EXPECT_EQ(lib_strchr(S, 'o'), S + 4);
    KH_EXPECT_EQ(lib_strchr(S, 'd'), S + 11);
    KH_EXPECT_EQ(lib_strchr(S, 'z'), NULL);
    KH_EXPECT_EQ(lib_strchr(S, 0), S + 12); /* the terminator counts */
    const char *Empty = "";
    KH_EXPECT_EQ(lib_strchr(Empty, 0), Empty);
    KH_EXPECT_EQ(lib_strchr(Empty, 'a'), NULL);
    /* The value is converted to char: 0xE9 and 0x1E9 both find '\xe9'. */
    const char *Accent = "caf\xe9";
    KH_EXPECT_EQ(lib_strchr(Accent, 0xE9), Accent + 3);
    KH_EXPECT_EQ(lib_strchr(Accent, 0x1E9), Accent + 3);
}

KH_TEST(string_copy_fits)
{
    char Dest[8];

    memset(Dest, 'x', sizeof(Dest));
    KH_EXPECT_EQ(RtlStringCopy(Dest, sizeof(Dest), "abc"), 3);
    KH_EXPECT_STREQ(Dest, "abc");
    KH_EXPECT_EQ(Dest[4], 'x'); /* nothing written past the terminator */

    /* Exactly DestSize - 1 characters still fit. */
    KH_EXPECT_EQ(RtlStringCopy(Dest, sizeof(Dest), "1234567"), 7);
    KH_EXPECT_STREQ(Dest, "1234567");

    KH_EXPECT_EQ(RtlStringCopy(Dest, sizeof(Dest), ""), 0);
    KH_EXPECT_STREQ(Dest, "");
}

/* Truncation shows as a return value >= DestSize. */
KH_TEST(string_copy_truncates)
{
    const char *Src = "a string of some length"; /* 23 characters */

    for (size_t Size = 1; Size <= 30; Size++) {
        char *Dest = malloc(Size);
        size_t Expected = Size - 1 < 23 ? Size - 1 : 23;
        KH_EXPECT_EQ(RtlStringCopy(Dest, Size, Src), 23);
        KH_EXPECT_EQ(strlen(Dest), Expected);
        KH_EXPECT_EQ(strncmp(Dest, Src, Expected), 0);
        free(Dest);
    }

    /* DestSize 0 writes nothing at all (a NULL buffer is fine). */
    char One = 'x';
    KH_EXPECT_EQ(RtlStringCopy(&One, 0, "abc"), 3);
    KH_EXPECT_EQ(One, 'x');
    KH_EXPECT_EQ(RtlStringCopy(NULL, 0, "abcd"), 4);
}
