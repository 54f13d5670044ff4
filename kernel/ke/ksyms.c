/*
 * ksyms.c - addresses to function names, for bug-check backtraces.
 *
 * The build links the kernel twice. tools/gensyms.py reads the first link's
 * symbols (nm -n) and writes them, sorted by address, into the .ksyms section
 * of the second. The linker script puts .ksyms last, so adding it moves no
 * code: the addresses it records are the final ones.
 */
#include "ke.h"
#include "rtl.h"
#include "mm/mm.h"

typedef struct _KSYMBOL {
    ULONG64 Address;
    PCSTR Name;
} KSYMBOL;

/* Defined by the generated build/ksyms.asm. */
extern const ULONG64 KiSymbolCount;
extern const KSYMBOL KiSymbols[];

PCSTR KiLookupSymbol(ULONG64 Address, ULONG64 *Offset)
{
    ULONG64 Low = 0, High = KiSymbolCount;

    if (Address < (ULONG64)__KernelTextStart || Address >= (ULONG64)__KernelTextEnd || High == 0)
        return NULL;
    /* Binary search for the last symbol at or below Address. */
    while (High - Low > 1) {
        ULONG64 Mid = (Low + High) / 2;
        if (KiSymbols[Mid].Address <= Address)
            Low = Mid;
        else
            High = Mid;
    }
    if (KiSymbols[Low].Address > Address)
        return NULL;
    *Offset = Address - KiSymbols[Low].Address;
    return KiSymbols[Low].Name;
}

ULONG64 KiLookupSymbolAddress(PCSTR Name)
{
    for (ULONG64 i = 0; i < KiSymbolCount; i++) {
        if (strcmp(KiSymbols[i].Name, Name) == 0)
            return KiSymbols[i].Address;
    }
    return 0;
}

/* Walks the frame-pointer chain: with -fno-omit-frame-pointer every function
 * starts with push rbp; mov rbp, rsp, so [rbp] is the caller's rbp and
 * [rbp + 8] the return address. The walk stops at a zero rbp (start64_high
 * clears it), at an address that is not mapped, or after 32 frames. */
VOID KiPrintBacktrace(ULONG64 Rbp, ULONG64 Rip)
{
    ULONG64 Offset;
    PCSTR Name = KiLookupSymbol(Rip, &Offset);

    DbgPrint("Backtrace:\n");
    DbgPrint("  #0  %016llx  %s+0x%llx\n", Rip, Name ? Name : "?", Name ? Offset : 0);
    for (int Depth = 1; Depth < 32; Depth++) {
        if (Rbp == 0 || (Rbp & 7) != 0 || !MmIsAddressValid((PVOID)Rbp) || !MmIsAddressValid((PVOID)(Rbp + 8)))
            break;
        ULONG64 Return = ((ULONG64 *)Rbp)[1];
        if (Return == 0)
            break;
        /* Look up the call instruction, not the return address: a call to a
         * noreturn function can be the last instruction of its function, and
         * its return address then belongs to the next function. */
        Name = KiLookupSymbol(Return - 1, &Offset);
        DbgPrint("  #%-2d %016llx  %s+0x%llx\n", Depth, Return, Name ? Name : "?", Name ? Offset + 1 : 0);
        Rbp = ((ULONG64 *)Rbp)[0];
    }
}
