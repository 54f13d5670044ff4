/*
 * acpi_mcfg.c - the MCFG: where PCI Express configuration space is mapped.
 *
 * Classic PCI reaches a function's 256 bytes of configuration registers
 * through two I/O ports (0xCF8 takes an address, 0xCFC the data). PCI Express
 * gives each function 4 KiB of them and maps all of it into memory, the ECAM
 * (Enhanced Configuration Access Mechanism): one page per function, 8
 * functions per device, 32 devices per bus, so 1 MiB per bus. The MCFG lists
 * one window per range of buses. QEMU's q35 machine has one (buses 0-255 at
 * 0xb0000000); the older i440FX machine (-M pc) is plain PCI and has no MCFG.
 */
#include "acpi_tables.h"

/* A window the kernel can use: buses in order, a nonzero page-aligned base. */
static BOOLEAN AllocationValid(const ACPI_MCFG_ALLOCATION *Allocation)
{
    return Allocation->StartBus <= Allocation->EndBus && Allocation->BaseAddress != 0 &&
           (Allocation->BaseAddress & 0xFFF) == 0;
}

NTSTATUS HalpAcpiParseMcfg(const ACPI_TABLE_HEADER *Header, HAL_PLATFORM *Platform, ACPI_REASON *Reason)
{
    const ACPI_MCFG *Mcfg = (const ACPI_MCFG *)Header;

    Reason->Text[0] = '\0';
    Platform->McfgCount = 0;
    if (Header->Length < sizeof(ACPI_MCFG))
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "MCFG is %u bytes long, less than its %u-byte fixed part", Header->Length,
                            (ULONG)sizeof(ACPI_MCFG));
    ULONG BodyLength = Header->Length - sizeof(ACPI_MCFG);
    if (BodyLength % sizeof(ACPI_MCFG_ALLOCATION) != 0)
        return HalpAcpiFail(Reason, STATUS_ACPI_INVALID_TABLE,
                            "MCFG is %u bytes long: its 16-byte allocations leave %u bytes over", Header->Length,
                            BodyLength % (ULONG)sizeof(ACPI_MCFG_ALLOCATION));

    for (ULONG i = 0; i < BodyLength / sizeof(ACPI_MCFG_ALLOCATION); i++) {
        const ACPI_MCFG_ALLOCATION *Allocation = &Mcfg->Allocation[i];
        if (!AllocationValid(Allocation)) {
            HalpAcpiNote(Reason, "MCFG window %u (0x%llx, buses %u-%u) is invalid: ignored", i, Allocation->BaseAddress,
                         Allocation->StartBus, Allocation->EndBus);
        } else if (Platform->McfgCount == HAL_MAX_MCFG) {
            HalpAcpiNote(Reason, "MCFG window %u left out (the kernel has room for %u)", i, HAL_MAX_MCFG);
        } else {
            HAL_MCFG_ALLOCATION *Out = &Platform->Mcfg[Platform->McfgCount++];
            Out->BaseAddress = Allocation->BaseAddress;
            Out->Segment = Allocation->Segment;
            Out->StartBus = Allocation->StartBus;
            Out->EndBus = Allocation->EndBus;
        }
    }
    return STATUS_SUCCESS;
}
