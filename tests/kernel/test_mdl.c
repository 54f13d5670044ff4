/*
 * test_mdl.c - MDLs, and data through the test disks: direct I/O (an MDL)
 * and buffered I/O (a system buffer), with the IoBuild*Request routines,
 * synchronous (waiting on a KEVENT) and asynchronous.
 */
#include "iotest_helpers.h"

#define MDL_TEST_TAG POOL_TAG('T', 'M', 'd', 'l')

KTEST(mdl, describes_a_pool_buffer)
{
    PUCHAR Pool = ExAllocatePoolWithTag(NonPagedPoolNx, 4 * PAGE_SIZE, MDL_TEST_TAG);
    KT_ASSERT_NE(Pool, NULL);
    PUCHAR Buffer = Pool + 100; /* not page-aligned: spans 3 pages */
    ULONG Length = (ULONG)(2 * PAGE_SIZE + 50);

    PMDL Mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, NULL);
    KT_ASSERT_NE(Mdl, NULL);
    MmBuildMdlForNonPagedPool(Mdl);
    KT_EXPECT_EQ(MmGetMdlByteCount(Mdl), Length);
    KT_EXPECT_EQ(MmGetMdlByteOffset(Mdl), BYTE_OFFSET(Buffer));
    KT_EXPECT_EQ(MmGetMdlVirtualAddress(Mdl), Buffer);
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority), Buffer);
    KT_EXPECT_NE(Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL, 0);
    ULONG Pages = ADDRESS_AND_SIZE_TO_SPAN_PAGES(Buffer, Length);
    KT_EXPECT_EQ(Pages, 3);
    PPFN_NUMBER Pfns = MmGetMdlPfnArray(Mdl);
    for (ULONG i = 0; i < Pages; i++) {
        PVOID Page = (PCHAR)PAGE_ALIGN(Buffer) + (SIZE_T)i * PAGE_SIZE;
        KT_EXPECT_EQ(Pfns[i], (PFN_NUMBER)MmGetPhysicalAddress(Page).QuadPart >> PAGE_SHIFT);
    }
    IoFreeMdl(Mdl);
    ExFreePoolWithTag(Pool, MDL_TEST_TAG);
}

KTEST(mdl, allocate_chains_onto_an_irp)
{
    UCHAR A[64], B[64];
    PIRP Irp = IoAllocateIrp(1, FALSE);

    KT_ASSERT_NE(Irp, NULL);
    PMDL First = IoAllocateMdl(A, sizeof(A), FALSE, FALSE, Irp);
    PMDL Second = IoAllocateMdl(B, sizeof(B), TRUE, FALSE, Irp);
    KT_ASSERT_NE(First, NULL);
    KT_ASSERT_NE(Second, NULL);
    KT_EXPECT_EQ(Irp->MdlAddress, First);
    KT_EXPECT_EQ(First->Next, Second);
    MmProbeAndLockPages(First, KernelMode, IoWriteAccess);
    KT_EXPECT_NE(First->MdlFlags & MDL_PAGES_LOCKED, 0);
    KT_EXPECT_EQ(MmGetSystemAddressForMdlSafe(First, NormalPagePriority), A);
    MmUnlockPages(First);
    IoFreeMdl(Second);
    IoFreeMdl(First);
    IoFreeIrp(Irp);
}

/* A synchronous read or write of the test disk, waiting on an event. */
static NTSTATUS Transfer(PCWSTR Name, UCHAR Major, PVOID Buffer, ULONG Length, LONGLONG Offset, PIO_STATUS_BLOCK Iosb)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Device = IoTestOpenDisk(Name, &File);
    LARGE_INTEGER ByteOffset = {.QuadPart = Offset};
    KEVENT Event;

    if (Device == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(Major, Device, Buffer, Length, &ByteOffset, &Event, Iosb);
    NTSTATUS Status = Irp != NULL ? IoCallDriver(Device, Irp) : STATUS_INSUFFICIENT_RESOURCES;
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb->Status;
    }
    ObDereferenceObject(File);
    return Status;
}

static VOID WriteThenRead(KTEST_CONTEXT *Kt, PCWSTR Name)
{
    static UCHAR Out[3000], In[3000];
    IO_STATUS_BLOCK Iosb;

    for (ULONG i = 0; i < sizeof(Out); i++)
        Out[i] = (UCHAR)(i * 7 + 3);
    RtlZeroMemory(In, sizeof(In));
    KT_EXPECT_EQ(Transfer(Name, IRP_MJ_WRITE, Out, sizeof(Out), 1000, &Iosb), STATUS_SUCCESS);
    KT_EXPECT_EQ(Iosb.Information, sizeof(Out));
    KT_EXPECT_EQ(Transfer(Name, IRP_MJ_READ, In, sizeof(In), 1000, &Iosb), STATUS_SUCCESS);
    KT_EXPECT_EQ(Iosb.Information, sizeof(In));
    KT_EXPECT(RtlEqualMemory(In, Out, sizeof(In)));
}

KTEST(mdl, direct_io_through_three_drivers)
{
    WriteThenRead(Kt, IOTEST_DISK_NAME);
}

KTEST(mdl, buffered_io_copies_back)
{
    WriteThenRead(Kt, IOTEST_BUFFERED_DISK_NAME);
}

KTEST(mdl, read_past_the_end_fails)
{
    UCHAR Buffer[16];
    IO_STATUS_BLOCK Iosb;

    KT_EXPECT_EQ(Transfer(IOTEST_DISK_NAME, IRP_MJ_READ, Buffer, sizeof(Buffer), IOTEST_DISK_SIZE, &Iosb),
                 STATUS_END_OF_FILE);
    KT_EXPECT_EQ(Iosb.Information, 0);
}

KTEST(mdl, flush_has_no_parameters)
{
    IO_STATUS_BLOCK Iosb;
    KT_EXPECT_EQ(Transfer(IOTEST_DISK_NAME, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, &Iosb), STATUS_SUCCESS);
}

/* IoBuildDeviceIoControlRequest, METHOD_BUFFERED: the trace comes back in
 * the caller's output buffer. A pended request is waited for. */
KTEST(mdl, ioctl_waits_for_pending_request)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    IOTEST_TRACE Trace, Trace2;
    IO_STATUS_BLOCK Iosb, Iosb2;
    KEVENT Event, Event2;

    KT_ASSERT_NE(Top, NULL);
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    KeInitializeEvent(&Event2, NotificationEvent, FALSE);
    PIRP Irp = IoBuildDeviceIoControlRequest(IOCTL_IOTEST_PEND, Top, NULL, 0, &Trace, sizeof(Trace), FALSE, &Event,
                                             &Iosb);
    KT_ASSERT_NE(Irp, NULL);
    KT_EXPECT_EQ(IoCallDriver(Top, Irp), STATUS_PENDING);
    KT_EXPECT_EQ(KeReadStateEvent(&Event), 0);

    PIRP Irp2 = IoBuildDeviceIoControlRequest(IOCTL_IOTEST_COMPLETE_PENDED, Top, NULL, 0, &Trace2, sizeof(Trace2),
                                              FALSE, &Event2, &Iosb2);
    KT_ASSERT_NE(Irp2, NULL);
    KT_EXPECT_EQ(IoCallDriver(Top, Irp2), STATUS_SUCCESS);
    KT_EXPECT_EQ(KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(Iosb.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(Iosb.Information, sizeof(IOTEST_TRACE));
    KT_EXPECT_STREQ(Trace.Order, "DLU");
    KT_EXPECT_STREQ(Trace2.Order, "DLU");
    ObDereferenceObject(File);
}

/* The asynchronous form, taken back by the creator's completion routine,
 * which frees what the I/O manager built (the MDL, the IRP). */
static IO_COMPLETION_ROUTINE FreeAsyncRequest;
static NTSTATUS FreeAsyncRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    *(PIO_STATUS_BLOCK)Context = Irp->IoStatus;
    for (PMDL Mdl = Irp->MdlAddress, Next; Mdl != NULL; Mdl = Next) {
        Next = Mdl->Next;
        MmUnlockPages(Mdl);
        IoFreeMdl(Mdl);
    }
    Irp->MdlAddress = NULL;
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

KTEST(mdl, async_request_freed_by_its_creator)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = IoTestOpenDisk(IOTEST_DISK_NAME, &File);
    UCHAR Buffer[512];
    IO_STATUS_BLOCK Seen;
    LARGE_INTEGER Offset = {.QuadPart = 0};

    RtlZeroMemory(&Seen, sizeof(Seen));
    KT_ASSERT_NE(Top, NULL);
    PIRP Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, Top, Buffer, sizeof(Buffer), &Offset, NULL);
    KT_ASSERT_NE(Irp, NULL);
    KT_EXPECT_NE(Irp->MdlAddress, NULL); /* the disk does direct I/O */
    IoSetCompletionRoutine(Irp, FreeAsyncRequest, &Seen, TRUE, TRUE, TRUE);
    KT_EXPECT_EQ(IoCallDriver(Top, Irp), STATUS_SUCCESS);
    KT_EXPECT_EQ(Seen.Status, STATUS_SUCCESS);
    KT_EXPECT_EQ(Seen.Information, sizeof(Buffer));
    ObDereferenceObject(File);
}
