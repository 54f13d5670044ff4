/*
 * drivers.c - the built-in drivers, and IoInitSystem, which starts them.
 *
 * There is no loader for driver files yet: every driver is linked into the
 * kernel and listed here, lowest first (a filter's DriverEntry attaches to a
 * device that an earlier line created). A driver's entry point has a name of
 * its own, since they all share one image; Windows calls each DriverEntry.
 */
#include "iop.h"

DRIVER_INITIALIZE DriverEntry;                 /* tests/wdm: Microsoft's examples, as a driver */
DRIVER_INITIALIZE IoTestDiskDriverEntry;       /* drivers/iotest: a RAM disk */
DRIVER_INITIALIZE IoTestLowerFilterDriverEntry; /* ... and two filters above it */
DRIVER_INITIALIZE IoTestUpperFilterDriverEntry;
DRIVER_INITIALIZE SerialDriverEntry;            /* drivers/serial: COM1, and the console */
DRIVER_INITIALIZE RamDiskDriverEntry;          /* drivers/ramdisk: \Device\RamDisk0 */
DRIVER_INITIALIZE DiskFilterDriverEntry;       /* drivers/filter: counts and times its requests */
DRIVER_INITIALIZE AhciDriverEntry;             /* drivers/ahci: \Device\Harddisk<N>\DR0 */

static const IOP_BUILTIN_DRIVER IopBuiltinDrivers[] = {
    {L"\\Driver\\WdmExample", DriverEntry},
    {L"\\Driver\\IoTestDisk", IoTestDiskDriverEntry},
    {L"\\Driver\\IoTestLowerFilter", IoTestLowerFilterDriverEntry},
    {L"\\Driver\\IoTestUpperFilter", IoTestUpperFilterDriverEntry},
    {L"\\Driver\\Serial", SerialDriverEntry},
    {L"\\Driver\\RamDisk", RamDiskDriverEntry},
    {L"\\Driver\\DiskFilter", DiskFilterDriverEntry},
    {L"\\Driver\\Ahci", AhciDriverEntry},
};

/* Each name as ASCII, for the console (the names are ASCII). */
static VOID PrintName(PCWSTR Name)
{
    while (*Name != 0)
        DbgPrint("%c", (char)*Name++);
}

BOOLEAN IoInitSystem(VOID)
{
    BOOLEAN AllStarted = TRUE;

    for (SIZE_T i = 0; i < ARRAYSIZE(IopBuiltinDrivers); i++) {
        PDRIVER_OBJECT Driver;
        NTSTATUS Status = IopLoadDriver(IopBuiltinDrivers[i].Name, IopBuiltinDrivers[i].DriverEntry, &Driver);
        if (!NT_SUCCESS(Status)) {
            DbgPrint("io: driver ");
            PrintName(IopBuiltinDrivers[i].Name);
            DbgPrint(" failed to start: status 0x%08x\n", (ULONG)Status);
            AllStarted = FALSE;
        }
    }
    return AllStarted;
}
