/*
 * acpi.c - finding the ACPI RSDP.
 *
 * On a PC BIOS the kernel would scan 0xE0000-0xFFFFF for "RSD PTR ". UEFI
 * instead lists well-known tables in the system table's configuration table:
 * an array of (GUID, pointer) pairs. ACPI_20_TABLE_GUID points at an RSDP of
 * revision 2 or later, with the 64-bit XSDT address; ACPI_TABLE_GUID at an
 * ACPI 1.0 one (RSDT only). We prefer the first and, like GRUB, hand the
 * kernel a copy of the RSDP rather than its address: 36 bytes for revision 2,
 * 20 for revision 0.
 */
#include "loader.h"

static EFI_GUID Acpi20Guid = ACPI_20_TABLE_GUID;
static EFI_GUID Acpi10Guid = ACPI_TABLE_GUID;

static VOID *FindConfigurationTable(EFI_GUID *Guid)
{
    for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
        if (CompareGuid(&ST->ConfigurationTable[i].VendorGuid, Guid) == 0)
            return ST->ConfigurationTable[i].VendorTable;
    }
    return NULL;
}

/* ACPI checksums: all bytes of the structure add up to 0 (mod 256). */
static BOOLEAN ChecksumOk(const UINT8 *Bytes, UINTN Length)
{
    UINT8 Sum = 0;

    for (UINTN i = 0; i < Length; i++)
        Sum += Bytes[i];
    return Sum == 0;
}

/* The RSDP's bytes this kernel keeps (20 or 36), or 0 when it is not one. */
static UINT32 RsdpLength(const UINT8 *Rsdp)
{
    if (Rsdp == NULL || CompareMem(Rsdp, "RSD PTR ", 8) != 0 || !ChecksumOk(Rsdp, 20))
        return 0;
    if (Rsdp[15] < 2) /* byte 15: revision */
        return 20;
    return ChecksumOk(Rsdp, 36) ? 36 : 0; /* the extended checksum covers 36 bytes */
}

void FindAcpiRsdp(BOOT_INFO *Info)
{
    const UINT8 *Rsdp = FindConfigurationTable(&Acpi20Guid);
    UINT32 Length = RsdpLength(Rsdp);

    if (Length == 0) {
        Rsdp = FindConfigurationTable(&Acpi10Guid);
        Length = RsdpLength(Rsdp);
    }
    if (Length == 0) {
        LoaderInfo(L"no ACPI RSDP in the configuration table");
        Info->AcpiRsdpLength = 0;
        return;
    }
    CopyMem(Info->AcpiRsdp, Rsdp, Length);
    Info->AcpiRsdpLength = Length;
    LoaderInfo(L"ACPI RSDP revision %d at 0x%lx", Rsdp[15], (UINT64)(UINTN)Rsdp);
}
