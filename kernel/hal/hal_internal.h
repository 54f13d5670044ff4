/*
 * hal_internal.h - what the HAL's own files share: selectors, IST numbers and
 * the assembly helpers in descriptors.asm.
 */
#ifndef HAL_INTERNAL_H
#define HAL_INTERNAL_H

#include "ntdef.h"

/* GDT selectors. */
#define KGDT_R0_CODE 0x08
#define KGDT_R0_DATA 0x10
#define KGDT_TSS 0x18

/* Interrupt Stack Table slots (1-based, as the IDT encodes them). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3

/* Loads the GDT, reloads CS with a far return and the data selectors, loads
 * the task register. */
VOID HalpLoadGdt(const VOID *Pointer, ULONG CodeSelector, ULONG DataSelector, ULONG TssSelector);
VOID HalpLoadIdt(const VOID *Pointer);
/* Loads the shared IDT (idt.c) on this CPU. */
VOID HalpLoadIdtOnThisProcessor(VOID);

/* The 256 interrupt entry stubs in trap.asm, in vector order. */
extern const ULONG64 KiInterruptStubs[256];

BOOLEAN HalIsIstStackAddress(ULONG64 Address);

#endif /* HAL_INTERNAL_H */
