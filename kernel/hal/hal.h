/*
 * hal.h - the hardware abstraction layer's public face: the pieces of the PC
 * platform and of the x86-64 CPU that the rest of the kernel uses.
 */
#ifndef HAL_H
#define HAL_H

#include "ntdef.h"

/* COM1, polled (serial.c). */
VOID HalSerialInitialize(VOID);
VOID HalSerialPutChar(CHAR C);
BOOLEAN HalSerialGetChar(PCHAR C);

/* Descriptor tables (gdt.c, idt.c): the boot CPU's, and the IDT all CPUs share. */
VOID HalInitializeGdt(VOID);
VOID HalInitializeIdt(VOID);
/* Another CPU's descriptor tables (gdt.c): allocated by the boot CPU before it
 * starts that CPU (NULL: no memory), loaded by the CPU itself, with the IDT. */
PVOID HalAllocateProcessorDescriptors(VOID);
VOID HalLoadProcessorDescriptors(PVOID Descriptors, ULONG Number);

/* Interrupts (interrupts.c): mask the 8259, enable the local APIC, program
 * the I/O APICs with every line masked, connect the system vectors. */
VOID HalInitializeInterrupts(VOID);
/* Time (clock.c): calibrate the TSC and the local APIC timer against the PIT,
 * start the periodic clock interrupt at CLOCK_LEVEL. */
VOID HalInitializeClock(VOID);
/* Starts this CPU's periodic clock interrupt, with what HalInitializeClock
 * measured on the boot CPU (clock.c); each AP calls it for itself. */
VOID HalStartClockOnThisProcessor(VOID);

/* Sends Vector to the processor whose local APIC ID is ApicId (ipi.c):
 * fixed delivery, edge-triggered. */
VOID HalRequestIpi(ULONG ApicId, UCHAR Vector);
/* An AP's own interrupt hardware (mp.c): its local APIC and its clock. */
VOID HalInitializeProcessor(VOID);

/* QEMU's isa-debug-exit device (port 0xF4): QEMU exits with (Code << 1) | 1.
 * These are the codes the test runner reads. 0 is never used: a triple fault
 * with -no-reboot also exits with status 0. */
#define HAL_EXIT_TESTS_DONE 0x10   /* QEMU status 33 */
#define HAL_EXIT_BUGCHECK 0x11     /* QEMU status 35 */
#define HAL_EXIT_TEST_TIMEOUT 0x12 /* QEMU status 37 */
VOID HalExitEmulator(ULONG Code);

/* Stops this CPU for good (interrupts off, halt in a loop). */
__attribute__((noreturn)) VOID HalHaltProcessor(VOID);

#endif /* HAL_H */
