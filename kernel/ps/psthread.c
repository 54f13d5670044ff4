/*
 * psthread.c - PsCreateSystemThread and PsTerminateSystemThread: the Ke
 * thread (ke/thread.c), made an object with a handle.
 */
#include "ps.h"
#include "ex/ex.h"

static VOID PspDeleteThread(PVOID Object);

static OBJECT_TYPE PspThreadType = {"Thread", POOL_TAG('T', 'h', 'r', 'd'), PspDeleteThread};
POBJECT_TYPE PsThreadType = &PspThreadType;

/* The last reference is gone. */
static VOID PspDeleteThread(PVOID Object)
{
    KiDeleteThread(Object);
}

/* The thread ended and its stack is gone: the running thread's reference goes. */
static VOID PspReapThread(PKTHREAD Thread)
{
    ObDereferenceObject(Thread);
}

NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, PVOID ObjectAttributes, HANDLE ProcessHandle,
                              PVOID ClientId, PKSTART_ROUTINE StartRoutine, PVOID StartContext)
{
    UNREFERENCED_PARAMETER(DesiredAccess);
    UNREFERENCED_PARAMETER(ObjectAttributes);
    if (ProcessHandle != NULL)
        return STATUS_INVALID_PARAMETER;
    PKTHREAD Thread = ObpCreateObject(PsThreadType, sizeof(KTHREAD));
    if (Thread == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = KeInitializeThread(Thread, StartRoutine, StartContext, KI_SYSTEM_THREAD_PRIORITY);
    if (NT_SUCCESS(Status))
        Status = ObpCreateHandle(Thread, ThreadHandle); /* takes the creation reference */
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(Thread);
        return Status;
    }
    if (ClientId != NULL) {
        ((PCLIENT_ID)ClientId)->UniqueProcess = NULL;
        ((PCLIENT_ID)ClientId)->UniqueThread = (HANDLE)(ULONG_PTR)Thread->ThreadId;
    }
    Thread->ReapRoutine = PspReapThread;
    ObReferenceObject(Thread); /* the running thread's own, until it is reaped */
    KeStartThread(Thread);
    return STATUS_SUCCESS;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    KeTerminateThread(ExitStatus);
}
