/*
 * serial.c - COM1, the kernel's console, driven by polling.
 *
 * The 16550 UART at I/O port 0x3F8. Until interrupts exist, output waits for
 * the transmit holding register to empty (LSR bit 5) before each byte. Under
 * QEMU the wait is never long: the emulated UART drains at once.
 */
#include "hal.h"
#include "x86.h"

#define COM1 0x3F8
#define UART_DATA 0 /* with DLAB=1: divisor low byte */
#define UART_IER 1  /* with DLAB=1: divisor high byte */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

VOID HalSerialInitialize(VOID)
{
    __outbyte(COM1 + UART_IER, 0x00);  /* no UART interrupts yet */
    __outbyte(COM1 + UART_LCR, 0x80);  /* DLAB: the next two are the divisor */
    __outbyte(COM1 + UART_DATA, 0x01); /* 115200 baud = 115200 / 1 */
    __outbyte(COM1 + UART_IER, 0x00);
    __outbyte(COM1 + UART_LCR, 0x03); /* 8 data bits, no parity, 1 stop bit */
    __outbyte(COM1 + UART_FCR, 0xC7); /* FIFOs on and cleared, 14-byte threshold */
    __outbyte(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

VOID HalSerialPutChar(CHAR C)
{
    while ((__inbyte(COM1 + UART_LSR) & LSR_THR_EMPTY) == 0)
        _mm_pause();
    __outbyte(COM1 + UART_DATA, (UCHAR)C);
}

BOOLEAN HalSerialGetChar(PCHAR C)
{
    if ((__inbyte(COM1 + UART_LSR) & LSR_DATA_READY) == 0)
        return FALSE;
    *C = (CHAR)__inbyte(COM1 + UART_DATA);
    return TRUE;
}
