/*
 * idle.c - the idle loop: halt until the next interrupt, forever.
 *
 * `sti; hlt` as a pair: sti takes effect after the next instruction, so no
 * interrupt can slip in between enabling and halting and leave the CPU asleep
 * with work pending.
 */
#include "idle.h"

VOID KiIdleLoop(VOID)
{
    for (;;)
        __asm__ volatile("sti; hlt" : : : "memory");
}
