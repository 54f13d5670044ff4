/*
 * test_rtl.c - the runtime library inside the kernel. The host tests
 * (tests/host/) check lib/ thoroughly against the C library; these few check
 * that the same code still works as the kernel is built: -mgeneral-regs-only,
 * -mcmodel=kernel, no red zone, varargs through the kernel's own ABI.
 */
#include "ktest.h"
#include "rtl.h"

/* ---- the formatter ---- */

static void ExpectFormat(KTEST_CONTEXT *Kt, int Line, PCSTR Expected, PCSTR Format, ...)
    __attribute__((format(printf, 4, 5)));
static void ExpectFormat(KTEST_CONTEXT *Kt, int Line, PCSTR Expected, PCSTR Format, ...)
{
    char Buffer[128];
    va_list Args;

    va_start(Args, Format);
    int Length = RtlFormatStringV(Buffer, sizeof(Buffer), Format, Args);
    va_end(Args);
    KtCheckString(Kt, Buffer, Expected, Format, "the expected text", __FILE__, Line);
    KtCheckCompare(Kt, (ULONG64)Length, strlen(Expected), "==", "its return value", "the expected length", __FILE__,
                   Line);
}

#define EXPECT_FORMAT(Expected, ...) ExpectFormat(Kt, __LINE__, Expected, __VA_ARGS__)

KTEST(rtl, format_integers)
{
    EXPECT_FORMAT("0 -1 42", "%d %d %i", 0, -1, 42);
    EXPECT_FORMAT("2147483647 -2147483648 4294967295", "%d %d %u", 0x7fffffff, (int)0x80000000, 0xffffffffU);
    EXPECT_FORMAT("deadbeef DEADBEEF 777", "%x %X %o", 0xdeadbeefU, 0xdeadbeefU, 0777U);
    EXPECT_FORMAT("-9223372036854775808 18446744073709551615", "%lld %llu", (LONG64)0x8000000000000000ULL,
                  0xffffffffffffffffULL);
    EXPECT_FORMAT("ffffffff80000000", "%lx", 0xffffffff80000000UL);
    EXPECT_FORMAT("-56 -1 255 65535", "%hhd %hd %hhu %hu", (signed char)-56, (SHORT)-1, (UCHAR)255, (USHORT)65535);
    EXPECT_FORMAT("123 -5 1f", "%zu %zd %zx", (SIZE_T)123, (LONG_PTR)-5, (SIZE_T)31);
}

KTEST(rtl, format_flags_width_precision)
{
    EXPECT_FORMAT("[   42][42   ][00042][+42][ 42]", "[%5d][%-5d][%05d][%+d][% d]", 42, 42, 42, 42, 42);
    EXPECT_FORMAT("[-0042][  -42][-42  ]", "[%05d][%5d][%-5d]", -42, -42, -42);
    EXPECT_FORMAT("[007][][  0042]", "[%.3d][%.0d][%6.4d]", 7, 0, 42);
    EXPECT_FORMAT("[0x1f][0X1F][017][0x00ff][0]", "[%#x][%#X][%#o][%#06x][%#x]", 31, 31, 15, 255, 0);
    EXPECT_FORMAT("[    7][7    ][  007]", "[%*d][%*d][%*.*d]", 5, 7, -5, 7, 5, 3, 7);
    EXPECT_FORMAT("[ffff][  ffffffff]", "[%x][%10x]", 0xffff, 0xffffffffU);
}

KTEST(rtl, format_strings_chars_pointers)
{
    EXPECT_FORMAT("[abc][  abc][abc  ][ab]", "[%s][%5s][%-5s][%.2s]", "abc", "abc", "abc", "abc");
    PCSTR volatile Null = NULL; /* hidden from gcc, which warns about a NULL %s */
    EXPECT_FORMAT("(null)", "%s", Null);
    EXPECT_FORMAT("[x][  y][z  ]", "[%c][%3c][%-3c]", 'x', 'y', 'z');
    EXPECT_FORMAT("100% done", "100%% done");
    /* %p: always 0x and 16 digits, kernel addresses included. */
    EXPECT_FORMAT("0x0000000000000000", "%p", (PVOID)NULL);
    EXPECT_FORMAT("0xffffffff80100000", "%p", (PVOID)0xffffffff80100000ULL);
    /* Pointers to the kernel's own code and data print the same way. */
    char Expected[32], Actual[32];
    RtlFormatString(Expected, sizeof(Expected), "0x%016llx", (ULONG64)(ULONG_PTR)&RtlFormatString);
    RtlFormatString(Actual, sizeof(Actual), "%p", (PVOID)&RtlFormatString);
    KT_EXPECT_STREQ(Actual, Expected);
    KT_EXPECT_EQ(strlen(Actual), 18);
}

KTEST(rtl, format_many_arguments)
{
    /* Past the six argument registers the arguments come from the stack. */
    EXPECT_FORMAT("1 two 3 4 5 6 seven 8 9 12 11 -12", "%d %s %lld %c %x %u %s %lu %hhd %o %zu %d", 1, "two", 3LL, '4',
                  5, 6U, "seven", 8UL, (signed char)9, 10U, (SIZE_T)11, -12);
}

KTEST(rtl, format_truncation)
{
    char Buffer[8];

    KT_EXPECT_EQ(RtlFormatString(NULL, 0, "%d", 12345), 5);
    memset(Buffer, 'x', sizeof(Buffer));
    KT_EXPECT_EQ(RtlFormatString(Buffer, 4, "%s", "abcdef"), 6);
    KT_EXPECT_STREQ(Buffer, "abc");
    KT_EXPECT_EQ(Buffer[4], 'x');
    KT_EXPECT_EQ(RtlFormatString(Buffer, 1, "abc"), 3);
    KT_EXPECT_EQ(Buffer[0], 0);
    KT_EXPECT_EQ(RtlFormatString(Buffer, sizeof(Buffer), "%20d", 1), 20);
    KT_EXPECT_STREQ(Buffer, "       ");
}

/* ---- bitmaps ---- */

KTEST(rtl, bitmap_set_clear_count)
{
    ULONG Buffer[3]; /* 70 bits in three words */
    RTL_BITMAP Map;

    RtlInitializeBitMap(&Map, Buffer, 70);
    RtlClearAllBits(&Map);
    KT_EXPECT_EQ(RtlNumberOfSetBits(&Map), 0);
    RtlSetBits(&Map, 30, 40); /* 30..69 */
    KT_EXPECT_EQ(Buffer[0], 0xC0000000U);
    KT_EXPECT_EQ(Buffer[1], 0xFFFFFFFFU);
    KT_EXPECT_EQ(Buffer[2] & 0x3F, 0x3F);
    KT_EXPECT_EQ(RtlNumberOfSetBits(&Map), 40);
    KT_EXPECT_EQ(RtlNumberOfClearBits(&Map), 30);
    KT_EXPECT(RtlAreBitsSet(&Map, 30, 40));
    KT_EXPECT(RtlAreBitsClear(&Map, 0, 30));
    KT_EXPECT(!RtlAreBitsClear(&Map, 0, 31));
    KT_EXPECT(!RtlAreBitsSet(&Map, 60, 11)); /* past the end */
    RtlClearBit(&Map, 32);
    KT_EXPECT(!RtlTestBit(&Map, 32));
    KT_EXPECT(RtlTestBit(&Map, 33));
    RtlSetAllBits(&Map);
    KT_EXPECT_EQ(RtlNumberOfSetBits(&Map), 70);
}

KTEST(rtl, bitmap_find)
{
    ULONG Buffer[8];
    RTL_BITMAP Map;

    RtlInitializeBitMap(&Map, Buffer, 256);
    RtlSetAllBits(&Map);
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 1, 0), RTL_BITMAP_NOT_FOUND);
    RtlClearBits(&Map, 60, 8); /* crosses the word boundary at 64 */
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 8, 0), 60);
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 8, 200), 60); /* wraps around */
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 8, 62), 60);  /* straddles the hint */
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 4, 62), 62);
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 9, 0), RTL_BITMAP_NOT_FOUND);
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 0, 0), RTL_BITMAP_NOT_FOUND);
    RtlClearAllBits(&Map);
    RtlSetBits(&Map, 100, 3);
    KT_EXPECT_EQ(RtlFindSetBits(&Map, 3, 0), 100);
    KT_EXPECT_EQ(RtlFindSetBits(&Map, 4, 0), RTL_BITMAP_NOT_FOUND);
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 150, 0), 103); /* 0..99 is too short */
    KT_EXPECT_EQ(RtlFindClearBits(&Map, 154, 0), RTL_BITMAP_NOT_FOUND);
}

KTEST(rtl, bitmap_find_and_set)
{
    ULONG Buffer[2];
    RTL_BITMAP Map;

    RtlInitializeBitMap(&Map, Buffer, 40);
    RtlClearAllBits(&Map);
    KT_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 16, 0), 0);
    KT_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 16, 0), 16);
    KT_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 16, 0), RTL_BITMAP_NOT_FOUND);
    KT_EXPECT_EQ(RtlNumberOfSetBits(&Map), 32);
    KT_EXPECT_EQ(RtlFindClearBitsAndSet(&Map, 8, 5), 32);
    KT_EXPECT_EQ(RtlNumberOfClearBits(&Map), 0);
}

/* ---- lists and the command line ---- */

typedef struct _KT_ITEM {
    int Value;
    LIST_ENTRY Link;
} KT_ITEM;

KTEST(rtl, list_order)
{
    KT_ITEM Items[3] = {{1, {0}}, {2, {0}}, {3, {0}}};
    LIST_ENTRY Head;

    InitializeListHead(&Head);
    KT_EXPECT(IsListEmpty(&Head));
    InsertTailList(&Head, &Items[1].Link);
    InsertTailList(&Head, &Items[2].Link);
    InsertHeadList(&Head, &Items[0].Link);
    int Expected = 1;
    for (PLIST_ENTRY E = Head.Flink; E != &Head; E = E->Flink)
        KT_EXPECT_EQ(CONTAINING_RECORD(E, KT_ITEM, Link)->Value, Expected++);
    KT_EXPECT_EQ(Expected, 4);
    KT_EXPECT(!RemoveEntryList(&Items[1].Link));
    KT_EXPECT(RemoveHeadList(&Head) == &Items[0].Link);
    KT_EXPECT(RemoveEntryList(&Items[2].Link));
    KT_EXPECT(IsListEmpty(&Head));
}

KTEST(rtl, cmdline_and_wildcards)
{
    char Value[16];
    ULONG64 Number = 0;

    KT_EXPECT(RtlGetOption("quiet test=rtl* test=ke", "test", Value, sizeof(Value)));
    KT_EXPECT_STREQ(Value, "ke");
    KT_EXPECT(!RtlHasOption("testing=1", "test"));
    KT_EXPECT(RtlGetOptionNumber("mem=0x100", "mem", &Number));
    KT_EXPECT_EQ(Number, 0x100);
    KT_EXPECT(!RtlParseNumber("18446744073709551616", &Number));
    KT_EXPECT(RtlMatchWildcard("rtl.*", "rtl.bitmap_find"));
    KT_EXPECT(RtlMatchWildcard("*aab", "aaab"));
    KT_EXPECT(!RtlMatchWildcard("rtl", "rtl.bitmap_find"));
}
