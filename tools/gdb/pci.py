"""pci.py - the `pci` command: the PCI device table, as docs/pci.md describes it.

It reads the table HalpInitializePci filled at boot (kernel/hal/pcienum.c:
HalpPciFunctions, HalpPciFunctionCount, HalpPciAccessMethod), so it works
wherever the target is stopped after that point, without touching the
hardware: GDB reads memory, never configuration space.
"""
import gdb

BAR_KINDS = {0: None, 1: "io", 2: "mem", 3: "mem64"}


def value_of(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def size_text(size):
    """4096 -> '4 KiB'; sizes are powers of two."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= (1 << shift) and size % (1 << shift) == 0:
            return "%d %s" % (size >> shift, unit)
    return "%d B" % size


def function_line(f):
    """One function, as the kernel's boot line shows it (pciprint.c)."""
    text = "%02x:%02x.%x %04x:%04x class %02x.%02x.%02x" % (
        int(f["Bus"]), int(f["Device"]), int(f["Function"]), int(f["VendorId"]),
        int(f["DeviceId"]), int(f["BaseClass"]), int(f["SubClass"]), int(f["ProgIf"]))
    for i in range(6):
        bar = f["Bars"][i]
        kind = BAR_KINDS.get(int(bar["Kind"]))
        if kind is None:
            continue
        if kind != "io" and int(bar["Prefetchable"]):
            kind += " prefetchable"
        text += ", BAR%d %s 0x%x (%s)" % (i, kind, int(bar["Address"]), size_text(int(bar["Size"])))
    pin = int(f["InterruptPin"])
    if pin:
        text += ", INT%s# line %d" % ("ABCD"[pin - 1] if pin <= 4 else "?", int(f["InterruptLine"]))
    for field, name in (("MsiOffset", "MSI"), ("MsixOffset", "MSI-X"), ("PcieOffset", "PCIe")):
        if int(f[field]):
            text += ", %s at 0x%x" % (name, int(f[field]))
    return text


def print_pci(write):
    table = value_of("HalpPciFunctions")
    count = value_of("HalpPciFunctionCount")
    if table is None or count is None:
        write("pci: HalpPciFunctions not found: load the kernel's symbols (`file build/kernel.elf`)\n")
        return
    method = int(value_of("HalpPciAccessMethod"))
    if int(count) == 0:
        write("pci: no functions yet: HalpInitializePci has not run (KiSystemStartupPhase1)\n")
        return
    write("pci: %d functions, configuration space through %s\n" % (
        int(count), "ECAM (ACPI MCFG)" if method == 2 else "ports 0xCF8/0xCFC"))
    for i in range(int(count)):
        write("  %s\n" % function_line(table[i]))


class Pci(gdb.Command):
    """List the PCI functions the kernel found at boot.

Usage: pci

One line per function: bus:device.function, vendor:device, class code, each
BAR (kind, address, size), the interrupt pin and the firmware's line, and
where the MSI, MSI-X and PCI Express capabilities are. Reads the kernel's
device table only (HalpPciFunctions); see docs/pci.md."""

    def __init__(self):
        super().__init__("pci", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if argument.strip():
            raise gdb.GdbError("pci: takes no argument")
        try:
            print_pci(gdb.write)
        except gdb.MemoryError as error:
            gdb.write("pci: cannot read the kernel's memory (%s)\n" % error)


Pci()
