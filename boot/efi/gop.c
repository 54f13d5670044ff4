/*
 * gop.c - the framebuffer, through the Graphics Output Protocol (GOP).
 *
 * UEFI replaced VGA/VBE with GOP: a protocol whose current mode describes a
 * linear framebuffer (address, resolution, pixels per scan line, pixel
 * format). The framebuffer stays valid after ExitBootServices; GOP's functions
 * do not. We keep the mode the firmware chose. A "BltOnly" mode has no linear
 * framebuffer at all, and then the kernel gets none (Address 0), as when there
 * is no GOP (a headless machine).
 */
#include "loader.h"

/* Bits per pixel of a PixelBitMask mode: the highest bit any mask uses. */
static UINT8 BitsPerPixel(const EFI_PIXEL_BITMASK *Mask)
{
    UINT32 All = Mask->RedMask | Mask->GreenMask | Mask->BlueMask | Mask->ReservedMask;
    UINT8 Bits = 0;

    while (All) {
        Bits++;
        All >>= 1;
    }
    return Bits;
}

void FindFramebuffer(BOOT_INFO *Info)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *Gop;
    BOOT_FRAMEBUFFER *Fb = &Info->Framebuffer;

    ZeroMem(Fb, sizeof(*Fb));
    if (EFI_ERROR(LibLocateProtocol(&GraphicsOutputProtocol, (VOID **)&Gop)) || Gop->Mode == NULL ||
        Gop->Mode->Info == NULL) {
        LoaderInfo(L"no graphics output: no framebuffer");
        return;
    }
    EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *Mode = Gop->Mode->Info;
    switch (Mode->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor:
    case PixelBlueGreenRedReserved8BitPerColor: Fb->Bpp = 32; break;
    case PixelBitMask: Fb->Bpp = BitsPerPixel(&Mode->PixelInformation); break;
    default: LoaderInfo(L"graphics output has no linear framebuffer: none"); return;
    }
    Fb->Address = Gop->Mode->FrameBufferBase;
    Fb->Width = Mode->HorizontalResolution;
    Fb->Height = Mode->VerticalResolution;
    Fb->Pitch = Mode->PixelsPerScanLine * ((Fb->Bpp + 7) / 8);
    LoaderInfo(L"framebuffer %dx%d, %d bpp, pitch %d, at 0x%lx", Fb->Width, Fb->Height, Fb->Bpp, Fb->Pitch,
               Fb->Address);
}
