/*
 * test_disk.c - suite `disk`, part 1: the AHCI disks are there as the boot
 * says (count, sizes, ports, MSI or INTx, NCQ or not), describe themselves
 * through the standard IOCTLs, and refuse bad requests with the statuses
 * the I/O manager's rules give. Part 2, the data, is test_disk_data.c.
 *
 * Without a disk every case skips (the ordinary test boots have none);
 * tools/disktest.py boots the kernel with disks and the options that
 * disk_helpers.h describes.
 */
#include "disk_helpers.h"

/* What the boot says disk Index should look like. */
typedef struct _DK_EXPECTED {
    BOOLEAN Known; /* disktest.sectors= names this disk */
    ULONG64 Sectors;
    BOOLEAN PortKnown;
    ULONG64 Port;
} DK_EXPECTED;

static DK_EXPECTED Expected(ULONG Index)
{
    DK_EXPECTED E = {0};

    E.Known = DkOptionItem("disktest.sectors", Index, &E.Sectors);
    E.PortKnown = DkOptionItem("disktest.ports", Index, &E.Port);
    return E;
}

/* The disk's size in bytes: the boot's word when it gave one, else the driver's. */
static ULONG64 DiskBytes(DK_DISK *Disk)
{
    DK_EXPECTED E = Expected(Disk->Index);
    AHCI_DISK_STATISTICS Statistics;

    if (E.Known)
        return E.Sectors * DK_SECTOR;
    return NT_SUCCESS(DkStatistics(Disk, &Statistics)) ? Statistics.SectorCount * DK_SECTOR : 0;
}

static VOID ExpectDiskAsConfigured(KTEST_CONTEXT *Kt, DK_DISK *Disk)
{
    AHCI_DISK_STATISTICS Statistics;
    DK_EXPECTED E = Expected(Disk->Index);

    KT_EXPECT_EQ(DkStatistics(Disk, &Statistics), STATUS_SUCCESS);
    KT_EXPECT_GT(Statistics.SectorCount, 0);
    if (E.Known)
        KT_EXPECT_EQ(Statistics.SectorCount, E.Sectors);
    if (E.PortKnown)
        KT_EXPECT_EQ(Statistics.Port, E.Port);
    KT_EXPECT_EQ(Statistics.Msi, KeGetOptionNumber("ahci.msi", 1) != 0);
    if (KeGetOptionNumber("ahci.ncq", 1) == 0)
        KT_EXPECT(!Statistics.Ncq);
    else if (E.Known)
        KT_EXPECT(Statistics.Ncq); /* QEMU's disks queue commands */
    if (Statistics.Ncq)
        KT_EXPECT_GT(Statistics.NcqDepth, 1);
    else
        KT_EXPECT_EQ(Statistics.NcqDepth, 1);
    KT_EXPECT(Disk->Top->Flags & DO_DIRECT_IO);
    KT_EXPECT_EQ(Disk->Top->DeviceType, FILE_DEVICE_DISK);
}

KTEST(disk, found_as_configured)
{
    DK_DISK Disk;
    ULONG Count = DkConfiguredDisks();

    if (!DkOpenForTest(Kt, 0, FALSE, &Disk))
        return;
    DkClose(&Disk);
    for (ULONG i = 0; i < (Count > 0 ? Count : 1); i++) {
        if (!KT_EXPECT(DkOpen(i, &Disk))) {
            KtInfo("disk %u is missing", i);
            continue;
        }
        ExpectDiskAsConfigured(Kt, &Disk);
        DkClose(&Disk);
    }
    if (Count > 0 && DkOpen(Count, &Disk)) { /* one disk more than the boot attached */
        KtInfo("disk %u exists, but the boot attached only %u", Count, Count);
        KT_EXPECT(FALSE);
        DkClose(&Disk);
    }
}

KTEST(disk, geometry_matches_the_disk)
{
    DK_DISK Disk;
    DISK_GEOMETRY Geometry;
    DISK_GEOMETRY_EX GeometryEx;
    ULONG_PTR Information = 0;

    if (!DkOpenForTest(Kt, 0, FALSE, &Disk))
        return;
    ULONG64 Bytes = DiskBytes(&Disk);
    KT_EXPECT_EQ(DkIoctl(&Disk, IOCTL_DISK_GET_DRIVE_GEOMETRY, NULL, 0, &Geometry, sizeof(Geometry), &Information),
                 STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, sizeof(DISK_GEOMETRY));
    KT_EXPECT_EQ(Geometry.BytesPerSector, DK_SECTOR);
    KT_EXPECT_EQ(Geometry.MediaType, FixedMedia);
    /* Cylinders are whole: the product may fall short of the disk by less than one. */
    ULONG64 Cylinder = (ULONG64)Geometry.TracksPerCylinder * Geometry.SectorsPerTrack * Geometry.BytesPerSector;
    ULONG64 Product = Geometry.Cylinders.QuadPart * Cylinder;
    KT_EXPECT_GT(Cylinder, 0);
    KT_EXPECT_LE(Product, Bytes);
    KT_EXPECT_LT(Bytes - Product, Cylinder);

    KT_EXPECT_EQ(
        DkIoctl(&Disk, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &GeometryEx, sizeof(GeometryEx), &Information),
        STATUS_SUCCESS);
    KT_EXPECT_GE(Information, FIELD_OFFSET(DISK_GEOMETRY_EX, Data));
    KT_EXPECT_LE(Information, sizeof(GeometryEx));
    KT_EXPECT_EQ(GeometryEx.DiskSize.QuadPart, Bytes);
    KT_EXPECT_EQ(GeometryEx.Geometry.BytesPerSector, DK_SECTOR);
    KT_EXPECT_EQ(GeometryEx.Geometry.Cylinders.QuadPart, Geometry.Cylinders.QuadPart);

    KT_EXPECT_EQ(DkIoctl(&Disk, IOCTL_DISK_GET_DRIVE_GEOMETRY, NULL, 0, &Geometry, sizeof(Geometry) - 1, NULL),
                 STATUS_BUFFER_TOO_SMALL);
    KT_EXPECT_EQ(DkIoctl(&Disk, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &GeometryEx,
                         FIELD_OFFSET(DISK_GEOMETRY_EX, DiskSize), NULL),
                 STATUS_BUFFER_TOO_SMALL);
    DkClose(&Disk);
}

/* A NUL-terminated, non-empty string at Offset inside the Size bytes of Base. */
static BOOLEAN StringInside(const UCHAR *Base, ULONG Size, ULONG Offset)
{
    if (Offset == 0 || Offset >= Size || Base[Offset] == 0)
        return FALSE;
    for (ULONG i = Offset; i < Size; i++) {
        if (Base[i] == 0)
            return TRUE;
    }
    return FALSE;
}

static NTSTATUS QueryProperty(DK_DISK *Disk, ULONG Property, ULONG Type, PVOID Output, ULONG Length,
                              PULONG_PTR Information)
{
    STORAGE_PROPERTY_QUERY Query = {.PropertyId = (STORAGE_PROPERTY_ID)Property, .QueryType = Type};
    return DkIoctl(Disk, IOCTL_STORAGE_QUERY_PROPERTY, &Query, sizeof(Query), Output, Length, Information);
}

KTEST(disk, property_describes_the_device)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS Statistics;
    UCHAR Answer[512] __attribute__((aligned(8))) = {0};
    STORAGE_DESCRIPTOR_HEADER Header = {0};
    PSTORAGE_DEVICE_DESCRIPTOR Descriptor = (PSTORAGE_DEVICE_DESCRIPTOR)Answer;
    ULONG_PTR Information = 0;

    if (!DkOpenForTest(Kt, 0, FALSE, &Disk))
        return;
    KT_EXPECT_EQ(DkStatistics(&Disk, &Statistics), STATUS_SUCCESS);
    KT_EXPECT_EQ(
        QueryProperty(&Disk, StorageDeviceProperty, PropertyStandardQuery, Answer, sizeof(Answer), &Information),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(Descriptor->Version, sizeof(STORAGE_DEVICE_DESCRIPTOR));
    KT_EXPECT_GE(Descriptor->Size, sizeof(STORAGE_DEVICE_DESCRIPTOR));
    KT_EXPECT_LE(Descriptor->Size, sizeof(Answer));
    KT_EXPECT_EQ(Information, Descriptor->Size);
    KT_EXPECT_EQ(Descriptor->DeviceType, 0); /* a direct-access block device */
    KT_EXPECT(!Descriptor->RemovableMedia);
    KT_EXPECT_EQ(Descriptor->BusType, BusTypeSata);
    KT_EXPECT_EQ(Descriptor->CommandQueueing, Statistics.Ncq);
    ULONG Size = Descriptor->Size <= sizeof(Answer) ? Descriptor->Size : sizeof(Answer);
    KT_EXPECT(StringInside(Answer, Size, Descriptor->ProductIdOffset));
    if (Descriptor->SerialNumberOffset != 0)
        KT_EXPECT(StringInside(Answer, Size, Descriptor->SerialNumberOffset));
    if (Descriptor->ProductRevisionOffset != 0)
        KT_EXPECT(StringInside(Answer, Size, Descriptor->ProductRevisionOffset));
    if (DkConfiguredDisks() > 0 && StringInside(Answer, Size, Descriptor->ProductIdOffset))
        KT_EXPECT(strncmp((PCSTR)Answer + Descriptor->ProductIdOffset, "QEMU", 4) == 0); /* "QEMU HARDDISK" */

    /* The header alone tells a caller how much room the whole answer needs. */
    KT_EXPECT_EQ(
        QueryProperty(&Disk, StorageDeviceProperty, PropertyStandardQuery, &Header, sizeof(Header), &Information),
        STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, sizeof(Header));
    KT_EXPECT_EQ(Header.Size, Descriptor->Size);
    KT_EXPECT_EQ(QueryProperty(&Disk, StorageDeviceProperty, PropertyExistsQuery, NULL, 0, NULL), STATUS_SUCCESS);
    KT_EXPECT(!NT_SUCCESS(QueryProperty(&Disk, 0x7777, PropertyStandardQuery, Answer, sizeof(Answer), NULL)));
    KT_EXPECT(!NT_SUCCESS(DkIoctl(&Disk, IOCTL_STORAGE_QUERY_PROPERTY, NULL, 0, Answer, sizeof(Answer), NULL)));
    DkClose(&Disk);
}

/* Requests that must be refused before they reach the disk. */
static VOID ExpectRefused(KTEST_CONTEXT *Kt, DK_DISK *Disk, ULONG Major, ULONG64 Bytes)
{
    static UCHAR Buffer[4 * DK_SECTOR];
    ULONG_PTR Information = 1;

    /* Not whole sectors: the offset, then the length. */
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR, 1, NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR + 1, 0, NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR - 1, 0, NULL), STATUS_INVALID_PARAMETER);
    /* Outside the disk: past the end, across the end, far past it, negative. */
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR, (LONGLONG)Bytes, NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, sizeof(Buffer), (LONGLONG)Bytes - DK_SECTOR, NULL),
                 STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR, (LONGLONG)(1ULL << 62), NULL), STATUS_INVALID_PARAMETER);
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, DK_SECTOR, -DK_SECTOR, NULL), STATUS_INVALID_PARAMETER);
    /* Nothing to move: success, 0 bytes. */
    KT_EXPECT_EQ(DkTransfer(Disk, Major, Buffer, 0, DK_SECTOR, &Information), STATUS_SUCCESS);
    KT_EXPECT_EQ(Information, 0);
}

KTEST(disk, bad_requests_are_refused)
{
    DK_DISK Disk;
    ULONG64 Seed = 0;
    static UCHAR Buffer[DK_SECTOR];

    if (!DkOpenForTest(Kt, 0, FALSE, &Disk))
        return;
    ULONG64 Bytes = DiskBytes(&Disk);
    ExpectRefused(Kt, &Disk, IRP_MJ_READ, Bytes);
    if (DkPatternSeed(0, &Seed)) /* a write the driver wrongly took would land on a disk we may write */
        ExpectRefused(Kt, &Disk, IRP_MJ_WRITE, Bytes);
    /* The last sector itself is inside. */
    KT_EXPECT_EQ(DkTransfer(&Disk, IRP_MJ_READ, Buffer, DK_SECTOR, (LONGLONG)Bytes - DK_SECTOR, NULL), STATUS_SUCCESS);
    /* A request the disk does not know. */
    KT_EXPECT_EQ(DkIoctl(&Disk, CTL_CODE(FILE_DEVICE_DISK, 0x7ff, METHOD_BUFFERED, FILE_ANY_ACCESS), NULL, 0, Buffer,
                         sizeof(Buffer), NULL),
                 STATUS_INVALID_DEVICE_REQUEST);
    KT_EXPECT_EQ(IopCountIrpsInFlight(), 0); /* each was completed, and finished */
    DkClose(&Disk);
}

KTEST(disk, flush_succeeds)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS Before, After;

    if (!DkOpenForTest(Kt, 0, FALSE, &Disk))
        return;
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkTransfer(&Disk, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, NULL), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(After.Requests, Before.Requests + 1);
    KT_EXPECT_EQ(After.Failed, Before.Failed);
    KT_EXPECT_GT(After.Commands, Before.Commands); /* FLUSH CACHE EXT went to the disk */
    DkClose(&Disk);
}
