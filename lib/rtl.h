/*
 * rtl.h - the runtime library (Rtl): freestanding helpers that the kernel and
 * the host unit tests share. Nothing here touches hardware or kernel state, so
 * every function can be tested on the host under AddressSanitizer.
 */
#ifndef RTL_H
#define RTL_H

#include "ntdef.h"
#include "rtl_list.h"

/* The C memory and string functions (lib/string.c). The compiler itself emits
 * calls to memcpy, memset, memmove and memcmp, so they keep their C names. */
void *memcpy(void *Dest, const void *Src, size_t Count);
void *memmove(void *Dest, const void *Src, size_t Count);
void *memset(void *Dest, int Value, size_t Count);
int memcmp(const void *A, const void *B, size_t Count);
size_t strlen(const char *S);
size_t strnlen(const char *S, size_t Max);
int strcmp(const char *A, const char *B);
int strncmp(const char *A, const char *B, size_t Count);
char *strchr(const char *S, int C);
size_t RtlStringCopy(char *Dest, size_t DestSize, const char *Src);

#define RtlCopyMemory(D, S, N) memcpy((D), (S), (N))
#define RtlMoveMemory(D, S, N) memmove((D), (S), (N))
#define RtlFillMemory(D, N, V) memset((D), (V), (N))
#define RtlZeroMemory(D, N) memset((D), 0, (N))
#define RtlEqualMemory(A, B, N) (memcmp((A), (B), (N)) == 0)

/* Formatted output (lib/format.c). RtlFormat understands
 *   %d %i %u %x %X %o %p %s %c %%
 * with the flags '-' (left-justify), '0' (zero-pad), '+', ' ', '#', a width and a
 * precision (either may be '*'), and the length modifiers hh h l ll z t j.
 * Output goes character by character to a sink, so the same core serves the
 * serial console and RtlFormatString into a buffer. It returns the number of
 * characters produced. */
typedef void (*PRTL_FORMAT_SINK)(void *Context, char C);
int RtlFormatV(PRTL_FORMAT_SINK Sink, void *Context, const char *Format, va_list Args);
int RtlFormat(PRTL_FORMAT_SINK Sink, void *Context, const char *Format, ...) __attribute__((format(printf, 3, 4)));

/* Like snprintf: always NUL-terminates when Size > 0, returns the length the
 * whole output would have had. */
int RtlFormatStringV(char *Buffer, size_t Size, const char *Format, va_list Args);
int RtlFormatString(char *Buffer, size_t Size, const char *Format, ...) __attribute__((format(printf, 3, 4)));

/* Bitmaps (lib/bitmap.c), as NT's RtlInitializeBitMap family: a bit set means
 * "in use". Bit N lives in Buffer[N / 32], bit N % 32. */
typedef struct _RTL_BITMAP {
    ULONG SizeOfBitMap; /* number of bits */
    PULONG Buffer;
} RTL_BITMAP, *PRTL_BITMAP;

VOID RtlInitializeBitMap(PRTL_BITMAP BitMap, PULONG Buffer, ULONG SizeOfBitMap);
VOID RtlClearAllBits(PRTL_BITMAP BitMap);
VOID RtlSetAllBits(PRTL_BITMAP BitMap);
VOID RtlSetBit(PRTL_BITMAP BitMap, ULONG BitNumber);
VOID RtlClearBit(PRTL_BITMAP BitMap, ULONG BitNumber);
BOOLEAN RtlTestBit(PRTL_BITMAP BitMap, ULONG BitNumber);
VOID RtlSetBits(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG NumberToSet);
VOID RtlClearBits(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG NumberToClear);
BOOLEAN RtlAreBitsClear(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG Length);
BOOLEAN RtlAreBitsSet(PRTL_BITMAP BitMap, ULONG StartingIndex, ULONG Length);
ULONG RtlNumberOfSetBits(PRTL_BITMAP BitMap);
ULONG RtlNumberOfClearBits(PRTL_BITMAP BitMap);
/* Find NumberToFind clear bits in a row, searching from HintIndex and wrapping
 * around; returns the first index or 0xFFFFFFFF. The ...AndSet form also sets
 * them. */
ULONG RtlFindClearBits(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex);
ULONG RtlFindClearBitsAndSet(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex);
ULONG RtlFindSetBits(PRTL_BITMAP BitMap, ULONG NumberToFind, ULONG HintIndex);
#define RTL_BITMAP_NOT_FOUND 0xFFFFFFFFU

/* Counted strings (lib/unicode.c), as NT's. RtlInitUnicodeString points
 * Destination at Source (no copy) with the lengths of its zero-terminated
 * text; NULL gives an empty string. RtlEqualUnicodeString compares, ignoring
 * ASCII case when CaseInSensitive (NT's object names are case-insensitive). */
VOID RtlInitUnicodeString(PUNICODE_STRING Destination, PCWSTR Source);
BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive);

/* The kernel command line (lib/cmdline.c): space-separated words, each either
 * `name` or `name=value`. */
BOOLEAN RtlGetOption(const char *CommandLine, const char *Name, char *Value, size_t ValueSize);
BOOLEAN RtlHasOption(const char *CommandLine, const char *Name);
BOOLEAN RtlGetOptionNumber(const char *CommandLine, const char *Name, ULONG64 *Value);
BOOLEAN RtlParseNumber(const char *Text, ULONG64 *Value);

/* A deterministic pseudo-random byte pattern (lib/rtl_pattern.c), addressed by
 * (Seed, byte offset): word W (bytes 8W .. 8W+7, little-endian) is
 * SplitMix64(Seed ^ W). RtlFillPattern writes the pattern's bytes
 * [Offset, Offset + Length) to Buffer; RtlCheckPattern returns the pattern
 * offset (not the buffer index) of the first byte of Buffer that differs, or
 * -1 when all match. tools/disktest.py computes the same pattern. */
ULONG64 RtlPatternWord(ULONG64 Seed, ULONG64 WordIndex);
UCHAR RtlPatternByte(ULONG64 Seed, ULONG64 Offset);
VOID RtlFillPattern(ULONG64 Seed, ULONG64 Offset, PVOID Buffer, SIZE_T Length);
LONG64 RtlCheckPattern(ULONG64 Seed, ULONG64 Offset, const VOID *Buffer, SIZE_T Length);

/* Shell-style wildcard match ('*' any run, '?' one character), used by the
 * test filter. */
BOOLEAN RtlMatchWildcard(const char *Pattern, const char *Text);

#endif /* RTL_H */
