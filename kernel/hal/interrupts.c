/*
 * interrupts.c - HalInitializeInterrupts: the interrupt hardware from
 * firmware's state to ours, and the system vectors.
 *
 * After it, on the boot processor:
 *   - the 8259s are remapped and masked (pic.c): nothing arrives through them;
 *   - the local APIC is enabled (lapic.c), CR8 = TPR = 0, LINT1 is NMI;
 *   - every I/O APIC pin is masked (ioapic.c): a line is unmasked only when an
 *     interrupt object connects to its vector;
 *   - the kernel's vector table is empty except for the system vectors below.
 * Interrupts are still disabled (RFLAGS.IF = 0); KiSystemStartup enables them
 * once the clock is running too.
 */
#include "hal.h"
#include "interrupts.h"
#include "apic.h"
#include "ioapic.h"
#include "platform.h"
#include "vectors.h"
#include "ke/interruptp.h"
#include "ke/softint.h"

ULONG HalpApicErrorCount;
ULONG HalpApicLastError;

VOID HalpConnectSystemVector(UCHAR Vector, PHAL_SYSTEM_HANDLER Handler)
{
    /* The kernel's dispatcher owns the vector table; the HAL only names the
     * routine for each of its own vectors. */
    KiConnectSystemVector(Vector, Handler);
}

/* The local APIC found something wrong with an interrupt it sent or received
 * (an illegal vector, a message that could not be delivered) and says which
 * in its error status register. Writing ESR first latches the errors seen
 * so far into it. */
static VOID HalpApicErrorInterrupt(PKTRAP_FRAME TrapFrame)
{
    UNREFERENCED_PARAMETER(TrapFrame);
    HalpLapicWrite(LAPIC_ESR, 0);
    HalpApicLastError = HalpLapicRead(LAPIC_ESR);
    if (HalpApicErrorCount++ == 0)
        DbgPrint("hal: local APIC error interrupt, ESR 0x%x\n", HalpApicLastError);
}

static VOID PrintSummary(VOID)
{
    UCHAR Master, Slave;

    HalpReadLegacyPicMasks(&Master, &Slave);
    DbgPrint("interrupts: local APIC ID %u (%s, version 0x%x), %u I/O APIC(s), 8259 masks %02x/%02x\n", HalpLapicId(),
             HalpLapicIsX2Apic() ? "x2APIC" : "xAPIC", HalpLapicRead(LAPIC_VERSION) & 0xFF, HalPlatform.IoApicCount,
             Master, Slave);
}

VOID HalInitializeInterrupts(VOID)
{
    KiInitializeInterruptVectors();
    HalpDisableLegacyPic();
    HalpInitializeLapic();
    HalpInitializeIoApics();
    HalpConnectSystemVector(APIC_ERROR_VECTOR, HalpApicErrorInterrupt);
    HalpConnectSystemVector(APC_VECTOR, KiApcInterrupt);
    HalpConnectSystemVector(DISPATCH_VECTOR, KiDispatchInterrupt);
    if (!KeHasOption("quiet"))
        PrintSummary();
}
