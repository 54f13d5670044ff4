/*
 * pit.c - the 8254 Programmable Interval Timer (PIT), the reference clock that
 * the TSC and the local APIC timer are measured against (calibrate.c).
 *
 * Why the PIT: its input clock is the same on every PC since 1981, and in
 * every emulator: 1.193182 MHz, the 14.31818 MHz crystal divided by 12. The
 * TSC and the LAPIC timer run at rates that depend on the CPU and its bus, and
 * nothing reliable reports them (CPUID leaf 0x15 is missing under QEMU).
 *
 * The 8254 has three 16-bit counters that count down at 1.193182 MHz:
 *   channel 0  IRQ 0, the old system timer (ntmini's clock is the LAPIC timer)
 *   channel 1  DRAM refresh on the first PCs; gone
 *   channel 2  the PC speaker. Its GATE (run/stop) and its OUT pin are wired
 *              to port 0x61, so software can start it and watch it without
 *              any interrupt: exactly what a calibration needs.
 *
 * Ports:
 *   0x42  channel 2's counter: write the count (low byte, then high byte);
 *         read a latched count the same way
 *   0x43  the command register (write only)
 *   0x61  "system control port B": bit 0 GATE2, bit 1 speaker on, bit 5 OUT2
 *
 * Mode 0, "interrupt on terminal count", is a one-shot: programming the mode
 * drives OUT low; once the count is written the counter decrements once per
 * input clock while GATE is high, and when it reaches zero OUT goes high and
 * stays high (the counter itself wraps to 0xFFFF and keeps going).
 */
#include "clock.h"
#include "x86.h"

#define PIT_CHANNEL2_PORT 0x42
#define PIT_COMMAND_PORT 0x43
#define SYSTEM_CONTROL_PORT_B 0x61

#define PORTB_GATE2 0x01      /* channel 2 counts while this is 1 */
#define PORTB_SPEAKER_ON 0x02 /* OUT2 drives the speaker: keep it 0, quiet */
#define PORTB_OUT2 0x20       /* channel 2's OUT pin (read only) */

/* Command bytes: bits 7-6 the channel (10 = 2), bits 5-4 the access (11 = low
 * byte then high byte; 00 = latch the count), bits 3-1 the mode, bit 0 BCD. */
#define PIT_CMD_CHANNEL2_MODE0 0xB0
#define PIT_CMD_CHANNEL2_LATCH 0x80

VOID HalpPitStartCountdown(USHORT PitTicks)
{
    UCHAR PortB = __inbyte(SYSTEM_CONTROL_PORT_B);

    __outbyte(SYSTEM_CONTROL_PORT_B, (PortB & ~PORTB_SPEAKER_ON) | PORTB_GATE2);
    __outbyte(PIT_COMMAND_PORT, PIT_CMD_CHANNEL2_MODE0);
    __outbyte(PIT_CHANNEL2_PORT, (UCHAR)PitTicks);
    __outbyte(PIT_CHANNEL2_PORT, (UCHAR)(PitTicks >> 8)); /* counting starts now */
}

BOOLEAN HalpPitCountdownExpired(VOID)
{
    return (__inbyte(SYSTEM_CONTROL_PORT_B) & PORTB_OUT2) != 0;
}

/* The latch command freezes a copy of the count at that instant (the counter
 * itself goes on); the two reads then fetch the copy. Without it the low and
 * high bytes could come from different counts. */
USHORT HalpPitReadCount(VOID)
{
    __outbyte(PIT_COMMAND_PORT, PIT_CMD_CHANNEL2_LATCH);
    UCHAR Low = __inbyte(PIT_CHANNEL2_PORT);
    UCHAR High = __inbyte(PIT_CHANNEL2_PORT);
    return (USHORT)(Low | (High << 8));
}
