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

BOOLEAN KeDisconnectInterrupt(PKINTERRUPT Interrupt)
{
    KIRQL OldIrql = LockVectors();
    BOOLEAN WasConnected = Interrupt->Connected;
    if (WasConnected) {
        RemoveEntryList(&Interrupt->InterruptListEntry);
        InitializeListHead(&Interrupt->InterruptListEntry);
        Interrupt->Connected = FALSE;
        if (IsListEmpty(&KiInterruptVectors[Interrupt->Vector].InterruptList))
            HalDisableSystemInterrupt(Interrupt->Vector, Interrupt->Irql);
    }
    UnlockVectors(OldIrql);
    return WasConnected;
}
