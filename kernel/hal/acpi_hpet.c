/*
 * acpi_hpet.c - the HPET table: where the High Precision Event Timer is.
 *
 * The HPET is a 64-bit counter running at a fixed rate of at least 10 MHz,
 * with at least three comparators that raise interrupts, all in 1 KiB of
 * memory-mapped registers. It came to the PC to replace the PIT and the RTC as
 * the reference clocks (its comparators 0 and 1 can even take over their
 * IRQs 0 and 8: "legacy replacement"). QEMU puts it at 0xfed00000.
 */
#include "acpi_tables.h"

NTSTATUS HalpAcpiParseHpet(const ACPI_TABLE_HEADER *Header, HAL_PLATFORM *Platform, ACPI_REASON *Reason)
{
    const ACPI_HPET *Hpet = (const ACPI_HPET *)Header;

    Reason->Text[0] = '\0';
    Platform->HpetAddress = 0;
    if (Header->Length < sizeof(ACPI_HPET))
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "HPET table is %u bytes long, less than the %u needed",
                            Header->Length, (ULONG)sizeof(ACPI_HPET));
    /* A Generic Address Structure could name I/O port space too; the HPET's
     * registers are always memory. */
    if (Hpet->BaseAddress.AddressSpaceId != ACPI_ADDRESS_SPACE_MEMORY)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "HPET registers are in address space %u, not memory (0)",
                            Hpet->BaseAddress.AddressSpaceId);
    if (Hpet->BaseAddress.Address == 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE, "HPET table gives base address 0");
    Platform->HpetAddress = Hpet->BaseAddress.Address;
    return STATUS_SUCCESS;
}
