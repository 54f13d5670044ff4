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

/* ---- line-based: a PCI function's INTx ----
 * The HAL routes the function's Interrupt Line register to a vector
 * (pciintx.c, routing.c). A PCI line is level-triggered and may be shared
 * with other functions, so the object is LevelSensitive with ShareVector set.
 * Interrupt Disable (Command bit 10) is cleared once the ISR is connected, in
 * case the firmware left INTx off. */
static NTSTATUS ConnectLine(struct _PCI_FUNCTION *Function, PKINTERRUPT *InterruptObject,
                            PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext, PKSPIN_LOCK SpinLock,
                            KIRQL SynchronizeIrql, BOOLEAN FloatingSave)
{
    ULONG Vector;
    KIRQL Irql;
    KAFFINITY Affinity;

    if (Function == NULL)
        return STATUS_NOT_SUPPORTED;
    if (InterruptObject == NULL || ServiceRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS Status = HalpPciGetInterruptVector(Function, &Vector, &Irql, &Affinity);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoConnectInterrupt(InterruptObject, ServiceRoutine, ServiceContext, SpinLock, Vector, Irql,
                                SynchronizeIrql != 0 ? SynchronizeIrql : Irql, LevelSensitive, TRUE,
                                Affinity & IOP_ACTIVE_PROCESSORS, FloatingSave);
    if (NT_SUCCESS(Status))
        HalpPciSetIntxDisabled(Function, FALSE);
    return Status;
}

static NTSTATUS ConnectLineBased(IO_CONNECT_INTERRUPT_LINE_BASED_PARAMETERS *P)
{
    return ConnectLine(P->PciFunction, P->InterruptObject, P->ServiceRoutine, P->ServiceContext, P->SpinLock,
                       P->SynchronizeIrql, P->FloatingSave);
}

/* ---- message-based: MSI-X entries or one MSI message ----
 * A message has no line, so no GSI ranks it: each gets a free vector at the
 * IRQL of PCI lines (GSI 16 and up, routing.c), the lowest device IRQL, and
 * an interrupt object of its own whose ISR is MessageTrampoline: it calls the
 * driver's message routine with the message's number. All the messages of a
 * connection share one spin lock. */
#define IOP_MESSAGE_IRQL DEVICE_LEVEL_LOW

struct _IOP_MESSAGE_CONNECTION;

typedef struct _IOP_MESSAGE {
    struct _IOP_MESSAGE_CONNECTION *Connection;
    ULONG MessageId;
    ULONG64 SavedAddress; /* the MSI-X entry as it was before, put back on disconnect */
    ULONG SavedData;
} IOP_MESSAGE;

typedef struct _IOP_MESSAGE_CONNECTION {
    PKMESSAGE_SERVICE_ROUTINE MessageServiceRoutine;
    PVOID ServiceContext;
    struct _PCI_FUNCTION *Function;
    BOOLEAN UsesMsix;
    BOOLEAN WasFunctionMasked; /* MSI-X Function Mask before the connection */
    PCI_MSIX Msix;
    KSPIN_LOCK SpinLock; /* the messages' lock, when the driver gives none */
    IOP_MESSAGE Messages[IO_MAX_INTERRUPT_MESSAGES];
    /* What the driver gets; MessageInfo[] goes on into More[]. */
    IO_INTERRUPT_MESSAGE_INFO Info;
    IO_INTERRUPT_MESSAGE_INFO_ENTRY More[IO_MAX_INTERRUPT_MESSAGES - 1];
} IOP_MESSAGE_CONNECTION;

_Static_assert(sizeof(IO_INTERRUPT_MESSAGE_INFO) ==
                   offsetof(IO_INTERRUPT_MESSAGE_INFO, MessageInfo) + sizeof(IO_INTERRUPT_MESSAGE_INFO_ENTRY),
               "MessageInfo[1] ends the table");
_Static_assert(offsetof(IOP_MESSAGE_CONNECTION, More) ==
                   offsetof(IOP_MESSAGE_CONNECTION, Info) + sizeof(IO_INTERRUPT_MESSAGE_INFO),
               "More[] continues MessageInfo[]");

static IO_INTERRUPT_MESSAGE_INFO_ENTRY *EntryOf(IOP_MESSAGE_CONNECTION *C, ULONG MessageId)
{
    return C->Info.MessageInfo + MessageId;
}

static BOOLEAN MessageTrampoline(PKINTERRUPT Interrupt, PVOID Context)
{
    IOP_MESSAGE *Message = Context;
    IOP_MESSAGE_CONNECTION *C = Message->Connection;
    return C->MessageServiceRoutine(Interrupt, C->ServiceContext, Message->MessageId);
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

/* Takes back what ConnectMessageObjects gave, for the first Count messages. */
static VOID DisconnectMessageObjects(IOP_MESSAGE_CONNECTION *C, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++) {
        IoDisconnectInterrupt(EntryOf(C, i)->InterruptObject);
        HalpFreeDeviceVector(EntryOf(C, i)->Vector);
    }
}

/* One vector and one interrupt object per message, and the table filled. */
static NTSTATUS ConnectMessageObjects(IOP_MESSAGE_CONNECTION *C, IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *P,
                                      ULONG Count)
{
    ULONG ApicId = KiProcessorBlock[0]->ApicId; /* IOP_ACTIVE_PROCESSORS */
    PKSPIN_LOCK Lock = P->SpinLock != NULL ? P->SpinLock : &C->SpinLock;
    KIRQL SynchronizeIrql = P->SynchronizeIrql != 0 ? P->SynchronizeIrql : IOP_MESSAGE_IRQL;

    for (ULONG i = 0; i < Count; i++) {
        PKINTERRUPT Interrupt;
        ULONG Vector = HalpAllocateDeviceVector(IOP_MESSAGE_IRQL);
        NTSTATUS Status = Vector != 0 ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
        C->Messages[i].Connection = C;
        C->Messages[i].MessageId = i;
        if (NT_SUCCESS(Status))
            Status = IoConnectInterrupt(&Interrupt, MessageTrampoline, &C->Messages[i], Lock, Vector, IOP_MESSAGE_IRQL,
                                        SynchronizeIrql, Latched, FALSE, IOP_ACTIVE_PROCESSORS, P->FloatingSave);
        if (!NT_SUCCESS(Status)) {
            if (Vector != 0)
                HalpFreeDeviceVector(Vector);
            DisconnectMessageObjects(C, i);
            return Status;
        }
        DescribeMessage(EntryOf(C, i), Interrupt, Vector, ApicId);
    }
    C->Info.UnifiedIrql = IOP_MESSAGE_IRQL;
    C->Info.MessageCount = Count;
    return STATUS_SUCCESS;
}

/* MSI-X on, in the order that never sends a half-programmed message: the
 * function masked and enabled (from here on it uses no INTx and no MSI), each
 * entry written while masked (the old contents kept), each entry unmasked,
 * and last the function unmasked. */
static VOID StartMsix(IOP_MESSAGE_CONNECTION *C)
{
    C->WasFunctionMasked = HalpPciIsMsixFunctionMasked(C->Function);
    HalpPciMsixSetFunctionMasked(C->Function, TRUE);
    HalpPciMsixSetEnabled(C->Function, TRUE);
    for (ULONG i = 0; i < C->Info.MessageCount; i++) {
        const IO_INTERRUPT_MESSAGE_INFO_ENTRY *Entry = EntryOf(C, i);
        HalpPciMsixReadEntry(&C->Msix, i, &C->Messages[i].SavedAddress, &C->Messages[i].SavedData);
        HalpPciMsixWriteEntry(&C->Msix, i, (ULONG64)Entry->MessageAddress.QuadPart, Entry->MessageData);
        HalpPciMsixSetEntryMasked(&C->Msix, i, FALSE);
    }
    HalpPciMsixSetFunctionMasked(C->Function, FALSE);
}

/* The reverse: masked, disabled, the entries as they were (masked). */
static VOID StopMsix(IOP_MESSAGE_CONNECTION *C)
{
    HalpPciMsixSetFunctionMasked(C->Function, TRUE);
    HalpPciMsixSetEnabled(C->Function, FALSE);
    for (ULONG i = 0; i < C->Info.MessageCount; i++)
        HalpPciMsixWriteEntry(&C->Msix, i, C->Messages[i].SavedAddress, C->Messages[i].SavedData);
    HalpPciMsixSetFunctionMasked(C->Function, C->WasFunctionMasked);
}

/* How many messages the function's MSI-X table gives, with the table
 * mapped; 0 (and nothing mapped) when MSI-X cannot be used. */
static ULONG OpenMsix(IOP_MESSAGE_CONNECTION *C)
{
    if (C->Function->MsixOffset == 0 || !NT_SUCCESS(HalpPciMsixOpen(C->Function, &C->Msix)))
        return 0;
    C->UsesMsix = TRUE;
    return C->Msix.TableSize < IO_MAX_INTERRUPT_MESSAGES ? C->Msix.TableSize : IO_MAX_INTERRUPT_MESSAGES;
}

/* MSI-X when the function has a usable table, else MSI; STATUS_NOT_SUPPORTED
 * when it has neither. The hardware is programmed last, once every ISR is
 * ready for the first message. */
static NTSTATUS ConnectMessages(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *P)
{
    IOP_MESSAGE_CONNECTION *C = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(*C), IOP_INTERRUPT_TAG);
    if (C == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(C, sizeof(*C));
    C->MessageServiceRoutine = P->MessageServiceRoutine;
    C->ServiceContext = P->ServiceContext;
    C->Function = P->PciFunction;
    KeInitializeSpinLock(&C->SpinLock);
    ULONG Count = OpenMsix(C);
    if (Count == 0 && C->Function->MsiOffset != 0)
        Count = 1;
    NTSTATUS Status = Count != 0 ? ConnectMessageObjects(C, P, Count) : STATUS_NOT_SUPPORTED;
    if (!NT_SUCCESS(Status)) {
        if (C->UsesMsix)
            HalpPciMsixClose(&C->Msix);
        ExFreePoolWithTag(C, IOP_INTERRUPT_TAG);
        return Status;
    }
    if (C->UsesMsix)
        StartMsix(C);
    else
        HalpPciEnableMsi(C->Function, EntryOf(C, 0)->Vector, KiProcessorBlock[0]->ApicId);
    *P->ConnectionContext.InterruptMessageTable = &C->Info;
    return STATUS_SUCCESS;
}

/* Windows's order: messages if the device has them; if not, and the driver
 * gave a FallBackServiceRoutine, the line, reported by changing Version to
 * CONNECT_LINE_BASED (the object is in ConnectionContext.InterruptObject). */
static NTSTATUS ConnectMessageBased(IO_CONNECT_INTERRUPT_MESSAGE_BASED_PARAMETERS *P, PULONG Version)
{
    if (P->PciFunction == NULL)
        return STATUS_NOT_SUPPORTED;
    if (P->ConnectionContext.Generic == NULL || P->MessageServiceRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    NTSTATUS Status = ConnectMessages(P);
    if (NT_SUCCESS(Status) || Status == STATUS_INVALID_PARAMETER || P->FallBackServiceRoutine == NULL)
        return Status;
    Status = ConnectLine(P->PciFunction, P->ConnectionContext.InterruptObject, P->FallBackServiceRoutine,
                         P->ServiceContext, P->SpinLock, P->SynchronizeIrql, P->FloatingSave);
    if (NT_SUCCESS(Status))
        *Version = CONNECT_LINE_BASED;
    return Status;
}

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters)
{
    NTSTATUS Status;

    switch (Parameters->Version) {
    case CONNECT_FULLY_SPECIFIED: return ConnectFullySpecified(&Parameters->FullySpecified);
    case CONNECT_LINE_BASED: Status = ConnectLineBased(&Parameters->LineBased); break;
    case CONNECT_MESSAGE_BASED: Status = ConnectMessageBased(&Parameters->MessageBased, &Parameters->Version); break;
    default: return STATUS_INVALID_PARAMETER_1;
    }
    if (Status == STATUS_NOT_SUPPORTED)
        Parameters->Version = CONNECT_FULLY_SPECIFIED; /* "retry fully specified" */
    return Status;
}

/* The device stops sending first, then the ISRs go, then the vectors. */
static VOID DisconnectMessageBased(PIO_INTERRUPT_MESSAGE_INFO Table)
{
    IOP_MESSAGE_CONNECTION *C = CONTAINING_RECORD(Table, IOP_MESSAGE_CONNECTION, Info);
    if (C->UsesMsix)
        StopMsix(C);
    else
        HalpPciDisableMsi(C->Function);
    DisconnectMessageObjects(C, Table->MessageCount);
    if (C->UsesMsix)
        HalpPciMsixClose(&C->Msix);
    ExFreePoolWithTag(C, IOP_INTERRUPT_TAG);
}

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters)
{
    if (Parameters->Version == CONNECT_MESSAGE_BASED)
        DisconnectMessageBased(Parameters->ConnectionContext.InterruptMessageTable);
    else
        IoDisconnectInterrupt(Parameters->ConnectionContext.InterruptObject);
}
