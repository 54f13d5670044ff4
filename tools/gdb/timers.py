"""timers.py - the `timers` command: every set KTIMER, per processor, in the
order they will expire (kernel/ke/timerlist.c, docs/dispatcher.md).
"""
import gdb

from dispatcher_common import list_entries, processors, symbol_at, value_of


def owner(timer):
    """What the timer is for: a DPC's routine, or a waiting thread's timeout."""
    dpc = int(timer["Dpc"])
    if dpc:
        routine = int(timer["Dpc"].dereference()["DeferredRoutine"])
        return "DPC %s" % symbol_at(routine).split("+")[0]
    for block in list_entries(timer["Header"]["WaitListHead"], "KWAIT_BLOCK", "WaitListEntry"):
        if int(block["WaitKey"]) == 0x102:  # STATUS_TIMEOUT: a thread's own timeout timer
            return "timeout of thread 0x%x" % int(block["Thread"])
        return "waited for by thread 0x%x" % int(block["Thread"])
    return "-"


def list_timers(write):
    now = value_of("KiInterruptTime")
    if now is None:
        write("timers: KiInterruptTime not found: load the kernel's symbols\n")
        return
    now = int(now)
    write("interrupt time %d (%.4f s)\n" % (now, now / 1e7))
    for number, prcb in processors():
        if int(prcb["IdleThread"]) == 0:
            continue
        timers = list(list_entries(prcb["Scheduler"]["TimerListHead"], "KTIMER", "TimerListEntry"))
        write("processor %d: %d timer(s)\n" % (number, len(timers)))
        for timer in timers:
            due = int(timer["DueTime"]) - now
            kind = "synchronization" if int(timer["Header"]["Type"]) == 9 else "notification"
            period = int(timer["Period"])
            write("  0x%016x  due in %9.3f ms  %-15s %-12s %s\n" % (
                int(timer.address), due / 1e4, kind, ("every %d ms" % period) if period else "once",
                owner(timer)))


class Timers(gdb.Command):
    """List the set kernel timers of each processor, earliest first.

Usage: timers
Due times are relative to the interrupt time (100 ns units since boot);
a negative one is due and waits for the DISPATCH_LEVEL interrupt."""

    def __init__(self):
        super().__init__("timers", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        try:
            list_timers(gdb.write)
        except gdb.MemoryError as error:
            gdb.write("timers: cannot read the kernel's memory (%s)\n" % error)


Timers()
