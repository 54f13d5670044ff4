/*
 * console.c - the loader's messages.
 *
 * Print writes to the firmware's console output (ConOut). OVMF's console
 * splitter sends ConOut to every console it knows, the screen and the serial
 * terminal alike, so a message appears on both: a student at the QEMU window
 * and a test reading -serial stdio see the same lines. Each message starts with
 * "ntmini-efi:" so the loader's lines stand out among the firmware's.
 *
 * These work only while boot services run; after ExitBootServices the loader
 * says nothing more (handoff.c has the one exception).
 */
#include "loader.h"

static void Message(const CHAR16 *Prefix, const CHAR16 *Format, va_list Args)
{
    Print(L"ntmini-efi: %s", Prefix);
    VPrint(Format, Args);
    Print(L"\r\n");
}

void LoaderInfo(const CHAR16 *Format, ...)
{
    va_list Args;

    va_start(Args, Format);
    Message(L"", Format, Args);
    va_end(Args);
}

/* Errors say what was wrong and that the kernel will not be started. */
void LoaderError(const CHAR16 *Format, ...)
{
    va_list Args;

    va_start(Args, Format);
    Message(L"error: ", Format, Args);
    va_end(Args);
}
