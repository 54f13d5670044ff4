/*
 * ke.h - the kernel core's public face (Ke): bug checks, debug output, the
 * trap frame, boot information and command-line options.
 */
#ifndef KE_H
#define KE_H

#include "ntdef.h"
#include "bootinfo.h"
#include "bugcodes.h"

/* The registers saved on entry to every interrupt or exception, in the order
 * trap.asm pushes them (lowest address first). */
typedef struct _KTRAP_FRAME {
    ULONG64 R15, R14, R13, R12, R11, R10, R9, R8;
    ULONG64 Rbp, Rdi, Rsi, Rdx, Rcx, Rbx, Rax;
    ULONG64 Vector;
    ULONG64 ErrorCode; /* 0 for vectors without one */
    /* pushed by the CPU */
    ULONG64 Rip, SegCs, EFlags, Rsp, SegSs;
} KTRAP_FRAME, *PKTRAP_FRAME;

/* Debug output to the console (debug.c). DbgPrint returns NTSTATUS in WDM. */
ULONG DbgPrint(PCSTR Format, ...) __attribute__((format(printf, 1, 2)));
ULONG vDbgPrint(PCSTR Format, va_list Args);

/* Bug checks (bugcheck.c): report and stop the machine. */
__attribute__((noreturn)) VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4);
__attribute__((noreturn)) VOID KeBugCheck(ULONG BugCheckCode);
/* The kernel's own form: the same report, plus a sentence naming the rule that
 * was broken, and the trap frame when an exception caused it. */
__attribute__((noreturn)) VOID KiBugCheck(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4,
                                          PKTRAP_FRAME TrapFrame, PCSTR Explanation, ...)
    __attribute__((format(printf, 7, 8)));
PCSTR KeBugCheckName(ULONG BugCheckCode);
/* TRUE once a processor has started a bug check report. */
BOOLEAN KiIsBugCheckInProgress(VOID);

/* Exceptions and interrupts (trap.c). */
VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame);

/* Symbols (ksyms.c): the nearest function at or below Address, and the
 * offset into it. NULL when the address is outside the kernel's text. */
PCSTR KiLookupSymbol(ULONG64 Address, ULONG64 *Offset);
ULONG64 KiLookupSymbolAddress(PCSTR Name);
VOID KiPrintBacktrace(ULONG64 Rbp, ULONG64 Rip);

/* Boot information and options (bootinfo.c, options.c). */
extern BOOT_INFO KeBootInfo;
VOID KiCaptureBootInfo(ULONG Magic, ULONG64 InfoPhysical);
VOID KiPrintBootInfoDigest(VOID);
PCSTR KeBootLoaderName(ULONG Loader);
BOOLEAN KeGetOption(PCSTR Name, PCHAR Value, SIZE_T ValueSize);
BOOLEAN KeHasOption(PCSTR Name);
ULONG64 KeGetOptionNumber(PCSTR Name, ULONG64 Default);

/* Linker-script symbols: the kernel image's sections. */
extern char __KernelPhysicalStart[], __KernelTextStart[], __KernelTextEnd[];
extern char __KernelRodataStart[], __KernelRodataEnd[], __KernelDataStart[], __KernelDataEnd[];
extern char __KernelEnd[];
extern char KiBootStack[], KiBootStackTop[];
#define KERNEL_VMA 0xFFFFFFFF80000000ULL

#endif /* KE_H */
