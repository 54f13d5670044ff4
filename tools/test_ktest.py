"""test_ktest.py - the test runner's own tests.

A runner that cannot fail is worse than none, so tools/ktest.py runs these
first, in its own process, and counts them like any other test:

    python3 -m unittest tools/test_ktest.py     (or: python3 tools/ktest.py --only self)

The serial logs in tests/runner/ are canned runs, most of them real ones
(pass.log is a PVH boot, ovmf_ansi.log an OVMF boot with its escapes,
crash_expected.log a crash boot); the others were cut from them to show one
way of failing each. Each test says what QEMU's exit status was.
"""
import os
import sys
import unittest

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import ktest  # noqa: E402
import testplan  # noqa: E402

LOGS = os.path.join(os.path.dirname(TOOLS), "tests", "runner")


def canned(name):
    with open(os.path.join(LOGS, name), "rb") as log:
        return log.read().decode("utf-8", "replace")


class BootLogs(unittest.TestCase):
    """Each canned serial log is classified as it must be."""

    def test_passing_run(self):
        verdict = ktest.judge_boot(canned("pass.log"), 33)
        self.assertTrue(verdict.ok, verdict.problems)
        self.assertEqual((verdict.passed, verdict.failed, verdict.skipped), (6, 0, 0))
        self.assertIn("ke.symbol_lookup", [c.name for c in verdict.cases])

    def test_not_ok_fails_with_its_diagnostic(self):
        verdict = ktest.judge_boot(canned("not_ok.log"), 33)
        self.assertFalse(verdict.ok)
        self.assertEqual((verdict.passed, verdict.failed), (5, 1))
        failing = [c for c in verdict.cases if not c.ok]
        self.assertEqual(failing[0].name, "ke.symbol_lookup")
        self.assertIn("test_ke.c:41", failing[0].diagnostics[0])
        self.assertEqual(verdict.problems, [])  # the suite's `not ok` is explained by its case

    def test_bug_check_fails_and_names_the_code(self):
        verdict = ktest.judge_boot(canned("bugcheck.log"), 35)
        self.assertFalse(verdict.ok)
        self.assertEqual(verdict.stop.code, 0x1E)
        self.assertEqual(verdict.stop.name, "KMODE_EXCEPTION_NOT_HANDLED")
        self.assertEqual(len(verdict.problems), 1)
        self.assertIn("0x0000001E", verdict.problems[0])
        self.assertIn("suite 'ke', after case 'acpi_rsdp_copied'", verdict.problems[0])

    def test_stop_line_fails_even_without_status_35(self):
        self.assertFalse(ktest.judge_boot(canned("bugcheck.log"), 33).ok)

    def test_status_35_without_stop_line_fails(self):
        verdict = ktest.judge_boot(canned("pass.log"), 35)
        self.assertFalse(verdict.ok)
        self.assertIn("no `*** STOP:` line", verdict.problems[0])

    def test_truncated_run_fails(self):
        verdict = ktest.judge_boot(canned("truncated.log"), 33)
        self.assertFalse(verdict.ok)
        self.assertEqual(verdict.passed, 3)
        self.assertTrue(any("planned 5 results" in p and "has 3" in p for p in verdict.problems),
                        verdict.problems)

    def test_missing_plan_fails(self):
        verdict = ktest.judge_boot(canned("no_plan.log"), 33)
        self.assertFalse(verdict.ok)
        self.assertTrue(any("no KTAP plan line" in p for p in verdict.problems), verdict.problems)

    def test_triple_fault_fails(self):
        verdict = ktest.judge_boot(canned("triple_fault.log"), 0)
        self.assertFalse(verdict.ok)
        self.assertIn("triple fault", verdict.problems[0])
        self.assertIn("before the tests started", verdict.problems[0])

    def test_timeout_fails(self):
        verdict = ktest.judge_boot(canned("truncated.log"), None, timeout=120)
        self.assertFalse(verdict.ok)
        self.assertIn("timed out after 120 s", verdict.problems[0])
        self.assertEqual(len(verdict.problems), 1)  # not also "stops early"

    def test_qemu_start_error_fails(self):
        verdict = ktest.judge_boot("", 1, output="qemu-system-x86_64: -kernel x: No such file\n")
        self.assertFalse(verdict.ok)
        self.assertIn("QEMU could not start", verdict.problems[0])
        self.assertIn("No such file", verdict.problems[0])

    def test_watchdog_fails(self):
        self.assertIn("watchdog", ktest.judge_boot(canned("truncated.log"), 37).problems[0])

    def test_ovmf_escapes_are_ignored(self):
        verdict = ktest.judge_boot(canned("ovmf_ansi.log"), 33)
        self.assertTrue(verdict.ok, verdict.problems)
        self.assertEqual(verdict.passed, 6)

    def test_crashtest_listing(self):
        crashtests = ktest.judge_boot(canned("pass.log"), 33).crashtests
        self.assertIn(("ke_bugcheck.manual", 0xE2), crashtests)
        self.assertIn(("ke_bugcheck.general_protection", 0x1E), crashtests)


class CrashBoots(unittest.TestCase):
    """A boot with crash=suite.name passes only on status 35 with the right code."""

    def test_expected_bug_check_passes(self):
        verdict = ktest.judge_crash(canned("crash_expected.log"), 35, "crash.x", 0x1E)
        self.assertTrue(verdict.ok, verdict.problems)
        self.assertEqual(verdict.passed, 1)

    def test_wrong_code_fails(self):
        verdict = ktest.judge_crash(canned("crash_expected.log"), 35, "crash.x", 0xE2)
        self.assertFalse(verdict.ok)
        self.assertIn("0x000000E2", verdict.problems[0])
        self.assertIn("0x0000001E", verdict.problems[0])

    def test_returning_test_fails(self):
        verdict = ktest.judge_crash(canned("crash_returned.log"), 33, "crash.x", 0xE2)
        self.assertFalse(verdict.ok)
        self.assertIn("status 33", verdict.problems[0])
        self.assertIn("the test returned", verdict.problems[0])

    def test_stop_line_with_other_status_fails(self):
        self.assertFalse(ktest.judge_crash(canned("crash_expected.log"), 0, "crash.x", 0x1E).ok)
        self.assertFalse(ktest.judge_crash(canned("crash_expected.log"), None, "crash.x", 0x1E).ok)


class Ktap(unittest.TestCase):
    """KTAP details the canned logs do not show."""

    def test_skip_is_counted_apart(self):
        verdict = ktest.judge_boot("KTAP version 1\n1..2\nok 1 a\nok 2 b # SKIP no disk\n", 33)
        self.assertEqual((verdict.passed, verdict.failed, verdict.skipped), (1, 0, 1))

    def test_flat_host_output(self):
        text = "KTAP version 1\n1..2\n# test.c:3: expected 1 == 2\nnot ok 1 one\nok 2 two\n# t: 2 tests\n"
        verdict = ktest.judge_host(text, 1)
        self.assertEqual((verdict.passed, verdict.failed), (1, 1))
        self.assertEqual(verdict.cases[0].diagnostics, ["test.c:3: expected 1 == 2"])

    def test_host_crash_without_failing_case_fails(self):
        verdict = ktest.judge_host("KTAP version 1\n1..1\nok 1 one\n", 1)
        self.assertFalse(verdict.ok)
        self.assertFalse(ktest.judge_host("KTAP version 1\n1..1\nok 1 one\n", -11).ok)

    def test_suite_not_ok_without_failing_case_fails(self):
        text = "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 a\nnot ok 1 s\n"
        self.assertFalse(ktest.judge_boot(text, 33).ok)

    def test_no_output_at_all(self):
        verdict = ktest.judge_boot("", 33)
        self.assertFalse(verdict.ok)
        self.assertIn("no KTAP output", verdict.problems[0])

    def test_two_suites(self):
        text = ("KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: a\n    1..1\n    ok 1 x\nok 1 a\n"
                "    KTAP version 1\n    # Subtest: b\n    1..2\n    ok 1 y\n    not ok 2 z\nnot ok 2 b\n")
        verdict = ktest.judge_boot(text, 33)
        self.assertEqual([c.name for c in verdict.cases], ["a.x", "b.y", "b.z"])
        self.assertEqual((verdict.passed, verdict.failed), (2, 1))


class Plan(unittest.TestCase):
    """The boot plan and the pieces around it."""

    def test_table_is_sane(self):
        names = [b.name for b in testplan.BOOTS]
        self.assertEqual(len(names), len(set(names)))
        self.assertIn(testplan.MAIN_BOOT, names)
        for boot in testplan.BOOTS:
            self.assertIn(boot.load, ("pvh", "cdrom", "esp"), boot.name)
            self.assertIn(boot.firmware, testplan.TIMEOUTS, boot.name)
            self.assertIn(boot.machine, ("q35", "pc"), boot.name)

    def test_qemu_command(self):
        boots = {b.name: b for b in testplan.BOOTS}
        pvh = ktest.qemu_command(boots["pvh"], "/b", "/b/log")
        for word in ("-no-reboot", "-nodefaults", "isa-debug-exit,iobase=0xf4,iosize=0x04", "file:/b/log"):
            self.assertIn(word, pvh)
        self.assertEqual(pvh[pvh.index("-append") + 1], "test=all")
        crash = ktest.qemu_command(boots["pvh"], "/b", "/b/log", args="crash=a.b test=crash")
        self.assertEqual(crash[crash.index("-append") + 1], "crash=a.b test=crash")
        ovmf = ktest.qemu_command(boots["ovmf"], "/b", "/b/log", vars_copy="/b/v.fd")
        self.assertIn("if=pflash,format=raw,unit=1,file=/b/v.fd", ovmf)
        self.assertIn("-cdrom", ovmf)

    def test_only_patterns(self):
        self.assertTrue(ktest.matches("pvh-pc", ["pvh", "kernel"], ["pvh"]))
        self.assertTrue(ktest.matches("host-test_string", ["host"], ["host-*"]))
        self.assertFalse(ktest.matches("ovmf", ["iso"], ["pvh", "host"]))
        self.assertTrue(ktest.crash_selected(["crash"]))
        self.assertFalse(ktest.crash_selected(["pvh"]))

    def test_totals_line(self):
        result = ktest.Result("x", ktest.judge_boot("KTAP version 1\n1..2\nok 1 a\nok 2 b # SKIP\n", 33))
        self.assertEqual(ktest.totals_line([result]), "1 passed, 0 failed, 1 skipped")
        self.assertRegex(ktest.totals_line([]), r"^0 passed, 0 failed$")


class EndToEnd(unittest.TestCase):
    def test_missing_kernel_is_a_failure_and_one_totals_line_ends_the_output(self):
        import contextlib
        import io
        import re
        import tempfile
        with tempfile.TemporaryDirectory() as build:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = ktest.main(["--build", build, "--only", "clang"])
        lines = out.getvalue().splitlines()
        self.assertEqual(status, 1)
        self.assertTrue(any("clang/kernel.elf is missing" in line for line in lines))
        totals = [line for line in lines if re.fullmatch(r"\d+ passed, \d+ failed(, \d+ skipped)?", line)]
        self.assertEqual(totals, ["0 passed, 1 failed"])
        self.assertEqual(lines[-1], totals[0])


class Gdb(unittest.TestCase):
    def test_transcript(self):
        transcript = ("ntmini: GDB helpers loaded: kinfo\nBreakpoint 1, KtRunFromCommandLine () at x.c:1\n"
                      "@@loader\n$1 = 3\n@@cmdline\ntest=- ktest-gdb=42\n@@kinfo\nboot\n  loader  3 (PVH)\n"
                      "  command line \"test=- ktest-gdb=42\"\n  usable in total: 511 MiB\n"
                      "@@irql\nIRQL 0 (PASSIVE_LEVEL)\n@@idt\n0x2F   2    dispatch  KiDispatchInterrupt\n"
                      "0xD1   13   clock     HalpClockInterrupt\n@@clock\n  interrupt time 0\n  TSC 2.3 GHz\n"
                      "@@devobj\n0x1  \\Device\\IoTestDisk  StackSize 1\n0x2  (unnamed)  StackSize 3\n"
                      "@@drvobj\n0x3  \\Driver\\IoTestUpperFilter  1 device(s)\n@@irps\nno IRPs in flight\n"
                      "@@pcr\nprocessor 0: KPRCB 0x1, APIC ID 0\n  DPCs run  3\n"
                      "@@dpcs\nprocessor 0: 0 DPC(s) queued\n"
                      "@@pci\n00:1f.2 8086:2922 class 01.06.01\n    INTx: line 10\n"
                      "@@ahci\ndisk 0 (\\Device\\Harddisk0\\DR0): port 0, QEMU HARDDISK\n"
                      "    registers: PxCI []\n    counters: Requests 0\n@@end\n")
        self.assertTrue(ktest.judge_gdb(transcript, "ktest-gdb=42", 3).ok)
        broken = transcript.replace("$1 = 3", "$1 = 1")
        self.assertEqual(ktest.judge_gdb(broken, "ktest-gdb=42", 3).failed, 1)
        no_clock = transcript.replace("HalpClockInterrupt", "-").replace("0xD1", "0xD2")
        self.assertEqual(ktest.judge_gdb(no_clock, "ktest-gdb=42", 3).failed, 1)
        no_disk = transcript.replace("QEMU HARDDISK", "no disks")
        self.assertEqual(ktest.judge_gdb(no_disk, "ktest-gdb=42", 3).failed, 1)
        self.assertEqual(ktest.judge_gdb("", "ktest-gdb=42", 3).passed, 0)


if __name__ == "__main__":
    unittest.main()
