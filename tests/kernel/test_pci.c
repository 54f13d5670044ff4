/*
 * test_pci.c - the PCI bus as HalpInitializePci found it on QEMU's machines:
 * q35 (PCI Express, ECAM through the MCFG) and -M pc (i440FX, ports only).
 */
#include "ktest.h"
#include "inttest.h"
#include "hal/pci.h"
#include "hal/platform.h"
#include "hal/interrupts.h"
#include "hal/apic.h"
#include "io/io.h"

#define COMMAND_OFFSET 0x04

static BOOLEAN IsQ35(VOID)
{
    return HalPlatform.McfgCount > 0;
}

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

KTEST(pci, access_method_follows_mcfg)
{
    KT_EXPECT_EQ(HalpPciAccessMethod, IsQ35() ? PciAccessEcam : PciAccessPorts);
}

KTEST(pci, host_bridge_at_00_00_0)
{
    PCI_COMMON_CONFIG Config;

    KT_ASSERT_EQ(HalGetBusData(PCIConfiguration, 0, HalpPciSlot(0, 0), &Config, PCI_COMMON_HDR_LENGTH),
                 PCI_COMMON_HDR_LENGTH);
    KT_EXPECT_EQ(Config.VendorID, 0x8086);
    KT_EXPECT_EQ(Config.DeviceID, IsQ35() ? 0x29c0 : 0x1237); /* Q35 MCH, or i440FX */
    KT_EXPECT_EQ(Config.BaseClass, 0x06);
    KT_EXPECT_EQ(Config.SubClass, 0x00);
    KT_ASSERT(HalpPciFunctionCount >= 1);
    KT_EXPECT_EQ(HalpPciFunctions[0].DeviceId, Config.DeviceID);
}

KTEST(pci, missing_device_reads_all_ones)
{
    USHORT Vendor = 0;

    /* Nothing sits at device 30 on either machine. */
    KT_EXPECT_EQ(HalGetBusDataByOffset(PCIConfiguration, 0, HalpPciSlot(30, 0), &Vendor, 0, sizeof(Vendor)), 2);
    KT_EXPECT_EQ(Vendor, PCI_INVALID_VENDORID);
}

KTEST(pci, sub_dword_reads)
{
    const PCI_FUNCTION *F = &HalpPciFunctions[0];
    USHORT DeviceId = 0;
    UCHAR BaseClass = 0;
    ULONG Ids = 0;

    HalGetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &DeviceId, 2, sizeof(DeviceId));
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &BaseClass, 0x0B, sizeof(BaseClass));
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &Ids, 0, sizeof(Ids));
    KT_EXPECT_EQ(DeviceId, F->DeviceId);
    KT_EXPECT_EQ(BaseClass, F->BaseClass);
    KT_EXPECT_EQ(Ids, ((ULONG)F->DeviceId << 16) | F->VendorId);
    /* Past the end of configuration space: nothing is done. */
    KT_EXPECT_EQ(HalGetBusDataByOffset(PCIConfiguration, 0, 0, &Ids, 4096, 4), 0);
    KT_EXPECT_EQ(HalGetBusDataByOffset(Cmos, 0, 0, &Ids, 0, 4), 0);
}

KTEST(pci, ecam_and_ports_agree)
{
    if (!IsQ35())
        KT_SKIP("no MCFG on this machine: the ports are the only way");
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        const PCI_FUNCTION *F = &HalpPciFunctions[i];
        ULONG Ecam[PCI_COMMON_HDR_LENGTH / 4];
        HalGetBusData(PCIConfiguration, F->Bus, SlotOf(F), Ecam, sizeof(Ecam));
        for (ULONG Dword = 0; Dword < ARRAYSIZE(Ecam); Dword++) {
            if (Dword == COMMAND_OFFSET / 4)
                continue; /* Status may change between the two reads */
            KT_EXPECT_EQ(Ecam[Dword], HalpPciReadPortConfig(F->Bus, SlotOf(F), 4 * Dword, 4));
        }
    }
}

KTEST(pci, bar_sizes_stable_and_command_restored)
{
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        const PCI_FUNCTION *F = &HalpPciFunctions[i];
        USHORT Before = ReadCommand(F);
        for (ULONG Bar = 0; Bar < PCI_MAX_BARS; Bar++) {
            if (F->Bars[Bar].Kind == PciBarNone)
                continue;
            PCI_BAR Again;
            HalpPciSizeBar(F->Bus, SlotOf(F), Bar, &Again);
            KT_EXPECT_EQ(Again.Kind, F->Bars[Bar].Kind);
            KT_EXPECT_EQ(Again.Address, F->Bars[Bar].Address);
            KT_EXPECT_EQ(Again.Size, F->Bars[Bar].Size);
        }
        KT_EXPECT_EQ(ReadCommand(F), Before);
    }
}

KTEST(pci, ahci_on_q35)
{
    if (!IsQ35())
        KT_SKIP("-M pc has no AHCI controller");
    PPCI_FUNCTION F = HalpPciFindByClass(0x01, 0x06, 0x01);
    KT_ASSERT(F != NULL);
    KT_EXPECT(F == HalpPciFindById(0x8086, 0x2922));
    KT_EXPECT_EQ(F->Bus, 0);
    KT_EXPECT_EQ(F->Device, 0x1f);
    KT_EXPECT_EQ(F->Function, 2);
    KT_EXPECT_EQ(F->Bars[5].Kind, PciBarMemory32);
    KT_EXPECT_EQ(F->Bars[5].Size, 4096);
    KT_EXPECT_EQ(F->MsiOffset, 0x80);
    KT_EXPECT_EQ(F->InterruptPin, 1);
}

KTEST(pci, ahci_registers_mapped)
{
    if (!IsQ35())
        KT_SKIP("-M pc has no AHCI controller");
    PPCI_FUNCTION F = HalpPciFindByClass(0x01, 0x06, 0x01);
    KT_ASSERT(F != NULL);
    USHORT Before = ReadCommand(F);
    HalpPciEnableMemoryAndBusMaster(F);
    KT_EXPECT_EQ(ReadCommand(F) & (PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_BUS_MASTER),
                 PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_BUS_MASTER);
    volatile ULONG *Abar = HalpPciMapBar(F, 5);
    KT_ASSERT(Abar != NULL);
    KT_EXPECT_EQ(Abar[0x10 / 4], 0x00010000); /* VS: AHCI version 1.0, QEMU's */
    MmUnmapIoSpace((PVOID)Abar, F->Bars[5].Size);
    HalSetBusDataByOffset(PCIConfiguration, F->Bus, SlotOf(F), &Before, COMMAND_OFFSET, sizeof(Before));
    KT_EXPECT(HalpPciMapBar(F, 4) == NULL); /* BAR4 is I/O */
}

/* MSI programmed on the AHCI function and read back. The controller sends no
 * interrupt until a driver gives it work, so an MSI actually arriving is left
 * to the AHCI driver's tests. */
KTEST(pci, ahci_msi_programmed)
{
    if (!IsQ35())
        KT_SKIP("-M pc has no AHCI controller");
    PPCI_FUNCTION F = HalpPciFindByClass(0x01, 0x06, 0x01);
    KT_ASSERT(F != NULL);
    ULONG Vector = HalpAllocateDeviceVector(5);
    KT_ASSERT_NE(Vector, 0);
    KT_EXPECT_EQ(Vector >> 4, 5); /* the vector's IRQL is its class */

    KT_EXPECT_EQ(HalpPciEnableMsi(F, Vector, 0), STATUS_SUCCESS);
    ULONG64 Address = 0;
    USHORT Data = 0;
    HalpPciReadMsi(F, &Address, &Data);
    KT_EXPECT(HalpPciIsMsiEnabled(F));
    KT_EXPECT_EQ(Address, 0xFEE00000);
    KT_EXPECT_EQ(Data, Vector); /* fixed delivery, edge: the upper bits are 0 */
    KT_EXPECT_EQ(HalpMsiAddress(3), 0xFEE03000);

    HalpPciDisableMsi(F);
    KT_EXPECT(!HalpPciIsMsiEnabled(F));
    HalpFreeDeviceVector(Vector);
}

/* ---- IoConnectInterruptEx, CONNECT_MESSAGE_BASED ---- */

typedef struct _MSI_SEEN {
    volatile ULONG Calls;
    ULONG MessageId;
    KIRQL Irql;
} MSI_SEEN;

static BOOLEAN RecordMessage(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    MSI_SEEN *Seen = ServiceContext;
    Seen->MessageId = MessageID;
    Seen->Irql = KeGetCurrentIrql();
    Seen->Calls++;
    return TRUE;
}

/* The table a driver gets, the capability as programmed, and the ISR behind
 * the vector. The vector is sent here by a self-IPI: that proves the path
 * from the vector to the message routine, not that the device can send (a
 * real MSI needs the AHCI driver to give the controller work). */
KTEST(pci, connect_message_based)
{
    if (!IsQ35())
        KT_SKIP("-M pc has no AHCI controller");
    MSI_SEEN Seen = {0};
    PIO_INTERRUPT_MESSAGE_INFO Table = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_MESSAGE_BASED};
    Connect.MessageBased.ConnectionContext.InterruptMessageTable = &Table;
    Connect.MessageBased.MessageServiceRoutine = RecordMessage;
    Connect.MessageBased.ServiceContext = &Seen;
    Connect.MessageBased.PciFunction = HalpPciFindByClass(0x01, 0x06, 0x01);
    KT_ASSERT(Connect.MessageBased.PciFunction != NULL);
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_ASSERT(Table != NULL);

    const IO_INTERRUPT_MESSAGE_INFO_ENTRY *Entry = &Table->MessageInfo[0];
    KT_EXPECT_EQ(Table->MessageCount, 1);
    KT_EXPECT_EQ(Table->UnifiedIrql, Entry->Irql);
    KT_EXPECT_EQ(Entry->Vector >> 4, Entry->Irql);
    KT_EXPECT_EQ(Entry->Mode, Latched);
    ULONG64 Address = 0;
    USHORT Data = 0;
    HalpPciReadMsi(Connect.MessageBased.PciFunction, &Address, &Data);
    KT_EXPECT(HalpPciIsMsiEnabled(Connect.MessageBased.PciFunction));
    KT_EXPECT_EQ(Address, (ULONG64)Entry->MessageAddress.QuadPart);
    KT_EXPECT_EQ(Data, Entry->MessageData);

    HalpSendSelfIpi((UCHAR)Entry->Vector);
    KT_EXPECT(IntTestWaitUntil(Seen.Calls == 1));
    KT_EXPECT_EQ(Seen.MessageId, 0);
    KT_EXPECT_EQ(Seen.Irql, Entry->Irql);

    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_MESSAGE_BASED};
    Disconnect.ConnectionContext.InterruptMessageTable = Table;
    IoDisconnectInterruptEx(&Disconnect);
    KT_EXPECT(!HalpPciIsMsiEnabled(Connect.MessageBased.PciFunction));
}
