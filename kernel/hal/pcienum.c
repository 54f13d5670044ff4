/*
 * pcienum.c - finding every PCI function: the device table.
 *
 * A bus has 32 device numbers, each with up to 8 functions. Reading the
 * Vendor ID of a slot where nothing is answers 0xFFFF (no device drove the
 * bus, so it floated high), which is how an empty slot is told apart.
 * Function 0 always exists in a present device; functions 1-7 are looked at
 * only when function 0's Header Type has bit 7 (multi-function) set.
 *
 * Buses other than 0 are reached through bridges (header type 1): each names
 * the bus behind it (Secondary Bus, numbered by the firmware), and the walk
 * goes down into it. So only buses that exist are scanned, and only their
 * ECAM windows are mapped.
 *
 * For each function the table keeps the header's identity, its BARs with
 * their sizes (pcibar.c), its interrupt pin and line, and where three
 * capabilities are. The capability list is a linked list in configuration
 * space: the header's Capabilities Pointer (0x34) gives the offset of the
 * first entry; each entry starts with its ID byte and the offset of the next
 * one (0: the end). It exists when Status bit 4 is set.
 */
#include "pci.h"
#include "platform.h"
#include "ke/ke.h"

#define PCI_MAX_CAPABILITIES 48 /* (256 - 64) / 4: a loop in the list ends here */

PCI_FUNCTION HalpPciFunctions[PCI_MAX_FUNCTIONS];
ULONG HalpPciFunctionCount;

static VOID ScanBus(ULONG Bus);

static VOID FindCapabilities(ULONG Bus, ULONG Slot, const PCI_COMMON_CONFIG *Config, PCI_FUNCTION *Function)
{
    if (!(Config->Status & PCI_STATUS_CAPABILITIES_LIST) || Function->HeaderType != PCI_DEVICE_TYPE)
        return;
    UCHAR Offset = Config->u.type0.CapabilitiesPtr & 0xFC;
    for (ULONG i = 0; i < PCI_MAX_CAPABILITIES && Offset >= PCI_COMMON_HDR_LENGTH; i++) {
        UCHAR Header[2]; /* the ID, the next offset */
        HalGetBusDataByOffset(PCIConfiguration, Bus, Slot, Header, Offset, sizeof(Header));
        if (Header[0] == PCI_CAPABILITY_ID_MSI)
            Function->MsiOffset = Offset;
        else if (Header[0] == PCI_CAPABILITY_ID_MSIX)
            Function->MsixOffset = Offset;
        else if (Header[0] == PCI_CAPABILITY_ID_PCI_EXPRESS)
            Function->PcieOffset = Offset;
        Offset = Header[1] & 0xFC;
    }
}

/* A type 0 header has six BARs, a bridge two. */
static VOID SizeBars(ULONG Bus, ULONG Slot, PCI_FUNCTION *Function)
{
    ULONG Count = Function->HeaderType == PCI_DEVICE_TYPE   ? PCI_TYPE0_ADDRESSES
                  : Function->HeaderType == PCI_BRIDGE_TYPE ? PCI_TYPE1_ADDRESSES
                                                            : 0;
    for (ULONG i = 0; i < Count;)
        i += HalpPciSizeBar(Bus, Slot, i, &Function->Bars[i]);
}

static VOID RecordFunction(ULONG Bus, ULONG Device, ULONG FunctionNumber, const PCI_COMMON_CONFIG *Config)
{
    if (HalpPciFunctionCount == PCI_MAX_FUNCTIONS)
        return;
    ULONG Slot = HalpPciSlot(Device, FunctionNumber);
    PCI_FUNCTION *Function = &HalpPciFunctions[HalpPciFunctionCount++];
    RtlZeroMemory(Function, sizeof(*Function));
    Function->Bus = (UCHAR)Bus;
    Function->Device = (UCHAR)Device;
    Function->Function = (UCHAR)FunctionNumber;
    Function->VendorId = Config->VendorID;
    Function->DeviceId = Config->DeviceID;
    Function->BaseClass = Config->BaseClass;
    Function->SubClass = Config->SubClass;
    Function->ProgIf = Config->ProgIf;
    Function->HeaderType = Config->HeaderType & (UCHAR)~PCI_MULTIFUNCTION;
    if (Function->HeaderType == PCI_DEVICE_TYPE) {
        Function->InterruptPin = Config->u.type0.InterruptPin;
        Function->InterruptLine = Config->u.type0.InterruptLine;
    }
    SizeBars(Bus, Slot, Function);
    FindCapabilities(Bus, Slot, Config, Function);
}

/* Records one function; returns FALSE if nothing is there. A bridge's bus
 * is scanned next, before the following slots. The walk only goes to a
 * higher bus number, so it ends even if the firmware numbered a loop. */
static BOOLEAN ScanFunction(ULONG Bus, ULONG Device, ULONG FunctionNumber, UCHAR *HeaderType)
{
    PCI_COMMON_CONFIG Config;

    HalGetBusData(PCIConfiguration, Bus, HalpPciSlot(Device, FunctionNumber), &Config, PCI_COMMON_HDR_LENGTH);
    if (Config.VendorID == PCI_INVALID_VENDORID)
        return FALSE;
    *HeaderType = Config.HeaderType;
    RecordFunction(Bus, Device, FunctionNumber, &Config);
    ULONG Secondary = Config.u.type1.SecondaryBus;
    if ((Config.HeaderType & ~PCI_MULTIFUNCTION) == PCI_BRIDGE_TYPE && Secondary > Bus)
        ScanBus(Secondary);
    return TRUE;
}

static VOID ScanBus(ULONG Bus)
{
    HalpPciMapEcamBus(Bus);
    for (ULONG Device = 0; Device < 32; Device++) {
        UCHAR HeaderType = 0;
        if (!ScanFunction(Bus, Device, 0, &HeaderType) || !(HeaderType & PCI_MULTIFUNCTION))
            continue;
        for (ULONG FunctionNumber = 1; FunctionNumber < 8; FunctionNumber++)
            ScanFunction(Bus, Device, FunctionNumber, &HeaderType);
    }
}

VOID HalpInitializePci(VOID)
{
    HalpPciAccessMethod = HalPlatform.McfgCount > 0 ? PciAccessEcam : PciAccessPorts;
    HalpPciFunctionCount = 0;
    ScanBus(0);
    if (KeHasOption("quiet"))
        return;
    DbgPrint("pci: %u functions, configuration space through %s\n", HalpPciFunctionCount,
             HalpPciAccessMethod == PciAccessEcam ? "ECAM (ACPI MCFG)" : "ports 0xCF8/0xCFC");
    for (ULONG i = 0; i < HalpPciFunctionCount; i++)
        HalpPciPrintFunction(&HalpPciFunctions[i]);
}
