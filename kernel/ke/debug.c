/*
 * debug.c - DbgPrint: formatted output to the kernel console (COM1).
 *
 * A '\n' goes out as "\r\n" so that terminals and logs show clean lines.
 */
#include "ke.h"
#include "rtl.h"
#include "hal/hal.h"

static void ConsoleSink(void *Context, char C)
{
    UNREFERENCED_PARAMETER(Context);
    if (C == '\n')
        HalSerialPutChar('\r');
    HalSerialPutChar(C);
}

ULONG vDbgPrint(PCSTR Format, va_list Args)
{
    RtlFormatV(ConsoleSink, NULL, Format, Args);
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
