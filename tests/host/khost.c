/*
 * khost.c - the host test harness: registration, checks, and main(), which
 * runs the registered tests and prints KTAP (see khost.h).
 */
#include "khost.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TESTS 256
/* A broken sweep could print thousands of lines; the first few tell enough. */
#define MAX_DIAGNOSTICS 30

typedef struct _KH_CASE {
    const char *Name;
    KH_ROUTINE Routine;
    int Line;
} KH_CASE;

static KH_CASE KhCases[MAX_TESTS];
static int KhCaseCount;

static int KhCurrentFailed;
static int KhDiagnostics;
static unsigned long long KhState = 0x9E3779B97F4A7C15ULL;

void KhRegister(const char *Name, KH_ROUTINE Routine, int Line)
{
    if (KhCaseCount == MAX_TESTS) {
        fprintf(stderr, "khost: more than %d tests; raise MAX_TESTS\n", MAX_TESTS);
        exit(2);
    }
    KhCases[KhCaseCount++] = (KH_CASE){Name, Routine, Line};
}

/* ---- diagnostics ---- */

static void KhVPrintDiagnostic(const char *Format, va_list Args)
{
    if (KhDiagnostics++ >= MAX_DIAGNOSTICS) {
        if (KhDiagnostics == MAX_DIAGNOSTICS + 1)
            printf("# (further diagnostics of this test are not shown)\n");
        return;
    }
    printf("# ");
    vprintf(Format, Args);
    printf("\n");
}

void KhInfo(const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    KhVPrintDiagnostic(Format, Args);
    va_end(Args);
}

/* Prints "file:line: " followed by the message, and fails the test. */
void KhFail(const char *File, int Line, const char *Format, ...)
{
    char Message[1024];
    va_list Args;

    va_start(Args, Format);
    vsnprintf(Message, sizeof(Message), Format, Args);
    va_end(Args);
    KhCurrentFailed = 1;
    KhInfo("%s:%d: %s", File, Line, Message);
}

int KhFailed(void)
{
    return KhCurrentFailed;
}

/* ---- checks ---- */

int KhCheck(int Ok, const char *File, int Line, const char *Text)
{
    if (!Ok)
        KhFail(File, Line, "expected %s", Text);
    return Ok;
}

static int KhCompare(unsigned long long A, unsigned long long B, const char *Op)
{
    switch (Op[0]) {
    case '=': return A == B;
    case '!': return A != B;
    case '<': return Op[1] == '=' ? A <= B : A < B;
    default: return Op[1] == '=' ? A >= B : A > B;
    }
}

int KhCheckCompare(unsigned long long A, unsigned long long B, const char *Op, const char *TextA, const char *TextB,
                   const char *File, int Line)
{
    int Ok = KhCompare(A, B, Op);
    if (!Ok)
        KhFail(File, Line, "expected %s %s %s, got 0x%llx (%lld) and 0x%llx (%lld)", TextA, Op, TextB, A, (long long)A,
               B, (long long)B);
    return Ok;
}

int KhCheckString(const char *A, const char *B, const char *TextA, const char *TextB, const char *File, int Line)
{
    int Ok = A != NULL && B != NULL && strcmp(A, B) == 0;
    if (!Ok)
        KhFail(File, Line, "expected %s == %s, got \"%s\" and \"%s\"", TextA, TextB, A ? A : "(NULL)",
               B ? B : "(NULL)");
    return Ok;
}

/* Shows up to 32 bytes from the first difference on. */
static void KhHexDump(char *Out, size_t OutSize, const unsigned char *P, size_t Size)
{
    size_t Used = 0;

    Out[0] = 0;
    for (size_t i = 0; i < Size && i < 32 && Used + 4 < OutSize; i++)
        Used += (size_t)snprintf(Out + Used, OutSize - Used, "%02x ", P[i]);
}

int KhCheckMemory(const void *A, const void *B, size_t Size, const char *TextA, const char *TextB, const char *File,
                  int Line)
{
    const unsigned char *X = A, *Y = B;
    char DumpA[128], DumpB[128];
    size_t i = 0;

    while (i < Size && X[i] == Y[i])
        i++;
    if (i == Size)
        return 1;
    KhHexDump(DumpA, sizeof(DumpA), X + i, Size - i);
    KhHexDump(DumpB, sizeof(DumpB), Y + i, Size - i);
    KhFail(File, Line, "expected %s == %s (%zu bytes), first difference at offset %zu: %s vs %s", TextA, TextB, Size, i,
           DumpA, DumpB);
    return 0;
}

/* ---- random numbers ---- */

void KhSeed(unsigned long long Seed)
{
    KhState = Seed ? Seed : 0x9E3779B97F4A7C15ULL;
}

unsigned long long KhRandom(void)
{
    KhState ^= KhState >> 12;
    KhState ^= KhState << 25;
    KhState ^= KhState >> 27;
    return KhState * 0x2545F4914F6CDD1DULL;
}

unsigned long long KhRandomBelow(unsigned long long Limit)
{
    return KhRandom() % Limit;
}

/* ---- running ---- */

static int KhByLine(const void *A, const void *B)
{
    const KH_CASE *X = A, *Y = B;
    return X->Line - Y->Line;
}

static int KhSelected(const char *Filter, const KH_CASE *Case)
{
    return Filter == NULL || fnmatch(Filter, Case->Name, 0) == 0;
}

int main(int argc, char **argv)
{
    const char *Filter = argc > 1 ? argv[1] : NULL;
    int Count = 0, Number = 0, Failures = 0;

    /* Diagnostics and results interleave with what a crash prints. */
    setvbuf(stdout, NULL, _IONBF, 0);
    qsort(KhCases, (size_t)KhCaseCount, sizeof(KhCases[0]), KhByLine);
    for (int i = 0; i < KhCaseCount; i++)
        Count += KhSelected(Filter, &KhCases[i]);

    printf("KTAP version 1\n1..%d\n", Count);
    for (int i = 0; i < KhCaseCount; i++) {
        if (!KhSelected(Filter, &KhCases[i]))
            continue;
        KhCurrentFailed = 0;
        KhDiagnostics = 0;
        KhCases[i].Routine();
        printf("%s %d %s\n", KhCurrentFailed ? "not ok" : "ok", ++Number, KhCases[i].Name);
        Failures += KhCurrentFailed;
    }
    printf("# %s: %d tests, %d failed\n", argv[0], Count, Failures);
    return Failures ? 1 : 0;
}
