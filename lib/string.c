/*
 * string.c - the C memory and string functions the kernel needs.
 *
 * The compiler emits calls to memcpy/memset/memmove/memcmp by itself (for
 * structure copies and initialisers), so a freestanding kernel must provide
 * them. The build compiles this file with -fno-builtin and
 * -fno-tree-loop-distribute-patterns: otherwise GCC recognises the loop in
 * memset as "a memset" and turns it into a call to memset, itself.
 */
#include "rtl.h"

/* Eight bytes at a time while both pointers are 8-byte aligned (IRPs, MDLs
 * and stack locations are cleared and copied on every request), with the
 * string instructions made for it (rep movsq / rep stosq: one instruction
 * that repeats, rcx times), then the rest byte by byte. */
static int BothAligned(const void *A, const void *B)
{
    return (((size_t)A | (size_t)B) & 7) == 0;
}

void *memcpy(void *Dest, const void *Src, size_t Count)
{
    unsigned char *D = Dest;
    const unsigned char *S = Src;

    if (BothAligned(D, S) && Count >= 8) {
        size_t Words = Count / 8;
        __asm__ volatile("rep movsq" : "+D"(D), "+S"(S), "+c"(Words) : : "memory");
        Count %= 8;
    }
    while (Count--)
        *D++ = *S++;
    return Dest;
}

void *memmove(void *Dest, const void *Src, size_t Count)
{
    unsigned char *D = Dest;
    const unsigned char *S = Src;

    if (D == S || Count == 0)
        return Dest;
    if (D < S || D >= S + Count)
        return memcpy(Dest, Src, Count);
    /* Overlapping with the destination above the source: copy backwards. */
    while (Count--)
        D[Count] = S[Count];
    return Dest;
}

void *memset(void *Dest, int Value, size_t Count)
{
    unsigned char *D = Dest;

    if (BothAligned(D, D) && Count >= 8) {
        size_t Words = Count / 8;
        unsigned long long Word = 0x0101010101010101ULL * (unsigned char)Value;
        __asm__ volatile("rep stosq" : "+D"(D), "+c"(Words) : "a"(Word) : "memory");
        Count %= 8;
    }
    while (Count--)
        *D++ = (unsigned char)Value;
    return Dest;
}

int memcmp(const void *A, const void *B, size_t Count)
{
    const unsigned char *X = A, *Y = B;

    for (; Count; Count--, X++, Y++) {
        if (*X != *Y)
            return *X < *Y ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *S)
{
    size_t N = 0;

    while (S[N])
        N++;
    return N;
}

size_t strnlen(const char *S, size_t Max)
{
    size_t N = 0;

    while (N < Max && S[N])
        N++;
    return N;
}

int strcmp(const char *A, const char *B)
{
    while (*A && *A == *B) {
        A++;
        B++;
    }
    return (unsigned char)*A - (unsigned char)*B;
}

int strncmp(const char *A, const char *B, size_t Count)
{
    for (; Count; Count--, A++, B++) {
        if (*A != *B || *A == 0)
            return (unsigned char)*A - (unsigned char)*B;
    }
    return 0;
}

char *strchr(const char *S, int C)
{
    for (;; S++) {
        if (*S == (char)C)
            return (char *)S;
        if (*S == 0)
            return NULL;
    }
}

/* Copies at most DestSize - 1 characters and always terminates (when
 * DestSize > 0). Returns the length of Src, so truncation shows as a return
 * value >= DestSize. */
size_t RtlStringCopy(char *Dest, size_t DestSize, const char *Src)
{
    size_t Length = strlen(Src);

    if (DestSize > 0) {
        size_t N = Length < DestSize - 1 ? Length : DestSize - 1;
        memcpy(Dest, Src, N);
        Dest[N] = 0;
    }
    return Length;
}
