/*
 * isr.c - the serial ISR, at the UART's DIRQL, holding its interrupt spin
 * lock: only what cannot wait.
 *
 * One interrupt line, several causes. The ISR asks IIR which cause is
 * pending, deals with it, and asks again until IIR says "none": the ISA line
 * is edge-triggered, so a cause left pending would never raise a new edge and
 * the UART would fall silent. Then it queues the DpcForIsr, which does the
 * rest (completing IRPs) at DISPATCH_LEVEL, where interrupts are not held off.
 */
#include "serial.h"

/* Causes one interrupt may bring at most: a guard against a UART gone wrong,
 * one that never reports "none pending", keeping the CPU here forever. */
#define SERIAL_MAX_CAUSES 32

UCHAR SerialReadRegister(PSERIAL_EXTENSION Serial, ULONG Register)
{
    return READ_PORT_UCHAR(Serial->Port + Register);
}

VOID SerialWriteRegister(PSERIAL_EXTENSION Serial, ULONG Register, UCHAR Value)
{
    WRITE_PORT_UCHAR(Serial->Port + Register, Value);
}

/* Turns the THR-empty interrupt on while there is output to send, off when
 * there is none (else it would fire, and fire, with nothing to write). */
static VOID UpdateThrEmptyInterrupt(PSERIAL_EXTENSION Serial)
{
    UCHAR Ier = Serial->Ier & ~IER_THR_EMPTY;

    if (SerialRingCount(&Serial->Output) != 0)
        Ier |= IER_THR_EMPTY;
    if (Ier != Serial->Ier) {
        Serial->Ier = Ier;
        SerialWriteRegister(Serial, UART_IER, Ier);
    }
}

/* If the transmit FIFO is empty, fills it (16 bytes) from the output ring.
 * The ISR calls it on THRE; writers call it to start an idle transmitter.
 * Under the interrupt spin lock. */
VOID SerialFeedTransmitterLocked(PSERIAL_EXTENSION Serial)
{
    UCHAR Bytes[UART_FIFO_SIZE];

    if (SerialReadRegister(Serial, UART_LSR) & LSR_THR_EMPTY) {
        ULONG Count = SerialRingGet(&Serial->Output, Bytes, sizeof(Bytes));
        for (ULONG i = 0; i < Count; i++)
            SerialWriteRegister(Serial, UART_THR, Bytes[i]);
    }
    UpdateThrEmptyInterrupt(Serial);
}

/* Moves every byte the receive FIFO holds into the input ring. A byte with
 * no room is dropped and counted: the ISR cannot wait for a reader. */
static VOID ReceiveLocked(PSERIAL_EXTENSION Serial)
{
    while (SerialReadRegister(Serial, UART_LSR) & LSR_DATA_READY) {
        UCHAR Byte = SerialReadRegister(Serial, UART_RBR);
        if (SerialRingPut(&Serial->Input, &Byte, 1) == 0)
            Serial->Overruns++;
    }
}

static VOID ServiceCause(PSERIAL_EXTENSION Serial, UCHAR Cause)
{
    switch (Cause) {
    case IIR_RECEIVED_DATA:
    case IIR_CHAR_TIMEOUT: ReceiveLocked(Serial); break;
    case IIR_THR_EMPTY: SerialFeedTransmitterLocked(Serial); break;
    case IIR_LINE_STATUS: (VOID)SerialReadRegister(Serial, UART_LSR); break;
    default: (VOID)SerialReadRegister(Serial, UART_MSR); break;
    }
}

_Use_decl_annotations_
BOOLEAN SerialIsr(PKINTERRUPT Interrupt, PVOID ServiceContext)
{
    PDEVICE_OBJECT Device = ServiceContext;
    PSERIAL_EXTENSION Serial = Device->DeviceExtension;
    ULONG Causes = 0;

    UNREFERENCED_PARAMETER(Interrupt);
    while (Causes < SERIAL_MAX_CAUSES) {
        UCHAR Iir = SerialReadRegister(Serial, UART_IIR);
        if (Iir & IIR_NONE_PENDING)
            break;
        ServiceCause(Serial, Iir & IIR_CAUSE_MASK);
        Causes++;
    }
    if (Causes == 0)
        return FALSE; /* not ours: another device on a shared line */
    IoRequestDpc(Device, NULL, NULL);
    return TRUE;
}
