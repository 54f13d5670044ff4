/*
 * bench.h - the `bench=` kernel option: latency benchmarks that print lines
 *
 *     bench <name> <metric>=<value> ...
 *
 * for `make bench` (tools/make/bench.mk). Not tests: nothing passes or fails,
 * the numbers depend on the machine. bench=all runs every benchmark; bench=NAME
 * (wildcards allowed) only the matching ones.
 */
#ifndef BENCH_H
#define BENCH_H

#include "ntdef.h"

VOID KtRunBenchmarks(VOID);

/* ---- the disk workloads (bench_disk.c, bench_diskio.c; docs/bench.md) ----
 * seq-read-128k-qd32, rand-read-4k-qd32, rand-read-4k-qd1 and
 * seq-write-128k-qd32, through the IRP path to bench.device (default
 * \Device\Harddisk0\DR0). They run only when `bench=` names them (`all`,
 * `disk` or the workload's name): never from the shell's plain `bench`, since
 * one of them overwrites the disk. KtRunBenchmarks calls this. */
VOID KtRunDiskBenchmarks(VOID);

struct _DEVICE_OBJECT;
struct _FILE_OBJECT;

/* One workload's run: what to do (filled by bench_disk.c) and what happened
 * (filled by the engine). Requests are numbered from 0; request N's offset is
 * N * Length (sequential, wrapping at the disk's end) or a pseudo-random
 * multiple of Length anywhere on the disk, a function of Seed + N. */
typedef struct _BENCH_DISK_JOB {
    struct _DEVICE_OBJECT *Device; /* the top of the disk's stack */
    struct _FILE_OBJECT *File;     /* from IoGetDeviceObjectPointer */
    UCHAR Major;                   /* IRP_MJ_READ or IRP_MJ_WRITE */
    BOOLEAN Random;
    ULONG Length;     /* bytes per request */
    ULONG Depth;      /* requests kept outstanding (1: a loop of synchronous requests) */
    ULONG64 DiskSize; /* bytes */
    ULONG64 Seed;
    ULONG64 MaxRequests; /* stop after this many; 0: no limit */
    ULONG Seconds;       /* stop sending after this long; 0: no limit */

    ULONG64 Completed; /* requests that succeeded with every byte moved */
    ULONG64 Ticks;     /* performance counter, first send to last completion */
    ULONG64 Frequency; /* performance counter ticks per second */
    NTSTATUS Status;   /* the first failure's status; STATUS_SUCCESS if none */
    LONGLONG FailedOffset;
    ULONG64 FailedBytes; /* IoStatus.Information of the failed request */
} BENCH_DISK_JOB;

/* Runs Job on Device at PASSIVE_LEVEL and returns when every request has come
 * back: STATUS_SUCCESS, or why it could not run (no memory, a bad job), or
 * STATUS_TIMEOUT when requests are still out BENCH_WAIT_SLACK_SECONDS after
 * the job's time (they are left where they are). A request's failure is
 * Job->Status, not the return value. */
#define BENCH_WAIT_SLACK_SECONDS 60
NTSTATUS KtBenchDiskRun(BENCH_DISK_JOB *Job);

/* The proof that data moved (bench_diskcheck.c). A write's buffer is stamped
 * with its disk offset every 4 KiB before it is sent; after a sequential
 * write job, KtBenchDiskVerify reads some of those pages back and checks the
 * stamps: STATUS_SUCCESS, a read's failure, or STATUS_UNSUCCESSFUL for a
 * wrong stamp, with its offset in *BadOffset. PASSIVE_LEVEL. */
VOID KtBenchDiskStampBuffer(PVOID Buffer, ULONG Length, LONGLONG Offset);
NTSTATUS KtBenchDiskVerify(BENCH_DISK_JOB *Job, LONGLONG *BadOffset);

#endif /* BENCH_H */
