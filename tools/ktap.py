"""ktap.py - reading a test run's output and judging it.

Everything here is a pure function of (serial output, exit status), which is
what makes the runner testable: tools/test_ktest.py feeds it canned logs in
tests/runner/ and checks each verdict. tools/ktest.py does the running.
"""
import os
import re

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

STATUS_TRIPLE_FAULT = 0
STATUS_QEMU_ERROR = 1
STATUS_TESTS_DONE = 33  # HAL_EXIT_TESTS_DONE (0x10) << 1 | 1, see kernel/hal/hal.h
STATUS_BUGCHECK = 35    # HAL_EXIT_BUGCHECK
STATUS_WATCHDOG = 37    # HAL_EXIT_TEST_TIMEOUT

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
