/*
 * driver.c - AhciDriverEntry: find every AHCI controller and start it.
 *
 * Without a Plug and Play manager to hand it a device, the driver looks for
 * its hardware the way NT 4 drivers did: it reads the configuration header
 * of every PCI function (HalGetBusData) and takes those whose class code is
 * 01/06/01, "mass storage, SATA, AHCI 1.0". Every controller found is
 * brought up by hba.c, which creates one disk device object per port with a
 * disk behind it.
 */
#include "ahci.h"

DRIVER_INITIALIZE AhciDriverEntry;

#define PCI_CLASS_MASS_STORAGE 0x01
#define PCI_SUBCLASS_SATA 0x06
#define PCI_PROGIF_AHCI 0x01

ULONG AhciDiskCount;
PAHCI_PORT AhciDisks[AHCI_MAX_DISKS];

static BOOLEAN IsAhci(const PCI_COMMON_CONFIG *Config)
{
    return Config->BaseClass == PCI_CLASS_MASS_STORAGE && Config->SubClass == PCI_SUBCLASS_SATA &&
           Config->ProgIf == PCI_PROGIF_AHCI;
}

/* Looks at function Function of Device on Bus; TRUE when the device is
 * multi-function (so functions 1-7 are worth a look). */
static BOOLEAN Probe(PDRIVER_OBJECT DriverObject, ULONG Bus, ULONG Device, ULONG Function)
{
    PCI_SLOT_NUMBER Slot = {0};
    PCI_COMMON_CONFIG Config;

    Slot.u.bits.DeviceNumber = Device;
    Slot.u.bits.FunctionNumber = Function;
    /* The vendor ID first: most of the 8192 places hold nothing, and there
     * the whole header would be 64 bytes of all ones read for nothing. */
    USHORT VendorId = PCI_INVALID_VENDORID;
    HalGetBusDataByOffset(PCIConfiguration, Bus, Slot.u.AsULONG, &VendorId, 0, sizeof(VendorId));
    if (VendorId == PCI_INVALID_VENDORID)
        return FALSE;
    ULONG Read = HalGetBusData(PCIConfiguration, Bus, Slot.u.AsULONG, &Config, PCI_COMMON_HDR_LENGTH);
    if (Read < PCI_COMMON_HDR_LENGTH || Config.VendorID == PCI_INVALID_VENDORID)
        return FALSE;
    if (IsAhci(&Config)) {
        NTSTATUS Status = AhciStartController(DriverObject, Bus, Slot.u.AsULONG);
        if (!NT_SUCCESS(Status))
            DbgPrint("ahci: controller %02x:%02x.%x not started: status 0x%08x\n", Bus, Device, Function,
                     (ULONG)Status);
    }
    return (Config.HeaderType & PCI_MULTIFUNCTION) != 0;
}

_Use_decl_annotations_
NTSTATUS AhciDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);

    DriverObject->MajorFunction[IRP_MJ_CREATE] = AhciDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AhciDispatchCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = AhciDispatchReadWrite;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = AhciDispatchReadWrite;
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = AhciDispatchFlush;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = AhciDispatchDeviceControl;

    for (ULONG Bus = 0; Bus < 256; Bus++) {
        for (ULONG Device = 0; Device < 32; Device++) {
            if (!Probe(DriverObject, Bus, Device, 0))
                continue;
            for (ULONG Function = 1; Function < 8; Function++)
                Probe(DriverObject, Bus, Device, Function);
        }
    }
    /* No controller, or no disk, is not an error: the driver just serves nothing. */
    return STATUS_SUCCESS;
}
