#!/usr/bin/env bash
# debug.sh - the kernel in QEMU, paused before its first instruction, with GDB
# attached and stopped at KiSystemStartup. `make debug` runs it.
#
#   tools/debug.sh KERNEL PORT [ARGS]
#
#   KERNEL  the kernel ELF (build/kernel.elf); QEMU boots it with -kernel (PVH)
#   PORT    the TCP port of QEMU's GDB stub (make debug derives one from your
#           user id, so two students on one machine do not collide)
#   ARGS    the kernel command line, e.g. "test=ke"
#
# Environment: QEMU, GDB, MEM, SMP, MACHINE, and DEBUG_LOG (where the kernel's
# serial output goes; default: debug-serial.log beside the kernel).
#
# bash, not sh: while GDB runs, Ctrl-C must interrupt the kernel, not kill this
# script (bash waits for GDB to decide; dash would die and leave QEMU behind).
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 KERNEL PORT [KERNEL-COMMAND-LINE]" >&2
    exit 2
fi
KERNEL=$1
PORT=$2
ARGS=${3:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
QEMU=${QEMU:-qemu-system-x86_64}
GDB=${GDB:-gdb}
LOG=${DEBUG_LOG:-$(dirname "$KERNEL")/debug-serial.log}
QEMU_ERR=$(dirname "$LOG")/debug-qemu.err

say() { echo "debug: $*"; }

# Prints a command as one could type it (quotes only where needed).
show() {
    printf '   '
    for word in "$@"; do
        if [[ -z $word || $word =~ [^A-Za-z0-9_./:=,+@%-] ]]; then printf " '%s'" "$word"; else printf ' %s' "$word"; fi
    done
    echo
}

if [ ! -f "$KERNEL" ]; then
    say "$KERNEL does not exist: build it first (make kernel)." >&2
    exit 1
fi

# Who listens on a TCP port: prints "PID COMMAND..." (or "? " when the owner
# is not visible), nothing when the port is free. Reads /proc, so it needs no
# ss or lsof, and it does not connect (a connection would disturb a GDB stub).
port_owner() {
    python3 - "$1" <<'EOF'
import os, sys
port = int(sys.argv[1])
inodes = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        rows = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for row in rows:
        f = row.split()
        if f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
            inodes.add("socket:[%s]" % f[9])
if not inodes:
    sys.exit(0)
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        for fd in os.listdir("/proc/%s/fd" % pid):
            if os.readlink("/proc/%s/fd/%s" % (pid, fd)) in inodes:
                cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode()
                print(pid, cmd[:200])
                sys.exit(0)
    except OSError:
        continue
print("?  (a process this user cannot see)")
EOF
}

# 1. The port must be free: if an old QEMU still holds it, GDB would attach to
#    that old QEMU (running an old kernel) and nothing would make sense.
owner=$(port_owner "$PORT")
if [ -n "$owner" ]; then
    pid=${owner%% *}
    say "port $PORT is already in use by process $owner"
    case "$owner" in
        *qemu*) say "that is probably a QEMU left over from an earlier 'make debug'. Stop it with: kill $pid" ;;
    esac
    for next in $(seq $((PORT + 1)) $((PORT + 100))); do
        if [ -z "$(port_owner "$next")" ]; then
            say "using port $next instead (or stop process $pid and run 'make debug' again)"
            PORT=$next
            break
        fi
    done
    if [ -n "$(port_owner "$PORT")" ]; then
        say "no free port near $2; stop the old QEMU first." >&2
        exit 1
    fi
fi

# 2. QEMU, paused (-S) with its GDB stub on the port, in the background.
mkdir -p "$(dirname "$LOG")"
QEMU_CMD=("$QEMU" -M "${MACHINE:-q35}" -m "${MEM:-512M}" -smp "${SMP:-1}" -nodefaults -display none -no-reboot
    -serial "file:$LOG" -device isa-debug-exit,iobase=0xf4,iosize=0x04
    -S -gdb "tcp:127.0.0.1:$PORT" -kernel "$KERNEL" -append "$ARGS")
say "starting QEMU paused at the first instruction, GDB stub on port $PORT:"
show "${QEMU_CMD[@]}"
"${QEMU_CMD[@]}" </dev/null >"$QEMU_ERR" 2>&1 &
QEMU_PID=$!

stop_qemu() {
    if kill -0 "$QEMU_PID" 2>/dev/null; then
        say "stopping QEMU (pid $QEMU_PID)."
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
}
trap stop_qemu EXIT
trap 'exit 129' HUP
trap 'exit 143' TERM

for _ in $(seq 100); do
    [ -n "$(port_owner "$PORT")" ] && break
    if ! kill -0 "$QEMU_PID" 2>/dev/null; then
        say "QEMU did not start:" >&2
        cat "$QEMU_ERR" >&2
        exit 1
    fi
    sleep 0.05
done
say "QEMU is running as pid $QEMU_PID. The kernel's serial output goes to $LOG;"
say "watch it from another terminal with:  tail -f $LOG"

# 3. GDB with the kernel's symbols and the project's helpers (loaded with -x:
#    GDB refuses to auto-load a .gdbinit outside its safe path).
GDB_CMD=("$GDB" -q "$KERNEL" -x "$ROOT/tools/gdb/ntmini.py"
    -ex "target remote 127.0.0.1:$PORT" -ex "break KiSystemStartup" -ex "continue")
say "starting GDB; it attaches, sets a breakpoint at KiSystemStartup and continues to it:"
show "${GDB_CMD[@]}"
say "in GDB: next/step/continue, 'kinfo', 'bt'; Ctrl-C stops the kernel; 'quit' ends (QEMU too)."
"${GDB_CMD[@]}" || true
say "GDB has exited. The kernel's serial output is in $LOG."
