/*
 * intdispatch.c - from an interrupt vector to the routine that serves it.
 *
 * trap.asm saved the registers and KiDispatchTrap passed the vector here,
 * with interrupts disabled (the IDT has interrupt gates). For vector V:
 *
 *   1. raise the IRQL (CR8) to V >> 4, V's class. The APIC already holds back
 *      everything at or below that class while V is in service; CR8 says so
 *      to the software too (KeGetCurrentIrql), and keeps saying it after the
 *      EOI below;
 *   2. enable interrupts: a higher-class vector may now interrupt the ISR,
 *      as a higher IRQL should;
 *   3. call the HAL's routine for V, or each interrupt object on V's chain,
 *      at its SynchronizeIrql, under its spin lock;
 *   4. disable interrupts, send the EOI (which retires V at the APIC and, if
 *      V came level-triggered, lets the I/O APIC sample the line again), and
 *      lower the IRQL to what it was. iretq then re-enables interrupts: a
 *      vector that became deliverable as the IRQL dropped (a DISPATCH_LEVEL
 *      software interrupt the ISR requested, say) is taken right there, on
 *      a stack that has already unwound this interrupt. (The APC and
 *      DISPATCH software interrupts take their EOI before step 2 instead:
 *      see IsSoftwareInterrupt.)
 *
 * The spurious vector is the exception: the APIC sends it when the interrupt
 * it was about to deliver was masked (CR8 went up) in the meantime. Nothing is
 * in service, so there is nothing to EOI, and an EOI would retire some other
 * vector that is.
 */
#include "interruptp.h"
#include "prcb.h"
#include "hal/interrupts.h"
#include "hal/vectors.h"
#include "hal/x86.h"
#include "rtl.h"

KI_INTERRUPT_VECTOR KiInterruptVectors[256];

/* The IRQL must be the same after an ISR or a HAL handler as before it: a
 * routine that returns above it leaves interrupts masked for good, and one
 * that returns below it has let lower interrupts nest inside itself.
 * Windows stops with IRQL_UNEXPECTED_VALUE; parameter 1 packs the current
 * and the expected IRQL with the code 3 ("an interrupt's ServiceRoutine"). */
static VOID CheckIrqlAfter(PVOID Routine, PKINTERRUPT Interrupt, KIRQL Expected)
{
    KIRQL Current = KeGetCurrentIrql();
    ULONG64 Offset;

    if (Current == Expected)
        return;
    PCSTR Name = KiLookupSymbol((ULONG64)Routine, &Offset);
    KiBugCheck(IRQL_UNEXPECTED_VALUE, ((ULONG_PTR)Current << 16) | ((ULONG_PTR)Expected << 8) | 3, (ULONG_PTR)Routine,
               (ULONG_PTR)Interrupt, 0, NULL,
               "the interrupt routine %s (object %p) returned at IRQL %u; it was called at IRQL %u and must "
               "return at the same IRQL",
               Name ? Name : "?", (PVOID)Interrupt, Current, Expected);
}

/* One ISR call: at the object's SynchronizeIrql, holding its spin lock. */
static BOOLEAN CallServiceRoutine(PKINTERRUPT Interrupt)
{
    KIRQL OldIrql = KfRaiseIrql(Interrupt->SynchronizeIrql);

    KiAcquireSpinLockRaw(Interrupt->ActualLock);
    Interrupt->DispatchCount++;
    BOOLEAN Handled = Interrupt->ServiceRoutine(Interrupt, Interrupt->ServiceContext);
    CheckIrqlAfter((PVOID)Interrupt->ServiceRoutine, Interrupt, Interrupt->SynchronizeIrql);
    if (Handled)
        Interrupt->ServiceCount++;
    KiReleaseSpinLockRaw(Interrupt->ActualLock);
    KfLowerIrql(OldIrql);
    return Handled;
}

/* Nobody claimed this interrupt. A level-triggered line re-delivers after
 * every EOI for as long as its device holds it asserted, so a device that no
 * driver acknowledges would keep this CPU in its interrupt handler forever.
 * After KI_INTERRUPT_STORM_THRESHOLD unclaimed interrupts in a row, the line
 * is masked instead: its devices stop working, but the machine does not. An
 * edge-triggered line cannot storm by itself; it is only counted. */
static VOID NoteUnclaimed(KI_INTERRUPT_VECTOR *Entry, ULONG Vector)
{
    Entry->Unclaimed++;
    Entry->ConsecutiveUnclaimed++;
    if (IsListEmpty(&Entry->InterruptList)) {
        if (Entry->Unclaimed == 1)
            DbgPrint("interrupt: unexpected interrupt on vector 0x%02x: nothing is connected to it\n", Vector);
        return;
    }
    PKINTERRUPT First = CONTAINING_RECORD(Entry->InterruptList.Flink, KINTERRUPT, InterruptListEntry);
    if (First->Mode != LevelSensitive || Entry->StormMasked ||
        Entry->ConsecutiveUnclaimed < KI_INTERRUPT_STORM_THRESHOLD)
        return;
    ULONG64 Offset;
    PCSTR Name = KiLookupSymbol((ULONG64)First->ServiceRoutine, &Offset);
    DbgPrint("interrupt: storm on vector 0x%02x (IRQL %u, level-triggered): %u interrupts in a row that no ISR "
             "claimed (first ISR %s); masking the line\n",
             Vector, VECTOR_TO_IRQL(Vector), Entry->ConsecutiveUnclaimed, Name ? Name : "?");
    Entry->StormMasked = TRUE;
    HalDisableSystemInterrupt(Vector, VECTOR_TO_IRQL(Vector));
}

/* Asks each connected object in turn. On a level-triggered line the first
 * TRUE ends the walk: if another device on the line also wants service, the
 * line is still asserted after the EOI and the interrupt comes straight back.
 * An edge is sent only once, so on an edge-triggered (Latched) line every
 * object is asked: a second device's edge may have been merged into this one. */
static VOID ServiceChain(KI_INTERRUPT_VECTOR *Entry, ULONG Vector)
{
    BOOLEAN Claimed = FALSE;

    for (PLIST_ENTRY Link = Entry->InterruptList.Flink; Link != &Entry->InterruptList; Link = Link->Flink) {
        PKINTERRUPT Interrupt = CONTAINING_RECORD(Link, KINTERRUPT, InterruptListEntry);
        if (CallServiceRoutine(Interrupt)) {
            Claimed = TRUE;
            if (Interrupt->Mode == LevelSensitive)
                break;
        }
    }
    if (Claimed)
        Entry->ConsecutiveUnclaimed = 0;
    else
        NoteUnclaimed(Entry, Vector);
}

/* The APC and DISPATCH software interrupts are acknowledged *before* their
 * handler runs (step 4 moves up, after step 1). The DISPATCH handler may
 * switch threads, and the thread switched away from finishes this interrupt
 * only when it runs again, perhaps much later, perhaps on another processor.
 * An EOI left for then would keep the vector in service on this processor
 * all that time, and the APIC would hold back every interrupt of its class
 * and below: no more DISPATCH interrupts here at all. Acknowledging early is
 * safe because CR8 already holds the class back: a new request waits in IRR
 * until the IRQL drops, as it should. Device vectors keep the EOI after the
 * ISR, where a level-triggered line needs it. */
static BOOLEAN IsSoftwareInterrupt(ULONG Vector)
{
    return Vector == APC_VECTOR || Vector == DISPATCH_VECTOR;
}

VOID KiInterruptDispatch(PKTRAP_FRAME TrapFrame)
{
    ULONG Vector = (ULONG)TrapFrame->Vector;
    KI_INTERRUPT_VECTOR *Entry = &KiInterruptVectors[Vector];

    Entry->Count++;
    if (Vector == APIC_SPURIOUS_VECTOR)
        return;
    KIRQL OldIrql = KfRaiseIrql(VECTOR_TO_IRQL(Vector));
    BOOLEAN Software = IsSoftwareInterrupt(Vector);
    if (Software)
        HalpLapicEoi();
    _enable();
    if (Entry->SystemHandler != NULL) {
        Entry->SystemHandler(TrapFrame);
        CheckIrqlAfter((PVOID)Entry->SystemHandler, NULL, VECTOR_TO_IRQL(Vector));
    } else {
        /* Published per IRQL class (one chain walk per class at a time on a
         * processor), so that KeDisconnectInterrupt can wait for a walk that
         * may still be at the object it unlinked. */
        PKPRCB Prcb = KeGetCurrentPrcb();
        ULONG Class = Vector >> 4;
        __atomic_store_n(&Prcb->InterruptWalkVector[Class], (UCHAR)Vector, __ATOMIC_SEQ_CST);
        ServiceChain(Entry, Vector);
        __atomic_store_n(&Prcb->InterruptWalkVector[Class], 0, __ATOMIC_RELEASE);
        __atomic_add_fetch(&Prcb->InterruptWalkCount[Class], 1, __ATOMIC_RELEASE);
    }
    _disable();
    if (!Software)
        HalpLapicEoi();
    KfLowerIrql(OldIrql);
}
