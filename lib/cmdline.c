/*
 * cmdline.c - reading options from the kernel command line, and the wildcard
 * match the test filter uses.
 *
 * The command line is a list of words separated by spaces: `quiet`,
 * `test=pool*`, `mem.verbose=1`. An option is found by its whole name, so
 * `test` does not match `testing=1`. When an option is given twice, the last
 * one wins, as with Linux's command line.
 */
#include "rtl.h"

static BOOLEAN IsSpace(char C)
{
    return C == ' ' || C == '\t' || C == '\n' || C == '\r';
}

/* Finds the last word named Name; returns a pointer just past the name (at
 * '=' or the end of the word), or NULL. */
static const char *FindOption(const char *Line, const char *Name)
{
    size_t NameLength = strlen(Name);
    const char *Found = NULL;

    if (Line == NULL || NameLength == 0)
        return NULL;
    for (const char *P = Line; *P;) {
        while (IsSpace(*P))
            P++;
        const char *Word = P;
        while (*P && !IsSpace(*P))
            P++;
        size_t WordLength = (size_t)(P - Word);
        if (WordLength >= NameLength && strncmp(Word, Name, NameLength) == 0) {
            char After = Word[NameLength];
            if (After == '=' || IsSpace(After) || After == 0)
                Found = Word + NameLength;
        }
    }
    return Found;
}

BOOLEAN RtlHasOption(const char *CommandLine, const char *Name)
{
    return FindOption(CommandLine, Name) != NULL;
}

/* Copies the option's value (empty for a bare `name`) into Value. Returns
 * FALSE when the option is absent or its value does not fit. */
BOOLEAN RtlGetOption(const char *CommandLine, const char *Name, char *Value, size_t ValueSize)
{
    const char *P = FindOption(CommandLine, Name);
    size_t Length = 0;

    if (P == NULL || ValueSize == 0)
        return FALSE;
    if (*P == '=')
        P++;
    else
        P = "";
    while (P[Length] && !IsSpace(P[Length]))
        Length++;
    if (Length >= ValueSize)
        return FALSE;
    memcpy(Value, P, Length);
    Value[Length] = 0;
    return TRUE;
}

/* Decimal, or hexadecimal with 0x. Rejects empty text, stray characters and
 * overflow. */
BOOLEAN RtlParseNumber(const char *Text, ULONG64 *Value)
{
    unsigned Base = 10;
    ULONG64 Result = 0;

    if (Text[0] == '0' && (Text[1] == 'x' || Text[1] == 'X')) {
        Base = 16;
        Text += 2;
    }
    if (*Text == 0)
        return FALSE;
    for (; *Text; Text++) {
        unsigned Digit;
        char C = *Text;
        if (C >= '0' && C <= '9')
            Digit = (unsigned)(C - '0');
        else if (Base == 16 && C >= 'a' && C <= 'f')
            Digit = (unsigned)(C - 'a' + 10);
        else if (Base == 16 && C >= 'A' && C <= 'F')
            Digit = (unsigned)(C - 'A' + 10);
        else
            return FALSE;
        if (Result > (~0ULL - Digit) / Base)
            return FALSE;
        Result = Result * Base + Digit;
    }
    *Value = Result;
    return TRUE;
}

BOOLEAN RtlGetOptionNumber(const char *CommandLine, const char *Name, ULONG64 *Value)
{
    char Text[32];
    return RtlGetOption(CommandLine, Name, Text, sizeof(Text)) && RtlParseNumber(Text, Value);
}

/* '*' matches any run (also empty), '?' any one character. Iterative, with
 * one backtrack point: the classic linear-space algorithm. */
BOOLEAN RtlMatchWildcard(const char *Pattern, const char *Text)
{
    const char *StarPattern = NULL, *StarText = NULL;

    while (*Text) {
        if (*Pattern == '*') {
            StarPattern = ++Pattern;
            StarText = Text;
        } else if (*Pattern == '?' || *Pattern == *Text) {
            Pattern++;
            Text++;
        } else if (StarPattern) {
            Pattern = StarPattern;
            Text = ++StarText;
        } else {
            return FALSE;
        }
    }
    while (*Pattern == '*')
        Pattern++;
    return *Pattern == 0;
}
