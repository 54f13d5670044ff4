/*
 * test_serial_ring.c - the serial driver's byte ring (drivers/serial/ring.h)
 * against a plain array used as a queue: random puts and gets, the same
 * bytes must come out in the same order, and the counts must agree.
 */
#include <string.h>

#include "khost.h"
#include "ntdef.h"
#include "../../drivers/serial/ring.h"

static SERIAL_RING Ring;
static UCHAR Model[1 << 20];

KH_TEST(serial_ring_matches_a_queue)
{
    UCHAR Bytes[SERIAL_RING_SIZE + 100];
    unsigned long ModelHead = 0, ModelTail = 0;

    KhSeed(4);
    Ring.Head = Ring.Tail = 0xFFFFF000; /* the counters wrap during the run */
    for (int Step = 0; Step < 2000 && ModelHead + sizeof(Bytes) < sizeof(Model); Step++) {
        ULONG Length = (ULONG)KhRandomBelow(sizeof(Bytes));
        if (KhRandomBelow(2) == 0) {
            for (ULONG i = 0; i < Length; i++)
                Bytes[i] = (UCHAR)KhRandom();
            ULONG Put = SerialRingPut(&Ring, Bytes, Length);
            memcpy(Model + ModelHead, Bytes, Put);
            ModelHead += Put;
        } else {
            ULONG Got = SerialRingGet(&Ring, Bytes, Length);
            KH_ASSERT(Got <= ModelHead - ModelTail);
            KH_ASSERT(memcmp(Bytes, Model + ModelTail, Got) == 0);
            ModelTail += Got;
        }
        KH_ASSERT_EQ(SerialRingCount(&Ring), ModelHead - ModelTail);
        KH_ASSERT(SerialRingCount(&Ring) <= SERIAL_RING_SIZE);
    }
}
