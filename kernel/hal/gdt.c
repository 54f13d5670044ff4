/*
 * gdt.c - each CPU's global descriptor table, task state segment and
 * interrupt stacks.
 *
 * Long mode ignores segment bases and limits for code and data, so the GDT
 * holds little: a kernel code and data selector, and the TSS. The TSS matters
 * for its Interrupt Stack Table: the CPU switches to IST stack N for a vector
 * whose IDT entry names N, whatever the current stack is. That is what lets a
 * double fault caused by a kernel stack overflow still run its handler.
 *
 * Why one set per CPU. A TSS is marked busy in its GDT descriptor by `ltr`,
 * and `ltr` of a busy TSS faults, so two CPUs cannot load the same one. And
 * two CPUs taking a double fault at once on one shared IST stack would write
 * over each other's frames. So every CPU gets its own GDT, TSS and IST stacks;
 * the IDT, which only names IST slot numbers, is shared by all.
 *
 * The boot CPU's set is static (it is needed before the pool exists); the
 * others are allocated from the pool by the boot CPU before it starts them
 * (HalAllocateProcessorDescriptors) and loaded by each AP for itself.
 */
#include "hal.h"
#include "hal_internal.h"
#include "platform.h"
#include "ex/ex.h"
#include "rtl.h"

#define IST_STACK_SIZE 8192
#define IST_STACK_COUNT 3
#define HAL_DESCRIPTOR_TAG POOL_TAG('H', 'g', 'd', 't')

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

/* One CPU's descriptor tables and IST stacks. */
typedef struct _HAL_PROCESSOR_DESCRIPTORS {
    ULONG64 Gdt[5];
    KTSS64 Tss;
    UCHAR IstStacks[IST_STACK_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));
} HAL_PROCESSOR_DESCRIPTORS;

static HAL_PROCESSOR_DESCRIPTORS HalpBootDescriptors;
/* Every set in use, for HalIsIstStackAddress. */
static HAL_PROCESSOR_DESCRIPTORS *HalpDescriptorSets[HAL_MAX_PROCESSORS];

/* A 64-bit TSS descriptor takes two GDT slots (base bits 32-63 in the second). */
static void SetTssDescriptor(ULONG64 *Slot, ULONG64 Base, ULONG Limit)
{
    Slot[0] = (Limit & 0xFFFF) | ((Base & 0xFFFFFF) << 16) | (0x89ULL << 40) /* present, 64-bit TSS */
              | ((ULONG64)((Limit >> 16) & 0xF) << 48) | (((Base >> 24) & 0xFF) << 56);
    Slot[1] = Base >> 32;
}

static void FillDescriptors(HAL_PROCESSOR_DESCRIPTORS *Set)
{
    KTSS64 *Tss = &Set->Tss;

    Set->Gdt[0] = 0;
    Set->Gdt[KGDT_R0_CODE / 8] = 0x00AF9A000000FFFFULL; /* present, ring 0, code, long mode */
    Set->Gdt[KGDT_R0_DATA / 8] = 0x00CF92000000FFFFULL; /* present, ring 0, data, writable */
    Tss->Ist[IST_DOUBLE_FAULT - 1] = (ULONG64)&Set->IstStacks[0][IST_STACK_SIZE];
    Tss->Ist[IST_NMI - 1] = (ULONG64)&Set->IstStacks[1][IST_STACK_SIZE];
    Tss->Ist[IST_MACHINE_CHECK - 1] = (ULONG64)&Set->IstStacks[2][IST_STACK_SIZE];
    Tss->IoMapBase = sizeof(*Tss); /* no I/O permission bitmap */
    SetTssDescriptor(&Set->Gdt[KGDT_TSS / 8], (ULONG64)Tss, sizeof(*Tss) - 1);
}

/* Loads Set on this CPU. Loading the segment registers clears GS, so the
 * caller sets the GS base (the KPRCB) afterwards. */
static void LoadDescriptors(HAL_PROCESSOR_DESCRIPTORS *Set, ULONG Number)
{
    GDT_POINTER Pointer = {sizeof(Set->Gdt) - 1, (ULONG64)Set->Gdt};

    HalpDescriptorSets[Number] = Set;
    HalpLoadGdt(&Pointer, KGDT_R0_CODE, KGDT_R0_DATA, KGDT_TSS);
}

VOID HalInitializeGdt(VOID)
{
    FillDescriptors(&HalpBootDescriptors);
    LoadDescriptors(&HalpBootDescriptors, 0);
}

PVOID HalAllocateProcessorDescriptors(VOID)
{
    HAL_PROCESSOR_DESCRIPTORS *Set = ExAllocatePoolWithTag(NonPagedPool, sizeof(*Set), HAL_DESCRIPTOR_TAG);

    if (Set != NULL) {
        RtlZeroMemory(Set, sizeof(*Set));
        FillDescriptors(Set);
    }
    return Set;
}

VOID HalLoadProcessorDescriptors(PVOID Descriptors, ULONG Number)
{
    LoadDescriptors(Descriptors, Number);
    HalpLoadIdtOnThisProcessor();
}

BOOLEAN HalIsIstStackAddress(ULONG64 Address)
{
    for (ULONG i = 0; i < HAL_MAX_PROCESSORS; i++) {
        HAL_PROCESSOR_DESCRIPTORS *Set = HalpDescriptorSets[i];
        if (Set != NULL && Address >= (ULONG64)Set->IstStacks &&
            Address < (ULONG64)Set->IstStacks + sizeof(Set->IstStacks))
            return TRUE;
    }
    return FALSE;
}
