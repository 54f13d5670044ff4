/*
 * dpc.c - the serial DpcForIsr, at DISPATCH_LEVEL.
 *
 * The ISR only moved bytes between the UART and the rings. Here is the rest:
 * reads waiting for bytes get them, writes whose bytes have gone out are
 * completed, and writes waiting for room in the output ring get it. Several
 * interrupts before the DPC runs merge into one run: it looks at the rings,
 * not at what each interrupt did.
 */
#include "serial.h"

_Use_decl_annotations_
VOID SerialDpcForIsr(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PSERIAL_EXTENSION Serial = DeviceObject->DeviceExtension;

    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    SerialCompleteReads(Serial);
    SerialPumpWrites(Serial);
}
