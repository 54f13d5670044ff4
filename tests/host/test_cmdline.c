/*
 * test_cmdline.c - the kernel command line (lib/cmdline.c): RtlGetOption and
 * friends, RtlParseNumber, and the test filter's RtlMatchWildcard, which is
 * also cross-checked against the C library's fnmatch().
 */
#include "khost.h"
#include "hostlib.h"

#include <fnmatch.h>
#include <string.h>

/* Expects Name to be found in Line with the value Expected (NULL: absent). */
static void ExpectOption(const char *Line, const char *Name, const char *Expected, int SourceLine)
{
    char Value[64];

    memset(Value, 'x', sizeof(Value));
    BOOLEAN Found = RtlGetOption(Line, Name, Value, sizeof(Value));
    if (Expected == NULL && Found)
        KhFail(__FILE__, SourceLine, "\"%s\" in \"%s\": found with value \"%s\", expected absent", Name, Line, Value);
    else if (Expected != NULL && !Found)
        KhFail(__FILE__, SourceLine, "\"%s\" in \"%s\": not found, expected \"%s\"", Name, Line, Expected);
    else if (Expected != NULL && strcmp(Value, Expected) != 0)
        KhFail(__FILE__, SourceLine, "\"%s\" in \"%s\": value \"%s\", expected \"%s\"", Name, Line, Value, Expected);
    if (RtlHasOption(Line, Name) != (Expected != NULL))
        KhFail(__FILE__, SourceLine, "RtlHasOption(\"%s\", \"%s\") disagrees", Line, Name);
}

#define EXPECT_OPTION(Line, Name, Expected) ExpectOption(Line, Name, Expected, __LINE__)

KH_TEST(bare_names_and_values)
{
    EXPECT_OPTION("quiet", "quiet", "");
    EXPECT_OPTION("test=rtl", "test", "rtl");
    EXPECT_OPTION("quiet test=pool* mem.verbose=1", "test", "pool*");
    EXPECT_OPTION("quiet test=pool* mem.verbose=1", "mem.verbose", "1");
    EXPECT_OPTION("quiet test=pool* mem.verbose=1", "quiet", "");
    EXPECT_OPTION("a=1 b=2 c=3", "b", "2");
    EXPECT_OPTION("a=1 b=2 c=3", "c", "3");
    EXPECT_OPTION("x=", "x", "");       /* an empty value */
    EXPECT_OPTION("a=b=c", "a", "b=c"); /* the value runs to the end of the word */
    EXPECT_OPTION("a=1 b=2", "d", NULL);
}

KH_TEST(separators)
{
    EXPECT_OPTION("   test=1   ", "test", "1");
    EXPECT_OPTION("a=1\tb=2\nc=3\r\nd", "b", "2");
    EXPECT_OPTION("a=1\tb=2\nc=3\r\nd", "c", "3");
    EXPECT_OPTION("a=1\tb=2\nc=3\r\nd", "d", "");
    EXPECT_OPTION("a=1  \t  b", "b", "");
}

/* When an option is given twice the last one wins. */
KH_TEST(last_one_wins)
{
    EXPECT_OPTION("test=pool* test=rtl", "test", "rtl");
    EXPECT_OPTION("test=rtl quiet test", "test", "");
    EXPECT_OPTION("test test=ke", "test", "ke");
    EXPECT_OPTION("n=1 n=2 n=3 other=4", "n", "3");
}

/* Only the whole name matches: no prefixes, suffixes or parts. */
KH_TEST(whole_names_only)
{
    EXPECT_OPTION("testing=1", "test", NULL);
    EXPECT_OPTION("testing", "test", NULL);
    EXPECT_OPTION("test", "testing", NULL);
    EXPECT_OPTION("test=1", "testing", NULL);
    EXPECT_OPTION("mytest=1", "test", NULL);
    EXPECT_OPTION("test.x=1", "test", NULL);
    EXPECT_OPTION("x=test", "test", NULL); /* a value is not a name */
    EXPECT_OPTION("testing=1 test=2", "test", "2");
    EXPECT_OPTION("test=2 testing=1", "test", "2");
    EXPECT_OPTION("Test=1", "test", NULL); /* case matters */
}

KH_TEST(empty_and_missing)
{
    char Value[8] = "keep";

    EXPECT_OPTION("", "test", NULL);
    EXPECT_OPTION("   ", "test", NULL);
    EXPECT_OPTION("a=1", "", NULL); /* an empty name matches nothing */
    EXPECT_OPTION("=1", "", NULL);
    KH_EXPECT(!RtlGetOption(NULL, "test", Value, sizeof(Value)));
    KH_EXPECT(!RtlHasOption(NULL, "test"));
    KH_EXPECT_STREQ(Value, "keep"); /* untouched when absent */
}

KH_TEST(value_too_long)
{
    char Value[4];

    memset(Value, 'x', sizeof(Value));
    KH_EXPECT(RtlGetOption("v=abc", "v", Value, sizeof(Value))); /* 3 + terminator: fits */
    KH_EXPECT_STREQ(Value, "abc");
    KH_EXPECT(!RtlGetOption("v=abcd", "v", Value, sizeof(Value)));
    KH_EXPECT(!RtlGetOption("v=abcdefgh w=1", "v", Value, sizeof(Value)));
    KH_EXPECT(RtlGetOption("v", "v", Value, 1)); /* an empty value needs only the terminator */
    KH_EXPECT_STREQ(Value, "");
    KH_EXPECT(!RtlGetOption("v=a", "v", Value, 1));
    KH_EXPECT(!RtlGetOption("v", "v", Value, 0)); /* no room at all */
    /* Still present, even when its value does not fit. */
    KH_EXPECT(RtlHasOption("v=abcdefgh", "v"));
}

/* ---- numbers ---- */

static void ExpectNumber(const char *Text, BOOLEAN Ok, ULONG64 Expected, int Line)
{
    ULONG64 Value = 0xAAAAAAAAAAAAAAAAULL;
    BOOLEAN Parsed = RtlParseNumber(Text, &Value);

    if (Parsed != Ok)
        KhFail(__FILE__, Line, "RtlParseNumber(\"%s\") returned %d, expected %d", Text, Parsed, Ok);
    else if (Ok && Value != Expected)
        KhFail(__FILE__, Line, "RtlParseNumber(\"%s\") gave %llu (0x%llx), expected %llu", Text, Value, Value,
               Expected);
    else if (!Ok && Value != 0xAAAAAAAAAAAAAAAAULL)
        KhFail(__FILE__, Line, "RtlParseNumber(\"%s\") failed but wrote 0x%llx", Text, Value);
}

#define EXPECT_NUMBER(Text, Expected) ExpectNumber(Text, TRUE, Expected, __LINE__)
#define EXPECT_NOT_A_NUMBER(Text) ExpectNumber(Text, FALSE, 0, __LINE__)

KH_TEST(parse_decimal)
{
    EXPECT_NUMBER("0", 0);
    EXPECT_NUMBER("7", 7);
    EXPECT_NUMBER("1234567890", 1234567890ULL);
    EXPECT_NUMBER("00012", 12); /* leading zeros: still decimal, not octal */
    EXPECT_NUMBER("4294967296", 0x100000000ULL);
    EXPECT_NUMBER("18446744073709551615", 0xFFFFFFFFFFFFFFFFULL);
}

KH_TEST(parse_hex)
{
    EXPECT_NUMBER("0x0", 0);
    EXPECT_NUMBER("0x1f", 31);
    EXPECT_NUMBER("0X1F", 31);
    EXPECT_NUMBER("0xDeadBeef", 0xDEADBEEFULL);
    EXPECT_NUMBER("0x00000000000000001", 1); /* many digits, small value */
    EXPECT_NUMBER("0xFFFFFFFFFFFFFFFF", 0xFFFFFFFFFFFFFFFFULL);
    EXPECT_NUMBER("0xffffffff80000000", 0xFFFFFFFF80000000ULL);
}

KH_TEST(parse_overflow)
{
    EXPECT_NOT_A_NUMBER("18446744073709551616");
    EXPECT_NOT_A_NUMBER("18446744073709551620");
    EXPECT_NOT_A_NUMBER("99999999999999999999");
    EXPECT_NOT_A_NUMBER("0x10000000000000000");
    EXPECT_NOT_A_NUMBER("0xFFFFFFFFFFFFFFFF0");
}

KH_TEST(parse_garbage)
{
    EXPECT_NOT_A_NUMBER("");
    EXPECT_NOT_A_NUMBER("0x");
    EXPECT_NOT_A_NUMBER("x10");
    EXPECT_NOT_A_NUMBER("12a");
    EXPECT_NOT_A_NUMBER("1f"); /* hex digits need 0x */
    EXPECT_NOT_A_NUMBER("0x1g");
    EXPECT_NOT_A_NUMBER("-1");
    EXPECT_NOT_A_NUMBER("+1");
    EXPECT_NOT_A_NUMBER(" 1");
    EXPECT_NOT_A_NUMBER("1 ");
    EXPECT_NOT_A_NUMBER("1.5");
    EXPECT_NOT_A_NUMBER("0x 1");
    EXPECT_NOT_A_NUMBER("0xx1");
}

KH_TEST(option_numbers)
{
    ULONG64 Value = 5;

    KH_EXPECT(RtlGetOptionNumber("mem=0x100 cpus=4", "mem", &Value));
    KH_EXPECT_EQ(Value, 0x100);
    KH_EXPECT(RtlGetOptionNumber("mem=0x100 cpus=4", "cpus", &Value));
    KH_EXPECT_EQ(Value, 4);
    Value = 5;
    KH_EXPECT(!RtlGetOptionNumber("cpus=four", "cpus", &Value));
    KH_EXPECT(!RtlGetOptionNumber("cpus", "cpus", &Value)); /* no value */
    KH_EXPECT(!RtlGetOptionNumber("ncpus=4", "cpus", &Value));
    KH_EXPECT(!RtlGetOptionNumber("n=000000000000000000000000000000001", "n", &Value)); /* too long to copy */
    KH_EXPECT_EQ(Value, 5);
}

/* ---- wildcards ---- */

static void ExpectMatch(const char *Pattern, const char *Text, BOOLEAN Expected, int Line)
{
    if (RtlMatchWildcard(Pattern, Text) != Expected)
        KhFail(__FILE__, Line, "RtlMatchWildcard(\"%s\", \"%s\") should be %s", Pattern, Text,
               Expected ? "TRUE" : "FALSE");
}

#define EXPECT_MATCH(Pattern, Text) ExpectMatch(Pattern, Text, TRUE, __LINE__)
#define EXPECT_NO_MATCH(Pattern, Text) ExpectMatch(Pattern, Text, FALSE, __LINE__)

KH_TEST(wildcard_literal_and_question_mark)
{
    EXPECT_MATCH("", "");
    EXPECT_NO_MATCH("", "a");
    EXPECT_NO_MATCH("a", "");
    EXPECT_MATCH("rtl", "rtl");
    EXPECT_NO_MATCH("rtl", "rtl.bitmap");
    EXPECT_NO_MATCH("rtl.bitmap", "rtl");
    EXPECT_NO_MATCH("Rtl", "rtl");
    EXPECT_MATCH("?", "a");
    EXPECT_NO_MATCH("?", "");
    EXPECT_NO_MATCH("?", "ab");
    EXPECT_MATCH("r?l", "rtl");
    EXPECT_MATCH("???", "abc");
    EXPECT_NO_MATCH("??", "a");
}

KH_TEST(wildcard_star)
{
    EXPECT_MATCH("*", "");
    EXPECT_MATCH("*", "anything at all");
    EXPECT_MATCH("**", "");
    EXPECT_MATCH("rtl*", "rtl");
    EXPECT_MATCH("rtl*", "rtl.bitmap");
    EXPECT_MATCH("rtl.*", "rtl.format_integers");
    EXPECT_NO_MATCH("rtl.*", "rtl");
    EXPECT_MATCH("*bitmap*", "rtl.bitmap_find");
    EXPECT_MATCH("*.bitmap_*", "rtl.bitmap_find");
    EXPECT_MATCH("a*c", "ac");
    EXPECT_MATCH("a*c", "abbbc");
    EXPECT_NO_MATCH("a*c", "abcd");
    EXPECT_MATCH("a*b*c", "aXbYc");
    EXPECT_NO_MATCH("a*b*c", "aXcYb");
    EXPECT_MATCH("*?", "x");
    EXPECT_NO_MATCH("*?", "");
    EXPECT_MATCH("?*?", "ab");
    EXPECT_NO_MATCH("?*?", "a");
    /* These need the star to give characters back (backtracking). */
    EXPECT_MATCH("*aab", "aaab");
    EXPECT_MATCH("*ab", "abab");
    EXPECT_MATCH("a*ab", "aaaab");
    EXPECT_MATCH("*a*b", "xaxxaxb");
    EXPECT_NO_MATCH("*a*b", "xaxxaxa");
    EXPECT_MATCH("*pool*", "mm.pool_alloc");
}

/* Random patterns over {a, b, *, ?} and texts over {a, b}: no brackets or
 * backslashes, so fnmatch() without flags means the same thing. */
KH_TEST(wildcard_agrees_with_fnmatch)
{
    char Pattern[8], Text[10];
    int Matches = 0;

    KhSeed(42);
    for (int Round = 0; Round < 50000; Round++) {
        int PatternLength = (int)KhRandomBelow(sizeof(Pattern));
        int TextLength = (int)KhRandomBelow(sizeof(Text));
        for (int i = 0; i < PatternLength; i++)
            Pattern[i] = "ab*?"[KhRandomBelow(4)];
        Pattern[PatternLength] = 0;
        for (int i = 0; i < TextLength; i++)
            Text[i] = "ab"[KhRandomBelow(2)];
        Text[TextLength] = 0;

        BOOLEAN Expected = fnmatch(Pattern, Text, 0) == 0;
        Matches += Expected;
        if (RtlMatchWildcard(Pattern, Text) != Expected) {
            KH_FAIL("RtlMatchWildcard(\"%s\", \"%s\") is %d, fnmatch says %d", Pattern, Text, !Expected, Expected);
            return;
        }
    }
    KhInfo("50000 random cases agreed with fnmatch (%d matches)", Matches);
}
