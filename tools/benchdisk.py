#!/usr/bin/env python3
"""benchdisk.py - the disk workloads of `make bench`, and their comparison with Linux.

    benchdisk.py run     --kernel K --image IMG --log LOG [--bench PATTERN] [--options "..."]
    benchdisk.py icount  --kernel K --image IMG --logs DIR --plugin SO [--options "..."]
    benchdisk.py compare --kernel K --image IMG --logs DIR --plugin SO --peer RUN

run      boots the kernel with IMG as a disk (the machine below) and `bench=PATTERN`
         (default `disk`: every disk workload), prints its `bench ...` lines.
icount   guest instructions per 4 KiB read at QD1, as linux-peer measures Linux's:
         two boots doing 2048 and 6144 reads (`bench=rand-read-4k-qd1 bench.ios=N`)
         under the icount TCG plugin, one CPU; the difference of the kernel
         instruction counts divided by 4096. Boot and shutdown cancel out.
         Three such pairs; the median is printed.
compare  run and icount on a copy of IMG, then linux-peer (ICOUNT=1) on another
         copy of the same bytes, back to back; prints both sides and a table.

The machine is linux-peer's: q35, 512 MiB, 2 CPUs (1 for icount), the disk on
the q35 AHCI controller (`-device ide-hd,bus=ide.0`), raw, cache=none,aio=threads.
A boot that prints no result, or an error line, makes the exit status 1 and
names its serial log.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
IOS_SHORT, IOS_LONG = 2048, 6144  # linux-peer's --io_size 8m and 24m of 4 KiB reads
ICOUNT_PAIRS = 3
RESULT = re.compile(r"^bench (\S+) (\w+)=(\S+)$")

# Workload, metric, how many times Linux's figure is the target.
TARGETS = [
    ("seq-read-128k-qd32", "MBps", 1),
    ("rand-read-4k-qd32", "IOPS", 2),
    ("rand-read-4k-qd1", "IOPS", 2),
    ("seq-write-128k-qd32", "MBps", 1),
]
ICOUNT_NAME = "insns-per-4k-read-qd1"
ICOUNT_TARGET = 3000  # ours, instructions per read, at most


class BenchError(Exception):
    pass


def qemu_command(kernel, image, append, smp=2, extra=()):
    return [QEMU, "-M", "q35", "-m", "512M", "-smp", str(smp), "-display", "none", "-no-reboot",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-drive", "id=d0,file=%s,format=raw,if=none,cache=none,aio=threads" % image,
            "-device", "ide-hd,drive=d0,bus=ide.0", *extra,
            "-kernel", kernel, "-append", append]


def boot(command, log, timeout):
    """Runs QEMU; the serial output (and QEMU's stderr) goes to log. Returns the text."""
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        text = done.stdout.decode("latin-1")
    except subprocess.TimeoutExpired as expired:
        text = (expired.stdout or b"").decode("latin-1") + "\nbenchdisk: QEMU killed after %d s\n" % timeout
    text = text.replace("\r", "")
    with open(log, "w") as f:
        f.write(" ".join(command) + "\n" + text)
    return text


def results(text):
    """{workload: (metric, value)} from the `bench` lines."""
    found = {}
    for line in text.splitlines():
        m = RESULT.match(line)
        if m:
            found[m.group(1)] = (m.group(2), m.group(3))
    return found


def run(args):
    """Boots once with bench=args.bench; prints and returns the results. An
    error line goes on args.problems (the exit status), no line at all raises."""
    append = " ".join(["quiet", "bench=%s" % args.bench] + args.options)
    text = boot(qemu_command(args.kernel, args.image, append), args.log, args.timeout)
    lines = [line for line in text.splitlines() if line.startswith("bench ")]
    for line in lines:
        print(line)
    if not lines:
        raise BenchError("bench: the disk boot printed no result; see %s" % args.log)
    found = results(text)
    if any(metric == "error" for metric, _ in found.values()):
        args.problems.append("bench: a disk workload failed; see %s" % args.log)
    return found


def icount_boot(args, ios, log):
    append = " ".join(["quiet", "bench=rand-read-4k-qd1", "bench.ios=%d" % ios] + args.options)
    extra = ["-accel", "tcg,thread=single", "-plugin", args.plugin, "-d", "plugin"]
    text = boot(qemu_command(args.kernel, args.image, append, smp=1, extra=extra), log, args.timeout)
    m = re.search(r"icount: kernel=(\d+)", text)
    if not m or "bench rand-read-4k-qd1 IOPS=" not in text:
        raise BenchError("bench: the icount boot (%d reads) gave no count; see %s" % (ios, log))
    return int(m.group(1))


def icount(args):
    """The median of ICOUNT_PAIRS differences: a boot's own count wanders by a
    few million instructions (its polling loops wait for wall-clock time),
    which one pair would put into the figure."""
    per_io = []
    for pair in range(ICOUNT_PAIRS):
        counts = [icount_boot(args, ios, os.path.join(args.logs, "icount-%d-%d.log" % (ios, pair)))
                  for ios in (IOS_SHORT, IOS_LONG)]
        per_io.append((counts[1] - counts[0]) // (IOS_LONG - IOS_SHORT))
    median = sorted(per_io)[len(per_io) // 2]
    print("bench %s kernel_insns=%d" % (ICOUNT_NAME, median))
    print("  (pairs: %s)" % " ".join(str(n) for n in per_io))
    return median


def run_peer(args, image):
    """linux-peer with ICOUNT=1; its output is also kept in the logs."""
    log = os.path.join(args.logs, "linux-peer.log")
    env = dict(os.environ, ICOUNT="1")
    try:
        done = subprocess.run([args.peer, image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              timeout=args.timeout * 3)
        text = done.stdout.decode("latin-1")
    except subprocess.TimeoutExpired as expired:
        text = (expired.stdout or b"").decode("latin-1")
    with open(log, "w") as f:
        f.write(text)
    for line in text.splitlines():
        if line.startswith("bench "):
            print("linux: " + line)
    found = results(text)
    if not found:
        raise BenchError("bench: linux-peer printed no result; see %s" % log)
    return found


def number(pair):
    try:
        return float(pair[1]) if pair and pair[0] != "error" else None
    except ValueError:
        return None


def row(name, ours, linux, target, met):
    return "%-22s %14s %14s %7s  %-16s %s" % (name, ours, linux, target[0], target[1], met)


def table(ours, linux, our_insns):
    lines = [row("workload", "ours", "Linux", ("ratio", "target"), "result")]
    for name, metric, factor in TARGETS:
        a, b = number(ours.get(name)), number(linux.get(name))
        ratio = "%.2fx" % (a / b) if a is not None and b else "-"
        verdict = "-" if a is None or b is None else ("met" if a >= factor * b else "not met")
        lines.append(row(name, "%s=%s" % ours.get(name, ("?", "?")), "%s=%s" % linux.get(name, ("?", "?")),
                         (ratio, ">= %dx Linux" % factor), verdict))
    b = number(linux.get(ICOUNT_NAME))
    ratio = "%.2fx" % (our_insns / b) if b else "-"
    lines.append(row(ICOUNT_NAME, "%d" % our_insns, "%d" % b if b else "?",
                     (ratio, "< %d" % ICOUNT_TARGET), "met" if our_insns < ICOUNT_TARGET else "not met"))
    return "\n".join(lines)


def compare(args):
    original = args.image
    args.image = os.path.join(args.logs, "ours.img")  # our writes must not reach Linux's bytes
    shutil.copyfile(original, args.image)
    print("ours (serial logs in %s):" % args.logs)
    args.log, args.bench = os.path.join(args.logs, "ours.log"), "disk"
    ours = run(args)
    our_insns = icount(args)
    os.remove(args.image)
    print("Linux 6.1 (%s, ICOUNT=1; it copies the image itself):" % args.peer)
    linux = run_peer(args, original)
    print()
    print(table(ours, linux, our_insns))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["run", "icount", "compare"])
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--image", required=True)
    parser.add_argument("--log", help="run: the serial log")
    parser.add_argument("--logs", help="icount, compare: the directory for the logs")
    parser.add_argument("--bench", default="disk", help="run: the bench= pattern")
    parser.add_argument("--options", default="", help="more kernel options, e.g. bench.device=/Device/RamDisk0")
    parser.add_argument("--plugin", help="icount, compare: icount.so (../shared/bench/icount/build.sh)")
    parser.add_argument("--peer", help="compare: ../shared/bench/linux-peer/run")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per boot")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows while the next boot runs
    args.problems = []
    args.options = args.options.split()
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
    try:
        {"run": run, "icount": icount, "compare": compare}[args.mode](args)
    except BenchError as error:
        args.problems.append(str(error))
    for problem in args.problems:
        print(problem, file=sys.stderr)
    return 1 if args.problems else 0


if __name__ == "__main__":
    sys.exit(main())
