/*
 * trap.c - what happens after trap.asm has saved the registers.
 *
 * CPU exceptions (vectors 0-31) in the kernel are bugs: this kernel has no
 * demand paging and no user mode, so nothing is "handled" by fixing it up.
 * Each becomes a bug check that names the exception and keeps its error code,
 * with the Windows code a driver writer would see for the same fault:
 *   page fault                  PAGE_FAULT_IN_NONPAGED_AREA (0x50)
 *   double fault, NMI, #MC,...  UNEXPECTED_KERNEL_MODE_TRAP (0x7F)
 *   everything else             KMODE_EXCEPTION_NOT_HANDLED (0x1E)
 * A double fault whose faulting address lies in a stack guard page is the
 * signature of a kernel stack overflow, and the report says so.
 */
#include "ke.h"
#include "interruptp.h"
#include "hal/vectors.h"
#include "hal/x86.h"
#include "hal/hal.h"
#include "mm/mm.h"

static const char *const KiExceptionNames[32] = {
    "divide error (#DE)",
    "debug (#DB)",
    "non-maskable interrupt (NMI)",
    "breakpoint (#BP)",
    "overflow (#OF)",
    "bound range exceeded (#BR)",
    "invalid opcode (#UD)",
    "device not available (#NM)",
    "double fault (#DF)",
    "coprocessor segment overrun",
    "invalid TSS (#TS)",
    "segment not present (#NP)",
    "stack-segment fault (#SS)",
    "general protection fault (#GP)",
    "page fault (#PF)",
    "reserved 15",
    "x87 floating-point error (#MF)",
    "alignment check (#AC)",
    "machine check (#MC)",
    "SIMD floating-point error (#XM)",
    "virtualization exception (#VE)",
    "control protection (#CP)",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "hypervisor injection (#HV)",
    "VMM communication (#VC)",
    "security exception (#SX)",
    "reserved 31",
};

/* The NTSTATUS exception code Windows reports for each CPU exception. */
static ULONG ExceptionCode(ULONG64 Vector)
{
    switch (Vector) {
    case 0: return 0xC0000094;  /* STATUS_INTEGER_DIVIDE_BY_ZERO */
    case 1: return 0x80000004;  /* STATUS_SINGLE_STEP */
    case 3: return 0x80000003;  /* STATUS_BREAKPOINT */
    case 4: return 0xC0000095;  /* STATUS_INTEGER_OVERFLOW */
    case 5: return 0xC000008C;  /* STATUS_ARRAY_BOUNDS_EXCEEDED */
    case 6: return 0xC000001D;  /* STATUS_ILLEGAL_INSTRUCTION */
    case 17: return 0x80000002; /* STATUS_DATATYPE_MISALIGNMENT */
    default: return 0xC0000005; /* STATUS_ACCESS_VIOLATION */
    }
}

static void PageFault(PKTRAP_FRAME F)
{
    ULONG64 Address = __readcr2();
    ULONG64 E = F->ErrorCode; /* bit 0 present, 1 write, 4 instruction fetch */
    PCSTR Access = (E & 0x10) ? "execute" : (E & 2) ? "write" : "read";
    PCSTR Why = (E & 1) ? "the page is mapped but forbids this access" : "nothing is mapped there";

    if (MmIsKernelStackGuardPage(Address)) {
        KiBugCheck(PAGE_FAULT_IN_NONPAGED_AREA, Address, (E & 2) ? 1 : 0, F->Rip, E, F,
                   "page fault (#PF): %s of the guard page at %p below a kernel stack: "
                   "the stack overflowed",
                   Access, (PVOID)Address);
    }
    if ((E & 0x11) == 0x11) {
        KiBugCheck(ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY, Address, E, F->Rip, 0, F,
                   "page fault (#PF): execute of no-execute memory at %p", (PVOID)Address);
    }
    if ((E & 3) == 3) {
        KiBugCheck(ATTEMPTED_WRITE_TO_READONLY_MEMORY, Address, E, F->Rip, 0, F,
                   "page fault (#PF): write to read-only memory at %p", (PVOID)Address);
    }
    KiBugCheck(PAGE_FAULT_IN_NONPAGED_AREA, Address,
               (E & 2)      ? 1
               : (E & 0x10) ? 10
                            : 0,
               F->Rip, E, F, "page fault (#PF): %s at %p, error code 0x%llx: %s", Access, (PVOID)Address, E, Why);
}

static void DoubleFault(PKTRAP_FRAME F)
{
    ULONG64 Address = __readcr2();

    /* The usual cause: a push into the guard page faults, and pushing the #PF
     * frame onto the same overflowed stack faults again. The CPU then switches
     * to the IST stack and raises #DF; CR2 still holds the guard address. */
    if (MmIsKernelStackGuardPage(Address) || MmIsKernelStackGuardPage(F->Rsp)) {
        KiBugCheck(UNEXPECTED_KERNEL_MODE_TRAP, 8, F->ErrorCode, Address, F->Rsp, F,
                   "double fault (#DF): kernel stack overflow: rsp %p reached the guard page at %p", (PVOID)F->Rsp,
                   (PVOID)Address);
    }
    KiBugCheck(UNEXPECTED_KERNEL_MODE_TRAP, 8, F->ErrorCode, Address, F->Rsp, F,
               "double fault (#DF), error code 0x%llx", F->ErrorCode);
}

static void Exception(PKTRAP_FRAME F)
{
    ULONG64 V = F->Vector;
    PCSTR Name = KiExceptionNames[V];

    switch (V) {
    case 14: PageFault(F); break;
    case 8: DoubleFault(F); break;
    case 2:
        /* The NMI a bug check sends to freeze the other processors. */
        if (KiIsBugCheckInProgress())
            HalHaltProcessor();
        KiBugCheck(UNEXPECTED_KERNEL_MODE_TRAP, V, F->ErrorCode, F->Rip, 0, F, "%s, error code 0x%llx", Name,
                   F->ErrorCode);
        break;
    case 10:
    case 11:
    case 12:
    case 18:
        KiBugCheck(UNEXPECTED_KERNEL_MODE_TRAP, V, F->ErrorCode, F->Rip, 0, F, "%s, error code 0x%llx", Name,
                   F->ErrorCode);
        break;
    default:
        KiBugCheck(KMODE_EXCEPTION_NOT_HANDLED, ExceptionCode(V), F->Rip, F->ErrorCode, V, F,
                   "unhandled exception in kernel mode: %s, error code 0x%llx", Name, F->ErrorCode);
    }
}

/* Vectors 0-31 belong to the CPU's exceptions, except 31, which the CPU
 * never raises: like Windows, this kernel uses it for the APC_LEVEL software
 * interrupt (hal/vectors.h). Interrupts go to intdispatch.c. */
VOID KiDispatchTrap(PKTRAP_FRAME TrapFrame)
{
    if (TrapFrame->Vector < 32 && TrapFrame->Vector != APC_VECTOR)
        Exception(TrapFrame);
    else
        KiInterruptDispatch(TrapFrame);
}
