/*
 * milock.h - the lock that guards each memory-manager structure.
 *
 * Two things could interleave with an update of the frame bitmap or of a page
 * table: another processor, and code that interrupts this one. Each structure
 * is guarded by a spin lock (kernel/ke/spinlock.h), taken at DISPATCH_LEVEL:
 *   - another processor spins until the holder is done;
 *   - on this processor, nothing at or below DISPATCH_LEVEL (the dispatcher,
 *     DPCs) runs while the lock is held, so nothing can come back in and find
 *     the structure half-updated.
 * Interrupt service routines run above DISPATCH_LEVEL and may not call the
 * memory manager, as in NT: the frame allocator and the pool are callable at
 * IRQL <= DISPATCH_LEVEL only, and taking one of these locks above it stops
 * the machine (KeAcquireSpinLock's check).
 *
 * A lock in static storage starts free: zero is what KeInitializeSpinLock
 * writes.
 *
 * Lock order, outermost first: page tables, then contiguous-memory records,
 * then frames. Changing a page table may allocate a frame for a new table.
 */
#ifndef MILOCK_H
#define MILOCK_H

#include "ke/spinlock.h"

typedef KSPIN_LOCK MI_LOCK;

/* The IRQL from before the lock was taken; MiReleaseLock goes back to it. */
typedef KIRQL MI_LOCK_STATE;

static inline MI_LOCK_STATE MiAcquireLock(MI_LOCK *Lock)
{
    KIRQL OldIrql;

    KeAcquireSpinLock(Lock, &OldIrql);
    return OldIrql;
}

static inline VOID MiReleaseLock(MI_LOCK *Lock, MI_LOCK_STATE State)
{
    KeReleaseSpinLock(Lock, State);
}

#endif /* MILOCK_H */
