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

NTSTATUS IoConnectInterruptEx(PIO_CONNECT_INTERRUPT_PARAMETERS Parameters)
{
    switch (Parameters->Version) {
    case CONNECT_FULLY_SPECIFIED: return ConnectFullySpecified(&Parameters->FullySpecified);
    case CONNECT_LINE_BASED:
    case CONNECT_MESSAGE_BASED:
        /* Both read the device's interrupt resources, which the PnP manager
         * assigns; there is none yet. */
        Parameters->Version = CONNECT_FULLY_SPECIFIED;
        return STATUS_NOT_SUPPORTED;
    default: return STATUS_INVALID_PARAMETER_1;
    }
}

VOID IoDisconnectInterruptEx(PIO_DISCONNECT_INTERRUPT_PARAMETERS Parameters)
{
    IoDisconnectInterrupt(Parameters->ConnectionContext.InterruptObject);
}
