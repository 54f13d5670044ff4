"""interrupts.py - the `irql` and `idt` commands: what the CPU lets in, and who
serves each vector (WinDbg has !irql and !idt for the same questions).

They read the CPU's own registers ($cr8, the IRQL; $eflags, the interrupt
flag) and the kernel's vector table, KiInterruptVectors (kernel/ke/interruptp.h):
for each vector a HAL routine (SystemHandler) or a chain of KINTERRUPT objects,
and the counts the dispatcher keeps. IRQL and vector names come from
kernel/ke/irql.h and kernel/hal/vectors.h, so this file never drifts from them.
"""
import os
import re

import gdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEVICE_LEVEL_LOW, DEVICE_LEVEL_HIGH = 3, 11


def header_defines(path, pattern):
    """{value: [NAME, ...]} for each `#define NAME number` whose name matches."""
    found = {}
    try:
        with open(os.path.join(ROOT, path)) as header:
            for name, value in re.findall(r"^#define\s+(%s)\s+(0x[0-9A-Fa-f]+|\d+)\b" % pattern, header.read(), re.M):
                found.setdefault(int(value, 0), []).append(name)
    except OSError:
        pass
    return found


def irql_name(irql):
    names = [n for n in header_defines("kernel/ke/irql.h", r"\w+_LEVEL").get(irql, []) if n != "LOW_LEVEL"]
    if DEVICE_LEVEL_LOW <= irql <= DEVICE_LEVEL_HIGH:
        names.append("a device IRQL (DIRQL)")
    return "/".join(names) or "?"


def system_vector_names():
    """{0x2F: "DISPATCH", ...}: the system vectors of kernel/hal/vectors.h."""
    defines = header_defines("kernel/hal/vectors.h", r"\w+_VECTOR")
    return {value: names[0][:-len("_VECTOR")] for value, names in defines.items()}


# Interrupt vectors: 32 and up, and 0x1F, which the CPU never raises and NT
# uses for the APC software interrupt.
VECTORS = [0x1F] + list(range(32, 256))


def symbol(address):
    """function+offset for a code address, or the bare address."""
    if address == 0:
        return "-"
    block = gdb.block_for_pc(address)
    while block is not None and block.function is None:
        block = block.superblock
    if block is not None:
        offset = address - block.function.value().address.cast(gdb.lookup_type("unsigned long long"))
        return block.function.name + ("+0x%x" % int(offset) if int(offset) else "")
    return "0x%x" % address


def vector_table():
    try:
        return gdb.parse_and_eval("KiInterruptVectors")
    except gdb.error:
        raise gdb.GdbError("KiInterruptVectors not found: load the kernel's symbols (`file build/kernel.elf`)")


def interrupt_objects(entry):
    """The KINTERRUPTs on one vector's chain, in connection order."""
    kinterrupt = gdb.lookup_type("KINTERRUPT")
    offset = next(f.bitpos // 8 for f in kinterrupt.fields() if f.name == "InterruptListEntry")
    head = entry["InterruptList"].address
    link = entry["InterruptList"]["Flink"]
    objects = []
    while int(link) != int(head) and int(link) != 0 and len(objects) < 64:
        objects.append(gdb.Value(int(link) - offset).cast(kinterrupt.pointer()).dereference())
        link = link["Flink"]
    return objects


def connected(table, vector):
    entry = table[vector]
    return int(entry["SystemHandler"]) != 0 or interrupt_objects(entry)


class Irql(gdb.Command):
    """Print the current IRQL (CR8) and what it holds back.

Usage: irql

On x64 the IRQL is CR8, the local APIC's task priority: vector V is delivered
only while V >> 4 is above it. The command names the level, the vectors it
masks and the connected ones that still get through; and warns when
interrupts are disabled altogether (RFLAGS.IF clear), which masks everything
whatever the IRQL."""

    def __init__(self):
        super().__init__("irql", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        irql = int(gdb.parse_and_eval("$cr8")) & 0xF
        gdb.write("IRQL %d (%s)\n" % (irql, irql_name(irql)))
        if irql == 0:
            gdb.write("  masks nothing: every vector is delivered\n")
        else:
            gdb.write("  masks vectors 0x00-0x%02X (priority classes 0-%d)\n" % ((irql << 4) | 0xF, irql))
        table = vector_table()
        names = system_vector_names()
        held, passing = [], []
        for vector in VECTORS:
            if vector in names or connected(table, vector):
                label = "0x%02X %s" % (vector, names.get(vector, "device"))
                (held if vector >> 4 <= irql else passing).append(label)
        if held:
            gdb.write("  held back: %s\n" % ", ".join(held))
        if passing:
            gdb.write("  still delivered: %s\n" % ", ".join(passing))
        if not int(gdb.parse_and_eval("$eflags")) & 0x200:
            gdb.write("  interrupts are disabled (RFLAGS.IF = 0): no maskable interrupt arrives at all\n")


class Idt(gdb.Command):
    """List the connected interrupt vectors: IRQL, routine, object, counts.

Usage: idt [all]

One line per HAL routine (the clock, IPIs, the APIC error, the software
interrupts) and per interrupt object (KINTERRUPT) connected to a device
vector, with:
  count      times the vector arrived
  unclaimed  times no ISR returned TRUE, or nothing was connected
  calls      the object's ISR calls / how many returned TRUE
and `STORM-MASKED` when the storm detector masked the line. Vectors that
arrived with nothing connected are listed too; `idt all` lists every vector
that ever arrived or was ever connected."""

    def __init__(self):
        super().__init__("idt", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        table = vector_table()
        names = system_vector_names()
        gdb.write("%-6s %-4s %-20s %-28s %-18s %10s %10s  %s\n" % (
            "vector", "IRQL", "kind", "routine", "object", "count", "unclaimed", "notes"))
        for vector in VECTORS:
            entry = table[vector]
            count, unclaimed = int(entry["Count"]), int(entry["Unclaimed"])
            handler = int(entry["SystemHandler"])
            objects = interrupt_objects(entry)
            if not (handler or objects or unclaimed or (count and argument.strip() == "all")
                    or vector == 0xFF and count):
                continue
            notes = "STORM-MASKED" if int(entry["StormMasked"]) else ""
            head = "0x%02X   %-4d " % (vector, vector >> 4)
            if handler or not objects:
                kind = names.get(vector, "system" if handler else "nothing connected").lower().replace("_", " ")
                gdb.write(head + "%-20s %-28s %-18s %10d %10d  %s\n" % (
                    kind, symbol(handler), "-", count, unclaimed, notes))
            for index, obj in enumerate(objects):
                mode = "level" if int(obj["Mode"]) == 0 else "edge"
                extra = "%s, sync IRQL %d, calls %d/%d%s %s" % (
                    mode, int(obj["SynchronizeIrql"]), int(obj["DispatchCount"]), int(obj["ServiceCount"]),
                    ", shared" if int(obj["ShareVector"]) else "", notes)
                numbers = (count, unclaimed) if index == 0 else ("", "")
                gdb.write((head if index == 0 else " " * 12) + "%-20s %-28s 0x%-16x %10s %10s  %s\n" % (
                    "device", symbol(int(obj["ServiceRoutine"])), int(obj.address), numbers[0], numbers[1],
                    extra.strip()))


Irql()
Idt()
