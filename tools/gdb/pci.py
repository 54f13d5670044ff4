"""pci.py - the `pci` command: the PCI device table, as docs/pci.md describes it.

It reads the table HalpInitializePci filled at boot (kernel/hal/pcienum.c:
HalpPciFunctions, HalpPciFunctionCount, HalpPciAccessMethod), so it works
wherever the target is stopped after that point.

Under each function with an interrupt pin or MSI/MSI-X it adds a line on
interrupt routing:
  INTx   the line register's ISA IRQ, the GSI it goes to (the MADT's
         override, routing.c), the vector routed there (HalpVectorLines) and
         whether an interrupt object is connected to it (KiInterruptVectors)
  MSI, MSI-X  enabled or not, and for MSI-X the Function Mask, read from
         configuration space through the kernel's ECAM mapping (pciconfig.c:
         EcamBus). GDB reads memory, and ECAM is memory, so that costs no I/O
         port access; on -M pc (no ECAM) the state is shown as unknown.
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


def isa_irq_to_gsi(irq):
    """HalpIsaIrqToGsi: the MADT's override for an ISA IRQ, else the IRQ."""
    platform = value_of("HalPlatform")
    if platform is None:
        return irq
    for i in range(int(platform["OverrideCount"])):
        override = platform["Overrides"][i]
        if int(override["Bus"]) == 0 and int(override["SourceIrq"]) == irq:
            return int(override["Gsi"])
    return irq


def vector_for_gsi(gsi):
    """The vector routing.c routed gsi to, or None."""
    lines = value_of("HalpVectorLines")
    if lines is None:
        return None
    for vector in range(256):
        if int(lines[vector]["HasLine"]) and int(lines[vector]["Gsi"]) == gsi:
            return vector
    return None


def vector_connected(vector):
    """Whether an interrupt object sits on vector's chain."""
    table = value_of("KiInterruptVectors")
    if table is None:
        return False
    entry = table[vector]["InterruptList"]
    return int(entry["Flink"]) != int(entry.address)


def config_read16(f, offset):
    """A 16-bit configuration register through the kernel's ECAM window of
    f's bus, or None when the bus is reached through the ports."""
    ecam = value_of("EcamBus")
    if ecam is None:
        return None
    base = int(ecam[int(f["Bus"])])
    if base == 0:
        return None
    address = base + (int(f["Device"]) << 15) + (int(f["Function"]) << 12) + offset
    data = gdb.selected_inferior().read_memory(address, 2)
    return int.from_bytes(bytes(data), "little")


def interrupt_line(f):
    """How f interrupts: INTx routing, MSI and MSI-X state; '' if it cannot."""
    parts = []
    pin = int(f["InterruptPin"])
    line = int(f["InterruptLine"])
    if pin:
        if line == 0 or line >= 16:
            parts.append("INTx not routed (line 0x%02x)" % line)
        else:
            gsi = isa_irq_to_gsi(line)
            vector = vector_for_gsi(gsi)
            if vector is None:
                parts.append("INTx line %d -> GSI %d, no vector yet" % (line, gsi))
            else:
                parts.append("INTx line %d -> GSI %d -> vector 0x%02x %s" % (
                    line, gsi, vector, "connected" if vector_connected(vector) else "masked"))
    msi, msix = int(f["MsiOffset"]), int(f["MsixOffset"])
    if msi:
        control = config_read16(f, msi + 2)
        parts.append("MSI %s" % ("?" if control is None else "on" if control & 1 else "off"))
    if msix:
        control = config_read16(f, msix + 2)
        if control is None:
            parts.append("MSI-X ?")
        else:
            parts.append("MSI-X %s%s, %d entries" % ("on" if control & 0x8000 else "off",
                                                     " function-masked" if control & 0x4000 else "",
                                                     (control & 0x7FF) + 1))
    return "; ".join(parts)


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
        routing = interrupt_line(table[i])
        if routing:
            write("      %s\n" % routing)


class Pci(gdb.Command):
    """List the PCI functions the kernel found at boot.

Usage: pci

One line per function: bus:device.function, vendor:device, class code, each
BAR (kind, address, size), the interrupt pin and the firmware's line, and
where the MSI, MSI-X and PCI Express capabilities are. Under it, how the
function interrupts: its INTx line's GSI and vector (connected or masked),
and whether MSI / MSI-X are on (read through ECAM; '?' without it). See
docs/pci.md."""

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
