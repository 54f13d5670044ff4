/*
 * test_csq.c - cancel-safe queues (kernel/io/csq.c), one path at a time:
 * insert and remove in order, remove by peek context and by IRP context,
 * cancel while queued, cancel before insertion. The races, on every CPU at
 * once, are in test_cancel.c.
 */
#include "csq_helpers.h"

KTEST(csq, removes_in_order_and_by_peek_context)
{
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device = CsqTestLoad(&Driver);
    CSQ_REQUEST Requests[3];
    PIRP Irps[3];
    UCHAR Write = IRP_MJ_WRITE;

    KT_ASSERT_NE(Device, NULL);
    PCSQ_DEVICE Csq = Device->DeviceExtension;
    Irps[0] = CsqTestSend(Device, IRP_MJ_READ, NULL, &Requests[0]);
    Irps[1] = CsqTestSend(Device, IRP_MJ_WRITE, NULL, &Requests[1]);
    Irps[2] = CsqTestSend(Device, IRP_MJ_READ, NULL, &Requests[2]);
    for (int i = 0; i < 3; i++) {
        KT_ASSERT_NE(Irps[i], NULL);
        KT_EXPECT_EQ(Requests[i].Completions, 0); /* queued */
    }
    KT_EXPECT_EQ(IoCsqRemoveNextIrp(&Csq->Csq, &Write), Irps[1]); /* the first write */
    KT_EXPECT_EQ(IoCsqRemoveNextIrp(&Csq->Csq, NULL), Irps[0]);   /* then in order */
    KT_EXPECT_EQ(IoCsqRemoveNextIrp(&Csq->Csq, NULL), Irps[2]);
    KT_EXPECT_EQ(IoCsqRemoveNextIrp(&Csq->Csq, NULL), NULL);
    for (int i = 0; i < 3; i++) {
        KT_EXPECT_EQ(Irps[i]->CancelRoutine, NULL); /* removed: no longer cancelable */
        KT_EXPECT(!IoCancelIrp(Irps[i]));
        CsqTestComplete(Irps[i]);
        KT_EXPECT_EQ(Requests[i].Completions, 1);
        KT_EXPECT_EQ(Requests[i].Status, STATUS_SUCCESS);
        IoFreeIrp(Irps[i]);
    }
    KT_EXPECT_EQ(Csq->Cancelled, 0);
    CsqTestUnload(Driver);
}

KTEST(csq, remove_irp_finds_it_by_context)
{
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device = CsqTestLoad(&Driver);
    IO_CSQ_IRP_CONTEXT Contexts[2];
    CSQ_REQUEST Requests[2];
    PIRP Irps[2];

    KT_ASSERT_NE(Device, NULL);
    PCSQ_DEVICE Csq = Device->DeviceExtension;
    for (int i = 0; i < 2; i++) {
        Irps[i] = CsqTestSend(Device, IRP_MJ_READ, &Contexts[i], &Requests[i]);
        KT_ASSERT_NE(Irps[i], NULL);
        KT_EXPECT_EQ(Contexts[i].Irp, Irps[i]);
        KT_EXPECT_EQ(Contexts[i].Type, IO_TYPE_CSQ_IRP_CONTEXT);
    }
    KT_EXPECT_EQ(IoCsqRemoveIrp(&Csq->Csq, &Contexts[1]), Irps[1]); /* not the head: by name */
    KT_EXPECT_EQ(Contexts[1].Irp, NULL);
    KT_EXPECT_EQ(IoCsqRemoveIrp(&Csq->Csq, &Contexts[1]), NULL); /* already out */
    CsqTestComplete(Irps[1]);

    KT_EXPECT(IoCancelIrp(Irps[0])); /* queued: the I/O manager's routine runs */
    KT_EXPECT_EQ(Requests[0].Completions, 1);
    KT_EXPECT_EQ(Requests[0].Status, STATUS_CANCELLED);
    KT_EXPECT_EQ(Contexts[0].Irp, NULL); /* the context no longer names it */
    KT_EXPECT_EQ(IoCsqRemoveIrp(&Csq->Csq, &Contexts[0]), NULL);
    KT_EXPECT_EQ(Csq->Cancelled, 1);
    KT_EXPECT(IsListEmpty(&Csq->Queue));
    for (int i = 0; i < 2; i++)
        IoFreeIrp(Irps[i]);
    CsqTestUnload(Driver);
}

KTEST(csq, cancel_takes_a_queued_irp_out)
{
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device = CsqTestLoad(&Driver);
    CSQ_REQUEST Requests[2];
    PIRP Irps[2];

    KT_ASSERT_NE(Device, NULL);
    PCSQ_DEVICE Csq = Device->DeviceExtension;
    for (int i = 0; i < 2; i++) {
        Irps[i] = CsqTestSend(Device, IRP_MJ_READ, NULL, &Requests[i]);
        KT_ASSERT_NE(Irps[i], NULL);
    }
    KT_EXPECT(IoCancelIrp(Irps[0]));
    KT_EXPECT_EQ(Requests[0].Status, STATUS_CANCELLED);
    KT_EXPECT_EQ(IoCsqRemoveNextIrp(&Csq->Csq, NULL), Irps[1]); /* the cancelled one is gone */
    CsqTestComplete(Irps[1]);
    KT_EXPECT_EQ(Requests[1].Status, STATUS_SUCCESS);
    for (int i = 0; i < 2; i++) {
        KT_EXPECT_EQ(Requests[i].Completions, 1);
        IoFreeIrp(Irps[i]);
    }
    CsqTestUnload(Driver);
}

/* IoCancelIrp before the driver queued the IRP finds no cancel routine and
 * only sets Irp->Cancel; IoCsqInsertIrp must notice and cancel it itself. */
KTEST(csq, insert_cancels_an_already_cancelled_irp)
{
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device = CsqTestLoad(&Driver);
    CSQ_REQUEST Request = {0};

    KT_ASSERT_NE(Device, NULL);
    PCSQ_DEVICE Csq = Device->DeviceExtension;
    PIRP Irp = IoAllocateIrp(Device->StackSize, FALSE);
    KT_ASSERT_NE(Irp, NULL);
    IoGetNextIrpStackLocation(Irp)->MajorFunction = IRP_MJ_READ;
    IoSetCompletionRoutine(Irp, CsqTestRecord, &Request, TRUE, TRUE, TRUE);
    KT_EXPECT(!IoCancelIrp(Irp)); /* nobody to call yet */
    KT_EXPECT_EQ(IoCallDriver(Device, Irp), STATUS_PENDING);
    KT_EXPECT_EQ(Request.Completions, 1);
    KT_EXPECT_EQ(Request.Status, STATUS_CANCELLED);
    KT_EXPECT(IsListEmpty(&Csq->Queue));
    IoFreeIrp(Irp);
    CsqTestUnload(Driver);
}
