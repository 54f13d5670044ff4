/*
 * identify.c - IDENTIFY DEVICE: who the disk is and what it can do.
 *
 * Sent once per disk at start-up, before the controller's interrupt is
 * connected, so it is polled: issue slot 0, wait for PxCI bit 0 to drop.
 * The answer is 256 little-endian words; its strings store two characters
 * per word, the first in the high byte, padded with spaces.
 */
#include "ahci.h"

/* Copies Words words of ATA string at Id[First] into Text, swapping each
 * word's bytes and trimming the trailing spaces. */
static VOID CopyAtaString(const USHORT *Id, ULONG First, ULONG Words, PCHAR Text)
{
    ULONG Length = 0;

    for (ULONG i = 0; i < Words; i++) {
        Text[Length++] = (CHAR)(Id[First + i] >> 8);
        Text[Length++] = (CHAR)(Id[First + i] & 0xFF);
    }
    while (Length > 0 && (Text[Length - 1] == ' ' || Text[Length - 1] == 0))
        Length--;
    Text[Length] = 0;
}

static ULONG64 SectorsOf(const USHORT *Id)
{
    if (Id[ATA_ID_COMMAND_SET2] & (1u << 10)) /* 48-bit addressing */
        return (ULONG64)Id[ATA_ID_LBA48] | (ULONG64)Id[ATA_ID_LBA48 + 1] << 16 |
               (ULONG64)Id[ATA_ID_LBA48 + 2] << 32 | (ULONG64)Id[ATA_ID_LBA48 + 3] << 48;
    return (ULONG64)Id[ATA_ID_LBA28] | (ULONG64)Id[ATA_ID_LBA28 + 1] << 16;
}

/* Runs one command in slot 0 and waits for it, with the port's interrupts
 * off (start-up only). */
static NTSTATUS RunPolled(PAHCI_PORT Port, UCHAR Command, PVOID Buffer, ULONG Length)
{
    volatile AHCI_PORT_REGISTERS *Registers = Port->Registers;

    AhciBuildPolledCommand(Port, 0, Command, Buffer, Length);
    WRITE_REGISTER_ULONG(&Registers->CI, 1);
    if (!AhciWaitRegister(&Registers->CI, 1, 0, AHCI_POLL_TIMEOUT_US))
        return STATUS_IO_TIMEOUT;
    ULONG Is = READ_REGISTER_ULONG(&Registers->IS);
    WRITE_REGISTER_ULONG(&Registers->IS, Is);
    if ((Is & AHCI_PXIS_TFES) || (READ_REGISTER_ULONG(&Registers->TFD) & AHCI_TFD_ERR))
        return STATUS_IO_DEVICE_ERROR;
    return STATUS_SUCCESS;
}

static VOID Describe(PAHCI_PORT Port, const USHORT *Id, BOOLEAN UseNcq)
{
    ULONG HbaSlots = AHCI_CAP_NCS(Port->Controller->Cap);

    CopyAtaString(Id, ATA_ID_MODEL, 20, Port->Model);
    CopyAtaString(Id, ATA_ID_SERIAL, 10, Port->Serial);
    CopyAtaString(Id, ATA_ID_FIRMWARE, 4, Port->Firmware);
    Port->SectorCount = SectorsOf(Id);
    /* NCQ needs both ends: the HBA (CAP.SNCQ) and the device (word 76 bit 8). */
    Port->Ncq = UseNcq && (Port->Controller->Cap & AHCI_CAP_SNCQ) && (Id[ATA_ID_SATA_CAPS] & (1u << 8));
    /* Without NCQ one command at a time: the HBA would run several issued
     * non-queued commands one after the other anyway, and an error would
     * leave it unclear which one failed. */
    Port->Depth = Port->Ncq ? (Id[ATA_ID_QUEUE_DEPTH] & 0x1F) + 1u : 1;
    if (Port->Depth > HbaSlots)
        Port->Depth = HbaSlots;
}

NTSTATUS AhciIdentify(PAHCI_PORT Port, BOOLEAN UseNcq)
{
    PHYSICAL_ADDRESS Highest = {.QuadPart = 0xFFFFFFFFLL};
    USHORT *Id = MmAllocateContiguousMemory(PAGE_SIZE, Highest);

    if (Id == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(Id, 512);
    NTSTATUS Status = RunPolled(Port, ATA_IDENTIFY_DEVICE, Id, 512);
    if (NT_SUCCESS(Status))
        Describe(Port, Id, UseNcq);
    MmFreeContiguousMemory(Id);
    if (NT_SUCCESS(Status) && Port->SectorCount == 0)
        Status = STATUS_NO_SUCH_DEVICE;
    return Status;
}
