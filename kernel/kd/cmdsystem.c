/*
 * cmdsystem.c - the shell's look at the kernel: irql, cpus, dpcs, pool.
 *
 * Each reads counters the kernel keeps anyway (the processor blocks, the DPC
 * queues' statistics, the pool's per-tag accounting) and prints them as they
 * are at that moment: other processors go on changing them meanwhile.
 */
#include "kdp.h"
#include "ke/prcb.h"

#define KD_POOL_TAGS 256

static PCSTR IrqlName(KIRQL Irql)
{
    switch (Irql) {
    case PASSIVE_LEVEL: return "PASSIVE_LEVEL";
    case APC_LEVEL: return "APC_LEVEL";
    case DISPATCH_LEVEL: return "DISPATCH_LEVEL";
    case SYNCH_LEVEL: return "SYNCH_LEVEL";
    case CLOCK_LEVEL: return "CLOCK_LEVEL";
    case IPI_LEVEL: return "IPI_LEVEL";
    case HIGH_LEVEL: return "HIGH_LEVEL";
    default: return "a device level (DIRQL)";
    }
}

_Use_decl_annotations_
BOOLEAN KdCmdIrql(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    KIRQL Irql = KeGetCurrentIrql();
    DbgPrint("irql: %u (%s), the shell's thread on cpu %u\n", Irql, IrqlName(Irql), KeGetCurrentProcessorNumber());
    DbgPrint("levels: PASSIVE 0, APC 1, DISPATCH 2, devices 3-11, SYNCH 12, CLOCK 13, IPI 14, HIGH 15\n");
    return TRUE;
}

_Use_decl_annotations_
BOOLEAN KdCmdCpus(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    DbgPrint("cpus: %u running\n", KeNumberProcessors);
    for (ULONG i = 0; i < KeNumberProcessors; i++) {
        PKPRCB Prcb = KiProcessorBlock[i];
        DbgPrint("  cpu %u: apic id %u, %llu clock ticks, %llu IPIs, %s\n", Prcb->Number, Prcb->ApicId,
                 Prcb->ClockTickCount, Prcb->IpiCount, Prcb->CurrentThread == Prcb->IdleThread ? "idle" : "busy");
    }
    return TRUE;
}

static VOID PrintDpcQueue(PCSTR Kind, const KDPC_DATA *Data)
{
    const KDPC_STATISTICS *Stats = &Data->Statistics;
    DbgPrint("    %-8s queued now %u, inserted %llu, run %llu, deepest %u\n", Kind, Data->DpcQueueDepth,
             Stats->InsertCount, Stats->DpcCount, Stats->MaximumQueueDepth);
}

_Use_decl_annotations_
BOOLEAN KdCmdDpcs(ULONG Argc, PCSTR *Argv)
{
    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    for (ULONG i = 0; i < KeNumberProcessors; i++) {
        DbgPrint("  cpu %u:\n", i);
        PrintDpcQueue("normal", &KiProcessorBlock[i]->DpcData);
        PrintDpcQueue("threaded", &KiProcessorBlock[i]->ThreadedDpcData);
    }
    return TRUE;
}

static VOID PrintTag(const POOL_TAG_INFO *Tag)
{
    char Name[5];

    for (int i = 0; i < 4; i++) {
        char C = (char)(Tag->Tag >> (8 * i));
        Name[i] = (C >= 0x20 && C < 0x7F) ? C : '.';
    }
    Name[4] = 0;
    DbgPrint("  %-4s %10llu %10llu %12llu\n", Name, Tag->Allocations, Tag->Frees, Tag->BytesInUse);
}

_Use_decl_annotations_
BOOLEAN KdCmdPool(ULONG Argc, PCSTR *Argv)
{
    static POOL_TAG_INFO Tags[KD_POOL_TAGS];

    UNREFERENCED_PARAMETER(Argv);
    if (Argc != 1)
        return FALSE;
    ULONG Count = ExQueryPoolTags(Tags, KD_POOL_TAGS);
    DbgPrint("  tag      allocs      frees  bytes in use\n");
    for (ULONG i = 0; i < Count && i < KD_POOL_TAGS; i++)
        PrintTag(&Tags[i]);
    DbgPrint("pool: %u tags\n", Count);
    return TRUE;
}
