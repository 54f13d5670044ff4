/*
 * acpi_madt.c - the MADT: the processors, the I/O APICs, and how the ISA
 * IRQs and the NMI are wired to them.
 *
 * After its fixed part (the local APIC address and a flags word) the MADT is
 * a list of entries, each starting with a type byte and a length byte. On
 * QEMU the first two are (bytes from offset 0x2C):
 *
 *   00 08  00 00  01 00 00 00                 type 0, 8 bytes: processor UID 0,
 *                                             APIC ID 0, flags 1 (enabled)
 *   01 0c  00 00  00 00 c0 fe  00 00 00 00    type 1, 12 bytes: I/O APIC id 0,
 *                                             at 0xfec00000, GSI base 0
 *
 * The walk believes no length it has not checked: an entry must have room for
 * its two header bytes, a length of at least 2 (with 0 the walk would never
 * move on), must end inside the table, and must be as long as the layout of
 * its type. An entry that fails any of these makes the whole MADT unusable,
 * since what follows it cannot be found. Types the kernel has no use for are
 * skipped by their length; entries whose values the kernel cannot use (an
 * x2APIC ID above 254, a third LINT pin) are left out with a note.
 */
#include "acpi_tables.h"
#include "rtl.h"

/* The largest APIC ID (and processor UID) xAPIC mode can reach: 0xFF is the
 * broadcast ID (and, as a UID, "every processor"). */
#define XAPIC_MAX_ID 0xFE

typedef struct _MADT_WALK {
    HAL_PLATFORM *Platform;
    ACPI_REASON *Reason;
    /* Entries beyond the capacity of HAL_PLATFORM's arrays. */
    ULONG ProcessorsLeftOut;
    ULONG IoApicsLeftOut;
    ULONG OverridesLeftOut;
    ULONG NmisLeftOut;
} MADT_WALK;

/* The MPS INTI flags give polarity and trigger mode two bits each; the value
 * 2 (binary 10) is reserved in both. */
#define INTI_POLARITY_RESERVED 0x2
#define INTI_TRIGGER_RESERVED 0x8

static BOOLEAN IntiFlagsValid(USHORT Flags)
{
    return (Flags & INTI_POLARITY_MASK) != INTI_POLARITY_RESERVED &&
           (Flags & INTI_TRIGGER_MASK) != INTI_TRIGGER_RESERVED;
}

static BOOLEAN IsListedApicId(const HAL_PLATFORM *Platform, ULONG ApicId)
{
    for (ULONG i = 0; i < Platform->ProcessorCount; i++) {
        if (Platform->Processors[i].ApicId == ApicId)
            return TRUE;
    }
    return FALSE;
}

/* Types 0 and 9: one processor. */
static VOID AddProcessor(MADT_WALK *Walk, ULONG Uid, ULONG ApicId, ULONG Flags)
{
    HAL_PLATFORM *Platform = Walk->Platform;

    /* Neither enabled nor online capable: an empty socket. QEMU lists one for
     * every CPU that `-smp maxcpus=` could hot-plug later. */
    if ((Flags & (ACPI_MADT_ENABLED | ACPI_MADT_ONLINE_CAPABLE)) == 0)
        return;
    if (ApicId > XAPIC_MAX_ID || Uid > XAPIC_MAX_ID) {
        HalpAcpiNote(Walk->Reason, "processor with APIC ID %u (UID %u) is out of xAPIC reach: left out", ApicId, Uid);
        return;
    }
    if (IsListedApicId(Platform, ApicId)) {
        HalpAcpiNote(Walk->Reason, "APIC ID %u is listed twice: the second is ignored", ApicId);
        return;
    }
    if (Platform->ProcessorCount == HAL_MAX_PROCESSORS) {
        Walk->ProcessorsLeftOut++;
        return;
    }
    HAL_PROCESSOR *Processor = &Platform->Processors[Platform->ProcessorCount++];
    Processor->AcpiProcessorId = (UCHAR)Uid;
    Processor->ApicId = (UCHAR)ApicId;
    Processor->Enabled = (Flags & ACPI_MADT_ENABLED) != 0;
}

static VOID ReadLocalApic(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_LOCAL_APIC *LocalApic = Entry;

    AddProcessor(Walk, LocalApic->AcpiProcessorUid, LocalApic->ApicId, LocalApic->Flags);
}

static VOID ReadLocalX2Apic(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_LOCAL_X2APIC *LocalX2Apic = Entry;

    AddProcessor(Walk, LocalX2Apic->AcpiProcessorUid, LocalX2Apic->X2ApicId, LocalX2Apic->Flags);
}

static VOID ReadIoApic(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_IO_APIC *IoApic = Entry;
    HAL_PLATFORM *Platform = Walk->Platform;

    if (IoApic->Address == 0) {
        HalpAcpiNote(Walk->Reason, "I/O APIC %u has address 0: ignored", IoApic->IoApicId);
        return;
    }
    if (Platform->IoApicCount == HAL_MAX_IOAPICS) {
        Walk->IoApicsLeftOut++;
        return;
    }
    HAL_IOAPIC *Out = &Platform->IoApics[Platform->IoApicCount++];
    Out->Id = IoApic->IoApicId;
    Out->Address = IoApic->Address;
    Out->GsiBase = IoApic->GsiBase;
}

static const HAL_INTERRUPT_OVERRIDE *FindOverride(const HAL_PLATFORM *Platform, UCHAR Irq)
{
    for (ULONG i = 0; i < Platform->OverrideCount; i++) {
        if (Platform->Overrides[i].SourceIrq == Irq)
            return &Platform->Overrides[i];
    }
    return NULL;
}

/* Type 2: ISA IRQ SourceIrq arrives at GSI Gsi. Only bus 0 (ISA) and IRQs
 * 0-15 exist; the first override of an IRQ counts. */
static VOID ReadOverride(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_OVERRIDE *Override = Entry;
    HAL_PLATFORM *Platform = Walk->Platform;

    if (Override->Bus != 0 || Override->SourceIrq > 15 || !IntiFlagsValid(Override->Flags) ||
        FindOverride(Platform, Override->SourceIrq) != NULL) {
        HalpAcpiNote(Walk->Reason, "override of bus %u IRQ %u (GSI %u, flags 0x%x) is invalid or repeated: ignored",
                     Override->Bus, Override->SourceIrq, Override->Gsi, Override->Flags);
        return;
    }
    if (Platform->OverrideCount == HAL_MAX_OVERRIDES) {
        Walk->OverridesLeftOut++;
        return;
    }
    HAL_INTERRUPT_OVERRIDE *Out = &Platform->Overrides[Platform->OverrideCount++];
    Out->Bus = Override->Bus;
    Out->SourceIrq = Override->SourceIrq;
    Out->Gsi = Override->Gsi;
    Out->Flags = Override->Flags;
}

/* Types 4 and 0xA: the NMI arrives on pin LINT0 or LINT1 of a processor's
 * local APIC (Uid ACPI_ALL_PROCESSORS: of every one). */
static VOID AddNmi(MADT_WALK *Walk, ULONG Uid, USHORT Flags, UCHAR Lint)
{
    HAL_PLATFORM *Platform = Walk->Platform;

    if (Lint > 1 || Uid > ACPI_ALL_PROCESSORS || !IntiFlagsValid(Flags)) {
        HalpAcpiNote(Walk->Reason,
                     "NMI entry for UID %u on LINT%u (flags 0x%x) is invalid or out of xAPIC reach: ignored", Uid, Lint,
                     Flags);
        return;
    }
    if (Platform->NmiCount == HAL_MAX_NMIS) {
        Walk->NmisLeftOut++;
        return;
    }
    HAL_LAPIC_NMI *Out = &Platform->Nmis[Platform->NmiCount++];
    Out->AcpiProcessorId = (UCHAR)Uid;
    Out->Flags = Flags;
    Out->Lint = Lint;
}

static VOID ReadLocalApicNmi(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_LOCAL_APIC_NMI *Nmi = Entry;

    AddNmi(Walk, Nmi->AcpiProcessorUid, Nmi->Flags, Nmi->Lint);
}

static VOID ReadLocalX2ApicNmi(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_LOCAL_X2APIC_NMI *Nmi = Entry;
    ULONG Uid = Nmi->AcpiProcessorUid == ACPI_ALL_X2APIC_PROCESSORS ? ACPI_ALL_PROCESSORS : Nmi->AcpiProcessorUid;

    AddNmi(Walk, Uid, Nmi->Flags, Nmi->Lint);
}

/* Type 5: the local APICs are above 4 GiB, out of the fixed part's reach. */
static VOID ReadLocalApicAddress(MADT_WALK *Walk, const VOID *Entry)
{
    const ACPI_MADT_LOCAL_APIC_ADDRESS *Override = Entry;

    if (Override->Address == 0)
        HalpAcpiNote(Walk->Reason, "local APIC address override to 0: ignored");
    else
        Walk->Platform->LocalApicAddress = Override->Address;
}

typedef VOID (*MADT_ENTRY_READER)(MADT_WALK *Walk, const VOID *Entry);

static const struct {
    UCHAR Type;
    UCHAR Length; /* of the layout; later ACPI revisions may make entries longer */
    PCSTR Name;
    MADT_ENTRY_READER Read;
} MadtEntryTypes[] = {
    {ACPI_MADT_TYPE_LOCAL_APIC, sizeof(ACPI_MADT_LOCAL_APIC), "local APIC", ReadLocalApic},
    {ACPI_MADT_TYPE_IO_APIC, sizeof(ACPI_MADT_IO_APIC), "I/O APIC", ReadIoApic},
    {ACPI_MADT_TYPE_OVERRIDE, sizeof(ACPI_MADT_OVERRIDE), "interrupt source override", ReadOverride},
    {ACPI_MADT_TYPE_LOCAL_APIC_NMI, sizeof(ACPI_MADT_LOCAL_APIC_NMI), "local APIC NMI", ReadLocalApicNmi},
    {ACPI_MADT_TYPE_LOCAL_APIC_ADDRESS, sizeof(ACPI_MADT_LOCAL_APIC_ADDRESS), "local APIC address",
     ReadLocalApicAddress},
    {ACPI_MADT_TYPE_LOCAL_X2APIC, sizeof(ACPI_MADT_LOCAL_X2APIC), "local x2APIC", ReadLocalX2Apic},
    {ACPI_MADT_TYPE_LOCAL_X2APIC_NMI, sizeof(ACPI_MADT_LOCAL_X2APIC_NMI), "local x2APIC NMI", ReadLocalX2ApicNmi},
};

/* One entry whose bytes lie inside the table: check its length against its
 * type's layout, then read it. */
static NTSTATUS ReadEntry(MADT_WALK *Walk, const ACPI_MADT_ENTRY *Entry, ULONG Offset)
{
    for (SIZE_T i = 0; i < ARRAYSIZE(MadtEntryTypes); i++) {
        if (MadtEntryTypes[i].Type != Entry->Type)
            continue;
        if (Entry->Length < MadtEntryTypes[i].Length)
            return HalpAcpiFail(Walk->Reason, STATUS_ACPI_INVALID_TABLE,
                                "MADT %s entry at offset 0x%x is %u bytes long; its layout needs %u",
                                MadtEntryTypes[i].Name, Offset, Entry->Length, MadtEntryTypes[i].Length);
        MadtEntryTypes[i].Read(Walk, Entry);
        return STATUS_SUCCESS;
    }
    return STATUS_SUCCESS; /* a type the kernel does not use (NMI source, GIC, ...) */
}

static NTSTATUS WalkEntries(MADT_WALK *Walk, const UCHAR *Table, ULONG Length)
{
    ULONG Offset = sizeof(ACPI_MADT);

    while (Offset < Length) {
        const ACPI_MADT_ENTRY *Entry = (const ACPI_MADT_ENTRY *)(Table + Offset);
        if (Length - Offset < sizeof(ACPI_MADT_ENTRY))
            return HalpAcpiFail(Walk->Reason, STATUS_ACPI_INVALID_TABLE,
                                "MADT entry at offset 0x%x is cut off by the table's end (%u bytes)", Offset, Length);
        if (Entry->Length < sizeof(ACPI_MADT_ENTRY))
            return HalpAcpiFail(Walk->Reason, STATUS_ACPI_INVALID_TABLE,
                                "MADT entry at offset 0x%x (type %u) has length %u: the entries after it are lost",
                                Offset, Entry->Type, Entry->Length);
        if (Entry->Length > Length - Offset)
            return HalpAcpiFail(Walk->Reason, STATUS_ACPI_INVALID_TABLE,
                                "MADT entry at offset 0x%x (type %u, %u bytes) runs past the table's end (%u bytes)",
                                Offset, Entry->Type, Entry->Length, Length);
        NTSTATUS Status = ReadEntry(Walk, Entry, Offset);
        if (!NT_SUCCESS(Status))
            return Status;
        Offset += Entry->Length;
    }
    return STATUS_SUCCESS;
}

static VOID NoteLeftOut(ACPI_REASON *Reason, ULONG LeftOut, ULONG Kept, PCSTR What)
{
    if (LeftOut > 0)
        HalpAcpiNote(Reason, "%s left out: %u (the kernel has room for %u)", What, LeftOut, Kept);
}

/* What the kernel cannot run without: a local APIC, an enabled processor (the
 * boot CPU at least) and an I/O APIC to route device interrupts. */
static NTSTATUS CheckEssentials(const HAL_PLATFORM *Platform, ACPI_REASON *Reason)
{
    ULONG Enabled = 0;

    for (ULONG i = 0; i < Platform->ProcessorCount; i++)
        Enabled += Platform->Processors[i].Enabled;
    if (Platform->LocalApicAddress == 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "MADT gives local APIC address 0");
    if (Enabled == 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "MADT lists no enabled processor");
    if (Platform->IoApicCount == 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "MADT lists no I/O APIC");
    return STATUS_SUCCESS;
}

NTSTATUS HalpAcpiParseMadt(const ACPI_TABLE_HEADER *Header, HAL_PLATFORM *Platform, ACPI_REASON *Reason)
{
    const ACPI_MADT *Madt = (const ACPI_MADT *)Header;
    MADT_WALK Walk = {Platform, Reason, 0, 0, 0, 0};

    Reason->Text[0] = '\0';
    Platform->ProcessorCount = 0;
    Platform->IoApicCount = 0;
    Platform->OverrideCount = 0;
    Platform->NmiCount = 0;
    if (Header->Length < sizeof(ACPI_MADT))
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "MADT is %u bytes long, less than its %u-byte fixed part", Header->Length,
                            (ULONG)sizeof(ACPI_MADT));
    Platform->LocalApicAddress = Madt->LocalApicAddress;
    Platform->HasLegacyPic = (Madt->Flags & ACPI_MADT_PCAT_COMPAT) != 0;

    NTSTATUS Status = WalkEntries(&Walk, (const UCHAR *)Header, Header->Length);
    if (!NT_SUCCESS(Status))
        return Status;
    NoteLeftOut(Reason, Walk.ProcessorsLeftOut, HAL_MAX_PROCESSORS, "processors");
    NoteLeftOut(Reason, Walk.IoApicsLeftOut, HAL_MAX_IOAPICS, "I/O APICs");
    NoteLeftOut(Reason, Walk.OverridesLeftOut, HAL_MAX_OVERRIDES, "overrides");
    NoteLeftOut(Reason, Walk.NmisLeftOut, HAL_MAX_NMIS, "NMI entries");
    return CheckEssentials(Platform, Reason);
}
