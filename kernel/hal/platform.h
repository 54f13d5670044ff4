/*
 * platform.h - the machine as ACPI describes it: processors, I/O APICs, how
 * ISA IRQs map to global system interrupts (GSIs), NMI wiring, and where the
 * PCI configuration space (MCFG) and the HPET are. HalpInitializeAcpi fills
 * HalPlatform from the tables; when they are missing or malformed it logs why
 * and fills the PC defaults instead, so the kernel never depends on a table
 * being well formed.
 */
#ifndef HAL_PLATFORM_H
#define HAL_PLATFORM_H

#include "ntdef.h"

#define HAL_MAX_PROCESSORS 64
#define HAL_MAX_IOAPICS 8
#define HAL_MAX_OVERRIDES 32
#define HAL_MAX_NMIS 16
#define HAL_MAX_MCFG 4

/* MPS INTI flags, as the MADT stores them. */
#define INTI_POLARITY_MASK 0x3
#define INTI_POLARITY_CONFORMS 0x0
#define INTI_POLARITY_HIGH 0x1
#define INTI_POLARITY_LOW 0x3
#define INTI_TRIGGER_MASK 0xC
#define INTI_TRIGGER_CONFORMS 0x0
#define INTI_TRIGGER_EDGE 0x4
#define INTI_TRIGGER_LEVEL 0xC

typedef struct _HAL_PROCESSOR {
    UCHAR AcpiProcessorId;
    UCHAR ApicId;
    BOOLEAN Enabled;
} HAL_PROCESSOR;

typedef struct _HAL_IOAPIC {
    UCHAR Id;
    ULONG Address; /* physical */
    ULONG GsiBase;
} HAL_IOAPIC;

typedef struct _HAL_INTERRUPT_OVERRIDE {
    UCHAR Bus; /* 0: ISA */
    UCHAR SourceIrq;
    ULONG Gsi;
    USHORT Flags; /* INTI_* */
} HAL_INTERRUPT_OVERRIDE;

typedef struct _HAL_LAPIC_NMI {
    UCHAR AcpiProcessorId; /* 0xFF: every processor */
    USHORT Flags;          /* INTI_* */
    UCHAR Lint;            /* 0 or 1 */
} HAL_LAPIC_NMI;

typedef struct _HAL_MCFG_ALLOCATION {
    ULONG64 BaseAddress; /* ECAM base: bus B starts at BaseAddress + (B << 20) */
    USHORT Segment;
    UCHAR StartBus;
    UCHAR EndBus;
} HAL_MCFG_ALLOCATION;

typedef struct _HAL_PLATFORM {
    BOOLEAN FromAcpi;      /* FALSE: the defaults below were used */
    BOOLEAN HasLegacyPic;  /* MADT flag PCAT_COMPAT: an 8259 pair to mask */
    ULONG64 LocalApicAddress;
    ULONG ProcessorCount;
    HAL_PROCESSOR Processors[HAL_MAX_PROCESSORS];
    ULONG IoApicCount;
    HAL_IOAPIC IoApics[HAL_MAX_IOAPICS];
    ULONG OverrideCount;
    HAL_INTERRUPT_OVERRIDE Overrides[HAL_MAX_OVERRIDES];
    ULONG NmiCount;
    HAL_LAPIC_NMI Nmis[HAL_MAX_NMIS];
    ULONG McfgCount;
    HAL_MCFG_ALLOCATION Mcfg[HAL_MAX_MCFG];
    ULONG64 HpetAddress; /* 0: none */
} HAL_PLATFORM;

extern HAL_PLATFORM HalPlatform;

VOID HalpInitializeAcpi(VOID);
/* The GSI and INTI flags of an ISA IRQ, after the MADT's overrides (identity
 * mapping, edge, active high when no override names the IRQ). Flags always
 * names a polarity and a trigger mode: "conforms to the bus" is resolved to
 * ISA's edge, active high. */
VOID HalpIsaIrqToGsi(ULONG Irq, ULONG *Gsi, USHORT *Flags);

#endif /* HAL_PLATFORM_H */
