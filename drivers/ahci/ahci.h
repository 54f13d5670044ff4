/*
 * ahci.h - the AHCI driver's own structures and routines (docs/ahci.md).
 *
 * One AHCI_CONTROLLER per HBA found on the PCI bus; one AHCI_PORT per disk,
 * which is the device extension of that disk's device object
 * \Device\Harddisk<N>\DR0. The files, in the order a request meets them:
 *
 *   driver.c    DriverEntry: find every AHCI function on the PCI bus
 *   hba.c       bring an HBA up: hand-off, reset, AHCI mode, its interrupt
 *   port.c      a port's engines, its DMA memory, COMRESET, the device
 *   identify.c  IDENTIFY DEVICE: model, serial, size, queue depth
 *   disk.c      the disk device object and its dispatch routines
 *   ioctl.c     geometry, the storage property, the driver's private IOCTLs
 *   queue.c     the port's internal IRP queue (a cancel-safe queue)
 *   command.c   one command: the FIS, the PRDT from the IRP's MDL
 *   start.c     from the queue into free slots, and PxCI
 *   isr.c       AhciInterruptService: what the interrupt found
 *   dpc.c       AhciCustomDpc: completing, continuing, starting the next
 *   recover.c   errors and timeouts: stop, COMRESET, restart, retry
 *   timer.c     AhciTimeoutDpc, the CustomTimerDpc that finds hung commands
 *
 * Locks, outermost first. Port->Lock (DISPATCH_LEVEL) guards the slots and
 * the retry list; Port->QueueLock the cancel-safe queue. The interrupt
 * spin lock (the controller's interrupt object, DIRQL) guards the fields
 * the ISR writes or reads: Issued, IssuedQueued, Completed, InterruptStatus
 * and Deferred.
 */
#ifndef AHCI_H
#define AHCI_H

#include "wdm.h"
#include "ahcipub.h"
#include "ahcireg.h"

#define AHCI_TAG POOL_TAG('A', 'h', 'c', 'i')

#define AHCI_MAX_SLOTS 32               /* command slots per port */
#define AHCI_MAX_PORTS 32               /* ports per HBA */
#define AHCI_MAX_RETRIES 3              /* attempts after the first, per IRP, when it is to blame */
#define AHCI_MAX_REQUEUES 16            /* restarts after recoveries it was not blamed for */
#define AHCI_DEFAULT_TIMEOUT_MS 10000
#define AHCI_POLL_TIMEOUT_US 1000000    /* waits on the hardware at start-up */
#define AHCI_RECOVERY_WAIT_US 250000    /* each wait in a recovery, which runs in a DPC */

/* A command slot: what the driver put there. Guarded by Port->Lock. */
typedef struct _AHCI_SLOT {
    PIRP Irp;            /* NULL: the slot is free */
    ULONG64 Lba;         /* first sector of the piece in flight */
    ULONG PieceBytes;    /* bytes of the piece in flight */
    UCHAR Command;       /* ATA_* */
    BOOLEAN Queued;      /* an NCQ command (its bit is in PxSACT too) */
    ULONG64 IssueTime;   /* KeQueryInterruptTime when issued, for the timeout */
} AHCI_SLOT, *PAHCI_SLOT;

/* Progress of an IRP the driver owns, kept in the IRP itself
 * (Irp->Tail.Overlay.DriverContext; slot 3 belongs to the cancel-safe queue). */
#define AHCI_IRP_DONE(Irp) (*(ULONG_PTR *)&(Irp)->Tail.Overlay.DriverContext[0])    /* bytes moved */
#define AHCI_IRP_RETRIES(Irp) (*(ULONG_PTR *)&(Irp)->Tail.Overlay.DriverContext[1]) /* attempts failed */
#define AHCI_IRP_AGAIN(Irp) (*(ULONG_PTR *)&(Irp)->Tail.Overlay.DriverContext[2])   /* AHCI_AGAIN_* */
/* AHCI_IRP_AGAIN: bit 0, a suspect of an error nobody could be blamed for,
 * whose commands run alone from then on; above it, how often a recovery cut
 * the IRP short without blaming it (bounded too: AHCI_MAX_REQUEUES). */
#define AHCI_AGAIN_SUSPECT 1
#define AHCI_AGAIN_ONE_MORE 2

struct _AHCI_CONTROLLER;

/* One disk: the device extension of \Device\Harddisk<N>\DR0. */
typedef struct _AHCI_PORT {
    PDEVICE_OBJECT DeviceObject;
    struct _AHCI_CONTROLLER *Controller;
    volatile AHCI_PORT_REGISTERS *Registers;
    ULONG Number;          /* the HBA port, 0-31 */
    ULONG DiskNumber;      /* N in \Device\Harddisk<N>\DR0 */

    /* DMA memory: the command list, the received-FIS area, 32 tables. */
    PAHCI_COMMAND_HEADER CommandList;
    PUCHAR ReceivedFis;
    PAHCI_COMMAND_TABLE Tables;

    /* What IDENTIFY DEVICE said. */
    CHAR Model[41];
    CHAR Serial[21];
    CHAR Firmware[9];
    ULONG64 SectorCount;
    ULONG Depth;           /* slots used: the NCQ depth, or 1 without NCQ */
    BOOLEAN Ncq;           /* READ/WRITE FPDMA QUEUED in use */

    /* The request side, guarded by Lock. */
    KSPIN_LOCK Lock;
    AHCI_SLOT Slots[AHCI_MAX_SLOTS];
    ULONG BusySlots;       /* bit n: Slots[n] holds a command */
    BOOLEAN Barrier;       /* a command that must run alone is in flight: start nothing */
    BOOLEAN Dead;          /* a recovery could not bring the port back: requests fail at once */
    LIST_ENTRY RetryList;  /* IRPs to restart before the queue's (Tail.Overlay.ListEntry) */

    /* The internal IRP queue: a cancel-safe queue under QueueLock. */
    IO_CSQ Queue;
    LIST_ENTRY QueueHead;
    KSPIN_LOCK QueueLock;

    /* Shared with the ISR: only under the interrupt spin lock. */
    ULONG Issued;          /* slots in PxCI/PxSACT that the ISR has not yet seen finish */
    ULONG IssuedQueued;    /* those of them that are queued (NCQ) commands */
    ULONG Completed;       /* slots the ISR saw finish, for the DPC */
    ULONG InterruptStatus; /* PxIS bits the ISR saw, for the DPC */
    ULONG Deferred;        /* slots built but held back: an error awaits recovery */

    KDPC Dpc;              /* AhciCustomDpc: this port's queue */
    KTIMER Timer;          /* periodic: looks for hung commands */
    KDPC TimerDpc;         /* AhciTimeoutDpc */
    ULONG64 TimeoutTicks;  /* the timeout, in 100 ns units */
    ULONG MaxPieceBytes;   /* the most one command moves (ahci.max_piece, a test hook) */

    AHCI_DISK_STATISTICS Stats;
} AHCI_PORT, *PAHCI_PORT;

/* One HBA. */
typedef struct _AHCI_CONTROLLER {
    ULONG BusNumber;
    ULONG SlotNumber;
    PHYSICAL_ADDRESS AbarPhysical;
    SIZE_T AbarSize;
    volatile AHCI_HBA_REGISTERS *Hba;
    ULONG Cap;
    ULONG PortsImplemented;
    ULONG PortMask;                       /* implemented ports whose registers lie inside ABAR */
    BOOLEAN Msi;
    PKINTERRUPT Interrupt;                /* for KeSynchronizeExecution and its spin lock */
    PIO_INTERRUPT_MESSAGE_INFO Messages;  /* when connected message-based */
    ULONG ConnectVersion;                 /* CONNECT_MESSAGE_BASED or CONNECT_LINE_BASED/FULLY_SPECIFIED */
    volatile ULONG LoseInterrupts;        /* the lost-interrupt hook: interrupts still to drop */
    PAHCI_PORT Ports[AHCI_MAX_PORTS];     /* by port number; NULL: no disk there */
} AHCI_CONTROLLER, *PAHCI_CONTROLLER;

/* How many slots a mask names (no POPCNT instruction is assumed). */
static inline ULONG AhciCountSlots(ULONG Mask)
{
    ULONG Count = 0;
    for (; Mask != 0; Mask &= Mask - 1)
        Count++;
    return Count;
}

/* The most one command may move: 65536 sectors (the 48-bit count), or less
 * if Requested (a test hook) asks for less. */
static inline ULONG AhciPieceLimit(ULONG Requested)
{
    ULONG Limit = (ULONG)ATA_MAX_SECTORS_EXT * AHCI_SECTOR_SIZE;
    Requested -= Requested % AHCI_SECTOR_SIZE;
    return Requested != 0 && Requested < Limit ? Requested : Limit;
}

/* driver.c */
extern ULONG AhciDiskCount;
extern PAHCI_PORT AhciDisks[AHCI_MAX_DISKS];

/* hba.c */
NTSTATUS AhciStartController(PDRIVER_OBJECT DriverObject, ULONG BusNumber, ULONG SlotNumber);

/* port.c */
BOOLEAN AhciWaitRegister(volatile ULONG *Register, ULONG Mask, ULONG Value, ULONG Microseconds);
NTSTATUS AhciStopCommandEngine(volatile AHCI_PORT_REGISTERS *Registers);
NTSTATUS AhciStopEngines(volatile AHCI_PORT_REGISTERS *Registers);
NTSTATUS AhciStartEngines(volatile AHCI_PORT_REGISTERS *Registers);
NTSTATUS AhciComReset(volatile AHCI_PORT_REGISTERS *Registers);
NTSTATUS AhciAllocatePortMemory(PAHCI_PORT Port);
VOID AhciFreePortMemory(PAHCI_PORT Port);
NTSTATUS AhciInitializePort(PAHCI_PORT Port);

/* identify.c */
NTSTATUS AhciIdentify(PAHCI_PORT Port, BOOLEAN UseNcq);

/* disk.c */
NTSTATUS AhciCreateDisk(PDRIVER_OBJECT DriverObject, PAHCI_CONTROLLER Controller, ULONG PortNumber,
                        PAHCI_PORT *Result);
VOID AhciDeleteDisk(PAHCI_PORT Port);
NTSTATUS AhciCompleteNow(PIRP Irp, NTSTATUS Status, ULONG_PTR Information);
DRIVER_DISPATCH AhciDispatchCreateClose;
DRIVER_DISPATCH AhciDispatchReadWrite;
DRIVER_DISPATCH AhciDispatchFlush;

/* ioctl.c */
DRIVER_DISPATCH AhciDispatchDeviceControl;

/* queue.c */
VOID AhciInitializeQueue(PAHCI_PORT Port);

/* command.c */
ULONG AhciBuildCommand(PAHCI_PORT Port, ULONG Slot, PIRP Irp, BOOLEAN Queued);
VOID AhciBuildPolledCommand(PAHCI_PORT Port, ULONG Slot, UCHAR Command, PVOID Buffer, ULONG Length);

/* start.c */
VOID AhciStartRequests(PAHCI_PORT Port);
VOID AhciStartRequestsLocked(PAHCI_PORT Port);
BOOLEAN AhciTryStartNow(PAHCI_PORT Port, PIRP Irp);
BOOLEAN AhciCanStart(PAHCI_PORT Port, PIRP Irp);

/* isr.c */
KSERVICE_ROUTINE AhciInterruptService;
KMESSAGE_SERVICE_ROUTINE AhciMessageService;

/* dpc.c */
KDEFERRED_ROUTINE AhciCustomDpc;
VOID AhciCompleteList(PLIST_ENTRY Done);
VOID AhciFinishIrp(PAHCI_PORT Port, PIRP Irp, NTSTATUS Status, PLIST_ENTRY Done);
VOID AhciFinishSlot(PAHCI_PORT Port, ULONG Slot, PLIST_ENTRY Done);

/* recover.c */
VOID AhciRecoverPort(PAHCI_PORT Port, ULONG Blamed, BOOLEAN Isolate, PLIST_ENTRY Done, NTSTATUS FailStatus);

/* timer.c */
KDEFERRED_ROUTINE AhciTimeoutDpc;
VOID AhciStartTimer(PAHCI_PORT Port);

#endif /* AHCI_H */
