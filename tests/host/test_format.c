/*
 * test_format.c - RtlFormatString against the host's snprintf.
 *
 * Most cases compare lib's formatter with the C library's on the same format
 * and arguments: the output, the return value, and the truncated output for
 * several buffer sizes (each buffer allocated to its exact size, so that
 * AddressSanitizer sees a write past the end). The sweeps generate every
 * combination of flags, width, precision and length modifier for each
 * integer conversion. Where lib deliberately differs from glibc (%p, a NULL
 * %s with a precision) the expected text is spelled out instead.
 */
#include "khost.h"
#include "hostlib.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define BUFFER_SIZE 512

/* The sweeps check millions of formats; in them, each format is truncated to
 * one of the sizes only, taking turns. */
static BOOLEAN Sampling;
static unsigned long SampleTurn;

/* ---- helpers ---- */

/* Copies S (Length bytes) into Out with non-printable bytes as \xNN. */
static const char *Quote(char *Out, size_t OutSize, const char *S, size_t Length)
{
    size_t Used = 0;

    for (size_t i = 0; i < Length && Used + 5 < OutSize; i++) {
        unsigned char C = (unsigned char)S[i];
        if (C >= 0x20 && C < 0x7F && C != '"' && C != '\\')
            Out[Used++] = (char)C;
        else
            Used += (size_t)snprintf(Out + Used, OutSize - Used, "\\x%02x", C);
    }
    Out[Used] = 0;
    return Out;
}

static void ReportMismatch(const char *File, int Line, const char *Format, size_t Size, const char *Expected,
                           int ExpectedLength, const char *Actual, int ActualLength, size_t Shown)
{
    char Q1[BUFFER_SIZE * 4], Q2[BUFFER_SIZE * 4];

    KhFail(File, Line,
           "format \"%s\", buffer size %zu: snprintf gives \"%s\" (returns %d), RtlFormatString \"%s\" "
           "(returns %d)",
           Format, Size, Quote(Q1, sizeof(Q1), Expected, Shown), ExpectedLength, Quote(Q2, sizeof(Q2), Actual, Shown),
           ActualLength);
}

/* Formats into buffers of exactly Size bytes (NULL for 0) with both
 * formatters and compares the return values and all Size bytes. */
static int CompareTruncated(const char *File, int Line, size_t Size, const char *Format, va_list Args)
{
    char *Expected = Size ? malloc(Size) : NULL;
    char *Actual = Size ? malloc(Size) : NULL;
    va_list A;
    int Ok;

    if (Size) {
        memset(Expected, 0x5A, Size);
        memset(Actual, 0x5A, Size);
    }
    va_copy(A, Args);
    int ExpectedLength = vsnprintf(Expected, Size, Format, A);
    va_end(A);
    va_copy(A, Args);
    int ActualLength = RtlFormatStringV(Actual, Size, Format, A);
    va_end(A);
    Ok = ActualLength == ExpectedLength && (Size == 0 || memcmp(Expected, Actual, Size) == 0);
    if (!Ok)
        ReportMismatch(File, Line, Format, Size, Size ? Expected : "", ExpectedLength, Size ? Actual : "", ActualLength,
                       Size);
    free(Expected);
    free(Actual);
    return Ok;
}

/*
 * The central check: with ample room the output (up to and including the
 * terminator, so an embedded NUL from %c counts) and the return value must
 * match snprintf's; then again for the sizes 0, 1, half the length, the
 * length (no room for the terminator) and one more (in a sweep: one of them).
 */
static int CheckFormatV(const char *File, int Line, const char *Format, va_list Args)
{
    char Expected[BUFFER_SIZE], Actual[BUFFER_SIZE];
    va_list A;

    va_copy(A, Args);
    int ExpectedLength = vsnprintf(Expected, sizeof(Expected), Format, A);
    va_end(A);
    if (ExpectedLength < 0 || ExpectedLength >= BUFFER_SIZE) {
        KhFail(File, Line, "format \"%s\": the test's own snprintf returned %d", Format, ExpectedLength);
        return 0;
    }
    memset(Actual, 0x5A, sizeof(Actual));
    va_copy(A, Args);
    int ActualLength = RtlFormatStringV(Actual, sizeof(Actual), Format, A);
    va_end(A);
    if (ActualLength != ExpectedLength || memcmp(Expected, Actual, (size_t)ExpectedLength + 1) != 0) {
        ReportMismatch(File, Line, Format, sizeof(Actual), Expected, ExpectedLength, Actual, ActualLength,
                       (size_t)ExpectedLength + 1);
        return 0;
    }

    size_t Length = (size_t)ExpectedLength;
    const size_t Sizes[] = {0, 1, Length / 2, Length, Length + 1};
    if (Sampling)
        return CompareTruncated(File, Line, Sizes[SampleTurn++ % ARRAYSIZE(Sizes)], Format, Args);
    for (size_t i = 0; i < ARRAYSIZE(Sizes); i++) {
        if (!CompareTruncated(File, Line, Sizes[i], Format, Args))
            return 0;
    }
    return 1;
}

static int CheckFormatAt(const char *File, int Line, const char *Format, ...) __attribute__((format(printf, 3, 4)));
static int CheckFormatAt(const char *File, int Line, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Ok = CheckFormatV(File, Line, Format, Args);
    va_end(Args);
    return Ok;
}

/* CHECK(format, args...): RtlFormatString must agree with snprintf. */
#define CHECK(...) CheckFormatAt(__FILE__, __LINE__, __VA_ARGS__)

/* For what snprintf cannot tell: the exact expected text. */
static void ExpectFormatAt(const char *File, int Line, const char *Expected, const char *Format, ...)
    __attribute__((format(printf, 4, 5)));
static void ExpectFormatAt(const char *File, int Line, const char *Expected, const char *Format, ...)
{
    char Actual[BUFFER_SIZE];
    va_list Args;

    va_start(Args, Format);
    int Length = RtlFormatStringV(Actual, sizeof(Actual), Format, Args);
    va_end(Args);
    if (strcmp(Actual, Expected) != 0 || Length != (int)strlen(Expected))
        KhFail(File, Line, "format \"%s\": expected \"%s\" (%zu), got \"%s\" (returns %d)", Format, Expected,
               strlen(Expected), Actual, Length);
}

#define EXPECT_FORMAT(Expected, ...) ExpectFormatAt(__FILE__, __LINE__, Expected, __VA_ARGS__)

/* ---- explicit expectations ---- */

KH_TEST(integers_spelled_out)
{
    EXPECT_FORMAT("0", "%d", 0);
    EXPECT_FORMAT("-1", "%d", -1);
    EXPECT_FORMAT("2147483647 -2147483648", "%d %d", INT_MAX, INT_MIN);
    EXPECT_FORMAT("4294967295", "%u", UINT_MAX);
    EXPECT_FORMAT("-9223372036854775808", "%lld", LLONG_MIN);
    EXPECT_FORMAT("18446744073709551615", "%llu", ULLONG_MAX);
    EXPECT_FORMAT("deadbeef DEADBEEF", "%x %X", 0xdeadbeefU, 0xdeadbeefU);
    EXPECT_FORMAT("0x1f 0X1F 017", "%#x %#X %#o", 31, 31, 15);
    EXPECT_FORMAT("   42|42   |00042|+42|  -42", "%5d|%-5d|%05d|%+d|%5d", 42, 42, 42, 42, -42);
    EXPECT_FORMAT("-0042|  0042", "%05d|%6.4d", -42, 42);
    EXPECT_FORMAT("0x00ff", "%#06x", 255);
    EXPECT_FORMAT("|", "%.0d|", 0);
    EXPECT_FORMAT("-56 -1 255", "%hhd %hd %hhu", (signed char)-56, (short)-1, (unsigned char)255);
    EXPECT_FORMAT("ffffffffffffffff", "%zx", (size_t)-1);
    EXPECT_FORMAT("0 0", "%#x %#o", 0, 0);
}

KH_TEST(strings_spelled_out)
{
    EXPECT_FORMAT("hello", "%s", "hello");
    EXPECT_FORMAT("  abc|abc  |ab", "%5s|%-5s|%.2s", "abc", "abc", "abc");
    EXPECT_FORMAT("x|    x|x    ", "%c|%5c|%-5c", 'x', 'x', 'x');
    EXPECT_FORMAT("100%", "100%%");
    EXPECT_FORMAT("a%b", "a%%b");
    EXPECT_FORMAT("no conversions at all", "no conversions at all");
    EXPECT_FORMAT("", "%s", "");
}

/* glibc prints "(nil)" for a NULL %p and "0x1234" for others; lib always
 * prints 0x and 16 digits, so pointers line up in columns. */
KH_TEST(pointer_is_0x_and_16_digits)
{
    EXPECT_FORMAT("0x0000000000000000", "%p", (void *)0);
    EXPECT_FORMAT("0x0000000000001234", "%p", (void *)0x1234);
    EXPECT_FORMAT("0xffffffff80001000", "%p", (void *)0xffffffff80001000ULL);
    EXPECT_FORMAT("  0x00000000deadbeef", "%20p", (void *)0xdeadbeefULL);
    EXPECT_FORMAT("0x00000000deadbeef  |", "%-20p|", (void *)0xdeadbeefULL);
    EXPECT_FORMAT("0x000000000000abcd", "%5p", (void *)0xabcdULL);

    /* A real pointer: 18 characters, and the same digits as glibc's %lx. */
    int Local;
    char Expected[32];
    snprintf(Expected, sizeof(Expected), "0x%016lx", (unsigned long)(uintptr_t)&Local);
    EXPECT_FORMAT(Expected, "%p", (void *)&Local);
}

/* A NULL string prints "(null)", as glibc does without a precision. (With a
 * precision below 6 glibc prints nothing, lib a cut "(null)"; that is not
 * compared.) */
KH_TEST(null_string)
{
    const char *volatile Null = NULL;

    EXPECT_FORMAT("(null)", "%s", Null);
    EXPECT_FORMAT("    (null)|(null)    ", "%10s|%-10s", Null, Null);
    CHECK("%s", Null);
    CHECK("%10s|%-10s|%.6s|%.10s", Null, Null, Null, Null);
}

/* With a precision, %s reads no more than that many bytes: the string need
 * not be terminated (AddressSanitizer watches the exact-size buffer). */
KH_TEST(string_precision_reads_no_further)
{
    char *Raw = malloc(3);

    memcpy(Raw, "abc", 3);
    EXPECT_FORMAT("ab|abc|  abc", "%.2s|%.3s|%5.3s", Raw, Raw, Raw);
    free(Raw);
}

/* hh and h convert the promoted int back to char or short (C11 7.21.6.1p7),
 * so an int out of their range prints truncated. */
KH_TEST(short_lengths_truncate)
{
    /* Kept out of the compilers' sight: clang warns about the int arguments. */
    const char *volatile Format = "%hhd %hd %hhu %hu %hhx %hx";

    EXPECT_FORMAT("-56 -1 255 0 cd 5678", Format, 200, 0xffff, 0x1ff, 0x10000, 0xabcd, 0x12345678);
    CHECK(Format, 200, 0xffff, 0x1ff, 0x10000, 0xabcd, 0x12345678);
}

/* '+' and ' ' only apply to signed conversions (C11 7.21.6.1p6). */
KH_TEST(sign_flags_ignored_for_unsigned)
{
    /* Kept out of gcc's sight: it rightly warns about these flags. */
    const char *volatile Format = "%+u|% u|%+x|% X|%+o|% o|%+5u|%+05x";

    EXPECT_FORMAT("7|7|ff|FF|10|10|    7|000ff", Format, 7, 7, 255, 255, 8, 8, 7, 255);
    CHECK(Format, 7, 7, 255, 255, 8, 8, 7, 255);
}

/* ---- compared with snprintf: hand-picked cases ---- */

KH_TEST(integers_table)
{
    CHECK("%d %i %u %x %X %o", 0, 0, 0U, 0U, 0U, 0U);
    CHECK("%d %i %u %x %X %o", 123456, -123456, 123456U, 0xabcdefU, 0xabcdefU, 01234567U);
    CHECK("%d|%d|%d|%d", INT_MAX, INT_MIN, -1, 1);
    CHECK("%ld|%ld|%lu|%lx", LONG_MAX, LONG_MIN, ULONG_MAX, ULONG_MAX);
    CHECK("%lld|%lld|%llu|%llx|%llo", LLONG_MAX, LLONG_MIN, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
    CHECK("%hhd|%hhd|%hhu|%hhx|%hd|%hu|%hx", (signed char)-128, (signed char)127, (unsigned char)255,
          (unsigned char)0xab, (short)-32768, (unsigned short)65535, (unsigned short)0xbeef);
    CHECK("%zu|%zx|%zd|%td|%jd|%ju", (size_t)-1, (size_t)0x1234, (ssize_t)-5, (ptrdiff_t)-7, INTMAX_MIN, UINTMAX_MAX);
    CHECK("[%8d][%-8d][%08d][%+8d][% 8d][%+08d][% 08d][%-+8d]", 42, 42, 42, 42, 42, 42, 42, 42);
    CHECK("[%8d][%-8d][%08d][%+8d][% 8d][%+08d][% 08d][%-+8d]", -42, -42, -42, -42, -42, -42, -42, -42);
    CHECK("[%.3d][%.0d][%.0d][%5.0d][%-5.0d][%+.0d][% .0d]", 7, 0, 1, 0, 0, 0, 0);
    CHECK("[%.10d][%3.10d]", -42, -42);
    CHECK("[%#x][%#X][%#o][%#08x][%#-8x][%#.5x][%#8.5X][%#.0x][%#.0o]", 255, 255, 8, 255, 255, 255, 255, 0, 0);
    CHECK("[%#o][%#.3o][%#5o][%#05o][%#.0o]", 0, 8, 8, 8, 1);
    CHECK("[%*d][%-*d][%*d][%.*d][%.*d][%*.*d]", 6, 1, 6, 1, -6, 1, 4, 1, -1, 1, 7, 3, 1);
    CHECK("[%0*d][%0*d]", 5, -3, -5, -3);
}

/* Flags that C allows but that are redundant: repeated, or ignored because
 * another flag or a precision overrides them. */
KH_TEST(redundant_flags)
{
    /* Kept out of gcc's sight: it warns about each of these. */
    const char *volatile Zero = "[%08.3d][%-08d][%0-8d][%08.0d][%-#08x]";
    const char *volatile Repeated = "%--5d|%++d|%  d|%00d|%+ d|% +d|%0+0 5d";

    CHECK(Zero, 42, 42, 42, 0, 255);
    CHECK(Repeated, 1, 2, 3, 4, 5, 6, 7);
}

KH_TEST(strings_and_chars_table)
{
    CHECK("%s|%5s|%-5s|%.1s|%.0s|%10.2s|%-10.2s|%.*s|%*s", "abc", "abc", "abc", "abc", "abc", "abc", "abc", 2, "abc",
          -4, "x");
    CHECK("[%s][%s][%3s]", "", "a long string that is longer than any width", "");
    CHECK("%c%c%c|%3c|%-3c|%*c", 'a', 'b', 'c', 'x', 'y', 4, 'z');
    CHECK("%c", 0);
    CHECK("a%cb%3c", 0, 0);
    CHECK("%c|%c", 0x80, 0xff);
    CHECK("%%|%d%%|%%%s", 5, "x");
}

KH_TEST(many_arguments)
{
    /* Past the six argument registers the arguments come from the stack. */
    CHECK("%d %s %lld %c %x %u %s %lu %hhd %o %zu %d %s", 1, "two", 3LL, '4', 5, 6U, "seven", 8UL, (signed char)9, 10U,
          (size_t)11, -12, "thirteen");
    CHECK("%*.*s|%*.*d|%-*.*x", 10, 3, "truncated", 8, 5, -3, 9, 4, 0xab);
}

/* ---- compared with snprintf: generated sweeps ---- */

typedef struct _STAR_SPEC {
    const char *Text;
    int Star;  /* the text is '*': the value comes from the arguments */
    int Value; /* the argument for '*' */
} STAR_SPEC;

static const STAR_SPEC Widths[] = {
    {"", 0, 0}, {"1", 0, 0}, {"2", 0, 0}, {"6", 0, 0}, {"21", 0, 0}, {"*", 1, 0}, {"*", 1, 7}, {"*", 1, -7},
};

static const STAR_SPEC Precisions[] = {
    {"", 0, 0},   {".", 0, 0},   {".0", 0, 0}, {".1", 0, 0}, {".2", 0, 0},
    {".5", 0, 0}, {".25", 0, 0}, {".*", 1, 0}, {".*", 1, 3}, {".*", 1, -1},
};

typedef enum _LENGTH { LEN_HH, LEN_H, LEN_NONE, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T } LENGTH;
static const char *const LengthText[] = {"hh", "h", "", "l", "ll", "z", "j", "t"};

static const ULONG64 Values[] = {
    0,
    1,
    7,
    8,
    10,
    42,
    127,
    128,
    255,
    256,
    4096,
    32767,
    65535,
    65536,
    0x7fffffff,
    0x80000000,
    0xffffffff,
    0x100000000ULL,
    0x123456789abcdef0ULL,
    LLONG_MAX,
    (ULONG64)LLONG_MIN,
    (ULONG64)-1,
    (ULONG64)-42,
    (ULONG64)-129,
    (ULONG64)-32769,
    (ULONG64)(LONG64)INT_MIN,
};

/* Calls CHECK with the '*' arguments the format needs before the value. */
#define CHECK_STARS(Format, W, P, Arg)                                                                                 \
    ((W)->Star && (P)->Star ? CHECK(Format, (W)->Value, (P)->Value, Arg)                                               \
     : (W)->Star            ? CHECK(Format, (W)->Value, Arg)                                                           \
     : (P)->Star            ? CHECK(Format, (P)->Value, Arg)                                                           \
                            : CHECK(Format, Arg))

/* Passes V with the type the length modifier calls for. */
static int CheckInteger(const char *Format, BOOLEAN Signed, LENGTH Length, const STAR_SPEC *W, const STAR_SPEC *P,
                        ULONG64 V)
{
    switch (Length) {
    case LEN_HH:
    case LEN_H:
    case LEN_NONE: return Signed ? CHECK_STARS(Format, W, P, (int)V) : CHECK_STARS(Format, W, P, (unsigned)V);
    case LEN_L: return Signed ? CHECK_STARS(Format, W, P, (long)V) : CHECK_STARS(Format, W, P, (unsigned long)V);
    case LEN_LL:
        return Signed ? CHECK_STARS(Format, W, P, (long long)V) : CHECK_STARS(Format, W, P, (unsigned long long)V);
    case LEN_Z: return Signed ? CHECK_STARS(Format, W, P, (ssize_t)V) : CHECK_STARS(Format, W, P, (size_t)V);
    case LEN_J: return Signed ? CHECK_STARS(Format, W, P, (intmax_t)V) : CHECK_STARS(Format, W, P, (uintmax_t)V);
    default: return Signed ? CHECK_STARS(Format, W, P, (ptrdiff_t)V) : CHECK_STARS(Format, W, P, (size_t)V);
    }
}

/* Flag sets: every subset of "-0+ #", in that order ('#' only where C
 * defines it), plus some in other orders and repeated. */
static int FlagSets(char Conversion, char Sets[40][8])
{
    const char *const Extra[] = {"0-", " +", "#0", "--", "00", "+-0"};
    BOOLEAN HashAllowed = Conversion == 'x' || Conversion == 'X' || Conversion == 'o';
    int Count = 0;

    for (unsigned Mask = 0; Mask < 32; Mask++) {
        int N = 0;
        if ((Mask & 16) && !HashAllowed)
            continue;
        for (int Bit = 0; Bit < 5; Bit++) {
            if (Mask & (1U << Bit))
                Sets[Count][N++] = "-0+ #"[Bit];
        }
        Sets[Count++][N] = 0;
    }
    for (size_t i = 0; i < ARRAYSIZE(Extra); i++) {
        if (strchr(Extra[i], '#') == NULL || HashAllowed)
            strcpy(Sets[Count++], Extra[i]);
    }
    return Count;
}

static void SweepInteger(char Conversion)
{
    BOOLEAN Signed = Conversion == 'd' || Conversion == 'i';
    char Flags[40][8];
    int FlagCount = FlagSets(Conversion, Flags);
    unsigned long Checked = 0;

    Sampling = TRUE;
    for (int f = 0; f < FlagCount; f++) {
        for (size_t w = 0; w < ARRAYSIZE(Widths); w++) {
            for (size_t p = 0; p < ARRAYSIZE(Precisions); p++) {
                for (int l = LEN_HH; l <= LEN_T; l++) {
                    char Format[32];
                    snprintf(Format, sizeof(Format), "<%%%s%s%s%s%c>", Flags[f], Widths[w].Text, Precisions[p].Text,
                             LengthText[l], Conversion);
                    for (size_t v = 0; v < ARRAYSIZE(Values); v++) {
                        Checked++;
                        if (!CheckInteger(Format, Signed, (LENGTH)l, &Widths[w], &Precisions[p], Values[v]))
                            KhInfo("  with value 0x%llx, '*' width %d, '*' precision %d", Values[v], Widths[w].Value,
                                   Precisions[p].Value);
                    }
                }
            }
        }
    }
    Sampling = FALSE;
    KhInfo("%c: %lu combinations compared with snprintf", Conversion, Checked);
}

KH_TEST(sweep_d)
{
    SweepInteger('d');
}
KH_TEST(sweep_i)
{
    SweepInteger('i');
}
KH_TEST(sweep_u)
{
    SweepInteger('u');
}
KH_TEST(sweep_x)
{
    SweepInteger('x');
}
KH_TEST(sweep_X)
{
    SweepInteger('X');
}
KH_TEST(sweep_o)
{
    SweepInteger('o');
}

KH_TEST(sweep_s)
{
    static const char *const Strings[] = {
        "", "a", "abc", "hello world", "exactly10!", "a string well over the widest width in the sweep"};
    static const char *const Flags[] = {"", "-", "--"};
    unsigned long Checked = 0;

    for (size_t f = 0; f < ARRAYSIZE(Flags); f++) {
        for (size_t w = 0; w < ARRAYSIZE(Widths); w++) {
            for (size_t p = 0; p < ARRAYSIZE(Precisions); p++) {
                char Format[32];
                snprintf(Format, sizeof(Format), "[%%%s%s%ss]", Flags[f], Widths[w].Text, Precisions[p].Text);
                for (size_t v = 0; v < ARRAYSIZE(Strings); v++) {
                    Checked++;
                    if (!CHECK_STARS(Format, &Widths[w], &Precisions[p], Strings[v]))
                        KhInfo("  with \"%s\", '*' width %d, '*' precision %d", Strings[v], Widths[w].Value,
                               Precisions[p].Value);
                }
            }
        }
    }
    KhInfo("s: %lu combinations compared with snprintf", Checked);
}

KH_TEST(sweep_c)
{
    static const int Chars[] = {'a', 'Z', ' ', '%', 0, 0x7f, 0x80, 0xff, 0x141};
    static const char *const Flags[] = {"", "-"};
    static const STAR_SPEC NoPrecision = {"", 0, 0};
    unsigned long Checked = 0;

    for (size_t f = 0; f < ARRAYSIZE(Flags); f++) {
        for (size_t w = 0; w < ARRAYSIZE(Widths); w++) {
            char Format[32];
            snprintf(Format, sizeof(Format), "[%%%s%sc]", Flags[f], Widths[w].Text);
            for (size_t v = 0; v < ARRAYSIZE(Chars); v++) {
                Checked++;
                if (!CHECK_STARS(Format, &Widths[w], &NoPrecision, Chars[v]))
                    KhInfo("  with 0x%x, '*' width %d", Chars[v], Widths[w].Value);
            }
        }
    }
    KhInfo("c: %lu combinations compared with snprintf", Checked);
}

/* ---- buffer handling ---- */

KH_TEST(truncation_and_return_value)
{
    char Buffer[8];

    /* Size 0: nothing is written, not even a terminator; a NULL buffer is fine. */
    KH_EXPECT_EQ(RtlFormatString(NULL, 0, "%d", 12345), 5);
    memset(Buffer, 'x', sizeof(Buffer));
    KH_EXPECT_EQ(RtlFormatString(Buffer, 0, "abc"), 3);
    KH_EXPECT_EQ(Buffer[0], 'x');

    /* Size 1: only the terminator. */
    KH_EXPECT_EQ(RtlFormatString(Buffer, 1, "abc"), 3);
    KH_EXPECT_EQ(Buffer[0], 0);
    KH_EXPECT_EQ(Buffer[1], 'x');

    /* Exactly full: the last character gives way to the terminator. */
    memset(Buffer, 'x', sizeof(Buffer));
    KH_EXPECT_EQ(RtlFormatString(Buffer, 4, "%s", "abcd"), 4);
    KH_EXPECT_STREQ(Buffer, "abc");
    KH_EXPECT_EQ(Buffer[4], 'x');

    /* Fits with its terminator. */
    KH_EXPECT_EQ(RtlFormatString(Buffer, 5, "%s", "abcd"), 4);
    KH_EXPECT_STREQ(Buffer, "abcd");

    /* The return value counts everything, however little fits. */
    KH_EXPECT_EQ(RtlFormatString(Buffer, sizeof(Buffer), "%100d", 1), 100);
    KH_EXPECT_STREQ(Buffer, "       ");

    /* An empty format still terminates. */
    memset(Buffer, 'x', sizeof(Buffer));
    KH_EXPECT_EQ(RtlFormatString(Buffer, sizeof(Buffer), "%s", ""), 0);
    KH_EXPECT_EQ(Buffer[0], 0);
}

typedef struct _COLLECT {
    char Text[64];
    int Count;
} COLLECT;

static void CollectSink(void *Context, char C)
{
    COLLECT *Out = Context;
    if (Out->Count < (int)sizeof(Out->Text))
        Out->Text[Out->Count] = C;
    Out->Count++;
}

/* RtlFormat hands every character, a NUL from %c too, to the sink. */
KH_TEST(sink_sees_every_character)
{
    COLLECT Out = {{0}, 0};

    KH_EXPECT_EQ(RtlFormat(CollectSink, &Out, "a%cb%3s", 0, "x"), 6);
    KH_EXPECT_EQ(Out.Count, 6);
    KH_EXPECT_MEMEQ(Out.Text, "a\0b  x", 6);

    Out.Count = 0;
    KH_EXPECT_EQ(RtlFormat(CollectSink, &Out, "%s", ""), 0);
    KH_EXPECT_EQ(Out.Count, 0);
}
