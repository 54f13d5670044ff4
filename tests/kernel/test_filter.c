/*
 * test_filter.c - drivers/filter above the RAM disk: it counts and times
 * what passes through, and its completion routine keeps the pending rule
 * (the waiting caller is woken, which it would not be if the filter lost
 * SL_PENDING_RETURNED on the way up).
 */
#include "ramdisk_helpers.h"

static BOOLEAN Snapshot(PDEVICE_OBJECT Top, PDISKFILTER_STATISTICS Statistics)
{
    ULONG_PTR Information = 0;
    NTSTATUS Status = RdIoctl(Top, IOCTL_DISKFILTER_GET_STATISTICS, Statistics, sizeof(*Statistics), &Information);
    return Status == STATUS_SUCCESS && Information == sizeof(*Statistics);
}

KTEST(filter, is_the_top_of_the_disk_stack)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(Top->StackSize, 2);
    KT_EXPECT(RtlEqualMemory(Top->DriverObject->DriverName.Buffer, L"\\Driver\\DiskFilter", 18 * sizeof(WCHAR)));
    ObDereferenceObject(File);
}

KTEST(filter, counts_and_times_requests)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    DISKFILTER_STATISTICS Before, After;
    UCHAR Buffer[4 * RAMDISK_SECTOR_SIZE];

    KT_ASSERT_NE(Top, NULL);
    RtlZeroMemory(Buffer, sizeof(Buffer));
    KT_ASSERT(Snapshot(Top, &Before));
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_WRITE, Buffer, sizeof(Buffer), 0, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, sizeof(Buffer), 0, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, 1, 0, NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, NULL), STATUS_SUCCESS);
    KT_ASSERT(Snapshot(Top, &After));

    KT_EXPECT_EQ(After.Writes - Before.Writes, 1);
    KT_EXPECT_EQ(After.Reads - Before.Reads, 2);
    KT_EXPECT_EQ(After.Others - Before.Others, 1); /* the flush; its own IOCTL is not counted */
    KT_EXPECT_EQ(After.Completed - Before.Completed, 4);
    KT_EXPECT_EQ(After.Failed - Before.Failed, 1);
    KT_EXPECT_EQ(After.BytesWritten - Before.BytesWritten, sizeof(Buffer));
    KT_EXPECT_EQ(After.BytesRead - Before.BytesRead, sizeof(Buffer));
    KT_EXPECT_GT(After.TotalTime, Before.TotalTime); /* the disk takes at least a clock tick */
    KT_EXPECT_GT(After.CounterFrequency, 0);
    ObDereferenceObject(File);
}

KTEST(filter, passes_through_requests_the_disk_refuses)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    DISKFILTER_STATISTICS Statistics;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(RdIoctl(Top, IOCTL_DISKFILTER_GET_STATISTICS, &Statistics, sizeof(Statistics) - 1, NULL),
                 STATUS_BUFFER_TOO_SMALL);
    KT_EXPECT_EQ(RdIoctl(Top, CTL_CODE(FILE_DEVICE_DISK, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS), &Statistics,
                         sizeof(Statistics), NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    ObDereferenceObject(File);
}
