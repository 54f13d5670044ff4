/*
 * test_acpi_madt.c - the ACPI parser on the insides of tables: the MADT's
 * entries (lengths, types, flags, capacity limits), the MCFG's windows and
 * the HPET's address, each table in a block of exactly its size
 * (acpi_fake.h), and QEMU's MADT damaged at random 20000 times.
 */
#include "khost.h"
#include "acpi_fake.h"

#include <stdlib.h>
#include <string.h>

/* Parses Table as an MADT. */
static NTSTATUS ParseMadt(TABLE *Table, HAL_PLATFORM *Platform, ACPI_REASON *Reason)
{
    return ParseExactCopy(Table, HalpAcpiParseMadt, Platform, Reason);
}

/* ---- the MADT's entries ------------------------------------------------------- */

KH_TEST(madt_shorter_than_fixed_part)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    TableBegin(&Madt, "APIC");
    TableAppend32(&Madt, 0xFEE00000); /* the flags are missing */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MADT is 40 bytes long, less than its 44-byte fixed part");
}

KH_TEST(madt_entry_lengths_checked)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, "\x7f\x00", 2); /* length 0: the walk would never move on */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MADT entry at offset 0x40 (type 127) has length 0");

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, "\x00\x01", 2); /* length 1: shorter than its own header */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "has length 1");

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, "\x01\x0c\x00\x00", 4); /* an I/O APIC entry of 12 bytes, 4 present */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "(type 1, 12 bytes) runs past the table's end (68 bytes)");

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, "\x00", 1); /* one byte left: not even a type and a length */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "cut off by the table's end");

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, "\x00\x06\x01\x01\x01\x00", 6); /* a local APIC entry of 6 bytes, not 8 */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MADT local APIC entry at offset 0x40 is 6 bytes long; its layout needs 8");
}

/* Types the kernel does not read are stepped over by their length, and known
 * entries longer than their layout (a later ACPI revision) are fine. */
KH_TEST(madt_unknown_types_skipped)
{
    static const UCHAR NmiSource[8] = {0x03, 0x08, 0x0d, 0x00, 0x09, 0x00, 0x00, 0x00};
    static const UCHAR GicCpu[4] = {0x0b, 0x04, 0xaa, 0xbb};
    static const UCHAR LongLocalApic[12] = {0x00, 0x0c, 0x01, 0x03, 0x01, 0x00, 0x00, 0x00, 0xee, 0xee, 0xee, 0xee};
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, NmiSource, sizeof(NmiSource));
    TableAppend(&Madt, GicCpu, sizeof(GicCpu));
    TableAppend(&Madt, LongLocalApic, sizeof(LongLocalApic));
    TableAppend(&Madt, "\xff\x02", 2);
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_EXPECT_STREQ(Reason.Text, "");
    KH_ASSERT_EQ(Platform.ProcessorCount, 2);
    KH_EXPECT_EQ(Platform.Processors[1].ApicId, 3);
}

KH_TEST(madt_processor_flags)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBegin(&Madt);
    MadtAddLocalApic(&Madt, 0, 0, ACPI_MADT_ENABLED);
    MadtAddLocalApic(&Madt, 1, 1, 0);                        /* an empty socket: ignored */
    MadtAddLocalApic(&Madt, 2, 2, ACPI_MADT_ONLINE_CAPABLE); /* can be added later */
    MadtAddLocalApic(&Madt, 3, 3, ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE);
    MadtAddLocalApic(&Madt, 4, 0, ACPI_MADT_ENABLED);    /* APIC ID 0 again */
    MadtAddLocalApic(&Madt, 5, 0xFF, ACPI_MADT_ENABLED); /* the broadcast ID */
    MadtAddIoApic(&Madt, 0, 0xFEC00000, 0);
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_ASSERT_EQ(Platform.ProcessorCount, 3);
    KH_EXPECT_EQ(Platform.Processors[0].ApicId, 0);
    KH_EXPECT(Platform.Processors[0].Enabled);
    KH_EXPECT_EQ(Platform.Processors[1].ApicId, 2);
    KH_EXPECT(!Platform.Processors[1].Enabled);
    KH_EXPECT_EQ(Platform.Processors[2].ApicId, 3);
    KH_EXPECT(Platform.Processors[2].Enabled);
    EXPECT_REASON(Reason, "APIC ID 0 is listed twice");
    EXPECT_REASON(Reason, "APIC ID 255 (UID 5) is out of xAPIC reach");
}

KH_TEST(madt_capacity_limits)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBegin(&Madt);
    for (ULONG i = 0; i < HAL_MAX_PROCESSORS + 6; i++)
        MadtAddLocalApic(&Madt, (UCHAR)i, (UCHAR)(i * 2), ACPI_MADT_ENABLED);
    for (ULONG i = 0; i < HAL_MAX_IOAPICS + 2; i++)
        MadtAddIoApic(&Madt, (UCHAR)i, 0xFEC00000 + i * 0x1000, i * 24);
    for (ULONG i = 0; i < HAL_MAX_NMIS + 1; i++)
        MadtAddNmi(&Madt, (UCHAR)i, 0, 1);
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_EXPECT_EQ(Platform.ProcessorCount, HAL_MAX_PROCESSORS);
    KH_EXPECT_EQ(Platform.Processors[HAL_MAX_PROCESSORS - 1].ApicId, (HAL_MAX_PROCESSORS - 1) * 2);
    KH_EXPECT_EQ(Platform.IoApicCount, HAL_MAX_IOAPICS);
    KH_EXPECT_EQ(Platform.IoApics[HAL_MAX_IOAPICS - 1].GsiBase, (HAL_MAX_IOAPICS - 1) * 24);
    KH_EXPECT_EQ(Platform.NmiCount, HAL_MAX_NMIS);
    EXPECT_REASON(Reason, "processors left out: 6 (the kernel has room for 64)");
    EXPECT_REASON(Reason, "I/O APICs left out: 2");
    EXPECT_REASON(Reason, "NMI entries left out: 1");
}

KH_TEST(madt_overrides)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBuildMinimal(&Madt);
    MadtAddOverride(&Madt, 0, 0, 2, 0);
    MadtAddOverride(&Madt, 0, 9, 20, INTI_POLARITY_LOW | INTI_TRIGGER_LEVEL);
    MadtAddOverride(&Madt, 0, 4, 4, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE);
    MadtAddOverride(&Madt, 0, 0, 5, 0);   /* IRQ 0 again */
    MadtAddOverride(&Madt, 1, 3, 3, 0);   /* not ISA */
    MadtAddOverride(&Madt, 0, 16, 16, 0); /* not an ISA IRQ */
    MadtAddOverride(&Madt, 0, 7, 7, 0x2); /* reserved polarity */
    MadtAddOverride(&Madt, 0, 8, 8, 0x8); /* reserved trigger mode */
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_ASSERT_EQ(Platform.OverrideCount, 3);
    KH_EXPECT_EQ(Platform.Overrides[0].Gsi, 2);
    KH_EXPECT_EQ(Platform.Overrides[1].SourceIrq, 9);
    KH_EXPECT_EQ(Platform.Overrides[1].Gsi, 20);
    KH_EXPECT_EQ(Platform.Overrides[1].Flags & INTI_POLARITY_MASK, INTI_POLARITY_LOW);
    KH_EXPECT_EQ(Platform.Overrides[1].Flags & INTI_TRIGGER_MASK, INTI_TRIGGER_LEVEL);
    KH_EXPECT_EQ(Platform.Overrides[2].Flags & INTI_POLARITY_MASK, INTI_POLARITY_HIGH);
    KH_EXPECT_EQ(Platform.Overrides[2].Flags & INTI_TRIGGER_MASK, INTI_TRIGGER_EDGE);
    EXPECT_REASON(Reason, "override of bus 0 IRQ 0 (GSI 5, flags 0x0) is invalid or repeated");
    EXPECT_REASON(Reason, "bus 1 IRQ 3");
}

KH_TEST(madt_nmis_and_x2apic)
{
    static const ACPI_MADT_LOCAL_X2APIC X2Apic[] = {
        {{ACPI_MADT_TYPE_LOCAL_X2APIC, 16}, 0, 7, ACPI_MADT_ENABLED, 7},
        {{ACPI_MADT_TYPE_LOCAL_X2APIC, 16}, 0, 300, ACPI_MADT_ENABLED, 8}, /* above 254 */
    };
    static const ACPI_MADT_LOCAL_X2APIC_NMI X2Nmi = {
        {ACPI_MADT_TYPE_LOCAL_X2APIC_NMI, 12}, INTI_POLARITY_LOW, ACPI_ALL_X2APIC_PROCESSORS, 0, {0}};
    static const ACPI_MADT_LOCAL_APIC_ADDRESS Address = {{ACPI_MADT_TYPE_LOCAL_APIC_ADDRESS, 12}, 0, 0x1FEE00000ULL};
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBuildMinimal(&Madt);
    TableAppend(&Madt, X2Apic, sizeof(X2Apic));
    TableAppend(&Madt, &X2Nmi, sizeof(X2Nmi));
    TableAppend(&Madt, &Address, sizeof(Address));
    MadtAddNmi(&Madt, 0, INTI_POLARITY_HIGH | INTI_TRIGGER_EDGE, 1);
    MadtAddNmi(&Madt, 0, 0, 2); /* there is no LINT2 */
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_ASSERT_EQ(Platform.ProcessorCount, 2);
    KH_EXPECT_EQ(Platform.Processors[1].ApicId, 7);
    KH_EXPECT_EQ(Platform.LocalApicAddress, 0x1FEE00000ULL);
    KH_ASSERT_EQ(Platform.NmiCount, 2);
    KH_EXPECT_EQ(Platform.Nmis[0].AcpiProcessorId, ACPI_ALL_PROCESSORS);
    KH_EXPECT_EQ(Platform.Nmis[0].Lint, 0);
    KH_EXPECT_EQ(Platform.Nmis[0].Flags, INTI_POLARITY_LOW);
    KH_EXPECT_EQ(Platform.Nmis[1].Lint, 1);
    EXPECT_REASON(Reason, "APIC ID 300 (UID 8) is out of xAPIC reach");
    EXPECT_REASON(Reason, "on LINT2");
}

KH_TEST(madt_essentials_missing)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBegin(&Madt);
    MadtAddLocalApic(&Madt, 0, 0, ACPI_MADT_ENABLED);
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MADT lists no I/O APIC");

    MadtBegin(&Madt);
    MadtAddLocalApic(&Madt, 0, 0, ACPI_MADT_ONLINE_CAPABLE);
    MadtAddIoApic(&Madt, 0, 0, 0); /* address 0: ignored */
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MADT lists no enabled processor");

    MadtBuildMinimal(&Madt);
    ((ACPI_MADT *)Madt.Bytes)->LocalApicAddress = 0;
    TableFinish(&Madt);
    KH_EXPECT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "local APIC address 0");
}

/* A full table of notes is cut, never overrun. */
KH_TEST(madt_many_notes_truncated)
{
    TABLE Madt;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    MadtBuildMinimal(&Madt);
    for (int i = 0; i < 40; i++)
        MadtAddNmi(&Madt, 0, 0, 9);
    TableFinish(&Madt);
    KH_ASSERT_EQ(ParseMadt(&Madt, &Platform, &Reason), STATUS_SUCCESS);
    KH_EXPECT_EQ(strlen(Reason.Text), sizeof(Reason.Text) - 1);
}

/* ---- MCFG and HPET ------------------------------------------------------------ */

static VOID PutWindow(TABLE *Table, ULONG64 Base, USHORT Segment, UCHAR StartBus, UCHAR EndBus)
{
    ACPI_MCFG_ALLOCATION Allocation = {Base, Segment, StartBus, EndBus, 0};
    TableAppend(Table, &Allocation, sizeof(Allocation));
}

KH_TEST(mcfg_windows)
{
    TABLE Mcfg;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    TableBegin(&Mcfg, "MCFG");
    TableAppend(&Mcfg, "\0\0\0\0\0\0\0\0", 8);
    PutWindow(&Mcfg, 0xB0000000, 0, 0, 255);
    PutWindow(&Mcfg, 0xC0000000, 1, 9, 8); /* buses backwards */
    PutWindow(&Mcfg, 0xC0000800, 1, 0, 8); /* not page-aligned */
    for (int i = 0; i < HAL_MAX_MCFG; i++)
        PutWindow(&Mcfg, 0xD0000000 + i * 0x1000000ULL, (USHORT)(2 + i), 0, 15);
    TableFinish(&Mcfg);
    KH_ASSERT_EQ(ParseExactCopy(&Mcfg, HalpAcpiParseMcfg, &Platform, &Reason), STATUS_SUCCESS);
    KH_ASSERT_EQ(Platform.McfgCount, HAL_MAX_MCFG);
    KH_EXPECT_EQ(Platform.Mcfg[0].BaseAddress, 0xB0000000);
    KH_EXPECT_EQ(Platform.Mcfg[1].Segment, 2);
    KH_EXPECT_EQ(Platform.Mcfg[1].EndBus, 15);
    EXPECT_REASON(Reason, "MCFG window 1 (0xc0000000, buses 9-8) is invalid");
    EXPECT_REASON(Reason, "MCFG window 6 left out");

    TableBegin(&Mcfg, "MCFG");
    TableAppend(&Mcfg, "\0\0\0\0\0\0\0\0", 8);
    PutWindow(&Mcfg, 0xB0000000, 0, 0, 255);
    TableAppend(&Mcfg, "\0\0\0\0\0\0\0\0", 8); /* half a window */
    TableFinish(&Mcfg);
    KH_EXPECT_EQ(ParseExactCopy(&Mcfg, HalpAcpiParseMcfg, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "leave 8 bytes over");
    KH_EXPECT_EQ(Platform.McfgCount, 0);

    TableBegin(&Mcfg, "MCFG");
    TableFinish(&Mcfg);
    KH_EXPECT_EQ(ParseExactCopy(&Mcfg, HalpAcpiParseMcfg, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "MCFG is 36 bytes long, less than its 44-byte fixed part");
}

KH_TEST(hpet_malformed)
{
    TABLE Hpet;
    HAL_PLATFORM Platform;
    ACPI_REASON Reason;

    memcpy(Hpet.Bytes, QemuHpet, sizeof(QemuHpet));
    Hpet.Length = sizeof(QemuHpet);
    ((ACPI_HPET *)Hpet.Bytes)->BaseAddress.AddressSpaceId = 1; /* I/O ports */
    KH_EXPECT_EQ(ParseExactCopy(&Hpet, HalpAcpiParseHpet, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "address space 1, not memory");
    KH_EXPECT_EQ(Platform.HpetAddress, 0);

    ((ACPI_HPET *)Hpet.Bytes)->BaseAddress.AddressSpaceId = 0;
    ((ACPI_HPET *)Hpet.Bytes)->BaseAddress.Address = 0;
    KH_EXPECT_EQ(ParseExactCopy(&Hpet, HalpAcpiParseHpet, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "base address 0");

    Hpet.Length = 52;
    TableHeader(&Hpet)->Length = 52;
    KH_EXPECT_EQ(ParseExactCopy(&Hpet, HalpAcpiParseHpet, &Platform, &Reason), STATUS_ACPI_INVALID_TABLE);
    EXPECT_REASON(Reason, "HPET table is 52 bytes long, less than the 56 needed");
}

/* ---- random damage: QEMU's MADT with bytes changed and the checksum fixed,
 * so that every change reaches the entry walk. ASan watches every read. ---- */

KH_TEST(madt_random_damage)
{
    KhSeed(0xAC91);
    for (int Round = 0; Round < 20000; Round++) {
        TABLE Madt;
        HAL_PLATFORM Platform;
        ACPI_REASON Reason;

        memcpy(Madt.Bytes, QemuSmp6Madt, sizeof(QemuSmp6Madt));
        Madt.Length = sizeof(QemuSmp6Madt);
        for (int Change = 0; Change < 1 + (int)KhRandomBelow(4); Change++)
            Madt.Bytes[36 + KhRandomBelow(Madt.Length - 36)] = (UCHAR)KhRandom();
        Madt.Length = 36 + (ULONG)KhRandomBelow(Madt.Length - 36 + 1); /* and sometimes cut short */
        TableFinish(&Madt);

        UCHAR *Copy = malloc(Madt.Length);
        memcpy(Copy, Madt.Bytes, Madt.Length);
        NTSTATUS Status = HalpAcpiParseMadt((const ACPI_TABLE_HEADER *)Copy, &Platform, &Reason);
        free(Copy);
        KH_ASSERT(Status == STATUS_SUCCESS || Status == STATUS_ACPI_INVALID_TABLE);
        KH_ASSERT(strlen(Reason.Text) < sizeof(Reason.Text));
        KH_ASSERT(Platform.ProcessorCount <= HAL_MAX_PROCESSORS && Platform.IoApicCount <= HAL_MAX_IOAPICS);
    }
}
