/*
 * acpi.c - HalpInitializeAcpi: the machine as its ACPI tables describe it,
 * or as every PC is wired when the tables cannot be trusted.
 *
 * The parser (acpi_tables.c, acpi_madt.c, acpi_mcfg.c, acpi_hpet.c) does the
 * reading and the checking; this file gives it physical memory through the
 * direct map, decides what to do when a table is missing or malformed, and
 * says so in one line per problem. Only the MADT is essential: without it
 * the kernel takes the PC defaults below. The MCFG and the HPET are optional.
 */
#include "platform.h"
#include "acpi_tables.h"
#include "x86.h"
#include "ke/ke.h"
#include "mm/mm.h"

HAL_PLATFORM HalPlatform;

/* The direct map covers the physical addresses below this; above it, a
 * physical address plus MM_DIRECT_MAP_BASE would land in system PTE space. */
#define DIRECT_MAP_SPAN (MM_SYSTEM_PTE_BASE - MM_DIRECT_MAP_BASE)

/* The parser's map routine. The direct map reaches all RAM and the first
 * 4 GiB, but a table pointer may be garbage: every page is checked first. */
static const VOID *MapPhysical(PVOID Context, ULONG64 Physical, SIZE_T Length)
{
    UNREFERENCED_PARAMETER(Context);
    if (Length == 0 || Physical >= DIRECT_MAP_SPAN || Length > DIRECT_MAP_SPAN - Physical)
        return NULL;
    for (ULONG64 Page = Physical & ~(PAGE_SIZE - 1); Page < Physical + Length; Page += PAGE_SIZE) {
        if (!MmIsAddressValid(MmPhysicalToVirtual(Page)))
            return NULL;
    }
    return MmPhysicalToVirtual(Physical);
}

/* CPUID leaf 1, EBX bits 31-24: the APIC ID this CPU was given at reset. */
static ULONG BootCpuApicId(VOID)
{
    ULONG Registers[4];

    __cpuid(1, 0, Registers);
    return Registers[1] >> 24;
}

/*
 * The wiring every PC has had since the MultiProcessor Specification's
 * default configurations: the local APIC at 0xfee00000, one I/O APIC at
 * 0xfec00000 for GSIs 0-23, the 8259 pair still present, the PIT's IRQ 0 on
 * I/O APIC pin 2, and NMI on every CPU's LINT1. Of the processors, only the
 * one running this code is known to exist.
 */
static VOID UsePcDefaults(VOID)
{
    HAL_PLATFORM *Platform = &HalPlatform;

    Platform->FromAcpi = FALSE;
    Platform->HasLegacyPic = TRUE;
    Platform->LocalApicAddress = 0xFEE00000;
    Platform->ProcessorCount = 1;
    Platform->Processors[0] = (HAL_PROCESSOR){.AcpiProcessorId = 0, .ApicId = BootCpuApicId(), .Enabled = TRUE};
    Platform->IoApicCount = 1;
    Platform->IoApics[0] = (HAL_IOAPIC){.Id = 0, .Address = 0xFEC00000, .GsiBase = 0};
    Platform->OverrideCount = 1;
    Platform->Overrides[0] = (HAL_INTERRUPT_OVERRIDE){.Bus = 0, .SourceIrq = 0, .Gsi = 2, .Flags = 0};
    Platform->NmiCount = 1;
    Platform->Nmis[0] = (HAL_LAPIC_NMI){.AcpiProcessorId = ACPI_ALL_PROCESSORS, .Flags = 0, .Lint = 1};
}

static BOOLEAN IsBootCpuListed(VOID)
{
    ULONG ApicId = BootCpuApicId();

    for (ULONG i = 0; i < HalPlatform.ProcessorCount; i++) {
        if (HalPlatform.Processors[i].ApicId == ApicId && HalPlatform.Processors[i].Enabled)
            return TRUE;
    }
    return FALSE;
}

typedef NTSTATUS (*ACPI_PARSER)(const ACPI_TABLE_HEADER *Table, HAL_PLATFORM *Platform, ACPI_REASON *Reason);

static NTSTATUS ReadTable(const ACPI_TABLES *Tables, PCSTR Signature, ACPI_PARSER Parse, ACPI_REASON *Reason)
{
    const ACPI_TABLE_HEADER *Table;
    NTSTATUS Status = HalpAcpiFindTable(Tables, Signature, &Table, Reason);

    return NT_SUCCESS(Status) ? Parse(Table, &HalPlatform, Reason) : Status;
}

static VOID ReadMadt(const ACPI_TABLES *Tables)
{
    ACPI_REASON Reason;
    NTSTATUS Status = ReadTable(Tables, "APIC", HalpAcpiParseMadt, &Reason);

    if (NT_SUCCESS(Status) && !IsBootCpuListed())
        Status = HalpAcpiFail(&Reason, STATUS_ACPI_INVALID_TABLE, "MADT does not list the boot CPU (APIC ID %u)",
                              BootCpuApicId());
    if (!NT_SUCCESS(Status)) {
        DbgPrint("acpi: %s: %susing PC defaults\n", Reason.Text,
                 Status == STATUS_NOT_FOUND ? "" : "ignoring the MADT; ");
        UsePcDefaults();
        return;
    }
    if (Reason.Text[0] != '\0')
        DbgPrint("acpi: MADT: %s\n", Reason.Text);
    HalPlatform.FromAcpi = TRUE;
}

/* The MCFG and the HPET: a machine without them (-M pc has no MCFG) is fine. */
static VOID ReadOptionalTable(const ACPI_TABLES *Tables, PCSTR Signature, ACPI_PARSER Parse)
{
    ACPI_REASON Reason;
    NTSTATUS Status = ReadTable(Tables, Signature, Parse, &Reason);

    if (Status == STATUS_NOT_FOUND)
        return;
    if (!NT_SUCCESS(Status))
        DbgPrint("acpi: %s: ignoring the %s table\n", Reason.Text, Signature);
    else if (Reason.Text[0] != '\0')
        DbgPrint("acpi: %s: %s\n", Signature, Reason.Text);
}

static VOID PrintSummary(VOID)
{
    const HAL_PLATFORM *Platform = &HalPlatform;

    DbgPrint("acpi: %s: %u CPU%s (APIC IDs", Platform->FromAcpi ? "MADT" : "PC defaults", Platform->ProcessorCount,
             Platform->ProcessorCount == 1 ? "" : "s");
    for (ULONG i = 0; i < Platform->ProcessorCount; i++)
        DbgPrint(" %u%s", Platform->Processors[i].ApicId, Platform->Processors[i].Enabled ? "" : " (offline)");
    DbgPrint("), %u I/O APIC%s", Platform->IoApicCount, Platform->IoApicCount == 1 ? "" : "s");
    for (ULONG i = 0; i < Platform->IoApicCount; i++)
        DbgPrint(" (id %u at 0x%x, GSI base %u)", Platform->IoApics[i].Id, Platform->IoApics[i].Address,
                 Platform->IoApics[i].GsiBase);
    DbgPrint(", %u override%s, %u NMI%s", Platform->OverrideCount, Platform->OverrideCount == 1 ? "" : "s",
             Platform->NmiCount, Platform->NmiCount == 1 ? "" : "s");
    for (ULONG i = 0; i < Platform->McfgCount; i++)
        DbgPrint(", MCFG 0x%llx buses %u-%u", Platform->Mcfg[i].BaseAddress, Platform->Mcfg[i].StartBus,
                 Platform->Mcfg[i].EndBus);
    if (Platform->HpetAddress != 0)
        DbgPrint(", HPET 0x%llx", Platform->HpetAddress);
    DbgPrint("\n");
}

VOID HalpInitializeAcpi(VOID)
{
    ACPI_TABLES Tables;
    ACPI_REASON Reason;
    NTSTATUS Status =
        HalpAcpiFindRoot(KeBootInfo.AcpiRsdp, KeBootInfo.AcpiRsdpLength, MapPhysical, NULL, &Tables, &Reason);

    if (NT_SUCCESS(Status)) {
        ReadMadt(&Tables);
        ReadOptionalTable(&Tables, "MCFG", HalpAcpiParseMcfg);
        ReadOptionalTable(&Tables, "HPET", HalpAcpiParseHpet);
    } else {
        DbgPrint("acpi: %s: no ACPI tables; using PC defaults\n", Reason.Text);
        UsePcDefaults();
    }
    if (!KeHasOption("quiet"))
        PrintSummary();
}

/* ISA interrupts are edge-triggered and active high, and an override whose
 * flags say "conforms to the bus" means the same; Flags says so outright. */
VOID HalpIsaIrqToGsi(ULONG Irq, ULONG *Gsi, USHORT *Flags)
{
    *Gsi = Irq;
    *Flags = INTI_POLARITY_CONFORMS | INTI_TRIGGER_CONFORMS;
    for (ULONG i = 0; i < HalPlatform.OverrideCount; i++) {
        const HAL_INTERRUPT_OVERRIDE *Override = &HalPlatform.Overrides[i];
        if (Override->Bus == 0 && Override->SourceIrq == Irq) {
            *Gsi = Override->Gsi;
            *Flags = Override->Flags & (INTI_POLARITY_MASK | INTI_TRIGGER_MASK);
            break;
        }
    }
    if ((*Flags & INTI_POLARITY_MASK) == INTI_POLARITY_CONFORMS)
        *Flags |= INTI_POLARITY_HIGH;
    if ((*Flags & INTI_TRIGGER_MASK) == INTI_TRIGGER_CONFORMS)
        *Flags |= INTI_TRIGGER_EDGE;
}
