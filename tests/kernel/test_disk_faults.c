/*
 * test_disk_faults.c - suite `disk_faults`: the driver under injected disk
 * errors. tools/disktest.py puts QEMU's blkdebug under the disk, so that
 * reads (or writes) touching one sector fail with EIO, and tells the kernel:
 *
 *   disktest.bad_sector=N    the sector
 *   disktest.fault=once      only the first request touching it fails: the
 *                            driver's retry must cure it, data intact
 *   disktest.fault=always    every request touching it fails: those must
 *                            end with STATUS_IO_DEVICE_ERROR, all others
 *                            succeed, and the disk keep working
 *   disktest.fault_op=read   which requests fail: read (default) or write
 *   disktest.fault_load=1    spend the fault under load (many requests from
 *                            every CPU in flight), not on a lone request
 *
 * The cases run in this order: a lone request across the bad sector, the
 * load (whose reads cross it too), then the rest of the disk, so that a
 * once-fault is spent where the boot wants it. Without those options every
 * case skips.
 */
#include "disk_helpers.h"

#define FAULT_WRITE_SEED(Seed) ((Seed) ^ 0xFA017ULL)

typedef struct _DK_FAULT {
    ULONG64 Sector;
    BOOLEAN Always;
    BOOLEAN Write;
    BOOLEAN UnderLoad;
    ULONG64 Seed;
} DK_FAULT;

/* Disk 0 and the fault the boot configured, or the test is skipped. */
static BOOLEAN OpenFaultyDisk(KTEST_CONTEXT *Kt, DK_DISK *Disk, DK_FAULT *Fault)
{
    char Kind[16] = "", Op[16] = "read";

    if (!DkOpenForTest(Kt, 0, TRUE, Disk))
        return FALSE;
    if (!KeGetOption("disktest.fault", Kind, sizeof(Kind)) || !KeHasOption("disktest.bad_sector")) {
        DkClose(Disk);
        KtSkip(Kt, "no disktest.fault= and disktest.bad_sector= (tools/disktest.py sets them with blkdebug)");
        return FALSE;
    }
    KeGetOption("disktest.fault_op", Op, sizeof(Op));
    Fault->Sector = KeGetOptionNumber("disktest.bad_sector", 0);
    Fault->Always = strcmp(Kind, "always") == 0;
    Fault->Write = strcmp(Op, "write") == 0;
    Fault->UnderLoad = KeGetOptionNumber("disktest.fault_load", 0) != 0;
    DkPatternSeed(0, &Fault->Seed);
    return TRUE;
}

/* The kind of request the fault is for, on Sectors sectors from FirstSector:
 * a read, checked; or for a write fault a write, then a read to check it. */
static NTSTATUS Touch(DK_DISK *Disk, DK_FAULT *Fault, ULONG64 FirstSector, ULONG Sectors)
{
    ULONG64 Offset = FirstSector * DK_SECTOR;
    ULONG Length = Sectors * DK_SECTOR;

    if (!Fault->Write)
        return DkReadAndCheck(Disk, Fault->Seed, Offset, Length, Disk->Alignment);
    NTSTATUS Status = DkWritePattern(Disk, FAULT_WRITE_SEED(Fault->Seed), Offset, Length, 0);
    if (Status == STATUS_SUCCESS)
        Status = DkReadAndCheck(Disk, FAULT_WRITE_SEED(Fault->Seed), Offset, Length, 0);
    return Status;
}

KTEST(disk_faults, request_across_the_bad_sector)
{
    DK_DISK Disk;
    DK_FAULT Fault;
    AHCI_DISK_STATISTICS Before, After;

    if (!OpenFaultyDisk(Kt, &Disk, &Fault))
        return;
    if (Fault.UnderLoad) {
        DkClose(&Disk);
        KT_SKIP("disktest.fault_load=1: the fault is for the load");
    }
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    NTSTATUS Status = Touch(&Disk, &Fault, Fault.Sector - 3, 8);
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_GT(After.Errors, Before.Errors); /* the disk did report the error */
    if (Fault.Always) {
        KT_EXPECT_EQ(Status, STATUS_IO_DEVICE_ERROR);
        KT_EXPECT_EQ(After.Failed, Before.Failed + 1);
    } else {
        KT_EXPECT_EQ(Status, STATUS_SUCCESS); /* and the data is right */
        KT_EXPECT_GT(After.Retries, Before.Retries);
        KT_EXPECT_EQ(After.Failed, Before.Failed);
    }
    DkClose(&Disk);
}

KTEST(disk_faults, errors_under_load)
{
    DK_DISK Disk;
    DK_FAULT Fault;
    AHCI_DISK_STATISTICS Before, After;

    if (!OpenFaultyDisk(Kt, &Disk, &Fault))
        return;
    if (Fault.Write) {
        DkClose(&Disk);
        KT_SKIP("a write fault: the load crosses the bad sector with reads only");
    }
    if (Fault.Sector * DK_SECTOR + DK_LOAD_MAX_READ >= DK_READ_ONLY_END ||
        Fault.Sector * DK_SECTOR < DK_LOAD_MAX_READ) {
        DkClose(&Disk);
        KT_SKIP("the load reads across a bad sector in [128 KiB, 32 MiB - 128 KiB) only");
    }
    DK_LOAD Load = {.Disk = &Disk,
                    .Seed = Fault.Seed,
                    .ReadBase = 0,
                    .ReadBytes = DK_READ_ONLY_END,
                    .WriteBase = DK_LOAD_WRITE_AT,
                    .WriteBytes = DK_LOAD_WRITE_SIZE,
                    .WriteSeed = FAULT_WRITE_SEED(Fault.Seed),
                    .BadSector = Fault.Sector,
                    .BadFails = Fault.Always,
                    .Depth = 8,
                    .Rounds = 3};
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    KT_ASSERT(DkRunLoad(&Load));
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(Load.Failures, 0);
    KT_EXPECT_GT(Load.BadSectorRequests, 0);
    if (Fault.Always)
        KT_EXPECT_EQ(After.Failed - Before.Failed, (ULONG64)Load.BadSectorRequests);
    else
        KT_EXPECT_EQ(After.Failed, Before.Failed);
    if (Fault.UnderLoad && !Fault.Always)
        KT_EXPECT_GT(After.Retries, Before.Retries); /* the once-fault hit a request of the load */
    if (After.Ncq)
        KT_EXPECT_GT(After.MaxOutstanding, 1);
    KtInfo("%d requests, %d across sector %llu; errors %llu, retries %llu, recoveries %llu, failed %llu", Load.Requests,
           Load.BadSectorRequests, Fault.Sector, After.Errors - Before.Errors, After.Retries - Before.Retries,
           After.Recoveries - Before.Recoveries, After.Failed - Before.Failed);
    /* And afterwards the disk still works. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Fault.Seed, DK_TAIL_AT, DK_MIB, 0), STATUS_SUCCESS);
    DkClose(&Disk);
}

KTEST(disk_faults, the_rest_of_the_disk_works)
{
    DK_DISK Disk;
    DK_FAULT Fault;
    AHCI_DISK_STATISTICS Before, After;

    if (!OpenFaultyDisk(Kt, &Disk, &Fault))
        return;
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    /* The neighbours, one sector each, and a large read elsewhere. */
    KT_EXPECT_EQ(Touch(&Disk, &Fault, Fault.Sector - 1, 1), STATUS_SUCCESS);
    KT_EXPECT_EQ(Touch(&Disk, &Fault, Fault.Sector + 1, 1), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Fault.Seed, 0, DK_MIB, 0), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Fault.Seed, DK_TAIL_AT, DK_MIB, 0), STATUS_SUCCESS);
    /* The bad sector alone: still bad, or cured for good. */
    KT_EXPECT_EQ(Touch(&Disk, &Fault, Fault.Sector, 1), Fault.Always ? STATUS_IO_DEVICE_ERROR : STATUS_SUCCESS);
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(After.Failed, Before.Failed + (Fault.Always ? 1 : 0));
    if (!Fault.Always)
        KT_EXPECT_EQ(After.Retries, Before.Retries); /* the once-fault is spent: nothing to retry */
    KT_EXPECT_EQ(DkTransfer(&Disk, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, NULL), STATUS_SUCCESS);
    DkClose(&Disk);
}
