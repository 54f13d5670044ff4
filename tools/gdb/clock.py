"""clock.py - the `clock` command: the kernel's time, as docs/time.md describes it.

It reads kernel globals only, so it works wherever the target is stopped:
  - kernel/ke/time.c: KiTickCount, KiInterruptTime (100 ns units),
    KeMaximumIncrement (100 ns units per tick), KiPerformanceFrequency;
  - kernel/hal/clock.c: HalpClock, what HalInitializeClock measured (the TSC's
    and the LAPIC timer's rates) and programmed (divider, counts per tick).
(The module is not called time.py: that would hide Python's own `time`.)
"""
import gdb


def value_of(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def hz(value):
    """2300141874 -> '2.300 GHz (2300141874 Hz)'."""
    for unit, scale in (("GHz", 1e9), ("MHz", 1e6), ("kHz", 1e3)):
        if value >= scale:
            return "%.3f %s (%d Hz)" % (value / scale, unit, value)
    return "%d Hz" % value


def print_clock(write):
    clock = value_of("HalpClock")
    ticks = value_of("KiTickCount")
    if clock is None or ticks is None:
        write("clock: HalpClock or KiTickCount not found: load the kernel's symbols "
              "(`file build/kernel.elf`)\n")
        return
    tsc = int(clock["TscFrequency"])
    if tsc == 0:
        write("clock: not started yet: HalInitializeClock has not run (it is called in "
              "KiSystemStartupPhase1)\n")
        return
    increment = int(value_of("KeMaximumIncrement"))
    interrupt_time = int(value_of("KiInterruptTime"))
    lapic = int(clock["LapicTimerFrequency"])
    divider = int(clock["LapicDivider"])
    count = int(clock["LapicInitialCount"])
    period_us = count * 1e6 * divider / lapic if lapic else 0

    write("clock\n")
    write("  tick count          %d\n" % int(ticks))
    write("  interrupt time      %d  (100 ns units: %.4f s since boot)\n" % (
        interrupt_time, interrupt_time / 1e7))
    write("  time increment      %d  (100 ns units per tick)\n" % increment)
    write("  clock interrupt     every %.3f ms, measured (%d us asked for)\n" % (
        period_us / 1000, int(clock["PeriodUs"])))
    write("  TSC                 %s = performance counter frequency %d\n" % (
        hz(tsc), int(value_of("KiPerformanceFrequency"))))
    write("  LAPIC timer         %s / %d = %s, %d counts per tick\n" % (
        hz(lapic), divider, hz(lapic // divider), count))
    write("  calibration         against the PIT, sure to %d ppm (parts per million)\n" % int(clock["CalibrationPpm"]))


class Clock(gdb.Command):
    """Print the kernel's time: tick count, interrupt time, the clock's frequencies.

Usage: clock

  tick count       clock interrupts since boot (KeQueryTickCount)
  interrupt time   100 ns units since boot (KeQueryInterruptTime)
  time increment   100 ns units per tick (KeQueryTimeIncrement)
  TSC              its measured rate, the performance counter's frequency
  LAPIC timer      its measured input rate, divider and counts per tick
Reads kernel variables only; see docs/time.md."""

    def __init__(self):
        super().__init__("clock", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if argument.strip():
            raise gdb.GdbError("clock: takes no argument")
        try:
            print_clock(gdb.write)
        except gdb.MemoryError as error:
            gdb.write("clock: cannot read the kernel's memory (%s); is the target stopped with "
                      "the kernel's page tables on?\n" % error)


Clock()
