/*
 * cmdpci.c - the shell's `pci` command: the device table HalpInitializePci
 * built at boot, one line per function (the same lines the boot prints), and
 * with an argument bus:device.function the function's first 64 bytes of
 * configuration space, read now.
 */
#include "kdp.h"

/* "00:1f.2" -> Bus 0, Device 0x1f, Function 2. */
static BOOLEAN ParseLocation(PCSTR Text, ULONG *Bus, ULONG *Device, ULONG *Function)
{
    ULONG Parts[3] = {0};
    ULONG Part = 0;

    for (PCSTR P = Text; *P != 0; P++) {
        CHAR C = *P;
        if ((C == ':' && Part == 0) || (C == '.' && Part == 1))
            Part++;
        else if (C >= '0' && C <= '9')
            Parts[Part] = Parts[Part] * 16 + (ULONG)(C - '0');
        else if (C >= 'a' && C <= 'f')
            Parts[Part] = Parts[Part] * 16 + (ULONG)(C - 'a' + 10);
        else
            return FALSE;
    }
    *Bus = Parts[0];
    *Device = Parts[1];
    *Function = Parts[2];
    return Part == 2 && *Bus < 256 && *Device < 32 && *Function < 8;
}

static VOID DumpHeader(ULONG Bus, ULONG Device, ULONG Function)
{
    UCHAR Bytes[PCI_COMMON_HDR_LENGTH];

    HalGetBusData(PCIConfiguration, Bus, HalpPciSlot(Device, Function), Bytes, sizeof(Bytes));
    for (ULONG Row = 0; Row < sizeof(Bytes); Row += 16) {
        DbgPrint("  %02x:", Row);
        for (ULONG i = 0; i < 16; i++)
            DbgPrint(" %02x", Bytes[Row + i]);
        DbgPrint("\n");
    }
}

_Use_decl_annotations_
BOOLEAN KdCmdPci(ULONG Argc, PCSTR *Argv)
{
    ULONG Bus, Device, Function;

    if (Argc == 1) {
        DbgPrint("pci: %u functions, configuration space through %s\n", HalpPciFunctionCount,
                 HalpPciAccessMethod == PciAccessEcam ? "ECAM (ACPI MCFG)" : "ports 0xCF8/0xCFC");
        for (ULONG i = 0; i < HalpPciFunctionCount; i++)
            HalpPciPrintFunction(&HalpPciFunctions[i]);
        return TRUE;
    }
    if (Argc != 2 || !ParseLocation(Argv[1], &Bus, &Device, &Function))
        return FALSE;
    DumpHeader(Bus, Device, Function);
    return TRUE;
}
