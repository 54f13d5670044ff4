/*
 * irql.h - interrupt request levels (IRQL), the x64 NT way.
 *
 * An IRQL is a CPU's current priority: while a CPU runs at IRQL N, only
 * interrupts above N reach it. On x64 the IRQL *is* CR8, the local APIC's task
 * priority class: the APIC delivers vector V only while CR8 < V >> 4. So every
 * vector is placed where its IRQL is V >> 4 (kernel/hal/vectors.h), and raising
 * the IRQL is one `mov cr8`: the hardware itself then holds back everything at
 * or below the new level.
 */
#ifndef KE_IRQL_H
#define KE_IRQL_H

#include "ntdef.h"

typedef UCHAR KIRQL, *PKIRQL;

#define PASSIVE_LEVEL 0   /* threads */
#define LOW_LEVEL 0
#define APC_LEVEL 1       /* kernel APCs; paging-style waits are off */
#define DISPATCH_LEVEL 2  /* DPCs, StartIo, spin-lock holders: no waiting, no thread switch */
#define CMCI_LEVEL 5
#define SYNCH_LEVEL 12    /* above every device */
#define CLOCK_LEVEL 13    /* the clock interrupt */
#define IPI_LEVEL 14      /* inter-processor interrupts */
#define POWER_LEVEL 14
#define PROFILE_LEVEL 15
#define HIGH_LEVEL 15     /* everything masked */
/* Device IRQLs (DIRQL) are 3 to 11. */
#define DEVICE_LEVEL_LOW 3
#define DEVICE_LEVEL_HIGH 11

KIRQL KeGetCurrentIrql(VOID);
/* Raise to NewIrql and return the previous level; NewIrql below the current
 * level is a bug (IRQL_NOT_GREATER_OR_EQUAL). */
KIRQL KfRaiseIrql(KIRQL NewIrql);
/* Lower to NewIrql; NewIrql above the current level is a bug
 * (IRQL_NOT_LESS_OR_EQUAL). Software interrupts requested for a level the CPU
 * drops below are delivered at once. */
VOID KfLowerIrql(KIRQL NewIrql);
KIRQL KeRaiseIrqlToDpcLevel(VOID);
KIRQL KeRaiseIrqlToSynchLevel(VOID);

#define KeRaiseIrql(NewIrql, OldIrql) (*(OldIrql) = KfRaiseIrql(NewIrql))
#define KeLowerIrql(NewIrql) KfLowerIrql(NewIrql)

#endif /* KE_IRQL_H */
