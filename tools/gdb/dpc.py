"""dpc.py - the `dpcs` command: every processor's DPC queue, like WinDbg's !dpcs.

Each KPRCB's DpcData.DpcListHead (kernel/ke/dpcdata.h) is a list of KDPC
objects linked through DpcListEntry, in the order they will run.
"""
import gdb

from pcr import processors, symbol_at

IMPORTANCE = {0: "Low", 1: "Medium", 2: "High", 3: "MediumHigh"}
KDPC_TARGETED = 0x100


def queued_dpcs(prcb):
    """The KDPC values on one processor's queue, head first."""
    kdpc = gdb.lookup_type("KDPC")
    offset = kdpc.fields()[[f.name for f in kdpc.fields()].index("DpcListEntry")].bitpos // 8
    head = prcb["DpcData"]["DpcListHead"]
    link = head["Flink"]
    seen = 0
    while int(link) != int(head.address) and seen < 1000:
        yield gdb.Value(int(link) - offset).cast(kdpc.pointer()).dereference()
        link = link["Flink"]
        seen += 1


def describe(dpc):
    number = int(dpc["Number"])
    target = "cpu %d" % (number - KDPC_TARGETED) if number >= KDPC_TARGETED else "any"
    kind = " threaded" if int(dpc["Type"]) == 0x18 else ""
    return "  %#x %s%s  %s, target %s, context %#x, args %#x %#x\n" % (
        int(dpc.address), symbol_at(dpc["DeferredRoutine"]), kind,
        IMPORTANCE.get(int(dpc["Importance"]), "?"), target, int(dpc["DeferredContext"]),
        int(dpc["SystemArgument1"]), int(dpc["SystemArgument2"]))


class Dpcs(gdb.Command):
    """Print every processor's DPC queue: routine, importance, target, arguments.

Usage: dpcs [CPU]"""

    def __init__(self):
        super().__init__("dpcs", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        wanted = int(argument, 0) if argument.strip() else None
        for n, prcb in processors():
            if wanted is not None and wanted != n:
                continue
            dpcs = list(queued_dpcs(prcb))
            gdb.write("processor %d: %d DPC(s) queued\n" % (n, len(dpcs)))
            for dpc in dpcs:
                gdb.write(describe(dpc))


Dpcs()
