/*
 * driver.c - Serial: the COM1 driver's DriverEntry.
 *
 * It creates \Device\Serial0, routes ISA IRQ 4 through the I/O APIC
 * (HalGetInterruptVector), connects its ISR, and only then turns on the
 * UART's interrupts: an interrupt before the ISR is connected would find no
 * one to acknowledge it. Last it hands DbgPrint its writer, moving the kernel
 * console onto the driver. The driver stays loaded: the console needs it.
 *
 * The UART's speed and framing were set at boot by the HAL's polled console
 * (hal/serial.c); the driver keeps them. docs/serial.md tells the story.
 */
#include "serial.h"

DRIVER_INITIALIZE SerialDriverEntry;
static DRIVER_DISPATCH SerialCreateClose;

_Use_decl_annotations_
static NTSTATUS SerialCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS CreateSerialDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT *Device)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Serial0");

    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(SERIAL_EXTENSION), &Name, FILE_DEVICE_SERIAL_PORT, 0,
                                     FALSE, Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PSERIAL_EXTENSION Serial = (*Device)->DeviceExtension;
    Serial->Port = (PUCHAR)(ULONG_PTR)UART_COM1_PORT;
    KeInitializeSpinLock(&Serial->QueueLock);
    InitializeListHead(&Serial->ReadQueue);
    InitializeListHead(&Serial->WriteQueue);
    IoInitializeDpcRequest(*Device, SerialDpcForIsr);
    (*Device)->Flags |= DO_BUFFERED_IO;
    return STATUS_SUCCESS;
}

static NTSTATUS ConnectUartInterrupt(PDEVICE_OBJECT Device)
{
    PSERIAL_EXTENSION Serial = Device->DeviceExtension;
    KAFFINITY Affinity;

    ULONG Vector = HalGetInterruptVector(Isa, 0, UART_COM1_IRQ, UART_COM1_IRQ, &Serial->Dirql, &Affinity);
    if (Vector == 0)
        return STATUS_NOT_FOUND;
    /* ISA lines are edge-triggered (Latched), and not shared. */
    return IoConnectInterrupt(&Serial->Interrupt, SerialIsr, Device, NULL, Vector, Serial->Dirql, Serial->Dirql,
                              Latched, FALSE, Affinity, FALSE);
}

/* A SynchCritSection routine (KeSynchronizeExecution runs it at DIRQL under
 * the interrupt spin lock): received data and line status interrupt the CPU
 * from now on, THR empty only while there is output (isr.c). OUT2 lets the
 * UART's interrupt reach the IRQ line on a PC. Bytes typed during boot still
 * sit in the FIFO and will raise no new edge: they go to the input ring here. */
static BOOLEAN EnableUartInterrupts(PVOID Context)
{
    PSERIAL_EXTENSION Serial = Context;

    SerialWriteRegister(Serial, UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    Serial->Ier = IER_RECEIVED_DATA | IER_LINE_STATUS;
    SerialWriteRegister(Serial, UART_IER, Serial->Ier);
    while (SerialReadRegister(Serial, UART_LSR) & LSR_DATA_READY) {
        UCHAR Byte = SerialReadRegister(Serial, UART_RBR);
        SerialRingPut(&Serial->Input, &Byte, 1);
    }
    return TRUE;
}

_Use_decl_annotations_
NTSTATUS SerialDriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PDEVICE_OBJECT Device;

    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = SerialRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = SerialWrite;
    NTSTATUS Status = CreateSerialDevice(DriverObject, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ConnectUartInterrupt(Device);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }
    PSERIAL_EXTENSION Serial = Device->DeviceExtension;
    KeSynchronizeExecution(Serial->Interrupt, EnableUartInterrupts, Serial);
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    KeSetConsoleWriter(SerialConsoleWrite, Serial);
    return STATUS_SUCCESS;
}
