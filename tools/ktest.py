#!/usr/bin/env python3
"""ktest.py - runs every test of ntmini and ends with one totals line.

    python3 tools/ktest.py --build build [--only PATTERN] [--list] [--jobs N]

In order it runs:
  1. its own self-test (tools/test_ktest.py), in this process;
  2. every host test program BUILD/host/test_* (they print KTAP);
  3. the kernel boots of tools/testplan.py, the expected-bug-check boots the
     main boot lists (`# crashtest suite.name 0xCODE`), and the GDB test.
It prints a line per item as it finishes, then the details of each failure,
then `N passed, N failed` (and `, N skipped`) alone on the last line. It exits
with status 1 when anything failed. Every serial log is kept in
BUILD/test-logs/: NAME.log, or NAME.FAILED.log for a failing run.

How a kernel boot is judged (docs/testing.md says the same for students):
  - each leaf test case in the KTAP counts: `ok` passes, `not ok` fails,
    `# SKIP` is skipped; lines that are not KTAP (kernel log lines, firmware
    output, ANSI escapes) are ignored;
  - the boot as a whole adds one failure when it did not end cleanly: a bug
    check (QEMU status 35 or a `*** STOP:` line), a triple fault (status 0),
    QEMU failing to start (status 1), the kernel's test watchdog (status 37),
    a timeout (the runner kills QEMU), a missing `1..N` plan line, or fewer
    results than the plan promised;
  - a crash boot passes only when QEMU exits with status 35 and the STOP code
    in the log is the one the test declared.
"""
import argparse
import concurrent.futures
import fnmatch
import io
import os
import random
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import unittest

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import testplan  # noqa: E402  (tools/ is on the path only from here on)

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
GDB = os.environ.get("GDB", "gdb")

STATUS_TRIPLE_FAULT = 0
STATUS_QEMU_ERROR = 1
STATUS_TESTS_DONE = 33  # HAL_EXIT_TESTS_DONE (0x10) << 1 | 1, see kernel/hal/hal.h
STATUS_BUGCHECK = 35    # HAL_EXIT_BUGCHECK
STATUS_WATCHDOG = 37    # HAL_EXIT_TEST_TIMEOUT

HOST_TIMEOUT = 60
GDB_TIMEOUT = 120
TAIL_LINES = 25

# ---------------------------------------------------------------------------
# Reading serial output
# ---------------------------------------------------------------------------

# CSI sequences (ESC [ ... letter), charset selections (ESC ( B) and two-byte
# escapes: what OVMF and GRUB write to the serial port before the kernel.
ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_=>])")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_lines(text):
    """The serial output as plain lines: no escapes, no \\r, no control characters."""
    text = ANSI_RE.sub("", text.replace("\r", ""))
    return [CONTROL_RE.sub("", line).rstrip() for line in text.split("\n")]


def tail(text, count=TAIL_LINES):
    lines = clean_lines(text)
    while lines and not lines[-1]:
        lines.pop()
    return lines[-count:]


def bugcheck_names():
    """Code -> name, from kernel/ke/bugcodes.h (so this file never drifts)."""
    names = {}
    try:
        with open(os.path.join(ROOT, "kernel", "ke", "bugcodes.h")) as header:
            for match in re.finditer(r"#define\s+([A-Z0-9_]+)\s+(0x[0-9A-Fa-f]+)", header.read()):
                names[int(match.group(2), 16)] = match.group(1)
    except OSError:
        pass
    return names


def code_text(code):
    name = bugcheck_names().get(code)
    return "0x%08X" % code + (" (%s)" % name if name else "")


class Stop:
    """The first bug-check report in a log: code, name and the explanation."""

    def __init__(self, code, name="", explanation=""):
        self.code, self.name, self.explanation = code, name, explanation

    def __str__(self):
        return ("bug check 0x%08X %s" % (self.code, self.name)).rstrip()


STOP_RE = re.compile(r"^\s*\*\*\* STOP:? 0x([0-9A-Fa-f]+)")


def find_stop(text):
    lines = clean_lines(text)
    for i, line in enumerate(lines):
        match = STOP_RE.match(line)
        if not match:
            continue
        stop = Stop(int(match.group(1), 16))
        following = [l.strip()[4:] for l in lines[i + 1:i + 3] if l.strip().startswith("*** ")]
        if following and re.fullmatch(r"[A-Z0-9_]+", following[0]):
            stop.name = following.pop(0)
        if following and following[0] != "System halted.":
            stop.explanation = following[0]
        return stop
    return None


# ---------------------------------------------------------------------------
# KTAP
# ---------------------------------------------------------------------------

VERSION_RE = re.compile(r"^K?TAP version \d+$")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#.*)?$")
RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\b\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$")
SUBTEST_RE = re.compile(r"^# Subtest: (.+)$")
CRASHTEST_RE = re.compile(r"^# crashtest (\S+) 0x([0-9A-Fa-f]+)$")


class Case:
    """One leaf test case: its full name (suite.case), outcome and diagnostics."""

    def __init__(self, name, ok, skipped=False, diagnostics=()):
        self.name, self.ok, self.skipped = name, ok, skipped
        self.diagnostics = list(diagnostics)


class _Block:
    """One KTAP (sub)test list, at one indentation."""

    def __init__(self, indent, name=None):
        self.indent, self.name = indent, name
        self.plan = None
        self.results = 0
        self.failed_leaves = 0


class Ktap:
    """What a KTAP stream said. parse_ktap() fills it."""

    def __init__(self):
        self.cases = []       # leaf cases, in order
        self.problems = []    # what is wrong with the stream itself
        self.crashtests = []  # (suite.name, code) from `# crashtest` lines
        self.seen = False     # any KTAP at all (a version, plan or result line)
        self.suite = None     # the innermost list still open at the end
        self.last_case = None

    def where(self):
        """Where the output stopped, for a failure message."""
        if self.suite is None:
            return "" if self.seen else " before the tests started"
        text = " in suite '%s'" % self.suite
        if self.last_case and self.last_case.startswith(self.suite + "."):
            return text + ", after case '%s'" % self.last_case[len(self.suite) + 1:]
        return text + " before its first case finished"


def _close(ktap, block, stack):
    """Checks a list that has ended (its parent's result came, or the output did)."""
    label = "the top-level test list" if not stack else "suite '%s'" % (block.name or "?")
    if block.plan is None:
        ktap.problems.append("no KTAP plan line (`1..N`) for %s" % label)
    elif block.results < block.plan:
        ktap.problems.append("the output stops early: %s planned %d results (`1..%d`) but has %d"
                             % (label, block.plan, block.plan, block.results))
    elif block.results > block.plan:
        ktap.problems.append("%s has %d results but its plan says %d" % (label, block.results, block.plan))


def _merge_problems(ktap):
    """A stream cut short leaves every enclosing list short too: report the
    innermost one only. Missing plan lines become one message."""
    early = [p for p in ktap.problems if p.startswith("the output stops early")]
    plans = [p for p in ktap.problems if p.startswith("no KTAP plan line")]
    rest = [p for p in ktap.problems if p not in early and p not in plans]
    if plans:
        rest.append("no KTAP plan line (`1..N`) for " + " and ".join(p.split(" for ", 1)[1] for p in plans))
    ktap.problems = rest + early[:1]


def parse_ktap(text):
    """Parses KTAP as the kernel prints it (tests/kernel/ktest.c): nested lists
    are indented; a result line after an indented list is that list's parent.
    Only leaf results count as test cases."""
    ktap = Ktap()
    stack = []        # open lists, outermost first
    diagnostics = []  # `#` lines since the last result

    def pop_deeper_than(indent):
        child = None
        while stack and stack[-1].indent > indent:
            child = stack.pop()
            _close(ktap, child, stack)
            if stack:
                stack[-1].failed_leaves += child.failed_leaves
        return child

    def block_at(indent):
        pop_deeper_than(indent)
        if not stack or stack[-1].indent < indent:
            stack.append(_Block(indent))
        return stack[-1]

    for raw in clean_lines(text):
        line = raw.strip()
        if not line:
            continue
        indent = len(raw) - len(raw.lstrip())
        crash = CRASHTEST_RE.match(line)
        if crash:
            ktap.crashtests.append((crash.group(1), int(crash.group(2), 16)))
            continue
        if VERSION_RE.match(line):
            ktap.seen = True
            top = stack[-1] if stack else None
            if not (top and top.indent == indent and top.plan is None and top.results == 0):
                pop_deeper_than(indent - 1)
                stack.append(_Block(indent))
            continue
        subtest = SUBTEST_RE.match(line)
        if subtest:
            block_at(indent).name = subtest.group(1).strip()
            continue
        plan = PLAN_RE.match(line)
        if plan:
            ktap.seen = True
            block = block_at(indent)
            if block.plan is not None:  # a second list at the same depth
                pop_deeper_than(indent - 1)
                block = block_at(indent)
            block.plan = int(plan.group(1))
            continue
        result = RESULT_RE.match(line)
        if result:
            ktap.seen = True
            child = pop_deeper_than(indent)
            block = block_at(indent)
            block.results += 1
            ok = result.group(1) == "ok"
            name = result.group(3) or "#%s" % result.group(2)
            directive = (result.group(4) or "").upper()
            skipped = directive.startswith("SKIP") or directive.startswith("TODO")
            if child is not None:  # the result of a whole suite
                if not ok and not skipped and child.failed_leaves == 0:
                    ktap.problems.append("suite '%s' says `not ok` although none of its cases failed" % name)
            else:
                full = "%s.%s" % (block.name, name) if block.name else name
                case = Case(full, ok or skipped, skipped, [] if ok else diagnostics)
                ktap.cases.append(case)
                ktap.last_case = full
                block.failed_leaves += not case.ok
            diagnostics = []
            continue
        if line.startswith("#") and stack:
            diagnostics.append(line.lstrip("# ").rstrip())
    if stack:
        innermost = stack[-1]
        ktap.suite = innermost.name if len(stack) > 1 else None
    pop_deeper_than(-1)
    _merge_problems(ktap)
    if not ktap.seen:
        ktap.problems.append("no KTAP output: no `KTAP version` or `1..N` line")
    return ktap


# ---------------------------------------------------------------------------
# Judging a run: pure functions of (output, exit status), tested by test_ktest.py
# ---------------------------------------------------------------------------

class Verdict:
    """The outcome of one run: its cases and, separately, what went wrong with
    the run as a whole (each such problem counts as one failure)."""

    def __init__(self):
        self.cases = []
        self.problems = []
        self.crashtests = []
        self.stop = None

    @property
    def passed(self):
        return sum(1 for c in self.cases if c.ok and not c.skipped)

    @property
    def skipped(self):
        return sum(1 for c in self.cases if c.skipped)

    @property
    def failed(self):
        return sum(1 for c in self.cases if not c.ok) + len(self.problems)

    @property
    def ok(self):
        return self.failed == 0


def describe_status(status, timeout=None, output="", where=""):
    """Why a QEMU exit status is a failure, in words; None when it is not one.
    where (from Ktap.where) says how far the tests got."""
    if status is None:
        return "timed out after %g s%s: the runner killed QEMU (KTEST_TIMEOUT_SCALE=2 doubles the limit)" % (
            timeout or 0, where)
    if status == STATUS_TRIPLE_FAULT:
        return ("triple fault%s: the CPU reset and QEMU (-no-reboot) exited with status 0; rerun the QEMU "
                "command with `-d int,cpu_reset -D qemu.log` to see the last exceptions" % where)
    if status == STATUS_QEMU_ERROR:
        last = [l for l in clean_lines(output) if l.strip()][-3:]
        return "QEMU could not start (status 1)" + (": " + " / ".join(last) if last else "")
    if status == STATUS_WATCHDOG:
        return "the kernel's test watchdog expired (QEMU status 37)%s: a test ran too long" % where
    if status in (STATUS_TESTS_DONE, STATUS_BUGCHECK):
        return None
    if status < 0:
        return "QEMU was killed by signal %d%s" % (-status, where)
    return "QEMU exited with unexpected status %d%s" % (status, where)


def judge_boot(text, status, timeout=None, output=""):
    """A normal test boot: KTAP on the serial port, QEMU status 33 at the end."""
    verdict = Verdict()
    ktap = parse_ktap(text)
    verdict.cases, verdict.crashtests = ktap.cases, ktap.crashtests
    verdict.stop = find_stop(text)
    reason = describe_status(status, timeout, output, ktap.where())
    if reason:
        verdict.problems.append(reason)
    stop = verdict.stop
    if stop is not None:
        verdict.problems.append(str(stop) + ktap.where() + (": " + stop.explanation if stop.explanation else ""))
    elif status == STATUS_BUGCHECK:
        verdict.problems.append("QEMU status 35 (bug check) but no `*** STOP:` line in the log" + ktap.where())
    if not verdict.problems:
        # Only when the run ended cleanly: after a crash the KTAP is cut short
        # anyway, and the crash is the reason to report.
        verdict.problems.extend(ktap.problems)
    return verdict


def judge_crash(text, status, test, expected, timeout=None, output=""):
    """A boot with `crash=suite.name`: it must stop with the declared code."""
    verdict = Verdict()
    stop = verdict.stop = find_stop(text)
    if status == STATUS_BUGCHECK and stop is not None and stop.code == expected:
        verdict.cases.append(Case(test, True))
        return verdict
    want = "expected bug check %s" % code_text(expected)
    if status == STATUS_BUGCHECK and stop is not None:
        reason = "%s, but the kernel stopped with %s" % (want, stop)
        reason += ": " + stop.explanation if stop.explanation else ""
    elif status == STATUS_BUGCHECK:
        reason = "%s: QEMU status 35 but no `*** STOP:` line in the log" % want
    elif status == STATUS_TESTS_DONE:
        reason = "%s, but the boot ended without one (QEMU status 33, tests done)" % want
        if "no such bug-check test" in text:
            reason += ": the kernel has no bug-check test named '%s'" % test
        elif "returned without a bug check" in text:
            reason += ": the test returned"
    else:
        reason = "%s; instead %s" % (want, describe_status(status, timeout, output))
        if stop is not None:
            reason += "; the log shows %s" % stop
    verdict.problems.append(reason)
    return verdict


def judge_host(text, status):
    """A host test program: KTAP on stdout, exit status 0."""
    verdict = Verdict()
    ktap = parse_ktap(text)
    verdict.cases = ktap.cases
    verdict.problems.extend(ktap.problems)
    any_failed = any(not c.ok for c in ktap.cases)
    if status is None:
        verdict.problems.append("timed out; the runner killed it" + ktap.where())
    elif status < 0:
        verdict.problems.append("killed by signal %d%s" % (-status, ktap.where()))
    elif status != 0 and not any_failed:
        verdict.problems.append("exited with status %d without a failing case (a sanitizer report or "
                                "a crash? see the log)%s" % (status, ktap.where()))
    return verdict


# ---------------------------------------------------------------------------
# What to run
# ---------------------------------------------------------------------------

class Result:
    """One item's outcome as printed: counts, reasons, where its log is."""

    def __init__(self, name, verdict=None, seconds=0.0):
        self.name = name
        self.verdict = verdict or Verdict()
        self.seconds = seconds
        self.log = None
        self.command = None
        self.tail = []
        self.summary = ""  # the short text on the item's PASS/FAIL line

    @property
    def ok(self):
        return self.verdict.ok


class Item:
    """Something the runner runs and counts: the self-test, a host program, a boot."""

    def __init__(self, name, groups, run, describe, weight=1.0):
        self.name, self.groups, self.run, self.describe = name, groups, run, describe
        self.weight = weight  # a rough duration, to start long boots first


def matches(item_name, groups, patterns):
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(n, p) for p in patterns for n in [item_name] + list(groups))


def timeout_scale():
    text = os.environ.get("KTEST_TIMEOUT_SCALE", "1")
    try:
        scale = float(text)
        if scale > 0:
            return scale
    except ValueError:
        pass
    sys.exit("ktest: KTEST_TIMEOUT_SCALE must be a positive number, not %r" % text)


def boot_timeout(boot):
    seconds = boot.timeout if boot.timeout is not None else testplan.TIMEOUTS[boot.firmware]
    return seconds * timeout_scale()


def qemu_command(boot, build, serial, vars_copy=None, args=None, extra=()):
    """The QEMU command line for a boot of the plan. args replaces the kernel
    command line of a pvh boot (crash and GDB boots)."""
    image = os.path.join(build, boot.image)
    command = [QEMU, "-M", boot.machine, "-m", testplan.MEMORY, "-smp", str(boot.smp),
               "-nodefaults", "-display", "none", "-no-reboot", "-serial", "file:" + serial,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if boot.firmware == "ovmf":
        command += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + testplan.OVMF_CODE,
                    "-drive", "if=pflash,format=raw,unit=1,file=" + vars_copy]
    if boot.load == "pvh":
        command += ["-kernel", image, "-append", boot.args if args is None else args]
    elif boot.load == "cdrom":
        command += ["-cdrom", image]
    elif boot.load == "esp" and image.endswith(".img"):  # a FAT image; snapshot: boots share it
        command += ["-drive", "format=raw,snapshot=on,file=" + image]
    elif boot.load == "esp":  # a directory, served read-only as a FAT disk
        command += ["-drive", "format=raw,snapshot=on,file=fat:rw:" + image]
    else:
        raise ValueError("%s: unknown load kind %r" % (boot.name, boot.load))
    return command + shlex.split(boot.extra) + list(extra)


BUILD_HINTS = {"kernel.elf": "make kernel", "clang/kernel.elf": "make CC=clang kernel",
               "ntmini-test.iso": "make test-iso"}


def missing_inputs(boot, build):
    """What a boot needs and does not have, as failure messages."""
    problems = []
    image = os.path.join(build, boot.image)
    if not os.path.exists(image):
        hint = BUILD_HINTS.get(boot.image, "make test builds it")
        problems.append("%s is missing: build it with `%s` (make test does)" % (image, hint))
    if boot.firmware == "ovmf":
        for path in (testplan.OVMF_CODE, testplan.OVMF_VARS):
            if not os.path.exists(path):
                problems.append("%s is missing: tools/setup.sh installs the ovmf package" % path)
    if shutil.which(QEMU) is None:
        problems.append("%s is not installed: tools/setup.sh installs it" % QEMU)
    return problems


class Runner:
    def __init__(self, build, jobs):
        self.build = build
        self.jobs = jobs
        self.logs = os.path.join(build, "test-logs")
        os.makedirs(self.logs, exist_ok=True)

    # ---- logs ----

    def log_path(self, name):
        for old in (name + ".log", name + ".FAILED.log"):
            if os.path.exists(os.path.join(self.logs, old)):
                os.remove(os.path.join(self.logs, old))
        return os.path.join(self.logs, name + ".log")

    def keep_log(self, result, path):
        """Renames a failing run's log to NAME.FAILED.log."""
        if path and os.path.exists(path) and not result.ok:
            failed = path[:-len(".log")] + ".FAILED.log"
            os.replace(path, failed)
            path = failed
        result.log = path

    # ---- the self-test ----

    def run_self(self):
        start = time.monotonic()
        stream = io.StringIO()
        verdict = Verdict()
        try:
            suite = unittest.defaultTestLoader.loadTestsFromName("test_ktest")
            tests = list(_all_tests(suite))  # running the suite empties it
            outcome = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
        except Exception as error:  # the self-test does not even load
            verdict.problems.append("tools/test_ktest.py does not load: %s" % error)
            return Result("self", verdict, time.monotonic() - start)
        bad = {}
        for test, trace in outcome.failures + outcome.errors:
            bad[test.id()] = trace.strip().splitlines()[-1]
        skipped = {test.id() for test, _ in outcome.skipped}
        for test in tests:
            name = test.id().replace("test_ktest.", "")
            if test.id() in bad:
                verdict.cases.append(Case(name, False, diagnostics=[bad[test.id()]]))
            else:
                verdict.cases.append(Case(name, True, test.id() in skipped))
        if outcome.testsRun == 0:
            verdict.problems.append("tools/test_ktest.py ran no tests")
        result = Result("self", verdict, time.monotonic() - start)
        path = self.log_path("self")
        with open(path, "w") as log:
            log.write(stream.getvalue())
        self.keep_log(result, path)
        return result

    # ---- host tests ----

    def run_host(self, program):
        return self.run_program("host-" + os.path.basename(program), [program], HOST_TIMEOUT)

    def run_script(self, script):
        argv = [sys.executable] + shlex.split(script.command.format(build=self.build))
        return self.run_program(script.name, argv, script.timeout)

    def run_program(self, name, argv, timeout):
        """A program that prints KTAP on stdout and exits 0 when all passed."""
        path = self.log_path(name)
        start = time.monotonic()
        try:
            with open(path, "wb") as log:
                process = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=ROOT,
                                         timeout=timeout * timeout_scale())
            status = process.returncode
        except subprocess.TimeoutExpired:
            status = None
        except OSError as error:
            with open(path, "a") as log:
                log.write("ktest: cannot run %s: %s\n" % (argv[0], error))
            status = 127
        text = _read(path)
        result = Result(name, judge_host(text, status), time.monotonic() - start)
        result.command = " ".join(shlex.quote(a) for a in argv)
        result.tail = tail(text)
        self.keep_log(result, path)
        return result

    def missing_host(self, source):
        verdict = Verdict()
        program = os.path.join(self.build, "host", os.path.basename(source)[:-2])
        verdict.problems.append("%s is missing: `make host-tests` builds it from %s" % (program, source))
        return Result("host-" + os.path.basename(program), verdict)

    # ---- kernel boots ----

    def qemu(self, boot, name, args=None):
        """Runs one boot to its end; returns (Result with command and log, text, status, output)."""
        result = Result(name)
        serial = self.log_path(name)  # removes the last run's log
        problems = missing_inputs(boot, self.build)
        if problems:
            result.verdict.problems.extend(problems)
            return result, None, None, ""
        vars_copy = None
        if boot.firmware == "ovmf":
            vars_copy = os.path.join(self.build, "test-ovmf", name + "_VARS.fd")
            os.makedirs(os.path.dirname(vars_copy), exist_ok=True)
            shutil.copyfile(testplan.OVMF_VARS, vars_copy)
        command = qemu_command(boot, self.build, serial, vars_copy, args)
        result.command = " ".join(shlex.quote(word) for word in command)
        timeout = boot_timeout(boot)
        start = time.monotonic()
        try:
            process = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, timeout=timeout)
            status, output = process.returncode, process.stdout
        except subprocess.TimeoutExpired as expired:  # run() has killed QEMU (our child) already
            status, output = None, expired.output or b""
        result.seconds = time.monotonic() - start
        result.log = serial
        return result, _read(serial), status, output.decode("utf-8", "replace")

    def run_boot(self, boot, name=None, args=None):
        result, text, status, output = self.qemu(boot, name or boot.name, args)
        if text is None:
            return result
        result.verdict = judge_boot(text, status, boot_timeout(boot), output)
        result.tail = tail(text)
        self.keep_log(result, result.log)
        return result

    def run_crash(self, boot, test, code):
        # `test=` too: the kernel leaves QEMU after a bug check only when it
        # runs under the test runner (kernel/ke/bugcheck.c, StopMachine).
        result, text, status, output = self.qemu(boot, "crash-" + test, "crash=%s test=crash" % test)
        if text is None:
            return result
        result.verdict = judge_crash(text, status, "crash." + test, code, boot_timeout(boot), output)
        if result.verdict.ok:
            result.summary = "stopped with %s as expected" % code_text(code)
        result.tail = tail(text)
        self.keep_log(result, result.log)
        return result

    def list_crashtests(self, boot):
        """The crash tests, from a boot that runs no tests (when the main boot
        itself is not selected)."""
        return self.run_boot(boot, "crash-list", "test=-")

    # ---- the GDB test ----

    def run_gdb(self, boot):
        """QEMU paused with a GDB stub on a free port; gdb -batch loads the
        kernel and tools/gdb/ntmini.py, stops at KtRunFromCommandLine (the
        pool and the banner are done by then) and checks what it sees."""
        result = Result("gdb")
        problems = missing_inputs(boot, self.build)
        if shutil.which(GDB) is None:
            problems.append("%s is not installed: tools/setup.sh installs it" % GDB)
        if boot.load != "pvh":
            problems.append("the GDB test needs a pvh boot as testplan.MAIN_BOOT, not %r" % boot.load)
        if problems:
            result.verdict.problems.extend(problems)
            return result
        token = "ktest-gdb=%08x" % random.getrandbits(32)
        serial = self.log_path("gdb-serial")
        transcript = self.log_path("gdb")
        start = time.monotonic()
        for _ in range(3):  # another program may take the free port first
            port = free_port()
            command = qemu_command(boot, self.build, serial, args="test=- " + token,
                                   extra=["-S", "-gdb", "tcp:127.0.0.1:%d" % port])
            qemu = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            if wait_listening(port, qemu, 10 * max(1.0, timeout_scale())):
                break
            qemu.kill()
            output = qemu.communicate()[0].decode("utf-8", "replace").strip()
            if "in use" not in output:
                result.verdict.problems.append("QEMU did not open its GDB stub on port %d: %s" % (
                    port, output or "no message (still starting after 10 s?)"))
                result.command = " ".join(shlex.quote(w) for w in command)
                return result
        else:
            result.verdict.problems.append("QEMU found no free port for its GDB stub in 3 tries")
            return result
        gdb = gdb_command(os.path.join(self.build, boot.image), port)
        result.command = " ".join(shlex.quote(w) for w in command) + "\n  and: " + \
            " ".join(shlex.quote(w) for w in gdb)
        try:
            process = subprocess.run(gdb, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, timeout=GDB_TIMEOUT * timeout_scale(), cwd=ROOT)
            output = process.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as expired:
            output = (expired.output or b"").decode("utf-8", "replace")
            result.verdict.problems.append("gdb timed out; the runner killed it")
        finally:
            qemu.kill()  # by its own PID; it is our child
            qemu.wait()
        with open(transcript, "w") as log:
            log.write(output)
        verdict = judge_gdb(output, token, header_constant("BOOT_LOADER_PVH", 3))
        verdict.problems[:0] = result.verdict.problems
        result.verdict = verdict
        result.seconds = time.monotonic() - start
        result.tail = tail(output)
        self.keep_log(result, transcript)
        return result


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
             "echo @@kinfo\\n", "kinfo", "echo @@end\\n", "kill"]
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
    return verdict


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _all_tests(suite):
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _all_tests(test)
        else:
            yield test


# ---------------------------------------------------------------------------
# The plan, scheduling and the report
# ---------------------------------------------------------------------------

def main_boot():
    return next(b for b in testplan.BOOTS if b.name == testplan.MAIN_BOOT)


def build_items(runner):
    """Every item of the plan except the crash boots (they are discovered)."""
    items = [Item("self", ["self"], runner.run_self, "the runner's own unit tests (tools/test_ktest.py)")]
    host_dir = os.path.join(runner.build, "host")
    sources = sorted(_glob(os.path.join(ROOT, "tests", "host"), "test_*.c"))
    programs = {os.path.basename(p): p for p in _glob(host_dir, "test_*")
                if os.access(p, os.X_OK) and "." not in os.path.basename(p)}
    for source in sources:
        base = os.path.basename(source)[:-2]
        program = programs.pop(base, None)
        if program:
            items.append(Item("host-" + base, ["host"], lambda p=program: runner.run_host(p), program))
        else:
            items.append(Item("host-" + base, ["host"], lambda s=source: runner.missing_host(s),
                              "%s (not built)" % base))
    for base, program in sorted(programs.items()):  # built, though its source is gone
        items.append(Item("host-" + base, ["host"], lambda p=program: runner.run_host(p), program))
    for boot in testplan.BOOTS:
        command = " ".join(shlex.quote(w) for w in qemu_command(boot, runner.build, "LOG", "VARS"))
        items.append(Item(boot.name, boot.groups.split(), lambda b=boot: runner.run_boot(b), command,
                          weight=10.0 if boot.firmware == "ovmf" else 1.0))
    for script in testplan.SCRIPTS:
        items.append(Item(script.name, script.groups.split(), lambda s=script: runner.run_script(s),
                          script.command, weight=10.0))
    items.append(Item("gdb", ["gdb"], lambda: runner.run_gdb(main_boot()),
                      "QEMU -S -gdb + gdb -batch -x tools/gdb/ntmini.py: a breakpoint, KeBootInfo, kinfo",
                      weight=2.0))
    return items


def _glob(directory, pattern):
    try:
        return [os.path.join(directory, n) for n in os.listdir(directory) if fnmatch.fnmatch(n, pattern)]
    except OSError:
        return []


def crash_selected(patterns):
    return not patterns or any(fnmatch.fnmatchcase("crash", p) or p.startswith("crash-") for p in patterns)


def result_line(result):
    verdict = result.verdict
    counts = "%d case%s" % (len(verdict.cases), "" if len(verdict.cases) == 1 else "s")
    extra = []
    if verdict.failed:
        extra.append("%d failed" % verdict.failed)
    if verdict.skipped:
        extra.append("%d skipped" % verdict.skipped)
    if extra:
        counts += " (" + ", ".join(extra) + ")"
    text = "%-4s  %-42s %-22s %5.1f s" % ("PASS" if result.ok else "FAIL", result.name, counts, result.seconds)
    if result.summary:
        text += "  " + result.summary
    elif verdict.problems:
        text += "  " + verdict.problems[0][:90]
    return text


def failure_report(result):
    verdict = result.verdict
    lines = ["", "FAIL %s" % result.name]
    for problem in verdict.problems:
        lines.append("  - " + problem)
    for case in verdict.cases:
        if not case.ok:
            lines.append("  - not ok: " + case.name)
            lines.extend("      " + d for d in case.diagnostics[:6])
            if len(case.diagnostics) > 6:
                lines.append("      (%d more lines in the log)" % (len(case.diagnostics) - 6))
    if result.log:
        lines.append("  log: " + result.log)
    if result.command:
        lines.append("  run it by hand: " + result.command)
    if result.tail:
        shown = result.tail if verdict.problems else result.tail[-10:]
        lines.append("  last lines of the log:")
        lines.extend("    | " + l for l in shown)
    return lines


def totals_line(results):
    passed = sum(r.verdict.passed for r in results)
    failed = sum(r.verdict.failed for r in results)
    skipped = sum(r.verdict.skipped for r in results)
    return "%d passed, %d failed" % (passed, failed) + (", %d skipped" % skipped if skipped else "")


def run_items(runner, items, patterns, jobs):
    """Runs the self-test, then the host tests, then the boots (in parallel);
    prints each item's line as it ends; returns every Result in plan order."""
    results = {}
    order = [i.name for i in items]

    def done(result):
        results[result.name] = result
        print(result_line(result), flush=True)

    phases = [[i for i in items if i.name == "self"],
              [i for i in items if "host" in i.groups],
              [i for i in items if i.name != "self" and "host" not in i.groups]]
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for item in phases[0]:
            done(item.run())
        for future in [pool.submit(i.run) for i in phases[1]]:
            done(future.result())
        main = main_boot()
        boots = sorted(phases[2], key=lambda i: (i.name != main.name, -i.weight))
        pending = {pool.submit(i.run): i.name for i in boots}
        want_crash = crash_selected(patterns)
        if want_crash and not any(i.name == main.name for i in boots):
            pending[pool.submit(runner.list_crashtests, main)] = "crash-list"
        while pending:
            finished, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in finished:
                name = pending.pop(future)
                result = future.result()
                if name in (main.name, "crash-list") and want_crash:
                    for test, code in result.verdict.crashtests:
                        crash = "crash-" + test
                        if matches(crash, ["crash"], patterns):
                            order.append(crash)
                            pending[pool.submit(runner.run_crash, main, test, code)] = crash
                if name == "crash-list" and result.ok:
                    continue  # a helper boot: counted only when it fails
                if name == "crash-list":
                    order.append(name)
                done(result)
    return [results[n] for n in order if n in results]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Runs ntmini's tests: self-test, host tests, kernel boots.")
    parser.add_argument("--build", default="build", help="the build directory (BUILD_ROOT)")
    parser.add_argument("--only", action="append", default=[],
                        help="run only items whose name or group matches (wildcards, commas): "
                             "self, host, pvh, clang, bios, ovmf, iso, crash, gdb, ...")
    parser.add_argument("--list", action="store_true", help="print the plan and exit")
    parser.add_argument("--jobs", type=int, default=2, help="boots run in parallel (default 2)")
    options = parser.parse_args(argv)
    patterns = [p for text in options.only for p in re.split(r"[,\s]+", text) if p]
    build = os.path.abspath(options.build)
    if build.startswith(ROOT + os.sep):  # shorter commands in the report
        build = os.path.relpath(build, ROOT)
    os.chdir(ROOT)
    runner = Runner(build, max(1, options.jobs))
    items = [i for i in build_items(runner) if matches(i.name, i.groups, patterns)]

    if options.list:
        for item in items:
            print("%-20s %-22s %s" % (item.name, " ".join(item.groups), item.describe))
        if crash_selected(patterns):
            print("%-20s %-22s %s" % ("crash-*", "crash", "one boot per `# crashtest` line of the %s boot, "
                                      "with crash=suite.name" % testplan.MAIN_BOOT))
        return 0
    if not items and not crash_selected(patterns):
        print("ktest: --only %s matches nothing; --list shows the names" % ",".join(patterns), file=sys.stderr)
        return 2

    print("ktest: build %s, %d jobs, timeouts x%g" % (build, runner.jobs,
                                                       timeout_scale()), flush=True)
    if not any("host" in i.groups for i in items) and matches("host", ["host"], patterns):
        print("ktest: no host tests (tests/host/test_*.c)")
    results = run_items(runner, items, patterns, runner.jobs)
    failures = [r for r in results if not r.ok]
    for result in failures:
        print("\n".join(failure_report(result)))
    print("\nlogs: %s" % runner.logs)
    print(totals_line(results), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
