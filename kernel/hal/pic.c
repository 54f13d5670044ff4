/*
 * pic.c - the legacy 8259 interrupt controllers: remapped, then silenced.
 *
 * The PC's original interrupt controller is a pair of 8259s, a master (ports
 * 0x20-0x21) with a slave cascaded on its input 2 (ports 0xA0-0xA1). This
 * kernel routes every device line through the I/O APICs instead, but the
 * 8259s are still there and the firmware may have left them running. Two
 * things make them harmless:
 *   - all sixteen inputs masked (the interrupt mask registers set to 0xFF),
 *     and the local APIC's LINT0, where the master's output arrives, masked
 *     as well (lapic.c);
 *   - first, their vectors moved. At power-on the master sends vectors 8-15,
 *     which are CPU exceptions: IRQ 0 would look like a double fault. Were
 *     anything ever to get through, it now arrives on 0xC0-0xCF, a range no
 *     one uses, and is counted as an unexpected interrupt.
 * Changing the vectors means re-initializing each 8259 with four
 * "initialization command words"; the mask is written last, because starting
 * the initialization clears it.
 */
#include "interrupts.h"
#include "platform.h"
#include "x86.h"

#define PIC_MASTER_COMMAND 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_COMMAND 0xA0
#define PIC_SLAVE_DATA 0xA1

#define ICW1_INIT 0x10 /* start initialization */
#define ICW1_ICW4_FOLLOWS 0x01
#define ICW3_SLAVE_ON_IRQ2 0x04 /* master: a slave on input 2 (a bit mask) */
#define ICW3_CASCADE_ID 0x02    /* slave: its cascade identity, 2 */
#define ICW4_8086_MODE 0x01

/* The old chips need a moment between writes; a write to the unused port
 * 0x80 (the POST diagnostic port) takes about a microsecond. */
static VOID PicWrite(USHORT Port, UCHAR Value)
{
    __outbyte(Port, Value);
    __outbyte(0x80, 0);
}

/* One 8259: ICW1 on the command port starts the initialization, ICW2-4
 * follow on the data port, and then the data port is the mask register. */
static VOID Initialize(USHORT Command, USHORT Data, UCHAR VectorBase, UCHAR Cascade)
{
    PicWrite(Command, ICW1_INIT | ICW1_ICW4_FOLLOWS);
    PicWrite(Data, VectorBase); /* ICW2: the vector of input 0; inputs 1-7 follow it */
    PicWrite(Data, Cascade);    /* ICW3 */
    PicWrite(Data, ICW4_8086_MODE);
    PicWrite(Data, 0xFF); /* every input masked */
}

VOID HalpDisableLegacyPic(VOID)
{
    if (!HalPlatform.HasLegacyPic)
        return;
    Initialize(PIC_MASTER_COMMAND, PIC_MASTER_DATA, PIC_VECTOR_BASE, ICW3_SLAVE_ON_IRQ2);
    Initialize(PIC_SLAVE_COMMAND, PIC_SLAVE_DATA, PIC_VECTOR_BASE + 8, ICW3_CASCADE_ID);
}

VOID HalpReadLegacyPicMasks(PUCHAR Master, PUCHAR Slave)
{
    *Master = __inbyte(PIC_MASTER_DATA);
    *Slave = __inbyte(PIC_SLAVE_DATA);
}
