/*
 * acpi_tables.h - the ACPI tables the HAL reads, as the specification lays
 * them out, and a parser for them that trusts nothing it reads.
 *
 * The firmware leaves a chain of tables in memory:
 *
 *   RSDP ──> RSDT (32-bit pointers) or XSDT (64-bit pointers)
 *              ├──> "APIC"  the MADT: processors, I/O APICs, IRQ wiring
 *              ├──> "MCFG"  where PCI configuration space is memory-mapped
 *              ├──> "HPET"  where the high precision event timer is
 *              └──> FADT, SSDTs, ... (not read here)
 *
 * Every table starts with the same 36-byte header, and the bytes of every
 * table (and of the RSDP) add up to 0 modulo 256: the checksum byte is chosen
 * to make it so. A firmware bug, a stale pointer or memory that was reused
 * breaks that sum, which is why it is checked before anything else is read.
 *
 * The parser (acpi_tables.c, acpi_madt.c) calls nothing in the kernel: it
 * reaches physical memory only through a map routine the caller supplies, so
 * the host unit tests and the fuzzer serve it tables from a buffer. Every
 * length is checked before the bytes it covers are read.
 *
 * Layouts: ACPI 6.5 chapter 5.2; MCFG: PCI Firmware Specification 3.3
 * section 4.1.2; HPET: IA-PC HPET Specification 1.0a section 3.2.4. All
 * fields are little-endian and need not be aligned, hence the packing.
 */
#ifndef HAL_ACPI_TABLES_H
#define HAL_ACPI_TABLES_H

#include "ntdef.h"
#include "hal/platform.h"

#define ACPI_PACKED __attribute__((packed))

/* ---- RSDP: the Root System Description Pointer (ACPI 5.2.5.3) ---------------
 * The one structure the firmware tells the loader about (a BIOS leaves it on
 * a 16-byte boundary in 0xE0000-0xFFFFF, UEFI lists it in its configuration
 * table); the loader hands the kernel a copy. ACPI 1.0 defined the first 20
 * bytes, ACPI 2.0 (revision 2) added the XSDT pointer and a second checksum. */
#define ACPI_RSDP_SIGNATURE "RSD PTR " /* 8 bytes, the trailing space included */
#define ACPI_RSDP_V1_LENGTH 20
#define ACPI_RSDP_V2_LENGTH 36

typedef struct _ACPI_RSDP {
    CHAR Signature[8];
    UCHAR Checksum; /* makes bytes 0-19 sum to 0 */
    CHAR OemId[6];
    UCHAR Revision;    /* 0: ACPI 1.0; 2: ACPI 2.0 and later */
    ULONG RsdtAddress; /* physical, 32-bit */
    /* Revision 2 and later: */
    ULONG Length;           /* of this structure: 36 */
    ULONG64 XsdtAddress;    /* physical, 64-bit; preferred over the RSDT */
    UCHAR ExtendedChecksum; /* makes all Length bytes sum to 0 */
    UCHAR Reserved[3];
} ACPI_PACKED ACPI_RSDP;

/* ---- the header every table starts with (ACPI 5.2.6) --------------------- */
typedef struct _ACPI_TABLE_HEADER {
    CHAR Signature[4]; /* "APIC", "MCFG", ...: not NUL-terminated */
    ULONG Length;      /* of the whole table, this header included */
    UCHAR Revision;
    UCHAR Checksum; /* makes all Length bytes sum to 0 */
    CHAR OemId[6];
    CHAR OemTableId[8];
    ULONG OemRevision;
    ULONG CreatorId;
    ULONG CreatorRevision;
} ACPI_PACKED ACPI_TABLE_HEADER;

/* RSDT and XSDT: the header, then physical addresses of the other tables,
 * as many as fit in Length. XSDT entries sit at offset 36, so they are not
 * 8-byte aligned. */
typedef struct _ACPI_RSDT {
    ACPI_TABLE_HEADER Header; /* "RSDT" */
    ULONG Entry[];
} ACPI_PACKED ACPI_RSDT;

typedef struct _ACPI_XSDT {
    ACPI_TABLE_HEADER Header; /* "XSDT" */
    ULONG64 Entry[];
} ACPI_PACKED ACPI_XSDT;

/* ---- MADT: the Multiple APIC Description Table, signature "APIC" (5.2.12) --
 * A fixed part, then variable-length entries back to back until Length, each
 * starting with its type and its length in bytes. */
#define ACPI_MADT_PCAT_COMPAT 0x1 /* Flags: an 8259 pair is present too */

typedef struct _ACPI_MADT {
    ACPI_TABLE_HEADER Header;
    ULONG LocalApicAddress; /* every CPU's local APIC, at the same address */
    ULONG Flags;            /* ACPI_MADT_PCAT_COMPAT */
} ACPI_PACKED ACPI_MADT;

typedef struct _ACPI_MADT_ENTRY {
    UCHAR Type;   /* ACPI_MADT_TYPE_* */
    UCHAR Length; /* of the entry, these two bytes included */
} ACPI_PACKED ACPI_MADT_ENTRY;

#define ACPI_MADT_TYPE_LOCAL_APIC 0x0
#define ACPI_MADT_TYPE_IO_APIC 0x1
#define ACPI_MADT_TYPE_OVERRIDE 0x2
#define ACPI_MADT_TYPE_LOCAL_APIC_NMI 0x4
#define ACPI_MADT_TYPE_LOCAL_APIC_ADDRESS 0x5
#define ACPI_MADT_TYPE_LOCAL_X2APIC 0x9
#define ACPI_MADT_TYPE_LOCAL_X2APIC_NMI 0xA

/* Processor Flags: bit 0 set, the CPU is ready. Bit 0 clear and bit 1 set, it
 * can be brought online later (hot add). Both clear: the entry is a slot with
 * no CPU, and the OS must ignore it. */
#define ACPI_MADT_ENABLED 0x1
#define ACPI_MADT_ONLINE_CAPABLE 0x2

/* Type 0, 8 bytes: one processor and its local APIC. */
typedef struct _ACPI_MADT_LOCAL_APIC {
    ACPI_MADT_ENTRY Entry;
    UCHAR AcpiProcessorUid; /* names the CPU in NMI entries and the DSDT */
    UCHAR ApicId;
    ULONG Flags; /* ACPI_MADT_ENABLED, ACPI_MADT_ONLINE_CAPABLE */
} ACPI_PACKED ACPI_MADT_LOCAL_APIC;

/* Type 1, 12 bytes: an I/O APIC, whose input pins are the global system
 * interrupts (GSIs) GsiBase, GsiBase + 1, ... (how many: its version
 * register says, the MADT does not). */
typedef struct _ACPI_MADT_IO_APIC {
    ACPI_MADT_ENTRY Entry;
    UCHAR IoApicId;
    UCHAR Reserved;
    ULONG Address; /* physical, of its two MMIO registers */
    ULONG GsiBase;
} ACPI_PACKED ACPI_MADT_IO_APIC;

/* Type 2, 10 bytes: ISA IRQ SourceIrq is not wired to GSI SourceIrq (the
 * default) but to Gsi, with the polarity and trigger mode in Flags (the MPS
 * INTI flags, INTI_* in platform.h). */
typedef struct _ACPI_MADT_OVERRIDE {
    ACPI_MADT_ENTRY Entry;
    UCHAR Bus; /* 0: ISA, the only bus defined */
    UCHAR SourceIrq;
    ULONG Gsi;
    USHORT Flags;
} ACPI_PACKED ACPI_MADT_OVERRIDE;

/* Type 4, 6 bytes: a local APIC's LINT0 or LINT1 pin carries the NMI. */
#define ACPI_ALL_PROCESSORS 0xFF
typedef struct _ACPI_MADT_LOCAL_APIC_NMI {
    ACPI_MADT_ENTRY Entry;
    UCHAR AcpiProcessorUid; /* ACPI_ALL_PROCESSORS: every CPU */
    USHORT Flags;           /* INTI_* */
    UCHAR Lint;             /* 0 or 1 */
} ACPI_PACKED ACPI_MADT_LOCAL_APIC_NMI;

/* Type 5, 12 bytes: a 64-bit local APIC address replacing the fixed part's. */
typedef struct _ACPI_MADT_LOCAL_APIC_ADDRESS {
    ACPI_MADT_ENTRY Entry;
    USHORT Reserved;
    ULONG64 Address;
} ACPI_PACKED ACPI_MADT_LOCAL_APIC_ADDRESS;

/* Type 9, 16 bytes: a processor whose APIC ID needs more than 8 bits
 * (x2APIC). The kernel drives the APIC in xAPIC mode, so only IDs below 255
 * are reachable. */
typedef struct _ACPI_MADT_LOCAL_X2APIC {
    ACPI_MADT_ENTRY Entry;
    USHORT Reserved;
    ULONG X2ApicId;
    ULONG Flags;
    ULONG AcpiProcessorUid;
} ACPI_PACKED ACPI_MADT_LOCAL_X2APIC;

/* Type 0xA, 12 bytes: type 4 for x2APIC processors. */
#define ACPI_ALL_X2APIC_PROCESSORS 0xFFFFFFFF
typedef struct _ACPI_MADT_LOCAL_X2APIC_NMI {
    ACPI_MADT_ENTRY Entry;
    USHORT Flags;
    ULONG AcpiProcessorUid; /* ACPI_ALL_X2APIC_PROCESSORS: every CPU */
    UCHAR Lint;
    UCHAR Reserved[3];
} ACPI_PACKED ACPI_MADT_LOCAL_X2APIC_NMI;

/* ---- MCFG: PCI Express memory-mapped configuration space -------------------
 * For each range of buses, the base of its ECAM window: the configuration
 * space of bus B, device D, function F is the 4 KiB at
 * BaseAddress + (B << 20 | D << 15 | F << 12). */
typedef struct _ACPI_MCFG_ALLOCATION {
    ULONG64 BaseAddress;
    USHORT Segment; /* PCI segment group */
    UCHAR StartBus;
    UCHAR EndBus;
    ULONG Reserved;
} ACPI_PACKED ACPI_MCFG_ALLOCATION;

typedef struct _ACPI_MCFG {
    ACPI_TABLE_HEADER Header;
    UCHAR Reserved[8];
    ACPI_MCFG_ALLOCATION Allocation[]; /* as many as fit in Length */
} ACPI_PACKED ACPI_MCFG;

/* ---- HPET: the High Precision Event Timer --------------------------------- */
#define ACPI_ADDRESS_SPACE_MEMORY 0

/* A Generic Address Structure (ACPI 5.2.3.2): a register in some space. */
typedef struct _ACPI_GENERIC_ADDRESS {
    UCHAR AddressSpaceId; /* 0: memory, 1: I/O ports, ... */
    UCHAR BitWidth;
    UCHAR BitOffset;
    UCHAR AccessSize;
    ULONG64 Address;
} ACPI_PACKED ACPI_GENERIC_ADDRESS;

typedef struct _ACPI_HPET {
    ACPI_TABLE_HEADER Header;
    ULONG EventTimerBlockId;          /* the HPET's capabilities register, low half */
    ACPI_GENERIC_ADDRESS BaseAddress; /* of its 1 KiB of registers */
    UCHAR HpetNumber;
    USHORT MinimumTick;
    UCHAR PageProtection;
} ACPI_PACKED ACPI_HPET;

/* ---- the parser ------------------------------------------------------------ */

/* Tables longer than this are refused: the tables read here are a few hundred
 * bytes, and a huge Length is corruption, not a table. */
#define ACPI_MAX_TABLE_LENGTH (1024 * 1024)

/* What a malformed table is, in Windows' ntstatus.h. */
#define STATUS_ACPI_INVALID_TABLE ((NTSTATUS)0xC0140008L)

/* Why a step failed, as one readable clause ("MADT checksum is 0x12, not 0").
 * On success it may hold notes about entries that were left out; it is the
 * empty string when there is nothing to say. */
#define ACPI_REASON_SIZE 256
typedef struct _ACPI_REASON {
    CHAR Text[ACPI_REASON_SIZE];
} ACPI_REASON;

/* Makes Length bytes at physical address Physical readable: returns a pointer
 * to them, or NULL when they are not (all) readable. Pointers it returns stay
 * valid while the tables are in use. */
typedef const VOID *(*PACPI_MAP_PHYSICAL)(PVOID Context, ULONG64 Physical, SIZE_T Length);

/* The root table, found and checked: what HalpAcpiFindTable walks. */
typedef struct _ACPI_TABLES {
    PACPI_MAP_PHYSICAL Map;
    PVOID MapContext;
    UCHAR RsdpRevision;
    ULONG64 RootAddress;
    const ACPI_TABLE_HEADER *Root; /* the RSDT or the XSDT */
    ULONG EntrySize;               /* 4 in the RSDT, 8 in the XSDT */
    ULONG EntryCount;
} ACPI_TABLES;

/* Checks the RSDP copy (signature, checksums), then the root table it points
 * to: the XSDT when the RSDP has one, else the RSDT. */
NTSTATUS HalpAcpiFindRoot(const VOID *Rsdp, SIZE_T RsdpLength, PACPI_MAP_PHYSICAL Map, PVOID MapContext,
                          ACPI_TABLES *Tables, ACPI_REASON *Reason);

/* The first table with this signature ("APIC") that the root table lists,
 * checked: its whole Length is readable and sums to 0. STATUS_NOT_FOUND when
 * no entry has that signature. */
NTSTATUS HalpAcpiFindTable(const ACPI_TABLES *Tables, PCSTR Signature, const ACPI_TABLE_HEADER **Table,
                           ACPI_REASON *Reason);

/* Each reads one checked table (from HalpAcpiFindTable) into Platform. The
 * MADT fills the processors, I/O APICs, overrides, NMIs, the local APIC
 * address and HasLegacyPic; on failure those fields are left half-filled, for
 * the caller to replace. The MCFG fills Mcfg, the HPET HpetAddress. */
NTSTATUS HalpAcpiParseMadt(const ACPI_TABLE_HEADER *Madt, HAL_PLATFORM *Platform, ACPI_REASON *Reason);
NTSTATUS HalpAcpiParseMcfg(const ACPI_TABLE_HEADER *Mcfg, HAL_PLATFORM *Platform, ACPI_REASON *Reason);
NTSTATUS HalpAcpiParseHpet(const ACPI_TABLE_HEADER *Hpet, HAL_PLATFORM *Platform, ACPI_REASON *Reason);

/* For the parser's own files: set the failure reason and return Status, or
 * append a note to Reason (separated by "; "). */
NTSTATUS HalpAcpiFail(ACPI_REASON *Reason, NTSTATUS Status, PCSTR Format, ...) __attribute__((format(printf, 3, 4)));
VOID HalpAcpiNote(ACPI_REASON *Reason, PCSTR Format, ...) __attribute__((format(printf, 2, 3)));

#endif /* HAL_ACPI_TABLES_H */
