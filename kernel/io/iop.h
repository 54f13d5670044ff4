/*
 * iop.h - the I/O manager's internals (Iop): what its files share and the
 * kernel calls, never drivers (they have wdm.h).
 *
 * kernel/io, one concept per file:
 *   driver.c    driver objects; loading a driver (its DriverEntry)
 *   drivers.c   the table of built-in drivers; IoInitSystem
 *   device.c    device objects: create, delete, references
 *   attach.c    device stacks: attach, detach, the top of a stack
 *   namespace.c the names \Device\... and \Driver\...
 *   fileobj.c   IoGetDeviceObjectPointer's file objects
 *   irp.c       allocating, reusing and freeing IRPs; the list of IRPs in flight
 *   iocall.c    IoCallDriver: one step down the stack
 *   complete.c  IoCompleteRequest: the walk back up
 *   exsafe.c    IoSetCompletionRoutineEx
 *   build.c     IoBuild*Request: IRPs the I/O manager prepares and finishes
 *   startio.c   IoStartPacket, IoStartNextPacket(ByKey): the StartIo model
 *   devqueue.c  device queues (KDEVICE_QUEUE), which IoStartPacket uses
 *   cancel.c    IoCancelIrp and the cancel spin lock
 *   csq.c       cancel-safe queues (IoCsq*): a driver's own queue, cancel included
 *   mdl.c       memory descriptor lists
 *   verifier.c  the rules checked on every IRP, and their bug checks
 *   interrupt.c IoConnectInterrupt(Ex)
 */
#ifndef IOP_H
#define IOP_H

#include "wdm.h"

#define IOP_IRP_TAG POOL_TAG('I', 'r', 'p', ' ')
#define IOP_DEVICE_TAG POOL_TAG('I', 'o', 'D', 'v')
#define IOP_DRIVER_TAG POOL_TAG('I', 'o', 'D', 'r')
#define IOP_NAME_TAG POOL_TAG('I', 'o', 'N', 'm')
#define IOP_FILE_TAG POOL_TAG('I', 'o', 'F', 'o')
#define IOP_MDL_TAG POOL_TAG('M', 'd', 'l', ' ')
#define IOP_BUFFER_TAG POOL_TAG('I', 'o', 'B', 'f')
#define IOP_COMPLETION_CONTEXT_TAG POOL_TAG('I', 'o', 'C', 'x')

/* ---- drivers (driver.c, drivers.c) ---- */

/* One line of the built-in driver table. */
typedef struct _IOP_BUILTIN_DRIVER {
    PCWSTR Name; /* \Driver\Name */
    PDRIVER_INITIALIZE DriverEntry;
} IOP_BUILTIN_DRIVER;

/* Creates a driver object named Name and calls DriverEntry at PASSIVE_LEVEL.
 * On failure nothing remains. */
NTSTATUS IopLoadDriver(PCWSTR Name, PDRIVER_INITIALIZE DriverEntry, PDRIVER_OBJECT *DriverObject);
/* Calls DriverUnload (which deletes the devices) and frees the object. */
VOID IopUnloadDriver(PDRIVER_OBJECT DriverObject);
/* Starts every built-in driver. FALSE if one failed (it is reported). */
BOOLEAN IoInitSystem(VOID);

/* ---- the namespace (namespace.c) ---- */

/* Name must stay valid while registered (it is the object's own). */
NTSTATUS IopInsertName(PCUNICODE_STRING Name, PVOID Object);
PVOID IopLookupName(PCUNICODE_STRING Name);
VOID IopRemoveName(PVOID Object);
typedef VOID IOP_NAME_VISITOR(PCUNICODE_STRING Name, PVOID Object, PVOID Context);
typedef IOP_NAME_VISITOR *PIOP_NAME_VISITOR;
VOID IopForEachName(PIOP_NAME_VISITOR Visit, PVOID Context);

/* ---- devices (device.c, attach.c) ---- */

VOID IopReferenceDevice(PDEVICE_OBJECT DeviceObject);
VOID IopDereferenceDevice(PDEVICE_OBJECT DeviceObject);
BOOLEAN IopIsDeletePending(PDEVICE_OBJECT DeviceObject);
/* The lock over device stacks and device lifetimes. */
KIRQL IopLockDatabase(VOID);
VOID IopUnlockDatabase(KIRQL OldIrql);
PDEVICE_OBJECT IopGetTopOfStackLocked(PDEVICE_OBJECT DeviceObject);

/* ---- IRPs (irp.c, build.c) ---- */

/* The IRPs allocated and not yet freed, for GDB's `irps` and the checks. */
extern LIST_ENTRY IopIrpList;
KIRQL IopLockIrpList(VOID);
VOID IopUnlockIrpList(KIRQL OldIrql);
BOOLEAN IopIsIrpAllocatedLocked(PIRP Irp);
ULONG IopCountIrpsInFlight(VOID);
/* The end of the walk for an IRP built by IoBuild*Request: results to the
 * caller, buffers and MDLs freed, the IRP freed. */
VOID IopFinishBuiltIrp(PIRP Irp);

/* ---- the checks (verifier.c) ----
 * DRIVER_VERIFIER_IOMANAGER_VIOLATION (0xC9): parameter 1 names the rule,
 * with Microsoft's values where its table has the rule. */
#define IOP_VERIFIER_FREE_NOT_AN_IRP 0x01
#define IOP_VERIFIER_CALL_NOT_AN_IRP 0x03
#define IOP_VERIFIER_CALL_BAD_DEVICE 0x04
#define IOP_VERIFIER_IRQL_CHANGED 0x05
#define IOP_VERIFIER_COMPLETE_WITH_PENDING 0x06
#define IOP_VERIFIER_COMPLETE_WITH_CANCEL_ROUTINE 0x07
#define IOP_VERIFIER_COMPLETE_ABOVE_DISPATCH 0x0E
#define IOP_VERIFIER_CALL_ABOVE_DISPATCH 0x10
/* Not found in Microsoft's table: ntmini's own value, chosen well away
 * from theirs. */
#define IOP_VERIFIER_PENDING_NOT_MARKED 0x1001

/* IO_STACK_LOCATION.IopVerifierState bits */
#define IOP_RETURNED_PENDING 0x01 /* this location's dispatch routine returned STATUS_PENDING */
#define IOP_COMPLETION_PASSED 0x02 /* completion has moved up past this location */

__attribute__((noreturn)) VOID IopVerifierBugCheck(ULONG_PTR Rule, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4,
                                                   PCSTR Explanation);
VOID IopCheckCallIrql(VOID);
VOID IopCheckIrqlUnchanged(PDEVICE_OBJECT DeviceObject, KIRQL Before);
VOID IopCheckCompletion(PIRP Irp);
VOID IopNoteReturnedPending(PIRP Irp, PIO_STACK_LOCATION Stack);
VOID IopNoteLocationPassed(PIRP Irp, PIO_STACK_LOCATION Stack);

#endif /* IOP_H */
