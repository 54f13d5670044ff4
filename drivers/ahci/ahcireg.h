/*
 * ahcireg.h - the AHCI controller as software sees it (Serial ATA AHCI 1.3
 * specification), and the ATA commands the driver sends through it.
 *
 * An AHCI host bus adapter (HBA) is a PCI function whose BAR5 ("ABAR") maps
 * its registers: 0x100 bytes for the whole HBA, then 0x80 bytes for each of
 * up to 32 ports. Each port has a SATA link to at most one device. Software
 * never talks to the device register by register, as with old IDE; it
 * writes commands into memory and hands them over:
 *
 *   command list (PxCLB)   32 command headers of 32 bytes, one per "slot"
 *      header n ---------> command table n: the command FIS (the ATA command,
 *                          as the 20 bytes the link carries) and the PRDT,
 *                          the scatter/gather list of the data buffer
 *   received FIS (PxFB)    256 bytes where the HBA copies what the device sends
 *                          back (its status, its signature)
 *
 * Setting bit n of PxCI ("command issue") tells the HBA that slot n holds a
 * command; the HBA clears the bit when the command is done (for a queued
 * command, when the device has accepted it; PxSACT's bit n then clears when
 * the data has moved). Then, if enabled in PxIE, the port raises a bit in
 * PxIS, the HBA a bit in IS, and the HBA its interrupt.
 *
 * Every register is 32 bits wide and is accessed 32 bits at a time: QEMU
 * treats a byte write as a write of the whole register.
 */
#ifndef AHCIREG_H
#define AHCIREG_H

#include "wdm.h"

/* ---- the HBA's registers (ABAR + 0x00) ----------------------------------- */

typedef struct _AHCI_PORT_REGISTERS {
    ULONG CLB;     /* 0x00 command list base (1 KiB aligned), low 32 bits */
    ULONG CLBU;    /* 0x04 ... high 32 bits */
    ULONG FB;      /* 0x08 received-FIS base (256-byte aligned) */
    ULONG FBU;     /* 0x0C */
    ULONG IS;      /* 0x10 interrupt status: write 1s to clear */
    ULONG IE;      /* 0x14 interrupt enable: which IS bits interrupt */
    ULONG CMD;     /* 0x18 command and status: AHCI_PXCMD_* */
    ULONG Reserved0;
    ULONG TFD;     /* 0x20 task file data: the device's ATA status and error */
    ULONG SIG;     /* 0x24 signature: what kind of device answered */
    ULONG SSTS;    /* 0x28 SATA status: is a device there, is the link up */
    ULONG SCTL;    /* 0x2C SATA control: COMRESET */
    ULONG SERR;    /* 0x30 SATA error: write 1s to clear */
    ULONG SACT;    /* 0x34 SATA active: queued (NCQ) commands not yet done */
    ULONG CI;      /* 0x38 command issue: slots handed to the HBA */
    ULONG SNTF;    /* 0x3C */
    ULONG FBS;     /* 0x40 */
    ULONG Reserved1[15];
} AHCI_PORT_REGISTERS;

typedef struct _AHCI_HBA_REGISTERS {
    ULONG CAP;     /* 0x00 capabilities: AHCI_CAP_* */
    ULONG GHC;     /* 0x04 global HBA control: AHCI_GHC_* */
    ULONG IS;      /* 0x08 interrupt status: bit n = port n; write 1s to clear */
    ULONG PI;      /* 0x0C ports implemented: bit n = port n exists */
    ULONG VS;      /* 0x10 version: 0x00010000 is 1.0 */
    ULONG CCC_CTL; /* 0x14 command completion coalescing (unused) */
    ULONG CCC_PORTS;
    ULONG EM_LOC;
    ULONG EM_CTL;
    ULONG CAP2;    /* 0x24 more capabilities: AHCI_CAP2_* */
    ULONG BOHC;    /* 0x28 BIOS/OS hand-off control */
    ULONG Reserved[53];
    AHCI_PORT_REGISTERS Ports[32]; /* 0x100 + 0x80 * n */
} AHCI_HBA_REGISTERS;

C_ASSERT(offsetof(AHCI_HBA_REGISTERS, Ports) == 0x100);
C_ASSERT(sizeof(AHCI_PORT_REGISTERS) == 0x80);

#define AHCI_CAP_NP(Cap) (((Cap) & 0x1F) + 1)         /* number of ports */
#define AHCI_CAP_NCS(Cap) ((((Cap) >> 8) & 0x1F) + 1) /* command slots per port */
#define AHCI_CAP_SSS 0x08000000   /* staggered spin-up: software spins ports up */
#define AHCI_CAP_SNCQ 0x40000000  /* native command queuing */
#define AHCI_CAP_S64A 0x80000000  /* 64-bit DMA addresses */

#define AHCI_GHC_HR 0x00000001    /* HBA reset; reads 1 until the reset is done */
#define AHCI_GHC_IE 0x00000002    /* interrupts enabled */
#define AHCI_GHC_AE 0x80000000    /* AHCI mode (not legacy IDE register emulation) */

#define AHCI_CAP2_BOH 0x00000001  /* BIOS/OS hand-off supported */
#define AHCI_BOHC_BOS 0x00000001  /* the BIOS owns the HBA */
#define AHCI_BOHC_OOS 0x00000002  /* the OS asks to own it */
#define AHCI_BOHC_BB 0x00000010   /* the BIOS is busy finishing */

/* PxCMD */
#define AHCI_PXCMD_ST 0x00000001  /* start: process the command list */
#define AHCI_PXCMD_SUD 0x00000002 /* spin up device */
#define AHCI_PXCMD_POD 0x00000004 /* power on device */
#define AHCI_PXCMD_FRE 0x00000010 /* FIS receive enable */
#define AHCI_PXCMD_CCS(Cmd) (((Cmd) >> 8) & 0x1F) /* the slot being processed */
#define AHCI_PXCMD_FR 0x00004000  /* FIS receive engine running */
#define AHCI_PXCMD_CR 0x00008000  /* command list engine running */
#define AHCI_PXCMD_ICC_ACTIVE 0x10000000

/* PxIS and PxIE */
#define AHCI_PXIS_DHRS 0x00000001 /* a D2H register FIS arrived: a command finished */
#define AHCI_PXIS_PSS 0x00000002  /* a PIO setup FIS arrived (IDENTIFY) */
#define AHCI_PXIS_DSS 0x00000004  /* a DMA setup FIS arrived */
#define AHCI_PXIS_SDBS 0x00000008 /* a set device bits FIS arrived: queued commands finished */
#define AHCI_PXIS_DPS 0x00000020  /* a PRD with its I bit set was done */
#define AHCI_PXIS_OFS 0x01000000  /* overflow: the device sent more than the PRDT holds */
#define AHCI_PXIS_INFS 0x04000000 /* interface non-fatal error */
#define AHCI_PXIS_IFS 0x08000000  /* interface fatal error */
#define AHCI_PXIS_HBDS 0x10000000 /* host bus data error */
#define AHCI_PXIS_HBFS 0x20000000 /* host bus fatal error */
#define AHCI_PXIS_TFES 0x40000000 /* task file error: the device reported ERR */

/* What the driver wants to hear about, and which of those mean "recover". */
#define AHCI_PXIE_DRIVER                                                                                               \
    (AHCI_PXIS_DHRS | AHCI_PXIS_PSS | AHCI_PXIS_DSS | AHCI_PXIS_SDBS | AHCI_PXIS_OFS | AHCI_PXIS_INFS |                \
     AHCI_PXIS_IFS | AHCI_PXIS_HBDS | AHCI_PXIS_HBFS | AHCI_PXIS_TFES)
#define AHCI_PXIS_ERRORS                                                                                               \
    (AHCI_PXIS_OFS | AHCI_PXIS_IFS | AHCI_PXIS_HBDS | AHCI_PXIS_HBFS | AHCI_PXIS_TFES)

/* PxTFD: the ATA status register in bits 7-0, the error register in 15-8. */
#define AHCI_TFD_ERR 0x01
#define AHCI_TFD_DRQ 0x08
#define AHCI_TFD_BSY 0x80

/* PxSSTS.DET (bits 3-0): 3 = a device is there and the link is up. */
#define AHCI_SSTS_DET(Ssts) ((Ssts) & 0xF)
#define AHCI_SSTS_DET_ESTABLISHED 3
/* PxSCTL.DET: 1 sends COMRESET for as long as it stays written. */
#define AHCI_SCTL_DET_COMRESET 1

/* PxSIG after the device's first D2H FIS. */
#define AHCI_SIG_ATA 0x00000101
#define AHCI_SIG_ATAPI 0xEB140101

/* ---- what the driver builds in memory ------------------------------------ */

/* One entry of the command list. */
typedef struct _AHCI_COMMAND_HEADER {
    ULONG Flags;   /* bits 4-0 the FIS length in DWORDs; AHCI_CMDHDR_*; bits 31-16 PRDT entries */
    ULONG PRDBC;   /* bytes the HBA moved (it writes this) */
    ULONG CTBA;    /* command table base (128-byte aligned) */
    ULONG CTBAU;
    ULONG Reserved[4];
} AHCI_COMMAND_HEADER, *PAHCI_COMMAND_HEADER;

C_ASSERT(sizeof(AHCI_COMMAND_HEADER) == 32);

#define AHCI_CMDHDR_WRITE 0x00000040 /* W: data goes host to device */
#define AHCI_CMDHDR_CLEAR_BUSY 0x00000400

/* One scatter/gather entry: a physically contiguous piece of the buffer. */
typedef struct _AHCI_PRD {
    ULONG DBA;  /* data base address (even) */
    ULONG DBAU;
    ULONG Reserved;
    ULONG DBC;  /* bits 21-0: bytes - 1 (at most 4 MiB, even count); bit 31: interrupt when done */
} AHCI_PRD, *PAHCI_PRD;

#define AHCI_PRD_MAX_BYTES 0x400000 /* 4 MiB */

/* One command table per slot. With 248 PRDs it is exactly one page, so the
 * 32 tables of a port are 32 pages. */
#define AHCI_PRDS_PER_COMMAND 248

typedef struct _AHCI_COMMAND_TABLE {
    UCHAR CFIS[64];  /* the command FIS */
    UCHAR ACMD[16];  /* ATAPI command (unused) */
    UCHAR Reserved[48];
    AHCI_PRD Prdt[AHCI_PRDS_PER_COMMAND];
} AHCI_COMMAND_TABLE, *PAHCI_COMMAND_TABLE;

C_ASSERT(offsetof(AHCI_COMMAND_TABLE, Prdt) == 0x80);
C_ASSERT(sizeof(AHCI_COMMAND_TABLE) == PAGE_SIZE);

#define AHCI_RECEIVED_FIS_SIZE 256

/* The host-to-device register FIS: how an ATA command travels (20 bytes). */
typedef struct _SATA_FIS_H2D {
    UCHAR FisType;    /* 0x27 */
    UCHAR Flags;      /* bit 7 C: this FIS carries a command; bits 3-0 the port multiplier port */
    UCHAR Command;    /* ATA_* */
    UCHAR FeatureLow;
    UCHAR Lba0, Lba1, Lba2;
    UCHAR Device;     /* bit 6: LBA addressing */
    UCHAR Lba3, Lba4, Lba5;
    UCHAR FeatureHigh;
    UCHAR CountLow;   /* for FPDMA: bits 7-3 the NCQ tag */
    UCHAR CountHigh;
    UCHAR Icc;
    UCHAR Control;
    UCHAR Reserved[4];
} SATA_FIS_H2D, *PSATA_FIS_H2D;

C_ASSERT(sizeof(SATA_FIS_H2D) == 20);

#define SATA_FIS_TYPE_H2D 0x27
#define SATA_FIS_H2D_COMMAND 0x80
#define ATA_DEVICE_LBA 0x40

/* ---- ATA commands (ACS-3) -------------------------------------------------- */

#define ATA_READ_DMA_EXT 0x25
#define ATA_WRITE_DMA_EXT 0x35
#define ATA_READ_FPDMA_QUEUED 0x60
#define ATA_WRITE_FPDMA_QUEUED 0x61
#define ATA_FLUSH_CACHE_EXT 0xEA
#define ATA_IDENTIFY_DEVICE 0xEC

/* A 48-bit command moves at most 65536 sectors; the count 0 means 65536. */
#define ATA_MAX_SECTORS_EXT 65536

/* IDENTIFY DEVICE answers 256 words; these are the ones used. */
#define ATA_ID_SERIAL 10        /* words 10-19: serial number, 20 characters */
#define ATA_ID_FIRMWARE 23      /* words 23-26: firmware revision, 8 characters */
#define ATA_ID_MODEL 27         /* words 27-46: model, 40 characters */
#define ATA_ID_QUEUE_DEPTH 75   /* bits 4-0: the NCQ depth minus 1 */
#define ATA_ID_SATA_CAPS 76     /* bit 8: NCQ supported */
#define ATA_ID_COMMAND_SET2 83  /* bit 10: 48-bit addressing */
#define ATA_ID_LBA48 100        /* words 100-103: sectors, with 48-bit addressing */
#define ATA_ID_LBA28 60         /* words 60-61: sectors, without */

#endif /* AHCIREG_H */
