/*
 * pcimsi.c - Message Signaled Interrupts: an interrupt that is a memory write.
 *
 * With MSI a device does not pull an interrupt line. It writes a small value
 * (the message data) to a special address (the message address), as a bus
 * master would write anywhere; the chipset sees the address lies in the local
 * APICs' range and turns the write into an interrupt. So a device needs bus
 * mastering enabled to send MSIs, and no I/O APIC is involved.
 *
 * The MSI capability (ID 0x05) in configuration space:
 *
 *   +0x00  ID (0x05), next pointer, Message Control (16 bits):
 *            bit 0     MSI Enable
 *            bits 3-1  how many vectors the device could use (log2)
 *            bits 6-4  how many it may use (log2): 0, one vector, here
 *            bit 7     64-bit address capable
 *   +0x04  Message Address (low 32 bits)
 *   +0x08  Message Upper Address (64-bit capable only)
 *   +0x08 or +0x0C  Message Data (16 bits)
 *
 * For an x86 local APIC the address and data have this form (Intel SDM vol. 3,
 * "Message Signalled Interrupts"):
 *
 *   address  0xFEE00000 | destination APIC ID << 12   (physical destination)
 *   data     vector | delivery mode << 8 | trigger << 15
 *            delivery mode 000 = fixed, trigger 0 = edge
 *
 * An MSI is always edge-triggered: one write, one interrupt.
 *
 * Only a write by the device is an MSI. A write the CPU makes to 0xFEE00000
 * lands in its own local APIC's registers instead, which is something else.
 */
#include "pci.h"

#define MSI_CONTROL 0x02
#define MSI_ADDRESS_LOW 0x04
#define MSI_ADDRESS_HIGH 0x08
#define MSI_DATA_32 0x08
#define MSI_DATA_64 0x0C

#define MSI_CONTROL_ENABLE 0x0001
#define MSI_CONTROL_MULTIPLE_ENABLE 0x0070
#define MSI_CONTROL_64BIT 0x0080

#define MSI_ADDRESS_BASE 0xFEE00000u
#define MSI_DESTINATION_SHIFT 12
#define MSI_DELIVERY_FIXED (0u << 8)
#define MSI_TRIGGER_EDGE (0u << 15)

static VOID ReadConfig(const PCI_FUNCTION *F, ULONG Offset, PVOID Buffer, ULONG Length)
{
    HalGetBusDataByOffset(PCIConfiguration, F->Bus, HalpPciSlot(F->Device, F->Function), Buffer, Offset, Length);
}

static VOID WriteConfig(const PCI_FUNCTION *F, ULONG Offset, PVOID Buffer, ULONG Length)
{
    HalSetBusDataByOffset(PCIConfiguration, F->Bus, HalpPciSlot(F->Device, F->Function), Buffer, Offset, Length);
}

ULONG HalpMsiAddress(ULONG ApicId)
{
    return MSI_ADDRESS_BASE | (ApicId << MSI_DESTINATION_SHIFT);
}

USHORT HalpMsiData(ULONG Vector)
{
    return (USHORT)(Vector | MSI_DELIVERY_FIXED | MSI_TRIGGER_EDGE);
}

/* Reads the function's MSI address and data back from its capability. */
VOID HalpPciReadMsi(const PCI_FUNCTION *F, PULONG64 Address, PUSHORT Data)
{
    USHORT Control = 0;
    ULONG Low = 0, High = 0;

    ReadConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
    ReadConfig(F, F->MsiOffset + MSI_ADDRESS_LOW, &Low, sizeof(Low));
    if (Control & MSI_CONTROL_64BIT)
        ReadConfig(F, F->MsiOffset + MSI_ADDRESS_HIGH, &High, sizeof(High));
    ReadConfig(F, F->MsiOffset + ((Control & MSI_CONTROL_64BIT) ? MSI_DATA_64 : MSI_DATA_32), Data, sizeof(*Data));
    *Address = ((ULONG64)High << 32) | Low;
}

BOOLEAN HalpPciIsMsiEnabled(const PCI_FUNCTION *F)
{
    USHORT Control = 0;

    if (F->MsiOffset == 0)
        return FALSE;
    ReadConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
    return (Control & MSI_CONTROL_ENABLE) != 0;
}

/* Writes address and data with MSI disabled, then enables it with one vector.
 * The order matters: an enabled MSI with half-written registers could send a
 * message to the wrong place. */
NTSTATUS HalpPciEnableMsi(const PCI_FUNCTION *F, ULONG Vector, ULONG ApicId)
{
    USHORT Control = 0;
    ULONG Address = HalpMsiAddress(ApicId);
    ULONG Zero = 0;
    USHORT Data = HalpMsiData(Vector);

    if (F->MsiOffset == 0)
        return STATUS_NOT_SUPPORTED;
    ReadConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
    Control &= (USHORT)~(MSI_CONTROL_ENABLE | MSI_CONTROL_MULTIPLE_ENABLE);
    WriteConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));

    WriteConfig(F, F->MsiOffset + MSI_ADDRESS_LOW, &Address, sizeof(Address));
    if (Control & MSI_CONTROL_64BIT) {
        WriteConfig(F, F->MsiOffset + MSI_ADDRESS_HIGH, &Zero, sizeof(Zero)); /* the APICs are below 4 GiB */
        WriteConfig(F, F->MsiOffset + MSI_DATA_64, &Data, sizeof(Data));
    } else {
        WriteConfig(F, F->MsiOffset + MSI_DATA_32, &Data, sizeof(Data));
    }

    Control |= MSI_CONTROL_ENABLE;
    WriteConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
    return STATUS_SUCCESS;
}

VOID HalpPciDisableMsi(const PCI_FUNCTION *F)
{
    USHORT Control = 0;

    if (F->MsiOffset == 0)
        return;
    ReadConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
    Control &= (USHORT)~MSI_CONTROL_ENABLE;
    WriteConfig(F, F->MsiOffset + MSI_CONTROL, &Control, sizeof(Control));
}
