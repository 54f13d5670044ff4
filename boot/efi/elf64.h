/*
 * elf64.h - the parts of the ELF-64 format the loader reads.
 *
 * An ELF file starts with a header (Elf64_Ehdr) that locates two tables:
 *   program headers: how to load the file. Each PT_LOAD entry says "copy
 *     p_filesz bytes from file offset p_offset to physical address p_paddr,
 *     then zero up to p_memsz" (the zeroed tail is .bss).
 *   section headers: how the linker saw it. We only use them to find the
 *     symbol table (.symtab) and its string table, to look up _start_efi64.
 * Field names are the standard ones (man 5 elf).
 */
#ifndef NTMINI_EFI_ELF64_H
#define NTMINI_EFI_ELF64_H

#include <efi.h>

#define ELFMAG0 0x7F /* then 'E', 'L', 'F' */
#define ELFCLASS64 2
#define ELFDATA2LSB 1 /* little endian */
#define EV_CURRENT 1
#define ET_EXEC 2 /* a fixed-address executable, not a shared object */
#define EM_X86_64 62

#define PT_LOAD 1
#define PF_X 1

#define SHT_SYMTAB 2
#define SHT_STRTAB 3

enum { EI_MAG0, EI_MAG1, EI_MAG2, EI_MAG3, EI_CLASS, EI_DATA, EI_VERSION, EI_NIDENT = 16 };

typedef struct {
    UINT8 e_ident[EI_NIDENT];
    UINT16 e_type;
    UINT16 e_machine;
    UINT32 e_version;
    UINT64 e_entry;
    UINT64 e_phoff; /* program headers: file offset, entry size, count */
    UINT64 e_shoff; /* section headers: the same */
    UINT32 e_flags;
    UINT16 e_ehsize;
    UINT16 e_phentsize;
    UINT16 e_phnum;
    UINT16 e_shentsize;
    UINT16 e_shnum;
    UINT16 e_shstrndx;
} Elf64_Ehdr;

typedef struct {
    UINT32 p_type;
    UINT32 p_flags;
    UINT64 p_offset;
    UINT64 p_vaddr;
    UINT64 p_paddr;
    UINT64 p_filesz;
    UINT64 p_memsz;
    UINT64 p_align;
} Elf64_Phdr;

typedef struct {
    UINT32 sh_name;
    UINT32 sh_type;
    UINT64 sh_flags;
    UINT64 sh_addr;
    UINT64 sh_offset;
    UINT64 sh_size;
    UINT32 sh_link; /* for SHT_SYMTAB: the index of its string table */
    UINT32 sh_info;
    UINT64 sh_addralign;
    UINT64 sh_entsize;
} Elf64_Shdr;

typedef struct {
    UINT32 st_name; /* offset in the string table */
    UINT8 st_info;
    UINT8 st_other;
    UINT16 st_shndx;
    UINT64 st_value; /* for this kernel: the symbol's virtual address */
    UINT64 st_size;
} Elf64_Sym;

#endif /* NTMINI_EFI_ELF64_H */
