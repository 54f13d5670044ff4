"""pcr.py - the `pcr` command: a processor's control block (KPRCB), like
WinDbg's !pcr and !prcb.

Every CPU's KPRCB is in KiProcessorBlock[] (kernel/ke/prcb.h), indexed by
processor number; KeNumberProcessors says how many are running. GS points at
the current CPU's block, but GDB's view of GS depends on which vCPU it has
selected, so the command reads the array instead: `pcr 2` works whichever
thread GDB is on.
"""
import gdb


def value_of(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def symbol_at(address):
    """'RoutineName' for a code address, or its hex value."""
    if int(address) == 0:
        return "-"
    block = gdb.block_for_pc(int(address))
    while block is not None and block.function is None:
        block = block.superblock
    return block.function.name if block is not None else "%#x" % int(address)


def processors():
    """[(number, KPRCB value)] for every running processor."""
    blocks = value_of("KiProcessorBlock")
    count = value_of("KeNumberProcessors")
    if blocks is None or count is None:
        raise gdb.GdbError("pcr: KiProcessorBlock not found: load the kernel's symbols")
    return [(n, blocks[n].dereference()) for n in range(int(count)) if int(blocks[n]) != 0]


def print_prcb(n, prcb, write):
    dpc = prcb["DpcData"]
    stats = dpc["Statistics"]
    write("processor %d: KPRCB %#x, APIC ID %d\n" % (n, int(prcb.address), int(prcb["ApicId"])))
    write("  current thread      %#x (idle %#x)\n" % (int(prcb["CurrentThread"]), int(prcb["IdleThread"])))
    write("  DPC queue           %d queued, routine %s\n" % (
        int(dpc["DpcQueueDepth"]), "running" if int(dpc["DpcRoutineActive"]) else "not running"))
    write("  DPCs run            %d (inserted %d, deepest queue %d)\n" % (
        int(stats["DpcCount"]), int(stats["InsertCount"]), int(stats["MaximumQueueDepth"])))
    write("  longest DPC         %d TSC cycles, %s\n" % (
        int(stats["LongestDpcCycles"]), symbol_at(stats["LongestDpcRoutine"])))
    write("  clock ticks         %d, IPIs %d, pending requests %#x\n" % (
        int(prcb["ClockTickCount"]), int(prcb["IpiCount"]), int(prcb["IpiRequests"])))


class Pcr(gdb.Command):
    """Print a processor's control block (KPRCB): number, APIC ID, DPC queue and statistics.

Usage: pcr [CPU]

Without CPU, every running processor. The IRQL of a processor is its CR8:
`info registers cr8` on that vCPU's GDB thread (`thread N`)."""

    def __init__(self):
        super().__init__("pcr", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        wanted = int(argument, 0) if argument.strip() else None
        found = False
        for n, prcb in processors():
            if wanted is None or wanted == n:
                print_prcb(n, prcb, gdb.write)
                found = True
        if not found:
            raise gdb.GdbError("pcr: no running processor %s" % argument.strip())


Pcr()
