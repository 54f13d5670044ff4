/*
 * test_pci_msix.c - the MSI-X capability and table (suite pci), on the first
 * function that has one. QEMU's machines have none by default; the pvh-smp4
 * boot adds an e1000e (tools/testplan.py), whose table has 5 entries in
 * BAR3. Elsewhere these tests are skipped.
 */
#include "ktest.h"
#include "inttest.h"
#include "hal/pci.h"
#include "hal/interrupts.h"
#include "hal/apic.h"
#include "ke/prcb.h"
#include "io/io.h"

#define MSIX_SKIP_REASON "no function with MSI-X on this machine (the pvh-smp4 boot adds -device e1000e)"

static PPCI_FUNCTION MsixFunction(VOID)
{
    for (ULONG i = 0; i < HalpPciFunctionCount; i++) {
        if (HalpPciFunctions[i].MsixOffset != 0)
            return &HalpPciFunctions[i];
    }
    return NULL;
}

KTEST(pci, msix_capability_found)
{
    PPCI_FUNCTION F = MsixFunction();
    if (F == NULL)
        KT_SKIP(MSIX_SKIP_REASON);
    PCI_MSIX Msix;
    ULONG Size = HalpPciMsixTableSize(F);
    KtInfo("%02x:%02x.%x %04x:%04x MSI-X at 0x%x, %u entries", F->Bus, F->Device, F->Function, F->VendorId, F->DeviceId,
           F->MsixOffset, Size);
    KT_EXPECT(Size >= 1 && Size <= 2048);
    if (F->VendorId == 0x8086 && F->DeviceId == 0x10d3)
        KT_EXPECT_EQ(Size, 5); /* QEMU's e1000e: RX 0-1, TX 0-1, other */
    KT_ASSERT_EQ(HalpPciMsixOpen(F, &Msix), STATUS_SUCCESS);
    KtInfo("table in BAR%u at 0x%x, pending bits in BAR%u at 0x%x", Msix.TableBar, Msix.TableOffset, Msix.PbaBar,
           Msix.PbaOffset);
    KT_EXPECT_EQ(Msix.TableSize, Size);
    KT_EXPECT(Msix.Table != NULL && Msix.Pba != NULL);
    KT_EXPECT(!HalpPciIsMsixEnabled(F)); /* nothing uses it yet */
    HalpPciMsixClose(&Msix);
    KT_EXPECT_EQ(Msix.MappedCount, 0);
}

/* Entry 0 written and read back through the uncached mapping; written
 * entries stay masked until unmasked. */
KTEST(pci, msix_entry_programmed_and_read_back)
{
    PPCI_FUNCTION F = MsixFunction();
    if (F == NULL)
        KT_SKIP(MSIX_SKIP_REASON);
    PCI_MSIX Msix;
    KT_ASSERT_EQ(HalpPciMsixOpen(F, &Msix), STATUS_SUCCESS);
    ULONG64 OldAddress, Address;
    ULONG OldData, Data;
    BOOLEAN WasMasked = HalpPciMsixIsEntryMasked(&Msix, 0);
    KT_EXPECT(WasMasked); /* every entry is masked after reset */
    HalpPciMsixReadEntry(&Msix, 0, &OldAddress, &OldData);

    HalpPciMsixProgramEntry(&Msix, 0, 0x35, 2);
    HalpPciMsixReadEntry(&Msix, 0, &Address, &Data);
    KT_EXPECT_EQ(Address, 0xFEE02000);
    KT_EXPECT_EQ(Data, 0x35); /* fixed delivery, edge-triggered */
    KT_EXPECT(HalpPciMsixIsEntryMasked(&Msix, 0));
    HalpPciMsixSetEntryMasked(&Msix, 0, FALSE);
    KT_EXPECT(!HalpPciMsixIsEntryMasked(&Msix, 0));
    HalpPciMsixSetEntryMasked(&Msix, 0, TRUE);
    KT_EXPECT(HalpPciMsixIsEntryMasked(&Msix, 0));
    KT_EXPECT(!HalpPciMsixIsPending(&Msix, 0));

    HalpPciMsixWriteEntry(&Msix, 0, OldAddress, OldData);
    HalpPciMsixReadEntry(&Msix, 0, &Address, &Data);
    KT_EXPECT_EQ(Address, OldAddress);
    KT_EXPECT_EQ(Data, OldData);
    HalpPciMsixClose(&Msix);
}

/* Message Control: Enable and Function Mask, each read back. Enabling MSI-X
 * turns MSI off. */
KTEST(pci, msix_enable_and_function_mask)
{
    PPCI_FUNCTION F = MsixFunction();
    if (F == NULL)
        KT_SKIP(MSIX_SKIP_REASON);
    USHORT Before = HalpPciMsixControl(F);
    HalpPciMsixSetFunctionMasked(F, TRUE);
    KT_EXPECT(HalpPciIsMsixFunctionMasked(F));
    HalpPciMsixSetEnabled(F, TRUE);
    KT_EXPECT(HalpPciIsMsixEnabled(F));
    KT_EXPECT(!HalpPciIsMsiEnabled(F));
    KT_EXPECT_EQ(HalpPciMsixControl(F) & 0x07FF, Before & 0x07FF); /* the table size is read-only */
    HalpPciMsixSetFunctionMasked(F, FALSE);
    KT_EXPECT(!HalpPciIsMsixFunctionMasked(F));
    KT_EXPECT(HalpPciIsMsixEnabled(F));
    HalpPciMsixSetEnabled(F, FALSE);
    KT_EXPECT(!HalpPciIsMsixEnabled(F));
    HalpPciMsixSetFunctionMasked(F, (Before & 0x4000) != 0);
    KT_EXPECT_EQ(HalpPciMsixControl(F), Before);
}

typedef struct _MESSAGES_SEEN {
    volatile ULONG Calls[IO_MAX_INTERRUPT_MESSAGES];
    KIRQL Irql;
} MESSAGES_SEEN;

static BOOLEAN CountMessage(PKINTERRUPT Interrupt, PVOID ServiceContext, ULONG MessageID)
{
    MESSAGES_SEEN *Seen = ServiceContext;
    Seen->Irql = KeGetCurrentIrql();
    if (MessageID < IO_MAX_INTERRUPT_MESSAGES)
        Seen->Calls[MessageID]++;
    return TRUE;
}

/* CONNECT_MESSAGE_BASED prefers MSI-X: one message per entry up to
 * IO_MAX_INTERRUPT_MESSAGES, each entry programmed as its table row says and
 * unmasked, the function enabled and not masked; each vector reaches the
 * routine with its MessageID (sent here by self-IPI). Disconnecting puts the
 * entries and Message Control back as they were. */
KTEST(pci, msix_connect_message_based)
{
    PPCI_FUNCTION F = MsixFunction();
    if (F == NULL)
        KT_SKIP(MSIX_SKIP_REASON);
    PCI_MSIX Msix;
    KT_ASSERT_EQ(HalpPciMsixOpen(F, &Msix), STATUS_SUCCESS);
    ULONG Expected = Msix.TableSize < IO_MAX_INTERRUPT_MESSAGES ? Msix.TableSize : IO_MAX_INTERRUPT_MESSAGES;
    ULONG64 OldAddress[IO_MAX_INTERRUPT_MESSAGES];
    ULONG OldData[IO_MAX_INTERRUPT_MESSAGES];
    for (ULONG i = 0; i < Expected; i++)
        HalpPciMsixReadEntry(&Msix, i, &OldAddress[i], &OldData[i]);
    USHORT Control = HalpPciMsixControl(F);

    MESSAGES_SEEN Seen;
    RtlZeroMemory(&Seen, sizeof(Seen));
    PIO_INTERRUPT_MESSAGE_INFO Table = NULL;
    IO_CONNECT_INTERRUPT_PARAMETERS Connect = {.Version = CONNECT_MESSAGE_BASED};
    Connect.MessageBased.ConnectionContext.InterruptMessageTable = &Table;
    Connect.MessageBased.MessageServiceRoutine = CountMessage;
    Connect.MessageBased.ServiceContext = &Seen;
    Connect.MessageBased.PciFunction = F;
    KT_ASSERT_EQ(IoConnectInterruptEx(&Connect), STATUS_SUCCESS);
    KT_EXPECT_EQ(Connect.Version, CONNECT_MESSAGE_BASED);
    KT_ASSERT(Table != NULL);
    KT_EXPECT_EQ(Table->MessageCount, Expected);
    KT_EXPECT(HalpPciIsMsixEnabled(F));
    KT_EXPECT(!HalpPciIsMsixFunctionMasked(F));
    KT_EXPECT(!HalpPciIsMsiEnabled(F));
    for (ULONG i = 0; i < Table->MessageCount; i++) {
        const IO_INTERRUPT_MESSAGE_INFO_ENTRY *Entry = &Table->MessageInfo[i];
        ULONG64 Address;
        ULONG Data;
        HalpPciMsixReadEntry(&Msix, i, &Address, &Data);
        KT_EXPECT_EQ(Address, (ULONG64)Entry->MessageAddress.QuadPart);
        KT_EXPECT_EQ(Address, HalpMsiAddress(KiProcessorBlock[0]->ApicId));
        KT_EXPECT_EQ(Data, Entry->MessageData);
        KT_EXPECT_EQ(Data & 0xFF, Entry->Vector);
        KT_EXPECT_EQ(Entry->Irql, Table->UnifiedIrql);
        KT_EXPECT_EQ(Entry->Vector >> 4, Entry->Irql);
        KT_EXPECT_EQ(Entry->Mode, Latched);
        KT_EXPECT(!HalpPciMsixIsEntryMasked(&Msix, i));
        for (ULONG j = 0; j < i; j++)
            KT_EXPECT_NE(Table->MessageInfo[j].Vector, Entry->Vector);
        HalpSendSelfIpi((UCHAR)Entry->Vector);
        KT_EXPECT(IntTestWaitUntil(Seen.Calls[i] == 1));
        KT_EXPECT_EQ(Seen.Irql, Entry->Irql);
    }

    IO_DISCONNECT_INTERRUPT_PARAMETERS Disconnect = {.Version = CONNECT_MESSAGE_BASED};
    Disconnect.ConnectionContext.InterruptMessageTable = Table;
    IoDisconnectInterruptEx(&Disconnect);
    KT_EXPECT_EQ(HalpPciMsixControl(F), Control);
    for (ULONG i = 0; i < Expected; i++) {
        ULONG64 Address;
        ULONG Data;
        HalpPciMsixReadEntry(&Msix, i, &Address, &Data);
        KT_EXPECT_EQ(Address, OldAddress[i]);
        KT_EXPECT_EQ(Data, OldData[i]);
        KT_EXPECT(HalpPciMsixIsEntryMasked(&Msix, i));
    }
    HalpPciMsixClose(&Msix);
}
