/*
 * test_disk_timeout.c - suite `disk_timeout`: the driver's timeout path,
 * driven by its lost-interrupt hook (ahcipub.h). A command whose completion
 * interrupt is dropped looks hung; the driver's timer must find it, recover
 * the port, and retry, so that the I/O still completes correctly; and a
 * request that can never complete must end with STATUS_IO_TIMEOUT, after
 * which the disk keeps working.
 *
 * Runs only in a boot with ahci.lose=N (and a short ahci.timeout_ms=, or
 * each lost interrupt costs the default 10 s): tools/disktest.py boots
 * `ahci.lose=3 ahci.timeout_ms=500 test=disk_timeout`. Elsewhere it skips.
 */
#include "disk_helpers.h"

static BOOLEAN OpenLosingDisk(KTEST_CONTEXT *Kt, DK_DISK *Disk, ULONG64 *Seed)
{
    if (!DkOpenForTest(Kt, 0, TRUE, Disk))
        return FALSE;
    if (!KeHasOption("ahci.lose")) {
        DkClose(Disk);
        KtSkip(Kt, "no ahci.lose=N on the command line (tools/disktest.py sets it)");
        return FALSE;
    }
    DkPatternSeed(0, Seed);
    return TRUE;
}

/* Count reads of a few sectors one after another, each checked: one at a
 * time, so a lost completion is found by the timer, not by a later interrupt. */
static ULONG SequentialReads(DK_DISK *Disk, ULONG64 Seed, ULONG Count, ULONG64 RandomSeed)
{
    DK_RANDOM Random;
    ULONG Failures = 0;

    DkSeedRandom(&Random, RandomSeed);
    for (ULONG i = 0; i < Count; i++) {
        ULONG Length = (ULONG)(1 + DkRandomBelow(&Random, 16)) * DK_SECTOR;
        ULONG64 Offset = DkRandomBelow(&Random, (DK_READ_ONLY_END - Length) / DK_SECTOR) * DK_SECTOR;
        NTSTATUS Status = DkReadAndCheck(Disk, Seed, Offset, Length, 0);
        if (Status != STATUS_SUCCESS) {
            KtInfo("read %u (0x%x bytes at 0x%llx): status 0x%08x", i, Length, Offset, (ULONG)Status);
            Failures++;
        }
    }
    return Failures;
}

KTEST(disk_timeout, lost_interrupts_are_recovered)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS S;
    ULONG64 Seed = 0;

    if (!OpenLosingDisk(Kt, &Disk, &Seed))
        return;
    ULONG Lose = (ULONG)KeGetOptionNumber("ahci.lose", 0);
    /* More interrupts than the hook drops, whatever the boot itself used up. */
    KT_EXPECT_EQ(SequentialReads(&Disk, Seed, 2 * Lose + 4, 0xD15C0004), 0);
    KT_ASSERT_EQ(DkStatistics(&Disk, &S), STATUS_SUCCESS);
    KT_EXPECT_EQ(S.LostInterrupts, Lose);
    KT_EXPECT_GT(S.Timeouts, 0);
    KT_EXPECT_EQ(S.Failed, 0);
    KtInfo("lost %llu, timeouts %llu, recoveries %llu, retries %llu", S.LostInterrupts, S.Timeouts, S.Recoveries,
           S.Retries);
    DkClose(&Disk);
}

KTEST(disk_timeout, hung_request_fails_with_io_timeout)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS S;
    ULONG64 Seed = 0;
    ULONG TimeoutMs = (ULONG)KeGetOptionNumber("ahci.timeout_ms", 500);

    if (!OpenLosingDisk(Kt, &Disk, &Seed))
        return;
    /* Every interrupt from now on is dropped: no retry can succeed. */
    KT_ASSERT_EQ(DkSetHooks(&Disk, 0xFFFFFFFF, TimeoutMs, TRUE), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, 4096 * DK_SECTOR, DK_SECTOR, 0), STATUS_IO_TIMEOUT);
    KT_EXPECT_EQ(DkStatistics(&Disk, &S), STATUS_SUCCESS);
    KT_EXPECT_GT(S.Timeouts, 0);
    KT_EXPECT_GT(S.LostInterrupts, 0);
    KT_EXPECT_EQ(S.Failed, 1);
    KtInfo("after the hung request: timeouts %llu, recoveries %llu, retries %llu", S.Timeouts, S.Recoveries, S.Retries);

    /* The hook off again: the disk works, and the data is right. */
    KT_ASSERT_EQ(DkSetHooks(&Disk, 0, 0, FALSE), STATUS_SUCCESS);
    KT_EXPECT_EQ(SequentialReads(&Disk, Seed, 8, 0xD15C0005), 0);
    KT_EXPECT_EQ(DkReadAndCheck(&Disk, Seed, DK_MIB, (ULONG)DK_MIB, 0), STATUS_SUCCESS);
    KT_EXPECT_EQ(DkStatistics(&Disk, &S), STATUS_SUCCESS);
    KT_EXPECT_EQ(S.Failed, 1);
    DkClose(&Disk);
}

/* Interrupts lost while many commands are in flight: a later interrupt may
 * reveal a lost completion, or the timer may find it, and a recovery may cut
 * other commands short; either way every request must end well, with the
 * right data. Three lost interrupts, no more than the driver's retries of one
 * request (each timeout blames every command in flight; a request blamed a
 * fourth time fails): so no request may fail, however the timing falls. How
 * often the timer fires does depend on the timing, and is not checked. */
KTEST(disk_timeout, lost_interrupts_under_load)
{
    DK_DISK Disk;
    AHCI_DISK_STATISTICS Before, After;
    ULONG64 Seed = 0;

    if (!OpenLosingDisk(Kt, &Disk, &Seed))
        return;
    KT_EXPECT_EQ(DkStatistics(&Disk, &Before), STATUS_SUCCESS);
    KT_ASSERT_EQ(DkSetHooks(&Disk, 3, 0, FALSE), STATUS_SUCCESS);
    DK_LOAD Load = {.Disk = &Disk,
                    .Seed = Seed,
                    .ReadBase = 0,
                    .ReadBytes = DK_READ_ONLY_END,
                    .WriteBase = DK_LOAD_WRITE_AT,
                    .WriteBytes = DK_LOAD_WRITE_SIZE,
                    .WriteSeed = Seed ^ 0x105E105EULL,
                    .BadSector = ~0ULL,
                    .Depth = 8,
                    .Rounds = 3};
    KT_ASSERT(DkRunLoad(&Load));
    KT_EXPECT_EQ(DkStatistics(&Disk, &After), STATUS_SUCCESS);
    KT_EXPECT_EQ(Load.Failures, 0);
    KT_EXPECT_EQ(After.LostInterrupts - Before.LostInterrupts, 3);
    KT_EXPECT_EQ(After.Failed, Before.Failed);
    KtInfo("%d requests; timeouts %llu, recoveries %llu, retries %llu", Load.Requests, After.Timeouts - Before.Timeouts,
           After.Recoveries - Before.Recoveries, After.Retries - Before.Retries);
    DkClose(&Disk);
}
