/*
 * acpi_fake.h - what the ACPI host tests (test_acpi.c, test_acpi_madt.c)
 * share: QEMU's real tables, a fake physical memory to put tables in, and a
 * builder that writes tables with correct lengths and checksums.
 *
 * Each table in the fake memory sits in a malloc'ed block of exactly its
 * size, so a parser read one byte past its end stops the test under
 * AddressSanitizer.
 */
#ifndef ACPI_FAKE_H
#define ACPI_FAKE_H

#include "hal/acpi_tables.h"

/* QEMU 7.2's tables, as the kernel dumped them (SeaBIOS, q35). */
extern const UCHAR QemuMadt[120];
extern const UCHAR QemuSmp6Madt[160]; /* -smp 6,sockets=2,cores=3: APIC IDs 0 1 2 4 5 6 */
extern const UCHAR QemuMcfg[60];
extern const UCHAR QemuHpet[56];

/* ---- a fake physical memory: blocks at chosen physical addresses ---- */
typedef struct _FAKE_BLOCK {
    ULONG64 Physical;
    UCHAR *Bytes;
    SIZE_T Length;
} FAKE_BLOCK;

typedef struct _FAKE_MEMORY {
    FAKE_BLOCK Blocks[8];
    ULONG Count;
} FAKE_MEMORY;

/* The parser's map routine (Context: a FAKE_MEMORY): only a range that lies
 * wholly inside one block is readable. */
const VOID *FakeMap(PVOID Context, ULONG64 Physical, SIZE_T Length);
/* Copies Length bytes into a new block at Physical. */
VOID FakePlace(FAKE_MEMORY *Memory, ULONG64 Physical, const VOID *Bytes, SIZE_T Length);
VOID FakeFree(FAKE_MEMORY *Memory);

/* ---- building tables ---- */
UCHAR ByteSum(const VOID *Bytes, SIZE_T Length);

typedef struct _TABLE {
    UCHAR Bytes[2048];
    ULONG Length;
} TABLE;

VOID TableBegin(TABLE *Table, PCSTR Signature); /* a 36-byte header */
VOID TableAppend(TABLE *Table, const VOID *Data, SIZE_T Length);
VOID TableAppend32(TABLE *Table, ULONG Value);
ACPI_TABLE_HEADER *TableHeader(TABLE *Table);
/* Sets the header's Length to what was appended and makes the bytes sum to 0. */
VOID TableFinish(TABLE *Table);
/* An RSDT or XSDT (by Signature) listing Count table addresses, finished. */
VOID RootBuild(TABLE *Table, PCSTR Signature, const ULONG64 *Entries, ULONG Count);

/* An MADT's fixed part (local APIC at 0xfee00000, PCAT_COMPAT), then entries. */
VOID MadtBegin(TABLE *Table);
VOID MadtAddLocalApic(TABLE *Table, UCHAR Uid, UCHAR ApicId, ULONG Flags);
VOID MadtAddIoApic(TABLE *Table, UCHAR Id, ULONG Address, ULONG GsiBase);
VOID MadtAddOverride(TABLE *Table, UCHAR Bus, UCHAR Irq, ULONG Gsi, USHORT Flags);
VOID MadtAddNmi(TABLE *Table, UCHAR Uid, USHORT Flags, UCHAR Lint);
/* The smallest MADT the kernel accepts: one CPU, one I/O APIC (not finished). */
VOID MadtBuildMinimal(TABLE *Table);

/* ---- checking ---- */
typedef NTSTATUS (*ACPI_PARSER)(const ACPI_TABLE_HEADER *Table, HAL_PLATFORM *Platform, ACPI_REASON *Reason);

/* Runs Parse on a copy of Table in a block of exactly its size, and prints
 * the reason it gives as a test diagnostic. */
NTSTATUS ParseExactCopy(TABLE *Table, ACPI_PARSER Parse, HAL_PLATFORM *Platform, ACPI_REASON *Reason);

/* Fails the test unless the reason mentions Part. */
#define EXPECT_REASON(Reason, Part) ExpectReason(&(Reason), (Part), __FILE__, __LINE__)
VOID ExpectReason(const ACPI_REASON *Reason, PCSTR Part, PCSTR File, int Line);

#endif /* ACPI_FAKE_H */
