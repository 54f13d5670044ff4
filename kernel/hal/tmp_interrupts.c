/* TEMPORARY (deleted by the interrupt work): mask both 8259s so that nothing
 * arrives on the vectors of CPU exceptions (the 8259's power-on base is 8). */
#include "hal.h"
#include "x86.h"
VOID HalInitializeInterrupts(VOID)
{
    __outbyte(0x21, 0xFF);
    __outbyte(0xA1, 0xFF);
}
