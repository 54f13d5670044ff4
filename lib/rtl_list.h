/*
 * rtl_list.h - NT's intrusive lists. A LIST_ENTRY lives inside the structure
 * it links; CONTAINING_RECORD gets back to the structure. The head is a
 * LIST_ENTRY of its own: empty when it points to itself, so no operation needs
 * a NULL check. These are inline in NT too (they are macros in wdm.h).
 */
#ifndef RTL_LIST_H
#define RTL_LIST_H

#include "ntdef.h"

static inline VOID InitializeListHead(PLIST_ENTRY Head)
{
    Head->Flink = Head->Blink = Head;
}

static inline BOOLEAN IsListEmpty(const LIST_ENTRY *Head)
{
    return Head->Flink == Head;
}

/* Unlinks Entry; returns TRUE when the list it was on is now empty. */
static inline BOOLEAN RemoveEntryList(PLIST_ENTRY Entry)
{
    PLIST_ENTRY Next = Entry->Flink, Prev = Entry->Blink;
    Prev->Flink = Next;
    Next->Blink = Prev;
    return Next == Prev;
}

static inline PLIST_ENTRY RemoveHeadList(PLIST_ENTRY Head)
{
    PLIST_ENTRY Entry = Head->Flink;
    RemoveEntryList(Entry);
    return Entry;
}

static inline PLIST_ENTRY RemoveTailList(PLIST_ENTRY Head)
{
    PLIST_ENTRY Entry = Head->Blink;
    RemoveEntryList(Entry);
    return Entry;
}

static inline VOID InsertTailList(PLIST_ENTRY Head, PLIST_ENTRY Entry)
{
    PLIST_ENTRY Last = Head->Blink;
    Entry->Flink = Head;
    Entry->Blink = Last;
    Last->Flink = Entry;
    Head->Blink = Entry;
}

static inline VOID InsertHeadList(PLIST_ENTRY Head, PLIST_ENTRY Entry)
{
    PLIST_ENTRY First = Head->Flink;
    Entry->Flink = First;
    Entry->Blink = Head;
    First->Blink = Entry;
    Head->Flink = Entry;
}

/* Moves every entry of ListToAppend to the tail of Head; ListToAppend is
 * a headless chain here, as in NT: its first entry is inserted too. */
static inline VOID AppendTailList(PLIST_ENTRY Head, PLIST_ENTRY ListToAppend)
{
    PLIST_ENTRY End = Head->Blink;
    Head->Blink->Flink = ListToAppend;
    Head->Blink = ListToAppend->Blink;
    ListToAppend->Blink->Flink = Head;
    ListToAppend->Blink = End;
}

/* Singly linked lists: a stack (push and pop at the head). */
static inline VOID PushEntryList(PSINGLE_LIST_ENTRY Head, PSINGLE_LIST_ENTRY Entry)
{
    Entry->Next = Head->Next;
    Head->Next = Entry;
}

static inline PSINGLE_LIST_ENTRY PopEntryList(PSINGLE_LIST_ENTRY Head)
{
    PSINGLE_LIST_ENTRY First = Head->Next;
    if (First != NULL)
        Head->Next = First->Next;
    return First;
}

#endif /* RTL_LIST_H */
