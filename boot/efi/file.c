/*
 * file.c - reading the kernel and its command line from the boot volume.
 *
 * UEFI hands out services as "protocols": interfaces found on a handle by GUID.
 * The firmware loaded us from some device; the LOADED_IMAGE protocol on our
 * own image handle names it (DeviceHandle). If that device holds a FAT file
 * system, it carries the SIMPLE_FILE_SYSTEM protocol, whose OpenVolume gives
 * the root directory, and from there Open/Read work much like open/read.
 * UEFI paths use backslashes and UCS-2 strings: L"\\ntmini\\kernel.elf".
 */
#include "loader.h"

EFI_STATUS OpenBootVolume(EFI_HANDLE ImageHandle, EFI_FILE_HANDLE *Root)
{
    EFI_LOADED_IMAGE *Self;
    EFI_FILE_IO_INTERFACE *FileSystem;
    EFI_STATUS Status;

    Status = BS->HandleProtocol(ImageHandle, &LoadedImageProtocol, (VOID **)&Self);
    if (EFI_ERROR(Status)) {
        LoaderError(L"cannot find our own loaded image: %r", Status);
        return Status;
    }
    Status = BS->HandleProtocol(Self->DeviceHandle, &FileSystemProtocol, (VOID **)&FileSystem);
    if (EFI_ERROR(Status)) {
        LoaderError(L"the device we were loaded from has no file system: %r", Status);
        return Status;
    }
    Status = FileSystem->OpenVolume(FileSystem, Root);
    if (EFI_ERROR(Status))
        LoaderError(L"cannot open the boot volume: %r", Status);
    return Status;
}

/* The file's size, from the EFI_FILE_INFO that GetInfo returns. */
static EFI_STATUS FileSize(EFI_FILE_HANDLE Handle, UINTN *Size)
{
    EFI_FILE_INFO *Info = LibFileInfo(Handle); /* allocated from pool */

    if (Info == NULL)
        return EFI_DEVICE_ERROR;
    *Size = Info->FileSize;
    FreePool(Info);
    return EFI_SUCCESS;
}

/* Reads Path into a pool buffer. Messages are left to the caller: a missing
 * command-line file is normal, a missing kernel is not. */
EFI_STATUS ReadWholeFile(EFI_FILE_HANDLE Root, const CHAR16 *Path, LOADER_FILE *File)
{
    EFI_FILE_HANDLE Handle;
    EFI_STATUS Status;
    UINTN Size, Read;

    File->Data = NULL;
    File->Size = 0;
    Status = Root->Open(Root, &Handle, (CHAR16 *)Path, EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(Status))
        return Status;
    Status = FileSize(Handle, &Size);
    if (!EFI_ERROR(Status)) {
        File->Data = AllocatePool(Size ? Size : 1);
        Status = File->Data ? EFI_SUCCESS : EFI_OUT_OF_RESOURCES;
    }
    if (!EFI_ERROR(Status)) {
        Read = Size;
        Status = Handle->Read(Handle, &Read, File->Data);
        if (!EFI_ERROR(Status) && Read != Size)
            Status = EFI_END_OF_FILE; /* the file shrank under us */
    }
    Handle->Close(Handle);
    if (EFI_ERROR(Status)) {
        if (File->Data)
            FreePool(File->Data);
        File->Data = NULL;
        return Status;
    }
    File->Size = Size;
    return EFI_SUCCESS;
}

/* The optional \ntmini\cmdline.txt: one line of kernel options, the same text
 * GRUB would put after the kernel's name. A trailing newline is dropped, and
 * so is anything that does not fit in BOOT_INFO.CommandLine. */
void ReadCommandLine(EFI_FILE_HANDLE Root, char *CommandLine, UINTN Size)
{
    LOADER_FILE File;
    UINTN Length = 0;

    CommandLine[0] = 0;
    if (EFI_ERROR(ReadWholeFile(Root, CMDLINE_PATH, &File))) {
        LoaderInfo(L"no %s: empty command line", CMDLINE_PATH);
        return;
    }
    while (Length < File.Size && Length + 1 < Size && File.Data[Length] != '\n' && File.Data[Length] != '\r' &&
           File.Data[Length] != 0) {
        CommandLine[Length] = (char)File.Data[Length];
        Length++;
    }
    CommandLine[Length] = 0;
    FreePool(File.Data);
    LoaderInfo(L"command line \"%a\"", CommandLine);
}
