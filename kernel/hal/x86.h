/*
 * x86.h - single x86-64 instructions as C functions: port I/O, control
 * registers, MSRs, CPUID, TSC. Each is one instruction the compiler cannot
 * produce by itself.
 */
#ifndef HAL_X86_H
#define HAL_X86_H

#include "ntdef.h"

static inline void __outbyte(USHORT Port, UCHAR Value)
{
    __asm__ volatile("outb %0, %1" : : "a"(Value), "Nd"(Port));
}

static inline UCHAR __inbyte(USHORT Port)
{
    UCHAR Value;
    __asm__ volatile("inb %1, %0" : "=a"(Value) : "Nd"(Port));
    return Value;
}

static inline void __outdword(USHORT Port, ULONG Value)
{
    __asm__ volatile("outl %0, %1" : : "a"(Value), "Nd"(Port));
}

static inline ULONG __indword(USHORT Port)
{
    ULONG Value;
    __asm__ volatile("inl %1, %0" : "=a"(Value) : "Nd"(Port));
    return Value;
}

static inline ULONG64 __readcr0(void)
{
    ULONG64 V;
    __asm__ volatile("mov %%cr0, %0" : "=r"(V));
    return V;
}
static inline ULONG64 __readcr2(void)
{
    ULONG64 V;
    __asm__ volatile("mov %%cr2, %0" : "=r"(V));
    return V;
}
static inline ULONG64 __readcr3(void)
{
    ULONG64 V;
    __asm__ volatile("mov %%cr3, %0" : "=r"(V));
    return V;
}
static inline ULONG64 __readcr4(void)
{
    ULONG64 V;
    __asm__ volatile("mov %%cr4, %0" : "=r"(V));
    return V;
}
static inline ULONG64 __readcr8(void)
{
    ULONG64 V;
    __asm__ volatile("mov %%cr8, %0" : "=r"(V));
    return V;
}

static inline void __writecr3(ULONG64 V)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(V) : "memory");
}
static inline void __writecr4(ULONG64 V)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(V) : "memory");
}
static inline void __writecr8(ULONG64 V)
{
    __asm__ volatile("mov %0, %%cr8" : : "r"(V) : "memory");
}

static inline ULONG64 __readmsr(ULONG Msr)
{
    ULONG Low, High;
    __asm__ volatile("rdmsr" : "=a"(Low), "=d"(High) : "c"(Msr));
    return ((ULONG64)High << 32) | Low;
}

static inline void __writemsr(ULONG Msr, ULONG64 Value)
{
    __asm__ volatile("wrmsr" : : "c"(Msr), "a"((ULONG)Value), "d"((ULONG)(Value >> 32)));
}

static inline void __cpuid(ULONG Leaf, ULONG SubLeaf, ULONG Regs[4])
{
    __asm__ volatile("cpuid" : "=a"(Regs[0]), "=b"(Regs[1]), "=c"(Regs[2]), "=d"(Regs[3]) : "a"(Leaf), "c"(SubLeaf));
}

static inline ULONG64 __rdtsc(void)
{
    ULONG Low, High;
    __asm__ volatile("rdtsc" : "=a"(Low), "=d"(High));
    return ((ULONG64)High << 32) | Low;
}

static inline void __invlpg(const void *Address)
{
    __asm__ volatile("invlpg (%0)" : : "r"(Address) : "memory");
}

static inline void _disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}
static inline void _enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}
static inline void __halt(void)
{
    __asm__ volatile("hlt" : : : "memory");
}
static inline void _mm_pause(void)
{
    __asm__ volatile("pause" : : : "memory");
}

static inline ULONG64 __readeflags(void)
{
    ULONG64 Flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(Flags) : : "memory");
    return Flags;
}

#define EFLAGS_IF (1ULL << 9)

#define MSR_EFER 0xC0000080
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102

#endif /* HAL_X86_H */
