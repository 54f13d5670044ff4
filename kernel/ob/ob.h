/*
 * ob.h - the object manager, in miniature: reference-counted kernel objects
 * and a handle table (docs/dispatcher.md, "Thread handles").
 *
 * An object lives as long as someone refers to it. Each pointer a component
 * keeps counts one reference (ObReferenceObject / ObDereferenceObject), and
 * each handle counts one too. When the count reaches zero, the object's type
 * deletes it. A handle is a small number standing for an object, given out
 * by ObReferenceObjectByHandle's counterpart (PsCreateSystemThread here) and
 * given back with ZwClose.
 *
 * ntmini's Ob is deliberately minimal: one handle table for the whole kernel
 * (there are no processes), no names, no security, no access checks
 * (DesiredAccess is accepted and ignored), and the only object type is the
 * thread.
 */
#ifndef OB_OB_H
#define OB_OB_H

#include "ntdef.h"
#include "ke/dispatcher.h"

typedef struct _OBJECT_TYPE {
    PCSTR Name;
    ULONG PoolTag;
    VOID (*DeleteProcedure)(PVOID Object); /* the count reached zero; the memory is freed after */
} OBJECT_TYPE, *POBJECT_TYPE;

typedef struct _OBJECT_HANDLE_INFORMATION {
    ULONG HandleAttributes;
    ACCESS_MASK GrantedAccess;
} OBJECT_HANDLE_INFORMATION, *POBJECT_HANDLE_INFORMATION;

/* Adds a reference to an object the caller already holds one to. */
LONG_PTR ObfReferenceObject(PVOID Object);
#define ObReferenceObject(Object) ObfReferenceObject(Object)
/* Drops one; the last one deletes the object. IRQL <= DISPATCH_LEVEL. */
LONG_PTR ObfDereferenceObject(PVOID Object);
#define ObDereferenceObject(Object) ObfDereferenceObject(Object)

/* The object behind Handle, with a new reference the caller must drop with
 * ObDereferenceObject. STATUS_INVALID_HANDLE, or STATUS_OBJECT_TYPE_MISMATCH
 * when ObjectType is not NULL and is not the object's. PASSIVE_LEVEL. */
NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                   KPROCESSOR_MODE AccessMode, PVOID *Object,
                                   POBJECT_HANDLE_INFORMATION HandleInformation);
/* Closes Handle: its reference goes. PASSIVE_LEVEL. */
NTSTATUS ZwClose(HANDLE Handle);

/* ---- for the kernel: making objects and handles ---- */

/* A new zeroed object of Type with BodySize bytes, holding one reference
 * (the caller's). NULL when out of memory. */
PVOID ObpCreateObject(POBJECT_TYPE Type, SIZE_T BodySize);
/* A handle for Object; the handle takes over one of the caller's references. */
NTSTATUS ObpCreateHandle(PVOID Object, PHANDLE Handle);
/* The type an object was created with. */
POBJECT_TYPE ObpObjectType(PVOID Object);
/* The number of references to Object now (tests and debuggers). */
LONG_PTR ObpPointerCount(PVOID Object);

#endif /* OB_OB_H */
