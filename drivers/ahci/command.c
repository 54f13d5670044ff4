/*
 * command.c - writing one command into a slot: the command FIS, the PRDT,
 * the command header. Nothing here touches a register; start.c issues.
 *
 * The PRDT (physical region descriptor table) is the scatter/gather list of
 * the transfer: the buffer the IRP's MDL describes is contiguous in virtual
 * memory but not, in general, in physical memory; the MDL lists its pages
 * (MmGetMdlPfnArray), and each run of physically adjacent pages becomes one
 * PRD (up to 4 MiB each). A command table holds AHCI_PRDS_PER_COMMAND PRDs
 * and one 48-bit command moves at most 65536 sectors: a request needing more
 * is split, and this builds the piece that starts AHCI_IRP_DONE bytes in.
 */
#include "ahci.h"

static VOID SetPrd(PAHCI_PRD Prd, ULONG64 Physical, ULONG Bytes)
{
    Prd->DBA = (ULONG)Physical;
    Prd->DBAU = (ULONG)(Physical >> 32);
    Prd->Reserved = 0;
    Prd->DBC = Bytes - 1; /* no interrupt per PRD: the command's end interrupts */
}

static ULONG PrdBytes(const AHCI_PRD *Prd)
{
    return (Prd->DBC & 0x3FFFFF) + 1;
}

/* Fills Table's PRDT for Length bytes of Mdl's buffer from ByteOffset on,
 * merging adjacent pages. Returns the PRD count; *Bytes gets how much was
 * described, a whole number of sectors (less than Length when the table is
 * full). */
static ULONG BuildPrdt(PAHCI_COMMAND_TABLE Table, PMDL Mdl, ULONG ByteOffset, ULONG Length, PULONG Bytes)
{
    PPFN_NUMBER Pages = MmGetMdlPfnArray(Mdl);
    ULONG Offset = MmGetMdlByteOffset(Mdl) + ByteOffset; /* from the MDL's first page */
    ULONG Count = 0, Described = 0;
    ULONG64 RunEnd = 0;

    while (Described < Length) {
        ULONG InPage = Offset & (PAGE_SIZE - 1);
        ULONG Chunk = PAGE_SIZE - InPage;
        if (Chunk > Length - Described)
            Chunk = Length - Described;
        ULONG64 Physical = ((ULONG64)Pages[Offset >> PAGE_SHIFT] << PAGE_SHIFT) + InPage;
        if (Count > 0 && Physical == RunEnd && PrdBytes(&Table->Prdt[Count - 1]) + Chunk <= AHCI_PRD_MAX_BYTES) {
            Table->Prdt[Count - 1].DBC += Chunk;
        } else {
            if (Count == AHCI_PRDS_PER_COMMAND)
                break;
            SetPrd(&Table->Prdt[Count++], Physical, Chunk);
        }
        RunEnd = Physical + Chunk;
        Offset += Chunk;
        Described += Chunk;
    }
    /* A full table may end mid-sector: give the partial sector back. */
    ULONG Excess = Described % AHCI_SECTOR_SIZE;
    Described -= Excess;
    while (Excess > 0) {
        ULONG Last = PrdBytes(&Table->Prdt[Count - 1]);
        if (Last > Excess) {
            Table->Prdt[Count - 1].DBC -= Excess;
            Excess = 0;
        } else {
            Excess -= Last;
            Count--;
        }
    }
    *Bytes = Described;
    return Count;
}

/* The register FIS of a 48-bit command. Queued (NCQ) commands carry the
 * sector count in the features field and the tag (the slot) in the count. */
static VOID BuildFis(PSATA_FIS_H2D Fis, UCHAR Command, ULONG64 Lba, ULONG Sectors, BOOLEAN Queued, ULONG Tag)
{
    RtlZeroMemory(Fis, sizeof(*Fis));
    Fis->FisType = SATA_FIS_TYPE_H2D;
    Fis->Flags = SATA_FIS_H2D_COMMAND; /* without the C bit the HBA never runs it */
    Fis->Command = Command;
    Fis->Device = ATA_DEVICE_LBA;
    Fis->Lba0 = (UCHAR)Lba;
    Fis->Lba1 = (UCHAR)(Lba >> 8);
    Fis->Lba2 = (UCHAR)(Lba >> 16);
    Fis->Lba3 = (UCHAR)(Lba >> 24);
    Fis->Lba4 = (UCHAR)(Lba >> 32);
    Fis->Lba5 = (UCHAR)(Lba >> 40);
    if (Queued) {
        Fis->FeatureLow = (UCHAR)Sectors; /* 65536 wraps to 0, which means 65536 */
        Fis->FeatureHigh = (UCHAR)(Sectors >> 8);
        Fis->CountLow = (UCHAR)(Tag << 3);
    } else {
        Fis->CountLow = (UCHAR)Sectors;
        Fis->CountHigh = (UCHAR)(Sectors >> 8);
    }
}

static VOID SetHeader(PAHCI_PORT Port, ULONG Slot, ULONG Prds, BOOLEAN Write)
{
    PAHCI_COMMAND_HEADER Header = &Port->CommandList[Slot];

    Header->Flags = (sizeof(SATA_FIS_H2D) / sizeof(ULONG)) | (Write ? AHCI_CMDHDR_WRITE : 0) | (Prds << 16);
    Header->PRDBC = 0;
}

static UCHAR CommandFor(UCHAR Major, BOOLEAN Queued)
{
    if (Major == IRP_MJ_READ)
        return Queued ? ATA_READ_FPDMA_QUEUED : ATA_READ_DMA_EXT;
    if (Major == IRP_MJ_WRITE)
        return Queued ? ATA_WRITE_FPDMA_QUEUED : ATA_WRITE_DMA_EXT;
    return ATA_FLUSH_CACHE_EXT;
}

/* Writes the next piece of Irp into Slot, queued or not, and records it in
 * Port->Slots[Slot]. Returns the piece's length in bytes (0 for a flush). */
ULONG AhciBuildCommand(PAHCI_PORT Port, ULONG Slot, PIRP Irp, BOOLEAN Queued)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PAHCI_COMMAND_TABLE Table = &Port->Tables[Slot];
    PAHCI_SLOT Entry = &Port->Slots[Slot];
    ULONG Bytes = 0, Prds = 0;

    Entry->Irp = Irp;
    Entry->Queued = Queued && Stack->MajorFunction != IRP_MJ_FLUSH_BUFFERS;
    Entry->Command = CommandFor(Stack->MajorFunction, Entry->Queued);
    Entry->Lba = 0;
    if (Stack->MajorFunction != IRP_MJ_FLUSH_BUFFERS) {
        ULONG Done = (ULONG)AHCI_IRP_DONE(Irp);
        ULONG Left = Stack->Parameters.Read.Length - Done;
        Prds = BuildPrdt(Table, Irp->MdlAddress, Done, Left < Port->MaxPieceBytes ? Left : Port->MaxPieceBytes, &Bytes);
        Entry->Lba = (ULONG64)(Stack->Parameters.Read.ByteOffset.QuadPart + Done) / AHCI_SECTOR_SIZE;
    }
    Entry->PieceBytes = Bytes;
    BuildFis((PSATA_FIS_H2D)Table->CFIS, Entry->Command, Entry->Lba, Bytes / AHCI_SECTOR_SIZE, Entry->Queued, Slot);
    SetHeader(Port, Slot, Prds, Stack->MajorFunction == IRP_MJ_WRITE);
    return Bytes;
}

/* A command outside any IRP, for polling at start-up: IDENTIFY (Length bytes
 * into Buffer, which must be physically contiguous) or a command without data. */
VOID AhciBuildPolledCommand(PAHCI_PORT Port, ULONG Slot, UCHAR Command, PVOID Buffer, ULONG Length)
{
    PAHCI_COMMAND_TABLE Table = &Port->Tables[Slot];
    ULONG Prds = 0;

    if (Buffer != NULL) {
        SetPrd(&Table->Prdt[0], (ULONG64)MmGetPhysicalAddress(Buffer).QuadPart, Length);
        Prds = 1;
    }
    BuildFis((PSATA_FIS_H2D)Table->CFIS, Command, 0, 0, FALSE, 0);
    SetHeader(Port, Slot, Prds, FALSE);
}
