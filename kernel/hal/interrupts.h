/*
 * interrupts.h - the HAL's interrupt routines: from a device's interrupt line
 * to a vector and an IRQL, turning lines on and off, and software interrupts.
 * docs/interrupts.md follows an interrupt from the device to its ISR.
 */
#ifndef HAL_INTERRUPTS_H
#define HAL_INTERRUPTS_H

#include "ntdef.h"
#include "ke/irql.h"
#include "ke/interrupt.h"
#include "vectors.h"

/* ---- for drivers (WDM) ---- */

/* The bus an interrupt resource belongs to (WDM's INTERFACE_TYPE; Internal,
 * Isa and PCIBus mean something here). */
typedef enum _INTERFACE_TYPE {
    InterfaceTypeUndefined = -1,
    Internal = 0, /* the system board: BusInterruptLevel is a GSI */
    Isa = 1,      /* BusInterruptLevel is an ISA IRQ, 0-15 */
    Eisa,
    MicroChannel,
    TurboChannel,
    PCIBus,       /* BusInterruptLevel is the function's Interrupt Line register */
} INTERFACE_TYPE;

/* The legacy WDM route from a bus interrupt to what IoConnectInterrupt wants:
 * returns the vector, and the IRQL and processors it interrupts at. The line
 * is programmed but stays masked until an interrupt object connects to the
 * vector. Asking again for the same line gives the same vector. 0 when the
 * line cannot be routed. (PnP drivers get these from their resource list
 * instead; this kernel has no PnP manager yet.)
 * For PCIBus, BusInterruptLevel and BusInterruptVector are the function's
 * Interrupt Line register (config 0x3C) as the firmware wrote it, as for
 * NT4's HAL; BusNumber is not used. The line goes to that ISA IRQ's GSI
 * (with the MADT's override) and is level-triggered: connect it
 * LevelSensitive, shared. A line of 0 or 0xFF (not routed) gives 0. */
ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity);

/* ---- for the kernel ---- */

/* Let Vector's line reach the CPU, triggered as InterruptMode says (NT's
 * names; KeConnectInterrupt calls them when the first object connects and
 * KeDisconnectInterrupt when the last one leaves). A vector without a line
 * (a self-IPI, later an MSI) needs nothing: TRUE. */
BOOLEAN HalEnableSystemInterrupt(ULONG Vector, KIRQL Irql, KINTERRUPT_MODE InterruptMode);
VOID HalDisableSystemInterrupt(ULONG Vector, KIRQL Irql);

/* Requests the APC_LEVEL or DISPATCH_LEVEL software interrupt on this CPU
 * (softint.c): it is delivered as soon as the IRQL is below RequestIrql and
 * interrupts are enabled, and not before. Any other level is a bug check
 * (INVALID_SOFTWARE_INTERRUPT). */
VOID HalRequestSoftwareInterrupt(KIRQL RequestIrql);

/* ---- inside the HAL ---- */

/* The 8259s' vectors once remapped (pic.c): 0xC0-0xCF, used by nothing. */
/* PIC_VECTOR_BASE: see vectors.h */
VOID HalpDisableLegacyPic(VOID);
VOID HalpReadLegacyPicMasks(PUCHAR Master, PUCHAR Slave);

/* A free device vector of class Irql (3-11), or 0 when that class is full
 * (routing.c). For interrupts that have no line: self-IPIs in the tests,
 * later MSI. HalpFreeDeviceVector gives it back. */
ULONG HalpAllocateDeviceVector(KIRQL Irql);
VOID HalpFreeDeviceVector(ULONG Vector);
/* The GSI behind Vector, if HalGetInterruptVector routed one there. */
BOOLEAN HalpVectorToGsi(ULONG Vector, PULONG Gsi);

/* The local APIC's error interrupt (interrupts.c): how many so far, and the
 * error bits the last one found. */
extern ULONG HalpApicErrorCount;
extern ULONG HalpApicLastError;

#endif /* HAL_INTERRUPTS_H */
