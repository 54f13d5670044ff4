"""kinfo.py - the `kinfo` command: what the kernel knows about its machine.

It reads kernel globals only, so it works wherever the target is stopped:
  - KeBootInfo (include/bootinfo.h): the loader, the command line, the memory
    ranges the loader reported;
  - the memory manager's statistics: any global of type MM_STATISTICS
    (kernel/mm/pfn.c has `MiStatistics`);
  - the pool's per-tag counters: a global array of POOL_TAG_INFO (ex.h) whose
    name starts with Ex (ExpPoolTagTable, say), or any global array named like
    *PoolTag* / *PoolTrack* whose entries have a Tag (or Key) field; unused
    slots have Tag 0.
A subsystem that does not have its globals yet is reported as "not
available" rather than as an error.

The loader and memory-type names are read from include/bootinfo.h, so this
file never drifts from the header.
"""
import os
import re

import gdb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOOT_INFO_MAGIC = 0x4F4F424B


def header_names(prefix):
    """{value: NAME} for every `PREFIX_NAME = value` in include/bootinfo.h."""
    names = {}
    try:
        with open(os.path.join(ROOT, "include", "bootinfo.h")) as header:
            for name, value in re.findall(r"\b%s_(\w+)\s*=\s*(\d+)" % prefix, header.read()):
                names[int(value)] = name
    except OSError:
        pass
    return names


def find_symbol(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def variables(type_regex=None, name_regex=None):
    """Names of the variables `info variables` lists for a type or name regex."""
    command = "info variables -q -n"
    if type_regex:
        command += " -t " + type_regex
    if name_regex:
        command += " " + name_regex
    try:
        listing = gdb.execute(command, to_string=True)
    except gdb.error:
        return []
    found = []
    for line in listing.splitlines():
        match = re.search(r"(\w+)\s*(?:\[[^\]]*\])*;\s*$", line)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def human(count):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if count < 1024 or unit == "TiB":
            return "%d %s" % (count, unit) if unit == "bytes" else "%.1f %s" % (count, unit)
        count /= 1024.0


def c_string(array):
    data = bytes(int(array[i]) for i in range(array.type.range()[1] + 1))
    return data.split(b"\0", 1)[0].decode("latin-1")


def tag_text(tag):
    """A pool tag as its four characters (the first in the low byte, as in NT)."""
    chars = [(tag >> (8 * i)) & 0xFF for i in range(4)]
    return "".join(chr(c) if 0x20 <= c < 0x7F else "." for c in chars)


# ---- boot information ---------------------------------------------------------

def boot_section(write):
    info = find_symbol("KeBootInfo")
    if info is None:
        write("boot: KeBootInfo not found: load the kernel's symbols (`file build/kernel.elf`)\n")
        return
    if int(info["Magic"]) != BOOT_INFO_MAGIC:
        write("boot: KeBootInfo is not filled in yet: KiCaptureBootInfo has not run "
              "(in KiSystemStartup, `next` past it)\n")
        return
    loaders = header_names("BOOT_LOADER")
    loader = int(info["Loader"])
    write("boot\n")
    write("  loader        %d (%s)\n" % (loader, loaders.get(loader, "unknown")))
    write("  command line  \"%s\"\n" % c_string(info["CommandLine"]))
    write("  firmware      %s\n" % ("UEFI" if int(info["FromUefi"]) else "BIOS (or none: PVH)"))
    rsdp = int(info["AcpiRsdpLength"])
    revision = int(info["AcpiRsdp"][15])
    write("  ACPI RSDP     %s\n" % ("none" if rsdp == 0 else "revision %d (%s), %d bytes" % (
        revision, "XSDT" if revision >= 2 else "RSDT", rsdp)))
    fb = info["Framebuffer"]
    write("  framebuffer   %s\n" % ("none" if int(fb["Address"]) == 0 else "%dx%dx%d at 0x%x" % (
        int(fb["Width"]), int(fb["Height"]), int(fb["Bpp"]), int(fb["Address"]))))
    write("  modules       %d\n" % int(info["ModuleCount"]))
    ranges_section(info, write)


def ranges_section(info, write):
    types = header_names("BOOT_MEMORY")
    count = min(int(info["MemoryRangeCount"]), info["MemoryRanges"].type.range()[1] + 1)
    usable = 0
    write("memory ranges (%d, as the loader reported them)\n" % count)
    for i in range(count):
        entry = info["MemoryRanges"][i]
        base, length, kind = int(entry["Base"]), int(entry["Length"]), int(entry["Type"])
        if kind == 1:
            usable += length
        write("  0x%016x-0x%016x  %10s  %s\n" % (base, base + length - 1, human(length),
                                                  types.get(kind, "type %d" % kind).lower()))
    write("  usable in total: %s\n" % human(usable))


# ---- memory manager -------------------------------------------------------------

def memory_section(write):
    names = variables(type_regex="^MM_STATISTICS$")
    if not names:
        write("memory manager: not available (no global of type MM_STATISTICS in the symbols)\n")
        return
    for name in names:
        stats = find_symbol(name)
        if stats is None:
            continue
        write("memory manager (%s)\n" % name)
        for field in stats.type.strip_typedefs().fields():
            value = int(stats[field.name])
            if field.name.endswith("Bytes"):
                extra = human(value)
            elif field.name.endswith("Pages"):
                extra = human(value * 4096)
            elif "Address" in field.name:
                write("  %-24s 0x%x\n" % (field.name, value))
                continue
            else:
                extra = ""
            write("  %-24s %-14d %s\n" % (field.name, value, extra))


# ---- pool -------------------------------------------------------------------------

def tag_tables():
    """(name, gdb.Value array) for each global that looks like a tag table."""
    # The executive's own tables: ktest.c keeps POOL_TAG_INFO snapshots too
    # (KtTagsBefore/After), which are not the pool's.
    names = [n for n in variables(type_regex="POOL_TAG_INFO") if n.startswith("Ex")]
    names += [n for n in variables(name_regex="Pool(Tag|Track)") if n not in names and not n.startswith("Kt")]
    tables = []
    for name in names:
        value = find_symbol(name)
        if value is None:
            continue
        kind = value.type.strip_typedefs()
        if kind.code != gdb.TYPE_CODE_ARRAY:
            continue
        entry = kind.target().strip_typedefs()
        if entry.code == gdb.TYPE_CODE_STRUCT and any(f.name in ("Tag", "Key") for f in entry.fields()):
            tables.append((name, value))
    return tables


def pool_section(write):
    tables = tag_tables()
    if not tables:
        write("pool usage by tag: not available (no POOL_TAG_INFO array or *PoolTag* table "
              "in the symbols)\n")
        return
    for name, table in tables:
        fields = [f.name for f in table.type.strip_typedefs().target().strip_typedefs().fields()]
        key = "Tag" if "Tag" in fields else "Key"
        numbers = [f for f in fields if f != key]
        outstanding = "Allocations" in numbers and "Frees" in numbers
        rows = []
        for i in range(table.type.strip_typedefs().range()[1] + 1):
            entry = table[i]
            if int(entry[key]) != 0:
                values = [int(entry[f]) for f in numbers]
                if outstanding:
                    values.append(int(entry["Allocations"]) - int(entry["Frees"]))
                rows.append((tag_text(int(entry[key])), values))
        if outstanding:
            numbers = numbers + ["Outstanding"]
        if "BytesInUse" in numbers:
            rows.sort(key=lambda row: -row[1][numbers.index("BytesInUse")])
        write("pool usage by tag (%s, %d tags)\n" % (name, len(rows)))
        write("  Tag   " + "".join("%14s" % f for f in numbers) + "\n")
        for tag, values in rows:
            write("  %-4s  " % tag + "".join("%14d" % v for v in values) + "\n")


SECTIONS = {"boot": boot_section, "memory": memory_section, "pool": pool_section}


class KInfo(gdb.Command):
    """Print what the kernel knows about the machine: boot information, memory, pool.

Usage: kinfo [boot] [memory] [pool]

  boot    the loader, the kernel command line and the memory ranges the
          loader reported (from KeBootInfo)
  memory  the memory manager's statistics (a global MM_STATISTICS)
  pool    pool usage by tag, like WinDbg's !poolused
With no argument, all three. Parts that the kernel does not have yet are
reported as "not available"."""

    def __init__(self):
        super().__init__("kinfo", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        wanted = argument.split() or list(SECTIONS)
        for name in wanted:
            if name not in SECTIONS:
                raise gdb.GdbError("kinfo: unknown part %r (boot, memory or pool)" % name)
        for name in wanted:
            try:
                SECTIONS[name](gdb.write)
            except gdb.MemoryError as error:
                gdb.write("%s: cannot read the kernel's memory (%s); is the target stopped with "
                          "the kernel's page tables on?\n" % (name, error))


KInfo()
