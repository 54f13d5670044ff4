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

The judging lives in tools/ktap.py (pure functions, tested by
tools/test_ktest.py), the GDB test's helpers in tools/gdbtest.py, the boots
in tools/testplan.py; this file runs things and reports.
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
import subprocess
import sys
import time
import unittest

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
import testplan  # noqa: E402  (tools/ is on the path only from here on)
from ktap import (  # noqa: E402  the parser and the judges
    Case, Verdict, code_text, judge_boot, judge_crash, judge_host, tail)
from gdbtest import (  # noqa: E402
    GDB, GDB_TIMEOUT, free_port, gdb_command, header_constant, judge_gdb, wait_listening)

HOST_TIMEOUT = 60

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")


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
