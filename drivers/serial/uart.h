/*
 * uart.h - the 16550 UART's registers, as the serial driver uses them.
 *
 * A PC's COM1 is a 16550 at I/O ports 0x3F8-0x3FF, wired to ISA IRQ 4. Eight
 * registers, each one port; a few share a port and are told apart by
 * direction (read or write) or by LCR's DLAB bit (only set while the baud
 * divisor is programmed, in hal/serial.c at boot).
 *
 *   RBR/THR  +0  read: the next received byte; write: the next byte to send
 *   IER      +1  which events raise the interrupt line
 *   IIR/FCR  +2  read: which event is pending (IIR); write: the FIFOs (FCR)
 *   LCR      +3  data bits, parity, stop bits (DLAB)
 *   MCR      +4  DTR, RTS and OUT2: on a PC, OUT2 gates the IRQ line
 *   LSR      +5  line status: data ready, THR empty, errors
 *   MSR      +6  modem status: CTS, DSR, ...
 *
 * The FIFOs: 16 bytes each way. The receive FIFO raises "data available"
 * when it holds the trigger level (FCR), or a "character timeout" when bytes
 * have waited there four character times; the transmitter raises "THR empty"
 * (THRE) when its FIFO has drained, and then takes up to 16 bytes at once.
 */
#ifndef SERIAL_UART_H
#define SERIAL_UART_H

#define UART_COM1_PORT 0x3F8
#define UART_COM1_IRQ 4
#define UART_FIFO_SIZE 16

#define UART_RBR 0 /* read */
#define UART_THR 0 /* write */
#define UART_IER 1
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6

/* IER: the events that interrupt. */
#define IER_RECEIVED_DATA 0x01 /* a byte (or the trigger level) arrived */
#define IER_THR_EMPTY 0x02     /* the transmit FIFO drained: send more */
#define IER_LINE_STATUS 0x04   /* an overrun, parity or framing error, a break */

/* IIR: bit 0 clear means an interrupt is pending; bits 3-1 say which, highest
 * priority first. Reading IIR while THRE is pending acknowledges it; the
 * others are acknowledged by reading the register they concern. */
#define IIR_NONE_PENDING 0x01
#define IIR_CAUSE_MASK 0x0E
#define IIR_LINE_STATUS 0x06 /* read LSR */
#define IIR_RECEIVED_DATA 0x04 /* read RBR until LSR says no more data */
#define IIR_CHAR_TIMEOUT 0x0C  /* the same */
#define IIR_THR_EMPTY 0x02     /* write THR (or turn THRE off in IER) */
#define IIR_MODEM_STATUS 0x00  /* read MSR */

/* MCR */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* the PC's interrupt enable for the UART */

/* LSR */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

#endif /* SERIAL_UART_H */
