"""ahci.py - the `ahci` command: the AHCI driver's disks, as docs/ahci.md describes them.

For each disk the driver found (drivers/ahci/driver.c: AhciDisks, AhciDiskCount)
it prints:
  - what IDENTIFY said (model, size, NCQ depth) and how the controller's
    interrupt is connected (MSI or INTx);
  - the port's registers, read now through the kernel's uncached mapping of
    ABAR: PxCI and PxSACT (slots the HBA still has), PxIS (interrupt causes not
    yet cleared), PxCMD (ST/FRE/CR/FR), PxTFD (the device's status);
  - the driver's view: the slots it filled (BusySlots), those the ISR still
    follows (Issued), those the ISR has recorded for the CustomDpc (Completed),
    and, per outstanding slot, its IRP, the ATA command, the first sector, the
    length and its age (since it was issued, from KiInterruptTime);
  - requests waiting in the internal queue and the retry list;
  - the counters (AHCI_DISK_STATISTICS).
A slot in PxCI/PxSACT that the driver does not know, or a finished slot
(absent from both) still in Issued for long, is what a lost interrupt looks like.
"""
import gdb

ATA_COMMANDS = {0x25: "READ DMA EXT", 0x35: "WRITE DMA EXT", 0x60: "READ FPDMA QUEUED",
                0x61: "WRITE FPDMA QUEUED", 0xEA: "FLUSH CACHE EXT", 0xEC: "IDENTIFY DEVICE"}
PXCMD_BITS = ((0x1, "ST"), (0x10, "FRE"), (0x4000, "FR"), (0x8000, "CR"))


def value_of(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def slots_text(mask):
    """0b1011 -> '[0,1,3]'; 0 -> '[]'."""
    return "[" + ",".join(str(i) for i in range(32) if mask >> i & 1) + "]"


def count_entries(head):
    """How many entries a LIST_ENTRY head holds."""
    count, link = 0, head["Flink"]
    while int(link) != int(head.address) and count < 10000:
        count, link = count + 1, link["Flink"]
    return count


def register_lines(port):
    regs = port["Registers"].dereference()
    cmd = int(regs["CMD"])
    flags = " ".join(name for bit, name in PXCMD_BITS if cmd & bit) or "stopped"
    tfd = int(regs["TFD"])
    return ("    registers: PxCI %s  PxSACT %s  PxIS 0x%08x  PxCMD 0x%08x (%s)  PxTFD status 0x%02x error 0x%02x\n"
            % (slots_text(int(regs["CI"])), slots_text(int(regs["SACT"])), int(regs["IS"]), cmd, flags,
               tfd & 0xFF, tfd >> 8 & 0xFF))


def slot_lines(port, now):
    text = ""
    busy = int(port["BusySlots"])
    for slot in range(32):
        if not busy >> slot & 1:
            continue
        entry = port["Slots"][slot]
        command = int(entry["Command"])
        age_ms = (now - int(entry["IssueTime"])) / 10000.0 if now is not None else None
        text += "      slot %2d: irp %s  %s  LBA %d  %d bytes%s%s\n" % (
            slot, entry["Irp"], ATA_COMMANDS.get(command, "0x%02x" % command), int(entry["Lba"]),
            int(entry["PieceBytes"]), "  queued" if int(entry["Queued"]) else "",
            "  age %.1f ms" % age_ms if age_ms is not None else "")
    return text


def statistics_line(stats):
    names = ("Requests", "Completed", "Commands", "NcqCommands", "Interrupts", "DpcRuns", "SplitPieces",
             "Errors", "Timeouts", "Recoveries", "Retries", "Failed", "LostInterrupts", "MaxOutstanding")
    return "    counters: " + ", ".join("%s %d" % (name, int(stats[name])) for name in names) + "\n"


def describe_port(port, now):
    stats = port["Stats"]
    mib = int(port["SectorCount"]) * 512 >> 20
    text = "disk %d (\\Device\\Harddisk%d\\DR0): port %d, %s, serial %s, %d MiB, %s %d, %s\n" % (
        int(port["DiskNumber"]), int(port["DiskNumber"]), int(port["Number"]),
        port["Model"].string(), port["Serial"].string(), mib,
        "NCQ depth" if int(port["Ncq"]) else "no NCQ, slots", int(port["Depth"]),
        "MSI" if int(port["Controller"]["Msi"]) else "INTx")
    text += register_lines(port)
    text += ("    driver: busy %s  issued %s (queued %s)  completed (for the DPC) %s  deferred %s%s%s\n" % (
        slots_text(int(port["BusySlots"])), slots_text(int(port["Issued"])), slots_text(int(port["IssuedQueued"])),
        slots_text(int(port["Completed"])), slots_text(int(port["Deferred"])),
        "  barrier" if int(port["Barrier"]) else "",
        "  DEAD (recovery failed)" if int(port["Dead"]) else ""))
    text += slot_lines(port, now)
    text += "    waiting: %d in the queue, %d in the retry list\n" % (
        count_entries(port["QueueHead"]), count_entries(port["RetryList"]))
    text += statistics_line(stats)
    return text


class Ahci(gdb.Command):
    """ahci: the AHCI driver's disks: port registers (PxCI, PxSACT, PxIS, PxCMD,
PxTFD), the slots in flight with their IRPs and ages, the queue, the counters."""

    def __init__(self):
        super().__init__("ahci", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        disks, count = value_of("AhciDisks"), value_of("AhciDiskCount")
        if disks is None or count is None:
            raise gdb.GdbError("AhciDisks not found: load the kernel's symbols (`file build/kernel.elf`)")
        now = value_of("KiInterruptTime")
        now = int(now) if now is not None else None
        if int(count) == 0:
            gdb.write("ahci: no disks (none attached, or the driver has not started yet)\n")
            return
        for i in range(int(count)):
            port = disks[i]
            if int(port) != 0:
                gdb.write(describe_port(port.dereference(), now))


Ahci()
