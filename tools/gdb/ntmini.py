"""ntmini.py - GDB helpers for the ntmini kernel.

Load it when GDB starts (make debug does this for you):

    gdb build/kernel.elf -x tools/gdb/ntmini.py

GDB refuses to auto-load scripts outside its "safe path", so the script is
loaded with -x rather than from a .gdbinit. Each subsystem has its own module
in this folder (kinfo.py for boot and memory information, ...), as Linux's
scripts/gdb does; `help COMMAND` prints a command's description.

Sourcing this file again (`source tools/gdb/ntmini.py`) reloads every module,
so an edit to a helper needs no restart of GDB.
"""
import importlib
import os
import sys

import gdb

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

# One module per subsystem. Each defines its commands when imported.
MODULES = ["kinfo", "interrupts", "clock", "threads", "timers", "pcr", "dpc", "iomgr", "pci", "ahci"]

for _name in MODULES:
    if _name in sys.modules:
        importlib.reload(sys.modules[_name])
    else:
        importlib.import_module(_name)

gdb.write("ntmini: GDB helpers loaded: %s (`help COMMAND` for each)\n" % ", ".join(MODULES))
