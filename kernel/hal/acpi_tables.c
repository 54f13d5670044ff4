/*
 * acpi_tables.c - from the RSDP to a table that can be trusted: the RSDP's
 * signature and checksums, the RSDT or XSDT, and the checks every table
 * passes before a byte of its body is read (signature, length, checksum).
 *
 * Nothing here calls the kernel: memory is reached through Tables->Map, so
 * the same code runs in the host tests and the fuzzer (see acpi_tables.h).
 */
#include "acpi_tables.h"
#include "rtl.h"

/* The ACPI checksum rule: all bytes of a structure add up to 0 (mod 256). */
static UCHAR ByteSum(const VOID *Bytes, SIZE_T Length)
{
    const UCHAR *Byte = Bytes;
    UCHAR Sum = 0;

    while (Length-- > 0)
        Sum += *Byte++;
    return Sum;
}

/* Tables are known by their signature, except the MADT, whose signature
 * "APIC" is older than its name. */
static PCSTR TableName(PCSTR Signature)
{
    return strcmp(Signature, "APIC") == 0 ? "MADT" : Signature;
}

/* A signature read from memory, fit to print: unprintable bytes become '?'. */
static VOID PrintableSignature(const CHAR Signature[4], CHAR Text[5])
{
    for (int i = 0; i < 4; i++)
        Text[i] = (Signature[i] >= 0x20 && Signature[i] < 0x7F) ? Signature[i] : '?';
    Text[4] = '\0';
}

NTSTATUS HalpAcpiFail(ACPI_REASON *Reason, NTSTATUS Status, PCSTR Format, ...)
{
    va_list Args;

    va_start(Args, Format);
    RtlFormatStringV(Reason->Text, sizeof(Reason->Text), Format, Args);
    va_end(Args);
    return Status;
}

VOID HalpAcpiNote(ACPI_REASON *Reason, PCSTR Format, ...)
{
    SIZE_T Used = strlen(Reason->Text);
    va_list Args;

    if (Used > 0)
        Used += RtlFormatString(Reason->Text + Used, sizeof(Reason->Text) - Used, "; ");
    if (Used >= sizeof(Reason->Text))
        return; /* full: later notes are dropped */
    va_start(Args, Format);
    RtlFormatStringV(Reason->Text + Used, sizeof(Reason->Text) - Used, Format, Args);
    va_end(Args);
}

/*
 * The RSDP copy: which root table to use. ACPI 1.0's checksum covers the
 * first 20 bytes; from revision 2 on, the extended checksum covers all
 * Length (36) bytes as well, and the XSDT replaces the RSDT. A revision 2
 * RSDP of which only the first 20 bytes were copied still names a good RSDT.
 */
static NTSTATUS CheckRsdp(const UCHAR *Bytes, SIZE_T Length, ACPI_TABLES *Tables, ACPI_REASON *Reason)
{
    const ACPI_RSDP *Rsdp = (const ACPI_RSDP *)Bytes;

    if (Bytes == NULL || Length < ACPI_RSDP_V1_LENGTH)
        return HalpAcpiFail(Reason, STATUS_NOT_FOUND, "no RSDP (the loader passed %zu bytes, 20 are needed)",
                            Bytes ? Length : 0);
    if (memcmp(Rsdp->Signature, ACPI_RSDP_SIGNATURE, 8) != 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "RSDP does not start with \"RSD PTR \"");
    UCHAR Sum = ByteSum(Bytes, ACPI_RSDP_V1_LENGTH);
    if (Sum != 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "RSDP checksum is wrong: its 20 bytes sum to 0x%02x, not 0", Sum);

    Tables->RsdpRevision = Rsdp->Revision;
    if (Rsdp->Revision >= 2 && Length >= ACPI_RSDP_V2_LENGTH) {
        if (Rsdp->Length < ACPI_RSDP_V2_LENGTH || Rsdp->Length > Length)
            return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                                "RSDP revision %u says it is %u bytes long; 36 expected, %zu copied", Rsdp->Revision,
                                Rsdp->Length, Length);
        Sum = ByteSum(Bytes, Rsdp->Length);
        if (Sum != 0)
            return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                                "RSDP extended checksum is wrong: its %u bytes sum to 0x%02x, not 0", Rsdp->Length,
                                Sum);
        if (Rsdp->XsdtAddress != 0) {
            Tables->RootAddress = Rsdp->XsdtAddress;
            Tables->EntrySize = sizeof(ULONG64);
            return STATUS_SUCCESS;
        }
    }
    if (Rsdp->RsdtAddress == 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "RSDP gives no RSDT address");
    Tables->RootAddress = Rsdp->RsdtAddress;
    Tables->EntrySize = sizeof(ULONG);
    return STATUS_SUCCESS;
}

/*
 * The checks every table passes, in the only safe order: map the fixed
 * header and check its signature and Length, and only then map Length bytes
 * and check that they sum to 0.
 */
static NTSTATUS CheckTable(const ACPI_TABLES *Tables, ULONG64 Address, PCSTR Signature, const ACPI_TABLE_HEADER **Table,
                           ACPI_REASON *Reason)
{
    PCSTR Name = TableName(Signature);
    const ACPI_TABLE_HEADER *Header = Tables->Map(Tables->MapContext, Address, sizeof(ACPI_TABLE_HEADER));
    CHAR Found[5];

    if (Header == NULL)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "%s at 0x%llx is not in readable memory", Name, Address);
    if (memcmp(Header->Signature, Signature, 4) != 0) {
        PrintableSignature(Header->Signature, Found);
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "%s at 0x%llx is signed \"%s\", not \"%s\"", Name,
                            Address, Found, Signature);
    }
    ULONG Length = Header->Length;
    if (Length < sizeof(ACPI_TABLE_HEADER) || Length > ACPI_MAX_TABLE_LENGTH)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "%s at 0x%llx says it is %u bytes long (at least 36, at most %u accepted)", Name, Address,
                            Length, ACPI_MAX_TABLE_LENGTH);
    const VOID *Whole = Tables->Map(Tables->MapContext, Address, Length);
    if (Whole == NULL)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "%s at 0x%llx runs past readable memory (%u bytes)",
                            Name, Address, Length);
    UCHAR Sum = ByteSum(Whole, Length);
    if (Sum != 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "%s checksum is wrong: its %u bytes sum to 0x%02x, not 0", Name, Length, Sum);
    *Table = Whole;
    return STATUS_SUCCESS;
}

NTSTATUS HalpAcpiFindRoot(const VOID *Rsdp, SIZE_T RsdpLength, PACPI_MAP_PHYSICAL Map, PVOID MapContext,
                          ACPI_TABLES *Tables, ACPI_REASON *Reason)
{
    memset(Tables, 0, sizeof(*Tables));
    Tables->Map = Map;
    Tables->MapContext = MapContext;
    Reason->Text[0] = '\0';

    NTSTATUS Status = CheckRsdp(Rsdp, RsdpLength, Tables, Reason);
    if (!NT_SUCCESS(Status))
        return Status;
    PCSTR Signature = Tables->EntrySize == sizeof(ULONG64) ? "XSDT" : "RSDT";
    Status = CheckTable(Tables, Tables->RootAddress, Signature, &Tables->Root, Reason);
    if (!NT_SUCCESS(Status))
        return Status;

    /* The body is nothing but pointers: it must hold a whole number of them. */
    ULONG BodyLength = Tables->Root->Length - sizeof(ACPI_TABLE_HEADER);
    if (BodyLength % Tables->EntrySize != 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "%s is %u bytes long: its header and %u-byte pointers leave %u bytes over", Signature,
                            Tables->Root->Length, Tables->EntrySize, BodyLength % Tables->EntrySize);
    Tables->EntryCount = BodyLength / Tables->EntrySize;
    return STATUS_SUCCESS;
}

static ULONG64 RootEntry(const ACPI_TABLES *Tables, ULONG Index)
{
    if (Tables->EntrySize == sizeof(ULONG64))
        return ((const ACPI_XSDT *)Tables->Root)->Entry[Index];
    return ((const ACPI_RSDT *)Tables->Root)->Entry[Index];
}

NTSTATUS HalpAcpiFindTable(const ACPI_TABLES *Tables, PCSTR Signature, const ACPI_TABLE_HEADER **Table,
                           ACPI_REASON *Reason)
{
    ULONG Unreadable = 0;

    Reason->Text[0] = '\0';
    *Table = NULL;
    for (ULONG i = 0; i < Tables->EntryCount; i++) {
        ULONG64 Address = RootEntry(Tables, i);
        const ACPI_TABLE_HEADER *Header =
            Address ? Tables->Map(Tables->MapContext, Address, sizeof(ACPI_TABLE_HEADER)) : NULL;
        if (Header == NULL)
            Unreadable++; /* another table's problem, unless it was this one */
        else if (memcmp(Header->Signature, Signature, 4) == 0)
            return CheckTable(Tables, Address, Signature, Table, Reason);
    }
    HalpAcpiFail(Reason, STATUS_NOT_FOUND, "no %s among the %u tables of the %s", TableName(Signature),
                 Tables->EntryCount, Tables->EntrySize == sizeof(ULONG64) ? "XSDT" : "RSDT");
    if (Unreadable > 0)
        HalpAcpiNote(Reason, "%u of its pointers lead to unreadable memory", Unreadable);
    return STATUS_NOT_FOUND;
}
