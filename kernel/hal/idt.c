/*
 * idt.c - the interrupt descriptor table.
 *
 * Every vector's gate points at its stub in trap.asm. Gates are interrupt
 * gates (type 0xE): the CPU clears IF on entry, so a handler starts with
 * interrupts off. The double fault, NMI and machine check run on their own IST
 * stacks (see gdt.c), because they can arrive when the current stack is
 * unusable.
 */
#include "hal.h"
#include "hal_internal.h"

typedef struct __attribute__((packed)) _KIDTENTRY64 {
    USHORT OffsetLow;
    USHORT Selector;
    UCHAR IstIndex;
    UCHAR TypeAttributes;
    USHORT OffsetMiddle;
    ULONG OffsetHigh;
    ULONG Reserved;
} KIDTENTRY64;

typedef struct __attribute__((packed)) _IDT_POINTER {
    USHORT Limit;
    ULONG64 Base;
} IDT_POINTER;

static KIDTENTRY64 KiIdt[256];

static void SetGate(ULONG Vector, ULONG64 Handler, UCHAR Ist)
{
    KIDTENTRY64 *Entry = &KiIdt[Vector];

    Entry->OffsetLow = (USHORT)Handler;
    Entry->Selector = KGDT_R0_CODE;
    Entry->IstIndex = Ist;
    Entry->TypeAttributes = 0x8E; /* present, ring 0, 64-bit interrupt gate */
    Entry->OffsetMiddle = (USHORT)(Handler >> 16);
    Entry->OffsetHigh = (ULONG)(Handler >> 32);
    Entry->Reserved = 0;
}

VOID HalInitializeIdt(VOID)
{
    for (ULONG Vector = 0; Vector < 256; Vector++)
        SetGate(Vector, KiInterruptStubs[Vector], 0);
    SetGate(2, KiInterruptStubs[2], IST_NMI);
    SetGate(8, KiInterruptStubs[8], IST_DOUBLE_FAULT);
    SetGate(18, KiInterruptStubs[18], IST_MACHINE_CHECK);
    HalpLoadIdtOnThisProcessor();
}

/* Every CPU uses the one IDT: the boot CPU fills it, each AP only loads it. */
VOID HalpLoadIdtOnThisProcessor(VOID)
{
    IDT_POINTER Pointer = {sizeof(KiIdt) - 1, (ULONG64)KiIdt};
    HalpLoadIdt(&Pointer);
}
