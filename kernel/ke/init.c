/*
 * init.c - KiSystemStartup: the kernel's first C code, and the order in which
 * the subsystems come up.
 *
 * boot/entry.asm calls it on the boot CPU, on the early page tables, with a
 * small stack in .bss. Phase 0 captures the boot information, installs the
 * descriptor tables (so a fault from here on is a readable bug check rather
 * than a silent reset) and brings up memory. Phase 1 continues on a proper
 * kernel stack, one with a guard page below it.
 */
#include "ke.h"
#include "rtl.h"
#include "hal/hal.h"
#include "hal/platform.h"
#include "hal/x86.h"
#include "mm/mm.h"
#include "ex/ex.h"
#include "ke/prcb.h"
#include "ke/idle.h"
#include "io/iop.h"
#include "ke/thread.h"
#include "ps/ps.h"
#include "ke/ipi.h"
#include "ke/dpc.h"
#include "ktest.h"
#include "bench.h"
#include "kd/kd.h"

#define KERNEL_STACK_PAGES 8

/* Switches to StackTop and calls Routine there (callonstack.asm). */
__attribute__((noreturn)) VOID KiCallOnStack(PVOID StackTop, VOID (*Routine)(VOID));

/* The boot CPU's control block; the others are allocated when they start. */
static KPRCB KiBootPrcb;

/* CPUID leaf 1 reports the APIC ID the CPU had at reset in EBX bits 31-24. */
static ULONG KiInitialApicId(void)
{
    ULONG Regs[4];
    __cpuid(1, 0, Regs);
    return Regs[1] >> 24;
}

static void PrintBanner(void)
{
    MM_STATISTICS Stats;

    MmQueryStatistics(&Stats);
    DbgPrint("\nntmini: an x86-64 teaching kernel for the Windows NT driver model\n");
    DbgPrint("boot: %s, command line \"%s\"\n", KeBootLoaderName(KeBootInfo.Loader), KeBootInfo.CommandLine);
    DbgPrint("memory: %llu MiB usable in %u ranges, highest address 0x%llx\n", Stats.UsableBytes >> 20,
             KeBootInfo.MemoryRangeCount, Stats.HighestPhysicalAddress);
    DbgPrint("memory: %llu pages managed, %llu free (%llu KiB), %llu KiB reserved\n", Stats.TotalPages, Stats.FreePages,
             Stats.FreePages * 4, Stats.ReservedBytes >> 10);
    KiPrintBootInfoDigest();
}

/* The first system thread: what needs a thread (the tests wait, sleep and
 * start threads of their own) runs here, not in the idle thread. */
static VOID KiSystemStartupPhase2(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    /* On the boot processor, like all start-up code: some tests look at the
     * processor that takes the clock interrupt. Their own threads go anywhere. */
    KeSetSystemAffinityThreadEx(1);
    if (KeHasOption("bench")) {
        KtRunBenchmarks();
        HalExitEmulator(HAL_EXIT_TESTS_DONE);
    }
    if (KeHasOption("test") || KeHasOption("crash")) {
        KtRunFromCommandLine();
        if (!KeHasOption("shell"))
            HalExitEmulator(HAL_EXIT_TESTS_DONE);
    }
    KdRunShell(); /* `kd>` on \Device\Serial0 (kernel/kd): `make run` ends here */
    DbgPrint("ntmini: nothing more to do; the CPUs idle. (Quit QEMU with Ctrl-A X.)\n");
}

static VOID KiStartSystemThread(PKSTART_ROUTINE Routine)
{
    HANDLE Handle;

    if (!NT_SUCCESS(PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Routine, NULL)))
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, 0, 0, 0, 0, NULL, "no memory for the first system thread");
    ZwClose(Handle);
}

static __attribute__((noreturn)) void KiSystemStartupPhase1(void)
{
    ExInitializePool();
    /* `quiet`: no banner, so only test output and bug checks reach the console. */
    if (!KeHasOption("quiet"))
        PrintBanner();
    HalpInitializeAcpi();
    HalInitializeInterrupts();
    KiInitializeIpi();
    KiInitializeDpcs();
    HalInitializeClock();
    _enable(); /* from here on the CPU takes interrupts, as IRQL allows */
    HalpInitializePci(); /* the device table (hal/pci.h), before any driver looks for its device */
    IoInitSystem(); /* the built-in drivers' DriverEntry, at PASSIVE_LEVEL */
    KiInitializeIdleThread(); /* this code is now the boot CPU's idle thread */
    KeStartAllProcessors();
    KiStartDpcThreads();
    KiStartSystemThread(KiSystemStartupPhase2);
    KiIdleLoop(); /* runs whenever no thread is ready */
}

VOID KiSystemStartup(ULONG Magic, ULONG64 InfoPhysical)
{
    HalSerialInitialize();
    KiCaptureBootInfo(Magic, InfoPhysical);
    HalInitializeGdt();
    HalInitializeIdt();
    KiInitializePrcb(&KiBootPrcb, 0, KiInitialApicId());
    KiActivateProcessor(&KiBootPrcb);
    MmInitSystem();

    PVOID Stack = MmCreateKernelStack(KERNEL_STACK_PAGES);
    if (Stack == NULL)
        KiBugCheck(PHASE0_INITIALIZATION_FAILED, 0, 0, 0, 0, NULL, "no memory for the boot CPU's kernel stack");
    KiCallOnStack(Stack, KiSystemStartupPhase1);
}
