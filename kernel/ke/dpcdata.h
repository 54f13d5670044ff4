/*
 * dpcdata.h - a CPU's DPC queue, kept in its KPRCB (prcb.h). Owned by the
 * DPC code (dpc.c), which fills it in.
 */
#ifndef KE_DPCDATA_H
#define KE_DPCDATA_H

#include "ntdef.h"

typedef struct _KDPC_DATA {
    LIST_ENTRY DpcListHead;
} KDPC_DATA;

#endif /* KE_DPCDATA_H */
