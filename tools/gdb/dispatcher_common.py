"""dispatcher_common.py - what threads.py and timers.py share: reading the
kernel's lists and per-processor blocks from GDB.

A LIST_ENTRY is embedded in the structures it links, so going from a list
entry back to its structure (CONTAINING_RECORD in C) needs the field's offset,
which GDB knows from the kernel's debug information.
"""
import gdb


def value_of(name):
    """A global or file-static variable's value, or None."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    return symbol.value() if symbol is not None else None


def offset_of(type_name, field_name):
    kind = gdb.lookup_type(type_name).strip_typedefs()
    for field in kind.fields():
        if field.name == field_name:
            return field.bitpos // 8
    raise gdb.GdbError("%s has no field %s" % (type_name, field_name))


def list_entries(head, type_name, field_name, limit=4096):
    """The structures on the list whose LIST_ENTRY head is `head` (a value)."""
    pointer_type = gdb.lookup_type(type_name).pointer()
    offset = offset_of(type_name, field_name)
    head_address = int(head.address)
    entry = head["Flink"]
    for _ in range(limit):
        if int(entry) == head_address or int(entry) == 0:
            return
        yield gdb.Value(int(entry) - offset).cast(pointer_type).dereference()
        entry = entry["Flink"]


def processors():
    """(number, KPRCB value) for every processor that has a control block."""
    blocks = value_of("KiProcessorBlock")
    if blocks is None:
        return
    for number in range(64):
        prcb = blocks[number]
        if int(prcb) != 0:
            yield number, prcb.dereference()


def symbol_at(address):
    """'Function+0x12' for a code address, or its hex."""
    block = gdb.block_for_pc(address) if address else None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        return "0x%x" % address
    return "%s+0x%x" % (block.function.name, address - block.start)
