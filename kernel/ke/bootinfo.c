/*
 * bootinfo.c - copying what the loader said into KeBootInfo.
 *
 * This runs first, on the early page tables, which map the first 4 GiB of
 * physical memory at MM_DIRECT_MAP_BASE: every loader structure is read
 * through that window. After this file nothing reads a loader's format again,
 * and the memory the loader's structures occupied can be reused.
 */
#include "ke.h"
#include "rtl.h"
#include "mm/mm.h"

BOOT_INFO KeBootInfo;

#define MB2_BOOT_MAGIC 0x36D76289U
#define PVH_MAGIC 0x336EC578U

static void AddRange(ULONG64 Base, ULONG64 Length, ULONG Type)
{
    BOOT_INFO *B = &KeBootInfo;
    if (B->MemoryRangeCount < BOOT_MAX_MEMORY_RANGES && Length != 0) {
        B->MemoryRanges[B->MemoryRangeCount].Base = Base;
        B->MemoryRanges[B->MemoryRangeCount].Length = Length;
        B->MemoryRanges[B->MemoryRangeCount].Type = (Type >= 1 && Type <= 5) ? Type : BOOT_MEMORY_RESERVED;
        B->MemoryRangeCount++;
    }
}

static void CopyRsdp(const void *Rsdp, ULONG Length)
{
    if (Length > sizeof(KeBootInfo.AcpiRsdp))
        Length = sizeof(KeBootInfo.AcpiRsdp);
    memcpy(KeBootInfo.AcpiRsdp, Rsdp, Length);
    KeBootInfo.AcpiRsdpLength = Length;
}

static void AddModule(ULONG64 Start, ULONG64 End, PCSTR Name)
{
    BOOT_INFO *B = &KeBootInfo;
    if (B->ModuleCount < BOOT_MAX_MODULES) {
        B->Modules[B->ModuleCount].Start = Start;
        B->Modules[B->ModuleCount].End = End;
        RtlStringCopy(B->Modules[B->ModuleCount].Name, sizeof(B->Modules[0].Name), Name ? Name : "");
        B->ModuleCount++;
    }
}

/* ---- multiboot2: a list of 8-byte-aligned tags (type, size, payload) ---- */

static void Multiboot2Tag(ULONG Type, const UCHAR *Tag, ULONG Size)
{
    switch (Type) {
    case 1: /* command line */
        RtlStringCopy(KeBootInfo.CommandLine, sizeof(KeBootInfo.CommandLine), (PCSTR)(Tag + 8));
        break;
    case 3: /* module: start, end, name */
        AddModule(*(const ULONG *)(Tag + 8), *(const ULONG *)(Tag + 12), (PCSTR)(Tag + 16));
        break;
    case 6: { /* memory map: entry size, version, then entries */
        ULONG EntrySize = *(const ULONG *)(Tag + 8);
        for (ULONG Off = 16; EntrySize >= 24 && Off + EntrySize <= Size; Off += EntrySize) {
            const UCHAR *E = Tag + Off;
            AddRange(*(const ULONG64 *)E, *(const ULONG64 *)(E + 8), *(const ULONG *)(E + 16));
        }
        break;
    }
    case 8: { /* framebuffer */
        BOOT_FRAMEBUFFER *Fb = &KeBootInfo.Framebuffer;
        Fb->Address = *(const ULONG64 *)(Tag + 8);
        Fb->Pitch = *(const ULONG *)(Tag + 16);
        Fb->Width = *(const ULONG *)(Tag + 20);
        Fb->Height = *(const ULONG *)(Tag + 24);
        Fb->Bpp = Tag[28];
        break;
    }
    case 11: /* EFI 32-bit system table */
    case 12: /* EFI 64-bit system table */
    case 17: /* EFI memory map */ KeBootInfo.FromUefi = 1; break;
    case 14: /* ACPI 1.0 RSDP copy */
        if (KeBootInfo.AcpiRsdpLength == 0)
            CopyRsdp(Tag + 8, Size - 8);
        break;
    case 15: /* ACPI 2.0+ RSDP copy: preferred, it has the XSDT */ CopyRsdp(Tag + 8, Size - 8); break;
    default: break;
    }
}

static void CaptureMultiboot2(ULONG64 InfoPhysical)
{
    const UCHAR *Info = MmPhysicalToVirtual(InfoPhysical);
    ULONG TotalSize = *(const ULONG *)Info;

    for (ULONG Off = 8; Off + 8 <= TotalSize;) {
        ULONG Type = *(const ULONG *)(Info + Off);
        ULONG Size = *(const ULONG *)(Info + Off + 4);
        if (Type == 0 || Size < 8)
            break;
        Multiboot2Tag(Type, Info + Off, Size);
        Off += (Size + 7) & ~7U;
    }
    KeBootInfo.Loader = KeBootInfo.FromUefi ? BOOT_LOADER_MULTIBOOT2_UEFI : BOOT_LOADER_MULTIBOOT2_BIOS;
}

/* ---- PVH: QEMU's -kernel hands over a struct hvm_start_info ---- */

typedef struct _HVM_START_INFO {
    ULONG Magic, Version, Flags, NrModules;
    ULONG64 ModlistPaddr, CmdlinePaddr, RsdpPaddr, MemmapPaddr;
    ULONG MemmapEntries, Reserved;
} HVM_START_INFO;

typedef struct _HVM_MODLIST_ENTRY {
    ULONG64 Paddr, Size, CmdlinePaddr, Reserved;
} HVM_MODLIST_ENTRY;

/* Without an rsdp_paddr, the RSDP is where BIOS ACPI puts it: on a 16-byte
 * boundary in 0xE0000-0xFFFFF, starting "RSD PTR ", with a zero checksum. */
static ULONG64 ScanBiosAreaForRsdp(void)
{
    for (ULONG64 Pa = 0xE0000; Pa < 0x100000; Pa += 16) {
        const UCHAR *P = MmPhysicalToVirtual(Pa);
        UCHAR Sum = 0;
        if (memcmp(P, "RSD PTR ", 8) != 0)
            continue;
        for (int i = 0; i < 20; i++)
            Sum += P[i];
        if (Sum == 0)
            return Pa;
    }
    return 0;
}

static void CapturePvh(ULONG64 InfoPhysical)
{
    const HVM_START_INFO *S = MmPhysicalToVirtual(InfoPhysical);

    if (S->CmdlinePaddr)
        RtlStringCopy(KeBootInfo.CommandLine, sizeof(KeBootInfo.CommandLine), MmPhysicalToVirtual(S->CmdlinePaddr));
    if (S->Version >= 1 && S->MemmapPaddr) {
        const BOOT_MEMORY_RANGE *E = MmPhysicalToVirtual(S->MemmapPaddr); /* same layout */
        for (ULONG i = 0; i < S->MemmapEntries; i++)
            AddRange(E[i].Base, E[i].Length, E[i].Type);
    }
    const HVM_MODLIST_ENTRY *M = MmPhysicalToVirtual(S->ModlistPaddr);
    for (ULONG i = 0; S->ModlistPaddr && i < S->NrModules; i++)
        AddModule(M[i].Paddr, M[i].Paddr + M[i].Size, M[i].CmdlinePaddr ? MmPhysicalToVirtual(M[i].CmdlinePaddr) : "");
    ULONG64 Rsdp = S->RsdpPaddr ? S->RsdpPaddr : ScanBiosAreaForRsdp();
    if (Rsdp) {
        const UCHAR *R = MmPhysicalToVirtual(Rsdp);
        CopyRsdp(R, R[15] >= 2 ? 36 : 20); /* byte 15: revision */
    }
    KeBootInfo.Loader = BOOT_LOADER_PVH;
}

VOID KiCaptureBootInfo(ULONG Magic, ULONG64 InfoPhysical)
{
    memset(&KeBootInfo, 0, sizeof(KeBootInfo));
    if (Magic == MB2_BOOT_MAGIC) {
        CaptureMultiboot2(InfoPhysical);
    } else if (Magic == PVH_MAGIC) {
        CapturePvh(InfoPhysical);
    } else if (Magic == BOOT_INFO_MAGIC) {
        /* The GNU-EFI loader filled our own format already. */
        const BOOT_INFO *Given = MmPhysicalToVirtual(InfoPhysical);
        if (Given->Magic == BOOT_INFO_MAGIC && Given->Version == BOOT_INFO_VERSION)
            KeBootInfo = *Given;
        KeBootInfo.CommandLine[BOOT_CMDLINE_SIZE - 1] = 0;
    }
    KeBootInfo.Magic = BOOT_INFO_MAGIC;
    KeBootInfo.Version = BOOT_INFO_VERSION;
}

PCSTR KeBootLoaderName(ULONG Loader)
{
    switch (Loader) {
    case BOOT_LOADER_MULTIBOOT2_BIOS: return "GRUB multiboot2 (BIOS)";
    case BOOT_LOADER_MULTIBOOT2_UEFI: return "GRUB multiboot2 (UEFI)";
    case BOOT_LOADER_PVH: return "QEMU -kernel (PVH)";
    case BOOT_LOADER_GNU_EFI: return "GNU-EFI loader (UEFI)";
    default: return "unknown loader";
    }
}

/*
 * A digest of KeBootInfo, one fact per line, printed at every boot. Two
 * loaders on the same machine must produce the same digest (memory totals,
 * ACPI tables, command line): tools/efitest.py compares GRUB's with the
 * GNU-EFI loader's. `bootinfo` on the command line also lists every range.
 */
VOID KiPrintBootInfoDigest(VOID)
{
    const BOOT_INFO *B = &KeBootInfo;
    ULONG64 Bytes[6] = {0};
    ULONG UsableRanges = 0;

    for (ULONG i = 0; i < B->MemoryRangeCount; i++) {
        const BOOT_MEMORY_RANGE *R = &B->MemoryRanges[i];
        Bytes[R->Type <= BOOT_MEMORY_BAD ? R->Type : BOOT_MEMORY_RESERVED] += R->Length;
        UsableRanges += R->Type == BOOT_MEMORY_USABLE;
        if (KeHasOption("bootinfo"))
            DbgPrint("bootinfo: range 0x%llx-0x%llx type %u\n", (ULONG64)R->Base, (ULONG64)(R->Base + R->Length),
                     R->Type);
    }
    DbgPrint("bootinfo: memory %u ranges, usable 0x%llx bytes in %u, acpi 0x%llx, nvs 0x%llx, bad 0x%llx\n",
             B->MemoryRangeCount, Bytes[BOOT_MEMORY_USABLE], UsableRanges, Bytes[BOOT_MEMORY_ACPI_RECLAIMABLE],
             Bytes[BOOT_MEMORY_ACPI_NVS], Bytes[BOOT_MEMORY_BAD]);
    if (B->AcpiRsdpLength >= 20) {
        /* RSDP: OEM id at byte 9, revision at 15, RSDT address at 16, XSDT at 24 (revision 2). */
        ULONG Rsdt;
        ULONG64 Xsdt = 0;
        memcpy(&Rsdt, B->AcpiRsdp + 16, sizeof(Rsdt));
        if (B->AcpiRsdpLength >= 36)
            memcpy(&Xsdt, B->AcpiRsdp + 24, sizeof(Xsdt));
        DbgPrint("bootinfo: acpi rsdp revision %u oem \"%.6s\" rsdt 0x%x xsdt 0x%llx\n", B->AcpiRsdp[15],
                 (PCSTR)B->AcpiRsdp + 9, Rsdt, Xsdt);
    } else {
        DbgPrint("bootinfo: acpi none\n");
    }
    DbgPrint("bootinfo: framebuffer 0x%llx %ux%u pitch %u bpp %u\n", (ULONG64)B->Framebuffer.Address,
             B->Framebuffer.Width, B->Framebuffer.Height, B->Framebuffer.Pitch, B->Framebuffer.Bpp);
    DbgPrint("bootinfo: command line \"%s\"\n", B->CommandLine);
}
