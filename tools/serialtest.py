#!/usr/bin/env python3
"""serialtest.py - the serial driver and the kernel shell, driven from the host.

    python3 tools/serialtest.py --build build [--timeout S]

Boots the kernel under QEMU with `shell` on its command line and COM1 on a
Unix socket this script holds (QEMU waits for the connection before it
starts the machine, so no output is lost). It waits for the `kd>` prompt,
types commands as a user would, one character stream per line, and judges
each answer. Every check is one KTAP case:

  prompt          the boot ends at `kd> `
  help .. irps    each command's answer looks right
  read            `read \\Device\\IoTestDisk 0 1` dumps 512 bytes
  read_missing    a device that does not exist: its NTSTATUS
  unknown         an unknown command: a usage line
  bad_argument    a bad argument: the command's usage line
  echo_long_line  a 200-character line: every byte echoed as typed, and
                  `echo` prints it back whole (the interrupt-driven receive
                  and transmit paths, end to end)
  test            `test serial` runs the driver's in-kernel tests: KTAP, passing
  poweroff        QEMU exits with status 33 (isa-debug-exit)

Log: BUILD/test-logs/serialtest-com1.log. Exit status 0 when every case passed.
"""
import argparse
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
STATUS_TESTS_DONE = 33  # HAL_EXIT_TESTS_DONE (0x10) << 1 | 1, kernel/hal/hal.h
PROMPT = "kd> "
SCALE = float(os.environ.get("KTEST_TIMEOUT_SCALE", "1"))


class Console:
    """COM1 as the host sees it: bytes out, and everything the kernel said."""

    def __init__(self, sock, log):
        self.sock = sock
        self.log = log
        self.text = ""
        self.mark = 0  # where the current command's answer begins

    def _receive(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready, _, _ = select.select([self.sock], [], [], remaining)
        if not ready:
            return False
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("QEMU closed the serial port")
        chunk = data.decode("latin-1").replace("\r", "")
        self.log.write(chunk)
        self.log.flush()
        self.text += chunk
        return True

    def wait_for(self, needle, timeout):
        """The text from the mark up to and including needle; None on timeout."""
        deadline = time.monotonic() + timeout * SCALE
        while True:
            at = self.text.find(needle, self.mark)
            if at >= 0:
                answer = self.text[self.mark:at + len(needle)]
                self.mark = at + len(needle)
                return answer
            if not self._receive(deadline):
                return None

    def type(self, line):
        self.sock.sendall((line + "\r").encode("latin-1"))

    def command(self, line, timeout=30):
        """Types line; returns what the kernel printed up to the next prompt."""
        self.type(line)
        answer = self.wait_for("\n" + PROMPT, timeout)
        return None if answer is None else answer[:-len(PROMPT)]


# ---- the cases: each returns a list of problems (empty: passed) -------------

def expect_all(answer, needles):
    if answer is None:
        return ["no prompt came back"]
    return ["missing %r" % needle for needle in needles if needle not in answer]


def case_help(con):
    names = ["help", "irql", "cpus", "dpcs", "pool", "devices", "irps", "read", "test", "bench", "poweroff"]
    return expect_all(con.command("help"), names)


def case_irql(con):
    return expect_all(con.command("irql"), ["irql: 0 (PASSIVE_LEVEL)"])


def case_cpus(con):
    return expect_all(con.command("cpus"), ["cpus: 2 running", "cpu 0: apic id", "cpu 1: apic id"])


def case_dpcs(con):
    return expect_all(con.command("dpcs"), ["cpu 0:", "cpu 1:", "normal", "threaded"])


def case_pool(con):
    answer = con.command("pool")
    problems = expect_all(answer, ["bytes in use"])
    if answer is not None and not re.search(r"pool: \d+ tags", answer):
        problems.append("no `pool: N tags` line")
    return problems


def case_devices(con):
    return expect_all(con.command("devices"), ["\\Device\\Serial0", "\\Device\\IoTestDisk", "\\Driver\\Serial"])


def case_irps(con):
    answer = con.command("irps")
    if answer is None or not re.search(r"irps: \d+ in flight", answer):
        return ["no `irps: N in flight` line"]
    return []


def case_read(con):
    answer = con.command("read \\Device\\IoTestDisk 0 1")
    if answer is None:
        return ["no prompt came back"]
    # hexdump's format: rows of 16 bytes; a `*` stands for rows equal to the
    # one before it; a last line gives the offset where the data ends.
    rows = re.findall(r"^([0-9a-f]{8})  ((?:[0-9a-f]{2} ){15}[0-9a-f]{2})", answer, re.M)
    starred = re.search(r"^\*$", answer, re.M) is not None
    if not rows or rows[0][0] != "00000000":
        return ["no hexdump row at offset 00000000"]
    if not starred and len(rows) != 32:
        return ["expected 32 hexdump rows of 16 bytes (or `*` for repeats), got %d" % len(rows)]
    if not re.search(r"^00000200$", answer, re.M):
        return ["no end offset 00000200 after the rows"]
    return []


def case_disks(con):
    return expect_all(con.command("disks"), ["\\Device\\Harddisk0\\DR0: QEMU HARDDISK", "64 MiB", "NCQ depth 32",
                                             "requests"])


def case_read_missing(con):
    return expect_all(con.command("read \\Device\\NoSuchDevice 0 1"), ["read: status 0xc0000034"])


def case_unknown(con):
    return expect_all(con.command("frobnicate now"), ['unknown command "frobnicate"', "usage:"])


def case_bad_argument(con):
    problems = expect_all(con.command("read \\Device\\IoTestDisk zero 1"), ["usage: read <device> <lba> <count>"])
    return problems + expect_all(con.command("irql extra"), ["usage: irql"])


def case_echo_long_line(con):
    text = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[i % 36] for i in range(200))
    answer = con.command("echo " + text)
    if answer is None:
        return ["no prompt came back"]
    lines = answer.split("\n")
    problems = []
    if lines[0] != "echo " + text:
        problems.append("the echo of the typed line differs (%d of %d bytes came back)"
                        % (len(lines[0]), len(text) + 5))
    if len(lines) < 2 or lines[1] != text:
        problems.append("`echo` printed something else than the line")
    return problems


def case_test(con):
    answer = con.command("test serial", timeout=60)
    return expect_all(answer, ["# Subtest: serial", "ok 1 serial", "# ktest: 1 suites, 0 failed",
                               "test: all suites passed"])


CASES = [
    ("help", case_help), ("irql", case_irql), ("cpus", case_cpus), ("dpcs", case_dpcs),
    ("pool", case_pool), ("devices", case_devices), ("irps", case_irps), ("read", case_read), ("disks", case_disks),
    ("read_missing", case_read_missing), ("unknown", case_unknown),
    ("bad_argument", case_bad_argument), ("echo_long_line", case_echo_long_line), ("test", case_test),
]


def start_qemu(kernel, socket_path):
    return subprocess.Popen([
        QEMU, "-M", "q35", "-m", "512M", "-smp", "2", "-display", "none", "-no-reboot",
        "-chardev", "socket,id=com1,path=%s,server=on,wait=on" % socket_path, "-serial", "chardev:com1",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        # a disk that needs no file (zeros; writes dropped), for `disks`
        "-blockdev", "driver=null-co,node-name=nulldisk,size=67108864,read-zeroes=on",
        "-device", "ide-hd,drive=nulldisk,bus=ide.0",
        "-kernel", kernel, "-append", "shell",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def connect(socket_path, qemu, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if qemu.poll() is not None:
            raise RuntimeError("QEMU exited: " + qemu.stderr.read().decode(errors="replace"))
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(socket_path)
            return sock
        except OSError:
            sock.close()
            time.sleep(0.05)
    raise RuntimeError("QEMU's serial socket never appeared")


class Report:
    def __init__(self, total):
        self.number = 0
        self.failed = 0
        print("KTAP version 1")
        print("1..%d" % total, flush=True)

    def case(self, name, problems):
        self.number += 1
        self.failed += bool(problems)
        print("%s %d %s" % ("not ok" if problems else "ok", self.number, name))
        for problem in problems:
            print("# " + problem)
        sys.stdout.flush()


def run(kernel, log_path, timeout):
    total = len(CASES) + 2  # prompt, the commands, poweroff
    report = Report(total)
    with tempfile.TemporaryDirectory() as scratch, open(log_path, "w") as log:
        socket_path = os.path.join(scratch, "com1")
        qemu = start_qemu(kernel, socket_path)
        try:
            con = Console(connect(socket_path, qemu), log)
            if con.wait_for(PROMPT, timeout) is None:
                report.case("prompt", ["no `kd>` prompt within %d s" % timeout])
                return report
            report.case("prompt", [])
            for name, function in CASES:
                report.case(name, function(con))
            con.type("poweroff")
            try:
                status = qemu.wait(timeout=30 * SCALE)
                report.case("poweroff", [] if status == STATUS_TESTS_DONE
                            else ["QEMU exited with status %d, not %d" % (status, STATUS_TESTS_DONE)])
            except subprocess.TimeoutExpired:
                report.case("poweroff", ["QEMU still runs 30 s after `poweroff`"])
        except (EOFError, RuntimeError, OSError) as error:
            report.case("error", [str(error)])
        finally:
            if qemu.poll() is None:
                qemu.kill()
                qemu.wait()
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--timeout", type=int, default=60, help="seconds to wait for the first prompt")
    options = parser.parse_args(argv)
    kernel = os.path.join(options.build, "kernel.elf")
    logs = os.path.join(options.build, "test-logs")
    os.makedirs(logs, exist_ok=True)
    log_path = os.path.join(logs, "serialtest-com1.log")
    if not os.path.exists(kernel):
        print("KTAP version 1\n1..1\nnot ok 1 prompt\n# %s is missing (make kernel)" % kernel)
        return 1
    report = run(kernel, log_path, options.timeout)
    print("# serialtest: %d cases, %d failed; log in %s" % (report.number, report.failed, log_path))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
