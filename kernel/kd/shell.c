/*
 * shell.c - the kernel shell's loop: print `kd> `, read a line, run it.
 *
 * It runs in a system thread at PASSIVE_LEVEL, so a command may wait, start
 * threads and send IRPs, as any driver's thread would. While it waits for a
 * line, the thread sleeps in KeWaitForSingleObject on its read IRP's event:
 * the processors idle until the serial ISR's DpcForIsr completes the read.
 */
#include "kdp.h"

VOID KdRunShell(VOID)
{
    static CHAR Line[KD_LINE_SIZE];
    KD_INPUT Input;

    NTSTATUS Status = KdOpenInput(&Input);
    if (!NT_SUCCESS(Status)) {
        DbgPrint("kd: no shell: \\Device\\Serial0 cannot be opened (status 0x%08x)\n", (ULONG)Status);
        return;
    }
    KdShowDisks();
    DbgPrint("ntmini kernel shell: type `help` for the commands\n");
    for (;;) {
        DbgPrint("kd> ");
        if (!KdReadLine(&Input, Line, sizeof(Line))) {
            DbgPrint("kd: reading \\Device\\Serial0 failed; the shell stops\n");
            ObDereferenceObject(Input.File);
            return;
        }
        KdExecuteLine(Line);
    }
}
