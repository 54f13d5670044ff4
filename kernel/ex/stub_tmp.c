/* TEMPORARY: replaced by the real pool. */
#include "ex.h"
VOID ExInitializePool(VOID) {}
ULONG ExQueryPoolTags(POOL_TAG_INFO *T, ULONG C) { (void)T; (void)C; return 0; }
