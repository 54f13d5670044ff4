/*
 * handle.c - the kernel's handle table.
 *
 * A handle is an index into this table, made to look like NT's: a multiple
 * of 4 (the low two bits are for flags in NT), never 0, which is NULL. Each
 * entry holds one reference to its object. One table for the whole kernel,
 * with a fixed size, guarded by a spin lock: NT has one table per process,
 * and kernel handles live in the System process's table.
 */
#include "ob.h"
#include "ke/spinlock.h"

#define OBP_HANDLE_COUNT 256

static PVOID ObpHandleTable[OBP_HANDLE_COUNT];
static KSPIN_LOCK ObpHandleLock;

static HANDLE HandleFromIndex(ULONG Index)
{
    return (HANDLE)(ULONG_PTR)((Index + 1) * 4);
}

/* The table index of Handle, or -1 when it cannot be one. */
static LONG IndexFromHandle(HANDLE Handle)
{
    ULONG_PTR Value = (ULONG_PTR)Handle;

    if (Value == 0 || Value % 4 != 0 || Value / 4 > OBP_HANDLE_COUNT)
        return -1;
    return (LONG)(Value / 4 - 1);
}

NTSTATUS ObpCreateHandle(PVOID Object, PHANDLE Handle)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&ObpHandleLock, &OldIrql);
    for (ULONG i = 0; i < OBP_HANDLE_COUNT; i++) {
        if (ObpHandleTable[i] == NULL) {
            ObpHandleTable[i] = Object;
            KeReleaseSpinLock(&ObpHandleLock, OldIrql);
            *Handle = HandleFromIndex(i);
            return STATUS_SUCCESS;
        }
    }
    KeReleaseSpinLock(&ObpHandleLock, OldIrql);
    return STATUS_INSUFFICIENT_RESOURCES;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                   KPROCESSOR_MODE AccessMode, PVOID *Object,
                                   POBJECT_HANDLE_INFORMATION HandleInformation)
{
    LONG Index = IndexFromHandle(Handle);
    KIRQL OldIrql;

    UNREFERENCED_PARAMETER(AccessMode);
    if (Index < 0)
        return STATUS_INVALID_HANDLE;
    KeAcquireSpinLock(&ObpHandleLock, &OldIrql);
    PVOID Found = ObpHandleTable[Index];
    NTSTATUS Status = STATUS_SUCCESS;
    if (Found == NULL)
        Status = STATUS_INVALID_HANDLE;
    else if (ObjectType != NULL && ObpObjectType(Found) != ObjectType)
        Status = STATUS_OBJECT_TYPE_MISMATCH;
    else
        ObReferenceObject(Found); /* under the lock: a ZwClose cannot free it first */
    KeReleaseSpinLock(&ObpHandleLock, OldIrql);
    if (!NT_SUCCESS(Status))
        return Status;
    *Object = Found;
    if (HandleInformation != NULL) {
        HandleInformation->HandleAttributes = 0;
        HandleInformation->GrantedAccess = DesiredAccess;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ZwClose(HANDLE Handle)
{
    LONG Index = IndexFromHandle(Handle);
    KIRQL OldIrql;

    if (Index < 0)
        return STATUS_INVALID_HANDLE;
    KeAcquireSpinLock(&ObpHandleLock, &OldIrql);
    PVOID Object = ObpHandleTable[Index];
    ObpHandleTable[Index] = NULL;
    KeReleaseSpinLock(&ObpHandleLock, OldIrql);
    if (Object == NULL)
        return STATUS_INVALID_HANDLE;
    ObDereferenceObject(Object);
    return STATUS_SUCCESS;
}
