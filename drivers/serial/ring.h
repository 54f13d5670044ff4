/*
 * ring.h - a byte ring buffer: the queue between the serial ISR and the rest
 * of the driver.
 *
 * Head is where the next byte is written, Tail where the next one is read;
 * both only grow, and a byte's slot is its counter modulo the (power-of-two)
 * size, so Head - Tail is the number of bytes held and there is no "full or
 * empty?" ambiguity. Pure code with no locking: the driver calls it only under
 * the interrupt spin lock (KeSynchronizeExecution, KeAcquireInterruptSpinLock),
 * and the tests call it directly (tests/kernel/test_serial.c).
 */
#ifndef SERIAL_RING_H
#define SERIAL_RING_H

#define SERIAL_RING_SIZE 4096 /* a power of two */

typedef struct _SERIAL_RING {
    ULONG Head; /* bytes ever put in */
    ULONG Tail; /* bytes ever taken out */
    UCHAR Data[SERIAL_RING_SIZE];
} SERIAL_RING, *PSERIAL_RING;

static inline ULONG SerialRingCount(const SERIAL_RING *Ring)
{
    return Ring->Head - Ring->Tail;
}

static inline ULONG SerialRingFree(const SERIAL_RING *Ring)
{
    return SERIAL_RING_SIZE - SerialRingCount(Ring);
}

/* Appends up to Length bytes; returns how many fitted. */
static inline ULONG SerialRingPut(PSERIAL_RING Ring, const UCHAR *Bytes, ULONG Length)
{
    ULONG Count = Length < SerialRingFree(Ring) ? Length : SerialRingFree(Ring);

    for (ULONG i = 0; i < Count; i++)
        Ring->Data[(Ring->Head + i) % SERIAL_RING_SIZE] = Bytes[i];
    Ring->Head += Count;
    return Count;
}

/* Removes up to Length bytes into Bytes; returns how many there were. */
static inline ULONG SerialRingGet(PSERIAL_RING Ring, UCHAR *Bytes, ULONG Length)
{
    ULONG Count = Length < SerialRingCount(Ring) ? Length : SerialRingCount(Ring);

    for (ULONG i = 0; i < Count; i++)
        Bytes[i] = Ring->Data[(Ring->Tail + i) % SERIAL_RING_SIZE];
    Ring->Tail += Count;
    return Count;
}

#endif /* SERIAL_RING_H */
