/*
 * test_pci_intx.c - a PCI function's interrupt line without AML (suite pci):
 * HalGetInterruptVector(PCIBus, ...) with the Interrupt Line register,
 * IoConnectInterruptEx(CONNECT_LINE_BASED), and the line-based fallback of
 * CONNECT_MESSAGE_BASED. docs/pci.md, "INTx without AML".
 *
 * That the AHCI controller's INTx actually arrives is the AHCI driver's test
 * (ahci.msi=0); here an e1000e, when the boot has one, raises its INTx on
 * request (pci.intx_e1000e_interrupt_arrives).
 */
#include "ktest.h"
#include "inttest.h"
#include "hal/pci.h"
#include "hal/platform.h"
#include "hal/interrupts.h"
#include "hal/ioapic.h"
#include "hal/apic.h"
#include "ke/interruptp.h"
#include "io/io.h"

#define COMMAND_OFFSET 0x04
#define LINE_OFFSET 0x3C

static ULONG SlotOf(const PCI_FUNCTION *F)
{
    return HalpPciSlot(F->Device, F->Function);
}

static USHORT ReadCommand(const PCI_FUNCTION *F)
{
    USHORT Command = 0;
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &Command, COMMAND_OFFSET, sizeof(Command));
    return Command;
}

static VOID WriteCommand(const PCI_FUNCTION *F, USHORT Command)
{
    HalSetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &Command, COMMAND_OFFSET, sizeof(Command));
}

static VOID WriteLine(const PCI_FUNCTION *F, UCHAR Line)
{
    HalSetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &Line, LINE_OFFSET, sizeof(Line));
}

static BOOLEAN IsRouted(UCHAR Line)
{
    return Line != 0 && Line < 16;
}

/* The AHCI controller when there is one, else the first function with a
 * routed interrupt line. */
static PPCI_FUNCTION LineFunction(VOID)
{
    PPCI_FUNCTION Ahci = HalpPciFindByClass(0x01, 0x06, 0x01);
    if (Ahci != NULL && IsRouted(HalpPciReadInterruptLine(Ahci)))
        return Ahci;
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        PPCI_FUNCTION F = &HalpPciFunctions[i];
        if (F->InterruptPin != 0 && IsRouted(HalpPciReadInterruptLine(F)))
            return F;
    }
    return NULL;
}

/* A function with an interrupt pin and neither MSI nor MSI-X. */
static PPCI_FUNCTION LineOnlyFunction(VOID)
{
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        PPCI_FUNCTION F = &HalpPciFunctions[i];
        if (F->InterruptPin != 0 && F->MsiOffset == 0 && F->MsixOffset == 0 && IsRouted(HalpPciReadInterruptLine(F)))
            return F;
    }
    return NULL;
}

static BOOLEAN VectorConnected(ULONG Vector)
{
    return !IsListEmpty(&KiInterruptVectors[Vector].InterruptList);
}

/* The rule: the line register is an ISA IRQ, and the line arrives on that
 * IRQ's GSI (the MADT's override, if any), level-triggered, at the IRQL the
 * GSI ranks, masked until an object connects. Checked for every function
 * with an interrupt pin; the values are printed for docs/pci.md. */
KTEST(pci, intx_line_register_routes_to_isa_gsi)
{
    ULONG Checked = 0;

    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        const PCI_FUNCTION *F = &HalpPciFunctions[i];
        if (F->InterruptPin == 0)
            continue;
        UCHAR Line = HalpPciReadInterruptLine(F);
        KT_EXPECT_EQ(Line, F->InterruptLine); /* what the boot walk saw */
        if (!IsRouted(Line)) {
            KtInfo("%02x:%02x.%x %04x:%04x INT%c# not routed (line 0x%02x)", F->Bus, F->Device, F->Function,
                   F->VendorId, F->DeviceId, 'A' + F->InterruptPin - 1, Line);
            continue;
        }
        ULONG IsaGsi, Gsi = ~0u;
        USHORT Flags;
        KIRQL Irql = 0;
        KAFFINITY Affinity = 0;
        HalpIsaIrqToGsi(Line, &IsaGsi, &Flags);
        ULONG Vector = HalGetInterruptVector(PCIBus, F->Bus, Line, Line, &Irql, &Affinity);
        KT_ASSERT_NE(Vector, 0);
        KT_EXPECT(HalpVectorToGsi(Vector, &Gsi));
        KT_EXPECT_EQ(Gsi, IsaGsi);
        KT_EXPECT_EQ(Irql, VECTOR_TO_IRQL(Vector));
        KT_EXPECT_EQ(Irql, DEVICE_LEVEL_HIGH - (Gsi < 16 ? Gsi : 16) / 2);
        KT_EXPECT_EQ(Affinity, 1);
        ULONG64 Entry = HalpIoApicReadEntry(Gsi);
        KT_EXPECT(Entry & IOAPIC_ENTRY_LEVEL);
        KT_EXPECT_EQ(Entry & IOAPIC_ENTRY_VECTOR, Vector);
        KT_EXPECT(VectorConnected(Vector) || (Entry & IOAPIC_ENTRY_MASKED));
        KtInfo("%02x:%02x.%x %04x:%04x INT%c# line %u -> GSI %u (%s), vector 0x%02x, IRQL %u", F->Bus, F->Device,
               F->Function, F->VendorId, F->DeviceId, 'A' + F->InterruptPin - 1, Line, Gsi,
               (Entry & IOAPIC_ENTRY_ACTIVE_LOW) ? "level, active low" : "level, active high", Vector, Irql);
        Checked++;
    }
    KT_EXPECT_GT(Checked, 0);
}

/* The AHCI controller's line as QEMU's firmware programs it: IRQ 10 on q35
 * (PIRQA), 11 on -M pc (-device ahci in slot 4). The MADT overrides both as
 * level-triggered, active high. */
KTEST(pci, intx_ahci_line)
{
    PPCI_FUNCTION F = HalpPciFindByClass(0x01, 0x06, 0x01);
    if (F == NULL)
        KT_SKIP("no AHCI controller on this machine");
    UCHAR Line = HalpPciReadInterruptLine(F);
    KtInfo("AHCI %02x:%02x.%x INT%c# line %u", F->Bus, F->Device, F->Function, 'A' + F->InterruptPin - 1, Line);
    KT_EXPECT_EQ(F->InterruptPin, 1);
    KT_ASSERT(IsRouted(Line));
    ULONG Gsi;
    USHORT Flags;
    HalpIsaIrqToGsi(Line, &Gsi, &Flags);
    KT_EXPECT_EQ(Gsi, Line); /* QEMU overrides these IRQs onto themselves */
    KT_EXPECT_EQ(Flags & INTI_TRIGGER_MASK, INTI_TRIGGER_LEVEL);
    KT_EXPECT_EQ(Flags & INTI_POLARITY_MASK, INTI_POLARITY_HIGH);
}

KTEST(pci, intx_same_line_same_vector)
{
    KIRQL Irql1 = 0, Irql2 = 0;
    KAFFINITY Affinity;
    PPCI_FUNCTION F = LineFunction();
    KT_ASSERT(F != NULL);
    UCHAR Line = HalpPciReadInterruptLine(F);

    ULONG First = HalGetInterruptVector(PCIBus, F->Bus, Line, Line, &Irql1, &Affinity);
    ULONG Second = HalGetInterruptVector(PCIBus, F->Bus, Line, Line, &Irql2, &Affinity);
    KT_EXPECT_NE(First, 0);
    KT_EXPECT_EQ(First, Second);
    KT_EXPECT_EQ(Irql1, Irql2);
    /* The ISA bus's name for the same IRQ reaches the same pin, so the same vector. */
    KT_EXPECT_EQ(HalGetInterruptVector(Isa, 0, Line, Line, &Irql2, &Affinity), First);
}

KTEST(pci, intx_unrouted_line_refused)
{
    KIRQL Irql = 0;
    KAFFINITY Affinity = 0;

    KT_EXPECT_EQ(HalGetInterruptVector(PCIBus, 0, 0, 0, &Irql, &Affinity), 0);
    KT_EXPECT_EQ(HalGetInterruptVector(PCIBus, 0, 0xFF, 0xFF, &Irql, &Affinity), 0);
    KT_EXPECT_EQ(HalGetInterruptVector(PCIBus, 0, 16, 16, &Irql, &Affinity), 0);

    /* The line register is a scratch byte the hardware ignores: write "not
     * routed" into it and IoConnectInterruptEx must refuse, then put it back. */
    PPCI_FUNCTION F = LineFunction();
    KT_ASSERT(F != NULL);
    UCHAR Line = HalpPciReadInterruptLine(F);
    PKINTERRUPT Interrupt = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_LINE_BASED};
    Connect.LineBased.InterruptObject = &Interrupt;
    Connect.LineBased.ServiceRoutine = (PKSERVICE_ROUTINE)(ULONG_PTR)1; /* never called */
    Connect.LineBased.PciFunction = F;
    WriteLine(F, 0xFF);
    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_NOT_SUPPORTED);
    KT_EXPECT_EQ(Connect.Version, CONNECT_FULLY_SPECIFIED);
    WriteLine(F, Line);
    KT_EXPECT(Interrupt == NULL);
    KT_EXPECT_EQ(HalpPciReadInterruptLine(F), Line);

    /* A function without an interrupt pin: the host bridge. */
    Connect.Version = CONNECT_LINE_BASED;
    Connect.LineBased.PciFunction = &HalpPciFunctions[0];
    KT_EXPECT_EQ(HalpPciFunctions[0].InterruptPin, 0);
    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_NOT_SUPPORTED);
}

typedef struct _LINE_SEEN {
    volatile ULONG Calls;
    KIRQL Irql;
} LINE_SEEN;

static BOOLEAN RecordLine(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    LINE_SEEN *Seen = ServiceContext;
    Seen->Irql = KeGetCurrentIrql();
    Seen->Calls++;
    return TRUE;
}

/* The object is on the routed vector, level-sensitive and shared; the pin is
 * open while it is connected and masked again after. The vector is sent by
 * a self-IPI to see the ISR run at the line's IRQL. */
KTEST(pci, connect_line_based)
{
    LINE_SEEN Seen = {0};
    PKINTERRUPT Interrupt = NULL;
    KIRQL Irql;
    KAFFINITY Affinity;
    PPCI_FUNCTION F = LineFunction();
    KT_ASSERT(F != NULL);
    UCHAR Line = HalpPciReadInterruptLine(F);
    ULONG Vector = HalGetInterruptVector(PCIBus, F->Bus, Line, Line, &Irql, &Affinity);
    ULONG Gsi = 0;
    KT_ASSERT(HalpVectorToGsi(Vector, &Gsi));
    BOOLEAN WasConnected = VectorConnected(Vector);
    USHORT Command = ReadCommand(F);

    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_LINE_BASED};
    Connect.LineBased.InterruptObject = &Interrupt;
    Connect.LineBased.ServiceRoutine = RecordLine;
    Connect.LineBased.ServiceContext = &Seen;
    Connect.LineBased.PciFunction = F;
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_EXPECT_EQ(Connect.Version, CONNECT_LINE_BASED);
    KT_ASSERT(Interrupt != NULL);
    KT_EXPECT_EQ(Interrupt->Vector, Vector);
    KT_EXPECT_EQ(Interrupt->Irql, Irql);
    KT_EXPECT_EQ(Interrupt->SynchronizeIrql, Irql);
    KT_EXPECT_EQ(Interrupt->Mode, LevelSensitive);
    KT_EXPECT(Interrupt->ShareVector);
    KT_EXPECT_EQ(ReadCommand(F) & PCI_DISABLE_LEVEL_INTERRUPT, 0);
    ULONG64 Entry = HalpIoApicReadEntry(Gsi);
    KT_EXPECT_EQ(Entry & IOAPIC_ENTRY_MASKED, 0);
    KT_EXPECT(Entry & IOAPIC_ENTRY_LEVEL);

    HalpSendSelfIpi((UCHAR)Vector);
    KT_EXPECT(IntTestWaitUntil(Seen.Calls >= 1));
    KT_EXPECT_EQ(Seen.Irql, Irql);

    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_LINE_BASED};
    Disconnect.ConnectionContext.InterruptObject = Interrupt;
    IoDisconnectInterruptEx(&Disconnect);
    if (!WasConnected)
        KT_EXPECT(HalpIoApicReadEntry(Gsi) & IOAPIC_ENTRY_MASKED);
    WriteCommand(F, Command);
}

static BOOLEAN NeverMessage(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    return FALSE;
}

/* A function without MSI or MSI-X: CONNECT_MESSAGE_BASED connects the
 * FallBackServiceRoutine on the line and says so in Version, as Windows
 * does; without a fallback routine it is refused. */
KTEST(pci, message_based_falls_back_to_line)
{
    LINE_SEEN Seen = {0};
    PPCI_FUNCTION F = LineOnlyFunction();
    if (F == NULL)
        KT_SKIP("no function with a routed line and no MSI on this machine");
    KtInfo("fallback on %02x:%02x.%x %04x:%04x", F->Bus, F->Device, F->Function, F->VendorId, F->DeviceId);
    USHORT Command = ReadCommand(F);
    /* What comes back is a table or, after a fallback, an interrupt object:
     * the driver keeps one variable for both, as Microsoft's example does. */
    union {
        PVOID Generic;
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable;
        PKINTERRUPT InterruptObject;
    } Context = {NULL};
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_MESSAGE_BASED};
    Connect.MessageBased.ConnectionContext.Generic = &Context.Generic;
    Connect.MessageBased.MessageServiceRoutine = NeverMessage;
    Connect.MessageBased.ServiceContext = &Seen;
    Connect.MessageBased.PciFunction = F;
    KT_EXPECT_EQ(IoConnectInterruptEx(&Connect), STATUS_NOT_SUPPORTED);
    KT_EXPECT_EQ(Connect.Version, CONNECT_FULLY_SPECIFIED);

    Connect.Version = CONNECT_MESSAGE_BASED;
    Connect.MessageBased.FallBackServiceRoutine = RecordLine;
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_EXPECT_EQ(Connect.Version, CONNECT_LINE_BASED);
    PKINTERRUPT Interrupt = Context.InterruptObject;
    KT_ASSERT(Interrupt != NULL);
    KT_EXPECT_EQ(Interrupt->Mode, LevelSensitive);
    ULONG Gsi = 0;
    KT_EXPECT(HalpVectorToGsi(Interrupt->Vector, &Gsi));
    HalpSendSelfIpi((UCHAR)Interrupt->Vector);
    KT_EXPECT(IntTestWaitUntil(Seen.Calls >= 1));

    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = Connect.Version};
    Disconnect.ConnectionContext.InterruptObject = Interrupt;
    IoDisconnectInterruptEx(&Disconnect);
    WriteCommand(F, Command);
}

/* ---- the chipset's side, on q35: which PIRQ, routed to which IRQ ----
 * The ICH9's LPC bridge (00:1f.0) holds the PIRQ routing registers: PIRQA-D
 * at configuration offsets 0x60-0x63, PIRQE-H at 0x68-0x6B; bits 3-0 the ISA
 * IRQ, bit 7 set = not routed to the 8259s. Which PIRQ a device's pin uses is
 * set, for devices 25-31, in the chipset configuration registers (a 16 KiB
 * block whose address the LPC bridge's RCBA register, 0xF0, holds): D31IR at
 * RCBA + 0x3140 has 4 bits per pin, INTA# in bits 2-0 (0 = PIRQA). So the
 * AHCI controller's line register must be the IRQ that PIRQ is routed to. */
#define LPC_PIRQ_ROUTE(Pirq) (0x60 + (Pirq) + ((Pirq) < 4 ? 0 : 4))
#define LPC_PIRQ_DISABLED 0x80
#define LPC_RCBA 0xF0
#define LPC_RCBA_ENABLE 0x1
#define RCBA_D31IR 0x3140

static UCHAR PirqRoute(const PCI_FUNCTION *Lpc, ULONG Pirq)
{
    UCHAR Route = 0;
    HalGetBusDataByOffset(PCIConfiguration, Lpc->Bus, SlotOf(Lpc), &Route, LPC_PIRQ_ROUTE(Pirq), sizeof(Route));
    return Route;
}

/* The PIRQ device 31's INTA# uses, from D31IR; FALSE when RCBA is off. */
static BOOLEAN Device31IntaPirq(const PCI_FUNCTION *Lpc, PULONG Pirq)
{
    ULONG Rcba = 0;
    HalGetBusDataByOffset(PCIConfiguration, Lpc->Bus, SlotOf(Lpc), &Rcba, LPC_RCBA, sizeof(Rcba));
    if ((Rcba & LPC_RCBA_ENABLE) == 0)
        return FALSE;
    PHYSICAL_ADDRESS Physical;
    Physical.QuadPart = (Rcba & ~0x3FFFu) + RCBA_D31IR;
    volatile USHORT *D31ir = MmMapIoSpace(Physical, sizeof(USHORT), MmNonCached);
    if (D31ir == NULL)
        return FALSE;
    *Pirq = *D31ir & 0x7;
    MmUnmapIoSpace((PVOID)D31ir, sizeof(USHORT));
    return TRUE;
}

KTEST(pci, intx_q35_pirq_router_agrees)
{
    PPCI_FUNCTION Lpc = HalpPciFindById(0x8086, 0x2918);
    PPCI_FUNCTION Ahci = HalpPciFindById(0x8086, 0x2922);
    if (Lpc == NULL || Ahci == NULL || Ahci->Device != 31)
        KT_SKIP("not q35: no ICH9 LPC bridge with the AHCI controller at device 31");
    for (ULONG Pirq = 0; Pirq < 8; Pirq++) {
        UCHAR Route = PirqRoute(Lpc, Pirq);
        KtInfo("PIRQ%c -> %s %u", 'A' + Pirq, (Route & LPC_PIRQ_DISABLED) ? "(off)" : "IRQ", Route & 0x0F);
    }
    ULONG Pirq;
    if (!Device31IntaPirq(Lpc, &Pirq))
        KT_SKIP("the firmware left the chipset configuration registers (RCBA) off");
    UCHAR Route = PirqRoute(Lpc, Pirq);
    KtInfo("device 31 INTA# -> PIRQ%c -> IRQ %u; AHCI line register %u", 'A' + Pirq, Route & 0x0F,
           HalpPciReadInterruptLine(Ahci));
    KT_EXPECT_EQ(Route & LPC_PIRQ_DISABLED, 0);
    KT_EXPECT_EQ(Route & 0x0F, HalpPciReadInterruptLine(Ahci));
}
