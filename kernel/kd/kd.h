/*
 * kd.h - the kernel shell, `kd>`, for the rest of the kernel.
 *
 * NT's kernel debugger (Kd, in ntoskrnl's kd folder) talks to a debugger on
 * another machine over a serial line. ntmini's is smaller: a shell on COM1,
 * reading lines through the serial driver with IRP_MJ_READ like any client
 * of \Device\Serial0, and answering with DbgPrint. docs/serial.md.
 */
#ifndef KD_H
#define KD_H

#include "ntdef.h"

/* Runs the shell in the calling system thread, at PASSIVE_LEVEL. Returns
 * only if \Device\Serial0 cannot be opened. */
VOID KdRunShell(VOID);

#endif /* KD_H */
