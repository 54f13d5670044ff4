/*
 * gdt.c - the boot CPU's global descriptor table and task state segment.
 *
 * Long mode ignores segment bases and limits for code and data, so the GDT
 * holds little: a kernel code and data selector, and the TSS. The TSS matters
 * for its Interrupt Stack Table: the CPU switches to IST stack N for a vector
 * whose IDT entry names N, whatever the current stack is. That is what lets a
 * double fault caused by a kernel stack overflow still run its handler.
 */
#include "hal.h"
#include "hal_internal.h"

#define IST_STACK_SIZE 8192

typedef struct __attribute__((packed)) _KTSS64 {
    ULONG Reserved0;
    ULONG64 Rsp[3];
    ULONG64 Reserved1;
    ULONG64 Ist[7]; /* Ist[0] is IST1 */
    ULONG64 Reserved2;
    USHORT Reserved3;
    USHORT IoMapBase;
} KTSS64;

typedef struct __attribute__((packed)) _GDT_POINTER {
    USHORT Limit;
    ULONG64 Base;
} GDT_POINTER;

static ULONG64 KiGdt[5];
static KTSS64 KiTss;
static UCHAR KiIstStacks[3][IST_STACK_SIZE] __attribute__((aligned(16)));

/* A 64-bit TSS descriptor takes two GDT slots (base bits 32-63 in the second). */
static void SetTssDescriptor(ULONG64 *Slot, ULONG64 Base, ULONG Limit)
{
    Slot[0] = (Limit & 0xFFFF) | ((Base & 0xFFFFFF) << 16) | (0x89ULL << 40) /* present, 64-bit TSS */
              | ((ULONG64)((Limit >> 16) & 0xF) << 48) | (((Base >> 24) & 0xFF) << 56);
    Slot[1] = Base >> 32;
}

VOID HalInitializeGdt(VOID)
{
    KiGdt[0] = 0;
    KiGdt[KGDT_R0_CODE / 8] = 0x00AF9A000000FFFFULL; /* present, ring 0, code, long mode */
    KiGdt[KGDT_R0_DATA / 8] = 0x00CF92000000FFFFULL; /* present, ring 0, data, writable */
    KiTss.Ist[IST_DOUBLE_FAULT - 1] = (ULONG64)&KiIstStacks[0][IST_STACK_SIZE];
    KiTss.Ist[IST_NMI - 1] = (ULONG64)&KiIstStacks[1][IST_STACK_SIZE];
    KiTss.Ist[IST_MACHINE_CHECK - 1] = (ULONG64)&KiIstStacks[2][IST_STACK_SIZE];
    KiTss.IoMapBase = sizeof(KiTss); /* no I/O permission bitmap */
    SetTssDescriptor(&KiGdt[KGDT_TSS / 8], (ULONG64)&KiTss, sizeof(KiTss) - 1);

    GDT_POINTER Pointer = {sizeof(KiGdt) - 1, (ULONG64)KiGdt};
    HalpLoadGdt(&Pointer, KGDT_R0_CODE, KGDT_R0_DATA, KGDT_TSS);
}

BOOLEAN HalIsIstStackAddress(ULONG64 Address)
{
    return Address >= (ULONG64)KiIstStacks && Address < (ULONG64)KiIstStacks + sizeof(KiIstStacks);
}
