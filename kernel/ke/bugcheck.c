/*
 * bugcheck.c - KeBugCheckEx: the kernel's controlled stop.
 *
 * When the kernel finds that one of its rules has been broken it does not try
 * to carry on with corrupt state: it prints a report and stops the machine.
 * The report has what a developer needs to find the cause without a debugger:
 * the NT bug check code and name (look them up in Microsoft's docs), the four
 * parameters, a sentence naming the broken rule, the registers, and a
 * backtrace with function names.
 *
 * Under the test runner (a `test=` option) the kernel then leaves QEMU with
 * HAL_EXIT_BUGCHECK so the runner can tell a bug check from a finished run.
 */
#include "ke.h"
#include "rtl.h"
#include "hal/hal.h"
#include "hal/x86.h"
#include "hal/apic.h"
#include "ke/prcb.h"

typedef struct _BUGCHECK_NAME {
    ULONG Code;
    PCSTR Name;
} BUGCHECK_NAME;

static const BUGCHECK_NAME KiBugCheckNames[] = {
    {IRQL_NOT_GREATER_OR_EQUAL, "IRQL_NOT_GREATER_OR_EQUAL"},
    {IRQL_NOT_LESS_OR_EQUAL, "IRQL_NOT_LESS_OR_EQUAL"},
    {BAD_POOL_HEADER, "BAD_POOL_HEADER"},
    {MEMORY_MANAGEMENT, "MEMORY_MANAGEMENT"},
    {KMODE_EXCEPTION_NOT_HANDLED, "KMODE_EXCEPTION_NOT_HANDLED"},
    {PHASE0_INITIALIZATION_FAILED, "PHASE0_INITIALIZATION_FAILED"},
    {NO_MORE_IRP_STACK_LOCATIONS, "NO_MORE_IRP_STACK_LOCATIONS"},
    {MULTIPLE_IRP_COMPLETE_REQUESTS, "MULTIPLE_IRP_COMPLETE_REQUESTS"},
    {PAGE_FAULT_IN_NONPAGED_AREA, "PAGE_FAULT_IN_NONPAGED_AREA"},
    {KERNEL_STACK_INPAGE_ERROR, "KERNEL_STACK_INPAGE_ERROR"},
    {UNEXPECTED_KERNEL_MODE_TRAP, "UNEXPECTED_KERNEL_MODE_TRAP"},
    {ATTEMPTED_WRITE_TO_READONLY_MEMORY, "ATTEMPTED_WRITE_TO_READONLY_MEMORY"},
    {BAD_POOL_CALLER, "BAD_POOL_CALLER"},
    {DRIVER_VERIFIER_DETECTED_VIOLATION, "DRIVER_VERIFIER_DETECTED_VIOLATION"},
    {DRIVER_VERIFIER_IOMANAGER_VIOLATION, "DRIVER_VERIFIER_IOMANAGER_VIOLATION"},
    {MANUALLY_INITIATED_CRASH, "MANUALLY_INITIATED_CRASH"},
    {ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY"},
    {DPC_WATCHDOG_VIOLATION, "DPC_WATCHDOG_VIOLATION"},
    {INVALID_AFFINITY_SET, "INVALID_AFFINITY_SET"},
    {HAL_INITIALIZATION_FAILED, "HAL_INITIALIZATION_FAILED"},
    {IRQL_UNEXPECTED_VALUE, "IRQL_UNEXPECTED_VALUE"},
    {INVALID_SOFTWARE_INTERRUPT, "INVALID_SOFTWARE_INTERRUPT"},
    {MAXIMUM_WAIT_OBJECTS_EXCEEDED, "MAXIMUM_WAIT_OBJECTS_EXCEEDED"},
    {THREAD_NOT_MUTEX_OWNER, "THREAD_NOT_MUTEX_OWNER"},
    {KERNEL_SECURITY_CHECK_FAILURE, "KERNEL_SECURITY_CHECK_FAILURE"},
};

/* 0, or the number + 1 of the processor that is reporting a bug check. */
static volatile LONG KiBugCheckActive;

/* The processor's number + 1, or 1 before the KPRCBs exist (then there is
 * only the boot processor). */
static LONG BugCheckOwnerTag(void)
{
    return KeNumberProcessors == 0 ? 1 : (LONG)KeGetCurrentProcessorNumber() + 1;
}

BOOLEAN KiIsBugCheckInProgress(VOID)
{
    return __atomic_load_n(&KiBugCheckActive, __ATOMIC_ACQUIRE) != 0;
}

/* Stops every other processor with an NMI, which gets through whatever their
 * IRQL and even with interrupts disabled, so that nothing changes memory or
 * prints while the report is written. Their NMI handler sees the bug check
 * in progress and halts (trap.c). */
static void FreezeOtherProcessors(void)
{
    ULONG Count = KeNumberProcessors;

    if (Count <= 1)
        return; /* one processor, or before the others were started */
    for (ULONG n = 0; n < Count; n++) {
        PKPRCB Prcb = KiProcessorBlock[n];
        if (Prcb != NULL && Prcb != KeGetCurrentPrcb())
            HalpSendIpi(Prcb->ApicId, LAPIC_ICR_NMI);
    }
}

PCSTR KeBugCheckName(ULONG BugCheckCode)
{
    for (SIZE_T i = 0; i < ARRAYSIZE(KiBugCheckNames); i++) {
        if (KiBugCheckNames[i].Code == BugCheckCode)
            return KiBugCheckNames[i].Name;
    }
    return "UNKNOWN_BUGCHECK";
}

static void PrintTrapFrame(const KTRAP_FRAME *F)
{
    ULONG64 Offset;
    PCSTR Symbol = KiLookupSymbol(F->Rip, &Offset);

    DbgPrint("Trap frame: vector %llu, error code 0x%llx\n", F->Vector, F->ErrorCode);
    DbgPrint("  rip %016llx  %s+0x%llx\n", F->Rip, Symbol ? Symbol : "?", Symbol ? Offset : 0);
    DbgPrint("  rax %016llx  rbx %016llx  rcx %016llx\n", F->Rax, F->Rbx, F->Rcx);
    DbgPrint("  rdx %016llx  rsi %016llx  rdi %016llx\n", F->Rdx, F->Rsi, F->Rdi);
    DbgPrint("  rbp %016llx  rsp %016llx  r8  %016llx\n", F->Rbp, F->Rsp, F->R8);
    DbgPrint("  r9  %016llx  r10 %016llx  r11 %016llx\n", F->R9, F->R10, F->R11);
    DbgPrint("  r12 %016llx  r13 %016llx  r14 %016llx\n", F->R12, F->R13, F->R14);
    DbgPrint("  r15 %016llx  rflags %08llx  cs %04llx ss %04llx\n", F->R15, F->EFlags, F->SegCs, F->SegSs);
}

static void PrintControlRegisters(void)
{
    DbgPrint("  cr0 %016llx  cr2 %016llx  cr3 %016llx\n", __readcr0(), __readcr2(), __readcr3());
    DbgPrint("  cr4 %016llx  cr8 %016llx\n", __readcr4(), __readcr8());
}

static __attribute__((noreturn)) void StopMachine(void)
{
    /* A run under the test runner ends QEMU; an interactive one stays halted
     * so the report can be read and GDB can still attach. */
    if (KeHasOption("test") || KeHasOption("crash"))
        HalExitEmulator(HAL_EXIT_BUGCHECK);
    HalHaltProcessor();
}

VOID KiBugCheck(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, PKTRAP_FRAME TrapFrame,
                PCSTR Explanation, ...)
{
    _disable();
    /* A bug check inside the bug check (a fault while printing) must not
     * recurse forever: the second one only says so and stops. Another
     * processor's bug check meanwhile halts quietly: one report at a time. */
    LONG Owner = 0;
    if (!__atomic_compare_exchange_n(&KiBugCheckActive, &Owner, BugCheckOwnerTag(), FALSE, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST)) {
        if (Owner != BugCheckOwnerTag())
            HalHaltProcessor();
        DbgPrint("\n*** STOP 0x%08X during a bug check; halting.\n", Code);
        StopMachine();
    }
    FreezeOtherProcessors();

    DbgPrint("\n*** STOP: 0x%08X (0x%016llx, 0x%016llx, 0x%016llx, 0x%016llx)\n", Code, (ULONG64)P1, (ULONG64)P2,
             (ULONG64)P3, (ULONG64)P4);
    DbgPrint("*** %s\n", KeBugCheckName(Code));
    if (Explanation != NULL) {
        va_list Args;
        va_start(Args, Explanation);
        DbgPrint("*** ");
        vDbgPrint(Explanation, Args);
        DbgPrint("\n");
        va_end(Args);
    }
    if (TrapFrame != NULL) {
        PrintTrapFrame(TrapFrame);
        PrintControlRegisters();
        KiPrintBacktrace(TrapFrame->Rbp, TrapFrame->Rip);
    } else {
        PrintControlRegisters();
        KiPrintBacktrace((ULONG64)__builtin_frame_address(0), (ULONG64) && Here);
    Here:;
    }
    DbgPrint("*** System halted.\n");
    StopMachine();
}

VOID KeBugCheckEx(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    KiBugCheck(Code, P1, P2, P3, P4, NULL, NULL);
}

VOID KeBugCheck(ULONG Code)
{
    KiBugCheck(Code, 0, 0, 0, 0, NULL, NULL);
}
