/*
 * test_disk_cancel.c - IoCancelIrp on requests waiting in the AHCI driver's
 * queue (its cancel-safe queue, drivers/ahci/queue.c).
 *
 * The test holds the disk's completions back so that it knows which
 * requests wait: it runs on processor 0, which takes the controller's
 * interrupt (MSI and INTx both go to processor 0 for now), at
 * DISPATCH_LEVEL, where the driver's CustomDpc cannot run on that processor.
 * So of 2 * 32 reads sent at once, the first ones fill the disk's slots and
 * stay there, and every read after the 32nd waits in the queue. Cancelling
 * the last 32 must complete each of them once with STATUS_CANCELLED and no
 * data; lowering the IRQL then lets the others finish with the right data.
 *
 * The IRPs are the test's own (IoBuildAsynchronousFsdRequest, a completion
 * routine that takes them back with STATUS_MORE_PROCESSING_REQUIRED), so a
 * cancel that comes too late finds an IRP still allocated, and the test can
 * count how often each one completed.
 */
#include "disk_helpers.h"
#include "ke/thread.h"

#define CANCEL_REQUESTS 64
#define CANCEL_KEPT 32 /* the first ones: never cancelled */
#define CANCEL_BYTES 4096

typedef struct _CANCEL_REQUEST {
    PIRP Irp;
    PUCHAR Buffer;
    ULONG64 Offset;
    IO_STATUS_BLOCK Iosb;
    volatile LONG Completions;
} CANCEL_REQUEST;

typedef struct _CANCEL_RUN {
    CANCEL_REQUEST Requests[CANCEL_REQUESTS];
} CANCEL_RUN;

static IO_COMPLETION_ROUTINE CancelCompletion;

_Use_decl_annotations_
static NTSTATUS CancelCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    CANCEL_REQUEST *Request = Context;

    UNREFERENCED_PARAMETER(DeviceObject);
    Request->Iosb = Irp->IoStatus;
    InterlockedIncrement(&Request->Completions);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is the test's again */
}

static BOOLEAN Prepare(DK_DISK *Disk, CANCEL_RUN *Run)
{
    for (ULONG i = 0; i < CANCEL_REQUESTS; i++) {
        CANCEL_REQUEST *Request = &Run->Requests[i];
        LARGE_INTEGER Start;
        Request->Offset = (ULONG64)i * CANCEL_BYTES * 3; /* spread out, inside the read-only area */
        Start.QuadPart = (LONGLONG)Request->Offset;
        Request->Buffer = DkAllocate(CANCEL_BYTES, 0);
        if (Request->Buffer == NULL)
            return FALSE;
        Request->Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, Disk->Top, Request->Buffer, CANCEL_BYTES, &Start,
                                                     NULL);
        if (Request->Irp == NULL)
            return FALSE;
        IoSetCompletionRoutine(Request->Irp, CancelCompletion, Request, TRUE, TRUE, TRUE);
    }
    return TRUE;
}

static VOID Release(CANCEL_RUN *Run)
{
    for (ULONG i = 0; i < CANCEL_REQUESTS; i++) {
        CANCEL_REQUEST *Request = &Run->Requests[i];
        if (Request->Irp != NULL) {
            if (Request->Irp->MdlAddress != NULL)
                IoFreeMdl(Request->Irp->MdlAddress);
            IoFreeIrp(Request->Irp);
        }
        if (Request->Buffer != NULL)
            DkFree(Request->Buffer, 0);
    }
}

/* Sends every request, then cancels the last ones, all at DISPATCH_LEVEL on
 * processor 0. Returns how many cancels found the IRP still cancelable. */
static ULONG SendAndCancel(DK_DISK *Disk, CANCEL_RUN *Run)
{
    ULONG Cancelled = 0;
    KIRQL OldIrql = KfRaiseIrql(DISPATCH_LEVEL);

    for (ULONG i = 0; i < CANCEL_REQUESTS; i++)
        IoCallDriver(Disk->Top, Run->Requests[i].Irp);
    for (ULONG i = CANCEL_KEPT; i < CANCEL_REQUESTS; i++)
        Cancelled += IoCancelIrp(Run->Requests[i].Irp) ? 1 : 0;
    KfLowerIrql(OldIrql);
    return Cancelled;
}

/* Waits until every request has completed (a minute at most). */
static BOOLEAN AllCompleted(CANCEL_RUN *Run)
{
    for (ULONG Waited = 0; Waited < 60000; Waited += 10) {
        ULONG Done = 0;
        for (ULONG i = 0; i < CANCEL_REQUESTS; i++)
            Done += Run->Requests[i].Completions != 0 ? 1 : 0;
        if (Done == CANCEL_REQUESTS)
            return TRUE;
        LARGE_INTEGER Interval = {.QuadPart = -KT_MS(10)};
        KeDelayExecutionThread(KernelMode, FALSE, &Interval);
    }
    return FALSE;
}

KTEST(disk, queued_requests_cancel)
{
    DK_DISK Disk;
    ULONG64 Seed = 0;
    CANCEL_RUN *Run;

    if (!DkOpenForTest(Kt, 0, TRUE, &Disk))
        return;
    DkPatternSeed(0, &Seed);
    Run = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(*Run), DK_TAG);
    KT_ASSERT(Run != NULL);
    KAFFINITY OldAffinity = KeSetSystemAffinityThreadEx(1); /* processor 0 takes the interrupt */
    if (KT_EXPECT(Prepare(&Disk, Run))) {
        ULONG Cancelled = SendAndCancel(&Disk, Run);
        KT_EXPECT(AllCompleted(Run));
        KT_EXPECT_EQ(Cancelled, CANCEL_REQUESTS - CANCEL_KEPT);
        for (ULONG i = 0; i < CANCEL_REQUESTS; i++) {
            CANCEL_REQUEST *Request = &Run->Requests[i];
            KT_EXPECT_EQ(Request->Completions, 1); /* exactly once */
            if (i >= CANCEL_KEPT) {
                KT_EXPECT_EQ(Request->Iosb.Status, STATUS_CANCELLED);
                KT_EXPECT_EQ(Request->Iosb.Information, 0);
            } else {
                KT_EXPECT_EQ(Request->Iosb.Status, STATUS_SUCCESS);
                KT_EXPECT_EQ(Request->Iosb.Information, CANCEL_BYTES);
                KT_EXPECT_EQ(RtlCheckPattern(Seed, Request->Offset, Request->Buffer, CANCEL_BYTES), -1);
            }
        }
    }
    KeRevertToUserAffinityThreadEx(OldAffinity);
    Release(Run);
    ExFreePoolWithTag(Run, DK_TAG);
    /* The disk still works after the cancels. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, 0, 64 * 1024, 0), STATUS_SUCCESS);
    DkClose(&Disk);
}
