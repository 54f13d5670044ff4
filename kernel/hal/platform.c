/*
 * platform.c - stopping the machine: halting a CPU, and leaving QEMU with a
 * status the test runner can read.
 */
#include "hal.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xF4

VOID HalExitEmulator(ULONG Code)
{
    /* Without the isa-debug-exit device this write goes nowhere and we return. */
    __outdword(DEBUG_EXIT_PORT, Code);
}

VOID HalHaltProcessor(VOID)
{
    for (;;) {
        _disable();
        __halt();
    }
}
