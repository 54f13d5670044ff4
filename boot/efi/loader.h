/*
 * loader.h - the GNU-EFI boot loader of ntmini: its pieces and how they meet.
 *
 * The loader is a UEFI application, EFI/BOOT/BOOTX64.EFI on a FAT volume (the
 * "EFI system partition"). The firmware loads it like any PE program and calls
 * efi_main with two things: our image handle and the system table. Through the
 * system table the firmware offers "boot services" (memory, files, console,
 * protocols) until we call ExitBootServices; after that the machine is ours.
 *
 * efi_main (main.c) runs these steps in order, one file each:
 *
 *   file.c     read \ntmini\kernel.elf and \ntmini\cmdline.txt from the volume
 *              the loader itself was read from
 *   elf.c      check the kernel ELF before trusting any of its numbers
 *   load.c     allocate the pages at the segments' physical addresses, copy the
 *              segments there, zero .bss
 *   lowmem.c   keep the low pages that the SMP trampoline will need
 *   acpi.c     the ACPI RSDP, from the firmware's configuration table
 *   gop.c      the framebuffer, when the firmware has a graphics output
 *   memmap.c   the UEFI memory map, and its conversion to BOOT_MEMORY_RANGEs
 *   handoff.c  ExitBootServices, then the jump to the kernel's _start_efi64
 *
 * Everything the kernel learns arrives in one BOOT_INFO (include/bootinfo.h),
 * the same structure the kernel fills itself from GRUB's or QEMU's data.
 * docs/boot.md describes the whole contract.
 *
 * Firmware calls: this loader is built with GNU_EFI_USE_MS_ABI, so EFIAPI
 * function pointers carry the Microsoft x64 calling convention that UEFI uses,
 * and we call them directly (BS->AllocatePages(...)) instead of through
 * gnu-efi's uefi_call_wrapper. Our own functions use the normal System V one.
 */
#ifndef NTMINI_EFI_LOADER_H
#define NTMINI_EFI_LOADER_H

#include <efi.h>
#include <efilib.h>

#include "bootinfo.h"

/* Where the kernel and its options live on the boot volume. */
#define KERNEL_PATH L"\\ntmini\\kernel.elf"
#define CMDLINE_PATH L"\\ntmini\\cmdline.txt"

/* The symbol the loader jumps to (boot/entry.asm): 64-bit, rdi = BOOT_INFO. */
#define KERNEL_ENTRY_SYMBOL "_start_efi64"

/* The kernel's layout (linker.ld): loaded at 1 MiB and up, each segment linked
 * either at its physical address (the low .boot part) or at that address plus
 * KERNEL_VMA (the higher half). The early page tables map physical 0 - 2 GiB
 * at KERNEL_VMA, so the image must end below 2 GiB. */
#define KERNEL_VMA 0xFFFFFFFF80000000ULL
#define KERNEL_LOWEST_ADDRESS 0x100000ULL
#define KERNEL_HIGHEST_ADDRESS 0x80000000ULL

/* The kernel reads BOOT_INFO through its early direct map of the first 4 GiB. */
#define BOOT_INFO_HIGHEST_ADDRESS 0xFFFFFFFFULL

/* ---- console.c: messages on the firmware console ---- */
void LoaderInfo(const CHAR16 *Format, ...);
void LoaderError(const CHAR16 *Format, ...);

/* ---- file.c ---- */
typedef struct _LOADER_FILE {
    UINT8 *Data; /* pool memory, freed with FreePool */
    UINTN Size;
} LOADER_FILE;

EFI_STATUS OpenBootVolume(EFI_HANDLE ImageHandle, EFI_FILE_HANDLE *Root);
EFI_STATUS ReadWholeFile(EFI_FILE_HANDLE Root, const CHAR16 *Path, LOADER_FILE *File);
void ReadCommandLine(EFI_FILE_HANDLE Root, char *CommandLine, UINTN Size);

/* ---- elf.c: what a checked kernel ELF looks like to the loader ---- */
#define KERNEL_MAX_SEGMENTS 8

typedef struct _KERNEL_SEGMENT {
    UINT64 Physical;   /* where it goes (p_paddr) */
    UINT64 FileOffset; /* where its bytes are in the file */
    UINT64 FileSize;   /* bytes to copy... */
    UINT64 MemorySize; /* ...and the rest up to this is zeroed (.bss) */
} KERNEL_SEGMENT;

typedef struct _KERNEL_IMAGE {
    KERNEL_SEGMENT Segments[KERNEL_MAX_SEGMENTS]; /* sorted by Physical */
    UINTN SegmentCount;
    UINT64 EntryPhysical; /* _start_efi64, an identity-mapped address */
} KERNEL_IMAGE;

EFI_STATUS ElfCheckKernel(const LOADER_FILE *File, KERNEL_IMAGE *Image);

/* ---- memmap.c ---- */
typedef struct _MEMORY_MAP {
    EFI_MEMORY_DESCRIPTOR *Buffer;
    UINTN Capacity; /* bytes allocated */
    UINTN Size;     /* bytes the last GetMemoryMap filled */
    UINTN Key;      /* identifies this version of the map, for ExitBootServices */
    UINTN DescriptorSize;
    UINT32 DescriptorVersion;
} MEMORY_MAP;

EFI_STATUS MemoryMapAllocate(MEMORY_MAP *Map);
EFI_STATUS MemoryMapRead(MEMORY_MAP *Map);
void MemoryMapFree(MEMORY_MAP *Map);
const EFI_MEMORY_DESCRIPTOR *MemoryMapFind(const MEMORY_MAP *Map, UINT64 Address);
const CHAR16 *MemoryTypeName(UINT32 Type);
void MemoryMapConvert(MEMORY_MAP *Map, BOOT_INFO *Info);

/* ---- load.c ---- */
EFI_STATUS LoadKernel(const LOADER_FILE *File, const KERNEL_IMAGE *Image);

/* ---- lowmem.c ---- */
EFI_STATUS ReserveTrampolinePages(void);

/* ---- acpi.c, gop.c ---- */
void FindAcpiRsdp(BOOT_INFO *Info);
void FindFramebuffer(BOOT_INFO *Info);

/* ---- handoff.c: returns (with an error) only when it fails before its first
 * ExitBootServices call; a failure after that stops the machine ---- */
EFI_STATUS ExitBootServicesAndStartKernel(EFI_HANDLE ImageHandle, BOOT_INFO *Info, UINT64 EntryPhysical);

#endif /* NTMINI_EFI_LOADER_H */
