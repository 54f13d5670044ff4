/*
 * irp.c - IoAllocateIrp, IoReuseIrp, IoFreeIrp, and the list of IRPs in
 * flight.
 *
 * An IRP is allocated with its stack locations after it, as many as the
 * device it will be sent to asks for (DeviceObject->StackSize). A new IRP
 * belongs to its creator, who owns no location: CurrentLocation is
 * StackCount + 1, one past the last, and the first IoCallDriver moves it to
 * StackCount, the top driver's location.
 *
 *     IRP | location 1 | location 2 | location 3 |   (StackCount 3)
 *           bottom driver             top driver    creator: "location 4"
 *
 * Every IRP from IoAllocateIrp is on IopIrpList until IoFreeIrp: GDB's
 * `irps` lists them, and the checks use it to tell a live IRP from a freed
 * one.
 */
#include "iop.h"

LIST_ENTRY IopIrpList = {&IopIrpList, &IopIrpList};
static KSPIN_LOCK IopIrpListLock;

KIRQL IopLockIrpList(VOID)
{
    KIRQL OldIrql;
    KeAcquireSpinLock(&IopIrpListLock, &OldIrql);
    return OldIrql;
}

VOID IopUnlockIrpList(KIRQL OldIrql)
{
    KeReleaseSpinLock(&IopIrpListLock, OldIrql);
}

BOOLEAN IopIsIrpAllocatedLocked(PIRP Irp)
{
    for (PLIST_ENTRY Link = IopIrpList.Flink; Link != &IopIrpList; Link = Link->Flink) {
        if (Link == &Irp->IopPrivate.InFlightLinks)
            return TRUE;
    }
    return FALSE;
}

ULONG IopCountIrpsInFlight(VOID)
{
    ULONG Count = 0;
    KIRQL OldIrql = IopLockIrpList();
    for (PLIST_ENTRY Link = IopIrpList.Flink; Link != &IopIrpList; Link = Link->Flink)
        Count++;
    IopUnlockIrpList(OldIrql);
    return Count;
}

/* Everything but the list links back to a new IRP's state. */
static VOID InitializeIrp(PIRP Irp, USHORT Size, CCHAR StackSize)
{
    LIST_ENTRY Links = Irp->IopPrivate.InFlightLinks;

    RtlZeroMemory(Irp, Size);
    Irp->IopPrivate.InFlightLinks = Links;
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = Size;
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
    Irp->RequestorMode = KernelMode;
    InitializeListHead(&Irp->ThreadListEntry);
}

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    UNREFERENCED_PARAMETER(ChargeQuota); /* no quotas */
    if (StackSize < 1)
        return NULL;
    USHORT Size = IoSizeOfIrp(StackSize);
    PIRP Irp = ExAllocatePoolWithTag(NonPagedPoolNx, Size, IOP_IRP_TAG);
    if (Irp == NULL)
        return NULL;
    InitializeIrp(Irp, Size, StackSize);

    KIRQL OldIrql = IopLockIrpList();
    InsertTailList(&IopIrpList, &Irp->IopPrivate.InFlightLinks);
    IopUnlockIrpList(OldIrql);
    return Irp;
}

VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    UCHAR AllocationFlags = Irp->AllocationFlags;

    InitializeIrp(Irp, Irp->Size, Irp->StackCount);
    Irp->AllocationFlags = AllocationFlags;
    Irp->IoStatus.Status = Iostatus;
}

VOID IoFreeIrp(PIRP Irp)
{
    KIRQL OldIrql = IopLockIrpList();
    BOOLEAN Allocated = Irp->Type == IO_TYPE_IRP && IopIsIrpAllocatedLocked(Irp);
    if (Allocated)
        RemoveEntryList(&Irp->IopPrivate.InFlightLinks);
    IopUnlockIrpList(OldIrql);
    if (!Allocated)
        IopVerifierBugCheck(IOP_VERIFIER_FREE_NOT_AN_IRP, (ULONG_PTR)Irp, 0, 0,
                            "IoFreeIrp was given something that is not an allocated IRP (freed twice?)");

    /* A buffered request's system buffer is the I/O manager's: when the
     * creator takes the IRP back from completion (IoBuildAsynchronousFsdRequest
     * with STATUS_MORE_PROCESSING_REQUIRED), it goes with the IRP. */
    if ((Irp->Flags & IRP_DEALLOCATE_BUFFER) && Irp->AssociatedIrp.SystemBuffer != NULL)
        ExFreePoolWithTag(Irp->AssociatedIrp.SystemBuffer, IOP_BUFFER_TAG);
    Irp->Type = 0; /* a stale pointer to it is recognizably not an IRP */
    ExFreePoolWithTag(Irp, IOP_IRP_TAG);
}
