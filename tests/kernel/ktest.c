/*
 * ktest.c - finds the registered tests, runs the ones the filter selects and
 * prints KTAP (the kernel's test output format, as KUnit's):
 *
 *   KTAP version 1
 *   1..2                       <- one line per suite follows
 *       KTAP version 1
 *       # Subtest: rtl
 *       1..4
 *       ok 1 format_integers
 *       not ok 2 bitmap_find
 *       ...
 *   not ok 1 rtl
 *
 * After each suite the pool's per-tag counters are compared with their values
 * before it: a tag with more outstanding allocations than before is a leak,
 * reported as a failing case `pool_tags_balanced`.
 */
#include "ktest.h"
#include "ke/ke.h"
#include "ex/ex.h"
#include "hal/hal.h"
#include "rtl.h"

/* The linker collects every KTEST_CASE between these two symbols. */
extern const KTEST_CASE __KtestStart[], __KtestEnd[];

static ULONG CaseCount(void)
{
    return (ULONG)(((ULONG_PTR)__KtestEnd - (ULONG_PTR)__KtestStart) / sizeof(KTEST_CASE));
}

#define MAX_SUITES 128
#define MAX_TAGS 256
#define MAX_CASES 256

BOOLEAN KtCheck(KTEST_CONTEXT *Kt, BOOLEAN Ok, PCSTR File, int Line, PCSTR Text)
{
    if (!Ok) {
        Kt->Failed = TRUE;
        DbgPrint("        # %s:%d: expected %s\n", File, Line, Text);
    }
    return Ok;
}

static BOOLEAN Compare(ULONG64 A, ULONG64 B, PCSTR Op)
{
    switch (Op[0]) {
    case '=': return A == B;
    case '!': return A != B;
    case '<': return Op[1] == '=' ? A <= B : A < B;
    default: return Op[1] == '=' ? A >= B : A > B;
    }
}

BOOLEAN KtCheckCompare(KTEST_CONTEXT *Kt, ULONG64 A, ULONG64 B, PCSTR Op, PCSTR TextA, PCSTR TextB, PCSTR File,
                       int Line)
{
    BOOLEAN Ok = Compare(A, B, Op);
    if (!Ok) {
        Kt->Failed = TRUE;
        DbgPrint("        # %s:%d: expected %s %s %s, got 0x%llx (%lld) and 0x%llx (%lld)\n", File, Line, TextA, Op,
                 TextB, A, (LONG64)A, B, (LONG64)B);
    }
    return Ok;
}

BOOLEAN KtCheckString(KTEST_CONTEXT *Kt, PCSTR A, PCSTR B, PCSTR TextA, PCSTR TextB, PCSTR File, int Line)
{
    BOOLEAN Ok = A != NULL && B != NULL && strcmp(A, B) == 0;
    if (!Ok) {
        Kt->Failed = TRUE;
        DbgPrint("        # %s:%d: expected %s == %s, got \"%s\" and \"%s\"\n", File, Line, TextA, TextB, A, B);
    }
    return Ok;
}

VOID KtSkip(KTEST_CONTEXT *Kt, PCSTR Reason)
{
    Kt->Skipped = TRUE;
    Kt->SkipReason = Reason;
}

VOID KtInfo(PCSTR Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    DbgPrint("        # ");
    vDbgPrint(Format, Args);
    DbgPrint("\n");
    va_end(Args);
}

/* `test=` takes a comma-separated list of patterns; a test runs when a
 * pattern matches its suite name or "suite.name". "all" means everything. */
static BOOLEAN Selected(PCSTR Filter, const KTEST_CASE *Case)
{
    char Full[128], Pattern[64];

    RtlFormatString(Full, sizeof(Full), "%s.%s", Case->Suite, Case->Name);
    for (PCSTR P = Filter; *P;) {
        SIZE_T N = 0;
        while (P[N] && P[N] != ',')
            N++;
        if (N < sizeof(Pattern)) {
            memcpy(Pattern, P, N);
            Pattern[N] = 0;
            if (strcmp(Pattern, "all") == 0 || RtlMatchWildcard(Pattern, Case->Suite) ||
                RtlMatchWildcard(Pattern, Full))
                return TRUE;
        }
        P += N;
        if (*P == ',')
            P++;
    }
    return FALSE;
}

static BOOLEAN RunsNormally(PCSTR Filter, const KTEST_CASE *Case)
{
    return Case->ExpectedBugCheck == 0 && Selected(Filter, Case);
}

/* ---- the leak check around each suite ---- */

static POOL_TAG_INFO KtTagsBefore[MAX_TAGS], KtTagsAfter[MAX_TAGS];

static ULONG64 OutstandingIn(const POOL_TAG_INFO *Tags, ULONG Count, ULONG Tag)
{
    for (ULONG i = 0; i < Count; i++) {
        if (Tags[i].Tag == Tag)
            return Tags[i].Allocations - Tags[i].Frees;
    }
    return 0;
}

static void TagName(ULONG Tag, char Name[5])
{
    for (int i = 0; i < 4; i++) {
        char C = (char)(Tag >> (8 * i));
        Name[i] = (C >= 0x20 && C < 0x7F) ? C : '.';
    }
    Name[4] = 0;
}

static BOOLEAN PoolTagsBalanced(ULONG BeforeCount)
{
    ULONG AfterCount = ExQueryPoolTags(KtTagsAfter, MAX_TAGS);
    BOOLEAN Balanced = TRUE;

    if (AfterCount > MAX_TAGS)
        AfterCount = MAX_TAGS;
    for (ULONG i = 0; i < AfterCount; i++) {
        ULONG64 Before = OutstandingIn(KtTagsBefore, BeforeCount, KtTagsAfter[i].Tag);
        ULONG64 After = KtTagsAfter[i].Allocations - KtTagsAfter[i].Frees;
        if (After != Before) {
            char Name[5];
            TagName(KtTagsAfter[i].Tag, Name);
            DbgPrint("        # pool tag '%s': %lld allocations outstanding before the suite, %lld after "
                     "(%llu bytes in use)\n",
                     Name, (LONG64)Before, (LONG64)After, KtTagsAfter[i].BytesInUse);
            Balanced = FALSE;
        }
    }
    return Balanced;
}

/* ---- running ---- */

static BOOLEAN RunCase(const KTEST_CASE *Case, ULONG Number)
{
    KTEST_CONTEXT Kt = {0};

    Case->Routine(&Kt);
    if (Kt.Skipped && !Kt.Failed) {
        DbgPrint("    ok %u %s # SKIP %s\n", Number, Case->Name, Kt.SkipReason ? Kt.SkipReason : "");
        return TRUE;
    }
    DbgPrint("    %s %u %s\n", Kt.Failed ? "not ok" : "ok", Number, Case->Name);
    return !Kt.Failed;
}

static BOOLEAN InSourceOrder(const KTEST_CASE *A, const KTEST_CASE *B)
{
    int File = strcmp(A->File, B->File);
    return File < 0 || (File == 0 && A->Line < B->Line);
}

/* The suite's selected cases, sorted by file and line: the compiler may emit
 * a file's registrations in any order. */
static ULONG CollectCases(PCSTR Filter, PCSTR Suite, const KTEST_CASE **Cases)
{
    ULONG Count = 0;

    for (ULONG n = 0; n < CaseCount() && Count < MAX_CASES; n++) {
        const KTEST_CASE *C = &__KtestStart[n];
        if (strcmp(C->Suite, Suite) != 0 || !RunsNormally(Filter, C))
            continue;
        ULONG i = Count++;
        for (; i > 0 && InSourceOrder(C, Cases[i - 1]); i--)
            Cases[i] = Cases[i - 1];
        Cases[i] = C;
    }
    return Count;
}

static BOOLEAN RunSuite(PCSTR Filter, PCSTR Suite, ULONG SuiteNumber)
{
    static const KTEST_CASE *Cases[MAX_CASES];
    ULONG Count = CollectCases(Filter, Suite, Cases);
    BOOLEAN Ok = TRUE;

    DbgPrint("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", Suite, Count + 1);
    ULONG TagCount = ExQueryPoolTags(KtTagsBefore, MAX_TAGS);
    for (ULONG i = 0; i < Count; i++)
        Ok &= RunCase(Cases[i], i + 1);
    BOOLEAN Balanced = PoolTagsBalanced(TagCount > MAX_TAGS ? MAX_TAGS : TagCount);
    DbgPrint("    %s %u pool_tags_balanced\n", Balanced ? "ok" : "not ok", Count + 1);
    Ok &= Balanced;
    DbgPrint("%s %u %s\n", Ok ? "ok" : "not ok", SuiteNumber, Suite);
    return Ok;
}

/* The distinct suite names with at least one selected test, in link order. */
static ULONG CollectSuites(PCSTR Filter, PCSTR *Suites)
{
    ULONG Count = 0;

    for (ULONG n = 0; n < CaseCount(); n++) {
        const KTEST_CASE *C = &__KtestStart[n];
        BOOLEAN Known = FALSE;
        if (!RunsNormally(Filter, C))
            continue;
        for (ULONG i = 0; i < Count; i++)
            Known |= strcmp(Suites[i], C->Suite) == 0;
        if (!Known && Count < MAX_SUITES)
            Suites[Count++] = C->Suite;
    }
    return Count;
}

static void ListBugCheckTests(void)
{
    for (ULONG n = 0; n < CaseCount(); n++) {
        const KTEST_CASE *C = &__KtestStart[n];
        if (C->ExpectedBugCheck != 0)
            DbgPrint("# crashtest %s.%s 0x%X\n", C->Suite, C->Name, C->ExpectedBugCheck);
    }
}

/* `crash=suite.name`: run one expected-bug-check test. Returning at all is
 * the failure: the runner sees "tests done" where it wanted a bug check. */
static void RunBugCheckTest(PCSTR Name)
{
    char Full[128];

    for (ULONG n = 0; n < CaseCount(); n++) {
        const KTEST_CASE *C = &__KtestStart[n];
        RtlFormatString(Full, sizeof(Full), "%s.%s", C->Suite, C->Name);
        if (C->ExpectedBugCheck != 0 && strcmp(Full, Name) == 0) {
            KTEST_CONTEXT Kt = {0};
            DbgPrint("# crashtest %s: expecting bug check 0x%X (%s)\n", Full, C->ExpectedBugCheck,
                     KeBugCheckName(C->ExpectedBugCheck));
            C->Routine(&Kt);
            DbgPrint("# crashtest %s returned without a bug check\n", Full);
            return;
        }
    }
    DbgPrint("# crashtest %s: no such bug-check test\n", Name);
}

/* The KTAP for the tests Filter selects; how many suites failed. The main
 * boot also lists the bug-check tests, for the runner. */
static ULONG RunSelected(PCSTR Filter, BOOLEAN ListCrashTests)
{
    static PCSTR Suites[MAX_SUITES];
    ULONG Count = CollectSuites(Filter, Suites), Failed = 0;

    DbgPrint("KTAP version 1\n");
    if (ListCrashTests)
        ListBugCheckTests();
    DbgPrint("1..%u\n", Count);
    for (ULONG i = 0; i < Count; i++)
        Failed += !RunSuite(Filter, Suites[i], i + 1);
    DbgPrint("# ktest: %u suites, %u failed\n", Count, Failed);
    return Failed;
}

VOID KtRunFromCommandLine(VOID)
{
    char Filter[BOOT_CMDLINE_SIZE];

    if (KeGetOption("crash", Filter, sizeof(Filter))) {
        RunBugCheckTest(Filter);
        return;
    }
    if (KeGetOption("test", Filter, sizeof(Filter)))
        RunSelected(Filter, TRUE);
}

ULONG KtRunTests(PCSTR Filter)
{
    return RunSelected(Filter, FALSE);
}
