/*
 * pciprint.c - one line per PCI function, in the manner of lspci:
 *
 *   pci: 00:1f.2 8086:2922 class 01.06.01 SATA AHCI, BAR4 io 0xc060 (32 B), BAR5 mem 0xfebd1000 (4 KiB), MSI
 *
 * bus:device.function, vendor:device, the class code (base class, subclass,
 * programming interface) and its name, each implemented BAR, and the
 * interrupt capabilities.
 */
#include "pci.h"
#include "ke/ke.h"

#define LINE_SIZE 256

typedef struct _CLASS_NAME {
    UCHAR BaseClass;
    UCHAR SubClass;
    UCHAR ProgIf; /* 0xFF: any */
    PCSTR Name;
} CLASS_NAME;

/* The classes QEMU's machines show, from the PCI Code and ID Assignment
 * specification. */
static const CLASS_NAME ClassNames[] = {
    {0x01, 0x01, 0xFF, "IDE"},
    {0x01, 0x06, 0x01, "SATA AHCI"},
    {0x01, 0x00, 0xFF, "SCSI"},
    {0x01, 0x08, 0x02, "NVMe"},
    {0x02, 0x00, 0xFF, "Ethernet"},
    {0x03, 0x00, 0xFF, "VGA"},
    {0x06, 0x00, 0xFF, "host bridge"},
    {0x06, 0x01, 0xFF, "ISA bridge"},
    {0x06, 0x04, 0xFF, "PCI bridge"},
    {0x06, 0x80, 0xFF, "bridge"},
    {0x0C, 0x03, 0xFF, "USB"},
    {0x0C, 0x05, 0xFF, "SMBus"},
};

PCSTR HalpPciClassName(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf)
{
    for (SIZE_T i = 0; i < ARRAYSIZE(ClassNames); i++) {
        const CLASS_NAME *C = &ClassNames[i];
        if (C->BaseClass == BaseClass && C->SubClass == SubClass && (C->ProgIf == 0xFF || C->ProgIf == ProgIf))
            return C->Name;
    }
    return "device";
}

/* "4 KiB", "32 B", "1 MiB": sizes are powers of two. */
static VOID FormatSize(PCHAR Buffer, SIZE_T Size, ULONG64 Bytes)
{
    if (Bytes >= (1ull << 30) && Bytes % (1ull << 30) == 0)
        RtlFormatString(Buffer, Size, "%llu GiB", Bytes >> 30);
    else if (Bytes >= (1ull << 20) && Bytes % (1ull << 20) == 0)
        RtlFormatString(Buffer, Size, "%llu MiB", Bytes >> 20);
    else if (Bytes >= (1ull << 10) && Bytes % (1ull << 10) == 0)
        RtlFormatString(Buffer, Size, "%llu KiB", Bytes >> 10);
    else
        RtlFormatString(Buffer, Size, "%llu B", Bytes);
}

static PCSTR BarKindName(const PCI_BAR *Bar)
{
    switch (Bar->Kind) {
    case PciBarIo: return "io";
    case PciBarMemory32: return Bar->Prefetchable ? "mem prefetchable" : "mem";
    case PciBarMemory64: return Bar->Prefetchable ? "mem64 prefetchable" : "mem64";
    default: return "none";
    }
}

/* Appends to Line at *Used; stops quietly when the line is full. */
static VOID Append(PCHAR Line, ULONG *Used, PCSTR Format, ...) __attribute__((format(printf, 3, 4)));
static VOID Append(PCHAR Line, ULONG *Used, PCSTR Format, ...)
{
    va_list Args;

    va_start(Args, Format);
    int Written = RtlFormatStringV(Line + *Used, LINE_SIZE - *Used, Format, Args);
    va_end(Args);
    if (Written > 0)
        *Used = *Used + (ULONG)Written < LINE_SIZE ? *Used + (ULONG)Written : LINE_SIZE - 1;
}

VOID HalpPciPrintFunction(const PCI_FUNCTION *F)
{
    CHAR Line[LINE_SIZE];
    CHAR Size[16];
    ULONG Used = 0;

    Append(Line, &Used, "pci: %02x:%02x.%x %04x:%04x class %02x.%02x.%02x %s", F->Bus, F->Device, F->Function,
           F->VendorId, F->DeviceId, F->BaseClass, F->SubClass, F->ProgIf,
           HalpPciClassName(F->BaseClass, F->SubClass, F->ProgIf));
    for (ULONG i = 0; i < PCI_MAX_BARS; i++) {
        const PCI_BAR *Bar = &F->Bars[i];
        if (Bar->Kind == PciBarNone)
            continue;
        FormatSize(Size, sizeof(Size), Bar->Size);
        Append(Line, &Used, ", BAR%u %s 0x%llx (%s)", i, BarKindName(Bar), Bar->Address, Size);
    }
    if (F->InterruptPin != 0)
        Append(Line, &Used, ", INT%c# line %u", 'A' + F->InterruptPin - 1, F->InterruptLine);
    if (F->MsiOffset != 0)
        Append(Line, &Used, ", MSI");
    if (F->MsixOffset != 0)
        Append(Line, &Used, ", MSI-X");
    if (F->PcieOffset != 0)
        Append(Line, &Used, ", PCIe");
    DbgPrint("%s\n", Line);
}
