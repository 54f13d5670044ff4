/* TEMPORARY: replaced by the real memory manager. */
#include "mm.h"
#include "ke/ke.h"
static UCHAR Stack[8 * 4096] __attribute__((aligned(4096)));
VOID MmInitSystem(VOID) {}
VOID MmQueryStatistics(MM_STATISTICS *S) { S->UsableBytes = S->TotalPages = S->FreePages = S->ReservedBytes = S->HighestPhysicalAddress = 0; }
PVOID MmCreateKernelStack(SIZE_T Pages) { (void)Pages; return Stack + sizeof(Stack); }
BOOLEAN MmIsAddressValid(PVOID Va) { return (ULONG64)Va >= 0xFFFF800000000000ULL; }
BOOLEAN MmIsKernelStackGuardPage(ULONG64 A) { (void)A; return FALSE; }
