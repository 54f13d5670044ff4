/*
 * milock.h - the lock that guards each memory-manager structure.
 *
 * Two things could interleave with an update of the frame bitmap or of a page
 * table: an interrupt handler on the same CPU, and another CPU. This kernel has
 * neither yet (one CPU, and no interrupt handler calls the memory manager), but
 * every structure is already guarded, so that adding them changes only this
 * file:
 *   - interrupts are off while the lock is held, and on release RFLAGS.IF is
 *     put back as it was (not blindly set), so the lock may be taken by code
 *     that already runs with interrupts off, such as a trap handler;
 *   - an atomic flag makes a second CPU wait its turn.
 * An SMP kernel replaces this with KSPIN_LOCK (KeAcquireSpinLock), which
 * raises the IRQL instead of clearing IF.
 *
 * Lock order, outermost first: page tables, then contiguous-memory records,
 * then frames. Changing a page table may allocate a frame for a new table.
 */
#ifndef MILOCK_H
#define MILOCK_H

#include "ntdef.h"
#include "hal/x86.h"

typedef struct _MI_LOCK {
    volatile LONG Held;
} MI_LOCK;

/* RFLAGS from before the lock was taken; MiReleaseLock needs it back. */
typedef ULONG64 MI_LOCK_STATE;

static inline MI_LOCK_STATE MiAcquireLock(MI_LOCK *Lock)
{
    MI_LOCK_STATE State = __readeflags();

    _disable();
    while (__atomic_exchange_n(&Lock->Held, 1, __ATOMIC_ACQUIRE) != 0)
        _mm_pause();
    return State;
}

static inline VOID MiReleaseLock(MI_LOCK *Lock, MI_LOCK_STATE State)
{
    __atomic_store_n(&Lock->Held, 0, __ATOMIC_RELEASE);
    if (State & EFLAGS_IF)
        _enable();
}

#endif /* MILOCK_H */
