/* TEMPORARY (deleted by the ACPI work): PC defaults without reading ACPI. */
#include "platform.h"
HAL_PLATFORM HalPlatform;
VOID HalpInitializeAcpi(VOID)
{
    HalPlatform.LocalApicAddress = 0xFEE00000;
    HalPlatform.HasLegacyPic = TRUE;
    HalPlatform.IoApicCount = 1;
    HalPlatform.IoApics[0].Address = 0xFEC00000;
    HalPlatform.OverrideCount = 1;
    HalPlatform.Overrides[0].SourceIrq = 0;
    HalPlatform.Overrides[0].Gsi = 2;
}
VOID HalpIsaIrqToGsi(ULONG Irq, ULONG *Gsi, USHORT *Flags)
{
    *Gsi = Irq == 0 ? 2 : Irq;
    *Flags = 0;
}
