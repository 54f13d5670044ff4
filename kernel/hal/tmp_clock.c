/* TEMPORARY (deleted by the clock work). */
#include "hal.h"
VOID HalInitializeClock(VOID) {}
