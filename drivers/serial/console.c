/*
 * console.c - DbgPrint's output through the serial driver.
 *
 * Once the interrupt is connected, DriverEntry hands the kernel this writer
 * (KeSetConsoleWriter). Each DbgPrint call's text comes here in one piece and
 * goes into the same output ring as the write IRPs' bytes, under the
 * interrupt spin lock: the lock is what keeps two processors' lines from
 * interleaving, and the ISR from feeding the UART meanwhile.
 *
 * The console writes through: the writer returns only once the ring is empty
 * and its last bytes are in the UART's FIFO, waiting for THR empty by polling
 * LSR (it holds the lock the ISR would need). A kernel's debug print must be
 * out when the call returns: a bug check right after it, with interrupts
 * off, must not strand the line in a ring no interrupt will drain. Bytes of
 * write IRPs queued before it go out first, in order. IRP_MJ_WRITE is where
 * the THRE interrupt does the sending (write.c).
 *
 * It refuses at or above the UART's DIRQL: the ISR itself runs there holding
 * the lock, and a DbgPrint from it would wait for itself forever. The kernel
 * then writes by polling (kernel/ke/debug.c), as it does in a bug check.
 */
#include "serial.h"

static VOID WaitForTransmitterEmpty(PSERIAL_EXTENSION Serial)
{
    while ((SerialReadRegister(Serial, UART_LSR) & LSR_THR_EMPTY) == 0)
        YieldProcessor();
}

_Use_decl_annotations_
BOOLEAN SerialConsoleWrite(PVOID Context, PCSTR Text, SIZE_T Length)
{
    PSERIAL_EXTENSION Serial = Context;
    const UCHAR *Bytes = (const UCHAR *)Text;

    if (KeGetCurrentIrql() >= Serial->Dirql)
        return FALSE;
    KIRQL OldIrql = KeAcquireInterruptSpinLock(Serial->Interrupt);
    while (Length > 0 || SerialRingCount(&Serial->Output) != 0) {
        ULONG Put = SerialRingPut(&Serial->Output, Bytes, (ULONG)Length);
        Bytes += Put;
        Length -= Put;
        WaitForTransmitterEmpty(Serial);
        SerialFeedTransmitterLocked(Serial);
    }
    KeReleaseInterruptSpinLock(Serial->Interrupt, OldIrql);
    return TRUE;
}
