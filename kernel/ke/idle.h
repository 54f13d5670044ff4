/*
 * idle.h - what a processor does when it has nothing else to do.
 */
#ifndef KE_IDLE_H
#define KE_IDLE_H

#include "ntdef.h"

/* Every processor ends its start-up here, at PASSIVE_LEVEL with interrupts
 * enabled. The dispatcher makes this the processor's idle thread. */
__attribute__((noreturn)) VOID KiIdleLoop(VOID);

#endif /* KE_IDLE_H */
