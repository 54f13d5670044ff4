/*
 * test_pci_e1000e.c - interrupts that a real device sends (suite pci).
 *
 * The other PCI interrupt tests send the vector to themselves with a
 * self-IPI; that proves the path from the vector to the routine, not that a
 * device's INTx arrives on the pin the routing rule picked, or that a device
 * writes the MSI-X message we programmed. QEMU's e1000e (Intel 82574) can be
 * made to interrupt with no driver at all: its Interrupt Cause Set register
 * (ICS) raises any cause by hand, and an unmasked cause interrupts. The
 * pvh-smp4 boot adds one (tools/testplan.py); elsewhere these are skipped.
 *
 * The 82574's interrupt registers (BAR0, 32 bits each):
 *   ICR  0x00C0  causes pending; writing 1s clears them
 *   ICS  0x00C8  writing 1s sets causes, as if the hardware had
 *   IMS  0x00D0  writing 1s enables causes; IMC 0x00D8 disables them
 *   EIAC 0x00DC  with MSI-X: causes cleared in ICR once their message is sent
 *   IVAR 0x00E4  with MSI-X: which table entry each cause uses; bits 19-16
 *                are the "other" causes' entry (bits 18-16) and valid bit
 * Without MSI or MSI-X the function pulls INTA# while ICR & IMS is not 0.
 */
#include "ktest.h"
#include "inttest.h"
#include "hal/pci.h"
#include "hal/interrupts.h"
#include "hal/ioapic.h"
#include "ke/time.h"
#include "io/io.h"

#define E1000E_ICR 0x00C0
#define E1000E_ICS 0x00C8
#define E1000E_IMS 0x00D0
#define E1000E_IMC 0x00D8
#define E1000E_EIAC 0x00DC
#define E1000E_IVAR 0x00E4
#define E1000E_CAUSE_LSC (1u << 2)    /* link status change */
#define E1000E_CAUSE_OTHER (1u << 24) /* with MSI-X: any cause but the queues' */
#define E1000E_IVAR_OTHER_SHIFT 16
#define E1000E_IVAR_VALID 0x8

#define E1000E_SKIP_REASON "no e1000e on this machine (the pvh-smp4 boot adds one)"

typedef struct _E1000E {
    PPCI_FUNCTION Function;
    volatile ULONG *Registers; /* BAR0 */
    USHORT Command;            /* as it was, put back at the end */
} E1000E;

static ULONG ReadRegister(E1000E *Nic, ULONG Offset)
{
    return Nic->Registers[Offset / sizeof(ULONG)];
}

static VOID WriteRegister(E1000E *Nic, ULONG Offset, ULONG Value)
{
    Nic->Registers[Offset / sizeof(ULONG)] = Value;
}

static USHORT ReadCommand(const PCI_FUNCTION *F)
{
    USHORT Command = 0;
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, HalpPciSlot(F->Device, F->Function), &Command, 4, 2);
    return Command;
}

/* The device quiet: every cause disabled and cleared. */
static VOID Quiesce(E1000E *Nic)
{
    WriteRegister(Nic, E1000E_IMC, ~0u);
    WriteRegister(Nic, E1000E_ICR, ~0u);
}

static BOOLEAN OpenNic(E1000E *Nic)
{
    Nic->Function = HalpPciFindById(0x8086, 0x10d3);
    if (Nic->Function == NULL)
        return FALSE;
    Nic->Command = ReadCommand(Nic->Function);
    HalpPciEnableMemoryAndBusMaster(Nic->Function); /* registers, and MSI-X writes */
    Nic->Registers = HalpPciMapBar(Nic->Function, 0);
    if (Nic->Registers != NULL)
        Quiesce(Nic);
    return Nic->Registers != NULL;
}

static VOID CloseNic(E1000E *Nic)
{
    Quiesce(Nic);
    WriteRegister(Nic, E1000E_IVAR, 0);
    WriteRegister(Nic, E1000E_EIAC, 0);
    MmUnmapIoSpace((PVOID)Nic->Registers, Nic->Function->Bars[0].Size);
    HalSetBusDataByOffset(PCIConfiguration, Nic->Function->Bus,
                          HalpPciSlot(Nic->Function->Device, Nic->Function->Function), &Nic->Command, 4, 2);
}

typedef struct _NIC_SEEN {
    E1000E *Nic;
    volatile ULONG Calls;
    volatile ULONG MessageCalls[IO_MAX_INTERRUPT_MESSAGES];
    KIRQL Irql;
} NIC_SEEN;

/* A level-triggered ISR: claim only if our device asserts, and clear the
 * cause before returning, so the line drops before the EOI. */
static BOOLEAN NicLineIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    NIC_SEEN *Seen = ServiceContext;
    ULONG Causes = ReadRegister(Seen->Nic, E1000E_ICR);
    if ((Causes & E1000E_CAUSE_LSC) == 0)
        return FALSE;
    WriteRegister(Seen->Nic, E1000E_ICR, Causes);
    Seen->Irql = KeGetCurrentIrql();
    Seen->Calls++;
    return TRUE;
}

/* The INTx routing rule end to end: the line register names an ISA IRQ, the
 * e1000e's INTA# arrives on that IRQ's GSI, level-triggered, and the ISR at
 * the line's IRQL; after the ISR cleared the cause the pin is idle again (no
 * remote IRR left, no storm). */
KTEST(pci, intx_e1000e_interrupt_arrives)
{
    E1000E Nic;
    NIC_SEEN Seen = {0};
    PKINTERRUPT Interrupt = NULL;

    if (!OpenNic(&Nic))
        KT_SKIP(E1000E_SKIP_REASON);
    Seen.Nic = &Nic;
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_LINE_BASED};
    Connect.LineBased.InterruptObject = &Interrupt;
    Connect.LineBased.ServiceRoutine = NicLineIsr;
    Connect.LineBased.ServiceContext = &Seen;
    Connect.LineBased.PciFunction = Nic.Function;
    NTSTATUS Status = IoConnectInterruptEx(&Connect);
    KT_EXPECT_EQ(Status, STATUS_SUCCESS);
    if (NT_SUCCESS(Status)) {
        ULONG Gsi = 0;
        KT_EXPECT(HalpVectorToGsi(Interrupt->Vector, &Gsi));
        KtInfo("e1000e INTA# line %u -> GSI %u, vector 0x%02x", HalpPciReadInterruptLine(Nic.Function), Gsi,
               Interrupt->Vector);
        WriteRegister(&Nic, E1000E_IMS, E1000E_CAUSE_LSC);
        WriteRegister(&Nic, E1000E_ICS, E1000E_CAUSE_LSC);
        KT_EXPECT(IntTestWaitUntil(Seen.Calls == 1));
        KT_EXPECT_EQ(Seen.Irql, Interrupt->Irql);
        KT_EXPECT_EQ(HalpIoApicReadEntry(Gsi) & IOAPIC_ENTRY_REMOTE_IRR, 0);
        WriteRegister(&Nic, E1000E_ICS, E1000E_CAUSE_LSC); /* and once more */
        KT_EXPECT(IntTestWaitUntil(Seen.Calls == 2));
        Quiesce(&Nic);
        IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_LINE_BASED};
        Disconnect.ConnectionContext.InterruptObject = Interrupt;
        IoDisconnectInterruptEx(&Disconnect);
    }
    CloseNic(&Nic);
}

static BOOLEAN NicMessage(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    NIC_SEEN *Seen = ServiceContext;
    Seen->Irql = KeGetCurrentIrql();
    if (MessageID < IO_MAX_INTERRUPT_MESSAGES)
        Seen->MessageCalls[MessageID]++;
    return TRUE;
}

/* Raises the "other" cause: with MSI-X, a message through table entry
 * IVAR names. EIAC clears the cause again once the message is sent. */
static VOID RaiseOther(E1000E *Nic)
{
    WriteRegister(Nic, E1000E_ICR, ~0u);
    WriteRegister(Nic, E1000E_IMS, E1000E_CAUSE_OTHER);
    WriteRegister(Nic, E1000E_ICS, E1000E_CAUSE_OTHER);
}

#define NIC_ENTRY 2 /* any entry but 0, to see MessageID follow the entry */

/* A message the device writes, through MSI-X entry 2, reaches the routine
 * with MessageID 2. Then the entry is masked: the device sets the entry's
 * pending bit instead of writing, and sends the message when it is
 * unmasked. */
KTEST(pci, msix_e1000e_message_arrives)
{
    E1000E Nic;
    NIC_SEEN Seen = {0};
    PIO_INTERRUPT_MESSAGE_INFO Table = NULL;
    PCI_MSIX Msix;

    if (!OpenNic(&Nic))
        KT_SKIP(E1000E_SKIP_REASON);
    Seen.Nic = &Nic;
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_MESSAGE_BASED};
    Connect.MessageBased.ConnectionContext.InterruptMessageTable = &Table;
    Connect.MessageBased.MessageServiceRoutine = NicMessage;
    Connect.MessageBased.ServiceContext = &Seen;
    Connect.MessageBased.PciFunction = Nic.Function;
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_ASSERT(Table->MessageCount > NIC_ENTRY);
    KT_ASSERT_EQ(HalpPciMsixOpen(Nic.Function, &Msix), STATUS_SUCCESS);

    WriteRegister(&Nic, E1000E_EIAC, E1000E_CAUSE_OTHER);
    WriteRegister(&Nic, E1000E_IVAR, (E1000E_IVAR_VALID | NIC_ENTRY) << E1000E_IVAR_OTHER_SHIFT);
    RaiseOther(&Nic);
    KT_EXPECT(IntTestWaitUntil(Seen.MessageCalls[NIC_ENTRY] == 1));
    KT_EXPECT_EQ(Seen.Irql, Table->MessageInfo[NIC_ENTRY].Irql);

    HalpPciMsixSetEntryMasked(&Msix, NIC_ENTRY, TRUE);
    RaiseOther(&Nic);
    KeStallExecutionProcessor(10000);
    KT_EXPECT_EQ(Seen.MessageCalls[NIC_ENTRY], 1);
    KT_EXPECT(HalpPciMsixIsPending(&Msix, NIC_ENTRY));
    HalpPciMsixSetEntryMasked(&Msix, NIC_ENTRY, FALSE);
    KT_EXPECT(IntTestWaitUntil(Seen.MessageCalls[NIC_ENTRY] == 2));
    KT_EXPECT(!HalpPciMsixIsPending(&Msix, NIC_ENTRY));
    for (ULONG i = 0; i < Table->MessageCount; i++) {
        if (i != NIC_ENTRY)
            KT_EXPECT_EQ(Seen.MessageCalls[i], 0);
    }

    Quiesce(&Nic);
    HalpPciMsixClose(&Msix);
    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_MESSAGE_BASED};
    Disconnect.ConnectionContext.InterruptMessageTable = Table;
    IoDisconnectInterruptEx(&Disconnect);
    CloseNic(&Nic);
}
