/*
 * mp.h - starting the other processors (mp.c, trampoline.asm); the kernel's
 * side is kernel/ke/mpinit.c. docs/smp.md tells the whole story.
 */
#ifndef HAL_MP_H
#define HAL_MP_H

#include "ntdef.h"

/* An AP's first C function, on its own stack, interrupts off, on the
 * trampoline's GDT: it must load its own before anything else. */
typedef __attribute__((noreturn)) VOID (*PHAL_AP_ENTRY)(PVOID Argument);

/* Wakes the processor whose local APIC ID is ApicId with INIT-SIPI-SIPI; it
 * starts at Entry(Argument) on StackTop. FALSE: it did not even wake up (it
 * was sent back to sleep with INIT). TRUE: it is running the trampoline; the
 * caller waits for it to report in, and starts no other processor before. */
BOOLEAN HalStartNextProcessor(ULONG ApicId, PVOID StackTop, PHAL_AP_ENTRY Entry, PVOID Argument);

/* Stops an AP that was woken but never reported in: INIT puts it back into
 * wait-for-SIPI, so it cannot run on a later AP's parameters. */
VOID HalStopProcessor(ULONG ApicId);

/* After the last start: the trampoline's page leaves the page tables and
 * every CPU's TLB. Every AP that was started must already run on its own
 * descriptor tables. */
VOID HalEndProcessorStartup(VOID);

#endif /* HAL_MP_H */
