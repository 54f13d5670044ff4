/*
 * serial.h - what the serial driver's files share: the device extension and
 * the routines one file offers the others.
 *
 * The driver, file by file:
 *   driver.c   DriverEntry: the device \Device\Serial0, the UART set up for
 *              interrupts, the interrupt connected, the console handed over
 *   isr.c      the ISR, at DIRQL: empties the receiver, feeds the transmitter
 *   dpc.c      the DpcForIsr, at DISPATCH_LEVEL: completes reads and writes
 *   read.c     IRP_MJ_READ: pends until a byte has arrived; cancelable
 *   write.c    IRP_MJ_WRITE: completes once its bytes have gone out
 *   console.c  DbgPrint's writer, through the same output ring
 *   ring.h     the byte ring buffers between the ISR and the rest
 *   uart.h     the 16550's registers
 *
 * Two locks, always taken in this order:
 *   QueueLock          a spin lock (DISPATCH_LEVEL) over the IRP queues
 *   the interrupt's    the interrupt object's spin lock (DIRQL) over
 *   spin lock          everything the ISR touches: the rings and the UART
 */
#ifndef SERIAL_H
#define SERIAL_H

#include <wdm.h>
#include "ring.h"
#include "uart.h"

typedef struct _SERIAL_EXTENSION {
    PUCHAR Port;           /* the UART's first register */
    PKINTERRUPT Interrupt; /* its spin lock guards the UART and the fields up to Overruns */
    KIRQL Dirql;           /* the ISR's IRQL (the interrupt's SynchronizeIrql) */
    SERIAL_RING Input;     /* received, not yet read: the ISR puts, readers get */
    SERIAL_RING Output;    /* to send: writers put, the ISR gets */
    UCHAR Ier;             /* what IER holds: the UART cannot be asked */
    ULONG Overruns;        /* bytes dropped because Input was full */
    KSPIN_LOCK QueueLock;  /* guards the two queues */
    LIST_ENTRY ReadQueue;  /* pending reads, oldest first */
    LIST_ENTRY WriteQueue; /* writes not yet sent, oldest first */
} SERIAL_EXTENSION, *PSERIAL_EXTENSION;

/* isr.c */
KSERVICE_ROUTINE SerialIsr;
UCHAR SerialReadRegister(PSERIAL_EXTENSION Serial, ULONG Register);
VOID SerialWriteRegister(PSERIAL_EXTENSION Serial, ULONG Register, UCHAR Value);
VOID SerialFeedTransmitterLocked(PSERIAL_EXTENSION Serial);

/* dpc.c */
IO_DPC_ROUTINE SerialDpcForIsr;

/* read.c */
DRIVER_DISPATCH SerialRead;
VOID SerialCompleteReads(PSERIAL_EXTENSION Serial);

/* write.c */
DRIVER_DISPATCH SerialWrite;
VOID SerialPumpWrites(PSERIAL_EXTENSION Serial);

/* console.c */
KCONSOLE_WRITER SerialConsoleWrite;

#endif /* SERIAL_H */
