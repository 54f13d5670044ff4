/*
 * ioapic.h - the I/O APICs: where device interrupt lines enter the APIC
 * system (ioapic.c).
 *
 * Each I/O APIC has a few dozen input pins; ACPI numbers all pins of all I/O
 * APICs in one space, the global system interrupts (GSIs): an I/O APIC whose
 * GSI base is 24 takes GSIs 24, 25, ... on its pins 0, 1, .... Each pin has a
 * 64-bit redirection entry saying what to send when the line signals:
 *
 *   63      56 55       17 16   15    14    13    12    11   10  8 7      0
 *   | dest ID |  reserved | mask|level|rIRR |low  |busy |log |deliv| vector |
 *
 *   vector      the vector the local APIC receives: it decides the IRQL
 *   delivery    000 = fixed: to the destination CPU, as is
 *   logical     0 = the destination is one physical APIC ID
 *   busy        delivery status (read-only): a message is on its way
 *   low         polarity: 1 = the line is asserted when low
 *   rIRR        remote IRR (read-only, level only): the interrupt was
 *               delivered and no EOI came back yet; set, the pin sends nothing
 *   level       trigger mode: 0 = edge (a rising edge, once), 1 = level (as
 *               long as the line is asserted, again after every EOI)
 *   mask        1 = the pin sends nothing
 *   dest ID     the APIC ID of the CPU that receives it
 */
#ifndef HAL_IOAPIC_H
#define HAL_IOAPIC_H

#include "ntdef.h"

#define IOAPIC_ENTRY_VECTOR 0xFFULL
#define IOAPIC_ENTRY_ACTIVE_LOW (1ULL << 13)
#define IOAPIC_ENTRY_REMOTE_IRR (1ULL << 14)
#define IOAPIC_ENTRY_LEVEL (1ULL << 15)
#define IOAPIC_ENTRY_MASKED (1ULL << 16)
#define IOAPIC_ENTRY_DESTINATION_SHIFT 56

/* Maps every I/O APIC the MADT lists and masks all of its pins. */
VOID HalpInitializeIoApics(VOID);

/* Whether an I/O APIC has a pin for Gsi. */
BOOLEAN HalpIoApicHasGsi(ULONG Gsi);

/* Sets Gsi's entry: Vector, to the CPU whose APIC ID is Destination, with
 * the polarity and trigger mode given; the pin starts masked. */
VOID HalpIoApicProgram(ULONG Gsi, UCHAR Vector, BOOLEAN ActiveLow, BOOLEAN LevelTriggered, ULONG Destination);
/* Masks or unmasks Gsi's pin, leaving the rest of the entry alone. */
VOID HalpIoApicSetMasked(ULONG Gsi, BOOLEAN Masked);
/* Changes only the trigger mode of Gsi's entry. */
VOID HalpIoApicSetLevelTriggered(ULONG Gsi, BOOLEAN LevelTriggered);
/* The whole entry, as the hardware holds it (for tests and messages). */
ULONG64 HalpIoApicReadEntry(ULONG Gsi);

#endif /* HAL_IOAPIC_H */
