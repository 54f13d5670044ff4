/*
 * debug.c - DbgPrint: formatted output to the kernel console (COM1).
 *
 * A '\n' goes out as "\r\n" so that terminals and logs show clean lines.
 *
 * Two ways out. From the first instruction the console is polled: the HAL
 * waits for the UART to take each byte (hal/serial.c). Nothing is lost in
 * early boot, since every byte is written before DbgPrint returns. Once
 * interrupts are up, drivers/serial offers a writer (KeSetConsoleWriter):
 * a DbgPrint call is then formatted into a small buffer here and handed to
 * the writer in one piece, which sends it through the driver's output ring
 * under the interrupt spin lock, so two processors' calls never mix mid-call,
 * and returns once it is out (drivers/serial/console.c).
 *
 * The polled path stays for two cases: at or above the UART's DIRQL (the
 * writer refuses: taking its interrupt spin lock there could deadlock), and
 * with interrupts off on this processor, as in a bug check, where another
 * processor, stopped, may hold that lock forever. Polling needs nothing but
 * the UART itself (docs/serial.md).
 */
#include "ke.h"
#include "rtl.h"
#include "hal/hal.h"
#include "hal/x86.h"
#include "wdm.h"

#define CONSOLE_CHUNK 256

static PKCONSOLE_WRITER volatile KiConsoleWriter;
static PVOID volatile KiConsoleContext;

VOID KeSetConsoleWriter(PKCONSOLE_WRITER Writer, PVOID Context)
{
    KiConsoleWriter = NULL; /* never a new writer with the old context */
    KiConsoleContext = Context;
    KiConsoleWriter = Writer;
}

/* One DbgPrint call's bytes on their way out. */
typedef struct _CONSOLE_BUFFER {
    char Text[CONSOLE_CHUNK];
    SIZE_T Length;
} CONSOLE_BUFFER;

static void WritePolled(PCSTR Text, SIZE_T Length)
{
    for (SIZE_T i = 0; i < Length; i++)
        HalSerialPutChar(Text[i]);
}

static void Flush(CONSOLE_BUFFER *Buffer)
{
    PKCONSOLE_WRITER Writer = KiConsoleWriter;

    if (Buffer->Length == 0)
        return;
    /* With interrupts off (a bug check, a trap handler) the driver's lock may
     * be held by a processor that will never let it go: poll. */
    BOOLEAN InterruptsOn = (__readeflags() & EFLAGS_IF) != 0;
    if (Writer == NULL || !InterruptsOn || !Writer(KiConsoleContext, Buffer->Text, Buffer->Length))
        WritePolled(Buffer->Text, Buffer->Length);
    Buffer->Length = 0;
}

static void Append(CONSOLE_BUFFER *Buffer, char C)
{
    if (Buffer->Length == sizeof(Buffer->Text))
        Flush(Buffer);
    Buffer->Text[Buffer->Length++] = C;
}

static void ConsoleSink(void *Context, char C)
{
    CONSOLE_BUFFER *Buffer = Context;

    if (C == '\n')
        Append(Buffer, '\r');
    Append(Buffer, C);
}

ULONG vDbgPrint(PCSTR Format, va_list Args)
{
    CONSOLE_BUFFER Buffer;

    Buffer.Length = 0;
    RtlFormatV(ConsoleSink, &Buffer, Format, Args);
    Flush(&Buffer);
    return STATUS_SUCCESS;
}

ULONG DbgPrint(PCSTR Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    vDbgPrint(Format, Args);
    va_end(Args);
    return STATUS_SUCCESS;
}
