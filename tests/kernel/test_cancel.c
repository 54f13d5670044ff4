/*
 * test_cancel.c - cancelling racing completion, on every processor.
 *
 * Whatever the interleaving, every IRP must be completed exactly once, with
 * STATUS_CANCELLED or with success. Two owners are raced: a cancel-safe
 * queue (csq.c) and the RAM disk's StartIo queue with its own cancel routine
 * (drivers/ramdisk). No test depends on timing: each waits for an outcome,
 * with a generous bound, and then checks it.
 */
#include "csq_helpers.h"
#include "ramdisk_helpers.h"

#define CANCEL_THREADS 4
#define CANCEL_IRPS_PER_THREAD 2500 /* 10,000 in all */

/* ---- a cancel-safe queue, raced from four threads ------------------------ */

typedef struct _RACER {
    PDEVICE_OBJECT Device;
    ULONG Index;
    ULONG Succeeded, Cancelled, Wrong; /* Wrong: not completed exactly once, or an odd status */
} RACER;

/* What the device does: finish whichever request is first in the queue. */
static BOOLEAN CompleteOne(PDEVICE_OBJECT Device)
{
    PIRP Irp = IoCsqRemoveNextIrp(&((PCSQ_DEVICE)Device->DeviceExtension)->Csq, NULL);
    if (Irp == NULL)
        return FALSE;
    CsqTestComplete(Irp);
    return TRUE;
}

/* Until Request completes: complete queued requests (any thread's). */
static BOOLEAN AwaitCompletion(PDEVICE_OBJECT Device, CSQ_REQUEST *Request)
{
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;

    while (__atomic_load_n(&Request->Completions, __ATOMIC_SEQ_CST) == 0) {
        if (KeQueryInterruptTime() > Until)
            return FALSE;
        if (!CompleteOne(Device))
            KiYieldThread(); /* ours is being cancelled, or completed, elsewhere */
    }
    return TRUE;
}

static VOID Tally(RACER *Racer, CSQ_REQUEST *Request)
{
    if (Request->Completions != 1)
        Racer->Wrong++;
    else if (Request->Status == STATUS_SUCCESS)
        Racer->Succeeded++;
    else if (Request->Status == STATUS_CANCELLED)
        Racer->Cancelled++;
    else
        Racer->Wrong++;
}

/* Each round: queue a request, then either cancel it or complete the head
 * of the queue (often another thread's request, which that thread may be
 * cancelling at this very moment). */
static VOID CsqRacer(PVOID Context)
{
    RACER *Racer = Context;
    CSQ_REQUEST Request;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << (Racer->Index % KeNumberProcessors));
    for (ULONG Round = 0; Round < CANCEL_IRPS_PER_THREAD; Round++) {
        PIRP Irp = CsqTestSend(Racer->Device, IRP_MJ_READ, NULL, &Request);
        if (Irp == NULL) {
            Racer->Wrong++;
            break;
        }
        if ((Round + Racer->Index) % 2 == 0)
            IoCancelIrp(Irp);
        else
            CompleteOne(Racer->Device);
        if (!AwaitCompletion(Racer->Device, &Request)) {
            Racer->Wrong++;
            break; /* leak the IRP rather than free one that may yet complete */
        }
        Tally(Racer, &Request);
        IoFreeIrp(Irp);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

KTEST(cancel, csq_cancel_races_completion_on_every_cpu)
{
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device = CsqTestLoad(&Driver);
    RACER Racers[CANCEL_THREADS];
    PKTHREAD Threads[CANCEL_THREADS];
    ULONG Succeeded = 0, Cancelled = 0, Wrong = 0;

    KT_ASSERT_NE(Device, NULL);
    for (ULONG i = 0; i < CANCEL_THREADS; i++) {
        Racers[i] = (RACER){.Device = Device, .Index = i};
        Threads[i] = KtStartThread(CsqRacer, &Racers[i]);
        KT_ASSERT_NE(Threads[i], NULL);
    }
    for (ULONG i = 0; i < CANCEL_THREADS; i++) {
        KT_EXPECT(KtJoin(Threads[i]));
        Succeeded += Racers[i].Succeeded;
        Cancelled += Racers[i].Cancelled;
        Wrong += Racers[i].Wrong;
    }
    KT_EXPECT_EQ(Wrong, 0);
    KT_EXPECT_EQ(Succeeded + Cancelled, CANCEL_THREADS * CANCEL_IRPS_PER_THREAD);
    KT_EXPECT_GT(Cancelled, 0);
    KT_EXPECT_GT(Succeeded, 0);
    KT_EXPECT(IsListEmpty(&((PCSQ_DEVICE)Device->DeviceExtension)->Queue));
    CsqTestUnload(Driver);
}

/* ---- the RAM disk's StartIo queue, cancelled from another CPU ------------ */

#define DISK_IRPS 64
#define DISK_TAG POOL_TAG('T', 'C', 'n', 'c')

typedef struct _DISK_BATCH {
    PIRP Irps[DISK_IRPS];
    CSQ_REQUEST Requests[DISK_IRPS];
    PUCHAR Buffer; /* one sector per IRP */
} DISK_BATCH;

/* A one-sector read, built by hand (its MDL freed by FreeRead). */
static PIRP SendRead(PDEVICE_OBJECT Top, PUCHAR Buffer, ULONG Sector, CSQ_REQUEST *Request)
{
    PIRP Irp = IoAllocateIrp(Top->StackSize, FALSE);
    if (Irp == NULL)
        return NULL;
    if (IoAllocateMdl(Buffer, RAMDISK_SECTOR_SIZE, FALSE, FALSE, Irp) == NULL) {
        IoFreeIrp(Irp);
        return NULL;
    }
    MmBuildMdlForNonPagedPool(Irp->MdlAddress);
    RtlZeroMemory(Request, sizeof(*Request));
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = IRP_MJ_READ;
    Next->Parameters.Read.Length = RAMDISK_SECTOR_SIZE;
    Next->Parameters.Read.ByteOffset.QuadPart = (LONGLONG)Sector * RAMDISK_SECTOR_SIZE;
    IoSetCompletionRoutine(Irp, CsqTestRecord, Request, TRUE, TRUE, TRUE);
    (VOID)IoCallDriver(Top, Irp);
    return Irp;
}

static VOID FreeRead(PIRP Irp)
{
    IoFreeMdl(Irp->MdlAddress);
    Irp->MdlAddress = NULL;
    IoFreeIrp(Irp);
}

/* Cancels the batch from the last IRP to the first, from another CPU. */
static VOID DiskCanceller(PVOID Context)
{
    DISK_BATCH *Batch = Context;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << (KeNumberProcessors - 1));
    for (LONG i = DISK_IRPS - 1; i >= 0; i--)
        IoCancelIrp(Batch->Irps[i]);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static BOOLEAN AwaitBatch(DISK_BATCH *Batch)
{
    ULONGLONG Until = KeQueryInterruptTime() + KT_PATIENCE;

    for (ULONG i = 0; i < DISK_IRPS; i++) {
        while (__atomic_load_n(&Batch->Requests[i].Completions, __ATOMIC_SEQ_CST) == 0) {
            if (KeQueryInterruptTime() > Until)
                return FALSE;
            KtSleep(1);
        }
    }
    return TRUE;
}

KTEST(cancel, ramdisk_cancel_races_startio)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    DISK_BATCH *Batch = ExAllocatePool2(POOL_FLAG_NON_PAGED, sizeof(DISK_BATCH), DISK_TAG);
    ULONG Succeeded = 0, Cancelled = 0;

    KT_ASSERT_NE(Top, NULL);
    KT_ASSERT_NE(Batch, NULL);
    Batch->Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, DISK_IRPS * RAMDISK_SECTOR_SIZE, DISK_TAG);
    KT_ASSERT_NE(Batch->Buffer, NULL);
    for (ULONG i = 0; i < DISK_IRPS; i++) {
        Batch->Irps[i] = SendRead(Top, Batch->Buffer + i * RAMDISK_SECTOR_SIZE, i, &Batch->Requests[i]);
        KT_ASSERT_NE(Batch->Irps[i], NULL);
    }
    PKTHREAD Canceller = KtStartThread(DiskCanceller, Batch);
    KT_ASSERT_NE(Canceller, NULL);
    KT_EXPECT(KtJoin(Canceller));
    KT_ASSERT(AwaitBatch(Batch)); /* on failure, leak rather than free IRPs in flight */

    for (ULONG i = 0; i < DISK_IRPS; i++) {
        KT_EXPECT_EQ(Batch->Requests[i].Completions, 1);
        if (Batch->Requests[i].Status == STATUS_SUCCESS)
            Succeeded++;
        else if (Batch->Requests[i].Status == STATUS_CANCELLED)
            Cancelled++;
        FreeRead(Batch->Irps[i]);
    }
    KT_EXPECT_EQ(Succeeded + Cancelled, DISK_IRPS);
    KT_EXPECT_EQ(Top->DeviceObjectExtension->AttachedTo->CurrentIrp, NULL); /* the disk went idle */
    ExFreePoolWithTag(Batch->Buffer, DISK_TAG);
    ExFreePoolWithTag(Batch, DISK_TAG);
    ObDereferenceObject(File);
}
