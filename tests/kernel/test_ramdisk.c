/*
 * test_ramdisk.c - drivers/ramdisk through its whole stack (the disk filter
 * sits on top): data round trips, the geometry IOCTLs, and bad requests,
 * each of which must be refused and completed exactly once.
 */
#include "ramdisk_helpers.h"

#define RD_TAG POOL_TAG('T', 'R', 'd', 'k')

/* A recognizable byte for each (offset, seed). */
static UCHAR Pattern(ULONG i, ULONG Seed)
{
    return (UCHAR)((i * 31u) ^ (i >> 8) ^ Seed);
}

/* Writes Length bytes at Offset from a buffer that starts Skew bytes into
 * its first page, reads them back into another, and compares. */
static BOOLEAN RoundTrip(PDEVICE_OBJECT Top, LONGLONG Offset, ULONG Length, ULONG Skew, ULONG Seed)
{
    PUCHAR Out = ExAllocatePool2(POOL_FLAG_NON_PAGED, Length + Skew, RD_TAG);
    PUCHAR In = ExAllocatePool2(POOL_FLAG_NON_PAGED, Length + Skew, RD_TAG);
    BOOLEAN Same = FALSE;
    ULONG_PTR Written = 0, Read = 0;

    if (Out != NULL && In != NULL) {
        for (ULONG i = 0; i < Length; i++)
            Out[Skew + i] = Pattern(i, Seed);
        Same = RdTransfer(Top, IRP_MJ_WRITE, Out + Skew, Length, Offset, &Written) == STATUS_SUCCESS &&
               RdTransfer(Top, IRP_MJ_READ, In + Skew, Length, Offset, &Read) == STATUS_SUCCESS &&
               Written == Length && Read == Length && RtlEqualMemory(In + Skew, Out + Skew, Length);
    }
    if (Out != NULL)
        ExFreePoolWithTag(Out, RD_TAG);
    if (In != NULL)
        ExFreePoolWithTag(In, RD_TAG);
    return Same;
}

KTEST(ramdisk, stack_is_filter_over_disk)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(Top->StackSize, 2); /* the filter, then the disk */
    KT_EXPECT(Top->Flags & DO_DIRECT_IO);
    KT_EXPECT_EQ(Top->DeviceType, FILE_DEVICE_DISK);
    ObDereferenceObject(File);
}

KTEST(ramdisk, one_sector_round_trips)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT(RoundTrip(Top, 0, RAMDISK_SECTOR_SIZE, 0, 1));
    KT_EXPECT(RoundTrip(Top, RAMDISK_SIZE - RAMDISK_SECTOR_SIZE, RAMDISK_SECTOR_SIZE, 0, 2)); /* the last */
    ObDereferenceObject(File);
}

KTEST(ramdisk, requests_spanning_many_pages_round_trip)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);

    KT_ASSERT_NE(Top, NULL);
    /* 40 pages' worth, from a buffer that starts mid-page: 41 pages in its MDL. */
    KT_EXPECT(RoundTrip(Top, 7 * RAMDISK_SECTOR_SIZE, 40 * PAGE_SIZE, 100, 3));
    KT_EXPECT(RoundTrip(Top, 0, RAMDISK_SIZE, 0, 4)); /* the whole disk at once */
    ObDereferenceObject(File);
}

/* Four threads, each on its own part of the disk and, with -smp 4, its own
 * processor: their IRPs meet in the one device queue. */
typedef struct _RD_WORKER {
    PDEVICE_OBJECT Top;
    ULONG Index;
    ULONG Failures;
} RD_WORKER;

static VOID RoundTripWorker(PVOID Context)
{
    RD_WORKER *Worker = Context;
    ULONG Region = RAMDISK_SIZE / 4;

    KeSetSystemAffinityThreadEx((KAFFINITY)1 << (Worker->Index % KeNumberProcessors));
    for (ULONG Round = 0; Round < 8; Round++) {
        ULONG Length = (Round + 1) * 4 * RAMDISK_SECTOR_SIZE;
        if (!RoundTrip(Worker->Top, (LONGLONG)Worker->Index * Region, Length, Round * 8, Worker->Index + Round))
            Worker->Failures++;
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

KTEST(ramdisk, concurrent_round_trips_from_every_cpu)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    RD_WORKER Workers[4];
    PKTHREAD Threads[4];

    KT_ASSERT_NE(Top, NULL);
    for (ULONG i = 0; i < 4; i++) {
        Workers[i] = (RD_WORKER){.Top = Top, .Index = i};
        Threads[i] = KtStartThread(RoundTripWorker, &Workers[i]);
        KT_EXPECT_NE(Threads[i], NULL);
    }
    for (ULONG i = 0; i < 4; i++) {
        if (Threads[i] != NULL)
            KT_EXPECT(KtJoin(Threads[i]));
        KT_EXPECT_EQ(Workers[i].Failures, 0);
    }
    ObDereferenceObject(File);
}

KTEST(ramdisk, geometry_describes_the_disk)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    DISK_GEOMETRY Geometry;
    DISK_GEOMETRY_EX GeometryEx;
    ULONG_PTR Information = 0;

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(RdIoctl(Top, IOCTL_DISK_GET_DRIVE_GEOMETRY, &Geometry, sizeof(Geometry), &Information),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, sizeof(DISK_GEOMETRY));
    KT_EXPECT_EQ(Geometry.BytesPerSector, RAMDISK_SECTOR_SIZE);
    KT_EXPECT_EQ(Geometry.MediaType, FixedMedia);
    KT_EXPECT_EQ(Geometry.Cylinders.QuadPart * Geometry.TracksPerCylinder * Geometry.SectorsPerTrack *
                     Geometry.BytesPerSector,
                 RAMDISK_SIZE);

    KT_EXPECT_EQ(RdIoctl(Top, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, &GeometryEx, sizeof(GeometryEx), &Information),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, FIELD_OFFSET(DISK_GEOMETRY_EX, Data));
    KT_EXPECT_EQ(GeometryEx.DiskSize.QuadPart, RAMDISK_SIZE);
    KT_EXPECT_EQ(GeometryEx.Geometry.BytesPerSector, RAMDISK_SECTOR_SIZE);

    KT_EXPECT_EQ(RdIoctl(Top, IOCTL_DISK_GET_DRIVE_GEOMETRY, &Geometry, sizeof(Geometry) - 1, NULL),
                 STATUS_BUFFER_TOO_SMALL);
    ObDereferenceObject(File);
}

KTEST(ramdisk, flush_succeeds)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);

    KT_ASSERT_NE(Top, NULL);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, NULL), STATUS_SUCCESS);
    ObDereferenceObject(File);
}

KTEST(ramdisk, bad_requests_are_refused)
{
    PFILE_OBJECT File;
    PDEVICE_OBJECT Top = RdOpen(&File);
    UCHAR Buffer[2 * RAMDISK_SECTOR_SIZE];
    ULONG_PTR Information = 1;

    KT_ASSERT_NE(Top, NULL);
    /* Not whole sectors: the offset, then the length. */
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, RAMDISK_SECTOR_SIZE, 1, NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_WRITE, Buffer, RAMDISK_SECTOR_SIZE + 1, 0, NULL), STATUS_INVALID_PARAMETER);
    /* Outside the disk: past the end, across the end, negative. */
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, RAMDISK_SECTOR_SIZE, RAMDISK_SIZE, NULL),
                 STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, sizeof(Buffer), RAMDISK_SIZE - RAMDISK_SECTOR_SIZE, NULL),
                 STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, RAMDISK_SECTOR_SIZE, -RAMDISK_SECTOR_SIZE, NULL),
                 STATUS_INVALID_PARAMETER);
    /* Nothing to move: success, 0 bytes. */
    KT_EXPECT_EQ(RdTransfer(Top, IRP_MJ_READ, Buffer, 0, 0, &Information), STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, 0);
    /* A request the disk does not know. */
    KT_EXPECT_EQ(RdIoctl(Top, CTL_CODE(FILE_DEVICE_DISK, 0x7ff, METHOD_BUFFERED, FILE_ANY_ACCESS), Buffer,
                         sizeof(Buffer), NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    KT_EXPECT_EQ(IopCountIrpsInFlight(), 0); /* each was completed, and finished */
    ObDereferenceObject(File);
}

KTEST(ramdisk, missing_device_is_not_found)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\RamDisk9");
    PFILE_OBJECT File;
    PDEVICE_OBJECT Device;

    KT_EXPECT_EQ(IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &File, &Device), STATUS_OBJECT_NAME_NOT_FOUND);
}
