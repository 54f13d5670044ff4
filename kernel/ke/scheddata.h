/*
 * scheddata.h - a CPU's dispatcher state (ready queues, timer list), kept in
 * its KPRCB (prcb.h). Owned by the dispatcher code, which fills it in.
 */
#ifndef KE_SCHEDDATA_H
#define KE_SCHEDDATA_H

#include "ntdef.h"

typedef struct _KSCHEDULER_DATA {
    LIST_ENTRY ReadyListHead;
} KSCHEDULER_DATA;

#endif /* KE_SCHEDDATA_H */
