/*
 * test_disk_data.c - suite `disk`, part 2: the data. Reads of random sizes
 * at random offsets find the pattern tools/disktest.py wrote into the image;
 * an 8 MiB request moves in one IRP both ways; threads on every processor
 * keep many requests in flight, reads and writes mixed; a second pattern is
 * written for the host to check after QEMU has exited; a second disk is a
 * disk of its own. Last, the driver's counters must tell the same story.
 *
 * Where each test writes is the layout in disk_helpers.h; every seed below
 * is derived from the image's (disktest.seed=), and every random choice comes
 * from a fixed seed, so a run repeats exactly.
 */
#include "disk_helpers.h"

#define BIG_BYTES (8 * DK_MIB + 3 * DK_SECTOR) /* "at least 8 MiB in one IRP", and not a round size */

/* Seeds of what the tests write: distinct from every disk's own. */
#define BIG_WRITE_SEED(Seed) ((Seed) ^ 0xB16B16B16ULL)
#define LOAD_WRITE_SEED(Seed) ((Seed) ^ 0x10AD10AD10ADULL)
#define HOST_WRITE_SEED(Seed) ((Seed) ^ 0x4057C4ECULL)
#define OTHER_DISK_SEED(Seed) ((Seed) ^ 0x0D15C2ULL)

/* Disk 0, holding the pattern, at least DK_MIN_BYTES long; else skipped. */
static BOOLEAN OpenPatternDisk(KTEST_CONTEXT *Kt, DK_DISK *Disk, ULONG64 *Seed, ULONG64 *Bytes)
{
    AHCI_DISK_STATISTICS Statistics;

    if (!DkOpenForTest(Kt, 0, TRUE, Disk))
        return FALSE;
    DkPatternSeed(0, Seed);
    if (!NT_SUCCESS(DkStatistics(Disk, &Statistics)) || Statistics.SectorCount * DK_SECTOR < DK_MIN_BYTES) {
        DkClose(Disk);
        KtSkip(Kt, "disk 0 is smaller than 64 MiB (disk_helpers.h's layout)");
        return FALSE;
    }
    *Bytes = Statistics.SectorCount * DK_SECTOR;
    return TRUE;
}

/* A random span the tests only read: in [0, 32 MiB) or [60 MiB, end). */
static VOID RandomReadSpan(DK_RANDOM *Random, ULONG64 Bytes, ULONG64 *Offset, ULONG *Length)
{
    ULONG64 Sectors = DkRandomBelow(Random, 8) == 0 ? 1 + DkRandomBelow(Random, 2048) /* up to 1 MiB */
                                                    : 1 + DkRandomBelow(Random, 64);
    BOOLEAN Tail = DkRandomBelow(Random, 4) == 0;
    ULONG64 Base = Tail ? DK_TAIL_AT : 0, End = Tail ? Bytes : DK_READ_ONLY_END;
    ULONG64 Slots = (End - Base) / DK_SECTOR - Sectors + 1;

    *Offset = Base + DkRandomBelow(Random, Slots) * DK_SECTOR;
    *Length = (ULONG)(Sectors * DK_SECTOR);
}

KTEST(disk, reads_match_the_pattern)
{
    DK_DISK Disk;
    DK_RANDOM Random;
    ULONG64 Seed = 0, Bytes = 0;
    ULONG Failures = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    /* The edges first: the first sector, the last, the last MiB. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, 0, DK_SECTOR, 0), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, Bytes - DK_SECTOR, DK_SECTOR, 0), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, Bytes - DK_MIB, DK_MIB, Disk.Alignment), STATUS_SUCCESS);
    DkSeedRandom(&Random, 0xD15C0001);
    for (ULONG i = 0; i < 200 && Failures < 5; i++) {
        ULONG64 Offset;
        ULONG Length;
        RandomReadSpan(&Random, Bytes, &Offset, &Length);
        NTSTATUS Status = DkReadAndCheck(&Disk, Seed, Offset, Length, DkRandomSkew(&Disk, &Random));
        if (Status != STATUS_SUCCESS) {
            KtInfo("read %u (0x%x bytes at 0x%llx): status 0x%08x", i, Length, Offset, (ULONG)Status);
            Failures++;
        }
    }
    KT_EXPECT_EQ(Failures, 0);
    DkClose(&Disk);
}

KTEST(disk, eight_mib_read_in_one_irp)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS Before, After;
    ULONG64 Seed = 0, Bytes = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    /* From an odd sector into a buffer that starts mid-page. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, 1001 * DK_SECTOR, BIG_BYTES, 8 * Disk.Alignment), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(After.Requests, Before.Requests + 1); /* one IRP, however many commands */
    KT_EXPECT_EQ(After.Failed, Before.Failed);
    DkClose(&Disk);
}

KTEST(disk, eight_mib_write_reads_back)
{
    DK_DISK Disk;
    ULONG64 Seed = 0, Bytes = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    ULONG64 Written = BIG_WRITE_SEED(Seed);
    KT_ASSERT_EQ(DkWritePattern(&Disk, Written, DK_BIG_WRITE_AT, BIG_BYTES, 0), STATUS_SUCCESS);
    DkAnnounceWrite(&Disk, DK_BIG_WRITE_AT, BIG_BYTES, Written);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Written, DK_BIG_WRITE_AT, BIG_BYTES, 3 * Disk.Alignment), STATUS_SUCCESS);
    /* The sector after it is untouched. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, DK_BIG_WRITE_AT + BIG_BYTES, DK_SECTOR, 0), STATUS_SUCCESS);
    DkClose(&Disk);
}

KTEST(disk, many_requests_from_every_cpu)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS Before, After;
    ULONG64 Seed = 0, Bytes = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    /* At least 4 threads of 12: more requests than the disk has slots (32),
     * so the driver's own queue fills too. */
    DK_LOAD Load = {.Disk = &Disk,
                    .Seed = Seed,
                    .ReadBase = 0,
                    .ReadBytes = DK_READ_ONLY_END,
                    .WriteBase = DK_LOAD_WRITE_AT,
                    .WriteBytes = DK_LOAD_WRITE_SIZE,
                    .WriteSeed = LOAD_WRITE_SEED(Seed),
                    .BadSector = ~0ULL,
                    .Depth = 12,
                    .Rounds = 6};
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    KT_ASSERT(DkRunLoad(&Load));
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(Load.Failures, 0);
    KT_EXPECT_GT(Load.Flushes, 0);
    KT_EXPECT_GE(After.Requests - Before.Requests, (ULONG64)Load.Requests);
    KT_EXPECT_EQ(After.Failed, Before.Failed);
    KT_EXPECT_LE(After.MaxOutstanding, After.NcqDepth);
    if (After.Ncq) {
        KT_EXPECT_GT(After.MaxOutstanding, 1); /* the queue was used */
        KT_EXPECT_GT(After.NcqCommands, Before.NcqCommands);
    }
    KtInfo("%d requests (%d flushes) from %u CPUs; at most %u commands outstanding", Load.Requests, Load.Flushes,
           KeNumberProcessors, After.MaxOutstanding);
    DkClose(&Disk);
}

/* Writes [Offset, Offset + Size) with Seed, in pieces of random sizes. */
static NTSTATUS WriteInPieces(DK_DISK *Disk, DK_RANDOM *Random, ULONG64 Seed, ULONG64 Offset, ULONG64 Size)
{
    for (ULONG64 Done = 0; Done < Size;) {
        ULONG64 Sectors = 1 + DkRandomBelow(Random, 512);
        ULONG Length = (ULONG)(Sectors * DK_SECTOR < Size - Done ? Sectors * DK_SECTOR : Size - Done);
        NTSTATUS Status = DkWritePattern(Disk, Seed, Offset + Done, Length, DkRandomSkew(Disk, Random));
        if (Status != STATUS_SUCCESS) {
            KtInfo("write of 0x%x bytes at 0x%llx: status 0x%08x", Length, Offset + Done, (ULONG)Status);
            return Status;
        }
        Done += Length;
    }
    return STATUS_SUCCESS;
}

KTEST(disk, second_pattern_for_the_host)
{
    DK_DISK Disk;
    DK_RANDOM Random;
    ULONG64 Seed = 0, Bytes = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    ULONG64 Written = HOST_WRITE_SEED(Seed);
    DkSeedRandom(&Random, 0xD15C0002);
    KT_ASSERT_EQ(WriteInPieces(&Disk, &Random, Written, DK_HOST_WRITE_AT, DK_HOST_WRITE_SIZE), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkTransfer(&Disk, IRP_MJ_FLUSH_BUFFERS, NULL, 0, 0, NULL), STATUS_SUCCESS);
    DkAnnounceWrite(&Disk, DK_HOST_WRITE_AT, DK_HOST_WRITE_SIZE, Written);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Written, DK_HOST_WRITE_AT, DK_HOST_WRITE_SIZE, 0), STATUS_SUCCESS);
    /* The neighbours keep the image's pattern. */
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, DK_HOST_WRITE_AT - DK_SECTOR, DK_SECTOR, 0), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, DK_HOST_WRITE_AT + DK_HOST_WRITE_SIZE, DK_SECTOR, 0), STATUS_SUCCESS);
    DkClose(&Disk);
}

/* Disk Index (> 0) holds its own pattern, and a write to it does not reach disk 0. */
static VOID CheckOtherDisk(KTEST_CONTEXT *Kt, DK_DISK *Disk0, ULONG Index)
{
    DK_DISK Disk;
    DK_RANDOM Random;
    AHCI_DISK_STATISTICS Statistics;
    ULONG64 Seed = 0, Seed0 = 0;

    if (!KT_EXPECT(DkOpen(Index, &Disk)))
        return;
    DkPatternSeed(Index, &Seed);
    DkPatternSeed(0, &Seed0);
    KT_EXPECT_EQ(DkStatistics(&Disk, &Statistics), STATUS_SUCCESS);
    ULONG64 Bytes = Statistics.SectorCount * DK_SECTOR;
    ULONG64 Middle = Bytes / 2 / DK_MIB * DK_MIB;
    DkSeedRandom(&Random, 0xD15C0003 + Index);
    for (ULONG i = 0; i < 20; i++) {
        ULONG Length = (ULONG)(1 + DkRandomBelow(&Random, 128)) * DK_SECTOR;
        ULONG64 Offset = DkRandomBelow(&Random, (Middle - Length) / DK_SECTOR) * DK_SECTOR;
        KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, Offset, Length, 0), STATUS_SUCCESS);
    }
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, Bytes - DK_SECTOR, DK_SECTOR, 0), STATUS_SUCCESS);
    if (KT_EXPECT_EQ(DkWritePattern(&Disk, OTHER_DISK_SEED(Seed), Middle, DK_MIB, 0), STATUS_SUCCESS))
        DkAnnounceWrite(&Disk, Middle, DK_MIB, OTHER_DISK_SEED(Seed));
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, OTHER_DISK_SEED(Seed), Middle, DK_MIB, 0), STATUS_SUCCESS);
    if (Middle + DK_MIB <= DK_READ_ONLY_END) /* disk 0 there is read-only, so still its pattern */
        KT_EXPECT_EQ(DkReadAndCheck(Disk0, Seed0, Middle, DK_MIB, 0), STATUS_SUCCESS);
    DkClose(&Disk);
}

KTEST(disk, every_disk_is_its_own)
{
    DK_DISK Disk;
    ULONG64 Seed = 0, Bytes = 0;
    ULONG Count = DkConfiguredDisks();

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    if (Count < 2) {
        DkClose(&Disk);
        KT_SKIP("one disk (disktest.sectors= names one)");
    }
    for (ULONG i = 1; i < Count; i++)
        CheckOtherDisk(Kt, &Disk, i);
    DkClose(&Disk);
}

/* After all of the above, on a healthy disk: no errors, and the counters agree. */
KTEST(disk, statistics_add_up)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS S;
    ULONG64 Seed = 0, Bytes = 0;

    if (!OpenPatternDisk(Kt, &Disk, &Seed, &Bytes))
        return;
    KT_ASSERT_EQ(DkStatistics(&Disk, &S), STATUS_SUCCESS);
    KT_EXPECT_EQ(S.Errors, 0);
    KT_EXPECT_EQ(S.Retries, 0);
    KT_EXPECT_EQ(S.Recoveries, 0);
    if (!KeHasOption("ahci.lose")) {
        KT_EXPECT_EQ(S.Timeouts, 0);
        KT_EXPECT_EQ(S.LostInterrupts, 0);
    }
    KT_EXPECT_LE(S.Completed, S.Requests);
    KT_EXPECT_GE(S.Commands, S.Completed - S.Failed);
    KT_EXPECT_GT(S.Interrupts, 0);
    KT_EXPECT_GT(S.DpcRuns, 0);
    KT_EXPECT_LE(S.DpcRuns, S.Interrupts); /* a DPC queued twice runs once */
    if (KeHasOption("ahci.max_piece"))
        KT_EXPECT_GT(S.SplitPieces, 0); /* the 8 MiB requests at least were split */
    if (S.Ncq)
        KT_EXPECT_GT(S.NcqCommands, 0);
    else
        KT_EXPECT_EQ(S.NcqCommands, 0);
    KtInfo("requests %llu, commands %llu (NCQ %llu), interrupts %llu, DPC runs %llu, split pieces %llu", S.Requests,
           S.Commands, S.NcqCommands, S.Interrupts, S.DpcRuns, S.SplitPieces);
    DkClose(&Disk);
}
