/*
 * interrupt.c - interrupt objects: initializing them, and connecting them to
 * (and disconnecting them from) their vector's chain.
 *
 * The dispatcher (intdispatch.c) walks a vector's chain with interrupts
 * enabled, at the vector's IRQL, and takes no lock to do it. That is safe
 * because chains change only here, at HIGH_LEVEL: while a chain is being
 * changed, no interrupt can start a walk on this processor, and no walk can be
 * half done underneath (code that connects runs at IRQL <= DISPATCH_LEVEL,
 * never inside an ISR). All device interrupts go to the boot processor for
 * now (the I/O APIC entries name it), so no other processor walks the chains.
 * KiVectorLock keeps two processors from changing them at once.
 *
 * Lock order: KiVectorLock, then the HAL's (HalEnableSystemInterrupt).
 */
#include "interruptp.h"
#include "hal/interrupts.h"
#include "hal/vectors.h"
#include "hal/x86.h"
#include "ke/prcb.h"
#include "rtl.h"

static KSPIN_LOCK KiVectorLock;

static KIRQL LockVectors(VOID)
{
    return KiAcquireSpinLockRaiseToHigh(&KiVectorLock);
}

static VOID UnlockVectors(KIRQL OldIrql)
{
    KiReleaseSpinLockFromHigh(&KiVectorLock, OldIrql);
}

VOID KiInitializeInterruptVectors(VOID)
{
    for (ULONG Vector = 0; Vector < ARRAYSIZE(KiInterruptVectors); Vector++)
        InitializeListHead(&KiInterruptVectors[Vector].InterruptList);
}

VOID KiConnectSystemVector(UCHAR Vector, PHAL_SYSTEM_HANDLER Handler)
{
    KIRQL OldIrql = LockVectors();
    KiInterruptVectors[Vector].SystemHandler = Handler;
    UnlockVectors(OldIrql);
}

VOID KeInitializeInterrupt(PKINTERRUPT Interrupt, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                           PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                           KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector)
{
    RtlZeroMemory(Interrupt, sizeof(*Interrupt));
    InitializeListHead(&Interrupt->InterruptListEntry);
    Interrupt->ServiceRoutine = ServiceRoutine;
    Interrupt->ServiceContext = ServiceContext;
    KeInitializeSpinLock(&Interrupt->SpinLock);
    Interrupt->ActualLock = SpinLock != NULL ? SpinLock : &Interrupt->SpinLock;
    Interrupt->Vector = Vector;
    Interrupt->Irql = Irql;
    Interrupt->SynchronizeIrql = SynchronizeIrql;
    Interrupt->Mode = InterruptMode;
    Interrupt->ShareVector = ShareVector;
}

/* What the hardware can do: the APIC masks a vector by its class, so an
 * object's Irql must be exactly its vector's class, and its ISR may run
 * higher (SynchronizeIrql) but never lower. */
static BOOLEAN IsValid(const KINTERRUPT *Interrupt)
{
    return Interrupt->Vector >= KI_FIRST_DEVICE_VECTOR && Interrupt->Vector <= KI_LAST_DEVICE_VECTOR &&
           Interrupt->Irql == VECTOR_TO_IRQL(Interrupt->Vector) && Interrupt->SynchronizeIrql >= Interrupt->Irql &&
           Interrupt->SynchronizeIrql <= DEVICE_LEVEL_HIGH && Interrupt->ServiceRoutine != NULL &&
           (Interrupt->Mode == LevelSensitive || Interrupt->Mode == Latched);
}

/* A vector is shared only when every object on it, and the newcomer, agree
 * to share it in the same trigger mode: one line cannot be both. */
static BOOLEAN CanJoin(KI_INTERRUPT_VECTOR *Entry, const KINTERRUPT *Interrupt)
{
    if (Entry->SystemHandler != NULL)
        return FALSE;
    for (PLIST_ENTRY Link = Entry->InterruptList.Flink; Link != &Entry->InterruptList; Link = Link->Flink) {
        PKINTERRUPT Other = CONTAINING_RECORD(Link, KINTERRUPT, InterruptListEntry);
        if (!Other->ShareVector || !Interrupt->ShareVector || Other->Mode != Interrupt->Mode)
            return FALSE;
    }
    return TRUE;
}

BOOLEAN KeConnectInterrupt(PKINTERRUPT Interrupt)
{
    if (Interrupt->Connected || !IsValid(Interrupt))
        return FALSE;
    KI_INTERRUPT_VECTOR *Entry = &KiInterruptVectors[Interrupt->Vector];
    KIRQL OldIrql = LockVectors();
    BOOLEAN Joined = CanJoin(Entry, Interrupt);
    if (Joined) {
        BOOLEAN First = IsListEmpty(&Entry->InterruptList);
        /* Another processor may be walking the chain without the lock: the
         * object's own links must be in place before it becomes reachable. */
        Interrupt->InterruptListEntry.Flink = &Entry->InterruptList;
        Interrupt->InterruptListEntry.Blink = Entry->InterruptList.Blink;
        __atomic_thread_fence(__ATOMIC_RELEASE);
        InsertTailList(&Entry->InterruptList, &Interrupt->InterruptListEntry);
        Interrupt->Connected = TRUE;
        if (First) {
            Entry->ConsecutiveUnclaimed = 0;
            Entry->StormMasked = FALSE;
            HalEnableSystemInterrupt(Interrupt->Vector, Interrupt->Irql, Interrupt->Mode);
        }
    }
    UnlockVectors(OldIrql);
    return Joined;
}

/* Walks of Vector's chain that began before an unlink may still be at the
 * unlinked object; walks that begin after cannot reach it. So for each
 * processor seen walking Vector, wait until that walk ends (its count moves
 * on). That is at most one walk per processor: no livelock, even when a
 * processor takes the vector again and again. The seq_cst fence pairs with
 * the walker's seq_cst store: either it sees the unlinked chain, or we see it
 * walking. */
static VOID WaitForWalks(ULONG Vector)
{
    ULONG Class = Vector >> 4;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (ULONG n = 0; n < KeNumberProcessors; n++) {
        PKPRCB Prcb = KiProcessorBlock[n];
        if (__atomic_load_n(&Prcb->InterruptWalkVector[Class], __ATOMIC_SEQ_CST) != Vector)
            continue;
        ULONG64 Seen = __atomic_load_n(&Prcb->InterruptWalkCount[Class], __ATOMIC_ACQUIRE);
        while (__atomic_load_n(&Prcb->InterruptWalkVector[Class], __ATOMIC_ACQUIRE) == Vector &&
               __atomic_load_n(&Prcb->InterruptWalkCount[Class], __ATOMIC_ACQUIRE) == Seen)
            _mm_pause();
    }
}

BOOLEAN KeDisconnectInterrupt(PKINTERRUPT Interrupt)
{
    KI_INTERRUPT_VECTOR *Entry = &KiInterruptVectors[Interrupt->Vector];
    if (KeGetCurrentIrql() > DISPATCH_LEVEL)
        KiBugCheck(IRQL_NOT_LESS_OR_EQUAL, KeGetCurrentIrql(), DISPATCH_LEVEL, (ULONG_PTR)Interrupt, 0, NULL,
                   "KeDisconnectInterrupt at IRQL %u: interrupts are disconnected at PASSIVE_LEVEL (WDM), and "
                   "from an ISR it would wait forever for that ISR to finish",
                   KeGetCurrentIrql());
    KIRQL OldIrql = LockVectors();
    BOOLEAN WasConnected = Interrupt->Connected;
    if (WasConnected) {
        /* Unlinking leaves the object's own Flink pointing into the chain,
         * so a processor that is at this object in its walk still finds its
         * way back to the head. */
        RemoveEntryList(&Interrupt->InterruptListEntry);
        Interrupt->Connected = FALSE;
        if (IsListEmpty(&Entry->InterruptList))
            HalDisableSystemInterrupt(Interrupt->Vector, Interrupt->Irql);
    }
    UnlockVectors(OldIrql);
    if (WasConnected) {
        WaitForWalks(Interrupt->Vector);
        InitializeListHead(&Interrupt->InterruptListEntry);
    }
    return WasConnected;
}
