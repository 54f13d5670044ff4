/*
 * test_acpi.c - the ACPI table parser (kernel/hal/acpi_*.c), from the RSDP to
 * a checked table: QEMU's tables byte for byte in RSDT and XSDT machines,
 * then one thing wrong at a time in the RSDP, the root table or a table it
 * leads to. (The MADT's entries, the MCFG and the HPET: test_acpi_madt.c.)
 *
 * Every table sits in a block of exactly its size (acpi_fake.h), so a read
 * one byte too far stops the test under AddressSanitizer. Every reason the
 * parser gives is printed as a diagnostic: the log of this test is the
 * catalogue of what the kernel says about a broken table.
 */
#include "khost.h"
#include "acpi_fake.h"

#include <stdlib.h>
#include <string.h>

/* ---- a machine: the RSDP copy and the tables it leads to -------------------- */

#define RSDT_ADDRESS 0x1ffe22e1ULL  /* QEMU's, not even 4-byte aligned */
#define XSDT_ADDRESS 0x100000004ULL /* above 4 GiB */
#define MADT_ADDRESS 0x1ffe20d9ULL
#define MCFG_ADDRESS 0x1ffe2245ULL
#define HPET_ADDRESS 0x1ffe227dULL
#define UNMAPPED_ADDRESS 0xdead0000ULL

typedef struct _MACHINE {
    FAKE_MEMORY Memory;
    UCHAR Rsdp[ACPI_RSDP_V2_LENGTH];
    SIZE_T RsdpLength;
    ACPI_TABLES Tables;
    ACPI_REASON Reason;
    HAL_PLATFORM Platform;
} MACHINE;

static VOID MakeRsdp(MACHINE *Machine, UCHAR Revision, ULONG RsdtAddress, ULONG64 XsdtAddress)
{
    ACPI_RSDP *Rsdp = (ACPI_RSDP *)Machine->Rsdp;

    memset(Rsdp, 0, sizeof(*Rsdp));
    memcpy(Rsdp->Signature, ACPI_RSDP_SIGNATURE, 8);
    memcpy(Rsdp->OemId, "BOCHS ", 6);
    Rsdp->Revision = Revision;
    Rsdp->RsdtAddress = RsdtAddress;
    Rsdp->Checksum = (UCHAR)-ByteSum(Rsdp, ACPI_RSDP_V1_LENGTH);
    Machine->RsdpLength = ACPI_RSDP_V1_LENGTH;
    if (Revision >= 2) {
        Rsdp->Length = ACPI_RSDP_V2_LENGTH;
        Rsdp->XsdtAddress = XsdtAddress;
        Rsdp->ExtendedChecksum = (UCHAR)-ByteSum(Rsdp, ACPI_RSDP_V2_LENGTH);
        Machine->RsdpLength = ACPI_RSDP_V2_LENGTH;
    }
}

static const ULONG64 QemuEntries[] = {MADT_ADDRESS, HPET_ADDRESS, MCFG_ADDRESS};

/* QEMU's q35 under SeaBIOS, with Madt for its MADT: revision 0, an RSDT. */
static VOID BuildQemuMachine(MACHINE *Machine, const VOID *Madt, SIZE_T MadtLength)
{
    TABLE Rsdt;

    memset(Machine, 0, sizeof(*Machine));
    MakeRsdp(Machine, 0, RSDT_ADDRESS, 0);
    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    FakePlace(&Machine->Memory, RSDT_ADDRESS, Rsdt.Bytes, Rsdt.Length);
    FakePlace(&Machine->Memory, MADT_ADDRESS, Madt, MadtLength);
    FakePlace(&Machine->Memory, MCFG_ADDRESS, QemuMcfg, sizeof(QemuMcfg));
    FakePlace(&Machine->Memory, HPET_ADDRESS, QemuHpet, sizeof(QemuHpet));
}

static NTSTATUS FindRoot(MACHINE *Machine)
{
    NTSTATUS Status = HalpAcpiFindRoot(Machine->Rsdp, Machine->RsdpLength, FakeMap, &Machine->Memory, &Machine->Tables,
                                       &Machine->Reason);
    if (Machine->Reason.Text[0] != '\0')
        KhInfo("root: %s", Machine->Reason.Text);
    return Status;
}

/* What HalpInitializeAcpi does for one table: find it, then parse it. */
static NTSTATUS ReadTable(MACHINE *Machine, PCSTR Signature, ACPI_PARSER Parse)
{
    const ACPI_TABLE_HEADER *Table;
    NTSTATUS Status = FindRoot(Machine);

    if (NT_SUCCESS(Status))
        Status = HalpAcpiFindTable(&Machine->Tables, Signature, &Table, &Machine->Reason);
    if (NT_SUCCESS(Status))
        Status = Parse(Table, &Machine->Platform, &Machine->Reason);
    if (Machine->Reason.Text[0] != '\0')
        KhInfo("%s: %s", Signature, Machine->Reason.Text);
    return Status;
}

/* ---- the layouts are the specification's ----------------------------------- */

KH_TEST(layout_sizes)
{
    KH_EXPECT_EQ(sizeof(ACPI_RSDP), 36);
    KH_EXPECT_EQ(sizeof(ACPI_TABLE_HEADER), 36);
    KH_EXPECT_EQ(sizeof(ACPI_MADT), 44);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_LOCAL_APIC), 8);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_IO_APIC), 12);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_OVERRIDE), 10);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_LOCAL_APIC_NMI), 6);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_LOCAL_APIC_ADDRESS), 12);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_LOCAL_X2APIC), 16);
    KH_EXPECT_EQ(sizeof(ACPI_MADT_LOCAL_X2APIC_NMI), 12);
    KH_EXPECT_EQ(sizeof(ACPI_MCFG), 44);
    KH_EXPECT_EQ(sizeof(ACPI_MCFG_ALLOCATION), 16);
    KH_EXPECT_EQ(sizeof(ACPI_HPET), 56);
}

/* ---- good tables ------------------------------------------------------------ */

KH_TEST(qemu_q35_rsdt)
{
    MACHINE Machine;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    KH_ASSERT_EQ(ReadTable(&Machine, "APIC", HalpAcpiParseMadt), STATUS_SUCCESS);
    KH_EXPECT_STREQ(Machine.Reason.Text, "");
    KH_EXPECT_EQ(Machine.Tables.EntrySize, 4);
    KH_EXPECT_EQ(Machine.Tables.EntryCount, 3);

    HAL_PLATFORM *Platform = &Machine.Platform;
    KH_EXPECT_EQ(Platform->LocalApicAddress, 0xFEE00000);
    KH_EXPECT(Platform->HasLegacyPic);
    KH_ASSERT_EQ(Platform->ProcessorCount, 1);
    KH_EXPECT_EQ(Platform->Processors[0].ApicId, 0);
    KH_EXPECT(Platform->Processors[0].Enabled);
    KH_ASSERT_EQ(Platform->IoApicCount, 1);
    KH_EXPECT_EQ(Platform->IoApics[0].Id, 0);
    KH_EXPECT_EQ(Platform->IoApics[0].Address, 0xFEC00000);
    KH_EXPECT_EQ(Platform->IoApics[0].GsiBase, 0);
    KH_ASSERT_EQ(Platform->OverrideCount, 5);
    KH_EXPECT_EQ(Platform->Overrides[0].SourceIrq, 0);
    KH_EXPECT_EQ(Platform->Overrides[0].Gsi, 2);
    KH_EXPECT_EQ(Platform->Overrides[0].Flags, INTI_POLARITY_CONFORMS | INTI_TRIGGER_CONFORMS);
    KH_EXPECT_EQ(Platform->Overrides[2].SourceIrq, 9);
    KH_EXPECT_EQ(Platform->Overrides[2].Gsi, 9);
    KH_EXPECT_EQ(Platform->Overrides[2].Flags, INTI_POLARITY_HIGH | INTI_TRIGGER_LEVEL);
    KH_ASSERT_EQ(Platform->NmiCount, 1);
    KH_EXPECT_EQ(Platform->Nmis[0].AcpiProcessorId, ACPI_ALL_PROCESSORS);
    KH_EXPECT_EQ(Platform->Nmis[0].Lint, 1);

    KH_EXPECT_EQ(ReadTable(&Machine, "MCFG", HalpAcpiParseMcfg), STATUS_SUCCESS);
    KH_ASSERT_EQ(Platform->McfgCount, 1);
    KH_EXPECT_EQ(Platform->Mcfg[0].BaseAddress, 0xB0000000);
    KH_EXPECT_EQ(Platform->Mcfg[0].Segment, 0);
    KH_EXPECT_EQ(Platform->Mcfg[0].StartBus, 0);
    KH_EXPECT_EQ(Platform->Mcfg[0].EndBus, 255);
    KH_EXPECT_EQ(ReadTable(&Machine, "HPET", HalpAcpiParseHpet), STATUS_SUCCESS);
    KH_EXPECT_EQ(Platform->HpetAddress, 0xFED00000);
    FakeFree(&Machine.Memory);
}

KH_TEST(qemu_smp6_apic_ids_not_contiguous)
{
    static const UCHAR Expected[] = {0, 1, 2, 4, 5, 6};
    MACHINE Machine;

    BuildQemuMachine(&Machine, QemuSmp6Madt, sizeof(QemuSmp6Madt));
    KH_ASSERT_EQ(ReadTable(&Machine, "APIC", HalpAcpiParseMadt), STATUS_SUCCESS);
    KH_ASSERT_EQ(Machine.Platform.ProcessorCount, 6);
    for (ULONG i = 0; i < 6; i++) {
        KH_EXPECT_EQ(Machine.Platform.Processors[i].ApicId, Expected[i]);
        KH_EXPECT_EQ(Machine.Platform.Processors[i].AcpiProcessorId, i);
        KH_EXPECT(Machine.Platform.Processors[i].Enabled);
    }
    FakeFree(&Machine.Memory);
}

/* OVMF: a revision 2 RSDP whose XSDT is used; the RSDT it also names is
 * deliberately unreadable here, to show it is not touched. */
KH_TEST(revision2_uses_xsdt)
{
    MACHINE Machine;
    TABLE Xsdt;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    MakeRsdp(&Machine, 2, UNMAPPED_ADDRESS, XSDT_ADDRESS);
    RootBuild(&Xsdt, "XSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    FakePlace(&Machine.Memory, XSDT_ADDRESS, Xsdt.Bytes, Xsdt.Length);

    KH_ASSERT_EQ(ReadTable(&Machine, "HPET", HalpAcpiParseHpet), STATUS_SUCCESS);
    KH_EXPECT_EQ(Machine.Tables.RsdpRevision, 2);
    KH_EXPECT_EQ(Machine.Tables.RootAddress, XSDT_ADDRESS);
    KH_EXPECT_EQ(Machine.Tables.EntrySize, 8);
    KH_EXPECT_EQ(Machine.Tables.EntryCount, 3);
    KH_EXPECT_EQ(Machine.Platform.HpetAddress, 0xFED00000);
    FakeFree(&Machine.Memory);
}

/* A loader that copied only ACPI 1.0's 20 bytes of a revision 2 RSDP: the
 * RSDT is still good. */
KH_TEST(revision2_copied_short_uses_rsdt)
{
    MACHINE Machine;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    MakeRsdp(&Machine, 2, RSDT_ADDRESS, UNMAPPED_ADDRESS);
    Machine.RsdpLength = ACPI_RSDP_V1_LENGTH;
    KH_EXPECT_EQ(ReadTable(&Machine, "APIC", HalpAcpiParseMadt), STATUS_SUCCESS);
    KH_EXPECT_EQ(Machine.Tables.RootAddress, RSDT_ADDRESS);
    FakeFree(&Machine.Memory);
}

/* -M pc has no MCFG: not an error, just absent. */
KH_TEST(missing_table_is_not_found)
{
    static const ULONG64 Entries[] = {MADT_ADDRESS, 0, UNMAPPED_ADDRESS};
    MACHINE Machine;
    TABLE Rsdt;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    RootBuild(&Rsdt, "RSDT", Entries, ARRAYSIZE(Entries));
    memcpy(Machine.Memory.Blocks[0].Bytes, Rsdt.Bytes, Rsdt.Length); /* same size as QEMU's */
    KH_EXPECT_EQ(ReadTable(&Machine, "MCFG", HalpAcpiParseMcfg), STATUS_NOT_FOUND);
    EXPECT_REASON(Machine.Reason, "no MCFG among the 3 tables of the RSDT");
    EXPECT_REASON(Machine.Reason, "2 of its pointers lead to unreadable memory");
    /* The entries that lead nowhere do not hide the good one. */
    KH_EXPECT_EQ(ReadTable(&Machine, "APIC", HalpAcpiParseMadt), STATUS_SUCCESS);
    FakeFree(&Machine.Memory);
}

/* ---- the RSDP --------------------------------------------------------------- */

static VOID ExpectRsdpRejected(MACHINE *Machine, NTSTATUS Expected, PCSTR Part)
{
    KH_EXPECT_EQ(FindRoot(Machine), Expected);
    EXPECT_REASON(Machine->Reason, Part);
}

KH_TEST(rsdp_malformed)
{
    MACHINE Machine;
    ACPI_RSDP *Rsdp = (ACPI_RSDP *)Machine.Rsdp;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    Machine.RsdpLength = 0;
    ExpectRsdpRejected(&Machine, STATUS_NOT_FOUND, "no RSDP");
    Machine.RsdpLength = 19;
    ExpectRsdpRejected(&Machine, STATUS_NOT_FOUND, "19 bytes");

    MakeRsdp(&Machine, 0, RSDT_ADDRESS, 0);
    Rsdp->Signature[4] = 'X';
    Rsdp->Checksum -= 'X' - 'P'; /* a good checksum does not save a bad signature */
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "RSD PTR");

    MakeRsdp(&Machine, 0, RSDT_ADDRESS, 0);
    Rsdp->Checksum += 0x12;
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "sum to 0x12, not 0");

    MakeRsdp(&Machine, 0, 0, 0);
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "no RSDT address");
    FakeFree(&Machine.Memory);
}

KH_TEST(rsdp_revision2_malformed)
{
    MACHINE Machine;
    ACPI_RSDP *Rsdp = (ACPI_RSDP *)Machine.Rsdp;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    /* The extended checksum covers bytes 20-35, which the first does not. */
    MakeRsdp(&Machine, 2, RSDT_ADDRESS, XSDT_ADDRESS);
    Rsdp->XsdtAddress += 0x1000;
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "extended checksum");

    MakeRsdp(&Machine, 2, RSDT_ADDRESS, XSDT_ADDRESS);
    Rsdp->Length = 0xFFFFFFFF; /* the extended checksum would read 4 GiB */
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "4294967295 bytes long");
    MakeRsdp(&Machine, 2, RSDT_ADDRESS, XSDT_ADDRESS);
    Rsdp->Length = 20;
    ExpectRsdpRejected(&Machine, STATUS_ACPI_INVALID_TABLE, "20 bytes long");
    FakeFree(&Machine.Memory);
}

/* ---- the root table ---------------------------------------------------------- */

/* Replaces the RSDT of a QEMU machine with Rsdt, as it is (no TableFinish). */
static VOID ExpectRootRejected(TABLE *Rsdt, SIZE_T BlockLength, PCSTR Part)
{
    MACHINE Machine;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    free(Machine.Memory.Blocks[0].Bytes);
    Machine.Memory.Blocks[0].Bytes = malloc(BlockLength);
    Machine.Memory.Blocks[0].Length = BlockLength;
    memcpy(Machine.Memory.Blocks[0].Bytes, Rsdt->Bytes, BlockLength);
    KH_EXPECT_EQ(FindRoot(&Machine), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Machine.Reason, Part);
    FakeFree(&Machine.Memory);
}

KH_TEST(root_malformed)
{
    TABLE Rsdt;

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    Rsdt.Bytes[0] = 'X';
    Rsdt.Bytes[1] = 0x01; /* unprintable: shown as '?' */
    ExpectRootRejected(&Rsdt, Rsdt.Length, "signed \"X?DT\", not \"RSDT\"");

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    TableHeader(&Rsdt)->Length = 20; /* smaller than its own header */
    ExpectRootRejected(&Rsdt, Rsdt.Length, "20 bytes long");

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    TableHeader(&Rsdt)->Length = 0xFFFFFFF0; /* huge: never mapped, never summed */
    ExpectRootRejected(&Rsdt, Rsdt.Length, "4294967280 bytes long");

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    ExpectRootRejected(&Rsdt, Rsdt.Length - 1, "runs past readable memory"); /* truncated */
    ExpectRootRejected(&Rsdt, 30, "is not in readable memory");              /* not even a header */

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    Rsdt.Bytes[40] ^= 0x01;
    ExpectRootRejected(&Rsdt, Rsdt.Length, "checksum is wrong");

    RootBuild(&Rsdt, "RSDT", QemuEntries, ARRAYSIZE(QemuEntries));
    TableAppend(&Rsdt, "\0\0", 2); /* half a pointer */
    TableFinish(&Rsdt);
    ExpectRootRejected(&Rsdt, Rsdt.Length, "leave 2 bytes over");
}

KH_TEST(root_pointer_leads_nowhere)
{
    MACHINE Machine;

    BuildQemuMachine(&Machine, QemuMadt, sizeof(QemuMadt));
    MakeRsdp(&Machine, 0, UNMAPPED_ADDRESS, 0);
    KH_EXPECT_EQ(FindRoot(&Machine), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Machine.Reason, "RSDT at 0xdead0000 is not in readable memory");
    FakeFree(&Machine.Memory);
}

/* ---- a table the root leads to --------------------------------------------- */

static VOID ExpectMadtRejected(const TABLE *Madt, SIZE_T BlockLength, PCSTR Part)
{
    MACHINE Machine;

    BuildQemuMachine(&Machine, Madt->Bytes, BlockLength);
    KH_EXPECT_EQ(ReadTable(&Machine, "APIC", HalpAcpiParseMadt), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Machine.Reason, Part);
    FakeFree(&Machine.Memory);
}

KH_TEST(table_malformed)
{
    TABLE Madt;

    memcpy(Madt.Bytes, QemuMadt, sizeof(QemuMadt));
    Madt.Length = sizeof(QemuMadt);
    ExpectMadtRejected(&Madt, sizeof(QemuMadt) - 8, "MADT at 0x1ffe20d9 runs past readable memory (120 bytes)");
    Madt.Bytes[47] = 7; /* the CPU's APIC ID, checksum not fixed */
    ExpectMadtRejected(&Madt, sizeof(QemuMadt), "MADT checksum is wrong: its 120 bytes sum to 0x07, not 0");
    TableHeader(&Madt)->Length = 0xFFFFFFF0;
    ExpectMadtRejected(&Madt, sizeof(QemuMadt), "at most 1048576 accepted");
    TableHeader(&Madt)->Length = 0;
    ExpectMadtRejected(&Madt, sizeof(QemuMadt), "says it is 0 bytes long");
}
