/*
 * io.h - connecting a driver's ISR to its interrupt (interrupt.c). The rest
 * of the I/O manager's driver interface (driver and device objects, IRPs,
 * MDLs) is in include/wdm.h, which includes this file; the I/O manager's
 * internals are in iop.h.
 */
#ifndef IO_H
#define IO_H

#include "ntdef.h"
#include "ke/interrupt.h"


/* The parameter blocks below carry a pointer to a device object, as WDM's do
 * (wdm.h defines the structure). */
typedef struct _DEVICE_OBJECT *PDEVICE_OBJECT;

/* Creates an interrupt object for the processors in ProcessorEnableMask
 * (today only processor 0, the boot processor, runs) and connects it: from
 * the return on, ServiceRoutine is called for Vector at SynchronizeIrql.
 *   Vector, Irql    from HalGetInterruptVector (or, later, the PnP resources)
 *   SpinLock        NULL, or a lock the driver shares among several ISRs
 *   SynchronizeIrql Irql, or the highest Irql of the driver's interrupts
 *   FloatingSave    ignored: the kernel never uses floating-point or SSE
 *                   registers, so there is no such state to save
 * Returns STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES (no pool), or
 * STATUS_INVALID_PARAMETER: no running processor in the mask (Microsoft's
 * documented case), and here also when the kernel refuses the object: Irql
 * is not the vector's IRQL, SynchronizeIrql < Irql, not a device vector, or
 * the vector is taken and not shared alike (KeConnectInterrupt). Call at
 * PASSIVE_LEVEL. */
NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                            PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                            KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave);
/* Disconnects and frees what IoConnectInterrupt made. When it returns, the
 * ISR is not running and will not be called again. PASSIVE_LEVEL. */
VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject);

/* ---- IoConnectInterruptEx: one entry point, a parameter block per kind ----
 * CONNECT_FULLY_SPECIFIED is IoConnectInterrupt's parameters in a structure.
 * CONNECT_LINE_BASED and CONNECT_MESSAGE_BASED find the interrupts in the
 * device's PnP resources in Windows. ntmini has no PnP manager: the caller
 * names its PCI function in the block's PciFunction field (docs/pci.md).
 *   CONNECT_LINE_BASED     the function's INTx line, routed from its
 *                          Interrupt Line register: level-sensitive, shared
 *   CONNECT_MESSAGE_BASED  MSI-X if the function has it (up to
 *                          IO_MAX_INTERRUPT_MESSAGES messages), else MSI (one),
 *                          else FallBackServiceRoutine on the line, and then
 *                          Version becomes CONNECT_LINE_BASED
 * Without a function, or when nothing can be connected, they fail with
 * STATUS_NOT_SUPPORTED and set Version to CONNECT_FULLY_SPECIFIED, which is
 * what Windows documents for a system that lacks them: "retry with the fully
 * specified version". */
#define CONNECT_FULLY_SPECIFIED 0x1
#define CONNECT_LINE_BASED 0x2
#define CONNECT_MESSAGE_BASED 0x3

typedef struct _IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject; /* unused until there is a PnP manager */
    PKINTERRUPT *InterruptObject;        /* receives the object */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock;
    KIRQL SynchronizeIrql;
    BOOLEAN FloatingSave;
    BOOLEAN ShareVector;
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE InterruptMode;
    KAFFINITY ProcessorEnableMask;
    USHORT Group; /* processor group: 0, the only one */
} IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS;

struct _PCI_FUNCTION;

/* As in WDM, with one field more at the end: the PCI function whose INTx
 * line is connected (there is no PhysicalDeviceObject that knows it). */
typedef struct _IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject; /* unused */
    PKINTERRUPT *InterruptObject;        /* receives the object */
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock;
    KIRQL SynchronizeIrql; /* 0: the line's IRQL */
    BOOLEAN FloatingSave;
    struct _PCI_FUNCTION *PciFunction; /* ntmini: the device */
} IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS;

/* Message-based (MSI): the driver gets a table describing its messages and
 * a routine called with the message's number. */
typedef BOOLEAN KMESSAGE_SERVICE_ROUTINE(struct _KINTERRUPT *Interrupt, PVOID ServiceContext, ULONG MessageID);
typedef KMESSAGE_SERVICE_ROUTINE *PKMESSAGE_SERVICE_ROUTINE;

typedef enum _KINTERRUPT_POLARITY {
    InterruptPolarityUnknown,
    InterruptActiveHigh,
    InterruptActiveLow,
} KINTERRUPT_POLARITY;

typedef struct _IO_INTERRUPT_MESSAGE_INFO_ENTRY {
    PHYSICAL_ADDRESS MessageAddress; /* where the device writes */
    KAFFINITY TargetProcessorSet;
    PKINTERRUPT InterruptObject;     /* for KeSynchronizeExecution */
    ULONG MessageData;               /* what it writes */
    ULONG Vector;
    KIRQL Irql;
    KINTERRUPT_MODE Mode;            /* Latched: a message is an edge */
    KINTERRUPT_POLARITY Polarity;
} IO_INTERRUPT_MESSAGE_INFO_ENTRY, *PIO_INTERRUPT_MESSAGE_INFO_ENTRY;

typedef struct _IO_INTERRUPT_MESSAGE_INFO {
    KIRQL UnifiedIrql; /* the highest IRQL of the messages */
    ULONG MessageCount;
    IO_INTERRUPT_MESSAGE_INFO_ENTRY MessageInfo[1];
} IO_INTERRUPT_MESSAGE_INFO, *PIO_INTERRUPT_MESSAGE_INFO;

/* The most messages one CONNECT_MESSAGE_BASED connection gets (MSI-X; MSI
 * gets one). */
#define IO_MAX_INTERRUPT_MESSAGES 4

/* As in WDM, with one field more at the end: without a PnP manager there is
 * no PhysicalDeviceObject that knows its PCI function, so the caller names
 * it (HalpPciFindByClass / HalpPciFindById give it). With MSI-X, message N
 * is table entry N, for N below the table size and IO_MAX_INTERRUPT_MESSAGES;
 * with MSI there is one message. All messages share one spin lock (SpinLock,
 * or one of the connection's), so KeSynchronizeExecution on any message's
 * object excludes every message routine. */
typedef struct _IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS {
    PDEVICE_OBJECT PhysicalDeviceObject; /* unused */
    union {
        PVOID *Generic;
        PIO_INTERRUPT_MESSAGE_INFO *InterruptMessageTable; /* receives the table */
        PKINTERRUPT *InterruptObject;
    } ConnectionContext;
    PKMESSAGE_SERVICE_ROUTINE MessageServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK SpinLock;
    KIRQL SynchronizeIrql; /* 0: the message's IRQL */
    BOOLEAN FloatingSave;
    PKSERVICE_ROUTINE FallBackServiceRoutine; /* NULL, or the ISR for the line when there are no messages */
    struct _PCI_FUNCTION *PciFunction;       /* ntmini: the device */
} IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS;

typedef struct _IO_CONNECT_INTERRUPT_PARAMETERS {
    ULONG Version; /* CONNECT_*: which member below; may be changed on return */
    union {
        IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS FullySpecified;
        IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS LineBased;
        IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS MessageBased;
    };
} IO_CONNECT_INTERRUPT_PARAMETERS, *PIO_CONNECT_INTERRUPT_PARAMETERS;

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters);

/* What IoConnectInterruptEx connected is disconnected by
 * IoDisconnectInterruptEx, given the Version it returned (CONNECT_LINE_BASED
 * after a fallback) and the object or table it gave. */
typedef struct _IO_DISCONNECT_INTERRUPT_PARAMETERS {
    ULONG Version;
    union {
        PVOID Generic;
        PKINTERRUPT InterruptObject;                      /* CONNECT_FULLY_SPECIFIED, CONNECT_LINE_BASED */
        PIO_INTERRUPT_MESSAGE_INFO InterruptMessageTable; /* CONNECT_MESSAGE_BASED */
    } ConnectionContext;
} IO_DISCONNECT_INTERRUPT_PARAMETERS, *PIO_DISCONNECT_INTERRUPT_PARAMETERS;

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters);

#endif /* IO_H */
