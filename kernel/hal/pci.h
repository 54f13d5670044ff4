/*
 * pci.h - the PCI bus as the HAL offers it (docs/pci.md).
 *
 * Every PCI function has a small block of configuration registers, separate
 * from its memory and I/O: 256 bytes on classic PCI, 4 KiB on PCI Express.
 * The first 64 bytes are the same for every function (the "header"); they
 * say who made it, what class of device it is, and where its registers are
 * (the BARs). In NT the HAL owns the way to reach them: a driver calls
 * HalGetBusDataByOffset / HalSetBusDataByOffset with a bus number and a
 * PCI_SLOT_NUMBER, and never touches the ports or the ECAM itself.
 *
 *   pciconfig.c  reaching configuration space: ECAM (memory) or 0xCF8/0xCFC
 *   pcibar.c     sizing a BAR: what it decodes, and how much
 *   pcienum.c    finding every function on every bus: the device table
 *   pciprint.c   one lspci-like line per function
 *   pcihelp.c    what a driver needs: find, enable, map a BAR
 *   pcimsi.c     programming the MSI capability
 *   pcimsix.c    programming the MSI-X capability and its table
 *   pciintx.c    the interrupt line (INTx) without AML: the line register
 */
#ifndef HAL_PCI_H
#define HAL_PCI_H

#include "ntdef.h"
#include "rtl.h"
#include "mm/mm.h"
#include "ke/irql.h"
#include "ke/interrupt.h"

/* ---- WDM names ------------------------------------------------------------ */

typedef enum _BUS_DATA_TYPE {
    Cmos = 0,
    PCIConfiguration = 4,
} BUS_DATA_TYPE;

/* A device and function number on a bus, as WDM packs them in a ULONG. */
typedef struct _PCI_SLOT_NUMBER {
    union {
        struct {
            ULONG DeviceNumber : 5;   /* 0-31 */
            ULONG FunctionNumber : 3; /* 0-7 */
            ULONG Reserved : 24;
        } bits;
        ULONG AsULONG;
    } u;
} PCI_SLOT_NUMBER, *PPCI_SLOT_NUMBER;

#define PCI_TYPE0_ADDRESSES 6
#define PCI_TYPE1_ADDRESSES 2

/* The common 64-byte header (offsets in the comments). VendorID 0xFFFF means
 * "no function here": nothing answered, and the bus returned all ones. */
typedef struct _PCI_COMMON_CONFIG {
    USHORT VendorID;      /* 0x00 */
    USHORT DeviceID;      /* 0x02 */
    USHORT Command;       /* 0x04: PCI_ENABLE_* */
    USHORT Status;        /* 0x06: bit 4 says a capability list exists */
    UCHAR RevisionID;     /* 0x08 */
    UCHAR ProgIf;         /* 0x09: programming interface, within the subclass */
    UCHAR SubClass;       /* 0x0A */
    UCHAR BaseClass;      /* 0x0B */
    UCHAR CacheLineSize;  /* 0x0C */
    UCHAR LatencyTimer;   /* 0x0D */
    UCHAR HeaderType;     /* 0x0E: bits 6-0 the layout below, bit 7 multi-function */
    UCHAR BIST;           /* 0x0F */
    union {
        struct {          /* header type 0: an ordinary device */
            ULONG BaseAddresses[PCI_TYPE0_ADDRESSES]; /* 0x10-0x27 */
            ULONG CIS;
            USHORT SubVendorID;
            USHORT SubSystemID;
            ULONG ROMBaseAddress;
            UCHAR CapabilitiesPtr; /* 0x34 */
            UCHAR Reserved1[3];
            ULONG Reserved2;
            UCHAR InterruptLine;   /* 0x3C: written by the firmware */
            UCHAR InterruptPin;    /* 0x3D: 0 none, 1-4 INTA#-INTD# */
            UCHAR MinimumGrant;
            UCHAR MaximumLatency;
        } type0;
        struct {          /* header type 1: a PCI-to-PCI bridge */
            ULONG BaseAddresses[PCI_TYPE1_ADDRESSES]; /* 0x10-0x17 */
            UCHAR PrimaryBus;      /* 0x18 */
            UCHAR SecondaryBus;    /* 0x19: the bus behind the bridge */
            UCHAR SubordinateBus;  /* 0x1A: the highest bus behind it */
            UCHAR SecondaryLatency;
            UCHAR Rest[36];
        } type1;
    } u;
} PCI_COMMON_CONFIG, *PPCI_COMMON_CONFIG;

#define PCI_COMMON_HDR_LENGTH 64
#define PCI_INVALID_VENDORID 0xFFFF
#define PCI_MULTIFUNCTION 0x80
#define PCI_DEVICE_TYPE 0x00
#define PCI_BRIDGE_TYPE 0x01

/* Command register bits. */
#define PCI_ENABLE_IO_SPACE 0x0001
#define PCI_ENABLE_MEMORY_SPACE 0x0002
#define PCI_ENABLE_BUS_MASTER 0x0004
#define PCI_DISABLE_LEVEL_INTERRUPT 0x0400

#define PCI_STATUS_CAPABILITIES_LIST 0x0010

/* Capability IDs. */
#define PCI_CAPABILITY_ID_MSI 0x05
#define PCI_CAPABILITY_ID_PCI_EXPRESS 0x10
#define PCI_CAPABILITY_ID_MSIX 0x11

/* Reads (or writes) Length bytes of configuration space at Offset of the
 * function Bus/SlotNumber. Returns the number of bytes done: 0 when BusDataType
 * is not PCIConfiguration or the range is outside the 256 bytes (4 KiB with
 * ECAM). A function that is not there reads as all ones. Any IRQL. */
ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                            ULONG Offset, ULONG Length);
ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                            ULONG Offset, ULONG Length);
/* The same from offset 0. */
ULONG HalGetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length);
ULONG HalSetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length);

/* ---- ntmini's device table ------------------------------------------------ */

#define PCI_MAX_FUNCTIONS 64
#define PCI_MAX_BARS 6

typedef enum _PCI_BAR_KIND {
    PciBarNone = 0,  /* unimplemented, or the upper half of a 64-bit BAR */
    PciBarIo,
    PciBarMemory32,
    PciBarMemory64,
} PCI_BAR_KIND;

typedef struct _PCI_BAR {
    PCI_BAR_KIND Kind;
    BOOLEAN Prefetchable;
    ULONG64 Address; /* the bus address the firmware assigned */
    ULONG64 Size;    /* bytes decoded; 0 for PciBarNone */
} PCI_BAR;

typedef struct _PCI_FUNCTION {
    UCHAR Bus;
    UCHAR Device;
    UCHAR Function;
    USHORT VendorId;
    USHORT DeviceId;
    UCHAR BaseClass;
    UCHAR SubClass;
    UCHAR ProgIf;
    UCHAR HeaderType;  /* without the multi-function bit */
    UCHAR InterruptPin;
    UCHAR InterruptLine;
    PCI_BAR Bars[PCI_MAX_BARS];
    UCHAR MsiOffset;   /* 0: no such capability */
    UCHAR MsixOffset;
    UCHAR PcieOffset;
} PCI_FUNCTION, *PPCI_FUNCTION;

/* Which way configuration space is reached: set by HalpInitializePci. */
typedef enum _PCI_ACCESS_METHOD {
    PciAccessPorts = 1, /* 0xCF8/0xCFC: 256 bytes per function */
    PciAccessEcam = 2,  /* memory: 4 KiB per function */
} PCI_ACCESS_METHOD;

extern PCI_ACCESS_METHOD HalpPciAccessMethod;
extern PCI_FUNCTION HalpPciFunctions[PCI_MAX_FUNCTIONS];
extern ULONG HalpPciFunctionCount;

/* Chooses the access method, walks every bus and fills the device table;
 * prints one line per function unless `quiet`. Once, at PASSIVE_LEVEL. */
VOID HalpInitializePci(VOID);

/* The SlotNumber ULONG for Device.Function. */
ULONG HalpPciSlot(ULONG Device, ULONG Function);

/* Maps Bus's ECAM window when the MCFG covers it (pciconfig.c): from then on
 * that bus is reached through memory. PASSIVE_LEVEL, during boot. */
VOID HalpPciMapEcamBus(ULONG Bus);

/* Port access only, for comparing the two methods (tests). */
ULONG HalpPciReadPortConfig(ULONG Bus, ULONG Slot, ULONG Offset, ULONG Length);

/* Sizes one BAR (pcibar.c); returns how many BAR slots it used (2 for a
 * 64-bit memory BAR, else 1). Decoding is off during the probe. */
ULONG HalpPciSizeBar(ULONG Bus, ULONG Slot, ULONG Index, PCI_BAR *Bar);

/* Prints Function's line (pciprint.c). */
VOID HalpPciPrintFunction(const PCI_FUNCTION *Function);
PCSTR HalpPciClassName(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf);

/* ---- helpers for drivers (pcihelp.c) -------------------------------------- */

/* The first function with this class (a ProgIf of 0xFF matches any), or
 * this vendor/device; NULL when there is none. */
PPCI_FUNCTION HalpPciFindByClass(UCHAR BaseClass, UCHAR SubClass, UCHAR ProgIf);
PPCI_FUNCTION HalpPciFindById(USHORT VendorId, USHORT DeviceId);
/* Sets memory decoding and bus mastering in the command register (or
 * memory decoding alone). */
VOID HalpPciEnableMemoryAndBusMaster(const PCI_FUNCTION *Function);
VOID HalpPciEnableMemory(const PCI_FUNCTION *Function);
/* Maps memory BAR Index uncached; NULL if it is not a memory BAR. Unmap with
 * MmUnmapIoSpace(Va, Function->Bars[Index].Size). */
PVOID HalpPciMapBar(const PCI_FUNCTION *Function, ULONG Index);

/* ---- MSI (pcimsi.c) -------------------------------------------------------- */

/* The message address and data that deliver Vector to the local APIC ApicId:
 * fixed delivery, edge-triggered, physical destination. */
ULONG HalpMsiAddress(ULONG ApicId);
USHORT HalpMsiData(ULONG Vector);
/* Programs the MSI capability with one vector and enables it;
 * STATUS_NOT_SUPPORTED when the function has none. The caller allocates the
 * vector (HalpAllocateDeviceVector) and connects its ISR; the device still
 * needs bus mastering (HalpPciEnableMemoryAndBusMaster) to send. */
NTSTATUS HalpPciEnableMsi(const PCI_FUNCTION *Function, ULONG Vector, ULONG ApicId);
VOID HalpPciDisableMsi(const PCI_FUNCTION *Function);
BOOLEAN HalpPciIsMsiEnabled(const PCI_FUNCTION *Function);
/* What the capability holds now. */
VOID HalpPciReadMsi(const PCI_FUNCTION *Function, PULONG64 Address, PUSHORT Data);

/* ---- MSI-X (pcimsix.c) ------------------------------------------------------ */

/* A function's MSI-X table, mapped: HalpPciMsixOpen reads the capability,
 * maps the BAR(s) holding the table and the Pending Bit Array uncached and
 * turns memory decoding on; HalpPciMsixClose unmaps them. The capability
 * itself is left as it was by both. */
typedef struct _PCI_MSIX {
    const PCI_FUNCTION *Function;
    ULONG TableSize;         /* entries, 1-2048 */
    UCHAR TableBar, PbaBar;  /* which BAR holds each */
    ULONG TableOffset, PbaOffset; /* and where in it */
    volatile ULONG *Table;   /* entry N at Table[4 * N] */
    volatile ULONG *Pba;     /* bit N: entry N is pending */
    ULONG MappedCount;       /* 1 or 2 BARs mapped */
    UCHAR MappedBar[2];
    PVOID Mapped[2];
} PCI_MSIX;

/* STATUS_NOT_SUPPORTED without MSI-X; STATUS_INVALID_DEVICE_STATE when the
 * table or PBA is not inside a memory BAR. PASSIVE_LEVEL. */
NTSTATUS HalpPciMsixOpen(const PCI_FUNCTION *Function, PCI_MSIX *Msix);
VOID HalpPciMsixClose(PCI_MSIX *Msix);
/* Table Size from Message Control (0 without MSI-X), and the register itself. */
ULONG HalpPciMsixTableSize(const PCI_FUNCTION *Function);
USHORT HalpPciMsixControl(const PCI_FUNCTION *Function);
/* Entry N: programmed to deliver Vector to ApicId (HalpMsiAddress,
 * HalpMsiData), or written raw; both leave the entry masked. */
VOID HalpPciMsixProgramEntry(const PCI_MSIX *Msix, ULONG Entry, ULONG Vector, ULONG ApicId);
VOID HalpPciMsixWriteEntry(const PCI_MSIX *Msix, ULONG Entry, ULONG64 Address, ULONG Data);
VOID HalpPciMsixReadEntry(const PCI_MSIX *Msix, ULONG Entry, PULONG64 Address, PULONG Data);
VOID HalpPciMsixSetEntryMasked(const PCI_MSIX *Msix, ULONG Entry, BOOLEAN Masked);
BOOLEAN HalpPciMsixIsEntryMasked(const PCI_MSIX *Msix, ULONG Entry);
/* The entry's bit in the Pending Bit Array: a message held back by a mask. */
BOOLEAN HalpPciMsixIsPending(const PCI_MSIX *Msix, ULONG Entry);
/* Message Control's MSI-X Enable (enabling turns MSI off first) and
 * Function Mask bits. */
VOID HalpPciMsixSetEnabled(const PCI_FUNCTION *Function, BOOLEAN Enabled);
VOID HalpPciMsixSetFunctionMasked(const PCI_FUNCTION *Function, BOOLEAN Masked);
BOOLEAN HalpPciIsMsixEnabled(const PCI_FUNCTION *Function);
BOOLEAN HalpPciIsMsixFunctionMasked(const PCI_FUNCTION *Function);

/* ---- INTx (pciintx.c) -------------------------------------------------------- */

/* The Interrupt Line register (0x3C) as the firmware wrote it, read now. */
UCHAR HalpPciReadInterruptLine(const PCI_FUNCTION *Function);
/* Command bit 10, Interrupt Disable. */
VOID HalpPciSetIntxDisabled(const PCI_FUNCTION *Function, BOOLEAN Disabled);
/* The vector, IRQL and processors of Function's INTx line:
 * HalGetInterruptVector(PCIBus, Bus, Line, Line, ...) with the line register.
 * STATUS_NOT_SUPPORTED when the function has no interrupt pin, or its line is
 * not routed (0 or 0xFF) or cannot be. */
NTSTATUS HalpPciGetInterruptVector(const PCI_FUNCTION *Function, PULONG Vector, PKIRQL Irql, PKAFFINITY Affinity);

#endif /* HAL_PCI_H */
