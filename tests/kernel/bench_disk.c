/*
 * bench_disk.c - the disk workloads of `make bench` (docs/bench.md): the
 * fio jobs that ../shared/bench/linux-peer runs on Linux, run here through
 * the IRP path (bench_diskio.c) on the same kind of disk, each printing
 *
 *     bench seq-read-128k-qd32 MBps=312.4        MiB/s, one decimal
 *     bench rand-read-4k-qd32 IOPS=10234         requests per second
 *
 * or, when a request fails or the run cannot start, no number:
 *
 *     bench rand-read-4k-qd1 error=0xc0000185 offset=1048576 bytes=0
 *
 * A `bench-detail` line follows each with the raw figures, and the AHCI
 * driver's counters for the run when the disk is one of its disks. The
 * write workload's data is read back and checked before its number is
 * printed (bench_diskcheck.c): `error=data-mismatch offset=N` otherwise.
 *
 * Options (kernel command line):
 *   bench.device=NAME   the disk (default \Device\Harddisk0\DR0; '/' may
 *                       stand for '\', which is easier to pass through a shell)
 *   bench.mib=N         the sequential workloads' size (default 128)
 *   bench.seconds=N     the random workloads' time (default 5)
 *   bench.ios=N         the random workloads do exactly N requests instead:
 *                       `bench=rand-read-4k-qd1 bench.ios=N` is the icount
 *                       run (instructions per request, tools/benchdisk.py)
 */
#include "bench.h"
#include "wdm.h"
#include "../../drivers/ahci/ahcipub.h"

#define KIB 1024u
#define MIB (1024u * 1024u)
#define DEFAULT_DEVICE "\\Device\\Harddisk0\\DR0"
#define DEVICE_WAIT_MS 3000 /* for a driver that creates its disks after DriverEntry */
#define SEED 0x6e746d696e69ULL

typedef struct _DISK_WORKLOAD {
    PCSTR Name;
    UCHAR Major;
    BOOLEAN Random; /* random offsets, timed (bench.seconds) and reported in IOPS */
    ULONG Length;
    ULONG Depth;
} DISK_WORKLOAD;

/* The workloads, in linux-peer's order. */
static const DISK_WORKLOAD Workloads[] = {
    {"seq-read-128k-qd32", IRP_MJ_READ, FALSE, 128 * KIB, 32},
    {"rand-read-4k-qd32", IRP_MJ_READ, TRUE, 4 * KIB, 32},
    {"rand-read-4k-qd1", IRP_MJ_READ, TRUE, 4 * KIB, 1},
    {"seq-write-128k-qd32", IRP_MJ_WRITE, FALSE, 128 * KIB, 32},
};

/* Only an explicit bench= runs a disk workload: `all`, `disk` or its name. */
static BOOLEAN Wanted(PCSTR Name)
{
    CHAR Pattern[64];

    if (!KeGetOption("bench", Pattern, sizeof(Pattern)) || Pattern[0] == 0)
        return FALSE;
    return RtlMatchWildcard(Pattern, "all") || RtlMatchWildcard(Pattern, "disk") || RtlMatchWildcard(Pattern, Name);
}

static BOOLEAN AnyWanted(VOID)
{
    for (ULONG i = 0; i < ARRAYSIZE(Workloads); i++)
        if (Wanted(Workloads[i].Name))
            return TRUE;
    return FALSE;
}

/* bench.device as a UNICODE_STRING in Buffer; Text receives it in ASCII. */
static VOID DeviceName(PUNICODE_STRING Name, PWCHAR Buffer, PCHAR Text, ULONG Capacity)
{
    ULONG Length = 0;

    if (!KeHasOption("bench.device"))
        RtlCopyMemory(Text, DEFAULT_DEVICE, sizeof(DEFAULT_DEVICE));
    else if (!KeGetOption("bench.device", Text, Capacity))
        Text[0] = 0; /* too long for any device here: the open fails */
    for (; Text[Length] != 0; Length++) {
        if (Text[Length] == '/')
            Text[Length] = '\\';
        Buffer[Length] = (WCHAR)Text[Length];
    }
    Name->Buffer = Buffer;
    Name->Length = (USHORT)(Length * sizeof(WCHAR));
    Name->MaximumLength = Name->Length;
}

/* The top of the disk's stack, waiting a little for a driver that is still
 * finding its disks. */
static NTSTATUS OpenDisk(PCSTR *Shown, PFILE_OBJECT *File, PDEVICE_OBJECT *Device)
{
    static CHAR Text[80];
    static WCHAR Buffer[80];
    UNICODE_STRING Name;
    LARGE_INTEGER Pause = {.QuadPart = -10 * 10000}; /* 10 ms */
    NTSTATUS Status;

    DeviceName(&Name, Buffer, Text, sizeof(Text));
    *Shown = Text;
    for (ULONG Waited = 0;; Waited += 10) {
        Status = IoGetDeviceObjectPointer(&Name, FILE_READ_DATA | FILE_WRITE_DATA, File, Device);
        if (Status != STATUS_OBJECT_NAME_NOT_FOUND || Waited >= DEVICE_WAIT_MS)
            return Status;
        KeDelayExecutionThread(KernelMode, FALSE, &Pause);
    }
}

/* A METHOD_BUFFERED IOCTL, synchronously. */
static NTSTATUS Ioctl(PDEVICE_OBJECT Device, ULONG Code, PVOID Input, ULONG InputLength, PVOID Output,
                      ULONG OutputLength)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb = {0};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp =
        IoBuildDeviceIoControlRequest(Code, Device, Input, InputLength, Output, OutputLength, FALSE, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = IoCallDriver(Device, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb.Status;
    }
    return Status;
}

static NTSTATUS QueryDiskSize(PDEVICE_OBJECT Device, ULONG64 *Size)
{
    DISK_GEOMETRY_EX Geometry = {0};
    NTSTATUS Status = Ioctl(Device, IOCTL_DISK_GET_DRIVE_GEOMETRY_EX, NULL, 0, &Geometry, sizeof(Geometry));

    *Size = (ULONG64)Geometry.DiskSize.QuadPart;
    return Status;
}

/* Zeroes an AHCI disk's counters; FALSE for any other disk. */
static BOOLEAN ResetAhciStatistics(PDEVICE_OBJECT Device)
{
    AHCI_TEST_HOOKS Hooks = {.ResetStatistics = TRUE};
    return NT_SUCCESS(Ioctl(Device, IOCTL_AHCI_SET_TEST_HOOKS, &Hooks, sizeof(Hooks), NULL, 0));
}

static VOID PrintAhciStatistics(PCSTR Name, PDEVICE_OBJECT Device)
{
    AHCI_DISK_STATISTICS S;

    if (!NT_SUCCESS(Ioctl(Device, IOCTL_AHCI_QUERY_STATISTICS, NULL, 0, &S, sizeof(S))))
        return;
    DbgPrint("bench-detail %s ahci: requests=%llu commands=%llu ncq_commands=%llu interrupts=%llu dpc_runs=%llu "
             "max_outstanding=%u ncq_depth=%u msi=%u errors=%llu timeouts=%llu\n",
             Name, S.Requests, S.Commands, S.NcqCommands, S.Interrupts, S.DpcRuns, S.MaxOutstanding, S.NcqDepth, S.Msi,
             S.Errors, S.Timeouts);
}

static VOID Report(const DISK_WORKLOAD *Workload, BENCH_DISK_JOB *Job)
{
    ULONG64 Microseconds = Job->Ticks * 1000000 / (Job->Frequency ? Job->Frequency : 1);
    ULONG64 Bytes = Job->Completed * Job->Length;

    DbgPrint("bench-detail %s requests=%llu bytes=%llu us=%llu depth=%u\n", Workload->Name, Job->Completed, Bytes,
             Microseconds, Job->Depth);
    if (Job->Completed == 0 || Microseconds == 0) {
        DbgPrint("bench %s error=no-requests-completed\n", Workload->Name);
    } else if (Workload->Random) {
        DbgPrint("bench %s IOPS=%llu\n", Workload->Name, (Job->Completed * 1000000 + Microseconds / 2) / Microseconds);
    } else {
        ULONG64 Divisor = Microseconds * MIB;
        ULONG64 Tenths = (Bytes * 10 * 1000000 + Divisor / 2) / Divisor;
        DbgPrint("bench %s MBps=%llu.%llu\n", Workload->Name, Tenths / 10, Tenths % 10);
    }
}

/* After a write workload: its stamps read back (bench_diskcheck.c). */
static BOOLEAN Verified(const DISK_WORKLOAD *Workload, BENCH_DISK_JOB *Job)
{
    LONGLONG Offset;
    NTSTATUS Status = KtBenchDiskVerify(Job, &Offset);

    if (Status == STATUS_UNSUCCESSFUL) {
        DbgPrint("bench-detail %s: the data read back at offset %lld is not what was written there\n", Workload->Name,
                 Offset);
        DbgPrint("bench %s error=data-mismatch offset=%lld\n", Workload->Name, Offset);
    } else if (!NT_SUCCESS(Status)) {
        DbgPrint("bench %s error=verify-0x%08x offset=%lld\n", Workload->Name, (ULONG)Status, Offset);
    }
    return NT_SUCCESS(Status);
}

static VOID RunWorkload(const DISK_WORKLOAD *Workload, BENCH_DISK_JOB *Job)
{
    Job->Major = Workload->Major;
    Job->Random = Workload->Random;
    Job->Length = Workload->Length;
    Job->Depth = Workload->Depth;
    Job->Seed = SEED;
    Job->MaxRequests = Workload->Random ? KeGetOptionNumber("bench.ios", 0)
                                        : KeGetOptionNumber("bench.mib", 128) * MIB / Workload->Length;
    Job->Seconds = Workload->Random && Job->MaxRequests == 0 ? (ULONG)KeGetOptionNumber("bench.seconds", 5) : 0;
    BOOLEAN Ahci = ResetAhciStatistics(Job->Device);

    NTSTATUS Status = KtBenchDiskRun(Job);
    if (Status == STATUS_TIMEOUT) {
        DbgPrint("bench-detail %s: requests still out after %u s more than the run's time\n", Workload->Name,
                 BENCH_WAIT_SLACK_SECONDS);
        DbgPrint("bench %s error=timeout\n", Workload->Name);
        return;
    }
    if (!NT_SUCCESS(Status)) {
        DbgPrint("bench %s error=run-0x%08x\n", Workload->Name, (ULONG)Status);
        return;
    }
    if (!NT_SUCCESS(Job->Status)) {
        DbgPrint("bench-detail %s: the request at offset %lld failed with status 0x%08x after %llu bytes\n",
                 Workload->Name, Job->FailedOffset, (ULONG)Job->Status, Job->FailedBytes);
        DbgPrint("bench %s error=0x%08x offset=%lld bytes=%llu\n", Workload->Name, (ULONG)Job->Status,
                 Job->FailedOffset, Job->FailedBytes);
        return;
    }
    if (Job->Major == IRP_MJ_WRITE && !Verified(Workload, Job))
        return;
    Report(Workload, Job);
    if (Ahci)
        PrintAhciStatistics(Workload->Name, Job->Device);
}

/* Every wanted workload gets a line, a result or an error. */
static VOID FailAll(PCSTR Why, NTSTATUS Status)
{
    for (ULONG i = 0; i < ARRAYSIZE(Workloads); i++)
        if (Wanted(Workloads[i].Name))
            DbgPrint("bench %s error=%s-0x%08x\n", Workloads[i].Name, Why, (ULONG)Status);
}

VOID KtRunDiskBenchmarks(VOID)
{
    BENCH_DISK_JOB Job = {0};
    PCSTR Name;

    if (!AnyWanted())
        return;
    NTSTATUS Status = OpenDisk(&Name, &Job.File, &Job.Device);
    if (!NT_SUCCESS(Status)) {
        DbgPrint("bench-detail disk: cannot open %s: status 0x%08x\n", Name, (ULONG)Status);
        FailAll("no-disk", Status);
        return;
    }
    Status = QueryDiskSize(Job.Device, &Job.DiskSize);
    DbgPrint("bench-detail disk: %s, %llu bytes\n", Name, Job.DiskSize);
    if (!NT_SUCCESS(Status) || Job.DiskSize == 0) {
        FailAll("no-size", Status);
    } else {
        for (ULONG i = 0; i < ARRAYSIZE(Workloads); i++)
            if (Wanted(Workloads[i].Name))
                RunWorkload(&Workloads[i], &Job);
    }
    ObDereferenceObject(Job.File);
}
