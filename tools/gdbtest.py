"""gdbtest.py - the GDB test: QEMU paused with a GDB stub, gdb in batch mode.

tools/ktest.py starts both; these helpers find a free port, build gdb's
command line and judge its output.
"""
import os
import re
import socket
import time

from ktap import ROOT, Case, Verdict

GDB = os.environ.get("GDB", "gdb")
GDB_TIMEOUT = 120


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_listening(port):
    """Whether something listens on the TCP port (from /proc: no connection is
    made, so a GDB stub is not disturbed)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 3 and fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def wait_listening(port, process, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_listening(port):
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def gdb_command(kernel, port):
    """gdb in batch mode: each step prints a marker line so judge_gdb() can
    find its output."""
    steps = ["set pagination off", "set confirm off", "target remote 127.0.0.1:%d" % port,
             "break KtRunFromCommandLine", "continue",
             "echo @@loader\\n", "print KeBootInfo.Loader",
             "echo @@cmdline\\n", "printf \"%s\\n\", KeBootInfo.CommandLine",
             "echo @@kinfo\\n", "kinfo",
             "echo @@irql\\n", "irql", "echo @@idt\\n", "idt", "echo @@clock\\n", "clock",
             "echo @@devobj\\n", "devobj", "echo @@drvobj\\n", "drvobj", "echo @@irps\\n", "irps",
             "echo @@pcr\\n", "pcr", "echo @@dpcs\\n", "dpcs", "echo @@pci\\n", "pci", "echo @@ahci\\n", "ahci",
             "echo @@end\\n", "kill"]
    command = [GDB, "-batch", "-nx", "-q", kernel, "-x", os.path.join(ROOT, "tools", "gdb", "ntmini.py")]
    for step in steps:
        command += ["-ex", step]
    return command


def header_constant(name, default):
    """A constant from include/bootinfo.h, so the check follows the header."""
    try:
        with open(os.path.join(ROOT, "include", "bootinfo.h")) as header:
            match = re.search(r"\b%s\s*=\s*(\d+)" % name, header.read())
            return int(match.group(1)) if match else default
    except OSError:
        return default


def gdb_section(output, marker):
    match = re.search(r"^@@%s\n(.*?)(?=^@@|\Z)" % marker, output, re.S | re.M)
    return match.group(1) if match else ""


def judge_gdb(output, token, loader):
    """Each check is one test case."""
    verdict = Verdict()

    def check(name, ok, why):
        verdict.cases.append(Case("gdb." + name, ok, diagnostics=[] if ok else [why]))

    check("script_loads", "ntmini: GDB helpers loaded" in output and "Python Exception" not in output,
          "tools/gdb/ntmini.py did not load cleanly (see the transcript)")
    check("breakpoint_hit", re.search(r"Breakpoint 1, .*KtRunFromCommandLine", output) is not None,
          "gdb did not stop at the breakpoint in KtRunFromCommandLine")
    value = re.search(r"\$\d+ = (\d+)", gdb_section(output, "loader"))
    check("boot_loader", value is not None and int(value.group(1)) == loader,
          "KeBootInfo.Loader is %s, expected %d (PVH)" % (value.group(1) if value else "unreadable", loader))
    check("command_line", token in gdb_section(output, "cmdline"),
          "KeBootInfo.CommandLine does not contain %s" % token)
    kinfo = gdb_section(output, "kinfo")
    clean = "Python Exception" not in kinfo and "Error occurred" not in kinfo
    check("kinfo", clean and all(word in kinfo for word in ("PVH", token, "usable")),
          "kinfo's output lacks the loader, the command line or the memory ranges")
    # The tests start at PASSIVE_LEVEL with the system vectors connected and the clock calibrated.
    # The built-in drivers have started (IoInitSystem); no IRP is out yet.
    for name, words in (("irql", ("PASSIVE_LEVEL",)), ("idt", ("KiDispatchInterrupt", "0xD1")),
                        ("clock", ("interrupt time", "TSC")),
                        ("devobj", ("\\Device\\IoTestDisk", "StackSize 3")),
                        ("drvobj", ("\\Driver\\IoTestUpperFilter",)), ("irps", ("no IRPs in flight",)),
                        ("pcr", ("processor 0:", "APIC ID", "DPCs run")), ("dpcs", ("processor 0:", "queued")),
                        ("pci", ("00:1f.2 8086:2922", "INTx")),
                        ("ahci", ("\\Device\\Harddisk0\\DR0", "QEMU HARDDISK", "PxCI", "counters"))):
        section = gdb_section(output, name)
        check(name, "Python Exception" not in section and all(w in section for w in words),
              "`%s` printed no %s" % (name, " / ".join(words)))
    return verdict
