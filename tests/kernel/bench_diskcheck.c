/*
 * bench_diskcheck.c - proof that a disk workload moved real data, so that a
 * driver which completes requests without transferring anything, or
 * transfers to the wrong place, gets an error line instead of a number.
 *
 * The write workload stamps the first 8 bytes of every 4 KiB of each request
 * with a function of that spot's disk offset (a few stores per request, too
 * few to show in the figure). Afterwards, untimed, KtBenchDiskVerify reads
 * 64 pages of what was written back, at pseudo-random places, and compares
 * their stamps: the write path and the read path, offsets included, end to
 * end through the disk image.
 */
#include "bench.h"
#include "wdm.h"

#define CHECK_TAG POOL_TAG('B', 'n', 'c', 'C')
#define CHECK_PAGE 4096u
#define CHECK_READS 64u
#define STAMP_KEY 0x7374616d70000000ULL

static ULONG64 Stamp(LONGLONG Offset)
{
    return (ULONG64)Offset ^ STAMP_KEY;
}

VOID KtBenchDiskStampBuffer(PVOID Buffer, ULONG Length, LONGLONG Offset)
{
    /* The buffer is page-aligned (pool blocks of a page or more are). */
    for (ULONG i = 0; i + sizeof(ULONG64) <= Length; i += CHECK_PAGE)
        *(ULONG64 *)((PUCHAR)Buffer + i) = Stamp(Offset + i);
}

static NTSTATUS ReadPage(BENCH_DISK_JOB *Job, PVOID Buffer, LONGLONG Offset)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb = {0};
    LARGE_INTEGER Start = {.QuadPart = Offset};

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Job->Device, Buffer, CHECK_PAGE, &Start, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoGetNextIrpStackLocation(Irp)->FileObject = Job->File;
    NTSTATUS Status = IoCallDriver(Job->Device, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb.Status;
    }
    if (NT_SUCCESS(Status) && Iosb.Information != CHECK_PAGE)
        Status = STATUS_END_OF_FILE;
    return Status;
}

static NTSTATUS CheckPages(BENCH_DISK_JOB *Job, PULONG64 Buffer, ULONG64 Written, LONGLONG *BadOffset)
{
    ULONG64 Pages = Written / CHECK_PAGE;

    for (ULONG i = 0; i < CHECK_READS; i++) {
        *BadOffset = (LONGLONG)(((i * 2654435761ULL + Job->Seed) % Pages) * CHECK_PAGE);
        NTSTATUS Status = ReadPage(Job, Buffer, *BadOffset);
        if (!NT_SUCCESS(Status))
            return Status;
        if (Buffer[0] != Stamp(*BadOffset))
            return STATUS_UNSUCCESSFUL;
    }
    return STATUS_SUCCESS;
}

NTSTATUS KtBenchDiskVerify(BENCH_DISK_JOB *Job, LONGLONG *BadOffset)
{
    ULONG64 Requests = Job->DiskSize / Job->Length;
    ULONG64 Written = (Job->Completed < Requests ? Job->Completed : Requests) * Job->Length;

    *BadOffset = -1;
    if (Written < CHECK_PAGE)
        return STATUS_SUCCESS; /* nothing to check */
    PULONG64 Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, CHECK_PAGE, CHECK_TAG);
    if (Buffer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = CheckPages(Job, Buffer, Written, BadOffset);
    ExFreePoolWithTag(Buffer, CHECK_TAG);
    return Status;
}
