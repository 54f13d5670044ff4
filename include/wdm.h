/*
 * wdm.h - the one header a driver includes: the WDM names, types and rules.
 *
 * A driver for this kernel is written the way Microsoft's documentation shows
 * a Windows driver: `#include <wdm.h>`, then DriverEntry, dispatch routines,
 * completion routines and DPCs declared with their role types
 * (`DRIVER_DISPATCH MyDispatch;`) and defined with SAL annotations. The build
 * refuses a file in drivers/ or tests/wdm/ that includes anything else
 * (tools/check_driver_includes.py).
 *
 * What is here:
 *   - the base types (ntdef.h), SAL annotations as empty macros, the role
 *     types (DRIVER_INITIALIZE, DRIVER_DISPATCH, IO_COMPLETION_ROUTINE, ...);
 *   - the I/O manager's objects: DRIVER_OBJECT, DEVICE_OBJECT, IRP,
 *     IO_STACK_LOCATION, MDL, and the routines on them (kernel/io/);
 *   - through the kernel's own public headers, included below, the Ke, Ob,
 *     Ex and Mm parts of WDM: IRQLs, spin locks, interrupt objects, DPCs,
 *     events and waits, object references, the pool, physical addresses. Those headers predate this one; a later
 *     consolidation may move their driver-visible halves into include/. Until
 *     then a driver sees a few kernel-only declarations beside them (they are
 *     marked "for the kernel" there): use only what WDM documents.
 *
 * docs/io.md follows an IRP through a driver stack with these types.
 */
#ifndef WDM_H
#define WDM_H

#include "ntdef.h"
#include "rtl.h"
#include "rtl_list.h"
#include "ke/ke.h"
#include "ke/irql.h"
#include "ke/spinlock.h"
#include "ke/interrupt.h"
#include "ke/dpc.h"
#include "ex/ex.h"
#include "ke/dispatcher.h"    /* KeWaitForSingleObject */
#include "ke/dispatcherobj.h" /* KEVENT and the other dispatcher objects */
#include "ob/ob.h"            /* ObReferenceObject, ObDereferenceObject */
#include "ex/ex.h"
#include "mm/mm.h"
#include "io/io.h" /* IoConnectInterrupt(Ex) */
#include "ke/time.h" /* KeQueryInterruptTime, KeQueryPerformanceCounter */
#include "hal/interrupts.h" /* HalGetInterruptVector, INTERFACE_TYPE */
#include "hal/pci.h" /* HalGetBusDataByOffset, PCI_COMMON_CONFIG, PCI_SLOT_NUMBER */

/* ---- SAL: Microsoft's source annotations, empty here -----------------------
 * They document a parameter's direction and the IRQL a routine runs at; MSVC's
 * analyzer checks them, GCC and Clang do not. Defined so that documentation
 * examples compile unchanged. */
#define _In_
#define _In_opt_
#define _In_z_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_reads_(Count)
#define _In_reads_bytes_(Size)
#define _In_reads_opt_(Count)
#define _Inexpressible_(Text)
#define _In_reads_bytes_opt_(Size)
#define _Out_writes_(Count)
#define _Out_writes_bytes_(Size)
#define _Out_writes_bytes_opt_(Size)
#define _Inout_updates_bytes_(Size)
#define _Outptr_
#define _Outptr_result_maybenull_
#define _Must_inspect_result_
#define _Success_(Expression)
#define _When_(Condition, Annotations)
#define _Use_decl_annotations_
#define _Function_class_(Name)
#define _Dispatch_type_(Major)
#define _IRQL_requires_(Irql)
#define _IRQL_requires_max_(Irql)
#define _IRQL_requires_min_(Irql)
#define _IRQL_requires_same_
#define _IRQL_always_function_max_(Irql)
#define _IRQL_raises_(Irql)
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_uses_cancel_
#define _Requires_lock_held_(Lock)
#define _Releases_lock_(Lock)
#define _Field_size_(Count)
#define _Field_size_bytes_(Size)
#define _Analysis_assume_(Expression)
#define IN
#define OUT
#define OPTIONAL

/* ---- small things every driver uses --------------------------------------- */

typedef ULONG DEVICE_TYPE;

/* RtlCopyMemory, RtlZeroMemory, ... and RtlInitUnicodeString: rtl.h. */
#define FIELD_OFFSET(Type, Field) ((LONG)offsetof(Type, Field))

/* A UNICODE_STRING initializer for a literal: RTL_CONSTANT_STRING(L"\\Device\\Foo"). */
#define RTL_CONSTANT_STRING(s) {sizeof(s) - sizeof((s)[0]), sizeof(s), (PWSTR)(s)}

/* What a request ended with: the status and a request-specific number (for a
 * read or write, the bytes transferred). */
typedef struct _IO_STATUS_BLOCK {
    union {
        NTSTATUS Status;
        PVOID Pointer;
    };
    ULONG_PTR Information;
} IO_STATUS_BLOCK, *PIO_STATUS_BLOCK;

/* Object types: the first field of each I/O object, checked by the kernel. */
#define IO_TYPE_DEVICE 3
#define IO_TYPE_DRIVER 4
#define IO_TYPE_FILE 5
#define IO_TYPE_IRP 6

struct _DEVICE_OBJECT;
struct _DRIVER_OBJECT;
struct _IRP;
struct _FILE_OBJECT;

/* ---- role types -------------------------------------------------------------
 * Each routine a driver gives the kernel has one of these function types.
 * Declare the routine with it, then define it with the same parameters:
 *
 *     DRIVER_DISPATCH MyDispatchRead;
 *
 *     _Use_decl_annotations_
 *     NTSTATUS MyDispatchRead(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp) { ... }
 *
 * The compiler then checks the definition against the role. KDEFERRED_ROUTINE
 * (ke/dpc.h), KSERVICE_ROUTINE and KSYNCHRONIZE_ROUTINE (ke/interrupt.h)
 * come with the Ke headers above. */

/* DriverEntry: called once, at PASSIVE_LEVEL, when the driver loads. It
 * fills in the driver object's entry points and creates its devices. */
typedef NTSTATUS DRIVER_INITIALIZE(_In_ struct _DRIVER_OBJECT *DriverObject, _In_ PUNICODE_STRING RegistryPath);
typedef DRIVER_INITIALIZE *PDRIVER_INITIALIZE;

/* Called before the driver goes away: delete its devices, free its memory. */
typedef VOID DRIVER_UNLOAD(_In_ struct _DRIVER_OBJECT *DriverObject);
typedef DRIVER_UNLOAD *PDRIVER_UNLOAD;

/* A dispatch routine: one per IRP major function the driver handles. It
 * completes the IRP, passes it down, or marks it pending and queues it. */
typedef NTSTATUS DRIVER_DISPATCH(_In_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp);
typedef DRIVER_DISPATCH *PDRIVER_DISPATCH;

/* StartIo: starts the device on one IRP, at DISPATCH_LEVEL. */
typedef VOID DRIVER_STARTIO(_Inout_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp);
typedef DRIVER_STARTIO *PDRIVER_STARTIO;

/* A Cancel routine: called at DISPATCH_LEVEL with the cancel spin lock held
 * when someone cancels an IRP the driver holds. */
typedef VOID DRIVER_CANCEL(_Inout_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp);
typedef DRIVER_CANCEL *PDRIVER_CANCEL;

/* AddDevice: the PnP manager's call for each device the driver serves. (No
 * PnP manager yet: declared so drivers can be written the WDM way.) */
typedef NTSTATUS DRIVER_ADD_DEVICE(_In_ struct _DRIVER_OBJECT *DriverObject,
                                   _In_ struct _DEVICE_OBJECT *PhysicalDeviceObject);
typedef DRIVER_ADD_DEVICE *PDRIVER_ADD_DEVICE;

/* An IoCompletion routine: called, on the way back up, when a lower driver
 * completes an IRP this driver passed down. DeviceObject is this driver's
 * device (NULL for the IRP's creator, who has no stack location of its own).
 * Returns STATUS_CONTINUE_COMPLETION to let completion go on upward, or
 * STATUS_MORE_PROCESSING_REQUIRED to take the IRP back. */
typedef NTSTATUS IO_COMPLETION_ROUTINE(_In_ struct _DEVICE_OBJECT *DeviceObject, _In_ struct _IRP *Irp,
                                       _In_reads_opt_(_Inexpressible_("varies")) PVOID Context);
typedef IO_COMPLETION_ROUTINE *PIO_COMPLETION_ROUTINE;

/* A DpcForIsr routine: the device object's own DPC, queued with IoRequestDpc. */
typedef VOID IO_DPC_ROUTINE(_In_ PKDPC Dpc, _In_ struct _DEVICE_OBJECT *DeviceObject, _Inout_ struct _IRP *Irp,
                            _In_opt_ PVOID Context);
typedef IO_DPC_ROUTINE *PIO_DPC_ROUTINE;

/* What completion routines return. */
#define STATUS_CONTINUE_COMPLETION STATUS_SUCCESS

/* ---- MDLs: a buffer described by its physical pages -------------------------
 * A memory descriptor list tells a driver doing direct I/O (DO_DIRECT_IO)
 * where a buffer really is: its first virtual address and length, followed
 * in memory by the page frame number of every page it touches, which is what
 * a DMA controller needs. Several MDLs can be chained through Next. */
typedef struct _MDL {
    struct _MDL *Next;
    CSHORT Size; /* bytes: this header plus the PFN array */
    CSHORT MdlFlags;
    struct _EPROCESS *Process; /* NULL: a system-space buffer (the only kind here) */
    PVOID MappedSystemVa;      /* the buffer's system address, once mapped */
    PVOID StartVa;             /* the page the buffer starts in */
    ULONG ByteCount;
    ULONG ByteOffset; /* where the buffer starts within that page */
} MDL, *PMDL;

#define MDL_MAPPED_TO_SYSTEM_VA 0x0001
#define MDL_PAGES_LOCKED 0x0002
#define MDL_SOURCE_IS_NONPAGED_POOL 0x0004
#define MDL_ALLOCATED_FIXED_SIZE 0x0008
#define MDL_PARTIAL 0x0010

/* How many pages [Va, Va + Size) touches. */
#define ADDRESS_AND_SIZE_TO_SPAN_PAGES(Va, Size)                                                                       \
    ((ULONG)((((ULONG_PTR)(Va) & (PAGE_SIZE - 1)) + (Size) + PAGE_SIZE - 1) >> PAGE_SHIFT))

/* The PFN array that follows the header. */
#define MmGetMdlPfnArray(Mdl) ((PPFN_NUMBER)((Mdl) + 1))
#define MmGetMdlByteCount(Mdl) ((Mdl)->ByteCount)
#define MmGetMdlByteOffset(Mdl) ((Mdl)->ByteOffset)
#define MmGetMdlVirtualAddress(Mdl) ((PVOID)((PCHAR)(Mdl)->StartVa + (Mdl)->ByteOffset))

typedef enum _LOCK_OPERATION { IoReadAccess, IoWriteAccess, IoModifyAccess } LOCK_OPERATION;
typedef enum _MM_PAGE_PRIORITY { LowPagePriority, NormalPagePriority = 16, HighPagePriority = 32 } MM_PAGE_PRIORITY;
#define MdlMappingNoWrite 0x80000000
#define MdlMappingNoExecute 0x40000000

/* mdl.c. The buffer must stay valid until IoFreeMdl. Length < 4 GiB. */
PMDL IoAllocateMdl(_In_opt_ PVOID VirtualAddress, _In_ ULONG Length, _In_ BOOLEAN SecondaryBuffer,
                   _In_ BOOLEAN ChargeQuota, _Inout_opt_ struct _IRP *Irp);
VOID IoFreeMdl(_In_ PMDL Mdl);
/* Fills the PFN array of an MDL for a buffer in nonpaged memory. */
VOID MmBuildMdlForNonPagedPool(_Inout_ PMDL MemoryDescriptorList);
/* Makes the pages resident and fills the PFN array. There is no paging here,
 * so nothing can move: "locking" only records the pages. */
VOID MmProbeAndLockPages(_Inout_ PMDL MemoryDescriptorList, _In_ KPROCESSOR_MODE AccessMode,
                         _In_ LOCK_OPERATION Operation);
VOID MmUnlockPages(_Inout_ PMDL MemoryDescriptorList);
/* A system address for the MDL's buffer (NULL if none can be had). With one
 * address space and every page already mapped, that is the buffer's own. */
PVOID MmMapLockedPagesSpecifyCache(_Inout_ PMDL MemoryDescriptorList, _In_ KPROCESSOR_MODE AccessMode,
                                   _In_ MEMORY_CACHING_TYPE CacheType, _In_opt_ PVOID RequestedAddress,
                                   _In_ ULONG BugCheckOnFailure, _In_ ULONG Priority);

static inline PVOID MmGetSystemAddressForMdlSafe(_Inout_ PMDL Mdl, _In_ ULONG Priority)
{
    if (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        return Mdl->MappedSystemVa;
    return MmMapLockedPagesSpecifyCache(Mdl, KernelMode, MmCached, NULL, FALSE, Priority);
}

/* ---- IRP major functions ------------------------------------------------ */
#define IRP_MJ_CREATE 0x00
#define IRP_MJ_CREATE_NAMED_PIPE 0x01
#define IRP_MJ_CLOSE 0x02
#define IRP_MJ_READ 0x03
#define IRP_MJ_WRITE 0x04
#define IRP_MJ_QUERY_INFORMATION 0x05
#define IRP_MJ_SET_INFORMATION 0x06
#define IRP_MJ_QUERY_EA 0x07
#define IRP_MJ_SET_EA 0x08
#define IRP_MJ_FLUSH_BUFFERS 0x09
#define IRP_MJ_QUERY_VOLUME_INFORMATION 0x0a
#define IRP_MJ_SET_VOLUME_INFORMATION 0x0b
#define IRP_MJ_DIRECTORY_CONTROL 0x0c
#define IRP_MJ_FILE_SYSTEM_CONTROL 0x0d
#define IRP_MJ_DEVICE_CONTROL 0x0e
#define IRP_MJ_INTERNAL_DEVICE_CONTROL 0x0f
#define IRP_MJ_SHUTDOWN 0x10
#define IRP_MJ_LOCK_CONTROL 0x11
#define IRP_MJ_CLEANUP 0x12
#define IRP_MJ_CREATE_MAILSLOT 0x13
#define IRP_MJ_QUERY_SECURITY 0x14
#define IRP_MJ_SET_SECURITY 0x15
#define IRP_MJ_POWER 0x16
#define IRP_MJ_SYSTEM_CONTROL 0x17
#define IRP_MJ_DEVICE_CHANGE 0x18
#define IRP_MJ_QUERY_QUOTA 0x19
#define IRP_MJ_SET_QUOTA 0x1a
#define IRP_MJ_PNP 0x1b
#define IRP_MJ_MAXIMUM_FUNCTION 0x1b

/* ---- I/O control codes ---------------------------------------------------
 * An IOCTL packs the device type, the function, the required access and how
 * the buffers travel (TransferType: METHOD_*). */
#define CTL_CODE(DeviceType, Function, Method, Access)                                                                 \
    (((ULONG)(DeviceType) << 16) | ((ULONG)(Access) << 14) | ((ULONG)(Function) << 2) | (ULONG)(Method))
#define METHOD_FROM_CTL_CODE(ControlCode) ((ULONG)((ControlCode) & 3))
#define IoGetFunctionCodeFromCtlCode(ControlCode) (((ULONG)(ControlCode) >> 2) & 0x00000FFF)
#define METHOD_BUFFERED 0   /* both buffers copied through Irp->AssociatedIrp.SystemBuffer */
#define METHOD_IN_DIRECT 1  /* input buffered; output described by Irp->MdlAddress */
#define METHOD_OUT_DIRECT 2 /* the same */
#define METHOD_NEITHER 3    /* the caller's addresses, as they are */
#define FILE_ANY_ACCESS 0
#define FILE_READ_ACCESS 0x0001
#define FILE_WRITE_ACCESS 0x0002

#define FILE_DEVICE_CONTROLLER 0x00000004
#define FILE_DEVICE_DISK 0x00000007
#define FILE_DEVICE_NULL 0x00000015
#define FILE_DEVICE_SERIAL_PORT 0x0000001b
#define FILE_DEVICE_UNKNOWN 0x00000022

/* DesiredAccess for IoGetDeviceObjectPointer. */
#define FILE_READ_DATA 0x0001
#define FILE_WRITE_DATA 0x0002
#define FILE_ALL_ACCESS 0x001F01FF

/* Characteristics for IoCreateDevice. */
#define FILE_REMOVABLE_MEDIA 0x00000001
#define FILE_DEVICE_SECURE_OPEN 0x00000100

/* ---- the IRP and its stack locations ---------------------------------------
 * An IRP (I/O request packet) is one request on its way through a stack of
 * drivers. Its fixed part says what became of the request (IoStatus), where
 * the data is (AssociatedIrp.SystemBuffer, MdlAddress, UserBuffer) and how it
 * is progressing; after it in the same allocation come StackCount stack
 * locations, one per driver the IRP can visit. A location holds what one
 * driver is asked to do (MajorFunction and Parameters, written by the driver
 * above) and how that driver above wants to hear about the result
 * (CompletionRoutine, Context, Control). Locations are used from the last to
 * the first: the top driver's is the highest-numbered one. */

/* IO_STACK_LOCATION.Control */
#define SL_PENDING_RETURNED 0x01 /* IoMarkIrpPending: this driver returned or will return STATUS_PENDING */
#define SL_ERROR_RETURNED 0x02
#define SL_INVOKE_ON_CANCEL 0x20  /* call CompletionRoutine when Irp->Cancel is set */
#define SL_INVOKE_ON_SUCCESS 0x40 /* ... when the status is a success */
#define SL_INVOKE_ON_ERROR 0x80   /* ... when the status is a warning or an error */

/* IO_STACK_LOCATION.Flags */
#define SL_OVERRIDE_VERIFY_VOLUME 0x02
#define SL_WRITE_THROUGH 0x04

typedef struct _IO_STACK_LOCATION {
    UCHAR MajorFunction; /* IRP_MJ_*: which dispatch routine is called */
    UCHAR MinorFunction;
    UCHAR Flags;   /* SL_* request flags */
    UCHAR Control; /* SL_PENDING_RETURNED, SL_INVOKE_ON_*: the I/O manager's */
    union {
        struct {
            struct _IO_SECURITY_CONTEXT *SecurityContext;
            ULONG Options;
            USHORT FileAttributes;
            USHORT ShareAccess;
            ULONG EaLength;
        } Create;
        struct {
            ULONG Length;
            ULONG Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Read;
        struct {
            ULONG Length;
            ULONG Key;
            ULONG Flags;
            LARGE_INTEGER ByteOffset;
        } Write;
        struct {
            ULONG OutputBufferLength;
            ULONG InputBufferLength;
            ULONG IoControlCode;
            PVOID Type3InputBuffer; /* METHOD_NEITHER: the caller's input address */
        } DeviceIoControl;
        struct {
            PVOID Argument1;
            PVOID Argument2;
            PVOID Argument3;
            PVOID Argument4;
        } Others;
        /* IRP_MJ_CLOSE and IRP_MJ_FLUSH_BUFFERS have no parameters. */
    } Parameters;
    struct _DEVICE_OBJECT *DeviceObject; /* the device this location's driver was called for */
    struct _FILE_OBJECT *FileObject;
    /* Set by the driver ABOVE with IoSetCompletionRoutine: called when this
     * location's driver completes the IRP. */
    PIO_COMPLETION_ROUTINE CompletionRoutine;
    PVOID Context;
    /* Not in WDM: the I/O manager's note for its pending check (iop.h). */
    UCHAR IopVerifierState;
} IO_STACK_LOCATION, *PIO_STACK_LOCATION;

/* ---- device queues: where IoStartPacket keeps IRPs while the device is busy ----
 * A KDEVICE_QUEUE is a list plus a Busy flag. Inserting into a queue that is
 * not busy does not queue anything: it marks the queue busy and returns
 * FALSE, meaning "start this one now". Removing from an empty queue marks it
 * not busy. Insert and remove at DISPATCH_LEVEL. */
typedef struct _KDEVICE_QUEUE_ENTRY {
    LIST_ENTRY DeviceListEntry;
    ULONG SortKey;
    BOOLEAN Inserted;
} KDEVICE_QUEUE_ENTRY, *PKDEVICE_QUEUE_ENTRY;

typedef struct _KDEVICE_QUEUE {
    CSHORT Type;
    CSHORT Size;
    LIST_ENTRY DeviceListHead;
    KSPIN_LOCK Lock;
    BOOLEAN Busy;
} KDEVICE_QUEUE, *PKDEVICE_QUEUE;

VOID KeInitializeDeviceQueue(_Out_ PKDEVICE_QUEUE DeviceQueue);
BOOLEAN KeInsertDeviceQueue(_Inout_ PKDEVICE_QUEUE DeviceQueue, _Inout_ PKDEVICE_QUEUE_ENTRY DeviceQueueEntry);
BOOLEAN KeInsertByKeyDeviceQueue(_Inout_ PKDEVICE_QUEUE DeviceQueue, _Inout_ PKDEVICE_QUEUE_ENTRY DeviceQueueEntry,
                                 _In_ ULONG SortKey);
PKDEVICE_QUEUE_ENTRY KeRemoveDeviceQueue(_Inout_ PKDEVICE_QUEUE DeviceQueue);
/* The first entry with SortKey >= SortKey, or else the first entry. */
PKDEVICE_QUEUE_ENTRY KeRemoveByKeyDeviceQueue(_Inout_ PKDEVICE_QUEUE DeviceQueue, _In_ ULONG SortKey);
BOOLEAN KeRemoveEntryDeviceQueue(_Inout_ PKDEVICE_QUEUE DeviceQueue, _Inout_ PKDEVICE_QUEUE_ENTRY DeviceQueueEntry);

/* IRP.Flags */
#define IRP_NOCACHE 0x00000001
#define IRP_PAGING_IO 0x00000002
#define IRP_SYNCHRONOUS_API 0x00000004
#define IRP_BUFFERED_IO 0x00000010       /* SystemBuffer is an I/O-manager copy */
#define IRP_DEALLOCATE_BUFFER 0x00000020 /* ... which the I/O manager frees */
#define IRP_INPUT_OPERATION 0x00000040   /* ... whose contents go back to UserBuffer */

typedef struct _IRP {
    CSHORT Type; /* IO_TYPE_IRP */
    USHORT Size; /* bytes, stack locations included (IoSizeOfIrp) */
    PMDL MdlAddress; /* direct I/O: the buffer's pages */
    ULONG Flags;     /* IRP_* */
    union {
        struct _IRP *MasterIrp;
        LONG IrpCount;
        PVOID SystemBuffer; /* buffered I/O: the I/O manager's copy of the data */
    } AssociatedIrp;
    LIST_ENTRY ThreadListEntry;
    IO_STATUS_BLOCK IoStatus; /* the result, set by the driver that completes */
    KPROCESSOR_MODE RequestorMode;
    /* Copied from the SL_PENDING_RETURNED of the location being completed,
     * so that the completion routine above can propagate it (see
     * IoCompleteRequest). */
    BOOLEAN PendingReturned;
    CHAR StackCount;      /* how many locations follow the IRP */
    CHAR CurrentLocation; /* 1..StackCount while a driver owns one; StackCount + 1 at the creator */
    BOOLEAN Cancel;
    KIRQL CancelIrql;
    CCHAR ApcEnvironment;
    UCHAR AllocationFlags;
    PIO_STATUS_BLOCK UserIosb; /* where IoStatus is copied when the I/O manager finishes the IRP */
    PKEVENT UserEvent;
    volatile PDRIVER_CANCEL CancelRoutine;
    PVOID UserBuffer; /* the caller's buffer, as the caller gave it */
    union {
        struct {
            union {
                KDEVICE_QUEUE_ENTRY DeviceQueueEntry; /* IoStartPacket's queue */
                struct {
                    PVOID DriverContext[4]; /* for the driver that owns the IRP */
                };
            };
            struct _ETHREAD *Thread;
            PCHAR AuxiliaryBuffer;
            struct {
                LIST_ENTRY ListEntry; /* for the driver that owns the IRP: its queue */
                struct _IO_STACK_LOCATION *CurrentStackLocation;
            };
            struct _FILE_OBJECT *OriginalFileObject;
        } Overlay;
    } Tail;
    /* Not in WDM: the I/O manager's own bookkeeping (kernel/io/iop.h). */
    struct {
        LIST_ENTRY InFlightLinks; /* every IRP allocated and not freed: GDB's `irps` */
        BOOLEAN Completed;        /* IoCompleteRequest was called and the IRP is not owned again */
        BOOLEAN BuiltByIoManager; /* IoBuild*Request: the I/O manager finishes and frees it */
        BOOLEAN DeallocateMdls;   /* ... and unlocks and frees its MDLs */
    } IopPrivate;
} IRP, *PIRP;

#define IoSizeOfIrp(StackSize) ((USHORT)(sizeof(IRP) + (StackSize) * sizeof(IO_STACK_LOCATION)))

/* ---- driver and device objects ------------------------------------------- */

typedef struct _DRIVER_OBJECT {
    CSHORT Type; /* IO_TYPE_DRIVER */
    CSHORT Size;
    struct _DEVICE_OBJECT *DeviceObject; /* the driver's devices, linked through NextDevice */
    ULONG Flags;
    UNICODE_STRING DriverName; /* \Driver\Name */
    PDRIVER_INITIALIZE DriverInit;
    PDRIVER_STARTIO DriverStartIo;
    PDRIVER_UNLOAD DriverUnload;
    /* One dispatch routine per IRP_MJ_*. The I/O manager fills every entry
     * with a routine that fails the IRP with STATUS_INVALID_DEVICE_REQUEST
     * before DriverEntry runs; DriverEntry replaces those it handles. */
    PDRIVER_DISPATCH MajorFunction[IRP_MJ_MAXIMUM_FUNCTION + 1];
} DRIVER_OBJECT, *PDRIVER_OBJECT;

/* DEVICE_OBJECT.Flags */
#define DO_VERIFY_VOLUME 0x00000002
#define DO_BUFFERED_IO 0x00000004 /* reads and writes: the I/O manager copies through SystemBuffer */
#define DO_EXCLUSIVE 0x00000008
#define DO_DIRECT_IO 0x00000010 /* reads and writes: the I/O manager describes the buffer with an MDL */
#define DO_MAP_IO_BUFFER 0x00000020
/* DEVICE_OBJECT.AlignmentRequirement: the buffer address bits that must be 0. */
#define FILE_BYTE_ALIGNMENT 0x00000000
#define FILE_WORD_ALIGNMENT 0x00000001
#define FILE_LONG_ALIGNMENT 0x00000003

#define DO_DEVICE_INITIALIZING 0x00000080 /* set by IoCreateDevice; no IRPs until the driver clears it */
#define DO_POWER_PAGABLE 0x00002000

/* The part of a device object the I/O manager keeps for itself. */
typedef struct _DEVOBJ_EXTENSION {
    CSHORT Type;
    USHORT Size;
    struct _DEVICE_OBJECT *DeviceObject;
    struct _DEVICE_OBJECT *AttachedTo; /* the device below this one in its stack */
    ULONG ExtensionFlags;              /* DOE_* */
    UNICODE_STRING Name;               /* \Device\Name, or empty for an unnamed device */
} DEVOBJ_EXTENSION, *PDEVOBJ_EXTENSION;
#define DOE_DELETE_PENDING 0x00000002 /* IoDeleteDevice was called; freed at the last reference */

typedef struct _DEVICE_OBJECT {
    CSHORT Type; /* IO_TYPE_DEVICE */
    USHORT Size;
    LONG ReferenceCount; /* IoGetDeviceObjectPointer, IoSetCompletionRoutineEx, ... */
    struct _DRIVER_OBJECT *DriverObject;
    struct _DEVICE_OBJECT *NextDevice;     /* the driver's next device */
    struct _DEVICE_OBJECT *AttachedDevice; /* the device above this one, if any */
    struct _IRP *CurrentIrp; /* the IRP StartIo is working on */
    ULONG Flags;             /* DO_* */
    ULONG Characteristics;
    PVOID DeviceExtension; /* the driver's per-device memory, zeroed, DeviceExtensionSize bytes */
    DEVICE_TYPE DeviceType;
    /* How many stack locations an IRP sent to this device needs: 1 for a
     * device alone, one more per device attached above it. */
    CCHAR StackSize;
    ULONG AlignmentRequirement;
    KDEVICE_QUEUE DeviceQueue; /* IoStartPacket's IRPs, while StartIo is busy with CurrentIrp */
    KDPC Dpc;                  /* DpcForIsr (IoInitializeDpcRequest) */
    struct _DEVOBJ_EXTENSION *DeviceObjectExtension;
} DEVICE_OBJECT, *PDEVICE_OBJECT;

/* A file object: an open instance of a device, an Ob object (released with
 * ObDereferenceObject). Here only what IoGetDeviceObjectPointer needs: which
 * device it opened. */
typedef struct _FILE_OBJECT {
    CSHORT Type; /* IO_TYPE_FILE */
    CSHORT Size;
    PDEVICE_OBJECT DeviceObject;
    PVOID FsContext;
    PVOID FsContext2;
} FILE_OBJECT, *PFILE_OBJECT;

/* ---- routines: objects (device.c, driver.c, fileobj.c) --------------------- */

/* Creates a device object with DeviceExtensionSize bytes of zeroed extension,
 * named DeviceName (\Device\...) or unnamed (NULL). Flags start with
 * DO_DEVICE_INITIALIZING, which the driver clears when the device is ready
 * (the I/O manager does it for devices created in DriverEntry). Returns
 * STATUS_OBJECT_NAME_COLLISION when the name is taken. PASSIVE_LEVEL. */
NTSTATUS IoCreateDevice(_In_ PDRIVER_OBJECT DriverObject, _In_ ULONG DeviceExtensionSize,
                        _In_opt_ PUNICODE_STRING DeviceName, _In_ DEVICE_TYPE DeviceType,
                        _In_ ULONG DeviceCharacteristics, _In_ BOOLEAN Exclusive,
                        _Out_ PDEVICE_OBJECT *DeviceObject);
/* Removes the name at once; frees the object when the last reference goes.
 * The device must be detached first. IRPs sent to it meanwhile fail with
 * STATUS_NO_SUCH_DEVICE. */
VOID IoDeleteDevice(_In_ PDEVICE_OBJECT DeviceObject);
/* Finds a named device and returns the top of its stack, referenced through
 * a file object: release it with ObDereferenceObject(FileObject).
 * STATUS_OBJECT_NAME_NOT_FOUND if no such name. */
NTSTATUS IoGetDeviceObjectPointer(_In_ PUNICODE_STRING ObjectName, _In_ ACCESS_MASK DesiredAccess,
                                  _Out_ PFILE_OBJECT *FileObject, _Out_ PDEVICE_OBJECT *DeviceObject);
/* Puts SourceDevice on top of the stack TargetDevice belongs to; returns the
 * device it is now directly above (send IRPs there), or NULL. SourceDevice's
 * StackSize becomes that device's + 1. */
PDEVICE_OBJECT IoAttachDeviceToDeviceStack(_In_ PDEVICE_OBJECT SourceDevice, _In_ PDEVICE_OBJECT TargetDevice);
/* Takes whatever is attached above TargetDevice off it. */
VOID IoDetachDevice(_Inout_ PDEVICE_OBJECT TargetDevice);

/* ---- routines: IRPs (irp.c, iocall.c, complete.c, build.c) ---------------- */

/* An IRP with StackSize locations, or NULL. Any IRQL <= DISPATCH_LEVEL. */
PIRP IoAllocateIrp(_In_ CCHAR StackSize, _In_ BOOLEAN ChargeQuota);
VOID IoFreeIrp(_In_ PIRP Irp);
/* Makes a completed IRP like new (same StackSize), IoStatus.Status = Iostatus. */
VOID IoReuseIrp(_Inout_ PIRP Irp, _In_ NTSTATUS Iostatus);

/* Sends Irp to DeviceObject: moves to the next stack location, records the
 * device there and calls its driver's MajorFunction routine. Returns what
 * that routine returns. IRQL <= DISPATCH_LEVEL. */
NTSTATUS IofCallDriver(_In_ PDEVICE_OBJECT DeviceObject, _Inout_ PIRP Irp);
#define IoCallDriver(DeviceObject, Irp) IofCallDriver((DeviceObject), (Irp))

/* Returns the IRP to the drivers above, calling their completion routines on
 * the way (see complete.c). The caller must not touch the IRP afterwards.
 * IRQL <= DISPATCH_LEVEL; never while holding a spin lock. */
VOID IofCompleteRequest(_In_ PIRP Irp, _In_ CCHAR PriorityBoost);
#define IoCompleteRequest(Irp, PriorityBoost) IofCompleteRequest((Irp), (PriorityBoost))
/* PriorityBoost values: how much the waiting thread's priority rises. */
#define IO_NO_INCREMENT 0
#define IO_CD_ROM_INCREMENT 1
#define IO_DISK_INCREMENT 1
#define IO_KEYBOARD_INCREMENT 6
#define IO_MOUSE_INCREMENT 6
#define IO_SERIAL_INCREMENT 2
#define IO_SOUND_INCREMENT 8

/* Builds a READ, WRITE, FLUSH_BUFFERS or SHUTDOWN IRP for DeviceObject, its
 * buffer prepared the way the device asks (DO_BUFFERED_IO, DO_DIRECT_IO).
 * When it completes, the I/O manager copies IoStatus to IoStatusBlock and
 * frees it, unless the caller's completion routine takes it back with
 * STATUS_MORE_PROCESSING_REQUIRED (it then frees the MDL and the IRP).
 * NULL when memory is short. IRQL <= DISPATCH_LEVEL. */
PIRP IoBuildAsynchronousFsdRequest(_In_ ULONG MajorFunction, _In_ PDEVICE_OBJECT DeviceObject,
                                   _Inout_opt_ PVOID Buffer, _In_opt_ ULONG Length,
                                   _In_opt_ PLARGE_INTEGER StartingOffset, _In_opt_ PIO_STATUS_BLOCK IoStatusBlock);
/* The same, for a caller that waits: when the I/O manager has finished the
 * IRP it sets Event. If IoCallDriver returns STATUS_PENDING, wait for Event
 * (KeWaitForSingleObject) and then read IoStatusBlock. PASSIVE_LEVEL. */
PIRP IoBuildSynchronousFsdRequest(_In_ ULONG MajorFunction, _In_ PDEVICE_OBJECT DeviceObject,
                                  _Inout_opt_ PVOID Buffer, _In_opt_ ULONG Length,
                                  _In_opt_ PLARGE_INTEGER StartingOffset, _In_ PKEVENT Event,
                                  _Out_ PIO_STATUS_BLOCK IoStatusBlock);
/* Builds a DEVICE_CONTROL (or INTERNAL_DEVICE_CONTROL) IRP, buffers placed
 * by the code's METHOD_*. The I/O manager finishes it: output copied back,
 * IoStatus copied to IoStatusBlock, the IRP freed, then Event (if any) set.
 * PASSIVE_LEVEL. */
PIRP IoBuildDeviceIoControlRequest(_In_ ULONG IoControlCode, _In_ PDEVICE_OBJECT DeviceObject,
                                   _In_opt_ PVOID InputBuffer, _In_ ULONG InputBufferLength,
                                   _Out_opt_ PVOID OutputBuffer, _In_ ULONG OutputBufferLength,
                                   _In_ BOOLEAN InternalDeviceIoControl, _In_opt_ PKEVENT Event,
                                   _Out_ PIO_STATUS_BLOCK IoStatusBlock);

/* ---- StartIo and cancellation (startio.c, cancel.c) ------------------------
 * A driver with a StartIo routine lets the I/O manager queue its IRPs: the
 * dispatch routine marks the IRP pending and calls IoStartPacket, which calls
 * DriverStartIo at once (at DISPATCH_LEVEL) if the device is idle, or queues
 * the IRP. When the device finishes, the driver (in its DPC) completes
 * DeviceObject->CurrentIrp and calls IoStartNextPacket, which starts the next.
 *
 * Cancellation: IoCancelIrp sets Irp->Cancel and calls the IRP's cancel
 * routine, if it has one, holding the cancel spin lock; the routine must
 * release it (IoReleaseCancelSpinLock(Irp->CancelIrql)) and complete the IRP
 * with STATUS_CANCELLED. A driver takes the routine away (IoSetCancelRoutine
 * with NULL) before it works on or completes an IRP. */
VOID IoStartPacket(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp, _In_opt_ PULONG Key,
                   _In_opt_ PDRIVER_CANCEL CancelFunction);
VOID IoStartNextPacket(_In_ PDEVICE_OBJECT DeviceObject, _In_ BOOLEAN Cancelable);
/* The same, starting the first queued IRP whose Key is at least Key (or, if
 * none, the first): for queues sorted by IoStartPacket's Key. */
VOID IoStartNextPacketByKey(_In_ PDEVICE_OBJECT DeviceObject, _In_ BOOLEAN Cancelable, _In_ ULONG Key);
VOID IoAcquireCancelSpinLock(_Out_ PKIRQL Irql);
VOID IoReleaseCancelSpinLock(_In_ KIRQL Irql);
/* TRUE when a cancel routine was called. Any IRQL <= DISPATCH_LEVEL. */
BOOLEAN IoCancelIrp(_In_ PIRP Irp);

/* ---- stack location helpers (WDM's inline routines) ------------------------ */

/* The location of the driver that owns the IRP now. */
static inline PIO_STACK_LOCATION IoGetCurrentIrpStackLocation(_In_ PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation;
}

/* The location of the driver below: where a driver writes the parameters
 * and completion routine before IoCallDriver. */
static inline PIO_STACK_LOCATION IoGetNextIrpStackLocation(_In_ PIRP Irp)
{
    return Irp->Tail.Overlay.CurrentStackLocation - 1;
}

/* Moves to the next location (IoCallDriver does this). */
static inline VOID IoSetNextIrpStackLocation(_Inout_ PIRP Irp)
{
    Irp->CurrentLocation--;
    Irp->Tail.Overlay.CurrentStackLocation--;
}

/* Passes the same request down: the next location gets this one's
 * parameters, but not its completion routine (that was the driver above's)
 * and not its Control flags. */
static inline VOID IoCopyCurrentIrpStackLocationToNext(_Inout_ PIRP Irp)
{
    PIO_STACK_LOCATION Current = IoGetCurrentIrpStackLocation(Irp);
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);

    RtlCopyMemory(Next, Current, FIELD_OFFSET(IO_STACK_LOCATION, CompletionRoutine));
    Next->Control = 0;
}

/* Passes the request down without a location of one's own: the driver below
 * reuses this one. No completion routine is possible then. */
static inline VOID IoSkipCurrentIrpStackLocation(_Inout_ PIRP Irp)
{
    Irp->CurrentLocation++;
    Irp->Tail.Overlay.CurrentStackLocation++;
}

/* Says "this driver returns STATUS_PENDING": it will finish the IRP later,
 * from some other context. Call it before the IRP can be completed (before
 * queuing it), and then return STATUS_PENDING. */
static inline VOID IoMarkIrpPending(_Inout_ PIRP Irp)
{
    IoGetCurrentIrpStackLocation(Irp)->Control |= SL_PENDING_RETURNED;
}

/* Asks to be called back when the driver below completes the IRP: for a
 * success, an error (warnings count as errors), a cancel, as chosen. */
static inline VOID IoSetCompletionRoutine(_In_ PIRP Irp, _In_opt_ PIO_COMPLETION_ROUTINE CompletionRoutine,
                                          _In_opt_ PVOID Context, _In_ BOOLEAN InvokeOnSuccess,
                                          _In_ BOOLEAN InvokeOnError, _In_ BOOLEAN InvokeOnCancel)
{
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);

    Next->CompletionRoutine = CompletionRoutine;
    Next->Context = Context;
    Next->Control = 0;
    if (InvokeOnSuccess)
        Next->Control |= SL_INVOKE_ON_SUCCESS;
    if (InvokeOnError)
        Next->Control |= SL_INVOKE_ON_ERROR;
    if (InvokeOnCancel)
        Next->Control |= SL_INVOKE_ON_CANCEL;
}

/* The same, but the driver cannot be unloaded until the routine has returned:
 * the I/O manager holds a reference on DeviceObject (the caller's device)
 * meanwhile. STATUS_INSUFFICIENT_RESOURCES when it cannot (the routine is
 * then not set). */
NTSTATUS IoSetCompletionRoutineEx(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIRP Irp,
                                  _In_ PIO_COMPLETION_ROUTINE CompletionRoutine, _In_opt_ PVOID Context,
                                  _In_ BOOLEAN InvokeOnSuccess, _In_ BOOLEAN InvokeOnError,
                                  _In_ BOOLEAN InvokeOnCancel);

/* ---- DpcForIsr: the DPC built into every device object ----
 * IoInitializeDpcRequest, once (in AddDevice or DriverEntry), names the
 * device's DpcForIsr routine; the ISR then calls IoRequestDpc with the IRP
 * the interrupt concerns, and the routine runs at DISPATCH_LEVEL with that
 * IRP and context. As with any DPC, a request while one is queued is merged
 * into it. */
static inline VOID IoInitializeDpcRequest(_In_ PDEVICE_OBJECT DeviceObject, _In_ PIO_DPC_ROUTINE DpcRoutine)
{
    /* As in Microsoft's wdm.h: the routine's DeferredContext is the device
     * object, SystemArgument1 the IRP and SystemArgument2 the context, so
     * the two prototypes agree parameter by parameter. */
    KeInitializeDpc(&DeviceObject->Dpc, (PKDEFERRED_ROUTINE)(PVOID)DpcRoutine, DeviceObject);
}

static inline VOID IoRequestDpc(_Inout_ PDEVICE_OBJECT DeviceObject, _In_opt_ PIRP Irp, _In_opt_ PVOID Context)
{
    KeInsertQueueDpc(&DeviceObject->Dpc, Irp, Context);
}

/* Sets Irp->CancelRoutine and returns the previous one, atomically. */
static inline PDRIVER_CANCEL IoSetCancelRoutine(_Inout_ PIRP Irp, _In_opt_ PDRIVER_CANCEL CancelRoutine)
{
    return __atomic_exchange_n(&Irp->CancelRoutine, CancelRoutine, __ATOMIC_SEQ_CST);
}

/* ---- I/O ports ----
 * How a driver reaches a device register in x86 I/O space (the 16550 UART's
 * at 0x3F8, for one). The HAL's names: a driver never writes `in`/`out`. */
static inline UCHAR READ_PORT_UCHAR(_In_ PUCHAR Port)
{
    UCHAR Value;
    __asm__ volatile("inb %1, %0" : "=a"(Value) : "Nd"((USHORT)(ULONG_PTR)Port));
    return Value;
}

static inline VOID WRITE_PORT_UCHAR(_In_ PUCHAR Port, _In_ UCHAR Value)
{
    __asm__ volatile("outb %0, %1" : : "a"(Value), "Nd"((USHORT)(ULONG_PTR)Port));
}

/* A spin-wait loop's pause: tells the processor it is waiting. */
#define YieldProcessor() __builtin_ia32_pause()

/* ---- the kernel console (ntmini's own, not WDM) ----
 * DbgPrint writes to COM1 by polling until a driver offers a better way:
 * drivers/serial hands its interrupt-driven output here once it is
 * connected. The writer takes Length bytes (a piece of one DbgPrint call) and
 * returns FALSE when it cannot take them now (the IRQL is too high); DbgPrint
 * then writes them by polling, as during early boot and in a bug check
 * (kernel/ke/debug.c). NULL gives the console back to polling. */
typedef BOOLEAN KCONSOLE_WRITER(_In_opt_ PVOID Context, _In_reads_bytes_(Length) PCSTR Text, _In_ SIZE_T Length);
typedef KCONSOLE_WRITER *PKCONSOLE_WRITER;
VOID KeSetConsoleWriter(_In_opt_ PKCONSOLE_WRITER Writer, _In_opt_ PVOID Context);

/* ---- cancel-safe queues (csq.c) ---------------------------------------------
 * A driver that keeps IRPs in a queue of its own gives the I/O manager six
 * callbacks (insert, remove, peek, lock, unlock, complete-cancelled); the
 * IoCsq* routines then handle every race between cancelling and dequeuing,
 * and the driver writes no cancel routine at all. The queue's lock is the
 * driver's (CsqAcquireLock), not the global cancel spin lock. */
#define IO_TYPE_CSQ_IRP_CONTEXT 1
#define IO_TYPE_CSQ 2

struct _IO_CSQ;

typedef VOID IO_CSQ_INSERT_IRP(_In_ struct _IO_CSQ *Csq, _In_ PIRP Irp);
typedef IO_CSQ_INSERT_IRP *PIO_CSQ_INSERT_IRP;
typedef VOID IO_CSQ_REMOVE_IRP(_In_ struct _IO_CSQ *Csq, _In_ PIRP Irp);
typedef IO_CSQ_REMOVE_IRP *PIO_CSQ_REMOVE_IRP;
/* The IRP after Irp (after the head when Irp is NULL) that matches
 * PeekContext (any, when PeekContext is NULL); NULL at the end. */
typedef PIRP IO_CSQ_PEEK_NEXT_IRP(_In_ struct _IO_CSQ *Csq, _In_opt_ PIRP Irp, _In_opt_ PVOID PeekContext);
typedef IO_CSQ_PEEK_NEXT_IRP *PIO_CSQ_PEEK_NEXT_IRP;
typedef VOID IO_CSQ_ACQUIRE_LOCK(_In_ struct _IO_CSQ *Csq, _Out_ PKIRQL Irql);
typedef IO_CSQ_ACQUIRE_LOCK *PIO_CSQ_ACQUIRE_LOCK;
typedef VOID IO_CSQ_RELEASE_LOCK(_In_ struct _IO_CSQ *Csq, _In_ KIRQL Irql);
typedef IO_CSQ_RELEASE_LOCK *PIO_CSQ_RELEASE_LOCK;
/* Called without the lock for an IRP cancelled while queued: complete it
 * with STATUS_CANCELLED. */
typedef VOID IO_CSQ_COMPLETE_CANCELED_IRP(_In_ struct _IO_CSQ *Csq, _In_ PIRP Irp);
typedef IO_CSQ_COMPLETE_CANCELED_IRP *PIO_CSQ_COMPLETE_CANCELED_IRP;

typedef struct _IO_CSQ {
    ULONG Type; /* IO_TYPE_CSQ */
    PIO_CSQ_INSERT_IRP CsqInsertIrp;
    PIO_CSQ_REMOVE_IRP CsqRemoveIrp;
    PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp;
    PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock;
    PIO_CSQ_RELEASE_LOCK CsqReleaseLock;
    PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp;
    PVOID ReservePointer;
} IO_CSQ, *PIO_CSQ;

/* Names one queued IRP, for IoCsqRemoveIrp. Irp becomes NULL when the IRP
 * leaves the queue by any path (cancelled, or removed). */
typedef struct _IO_CSQ_IRP_CONTEXT {
    ULONG Type; /* IO_TYPE_CSQ_IRP_CONTEXT */
    PIRP Irp;
    PIO_CSQ Csq;
} IO_CSQ_IRP_CONTEXT, *PIO_CSQ_IRP_CONTEXT;

NTSTATUS IoCsqInitialize(_Out_ PIO_CSQ Csq, _In_ PIO_CSQ_INSERT_IRP CsqInsertIrp,
                         _In_ PIO_CSQ_REMOVE_IRP CsqRemoveIrp, _In_ PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp,
                         _In_ PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock, _In_ PIO_CSQ_RELEASE_LOCK CsqReleaseLock,
                         _In_ PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp);
/* Marks Irp pending and queues it, cancelable. The dispatch routine then
 * returns STATUS_PENDING. Context (optional) lets IoCsqRemoveIrp find it. */
VOID IoCsqInsertIrp(_Inout_ PIO_CSQ Csq, _Inout_ PIRP Irp, _Out_opt_ PIO_CSQ_IRP_CONTEXT Context);
/* The first queued IRP matching PeekContext, no longer cancelable, or NULL. */
PIRP IoCsqRemoveNextIrp(_Inout_ PIO_CSQ Csq, _In_opt_ PVOID PeekContext);
/* The IRP Context names if it is still queued (and not being cancelled), or NULL. */
PIRP IoCsqRemoveIrp(_Inout_ PIO_CSQ Csq, _Inout_ PIO_CSQ_IRP_CONTEXT Context);

/* ---- disk IOCTLs (ntdddisk.h in the WDK) ------------------------------------ */
#define IOCTL_DISK_BASE FILE_DEVICE_DISK
#define IOCTL_DISK_GET_DRIVE_GEOMETRY CTL_CODE(IOCTL_DISK_BASE, 0x0000, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_DISK_GET_DRIVE_GEOMETRY_EX CTL_CODE(IOCTL_DISK_BASE, 0x0028, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef enum _MEDIA_TYPE { Unknown = 0, RemovableMedia = 11, FixedMedia = 12 } MEDIA_TYPE;

/* The disk's shape as cylinders, tracks (heads) and sectors: a fiction for
 * any modern disk, kept because programs still size disks with it. */
typedef struct _DISK_GEOMETRY {
    LARGE_INTEGER Cylinders;
    MEDIA_TYPE MediaType;
    ULONG TracksPerCylinder;
    ULONG SectorsPerTrack;
    ULONG BytesPerSector;
} DISK_GEOMETRY, *PDISK_GEOMETRY;

/* The same plus the exact size; Data would hold partition and detection
 * information, which a RAM disk does not have. */
typedef struct _DISK_GEOMETRY_EX {
    DISK_GEOMETRY Geometry;
    LARGE_INTEGER DiskSize;
    UCHAR Data[1];
} DISK_GEOMETRY_EX, *PDISK_GEOMETRY_EX;

/* ---- storage property queries (ntddstor.h in the WDK) ------------------------
 * IOCTL_STORAGE_QUERY_PROPERTY asks a storage device to describe itself. The
 * input is a STORAGE_PROPERTY_QUERY; for StorageDeviceProperty the output is
 * a STORAGE_DEVICE_DESCRIPTOR followed by the strings its offsets point at
 * (vendor, product, revision, serial number, each NUL-terminated). A caller
 * that passes only sizeof(STORAGE_DESCRIPTOR_HEADER) bytes learns the Size it
 * needs; PropertyExistsQuery asks only whether the property exists. */
#define IOCTL_STORAGE_BASE 0x0000002d
#define IOCTL_STORAGE_QUERY_PROPERTY CTL_CODE(IOCTL_STORAGE_BASE, 0x0500, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef enum _STORAGE_PROPERTY_ID { StorageDeviceProperty = 0, StorageAdapterProperty = 1 } STORAGE_PROPERTY_ID;
typedef enum _STORAGE_QUERY_TYPE { PropertyStandardQuery = 0, PropertyExistsQuery = 1 } STORAGE_QUERY_TYPE;

typedef struct _STORAGE_PROPERTY_QUERY {
    STORAGE_PROPERTY_ID PropertyId;
    STORAGE_QUERY_TYPE QueryType;
    UCHAR AdditionalParameters[1];
} STORAGE_PROPERTY_QUERY, *PSTORAGE_PROPERTY_QUERY;

typedef struct _STORAGE_DESCRIPTOR_HEADER {
    ULONG Version; /* sizeof the descriptor structure */
    ULONG Size;    /* bytes of the whole answer, strings included */
} STORAGE_DESCRIPTOR_HEADER, *PSTORAGE_DESCRIPTOR_HEADER;

typedef enum _STORAGE_BUS_TYPE { BusTypeUnknown = 0, BusTypeAta = 3, BusTypeSata = 0xB } STORAGE_BUS_TYPE;

typedef struct _STORAGE_DEVICE_DESCRIPTOR {
    ULONG Version;
    ULONG Size;
    UCHAR DeviceType;         /* SCSI peripheral type: 0, a direct-access block device */
    UCHAR DeviceTypeModifier;
    BOOLEAN RemovableMedia;
    BOOLEAN CommandQueueing;  /* the device queues commands (NCQ) */
    ULONG VendorIdOffset;     /* from the descriptor's start; 0 when absent */
    ULONG ProductIdOffset;
    ULONG ProductRevisionOffset;
    ULONG SerialNumberOffset;
    STORAGE_BUS_TYPE BusType;
    ULONG RawPropertiesLength;
    UCHAR RawDeviceProperties[1];
} STORAGE_DEVICE_DESCRIPTOR, *PSTORAGE_DEVICE_DESCRIPTOR;

/* ---- device registers (memory-mapped I/O) ------------------------------------
 * A device's registers, mapped with MmMapIoSpace, are read and written through
 * these, never as ordinary memory: each is exactly one access of that width,
 * in program order, and ordered after every memory write before it (so a
 * command built in memory is complete when the register that starts it is
 * written; x86 keeps stores in order, the compiler barrier keeps the compiler
 * from moving them). */
static inline ULONG READ_REGISTER_ULONG(_In_ volatile ULONG *Register)
{
    __asm__ volatile("" ::: "memory");
    return *Register;
}

static inline VOID WRITE_REGISTER_ULONG(_In_ volatile ULONG *Register, _In_ ULONG Value)
{
    __asm__ volatile("" ::: "memory");
    *Register = Value;
}

/* ---- interlocked arithmetic ------------------------------------------------- */
static inline LONG InterlockedIncrement(_Inout_ LONG volatile *Addend)
{
    return __atomic_add_fetch(Addend, 1, __ATOMIC_SEQ_CST);
}

static inline LONG64 InterlockedExchangeAdd64(_Inout_ LONG64 volatile *Addend, _In_ LONG64 Value)
{
    return __atomic_fetch_add(Addend, Value, __ATOMIC_SEQ_CST);
}

#endif /* WDM_H */
