/*
 * kdp.h - what the kernel shell's files share.
 *
 *   shell.c      the loop: prompt, read a line, run it
 *   line.c       reading and editing a line from \Device\Serial0
 *   table.c      the command table: splitting a line, finding its command
 *   cmdsystem.c  irql, cpus, dpcs, pool: the kernel's state
 *   cmdio.c      devices, irps, read: the I/O manager's
 *   cmdrun.c     echo, test, bench, poweroff
 *   cmdpci.c     pci: the PCI device table
 */
#ifndef KDP_H
#define KDP_H

#include "kd.h"
#include "io/iop.h"

#define KD_LINE_SIZE 256 /* the longest line, with its terminating zero */
#define KD_MAX_ARGUMENTS 8

/* ---- input (line.c) ---- */

typedef struct _KD_INPUT {
    PFILE_OBJECT File; /* the reference IoGetDeviceObjectPointer took */
    PDEVICE_OBJECT Device;
    CHAR Bytes[64]; /* what the last read returned ... */
    ULONG Count;    /* ... how many ... */
    ULONG Next;     /* ... and the next one to use */
    BOOLEAN AfterCr; /* the last line ended with CR: skip a LF after it */
} KD_INPUT;

NTSTATUS KdOpenInput(KD_INPUT *Input);
/* Reads one line, echoing it, with Backspace and Ctrl-U. FALSE if the
 * device failed. */
BOOLEAN KdReadLine(KD_INPUT *Input, PCHAR Line, ULONG Size);

/* ---- commands (table.c) ---- */

/* A command's routine: Argv[0] is the command's name. FALSE means the
 * arguments were wrong: the shell prints the usage line. */
typedef BOOLEAN KD_COMMAND_ROUTINE(ULONG Argc, PCSTR *Argv);

typedef struct _KD_COMMAND {
    PCSTR Name;
    PCSTR Arguments; /* for the usage line */
    PCSTR Help;
    KD_COMMAND_ROUTINE *Routine;
} KD_COMMAND;

VOID KdExecuteLine(PCHAR Line);

KD_COMMAND_ROUTINE KdCmdHelp;
KD_COMMAND_ROUTINE KdCmdIrql;
KD_COMMAND_ROUTINE KdCmdCpus;
KD_COMMAND_ROUTINE KdCmdDpcs;
KD_COMMAND_ROUTINE KdCmdPool;
KD_COMMAND_ROUTINE KdCmdDevices;
KD_COMMAND_ROUTINE KdCmdIrps;
KD_COMMAND_ROUTINE KdCmdRead;
KD_COMMAND_ROUTINE KdCmdDisks;

/* For commands that talk to devices (cmdio.c): open one by name, and send
 * an IRP built with Event and Iosb and wait for it. */
NTSTATUS KdOpenDevice(PCSTR DeviceName, PFILE_OBJECT *File, PDEVICE_OBJECT *Device);
NTSTATUS KdCallAndWait(PDEVICE_OBJECT Device, PIRP Irp, PKEVENT Event, PIO_STATUS_BLOCK Iosb);

/* The disks, and sector 0 of the first, before the first prompt (cmddisk.c). */
VOID KdShowDisks(VOID);
KD_COMMAND_ROUTINE KdCmdPci;
KD_COMMAND_ROUTINE KdCmdEcho;
KD_COMMAND_ROUTINE KdCmdTest;
KD_COMMAND_ROUTINE KdCmdBench;
KD_COMMAND_ROUTINE KdCmdPoweroff;

#endif /* KDP_H */
