/*
 * test_ke.c - the kernel core: boot information, options, symbols, and the
 * bug checks that exceptions turn into.
 */
#include "ktest.h"
#include "ke/ke.h"
#include "rtl.h"
#include "ke/prcb.h"
#include "hal/x86.h"

KTEST(ke, boot_info_captured)
{
    KT_EXPECT_EQ(KeBootInfo.Magic, BOOT_INFO_MAGIC);
    KT_EXPECT_EQ(KeBootInfo.Version, BOOT_INFO_VERSION);
    KT_EXPECT(KeBootInfo.Loader >= BOOT_LOADER_MULTIBOOT2_BIOS && KeBootInfo.Loader <= BOOT_LOADER_GNU_EFI);
    KT_EXPECT_GT(KeBootInfo.MemoryRangeCount, 0);
    /* Every boot of the test suite has test= on its command line. */
    KT_EXPECT(strncmp(KeBootInfo.CommandLine, "test=", 5) == 0 || strchr(KeBootInfo.CommandLine, ' ') != NULL);
}

KTEST(ke, acpi_rsdp_copied)
{
    KT_ASSERT(KeBootInfo.AcpiRsdpLength >= 20);
    KT_EXPECT(memcmp(KeBootInfo.AcpiRsdp, "RSD PTR ", 8) == 0);
    UCHAR Sum = 0;
    for (int i = 0; i < 20; i++)
        Sum += KeBootInfo.AcpiRsdp[i];
    KT_EXPECT_EQ(Sum, 0); /* the ACPI 1.0 checksum covers the first 20 bytes */
}

KTEST(ke, options_parsed)
{
    char Value[64];
    KT_EXPECT(KeHasOption("test"));
    KT_EXPECT(KeGetOption("test", Value, sizeof(Value)));
    KT_EXPECT(!KeHasOption("no-such-option"));
    KT_EXPECT_EQ(KeGetOptionNumber("no-such-option", 42), 42);
}

KTEST(ke, symbol_lookup)
{
    ULONG64 Offset = 99;
    PCSTR Name = KiLookupSymbol((ULONG64)KiLookupSymbol, &Offset);
    KT_EXPECT_STREQ(Name, "KiLookupSymbol");
    KT_EXPECT_EQ(Offset, 0);
    Name = KiLookupSymbol((ULONG64)KeBugCheckEx + 3, &Offset);
    KT_EXPECT_STREQ(Name, "KeBugCheckEx");
    KT_EXPECT_EQ(Offset, 3);
    KT_EXPECT_EQ(KiLookupSymbolAddress("KiDispatchTrap"), (ULONG64)KiDispatchTrap);
    KT_EXPECT(KiLookupSymbol(0x1000, &Offset) == NULL);
}

KTEST(ke, bugcheck_names)
{
    KT_EXPECT_STREQ(KeBugCheckName(BAD_POOL_CALLER), "BAD_POOL_CALLER");
    KT_EXPECT_STREQ(KeBugCheckName(0x12345), "UNKNOWN_BUGCHECK");
}

/* ---- expected bug checks, each in a boot of its own ---- */

KTEST_BUGCHECK(ke_bugcheck, manual, MANUALLY_INITIATED_CRASH)
{
    KeBugCheckEx(MANUALLY_INITIATED_CRASH, 1, 2, 3, 4);
}

KTEST_BUGCHECK(ke_bugcheck, invalid_opcode, KMODE_EXCEPTION_NOT_HANDLED)
{
    __asm__ volatile("ud2");
}

KTEST_BUGCHECK(ke_bugcheck, divide_by_zero, KMODE_EXCEPTION_NOT_HANDLED)
{
    volatile ULONG Zero = 0;
    // cppcheck-suppress zerodiv
    volatile ULONG Result = 10 / Zero;
    (void)Result;
}

KTEST_BUGCHECK(ke_bugcheck, general_protection, KMODE_EXCEPTION_NOT_HANDLED)
{
    /* A non-canonical address: bits 63-48 must copy bit 47. */
    volatile ULONG64 *Bad = (volatile ULONG64 *)0x8000000000000000ULL;
    *Bad = 1;
}

/* ---- the processor control block ---- */

KTEST(ke, prcb_through_gs)
{
    PKPRCB Prcb = KeGetCurrentPrcb();

    KT_ASSERT(Prcb != NULL);
    KT_EXPECT_EQ(Prcb->Self, Prcb);
    KT_EXPECT_EQ(KeGetCurrentProcessorNumber(), Prcb->Number);
    KT_EXPECT_EQ(KiProcessorBlock[Prcb->Number], Prcb);
    KT_EXPECT_EQ(__readmsr(MSR_GS_BASE), (ULONG64)Prcb);
}

KTEST(ke, active_processors)
{
    ULONG64 Mask = 0;
    ULONG Count = KeQueryActiveProcessorCount(&Mask);

    KT_EXPECT_GE(Count, 1);
    KT_EXPECT_EQ(Count, KeNumberProcessors);
    KT_EXPECT_EQ(Mask & 1, 1); /* processor 0, the boot CPU, is always active */
}
