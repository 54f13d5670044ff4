/*
 * ktest.h - in-kernel tests.
 *
 * A test is a function registered with KTEST(suite, name). Registration puts a
 * KTEST_CASE in the .ktest section, so the runner (ktest.c) finds every test
 * without a list to keep up to date. With `test=<filter>` on the command line
 * the kernel runs the matching suites after boot and prints KTAP on the serial
 * port; tools/ktest.py reads it.
 *
 *   KTEST(rtl, bitmap_find)
 *   {
 *       KT_EXPECT_EQ(RtlFindClearBits(&Map, 4, 0), 0);
 *   }
 *
 * KT_EXPECT_* record a failure and go on; KT_ASSERT_* also end the test.
 *
 * A test whose correct outcome is a bug check is registered with
 * KTEST_BUGCHECK(suite, name, code). It never runs in a normal test boot
 * (it would end it): the runner boots the kernel once more for it, with
 * `crash=suite.name`, and checks that the machine stopped with that code.
 */
#ifndef KTEST_H
#define KTEST_H

#include "ntdef.h"

typedef struct _KTEST_CONTEXT {
    BOOLEAN Failed;
    BOOLEAN Skipped;
    PCSTR SkipReason;
} KTEST_CONTEXT;

typedef struct _KTEST_CASE {
    PCSTR Suite;
    PCSTR Name;
    VOID (*Routine)(KTEST_CONTEXT *Kt);
    ULONG ExpectedBugCheck; /* 0: an ordinary test */
    PCSTR File;             /* tests run in source order: file, then line */
    int Line;
} KTEST_CASE;

#define KTEST_REGISTER(suite, name, code)                                                                              \
    static VOID KtestRoutine_##suite##_##name(KTEST_CONTEXT *Kt);                                                      \
    static const KTEST_CASE KtestCase_##suite##_##name __attribute__((used, section(".ktest"), aligned(8))) = {        \
        #suite, #name, KtestRoutine_##suite##_##name, (code), __FILE__, __LINE__};                                     \
    static VOID KtestRoutine_##suite##_##name(KTEST_CONTEXT *Kt)

#define KTEST(suite, name) KTEST_REGISTER(suite, name, 0)
#define KTEST_BUGCHECK(suite, name, code) KTEST_REGISTER(suite, name, code)

BOOLEAN KtCheck(KTEST_CONTEXT *Kt, BOOLEAN Ok, PCSTR File, int Line, PCSTR Text);
BOOLEAN KtCheckCompare(KTEST_CONTEXT *Kt, ULONG64 A, ULONG64 B, PCSTR Op, PCSTR TextA, PCSTR TextB, PCSTR File,
                       int Line);
BOOLEAN KtCheckString(KTEST_CONTEXT *Kt, PCSTR A, PCSTR B, PCSTR TextA, PCSTR TextB, PCSTR File, int Line);
VOID KtSkip(KTEST_CONTEXT *Kt, PCSTR Reason);
VOID KtInfo(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));

#define KT_EXPECT(c) KtCheck(Kt, (c) ? TRUE : FALSE, __FILE__, __LINE__, #c)
#define KT_CMP_(a, op, b) KtCheckCompare(Kt, (ULONG64)(a), (ULONG64)(b), #op, #a, #b, __FILE__, __LINE__)
#define KT_EXPECT_EQ(a, b) KT_CMP_(a, ==, b)
#define KT_EXPECT_NE(a, b) KT_CMP_(a, !=, b)
#define KT_EXPECT_LT(a, b) KT_CMP_(a, <, b)
#define KT_EXPECT_LE(a, b) KT_CMP_(a, <=, b)
#define KT_EXPECT_GT(a, b) KT_CMP_(a, >, b)
#define KT_EXPECT_GE(a, b) KT_CMP_(a, >=, b)
#define KT_EXPECT_STREQ(a, b) KtCheckString(Kt, (a), (b), #a, #b, __FILE__, __LINE__)

#define KT_ASSERT(c)                                                                                                   \
    do {                                                                                                               \
        if (!KT_EXPECT(c))                                                                                             \
            return;                                                                                                    \
    } while (0)
#define KT_ASSERT_EQ(a, b)                                                                                             \
    do {                                                                                                               \
        if (!KT_EXPECT_EQ(a, b))                                                                                       \
            return;                                                                                                    \
    } while (0)
#define KT_ASSERT_NE(a, b)                                                                                             \
    do {                                                                                                               \
        if (!KT_EXPECT_NE(a, b))                                                                                       \
            return;                                                                                                    \
    } while (0)
#define KT_SKIP(reason)                                                                                                \
    do {                                                                                                               \
        KtSkip(Kt, reason);                                                                                            \
        return;                                                                                                        \
    } while (0)

/* Runs the tests the command line asks for; returns after printing KTAP. */
VOID KtRunFromCommandLine(VOID);
/* Runs the tests Filter selects (as `test=` would), printing KTAP; returns
 * how many suites failed. The kernel shell's `test` command. */
ULONG KtRunTests(PCSTR Filter);

#endif /* KTEST_H */
