/*
 * fuzz_acpi.c - a libFuzzer harness for the ACPI table parser
 * (kernel/hal/acpi_*.c). Run it with `make fuzz-acpi` (FUZZ_TIME=seconds).
 *
 * libFuzzer calls LLVMFuzzerTestOneInput with byte strings, again and again,
 * keeping the mutations that reached code no earlier input reached.
 * AddressSanitizer and UBSan turn any read outside a table, or any undefined
 * behaviour, into a crash, and libFuzzer saves the input that caused it
 * (crash-<hash>: run the harness with that file as argument to replay it).
 *
 * An input describes what a firmware left in memory:
 *
 *   byte 0     options: bit 0  a revision 2 RSDP and an XSDT (else an RSDT)
 *                       bit 1  leave every checksum as the input has it (else
 *                              fix them, as firmware does, so that mutations
 *                              reach the tables' contents)
 *                       bit 2  the first chunk is the RSDP copy itself
 *   then       chunks: a 2-byte little-endian length, then that many bytes
 *
 * Each chunk goes into a malloc'ed block of exactly its size at a physical
 * address of its own; the harness writes a root table listing every chunk
 * (and one pointer to nowhere) and runs what HalpInitializeAcpi runs.
 */
#include "hostlib.h"
#include "hal/acpi_tables.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CHUNKS 6
#define ROOT_ADDRESS 0x7000ULL
#define UNMAPPED_ADDRESS 0xdead0000ULL

typedef struct _BLOCK {
    ULONG64 Physical;
    UCHAR *Bytes;
    SIZE_T Length;
} BLOCK;

typedef struct _MEMORY {
    BLOCK Blocks[MAX_CHUNKS + 1];
    ULONG Count;
} MEMORY;

static const VOID *MapFake(PVOID Context, ULONG64 Physical, SIZE_T Length)
{
    MEMORY *Memory = Context;

    for (ULONG i = 0; i < Memory->Count; i++) {
        BLOCK *Block = &Memory->Blocks[i];
        if (Physical >= Block->Physical && Physical - Block->Physical <= Block->Length &&
            Length <= Block->Length - (Physical - Block->Physical))
            return Block->Bytes + (Physical - Block->Physical);
    }
    return NULL;
}

static BLOCK *Place(MEMORY *Memory, ULONG64 Physical, const VOID *Bytes, SIZE_T Length)
{
    BLOCK *Block = &Memory->Blocks[Memory->Count++];

    Block->Physical = Physical;
    Block->Bytes = malloc(Length ? Length : 1);
    Block->Length = Length;
    memcpy(Block->Bytes, Bytes, Length);
    return Block;
}

static UCHAR Sum(const UCHAR *Bytes, SIZE_T Length)
{
    UCHAR Total = 0;

    while (Length-- > 0)
        Total += *Bytes++;
    return Total;
}

/* As firmware would: the table's Length bytes sum to 0, if they are all there. */
static VOID FixTableChecksum(BLOCK *Block)
{
    ACPI_TABLE_HEADER *Header = (ACPI_TABLE_HEADER *)Block->Bytes;

    if (Block->Length < sizeof(*Header) || Header->Length < sizeof(*Header) || Header->Length > Block->Length)
        return;
    Header->Checksum = 0;
    Header->Checksum = (UCHAR)-Sum(Block->Bytes, Header->Length);
}

static VOID FixRsdpChecksums(UCHAR *Rsdp, SIZE_T Length)
{
    if (Length >= ACPI_RSDP_V1_LENGTH) {
        Rsdp[8] = 0;
        Rsdp[8] = (UCHAR)-Sum(Rsdp, ACPI_RSDP_V1_LENGTH);
    }
    if (Length >= ACPI_RSDP_V2_LENGTH) {
        Rsdp[32] = 0;
        Rsdp[32] = (UCHAR)-Sum(Rsdp, ACPI_RSDP_V2_LENGTH);
    }
}

/* Chunk i lives at 1 MiB * (i + 1) + i: odd addresses, as real tables have. */
static ULONG64 ChunkAddress(ULONG Index)
{
    return 0x100000ULL * (Index + 1) + Index;
}

static ULONG PlaceChunks(MEMORY *Memory, const uint8_t *Data, size_t Size, int FixChecksums)
{
    ULONG Count = 0;

    while (Size >= 2 && Count < MAX_CHUNKS) {
        size_t Length = Data[0] | (size_t)Data[1] << 8;
        Data += 2;
        Size -= 2;
        if (Length > Size)
            Length = Size;
        BLOCK *Block = Place(Memory, ChunkAddress(Count++), Data, Length);
        if (FixChecksums)
            FixTableChecksum(Block);
        Data += Length;
        Size -= Length;
    }
    return Count;
}

/* A well-formed RSDT or XSDT listing the chunks and one pointer to nowhere. */
static VOID PlaceRoot(MEMORY *Memory, int Xsdt, ULONG ChunkCount)
{
    UCHAR Bytes[sizeof(ACPI_TABLE_HEADER) + (MAX_CHUNKS + 1) * 8] = {0};
    ACPI_TABLE_HEADER *Header = (ACPI_TABLE_HEADER *)Bytes;
    ULONG EntrySize = Xsdt ? 8 : 4;

    memcpy(Header->Signature, Xsdt ? "XSDT" : "RSDT", 4);
    Header->Length = sizeof(*Header) + (ChunkCount + 1) * EntrySize;
    for (ULONG i = 0; i <= ChunkCount; i++) {
        ULONG64 Address = i < ChunkCount ? ChunkAddress(i) : UNMAPPED_ADDRESS;
        memcpy(Bytes + sizeof(*Header) + i * EntrySize, &Address, EntrySize);
    }
    Header->Checksum = (UCHAR)-Sum(Bytes, Header->Length);
    Place(Memory, ROOT_ADDRESS, Bytes, Header->Length);
}

static VOID MakeRsdp(UCHAR Rsdp[ACPI_RSDP_V2_LENGTH], int Revision2)
{
    ACPI_RSDP *Pointer = (ACPI_RSDP *)Rsdp;

    memset(Rsdp, 0, ACPI_RSDP_V2_LENGTH);
    memcpy(Pointer->Signature, ACPI_RSDP_SIGNATURE, 8);
    Pointer->Revision = Revision2 ? 2 : 0;
    Pointer->RsdtAddress = ROOT_ADDRESS;
    Pointer->Length = ACPI_RSDP_V2_LENGTH;
    Pointer->XsdtAddress = Revision2 ? ROOT_ADDRESS : 0;
    FixRsdpChecksums(Rsdp, ACPI_RSDP_V2_LENGTH);
}

/* What must hold after any input: a full report never overruns, counts stay
 * within the arrays. A violation is a crash, which libFuzzer records. */
static VOID CheckInvariants(const HAL_PLATFORM *Platform, const ACPI_REASON *Reason)
{
    if (lib_strlen(Reason->Text) >= sizeof(Reason->Text) || Platform->ProcessorCount > HAL_MAX_PROCESSORS ||
        Platform->IoApicCount > HAL_MAX_IOAPICS || Platform->OverrideCount > HAL_MAX_OVERRIDES ||
        Platform->NmiCount > HAL_MAX_NMIS || Platform->McfgCount > HAL_MAX_MCFG)
        abort();
}

typedef NTSTATUS (*PARSER)(const ACPI_TABLE_HEADER *Table, HAL_PLATFORM *Platform, ACPI_REASON *Reason);

static VOID ReadTable(const ACPI_TABLES *Tables, PCSTR Signature, PARSER Parse, HAL_PLATFORM *Platform)
{
    const ACPI_TABLE_HEADER *Table;
    ACPI_REASON Reason;

    if (NT_SUCCESS(HalpAcpiFindTable(Tables, Signature, &Table, &Reason)))
        Parse(Table, Platform, &Reason);
    CheckInvariants(Platform, &Reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    MEMORY Memory = {0};
    UCHAR Rsdp[ACPI_RSDP_V2_LENGTH];
    SIZE_T RsdpLength = sizeof(Rsdp);
    ACPI_TABLES Tables;
    ACPI_REASON Reason;
    HAL_PLATFORM Platform = {0};

    if (Size < 1)
        return 0;
    int Options = Data[0], FixChecksums = !(Options & 2);
    ULONG ChunkCount = PlaceChunks(&Memory, Data + 1, Size - 1, FixChecksums);
    PlaceRoot(&Memory, Options & 1, ChunkCount);
    MakeRsdp(Rsdp, Options & 1);
    if ((Options & 4) && ChunkCount > 0) {
        /* The RSDP copy is the first chunk (its pointers may well lead to a chunk: the chunks' addresses are fixed). */
        RsdpLength = Memory.Blocks[0].Length < sizeof(Rsdp) ? Memory.Blocks[0].Length : sizeof(Rsdp);
        memcpy(Rsdp, Memory.Blocks[0].Bytes, RsdpLength);
        if (FixChecksums)
            FixRsdpChecksums(Rsdp, RsdpLength);
    }

    if (NT_SUCCESS(HalpAcpiFindRoot(Rsdp, RsdpLength, MapFake, &Memory, &Tables, &Reason))) {
        ReadTable(&Tables, "APIC", HalpAcpiParseMadt, &Platform);
        ReadTable(&Tables, "MCFG", HalpAcpiParseMcfg, &Platform);
        ReadTable(&Tables, "HPET", HalpAcpiParseHpet, &Platform);
    }
    CheckInvariants(&Platform, &Reason);
    for (ULONG i = 0; i < Memory.Count; i++)
        free(Memory.Blocks[i].Bytes);
    return 0;
}
