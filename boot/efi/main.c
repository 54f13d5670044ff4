/*
 * main.c - efi_main: the loader's steps, in order (see loader.h).
 *
 * gnu-efi's start-up code (crt0) relocates the image, then calls efi_main with
 * our image handle and the system table. Any failure prints one clear line on
 * the console and returns an error status to the firmware, which then tries
 * its next boot option: the loader never jumps into a kernel it did not check.
 */
#include "loader.h"

/* BOOT_INFO lives in a page of loader memory below 4 GiB (the kernel's early
 * page tables reach only that far). The kernel copies it before its frame
 * allocator runs, so the page may be reported as usable. */
static EFI_STATUS AllocateBootInfo(BOOT_INFO **Info)
{
    EFI_PHYSICAL_ADDRESS Address = BOOT_INFO_HIGHEST_ADDRESS;
    EFI_STATUS Status;

    Status = BS->AllocatePages(AllocateMaxAddress, EfiLoaderData, EFI_SIZE_TO_PAGES(sizeof(BOOT_INFO)), &Address);
    if (EFI_ERROR(Status)) {
        LoaderError(L"no memory for the boot information: %r", Status);
        return Status;
    }
    *Info = (BOOT_INFO *)(UINTN)Address;
    ZeroMem(*Info, sizeof(BOOT_INFO));
    (*Info)->Magic = BOOT_INFO_MAGIC;
    (*Info)->Version = BOOT_INFO_VERSION;
    (*Info)->Loader = BOOT_LOADER_GNU_EFI;
    (*Info)->FromUefi = 1;
    return EFI_SUCCESS;
}

static EFI_STATUS ReadAndLoadKernel(EFI_FILE_HANDLE Root, KERNEL_IMAGE *Image)
{
    LOADER_FILE File;
    EFI_STATUS Status;

    Status = ReadWholeFile(Root, KERNEL_PATH, &File);
    if (EFI_ERROR(Status)) {
        LoaderError(L"cannot read the kernel %s: %r", KERNEL_PATH, Status);
        return Status;
    }
    LoaderInfo(L"read %s, %ld bytes", KERNEL_PATH, File.Size);
    Status = ElfCheckKernel(&File, Image);
    if (!EFI_ERROR(Status))
        Status = LoadKernel(&File, Image);
    FreePool(File.Data);
    return Status;
}

static EFI_STATUS Boot(EFI_HANDLE ImageHandle)
{
    EFI_FILE_HANDLE Root;
    KERNEL_IMAGE Image;
    BOOT_INFO *Info;
    EFI_STATUS Status;

    Status = OpenBootVolume(ImageHandle, &Root);
    if (EFI_ERROR(Status))
        return Status;
    Status = ReadAndLoadKernel(Root, &Image);
    if (!EFI_ERROR(Status))
        Status = AllocateBootInfo(&Info);
    if (EFI_ERROR(Status)) {
        Root->Close(Root);
        return Status;
    }
    ReadCommandLine(Root, Info->CommandLine, sizeof(Info->CommandLine));
    Root->Close(Root);

    ReserveTrampolinePages(); /* a failure only costs the other CPUs */
    FindAcpiRsdp(Info);
    FindFramebuffer(Info);
    return ExitBootServicesAndStartKernel(ImageHandle, Info, Image.EntryPhysical);
}

EFI_STATUS efi_main(EFI_HANDLE ImageHandle, EFI_SYSTEM_TABLE *SystemTable)
{
    EFI_STATUS Status;

    InitializeLib(ImageHandle, SystemTable); /* sets gnu-efi's ST and BS */
    LoaderInfo(L"ntmini GNU-EFI loader on %s firmware, UEFI %d.%d", ST->FirmwareVendor, ST->Hdr.Revision >> 16,
               ST->Hdr.Revision & 0xFFFF);
    Status = Boot(ImageHandle);
    LoaderError(L"the kernel was not started (%r); returning to the firmware", Status);
    return Status;
}
