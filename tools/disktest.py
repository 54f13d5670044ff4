#!/usr/bin/env python3
"""disktest.py - the AHCI disk driver's tests, with real disk images, as KTAP.

    python3 tools/disktest.py --build build [--only NAME] [--jobs N] [--keep] [--list]

The kernel's disk suites (tests/kernel/test_disk*.c) need a disk that holds
a known pattern, and some need QEMU to break the disk on purpose. This
script makes the images, boots the kernel on each configuration of the
matrix below (QEMU -kernel, the PVH entry), judges each boot as the runner
does (tools/ktap.py: a bug check, a hang, a missing plan are failures), and
after a boot that wrote to its disks checks the image files on the host.

The pattern (lib/rtl_pattern.c, and pattern_bytes below): word W of disk N
is SplitMix64(SEED + N ^ W), little-endian. The kernel is told the seed and
the disks' sizes and ports on its command line (disk_helpers.h):

    disktest.seed=S disktest.sectors=A[,B] disktest.ports=P[,Q]

Every write the kernel keeps on a disk it announces in its log as
`# disktest-wrote disk=N offset=0x.. length=0x.. seed=0x..`; after QEMU has
exited, the image must hold the original pattern everywhere except in those
regions, which must hold theirs. That is the `host_image` case of a boot.

Fault injection uses QEMU's blkdebug driver under the raw format node
(docs/testing.md, "The disk tests"), and the kernel is told the sector and
the kind (disktest.fault=once|always, disktest.fault_op=read|write).

Images and blkdebug configurations live in BUILD/disktest/ (the pattern
images are made once and copied for each boot); logs in
BUILD/test-logs/disk-NAME.log. A failing boot's images are kept, a passing
one's deleted (--keep keeps them all). Exit status 0 when everything passed.
"""
import argparse
import collections
import concurrent.futures
import functools
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, TOOLS)
from ktap import Case, judge_boot  # noqa: E402

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
MEMORY = "512M"
SEED = 0x5EED0000D15C
MIB = 1 << 20
SECTOR = 512
DEFAULT_TIMEOUT = 150  # seconds per boot; a good one takes 2-10 s on TCG
SCALE = float(os.environ.get("KTEST_TIMEOUT_SCALE", "1"))

# ---------------------------------------------------------------------------
# The pattern: the same function as lib/rtl_pattern.c
# ---------------------------------------------------------------------------

MASK = (1 << 64) - 1

# The same table is in tests/host/test_pattern.c: change both or neither.
KNOWN_WORDS = [
    (0x0, 0x0, 0xe220a8397b1dcdaf),
    (0x0, 0x1, 0x910a2dec89025cc1),
    (0x1, 0x0, 0x910a2dec89025cc1),
    (0x5eed, 0x0, 0x09f1fd9d03f0a9b4),
    (0x5eed, 0x3039, 0xcc958da87bf5d17b),
    (0xdeadbeefcafef00d, 0x7fffff, 0x6058d048ef44b159),
]


def pattern_word(seed, word):
    """SplitMix64(seed ^ word), as RtlPatternWord."""
    x = ((seed ^ word) + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def pattern_bytes(seed, offset, length):
    """The pattern's bytes [offset, offset + length), as RtlFillPattern."""
    first, last = offset // 8, (offset + length + 7) // 8
    words = [pattern_word(seed, w) for w in range(first, last)]
    data = struct.pack("<%dQ" % len(words), *words)
    skip = offset - first * 8
    return data[skip:skip + length]


def check_known_words():
    """Problems, if this file's pattern differs from the C one's known values."""
    problems = []
    for seed, word, value in KNOWN_WORDS:
        if pattern_word(seed, word) != value:
            problems.append("pattern_word(0x%x, 0x%x) = 0x%016x, expected 0x%016x"
                            % (seed, word, pattern_word(seed, word), value))
    if pattern_bytes(0x5eed, 0x3039 * 8 + 1, 1) != b"\xd1":  # as test_pattern.c's bytes test
        problems.append("pattern_bytes is not little-endian words")
    return problems


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------

# One disk: the port (bus) it is on, its size, and blkdebug's rule, if any.
Disk = collections.namedtuple("Disk", "port mib fault", defaults=(64, None))
# A fault: blkdebug's event (read_aio, write_aio), the sector, once or always.
Fault = collections.namedtuple("Fault", "event sector once")
# One boot. verify: check the images on the host afterwards (not after write
# faults: what a failed write leaves on the disk is undefined).
Config = collections.namedtuple("Config", "name machine smp tests args disks verify")

READ_BAD = 20011   # in the read-only area [0, 32 MiB) (disk_helpers.h)
WRITE_BAD = 81997  # at 40 MiB: in the gap the write tests leave between 40 and 44 MiB

MATRIX = [
    Config("q35-smp1-msi", "q35", 1, "disk", "", [Disk(0)], True),
    Config("q35-smp4-msi", "q35", 4, "disk", "", [Disk(0)], True),
    Config("q35-smp4-intx", "q35", 4, "disk", "ahci.msi=0", [Disk(0)], True),
    Config("q35-smp1-noncq", "q35", 1, "disk", "ahci.ncq=0", [Disk(0)], True),
    Config("q35-smp4-small-pieces", "q35", 4, "disk", "ahci.max_piece=61440", [Disk(0)], True),
    Config("pc-smp1-ahci", "pc", 1, "disk", "", [Disk(0)], True),
    Config("pc-smp1-ahci-intx", "pc", 1, "disk", "ahci.msi=0", [Disk(0)], True),
    Config("q35-smp2-two-disks", "q35", 2, "disk", "", [Disk(0), Disk(3, 32)], True),
    Config("fault-read-once", "q35", 1, "disk_faults",
           "disktest.fault=once disktest.fault_op=read disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, True))], True),
    Config("fault-read-always", "q35", 1, "disk_faults",
           "disktest.fault=always disktest.fault_op=read disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, False))], True),
    Config("fault-write-once", "q35", 1, "disk_faults",
           "disktest.fault=once disktest.fault_op=write disktest.bad_sector=%d" % WRITE_BAD,
           [Disk(0, 64, Fault("write_aio", WRITE_BAD, True))], False),
    Config("fault-write-always", "q35", 1, "disk_faults",
           "disktest.fault=always disktest.fault_op=write disktest.bad_sector=%d" % WRITE_BAD,
           [Disk(0, 64, Fault("write_aio", WRITE_BAD, False))], False),
    Config("fault-read-always-noncq", "q35", 1, "disk_faults",
           "ahci.ncq=0 disktest.fault=always disktest.fault_op=read disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, False))], True),
    Config("fault-read-once-ncq-load", "q35", 4, "disk_faults",
           "disktest.fault=once disktest.fault_op=read disktest.fault_load=1 disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, True))], True),
    Config("fault-read-always-ncq-load", "q35", 4, "disk_faults",
           "disktest.fault=always disktest.fault_op=read disktest.fault_load=1 disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, False))], True),
    # split requests (4 KiB pieces) caught in errors under load: suspects run alone piece by piece
    Config("fault-read-always-ncq-load-pieces", "q35", 4, "disk_faults",
           "ahci.max_piece=4096 disktest.fault=always disktest.fault_op=read disktest.fault_load=1 "
           "disktest.bad_sector=%d" % READ_BAD,
           [Disk(0, 64, Fault("read_aio", READ_BAD, False))], True),
    Config("lost-interrupts", "q35", 1, "disk_timeout", "ahci.lose=3 ahci.timeout_ms=500", [Disk(0)], True),
    Config("lost-interrupts-smp4", "q35", 4, "disk_timeout", "ahci.lose=3 ahci.timeout_ms=500", [Disk(0)], True),
]


def kernel_args(config):
    sectors = ",".join(str(d.mib * MIB // SECTOR) for d in config.disks)
    ports = ",".join(str(d.port) for d in config.disks)
    words = ["test=" + config.tests, "quiet", "disktest.seed=0x%x" % SEED,
             "disktest.sectors=" + sectors, "disktest.ports=" + ports]
    return " ".join(words + config.args.split())


def blkdebug_config(fault):
    lines = ["[inject-error]", 'event = "%s"' % fault.event, 'errno = "5"', 'sector = "%d"' % fault.sector]
    if fault.once:
        lines.append('once = "on"')
    return "\n".join(lines) + "\n"


def blkdebug_path(config, index, scratch):
    return os.path.join(scratch, "%s-d%d-blkdebug.conf" % (config.name, index))


def write_blkdebug_configs(config, scratch):
    for index, disk in enumerate(config.disks):
        if disk.fault:
            with open(blkdebug_path(config, index, scratch), "w") as f:
                f.write(blkdebug_config(disk.fault))


def disk_arguments(config, index, disk, image, scratch):
    """QEMU's arguments for one disk: file node, blkdebug (if any), raw, and the ide-hd."""
    file_node, raw_node = "f%d" % index, "d%d" % index
    args = ["-blockdev", "driver=file,filename=%s,node-name=%s" % (image, file_node)]
    below = file_node
    if disk.fault:
        conf = blkdebug_path(config, index, scratch)
        args += ["-blockdev", "driver=blkdebug,image=%s,config=%s,node-name=dbg%d" % (file_node, conf, index)]
        below = "dbg%d" % index
    args += ["-blockdev", "driver=raw,file=%s,node-name=%s" % (below, raw_node)]
    bus = "ahci.%d" % disk.port if config.machine == "pc" else "ide.%d" % disk.port
    args += ["-device", "ide-hd,drive=%s,bus=%s,rerror=report,werror=report" % (raw_node, bus)]
    return args


def qemu_command(config, build, log, images, scratch):
    command = [QEMU, "-M", config.machine, "-m", MEMORY, "-smp", str(config.smp), "-nodefaults",
               "-display", "none", "-no-reboot", "-serial", "file:" + log,
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-kernel", os.path.join(build, "kernel.elf"), "-append", kernel_args(config)]
    if config.machine == "pc":  # no AHCI built in: add one
        command += ["-device", "ahci,id=ahci"]
    for index, (disk, image) in enumerate(zip(config.disks, images)):
        command += disk_arguments(config, index, disk, image, scratch)
    return command


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------

def master_image(scratch, seed, mib):
    """The pattern image for (seed, size), made once and kept in scratch."""
    path = os.path.join(scratch, "pattern-%x-%dM.img" % (seed, mib))
    if os.path.exists(path) and os.path.getsize(path) == mib * MIB:
        return path
    temporary = path + ".tmp%d" % os.getpid()
    with open(temporary, "wb") as f:
        for chunk in range(mib):
            f.write(pattern_bytes(seed, chunk * MIB, MIB))
    os.replace(temporary, path)
    return path


@functools.lru_cache(maxsize=64)
def cached_pattern(seed, offset, length):
    return pattern_bytes(seed, offset, length)


WROTE_RE = re.compile(r"disktest-wrote disk=(\d+) offset=0x([0-9a-f]+) length=0x([0-9a-f]+) seed=0x([0-9a-f]+)")


def announced_writes(text):
    """(disk, offset, length, seed) for each disktest-wrote line, in order."""
    return [(int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16), int(m.group(4), 16))
            for m in WROTE_RE.finditer(text)]


def check_image(image, master, regions):
    """Problems: where image differs from master with regions [(offset, length, seed)]
    laid over it, later regions over earlier ones."""
    size = os.path.getsize(master)
    if os.path.getsize(image) != size:
        return ["%s: size %d, expected %d" % (image, os.path.getsize(image), size)]
    with open(image, "rb") as got, open(master, "rb") as original:
        for chunk in range(0, size, MIB):
            data, expected = got.read(MIB), bytearray(original.read(MIB))
            for offset, length, seed in regions:
                start, end = max(offset, chunk), min(offset + length, chunk + MIB)
                if start < end:
                    expected[start - chunk:end - chunk] = cached_region(seed, offset, length, start, end)
            if data != expected:
                at = next(i for i in range(len(data)) if data[i] != expected[i])
                where = [r for r in regions if r[0] <= chunk + at < r[0] + r[1]]
                owner = "region written with seed 0x%x" % where[-1][2] if where else "the original pattern"
                return ["%s: byte 0x%x is 0x%02x, expected 0x%02x (%s)"
                        % (os.path.basename(image), chunk + at, data[at], expected[at], owner)]
    return []


def cached_region(seed, offset, length, start, end):
    """Bytes [start, end) of a region's pattern, the region computed once."""
    data = cached_pattern(seed, offset, length)
    return data[start - offset:end - offset]


def self_test():
    """Problems, if this script's own checks are wrong: the pattern against the
    C side's known values, the parsing of the kernel's lines, and check_image
    on a small image it must accept and three it must refuse."""
    problems = check_known_words()
    line = "        # disktest-wrote disk=1 offset=0x100200 length=0x400 seed=0x9"
    if announced_writes(line) != [(1, 0x100200, 0x400, 0x9)]:
        problems.append("announced_writes does not read %r" % line.strip())
    with tempfile.TemporaryDirectory(prefix="disktest-") as scratch:
        master = master_image(scratch, 7, 2)
        image = os.path.join(scratch, "image.img")
        region = (0x100200, 0x400, 9)

        def expect(changes, regions, good):
            shutil.copyfile(master, image)
            with open(image, "r+b") as f:
                for offset, data in changes:
                    f.seek(offset)
                    f.write(data)
            if bool(check_image(image, master, regions)) == good:
                problems.append("check_image %s an image it should %s" % (
                    "refuses" if good else "accepts", "accept" if good else "refuse"))

        written = [(region[0], pattern_bytes(9, region[0], region[1]))]
        expect(written, [region], True)
        expect(written + [(2 * MIB - 1, b"\0")], [region], False)   # a byte changed elsewhere
        expect(written, [], False)                                 # a write not announced
        expect([], [region], False)                                # an announced write missing
    return problems


# ---------------------------------------------------------------------------
# Running one configuration
# ---------------------------------------------------------------------------

class Outcome:
    def __init__(self, config):
        self.config = config
        self.cases = []     # ktap.Case, the kernel's and the host's
        self.notes = []     # diagnostics for the whole boot
        self.seconds = 0.0

    @property
    def ok(self):
        return all(c.ok for c in self.cases) and bool(self.cases)


def run_config(config, options, masters):
    outcome = Outcome(config)
    start = time.monotonic()
    logs = os.path.join(options.build, "test-logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, "disk-%s.log" % config.name)
    for old in (log, log[:-len(".log")] + ".FAILED.log"):
        if os.path.exists(old):
            os.remove(old)
    images = []
    for index, disk in enumerate(config.disks):
        image = os.path.join(options.scratch, "%s-d%d.img" % (config.name, index))
        shutil.copyfile(masters[(SEED + index, disk.mib)], image)
        images.append(image)
    write_blkdebug_configs(config, options.scratch)
    command = qemu_command(config, options.build, log, images, options.scratch)
    open(log, "w").close()
    timeout = options.timeout * SCALE
    try:
        process = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=timeout)
        status, output = process.returncode, process.stdout
    except subprocess.TimeoutExpired as expired:  # run() has killed QEMU, our child
        status, output = None, expired.output or b""
    with open(log, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    verdict = judge_boot(text, status, timeout, output.decode("utf-8", "replace"))
    outcome.cases = list(verdict.cases)
    outcome.cases.append(Case("boot", not verdict.problems, diagnostics=verdict.problems))
    if config.verify:
        outcome.cases.append(host_case(config, images, masters, text, status))
    outcome.seconds = time.monotonic() - start
    if not outcome.ok:
        failed = log[:-len(".log")] + ".FAILED.log"
        os.replace(log, failed)
        outcome.notes.append("log: " + failed)
        outcome.notes.append("run it by hand: " + " ".join(shlex.quote(w) for w in command))
    elif not options.keep:
        for image in images:
            os.remove(image)
    return outcome


def host_case(config, images, masters, text, status):
    """The images hold the pattern, with what the kernel said it wrote laid over it."""
    if status is None:
        return Case("host_image", False, diagnostics=["QEMU did not exit: the images are not checked"])
    writes = announced_writes(text)
    problems = []
    if not writes:
        problems.append("the kernel announced no writes (no `disktest-wrote` lines): did the suite run?")
    for index, (disk, image) in enumerate(zip(config.disks, images)):
        regions = [(o, n, s) for d, o, n, s in writes if d == index]
        problems += check_image(image, masters[(SEED + index, disk.mib)], regions)
    return Case("host_image", not problems, diagnostics=problems)


# ---------------------------------------------------------------------------
# KTAP
# ---------------------------------------------------------------------------

def print_outcome(number, outcome):
    print("    KTAP version 1")
    print("    # Subtest: %s" % outcome.config.name)
    print("    1..%d" % len(outcome.cases))
    for i, case in enumerate(outcome.cases, 1):
        for line in case.diagnostics[:20]:
            print("    # " + line)
        name = case.name.replace(" ", "_")
        if case.skipped:
            print("    ok %d %s # SKIP" % (i, name))
        else:
            print("    %s %d %s" % ("ok" if case.ok else "not ok", i, name))
    for note in outcome.notes:
        print("# " + note)
    print("%s %d %s # %.0f s" % ("ok" if outcome.ok else "not ok", number, outcome.config.name, outcome.seconds),
          flush=True)


def missing_inputs(build):
    missing = []
    if not os.path.exists(os.path.join(build, "kernel.elf")):
        missing.append(os.path.join(build, "kernel.elf") + " (make kernel)")
    if shutil.which(QEMU) is None:
        missing.append(QEMU + " (tools/setup.sh installs it)")
    return missing


def main(argv=None):
    parser = argparse.ArgumentParser(description="AHCI disk tests on real images (KTAP output).")
    parser.add_argument("--build", default="build", help="the build directory (holds kernel.elf)")
    parser.add_argument("--only", action="append", default=[], help="configurations whose name contains this")
    parser.add_argument("--jobs", type=int, default=2, help="boots at once (default 2)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per boot")
    parser.add_argument("--keep", action="store_true", help="keep every boot's images")
    parser.add_argument("--list", action="store_true", help="print each configuration's QEMU command")
    options = parser.parse_args(argv)
    options.build = os.path.abspath(options.build)
    options.scratch = os.path.join(options.build, "disktest")
    configs = [c for c in MATRIX if not options.only or any(o in c.name for o in options.only)]
    if options.list:
        for config in configs:
            images = [os.path.join(options.scratch, "%s-d%d.img" % (config.name, i)) for i in range(len(config.disks))]
            print("%s:\n  %s" % (config.name, " ".join(shlex.quote(w) for w in qemu_command(
                config, options.build, "LOG", images, options.scratch))))
            for index, disk in enumerate(config.disks):
                if disk.fault:
                    print("  where %s holds:\n    %s" % (blkdebug_path(config, index, options.scratch),
                                                        blkdebug_config(disk.fault).strip().replace("\n", "\n    ")))
        return 0

    start = time.monotonic()
    print("KTAP version 1")
    print("1..%d" % (len(configs) + 1))
    problems = self_test()
    for line in problems:
        print("# " + line)
    print("%s 1 self_test # the pattern matches lib/rtl_pattern.c's; the image check works"
          % ("not ok" if problems else "ok"), flush=True)
    missing = missing_inputs(options.build)
    if missing:
        print("# missing: " + ", ".join(missing))
        for number, config in enumerate(configs, 2):
            print("not ok %d %s" % (number, config.name))
        return 1
    os.makedirs(options.scratch, exist_ok=True)
    masters = {}
    for config in configs:
        for index, disk in enumerate(config.disks):
            key = (SEED + index, disk.mib)
            if key not in masters:
                masters[key] = master_image(options.scratch, *key)
    failed = bool(problems)
    lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = [pool.submit(run_config, c, options, masters) for c in configs]
        for number, future in enumerate(futures, 2):
            try:
                outcome = future.result()
            except Exception as error:  # a bug here must show as a failure, not a traceback
                outcome = Outcome(configs[number - 2])
                outcome.notes.append("disktest.py raised %s: %s" % (type(error).__name__, error))
            with lock:
                print_outcome(number, outcome)
            failed |= not outcome.ok
    print("# disktest: %d configurations in %.0f s; logs in %s" % (len(configs), time.monotonic() - start,
                                                                   os.path.join(options.build, "test-logs")))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
