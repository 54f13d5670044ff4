/*
 * ps.h - system threads, as WDM drivers create them (docs/dispatcher.md).
 *
 *   HANDLE Handle;
 *   PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Worker, Context);
 *   ...
 *   PKTHREAD Thread;
 *   ObReferenceObjectByHandle(Handle, SYNCHRONIZE, *PsThreadType, KernelMode, (PVOID *)&Thread, NULL);
 *   ZwClose(Handle);
 *   KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL);   -- it has ended
 *   ObDereferenceObject(Thread);
 *
 * The thread object is the KTHREAD itself (Windows wraps it in an ETHREAD,
 * which only adds executive fields). It is an Ob object: the handle holds
 * one reference and the running thread another, dropped once it has ended
 * and its stack is freed; the last reference frees it.
 */
#ifndef PS_PS_H
#define PS_PS_H

#include "ke/thread.h"
#include "ob/ob.h"

#define SYNCHRONIZE 0x00100000
#define THREAD_ALL_ACCESS 0x001FFFFF

typedef struct _CLIENT_ID {
    HANDLE UniqueProcess;
    HANDLE UniqueThread;
} CLIENT_ID, *PCLIENT_ID;

extern POBJECT_TYPE PsThreadType;

/* Creates a thread that runs StartRoutine(StartContext) at PASSIVE_LEVEL,
 * priority 8, and returns a handle to it. ObjectAttributes is ignored;
 * ProcessHandle must be NULL (there are only system threads); ClientId, if
 * not NULL, is a PCLIENT_ID that receives the thread's ID. PASSIVE_LEVEL. */
NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, PVOID ObjectAttributes, HANDLE ProcessHandle,
                              PVOID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext);
/* Ends the calling system thread; ExitStatus is kept in the thread. */
__attribute__((noreturn)) NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus);

#endif /* PS_PS_H */
