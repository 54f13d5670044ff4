/*
 * dpcflush.c - KeFlushQueuedDpcs: wait until every DPC queued anywhere has run.
 *
 * A driver that is about to free the memory its DPC uses (unloading, say)
 * must be sure the DPC is not still queued or running on some processor.
 * KeFlushQueuedDpcs queues a marker DPC at the TAIL of each queue in turn
 * (every processor's ordinary and threaded queue) and waits until it has
 * run. A queue runs in order, so the marker runs after every DPC that was
 * ahead of it; queues visited later still hold everything queued when the
 * flush began ahead of their marker. The marker is MediumHighImportance, so
 * its processor is interrupted to drain at once.
 *
 * The caller waits at PASSIVE_LEVEL, so its own processor's marker, and any
 * DPC there, runs right away: the wait never blocks its own queue.
 */
#include "dpc.h"
#include "ke.h"
#include "prcb.h"
#include "hal/x86.h"

static VOID FlushMarker(PKDPC Dpc, PVOID DeferredContext, PVOID SystemArgument1, PVOID SystemArgument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(SystemArgument1);
    UNREFERENCED_PARAMETER(SystemArgument2);
    __atomic_store_n((volatile BOOLEAN *)DeferredContext, TRUE, __ATOMIC_RELEASE);
}

/* Queues the marker behind everything on one queue and waits for it. */
static VOID FlushQueue(ULONG Number, BOOLEAN Threaded)
{
    volatile BOOLEAN Ran = FALSE;
    KDPC Marker;

    if (Threaded)
        KeInitializeThreadedDpc(&Marker, FlushMarker, (PVOID)&Ran);
    else
        KeInitializeDpc(&Marker, FlushMarker, (PVOID)&Ran);
    KeSetImportanceDpc(&Marker, MediumHighImportance);
    KeSetTargetProcessorDpc(&Marker, (CCHAR)Number);
    KeInsertQueueDpc(&Marker, NULL, NULL);
    while (!__atomic_load_n(&Ran, __ATOMIC_ACQUIRE))
        _mm_pause();
}

VOID KeFlushQueuedDpcs(VOID)
{
    if (KeGetCurrentIrql() != PASSIVE_LEVEL)
        KiBugCheck(IRQL_NOT_LESS_OR_EQUAL, KeGetCurrentIrql(), PASSIVE_LEVEL, 0, 0, NULL,
                   "KeFlushQueuedDpcs at IRQL %u: it waits, so it must be called at PASSIVE_LEVEL", KeGetCurrentIrql());
    for (ULONG Number = 0; Number < KeNumberProcessors; Number++) {
        FlushQueue(Number, FALSE);
        if (KiProcessorBlock[Number]->ThreadedDpcData.DpcThread != NULL)
            FlushQueue(Number, TRUE);
    }
}
