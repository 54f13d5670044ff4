/*
 * interrupt.c - IoConnectInterrupt(Ex) and IoDisconnectInterrupt(Ex): the
 * driver's way to an interrupt object.
 *
 * NT makes one interrupt object per processor the interrupt may arrive on,
 * each connected on its own processor, and gives the driver a pointer to the
 * first. Only processor 0 runs here yet, and every I/O APIC line is routed to
 * it, so there is one object; KeSynchronizeExecution and
 * IoDisconnectInterrupt take that pointer back, as they would the first of
 * several.
 */
#include "io.h"
#include "ex/ex.h"
#include "ke/prcb.h"
#include "hal/pci.h"
#include "hal/interrupts.h"

#define IOP_INTERRUPT_TAG POOL_TAG('I', 'n', 't', 'r')

/* The processors that run: the boot processor. */
#define IOP_ACTIVE_PROCESSORS ((KAFFINITY)1)

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                            PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                            KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    UNREFERENCED_PARAMETER(FloatingSave);
    *InterruptObject = NULL;
    if ((ProcessorEnableMask & IOP_ACTIVE_PROCESSORS) == 0)
        return STATUS_INVALID_PARAMETER;

    PKINTERRUPT Interrupt = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(KINTERRUPT), IOP_INTERRUPT_TAG);
    if (Interrupt == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeInterrupt(Interrupt, ServiceRoutine, ServiceContext, SpinLock, Vector, Irql, SynchronizeIrql,
                          InterruptMode, ShareVector);
    if (!KeConnectInterrupt(Interrupt)) {
        ExFreePoolWithTag(Interrupt, IOP_INTERRUPT_TAG);
        return STATUS_INVALID_PARAMETER;
    }
    *InterruptObject = Interrupt;
    return STATUS_SUCCESS;
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    KeDisconnectInterrupt(InterruptObject);
    ExFreePoolWithTag(InterruptObject, IOP_INTERRUPT_TAG);
}

static NTSTATUS ConnectFullySpecified(IO_CONNECT_INTERRUPT_FULLY_SPECIFIED_PARAMETERS *P)
{
    if (P->InterruptObject == NULL || P->Group != 0)
        return STATUS_INVALID_PARAMETER;
    return IoConnectInterrupt(P->InterruptObject, P->ServiceRoutine, P->ServiceContext, P->SpinLock, P->Vector, P->Irql,
                              P->SynchronizeIrql, P->InterruptMode, P->ShareVector, P->ProcessorEnableMask,
                              P->FloatingSave);
}

/* ---- message-based: one MSI message ----
 * A message has no line, so no GSI ranks it: it gets the IRQL of PCI lines
 * (GSI 16 and up, routing.c), the lowest device IRQL, and a free vector of
 * that class. The interrupt object calls MessageTrampoline, which calls the
 * driver's message routine with the message's number, 0. */
#define IOP_MESSAGE_IRQL DEVICE_LEVEL_LOW

typedef struct _IOP_MESSAGE_CONNECTION {
    IO_INTERRUPT_MESSAGE_INFO Info; /* what the driver gets: first, so the table's address is ours */
    PKMESSAGE_SERVICE_ROUTINE MessageServiceRoutine;
    PVOID ServiceContext;
    struct _PCI_FUNCTION *Function;
} IOP_MESSAGE_CONNECTION;

static BOOLEAN MessageTrampoline(PKINTERRUPT Interrupt, PVOID Context)
{
    IOP_MESSAGE_CONNECTION *Connection = Context;
    return Connection->MessageServiceRoutine(Interrupt, Connection->ServiceContext, 0);
}

static VOID DescribeMessage(IO_INTERRUPT_MESSAGE_INFO_ENTRY *Entry, PKINTERRUPT Interrupt, ULONG Vector, ULONG ApicId)
{
    Entry->MessageAddress.QuadPart = HalpMsiAddress(ApicId);
    Entry->TargetProcessorSet = IOP_ACTIVE_PROCESSORS;
    Entry->InterruptObject = Interrupt;
    Entry->MessageData = HalpMsiData(Vector);
    Entry->Vector = Vector;
    Entry->Irql = IOP_MESSAGE_IRQL;
    Entry->Mode = Latched;
    Entry->Polarity = InterruptActiveHigh;
}

static NTSTATUS ConnectMessageBased(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *P)
{
    if (P->PciFunction == NULL || P->PciFunction->MsiOffset == 0) {
        /* No device named, or one without MSI: Windows's answer when the
         * device has no messages is "retry fully specified" (there is no
         * line-based connect to fall back on yet). */
        return STATUS_NOT_SUPPORTED;
    }
    if (P->ConnectionContext.InterruptMessageTable == NULL || P->MessageServiceRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    IOP_MESSAGE_CONNECTION *C = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*C), IOP_INTERRUPT_TAG);
    if (C == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    ULONG Vector = HalpAllocateDeviceVector(IOP_MESSAGE_IRQL);
    if (Vector == 0) {
        ExFreePoolWithTag(C, IOP_INTERRUPT_TAG);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    C->MessageServiceRoutine = P->MessageServiceRoutine;
    C->ServiceContext = P->ServiceContext;
    C->Function = P->PciFunction;
    PKINTERRUPT Interrupt;
    KIRQL SynchronizeIrql = P->SynchronizeIrql != 0 ? P->SynchronizeIrql : IOP_MESSAGE_IRQL;
    NTSTATUS Status = IoConnectInterrupt(&Interrupt, MessageTrampoline, C, P->SpinLock, Vector, IOP_MESSAGE_IRQL,
                                         SynchronizeIrql, Latched, FALSE, IOP_ACTIVE_PROCESSORS, P->FloatingSave);
    if (!NT_SUCCESS(Status)) {
        HalpFreeDeviceVector(Vector);
        ExFreePoolWithTag(C, IOP_INTERRUPT_TAG);
        return Status;
    }
    ULONG ApicId = KiProcessorBlock[0]->ApicId; /* IOP_ACTIVE_PROCESSORS */
    C->Info.UnifiedIrql = IOP_MESSAGE_IRQL;
    C->Info.MessageCount = 1;
    DescribeMessage(&C->Info.MessageInfo[0], Interrupt, Vector, ApicId);
    HalpPciEnableMsi(P->PciFunction, Vector, ApicId); /* last: the ISR is ready for the first message */
    *P->ConnectionContext.InterruptMessageTable = &C->Info;
    return STATUS_SUCCESS;
}

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters)
{
    switch (Parameters->Version) {
    case CONNECT_FULLY_SPECIFIED: return ConnectFullySpecified(&Parameters->FullySpecified);
    case CONNECT_MESSAGE_BASED: {
        NTSTATUS Status = ConnectMessageBased(&Parameters->MessageBased);
        if (Status == STATUS_NOT_SUPPORTED)
            Parameters->Version = CONNECT_FULLY_SPECIFIED;
        return Status;
    }
    case CONNECT_LINE_BASED:
        /* It reads the device's interrupt resources, which the PnP manager
         * assigns; there is none yet. */
        Parameters->Version = CONNECT_FULLY_SPECIFIED;
        return STATUS_NOT_SUPPORTED;
    default: return STATUS_INVALID_PARAMETER_1;
    }
}

/* The device stops sending first, then the ISR goes, then the vector. */
static VOID DisconnectMessageBased(PIO_INTERRUPT_MESSAGE_INFO Table)
{
    IOP_MESSAGE_CONNECTION *C = CONTAINING_RECORD(Table, IOP_MESSAGE_CONNECTION, Info);
    HalpPciDisableMsi(C->Function);
    IoDisconnectInterrupt(Table->MessageInfo[0].InterruptObject);
    HalpFreeDeviceVector(Table->MessageInfo[0].Vector);
    ExFreePoolWithTag(C, IOP_INTERRUPT_TAG);
}

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters)
{
    if (Parameters->Version == CONNECT_MESSAGE_BASED)
        DisconnectMessageBased(Parameters->ConnectionContext.InterruptMessageTable);
    else
        IoDisconnectInterrupt(Parameters->ConnectionContext.InterruptObject);
}
