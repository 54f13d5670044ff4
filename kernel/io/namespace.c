/*
 * namespace.c - the object namespace, in miniature: a list of names such as
 * \Device\IoTestDisk and \Driver\IoTestDisk, each naming one object.
 *
 * NT keeps a tree of directories managed by the object manager; drivers meet
 * it when they name a device (IoCreateDevice) and when they look one up
 * (IoGetDeviceObjectPointer). Until there is an object manager, one flat list
 * of full names does the same job. Names compare without regard to case, as
 * NT's do.
 */
#include "iop.h"

typedef struct _IOP_NAME_ENTRY {
    LIST_ENTRY Links;
    PCUNICODE_STRING Name; /* the object's own copy of its name */
    PVOID Object;
} IOP_NAME_ENTRY;

static LIST_ENTRY IopNames = {&IopNames, &IopNames};
static KSPIN_LOCK IopNamesLock;

static IOP_NAME_ENTRY *FindLocked(PCUNICODE_STRING Name)
{
    for (PLIST_ENTRY Link = IopNames.Flink; Link != &IopNames; Link = Link->Flink) {
        IOP_NAME_ENTRY *Entry = CONTAINING_RECORD(Link, IOP_NAME_ENTRY, Links);
        if (RtlEqualUnicodeString(Entry->Name, Name, TRUE))
            return Entry;
    }
    return NULL;
}

NTSTATUS IopInsertName(PCUNICODE_STRING Name, PVOID Object)
{
    if (Name->Length < sizeof(WCHAR) || Name->Buffer[0] != L'\\')
        return STATUS_OBJECT_NAME_INVALID;
    IOP_NAME_ENTRY *Entry = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*Entry), IOP_NAME_TAG);
    if (Entry == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Entry->Name = Name;
    Entry->Object = Object;

    KIRQL OldIrql;
    KeAcquireSpinLock(&IopNamesLock, &OldIrql);
    BOOLEAN Taken = FindLocked(Name) != NULL;
    if (!Taken)
        InsertTailList(&IopNames, &Entry->Links);
    KeReleaseSpinLock(&IopNamesLock, OldIrql);

    if (Taken) {
        ExFreePoolWithTag(Entry, IOP_NAME_TAG);
        return STATUS_OBJECT_NAME_COLLISION;
    }
    return STATUS_SUCCESS;
}

PVOID IopLookupName(PCUNICODE_STRING Name)
{
    KIRQL OldIrql;
    KeAcquireSpinLock(&IopNamesLock, &OldIrql);
    IOP_NAME_ENTRY *Entry = FindLocked(Name);
    PVOID Object = Entry != NULL ? Entry->Object : NULL;
    KeReleaseSpinLock(&IopNamesLock, OldIrql);
    return Object;
}

VOID IopRemoveName(PVOID Object)
{
    IOP_NAME_ENTRY *Found = NULL;
    KIRQL OldIrql;

    KeAcquireSpinLock(&IopNamesLock, &OldIrql);
    for (PLIST_ENTRY Link = IopNames.Flink; Link != &IopNames; Link = Link->Flink) {
        IOP_NAME_ENTRY *Entry = CONTAINING_RECORD(Link, IOP_NAME_ENTRY, Links);
        if (Entry->Object == Object) {
            RemoveEntryList(&Entry->Links);
            Found = Entry;
            break;
        }
    }
    KeReleaseSpinLock(&IopNamesLock, OldIrql);
    if (Found != NULL)
        ExFreePoolWithTag(Found, IOP_NAME_TAG);
}

/* Calls Visit for each name, in the order they were made, holding the
 * namespace lock (at DISPATCH_LEVEL): Visit must not create or look up
 * names. For the kernel shell's `devices`. */
VOID IopForEachName(PIOP_NAME_VISITOR Visit, PVOID Context)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&IopNamesLock, &OldIrql);
    for (PLIST_ENTRY Link = IopNames.Flink; Link != &IopNames; Link = Link->Flink) {
        IOP_NAME_ENTRY *Entry = CONTAINING_RECORD(Link, IOP_NAME_ENTRY, Links);
        Visit(Entry->Name, Entry->Object, Context);
    }
    KeReleaseSpinLock(&IopNamesLock, OldIrql);
}
