"""threads.py - the `threads` and `bt-thread` commands (docs/dispatcher.md).

`threads` lists every thread on KiThreadListHead (kernel/ke/thread.c): its
state, priority, processor, and what it waits for. `bt-thread ADDRESS` prints
the call stack of a thread that is not running: its registers are saved on its
own stack (kernel/ke/contextswitch.asm), so the frame-pointer chain starts at
the saved rbp, and the first return address is the one KiSwapContext would
return to.
"""
import gdb

from dispatcher_common import list_entries, processors, symbol_at, value_of

STATES = ["Initialized", "Ready", "Running", "Standby", "Terminated", "Waiting"]
WAIT_REASONS = ["Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution", "Suspended",
                "UserRequest", "WrExecutive"]
OBJECT_TYPES = {0: "event(notification)", 1: "event(synchronization)", 2: "mutex", 5: "semaphore",
                6: "thread", 8: "timer(notification)", 9: "timer(synchronization)"}

# KiSwapContext pushes rflags, rbp, rbx, r12, r13, r14, r15: from KernelStack
# up, r15 r14 r13 r12 rbx rbp rflags, then the return address.
SAVED_RBP = 5 * 8
SAVED_RIP = 7 * 8


def name(table, index):
    return table[index] if 0 <= index < len(table) else str(index)


def running_on():
    """{thread address: processor number} for each processor's current thread."""
    return {int(prcb["CurrentThread"]): number for number, prcb in processors()}


def wait_description(thread):
    if int(thread["State"]) != STATES.index("Waiting"):
        return ""
    parts = []
    blocks = thread["WaitBlockList"]
    for i in range(int(thread["WaitCount"])):
        obj = blocks[i]["Object"]
        kind = OBJECT_TYPES.get(int(obj.dereference()["Type"]), "object")
        parts.append("%s 0x%x" % (kind, int(obj)))
    if int(thread["WaitTimeout"]):
        due = int(thread["Timer"]["DueTime"]) - int(value_of("KiInterruptTime"))
        parts.append("timeout in %.1f ms" % (due / 1e4))
    wait_all = int(thread["WaitCount"]) > 1 and int(blocks[0]["WaitType"]) == 0  # WaitAll
    how = "all of" if wait_all else "for"
    return "%s: %s %s" % (name(WAIT_REASONS, int(thread["WaitReason"])), how, ", ".join(parts) or "nothing")


def list_threads(write):
    head = value_of("KiThreadListHead")
    if head is None:
        write("threads: KiThreadListHead not found: load the kernel's symbols\n")
        return
    current = running_on()
    write("%-18s %5s %-11s %4s %4s %-24s %s\n" % ("thread", "id", "state", "prio", "cpu", "start", "waiting"))
    for thread in list_entries(head, "KTHREAD", "ThreadListEntry"):
        address = int(thread.address)
        state = name(STATES, int(thread["State"]))
        cpu = current.get(address, int(thread["NextProcessor"]))
        start = int(thread["StartRoutine"])
        start_name = symbol_at(start).split("+")[0] if start else "(idle)"
        marker = "*" if address in current else " "
        write("0x%016x%s %4d %-11s %4d %4d %-24s %s\n" % (
            address, marker, int(thread["ThreadId"]), state, int(thread["Priority"]), cpu, start_name,
            wait_description(thread)))
    write("(* = running now; cpu = where it runs, or whose queue it waits on / last ran)\n")


class Threads(gdb.Command):
    """List every thread: state, priority, processor, start routine, what it waits for.

Usage: threads
A thread marked * is some processor's current thread. For the others,
`bt-thread ADDRESS` shows where they stopped. See docs/dispatcher.md."""

    def __init__(self):
        super().__init__("threads", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        try:
            list_threads(gdb.write)
        except gdb.MemoryError as error:
            gdb.write("threads: cannot read the kernel's memory (%s)\n" % error)


def backtrace(thread_address, write, limit=64):
    thread = gdb.Value(thread_address).cast(gdb.lookup_type("KTHREAD").pointer()).dereference()
    if thread_address in running_on():
        write("thread 0x%x is running on processor %d: use `bt` there (`thread N` in GDB picks the CPU)\n" % (
            thread_address, running_on()[thread_address]))
        return
    if int(thread["State"]) == STATES.index("Terminated"):
        write("thread 0x%x has terminated: its stack is gone\n" % thread_address)
        return
    stack = int(thread["KernelStack"])
    ulong = gdb.lookup_type("unsigned long long").pointer()
    read = lambda address: int(gdb.Value(address).cast(ulong).dereference())
    rbp, rip = read(stack + SAVED_RBP), read(stack + SAVED_RIP)
    write("thread 0x%x (%s), saved rsp 0x%x\n" % (thread_address, name(STATES, int(thread["State"])), stack))
    write("#0  KiSwapContext (switched away here)\n")
    for depth in range(1, limit):
        if rip == 0:
            break
        write("#%-2d %s\n" % (depth, symbol_at(rip)))
        if rbp == 0:
            break
        rip, rbp = read(rbp + 8), read(rbp)


class BtThread(gdb.Command):
    """Backtrace a thread that is not running.

Usage: bt-thread ADDRESS     (an address from `threads`)
Starts from the registers KiSwapContext saved on the thread's stack and
follows the rbp chain (the kernel keeps frame pointers)."""

    def __init__(self):
        super().__init__("bt-thread", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: bt-thread ADDRESS")
        try:
            backtrace(int(gdb.parse_and_eval(argument)), gdb.write)
        except gdb.MemoryError as error:
            gdb.write("bt-thread: cannot read the thread's stack (%s)\n" % error)


Threads()
BtThread()
