/*
 * cmdrun.c - the shell's commands that run something: echo, test, bench,
 * poweroff.
 */
#include "kdp.h"
#include "hal/hal.h"
#include "ktest.h"
#include "bench.h"

_Use_decl_annotations_
BOOLEAN KdCmdEcho(ULONG Argc, PCSTR *Argv)
{
    for (ULONG i = 1; i < Argc; i++)
        DbgPrint(i + 1 < Argc ? "%s " : "%s", Argv[i]);
    DbgPrint("\n");
    return TRUE;
}

/* The tests print KTAP, as in a `test=` boot; the shell's thread runs them. */
_Use_decl_annotations_
BOOLEAN KdCmdTest(ULONG Argc, PCSTR *Argv)
{
    if (Argc > 2)
        return FALSE;
    ULONG Failed = KtRunTests(Argc == 2 ? Argv[1] : "all");
    DbgPrint("test: %s\n", Failed == 0 ? "all suites passed" : "some suites failed");
    return TRUE;
}

_Use_decl_annotations_
BOOLEAN KdCmdBench(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    KtRunBenchmarks();
    return TRUE;
}

/* QEMU's isa-debug-exit device ends QEMU; on a machine without one, the
 * write goes nowhere and this processor halts instead. */
_Use_decl_annotations_
BOOLEAN KdCmdPoweroff(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    DbgPrint("kd: powering off\n");
    HalExitEmulator(HAL_EXIT_TESTS_DONE);
    DbgPrint("kd: no isa-debug-exit device: halting; switch the machine off\n");
    HalHaltProcessor();
    return TRUE;
}
