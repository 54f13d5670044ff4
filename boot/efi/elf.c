/*
 * elf.c - checking the kernel ELF before the loader trusts it.
 *
 * Every number in the file is an offset or an address that later code will
 * follow. A truncated copy or a wrong file would otherwise make the loader read
 * past its buffer or write over the firmware, and a jump into such an image
 * ends in a silent reset. So each number is checked against the file and
 * against the kernel's contract (linker.ld) first, and a bad file gets one clear
 * sentence. Structures are copied out of the buffer, never cast in place: a
 * corrupt offset may be unaligned.
 *
 * The entry point: e_entry is GRUB's 32-bit _start_mb2, so the loader looks up
 * _start_efi64 in the symbol table (the kernel ELF is not stripped).
 */
#include "loader.h"
#include "elf64.h"

/* Is [Offset, Offset + Length) inside the file? Written so it cannot overflow. */
static BOOLEAN InFile(const LOADER_FILE *File, UINT64 Offset, UINT64 Length)
{
    return Offset <= File->Size && Length <= File->Size - Offset;
}

static void ReadAt(const LOADER_FILE *File, UINT64 Offset, VOID *To, UINTN Length)
{
    CopyMem(To, File->Data + Offset, Length);
}

/* One message for every way the file can be wrong; returns EFI_LOAD_ERROR. */
static EFI_STATUS Reject(const CHAR16 *Format, ...)
{
    CHAR16 Reason[200];
    va_list Args;

    va_start(Args, Format);
    VSPrint(Reason, sizeof(Reason), Format, Args);
    va_end(Args);
    LoaderError(L"%s is not a valid kernel: %s", KERNEL_PATH, Reason);
    return EFI_LOAD_ERROR;
}

static EFI_STATUS CheckHeader(const LOADER_FILE *File, Elf64_Ehdr *Header)
{
    if (File->Size < sizeof(*Header))
        return Reject(L"the file has %ld bytes, too few for an ELF header", File->Size);
    ReadAt(File, 0, Header, sizeof(*Header));

    const UINT8 *Id = Header->e_ident;
    if (Id[EI_MAG0] != ELFMAG0 || Id[EI_MAG1] != 'E' || Id[EI_MAG2] != 'L' || Id[EI_MAG3] != 'F')
        return Reject(L"no ELF magic (the file starts %02x %02x %02x %02x)", Id[0], Id[1], Id[2], Id[3]);
    if (Id[EI_CLASS] != ELFCLASS64)
        return Reject(L"not a 64-bit ELF (class %d)", Id[EI_CLASS]);
    if (Id[EI_DATA] != ELFDATA2LSB || Id[EI_VERSION] != EV_CURRENT)
        return Reject(L"not a little-endian ELF version 1");
    if (Header->e_type != ET_EXEC)
        return Reject(L"not an executable (ELF type %d)", Header->e_type);
    if (Header->e_machine != EM_X86_64)
        return Reject(L"built for machine %d, not x86-64 (%d)", Header->e_machine, EM_X86_64);
    if (Header->e_phentsize != sizeof(Elf64_Phdr) || Header->e_phnum == 0)
        return Reject(L"%d program headers of %d bytes (expected entries of %d bytes)", Header->e_phnum,
                      Header->e_phentsize, sizeof(Elf64_Phdr));
    if (!InFile(File, Header->e_phoff, (UINT64)Header->e_phnum * sizeof(Elf64_Phdr)))
        return Reject(L"the program headers (offset 0x%lx, %d entries) lie outside the file (%ld bytes)",
                      Header->e_phoff, Header->e_phnum, File->Size);
    return EFI_SUCCESS;
}

static void ReadProgramHeader(const LOADER_FILE *File, const Elf64_Ehdr *Header, UINTN Index, Elf64_Phdr *Ph)
{
    ReadAt(File, Header->e_phoff + Index * sizeof(Elf64_Phdr), Ph, sizeof(*Ph));
}

/* A PT_LOAD segment: its bytes in the file, and its place in memory. */
static EFI_STATUS CheckSegment(const LOADER_FILE *File, UINTN Index, const Elf64_Phdr *Ph)
{
    if (Ph->p_filesz > Ph->p_memsz)
        return Reject(L"program header %d: file size 0x%lx exceeds memory size 0x%lx", Index, Ph->p_filesz,
                      Ph->p_memsz);
    if (!InFile(File, Ph->p_offset, Ph->p_filesz))
        return Reject(L"program header %d: bytes 0x%lx+0x%lx lie outside the file (0x%lx bytes)", Index, Ph->p_offset,
                      Ph->p_filesz, File->Size);
    if (Ph->p_paddr < KERNEL_LOWEST_ADDRESS || Ph->p_paddr > KERNEL_HIGHEST_ADDRESS ||
        Ph->p_memsz > KERNEL_HIGHEST_ADDRESS - Ph->p_paddr)
        return Reject(L"program header %d: physical 0x%lx+0x%lx is outside 1 MiB - 2 GiB", Index, Ph->p_paddr,
                      Ph->p_memsz);
    if (Ph->p_vaddr != Ph->p_paddr && Ph->p_vaddr != Ph->p_paddr + KERNEL_VMA)
        return Reject(L"program header %d: virtual 0x%lx is neither physical 0x%lx nor that plus 0x%lx", Index,
                      Ph->p_vaddr, Ph->p_paddr, KERNEL_VMA);
    return EFI_SUCCESS;
}

static void InsertSorted(KERNEL_IMAGE *Image, const KERNEL_SEGMENT *New)
{
    UINTN i = Image->SegmentCount++;

    while (i > 0 && Image->Segments[i - 1].Physical > New->Physical) {
        Image->Segments[i] = Image->Segments[i - 1];
        i--;
    }
    Image->Segments[i] = *New;
}

/* Collects the PT_LOAD segments, sorted by address, and checks that no two
 * of them claim the same bytes of memory. */
static EFI_STATUS CollectSegments(const LOADER_FILE *File, const Elf64_Ehdr *Header, KERNEL_IMAGE *Image)
{
    Image->SegmentCount = 0;
    for (UINTN i = 0; i < Header->e_phnum; i++) {
        Elf64_Phdr Ph;
        ReadProgramHeader(File, Header, i, &Ph);
        if (Ph.p_type != PT_LOAD || Ph.p_memsz == 0)
            continue;
        EFI_STATUS Status = CheckSegment(File, i, &Ph);
        if (EFI_ERROR(Status))
            return Status;
        if (Image->SegmentCount == KERNEL_MAX_SEGMENTS)
            return Reject(L"more than %d loadable segments", KERNEL_MAX_SEGMENTS);
        KERNEL_SEGMENT Segment = {Ph.p_paddr, Ph.p_offset, Ph.p_filesz, Ph.p_memsz};
        InsertSorted(Image, &Segment);
    }
    if (Image->SegmentCount == 0)
        return Reject(L"no loadable segments");
    for (UINTN i = 1; i < Image->SegmentCount; i++) {
        const KERNEL_SEGMENT *A = &Image->Segments[i - 1], *B = &Image->Segments[i];
        if (B->Physical < A->Physical + A->MemorySize)
            return Reject(L"the segments at physical 0x%lx and 0x%lx overlap", A->Physical, B->Physical);
    }
    return EFI_SUCCESS;
}

/* ---- the symbol table ---- */

static void ReadSectionHeader(const LOADER_FILE *File, const Elf64_Ehdr *Header, UINTN Index, Elf64_Shdr *Sh)
{
    ReadAt(File, Header->e_shoff + Index * sizeof(Elf64_Shdr), Sh, sizeof(*Sh));
}

/* Only the sections we read must lie in the file: .bss, for one, has a size
 * but no bytes there. */
static EFI_STATUS CheckSectionInFile(const LOADER_FILE *File, UINTN Index, const Elf64_Shdr *Sh)
{
    if (!InFile(File, Sh->sh_offset, Sh->sh_size))
        return Reject(L"section %d (offset 0x%lx, 0x%lx bytes) lies outside the file", Index, Sh->sh_offset,
                      Sh->sh_size);
    return EFI_SUCCESS;
}

/* Does the string at StringTable + Offset equal Name? Stays inside the table. */
static BOOLEAN NameIs(const LOADER_FILE *File, const Elf64_Shdr *StringTable, UINT32 Offset, const char *Name)
{
    for (UINT64 i = 0;; i++) {
        if (Offset + i >= StringTable->sh_size)
            return FALSE;
        char C = (char)File->Data[StringTable->sh_offset + Offset + i];
        if (C != Name[i])
            return FALSE;
        if (C == 0)
            return TRUE;
    }
}

/* Walks the (checked) symbol table for Name. */
static BOOLEAN SearchSymbols(const LOADER_FILE *File, const Elf64_Shdr *Symbols, const Elf64_Shdr *Strings,
                             const char *Name, UINT64 *Value)
{
    for (UINT64 Off = 0; Off + sizeof(Elf64_Sym) <= Symbols->sh_size; Off += sizeof(Elf64_Sym)) {
        Elf64_Sym Sym;
        ReadAt(File, Symbols->sh_offset + Off, &Sym, sizeof(Sym));
        if (NameIs(File, Strings, Sym.st_name, Name)) {
            *Value = Sym.st_value;
            return TRUE;
        }
    }
    return FALSE;
}

/* Finds Name in .symtab; its value is the symbol's (virtual) address. */
static EFI_STATUS FindSymbol(const LOADER_FILE *File, const Elf64_Ehdr *Header, const char *Name, UINT64 *Value)
{
    Elf64_Shdr Symbols, Strings;
    EFI_STATUS Status;

    if (Header->e_shoff == 0 || Header->e_shnum == 0 || Header->e_shentsize != sizeof(Elf64_Shdr) ||
        !InFile(File, Header->e_shoff, (UINT64)Header->e_shnum * sizeof(Elf64_Shdr)))
        return Reject(L"no readable section headers, so no symbol table");
    for (UINTN i = 0; i < Header->e_shnum; i++) {
        ReadSectionHeader(File, Header, i, &Symbols);
        if (Symbols.sh_type != SHT_SYMTAB)
            continue;
        if (Symbols.sh_entsize != sizeof(Elf64_Sym) || Symbols.sh_link >= Header->e_shnum)
            return Reject(L"the symbol table (section %d) is malformed", i);
        ReadSectionHeader(File, Header, Symbols.sh_link, &Strings);
        if (Strings.sh_type != SHT_STRTAB)
            return Reject(L"the symbol table's string table is not one");
        Status = CheckSectionInFile(File, i, &Symbols);
        if (!EFI_ERROR(Status))
            Status = CheckSectionInFile(File, Symbols.sh_link, &Strings);
        if (EFI_ERROR(Status))
            return Status;
        if (!SearchSymbols(File, &Symbols, &Strings, Name, Value))
            return Reject(L"no symbol %a in its symbol table", Name);
        return EFI_SUCCESS;
    }
    return Reject(L"no symbol table (was the kernel stripped?)");
}

/* The entry runs on the firmware's identity map, before the kernel's own page
 * tables: it must lie in an executable segment linked at its physical address. */
static EFI_STATUS CheckEntry(const LOADER_FILE *File, const Elf64_Ehdr *Header, UINT64 Entry)
{
    for (UINTN i = 0; i < Header->e_phnum; i++) {
        Elf64_Phdr Ph;
        ReadProgramHeader(File, Header, i, &Ph);
        if (Ph.p_type == PT_LOAD && (Ph.p_flags & PF_X) && Ph.p_vaddr == Ph.p_paddr && Entry >= Ph.p_vaddr &&
            Entry - Ph.p_vaddr < Ph.p_filesz)
            return EFI_SUCCESS;
    }
    return Reject(L"%a (0x%lx) is not in an identity-mapped executable segment", KERNEL_ENTRY_SYMBOL, Entry);
}

EFI_STATUS ElfCheckKernel(const LOADER_FILE *File, KERNEL_IMAGE *Image)
{
    Elf64_Ehdr Header;
    EFI_STATUS Status;
    UINT64 Entry = 0;

    Status = CheckHeader(File, &Header);
    if (!EFI_ERROR(Status))
        Status = CollectSegments(File, &Header, Image);
    if (!EFI_ERROR(Status))
        Status = FindSymbol(File, &Header, KERNEL_ENTRY_SYMBOL, &Entry);
    if (!EFI_ERROR(Status))
        Status = CheckEntry(File, &Header, Entry);
    if (EFI_ERROR(Status))
        return Status;
    Image->EntryPhysical = Entry;
    return EFI_SUCCESS;
}
