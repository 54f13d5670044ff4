/*
 * devqueue.c - device queues (KDEVICE_QUEUE): the queue IoStartPacket puts
 * IRPs in while the device is busy.
 *
 * These are Ke routines in NT (a device queue is a kernel object, usable by
 * drivers for queues of their own); they live here, beside their one user in
 * this kernel, until kernel/ke adopts them.
 *
 * The queue's trick is its Busy flag. An insert into an idle queue queues
 * nothing: it marks the queue busy and returns FALSE, "start this one
 * yourself". A remove from an empty queue marks it idle again. So "is the
 * device busy?" and "queue it" are one atomic step under the queue's lock,
 * and no IRP can slip in between a device going idle and a new one arriving.
 */
#include "iop.h"

VOID KeInitializeDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    DeviceQueue->Type = 0x14; /* NT's DeviceQueueObject */
    DeviceQueue->Size = (CSHORT)sizeof(KDEVICE_QUEUE);
    InitializeListHead(&DeviceQueue->DeviceListHead);
    KeInitializeSpinLock(&DeviceQueue->Lock);
    DeviceQueue->Busy = FALSE;
}

/* With the lock held: FALSE (and busy now) when the queue was idle. */
static BOOLEAN InsertLocked(PKDEVICE_QUEUE Queue, PKDEVICE_QUEUE_ENTRY Entry, PLIST_ENTRY Before)
{
    if (!Queue->Busy) {
        Queue->Busy = TRUE;
        Entry->Inserted = FALSE;
        return FALSE;
    }
    InsertTailList(Before, &Entry->DeviceListEntry); /* i.e. just before Before */
    Entry->Inserted = TRUE;
    return TRUE;
}

BOOLEAN KeInsertDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    BOOLEAN Inserted = InsertLocked(DeviceQueue, DeviceQueueEntry, &DeviceQueue->DeviceListHead);
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Inserted;
}

BOOLEAN KeInsertByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry, ULONG SortKey)
{
    DeviceQueueEntry->SortKey = SortKey;
    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    /* Ascending keys; equal keys keep their arrival order. */
    PLIST_ENTRY Before = DeviceQueue->DeviceListHead.Flink;
    while (Before != &DeviceQueue->DeviceListHead &&
           CONTAINING_RECORD(Before, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey <= SortKey)
        Before = Before->Flink;
    BOOLEAN Inserted = InsertLocked(DeviceQueue, DeviceQueueEntry, Before);
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Inserted;
}

PKDEVICE_QUEUE_ENTRY KeRemoveDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    PKDEVICE_QUEUE_ENTRY Entry = NULL;

    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    if (IsListEmpty(&DeviceQueue->DeviceListHead)) {
        DeviceQueue->Busy = FALSE;
    } else {
        Entry = CONTAINING_RECORD(RemoveHeadList(&DeviceQueue->DeviceListHead), KDEVICE_QUEUE_ENTRY,
                                  DeviceListEntry);
        Entry->Inserted = FALSE;
    }
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

/* The first entry whose key is at least SortKey; when there is none, the
 * first entry of all. A disk driver that queues by sector (IoStartPacket
 * with a Key) and removes by the sector it has just finished sweeps the disk
 * in one direction, then starts again from the lowest: the elevator. */
PKDEVICE_QUEUE_ENTRY KeRemoveByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    PKDEVICE_QUEUE_ENTRY Entry = NULL;

    KeAcquireSpinLockAtDpcLevel(&DeviceQueue->Lock);
    if (IsListEmpty(&DeviceQueue->DeviceListHead)) {
        DeviceQueue->Busy = FALSE;
    } else {
        PLIST_ENTRY Link = DeviceQueue->DeviceListHead.Flink;
        while (Link != &DeviceQueue->DeviceListHead &&
               CONTAINING_RECORD(Link, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey < SortKey)
            Link = Link->Flink;
        if (Link == &DeviceQueue->DeviceListHead)
            Link = DeviceQueue->DeviceListHead.Flink; /* wrap around to the lowest key */
        RemoveEntryList(Link);
        Entry = CONTAINING_RECORD(Link, KDEVICE_QUEUE_ENTRY, DeviceListEntry);
        Entry->Inserted = FALSE;
    }
    KeReleaseSpinLockFromDpcLevel(&DeviceQueue->Lock);
    return Entry;
}

BOOLEAN KeRemoveEntryDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(&DeviceQueue->Lock, &OldIrql);
    BOOLEAN WasInserted = DeviceQueueEntry->Inserted;
    if (WasInserted) {
        RemoveEntryList(&DeviceQueueEntry->DeviceListEntry);
        DeviceQueueEntry->Inserted = FALSE;
    }
    KeReleaseSpinLock(&DeviceQueue->Lock, OldIrql);
    return WasInserted;
}
