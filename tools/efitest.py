#!/usr/bin/env python3
"""efitest.py - the GNU-EFI loader's own boot tests, printed as KTAP.

    python3 tools/efitest.py --build build [--only NAME] [--timeout S] [--jobs N]

`make efi-test` builds the images (tools/make/efi.mk) and runs this. Each test
boots QEMU with OVMF, reads the serial port and judges what it printed:

  efi_suite              esp-test.img (command line test=all): the loader starts
                         the kernel, whose test suite passes (QEMU status 33)
  efi_bootinfo_vs_grub   the same QEMU configuration booted twice, once from a
                         GRUB ISO and once from our ESP (only the boot order
                         differs), the same kernel and command line: the kernel
                         must report the same usable memory, ACPI tables and
                         command line from both loaders
  efi_rejects_truncated  esp-bad.img holds a truncated kernel: the loader must say
                         so clearly and return to the firmware, never start it
  efi_reports_missing    esp-missing.img has no kernel: the same, for a missing file

A loader that fails hands control back to OVMF, which goes on to its next boot
option and finally its shell, where it waits forever. So QEMU always runs under
a timeout, and the error tests stop it as soon as the loader's verdict is out.
Logs: BUILD/test-logs/efi-NAME.log. Exit status 0 when every test passed.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
MEMORY = "512M"
STATUS_TESTS_DONE = 33  # HAL_EXIT_TESTS_DONE (0x10) << 1 | 1, kernel/hal/hal.h
DEFAULT_TIMEOUT = 90

# The usable memory the two loaders report may differ by what the firmware
# itself allocated differently on the two boot paths; today it is 0.
USABLE_TOLERANCE = 1 << 20

BANNER = "ntmini: an x86-64 teaching kernel"
ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_=>])")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_lines(text):
    """Serial output as plain lines: OVMF and GRUB write ANSI escapes and \\r."""
    text = ANSI_RE.sub("", text.replace("\r", ""))
    return [CONTROL_RE.sub("", line).rstrip() for line in text.split("\n")]


# ---------------------------------------------------------------------------
# Booting
# ---------------------------------------------------------------------------

def disk(path, bootindex, ident="esp"):
    """A raw FAT image as an AHCI hard disk. snapshot=on: QEMU only reads the
    file (writes go to a temporary overlay), so boots may share it."""
    return ["-drive", "if=none,id=%s,format=raw,snapshot=on,file=%s" % (ident, path),
            "-device", "ide-hd,drive=%s,bus=ide.0,bootindex=%d" % (ident, bootindex)]


def cdrom(path, bootindex, ident="cd"):
    return ["-drive", "if=none,id=%s,media=cdrom,readonly=on,file=%s" % (ident, path),
            "-device", "ide-cd,drive=%s,bus=ide.1,bootindex=%d" % (ident, bootindex)]


class Boot:
    """One QEMU run: its status (None when we stopped it) and its serial lines."""

    def __init__(self, name, status, lines, log, seconds, stopped_by=None):
        self.name, self.status, self.lines, self.log = name, status, lines, log
        self.seconds, self.stopped_by = seconds, stopped_by

    def find(self, pattern):
        """The first match of pattern (a regex) on a line, or None."""
        for line in self.lines:
            match = re.search(pattern, line)
            if match:
                return match
        return None

    def describe(self):
        if self.stopped_by == "timeout":
            return "killed after %.0f s (timeout)" % self.seconds
        if self.stopped_by:
            return "stopped after %.0f s on: %s" % (self.seconds, self.stopped_by)
        return "QEMU exited with status %s after %.0f s" % (self.status, self.seconds)


def boot(name, devices, options, until=None):
    """Boots OVMF with devices (QEMU arguments) and waits for QEMU to exit, the
    timeout, or a serial line matching `until` (then QEMU is killed)."""
    os.makedirs(options.logs, exist_ok=True)
    log = os.path.join(options.logs, "efi-%s.log" % name)
    with tempfile.TemporaryDirectory(prefix="efitest-") as scratch:
        variables = os.path.join(scratch, "OVMF_VARS.fd")  # firmware settings, written by OVMF
        shutil.copyfile(OVMF_VARS, variables)
        command = [QEMU, "-M", "q35", "-m", MEMORY, "-smp", "1", "-nodefaults", "-display", "none",
                   "-no-reboot", "-serial", "file:" + log,
                   "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                   "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
                   "-drive", "if=pflash,format=raw,unit=1,file=" + variables] + devices
        open(log, "w").close()
        start = time.monotonic()
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
        stopped_by = None
        while process.poll() is None:
            if time.monotonic() - start > options.timeout:
                stopped_by = "timeout"
            elif until:
                match = next((l for l in clean_lines(_read(log)) if re.search(until, l)), None)
                stopped_by = match and match.strip()
            if stopped_by:
                process.kill()  # our own child, by its PID
                break
            time.sleep(0.25)
        output = process.communicate()[0].decode("utf-8", "replace")
        seconds = time.monotonic() - start
    lines = clean_lines(_read(log))
    if output.strip() and not stopped_by:  # QEMU's own complaints (a bad option, a missing file)
        lines += ["qemu: " + l for l in clean_lines(output) if l]
    return Boot(name, None if stopped_by else process.returncode, lines, log, seconds, stopped_by)


def _read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


# ---------------------------------------------------------------------------
# The tests: each returns a list of problems (empty: ok) and diagnostics
# ---------------------------------------------------------------------------

def tail(run, count=12):
    lines = [l for l in run.lines if l.strip()]
    return ["%s| %s" % (run.name, l) for l in lines[-count:]]


def test_suite(options):
    run = boot("suite", disk(options.image("esp-test.img"), 0), options)
    problems, notes = [], ["%s: %s" % (run.name, run.describe())]
    if not run.find(r"^boot: GNU-EFI loader \(UEFI\)"):
        problems.append("the kernel never said it was started by the GNU-EFI loader")
    plan = run.find(r"^1\.\.(\d+)$")
    results = [l for l in run.lines if re.match(r"^(not )?ok \d+ ", l)]
    failed = [l for l in results if l.startswith("not ok")]
    if not plan:
        problems.append("no KTAP plan line: the suite did not run")
    elif len(results) != int(plan.group(1)):
        problems.append("the plan promised %s suites, %d reported" % (plan.group(1), len(results)))
    problems += ["suite failed: " + l for l in failed]
    if run.status != STATUS_TESTS_DONE:
        problems.append("expected QEMU status %d (tests done), got: %s" % (STATUS_TESTS_DONE, run.describe()))
    if problems:
        notes += tail(run)
    return problems, notes


def boot_report(run):
    """What the kernel said about its boot information, as a dict."""
    report = {}
    match = run.find(r'^boot: (.*), command line "(.*)"$')
    if match:
        report["loader"], report["cmdline"] = match.group(1), match.group(2)
    match = run.find(r"^acpi: (.*)$")
    if match:
        report["acpi"] = match.group(1)
    match = run.find(r"^memory: (\d+) MiB usable")
    if match:
        report["usable"] = int(match.group(1)) << 20
    # The kernel's boot-information digest, when it prints one (more precise).
    match = run.find(r"^bootinfo: memory (\d+) ranges, usable 0x([0-9a-fA-F]+) bytes")
    if match:
        report["usable"] = int(match.group(2), 16)
    match = run.find(r"^bootinfo: acpi (.*)$")
    if match:
        report["acpi tables"] = match.group(1)
    match = run.find(r'^bootinfo: command line "(.*)"$')
    if match:
        report["cmdline"] = match.group(1)
    report["ranges"] = merged_ranges(run)
    return report


def merged_ranges(run):
    """The memory map (bootinfo: range lines), neighbours of one type merged:
    GRUB and our loader merge differently, the memory they describe is the same."""
    ranges = []
    for line in run.lines:
        match = re.match(r"^bootinfo: range 0x([0-9a-f]+)-0x([0-9a-f]+) type (\d+)$", line)
        if not match:
            continue
        base, end, kind = int(match.group(1), 16), int(match.group(2), 16), int(match.group(3))
        if ranges and ranges[-1][2] == kind and ranges[-1][1] == base:
            ranges[-1] = (ranges[-1][0], end, kind)
        else:
            ranges.append((base, end, kind))
    return ranges


def compare_reports(grub, efi, expected_cmdline):
    problems, notes = [], []
    if grub.get("loader") != "GRUB multiboot2 (UEFI)":
        problems.append("the GRUB boot did not report GRUB under UEFI: %r" % grub.get("loader"))
    if efi.get("loader") != "GNU-EFI loader (UEFI)":
        problems.append("the EFI boot did not report the GNU-EFI loader: %r" % efi.get("loader"))
    for key in ("cmdline", "acpi", "acpi tables"):
        if key not in grub and key not in efi:  # "acpi tables" needs the kernel's digest lines
            continue
        if grub.get(key) != efi.get(key):
            problems.append("%s differs: GRUB %r, GNU-EFI %r" % (key, grub.get(key), efi.get(key)))
        else:
            notes.append("%s: %s (both)" % (key, efi.get(key)))
    if efi.get("cmdline") != expected_cmdline:
        problems.append("command line %r, expected %r" % (efi.get("cmdline"), expected_cmdline))
    if "usable" not in grub or "usable" not in efi:
        problems.append("no usable-memory line from %s" % ("GRUB" if "usable" not in grub else "GNU-EFI"))
    else:
        difference = efi["usable"] - grub["usable"]
        notes.append("usable memory: GRUB 0x%x, GNU-EFI 0x%x bytes (difference %d KiB)" %
                     (grub["usable"], efi["usable"], difference // 1024))
        if abs(difference) > USABLE_TOLERANCE:
            problems.append("usable memory differs by %d KiB" % (difference // 1024))
    if grub["ranges"] != efi["ranges"]:  # told, not failed: the firmware may differ in details
        notes.append("the memory maps differ (after merging neighbours of one type):")
        notes += ["  GRUB    0x%x-0x%x type %d" % r for r in grub["ranges"] if r not in efi["ranges"]]
        notes += ["  GNU-EFI 0x%x-0x%x type %d" % r for r in efi["ranges"] if r not in grub["ranges"]]
    elif grub["ranges"]:
        notes.append("memory maps: the same %d ranges" % len(efi["ranges"]))
    return problems, notes


def test_bootinfo_vs_grub(options):
    """Both boots see the same machine: the ISO and the ESP are attached both
    times, only the boot order (bootindex) picks the loader."""
    iso, esp = options.image("compare.iso"), options.image("esp-compare.img")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        grub = pool.submit(boot, "compare-grub", cdrom(iso, 0) + disk(esp, 1), options)
        efi = pool.submit(boot, "compare-efi", cdrom(iso, 1) + disk(esp, 0), options)
        grub, efi = grub.result(), efi.result()
    problems, notes = [], ["%s: %s" % (r.name, r.describe()) for r in (grub, efi)]
    for run in (grub, efi):
        if run.status != STATUS_TESTS_DONE:
            problems.append("%s did not end with status %d: %s" % (run.name, STATUS_TESTS_DONE, run.describe()))
    with open(options.image("cmdline-compare.txt")) as f:
        expected = f.read().strip()
    more_problems, more_notes = compare_reports(boot_report(grub), boot_report(efi), expected)
    problems += more_problems
    notes += more_notes
    if problems:
        notes += tail(grub) + tail(efi)
    return problems, notes


def expect_refusal(name, image, reason, options):
    """The loader refuses the kernel with a clear message and returns to the
    firmware; the kernel never starts. QEMU is stopped once that is printed."""
    run = boot(name, disk(options.image(image), 0), options,
               until=r"ntmini-efi: error: the kernel was not started")
    problems, notes = [], ["%s: %s" % (run.name, run.describe())]
    error = run.find(r"ntmini-efi: error: " + reason)
    if error:
        notes.append("the loader said: " + error.string.strip())
    else:
        problems.append("no error message matching %r from the loader" % reason)
    if not run.find(r"ntmini-efi: error: the kernel was not started"):
        problems.append("the loader did not say that it returned to the firmware")
    if run.find(re.escape(BANNER)):
        problems.append("the kernel started anyway")
    if problems:
        notes += tail(run)
    return problems, notes


def test_rejects_truncated(options):
    return expect_refusal("bad", "esp-bad.img", r"\\ntmini\\kernel\.elf is not a valid kernel: .*outside the file",
                          options)


def test_reports_missing(options):
    return expect_refusal("missing", "esp-missing.img", r"cannot read the kernel \\ntmini\\kernel\.elf: Not Found",
                          options)


TESTS = [
    ("efi_suite", test_suite),
    ("efi_bootinfo_vs_grub", test_bootinfo_vs_grub),
    ("efi_rejects_truncated", test_rejects_truncated),
    ("efi_reports_missing", test_reports_missing),
]


# ---------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------

class Options:
    def __init__(self, build, timeout):
        self.build, self.timeout = build, timeout
        self.logs = os.path.join(build, "test-logs")

    def image(self, name):
        return os.path.join(self.build, "efi", name)


def missing_inputs(options):
    needed = [options.image(n) for n in ("esp-test.img", "esp-compare.img", "compare.iso",
                                         "cmdline-compare.txt", "esp-bad.img", "esp-missing.img")]
    missing = [p for p in needed + [OVMF_CODE, OVMF_VARS] if not os.path.exists(p)]
    if shutil.which(QEMU) is None:
        missing.append(QEMU)
    return missing


def run_test(function, options):
    try:
        return function(options)
    except Exception as error:  # a bug here must show as a failure, not a traceback
        return ["efitest.py raised %s: %s" % (type(error).__name__, error)], []


def main(argv=None):
    parser = argparse.ArgumentParser(description="Boot tests of the GNU-EFI loader (KTAP output).")
    parser.add_argument("--build", default="build", help="the build directory (BUILD, e.g. build)")
    parser.add_argument("--only", action="append", default=[], help="run only tests whose name contains this")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per QEMU boot")
    parser.add_argument("--jobs", type=int, default=2, help="tests run at once (default 2)")
    options = parser.parse_args(argv)
    scale = float(os.environ.get("KTEST_TIMEOUT_SCALE", "1"))
    run = Options(os.path.abspath(options.build), options.timeout * scale)
    tests = [(n, f) for n, f in TESTS if not options.only or any(o in n for o in options.only)]

    print("KTAP version 1")
    print("1..%d" % len(tests))
    missing = missing_inputs(run)
    if missing:
        for number, (name, _) in enumerate(tests, 1):
            print("not ok %d %s" % (number, name))
        print("# missing: %s (`make efi-images` builds the images)" % ", ".join(missing))
        return 1
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(run_test, function, run) for _, function in tests]
        for number, ((name, _), future) in enumerate(zip(tests, futures), 1):
            problems, notes = future.result()
            failed += bool(problems)
            print("%s %d %s" % ("not ok" if problems else "ok", number, name), flush=True)
            for line in problems + notes:
                print("# " + line)
    print("# efitest: %d tests, %d failed; logs in %s" % (len(tests), failed, run.logs))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
