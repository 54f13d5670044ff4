/*
 * khost.h - a tiny KTAP harness for the host unit tests.
 *
 * A test is a function registered with KH_TEST(name); each test_*.c file is
 * one program, and khost.c supplies its main(). Tests run in source order and
 * the output is KTAP, like the kernel's:
 *
 *   KTAP version 1
 *   1..2
 *   ok 1 strlen_basic
 *   # test_string.c:40: expected lib_strlen("ab") == 3, got 0x2 (2) and 0x3 (3)
 *   not ok 2 strlen_wrong
 *
 * Diagnostics come before the result line they belong to. The exit status is
 * 1 when any test failed. An optional argument is a wildcard pattern that
 * selects tests by name (`build/host/test_format 'sweep_*'`).
 *
 * KH_EXPECT_* record a failure and go on; KH_ASSERT_* also end the test.
 */
#ifndef KHOST_H
#define KHOST_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*KH_ROUTINE)(void);

void KhRegister(const char *Name, KH_ROUTINE Routine, int Line);

/* A constructor registers each test before main() runs; the line number
 * restores source order, which constructors do not promise. */
#define KH_TEST(name)                                                                                                  \
    static void KhTest_##name(void);                                                                                   \
    __attribute__((constructor)) static void KhRegister_##name(void)                                                   \
    {                                                                                                                  \
        KhRegister(#name, KhTest_##name, __LINE__);                                                                    \
    }                                                                                                                  \
    static void KhTest_##name(void)

/* The checks behind the macros; each returns whether it passed. */
int KhCheck(int Ok, const char *File, int Line, const char *Text);
int KhCheckCompare(unsigned long long A, unsigned long long B, const char *Op, const char *TextA, const char *TextB,
                   const char *File, int Line);
int KhCheckString(const char *A, const char *B, const char *TextA, const char *TextB, const char *File, int Line);
int KhCheckMemory(const void *A, const void *B, size_t Size, const char *TextA, const char *TextB, const char *File,
                  int Line);

/* Marks the running test failed and prints one diagnostic line. */
void KhFail(const char *File, int Line, const char *Format, ...) __attribute__((format(printf, 3, 4)));
/* Prints a diagnostic line ("# ...") without failing. */
void KhInfo(const char *Format, ...) __attribute__((format(printf, 1, 2)));
/* Whether the running test has failed so far. */
int KhFailed(void);

/* A deterministic pseudo-random generator (xorshift64*) for the randomised
 * cross-checks, so a failure reproduces. */
void KhSeed(unsigned long long Seed);
unsigned long long KhRandom(void);
/* A number in [0, Limit); Limit must not be 0. */
unsigned long long KhRandomBelow(unsigned long long Limit);

#define KH_EXPECT(c) KhCheck((c) ? 1 : 0, __FILE__, __LINE__, #c)
#define KH_CMP_(a, op, b)                                                                                              \
    KhCheckCompare((unsigned long long)(a), (unsigned long long)(b), #op, #a, #b, __FILE__, __LINE__)
/* Both sides are compared as unsigned 64-bit numbers (pointers too). */
#define KH_EXPECT_EQ(a, b) KH_CMP_(a, ==, b)
#define KH_EXPECT_NE(a, b) KH_CMP_(a, !=, b)
#define KH_EXPECT_LT(a, b) KH_CMP_(a, <, b)
#define KH_EXPECT_LE(a, b) KH_CMP_(a, <=, b)
#define KH_EXPECT_GT(a, b) KH_CMP_(a, >, b)
#define KH_EXPECT_GE(a, b) KH_CMP_(a, >=, b)
#define KH_EXPECT_STREQ(a, b) KhCheckString((a), (b), #a, #b, __FILE__, __LINE__)
#define KH_EXPECT_MEMEQ(a, b, n) KhCheckMemory((a), (b), (n), #a, #b, __FILE__, __LINE__)
#define KH_FAIL(...) KhFail(__FILE__, __LINE__, __VA_ARGS__)

#define KH_ASSERT(c)                                                                                                   \
    do {                                                                                                               \
        if (!KH_EXPECT(c))                                                                                             \
            return;                                                                                                    \
    } while (0)
#define KH_ASSERT_EQ(a, b)                                                                                             \
    do {                                                                                                               \
        if (!KH_EXPECT_EQ(a, b))                                                                                       \
            return;                                                                                                    \
    } while (0)
#define KH_ASSERT_NE(a, b)                                                                                             \
    do {                                                                                                               \
        if (!KH_EXPECT_NE(a, b))                                                                                       \
            return;                                                                                                    \
    } while (0)

#endif /* KHOST_H */
