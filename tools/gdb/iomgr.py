"""iomgr.py - the I/O manager in GDB: `irp ADDRESS`, `irps`, `devobj`, `drvobj`
(WinDbg's !irp, !irpfind, !devobj and !drvobj answer the same questions; the
module is not called io.py: that would hide Python's own `io`).

They read the kernel's own lists (docs/io.md):
  - IopIrpList (kernel/io/irp.c): every IRP allocated and not yet freed,
    linked through IRP.IopPrivate.InFlightLinks;
  - IopNames (kernel/io/namespace.c): the names \\Device\\... and \\Driver\\...
    and the objects they name; a driver's devices hang off
    DRIVER_OBJECT.DeviceObject through NextDevice.
Names of major functions, control flags and status codes are read from
include/wdm.h and include/ntdef.h, so this file never drifts from them.
"""
import os
import re

import gdb

from interrupts import ROOT, header_defines, symbol

IO_TYPE_DEVICE, IO_TYPE_DRIVER, IO_TYPE_IRP = 3, 4, 6


def names(path, pattern):
    """{value: NAME} for `#define NAME value` lines matching pattern (first name wins)."""
    return {value: found[0] for value, found in header_defines(path, pattern).items()}


def status_name(status):
    """STATUS_SUCCESS for 0: ntdef.h writes them `((NTSTATUS)0x...L)`."""
    try:
        with open(os.path.join(ROOT, "include", "ntdef.h")) as header:
            found = re.findall(r"^#define\s+(STATUS_\w+)\s+\(\(NTSTATUS\)(0x[0-9A-Fa-f]+)L?\)", header.read(), re.M)
    except OSError:
        found = []
    status &= 0xFFFFFFFF
    return next((name for name, value in found if int(value, 16) == status), "0x%08x" % status)


def flag_names(value, path, pattern, skip=()):
    """'DO_BUFFERED_IO|DO_DEVICE_INITIALIZING' for the bits set in value."""
    found = [name for bit, name in sorted(names(path, pattern).items())
             if bit and value & bit == bit and name not in skip and bin(bit).count("1") == 1]
    return "|".join(found) or ("0" if value == 0 else "0x%x" % value)


def struct_type(tag):
    """The type `struct TAG` (the compiler keeps typedefs like IRP out of the
    debug information when the code only uses PIRP, but never the struct)."""
    return gdb.parse_and_eval("(struct %s *)0" % tag).type.target()


def offset_of(tag, field):
    return int(gdb.parse_and_eval("(unsigned long long)&((struct %s *)0)->%s" % (tag, field)))


def list_entries(head_name, tag, field):
    """The structures on a LIST_ENTRY list, as pointers to struct tag."""
    head = gdb.parse_and_eval("&" + head_name)
    pointer = struct_type(tag).pointer()
    offset = offset_of(tag, field)
    link = head["Flink"]
    found = []
    while int(link) != int(head) and int(link) != 0 and len(found) < 10000:
        found.append(gdb.Value(int(link) - offset).cast(pointer))
        link = link["Flink"]
    return found


def unicode(string):
    """A UNICODE_STRING as a Python str."""
    length = int(string["Length"]) // 2
    if length == 0 or int(string["Buffer"]) == 0:
        return ""
    memory = gdb.selected_inferior().read_memory(int(string["Buffer"]), length * 2)
    return bytes(memory).decode("utf-16-le", "replace")


def named_objects():
    """[(name, address)] from the I/O manager's namespace."""
    try:
        entries = list_entries("IopNames", "_IOP_NAME_ENTRY", "Links")
    except gdb.error:
        raise gdb.GdbError("IopNames not found: load the kernel's symbols (`file build/kernel.elf`)")
    return [(unicode(e["Name"].dereference()), int(e["Object"])) for e in entries]


def object_type(address):
    return int(gdb.Value(address).cast(gdb.lookup_type("short").pointer()).dereference())


def drivers():
    pointer = struct_type("_DRIVER_OBJECT").pointer()
    return [gdb.Value(a).cast(pointer) for _, a in named_objects() if object_type(a) == IO_TYPE_DRIVER]


def devices_of(driver):
    found, device = [], driver["DeviceObject"]
    while int(device) != 0 and len(found) < 1000:
        found.append(device)
        device = device["NextDevice"]
    return found


def device_name(device):
    """\\Device\\Name, or the driver's name for an unnamed device."""
    if int(device) == 0:
        return "-"
    name = unicode(device["DeviceObjectExtension"]["Name"])
    if name:
        return name
    return "(unnamed, %s)" % unicode(device["DriverObject"]["DriverName"])


def as_pointer(argument, tag):
    """An address expression, or a name from the namespace (\\Driver\\Disk)."""
    if argument.strip().startswith("\\"):
        for name, address in named_objects():
            if name.lower() == argument.strip().lower():
                return gdb.Value(address).cast(struct_type(tag).pointer())
        raise gdb.GdbError("%s: no such name (`devobj` and `drvobj` list them)" % argument.strip())
    try:
        return gdb.parse_and_eval(argument).cast(struct_type(tag).pointer())
    except gdb.error as error:
        raise gdb.GdbError("%s: %s" % (argument, error))


# ---- irp / irps ------------------------------------------------------------

def describe_location(irp, number, stack):
    major = int(stack["MajorFunction"])
    major_name = names("include/wdm.h", r"IRP_MJ_\w+").get(major, "0x%x" % major)
    control = int(stack["Control"])
    line = "  %s [%d] %-26s minor 0x%x  control %s\n" % (
        ">" if number == int(irp["CurrentLocation"]) else " ", number, major_name,
        int(stack["MinorFunction"]), flag_names(control, "include/wdm.h", r"SL_(?:PENDING|ERROR|INVOKE)_\w+"))
    line += "        device %s %s\n" % (hex(int(stack["DeviceObject"])), device_name(stack["DeviceObject"]))
    if int(stack["CompletionRoutine"]):
        line += "        completion %s  context %s\n" % (symbol(int(stack["CompletionRoutine"])),
                                                       hex(int(stack["Context"])))
    parameters = stack["Parameters"]
    if major in (3, 4):  # READ, WRITE
        line += "        length %d at offset %d\n" % (int(parameters["Read"]["Length"]),
                                                      int(parameters["Read"]["ByteOffset"]["QuadPart"]))
    elif major in (0x0e, 0x0f):  # DEVICE_CONTROL, INTERNAL_DEVICE_CONTROL
        ioctl = parameters["DeviceIoControl"]
        line += "        ioctl 0x%08x  in %d  out %d\n" % (int(ioctl["IoControlCode"]) & 0xFFFFFFFF,
                                                         int(ioctl["InputBufferLength"]),
                                                         int(ioctl["OutputBufferLength"]))
    return line


def describe_irp(irp):
    if int(irp["Type"]) != IO_TYPE_IRP:
        return "%s is not an IRP (Type %d)\n" % (hex(int(irp)), int(irp["Type"]))
    count, current = int(irp["StackCount"]), int(irp["CurrentLocation"])
    where = "at its creator (completed or not sent yet)" if current > count else "at location %d" % current
    private = irp["IopPrivate"]
    text = "IRP %s: %d stack locations, %s%s%s\n" % (
        hex(int(irp)), count, where, ", completed" if int(private["Completed"]) else "",
        ", built by the I/O manager" if int(private["BuiltByIoManager"]) else "")
    text += "  flags %s  status %s  information %d  PendingReturned %d  Cancel %d\n" % (
        flag_names(int(irp["Flags"]), "include/wdm.h", r"IRP_(?:NOCACHE|PAGING_IO|SYNCHRONOUS_API|BUFFERED_IO|"
                   r"DEALLOCATE_BUFFER|INPUT_OPERATION)"),
        status_name(int(irp["IoStatus"]["Status"])), int(irp["IoStatus"]["Information"]),
        int(irp["PendingReturned"]), int(irp["Cancel"]))
    text += "  SystemBuffer %s  MdlAddress %s  UserBuffer %s  UserIosb %s  UserEvent %s\n" % tuple(
        hex(int(v)) for v in (irp["AssociatedIrp"]["SystemBuffer"], irp["MdlAddress"], irp["UserBuffer"],
                               irp["UserIosb"], irp["UserEvent"]))
    first = (irp + 1).cast(struct_type("_IO_STACK_LOCATION").pointer())
    for number in range(count, 0, -1):  # the top driver's location first
        text += describe_location(irp, number, first[number - 1])
    return text


class Irp(gdb.Command):
    """irp ADDRESS: one IRP: its status and flags, and every stack location from
the top driver's down (> marks the current one), with the device, the major
function, the control flags and the completion routine the driver above set."""

    def __init__(self):
        super().__init__("irp", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            raise gdb.GdbError("usage: irp ADDRESS (`irps` lists them)")
        gdb.write(describe_irp(as_pointer(argument, "_IRP")))


class Irps(gdb.Command):
    """irps: every IRP allocated and not yet freed, with where each one is."""

    def __init__(self):
        super().__init__("irps", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        try:
            irps = list_entries("IopIrpList", "_IRP", "IopPrivate.InFlightLinks")
        except gdb.error:
            raise gdb.GdbError("IopIrpList not found: load the kernel's symbols (`file build/kernel.elf`)")
        if not irps:
            gdb.write("no IRPs in flight\n")
        for irp in irps:
            count, current = int(irp["StackCount"]), int(irp["CurrentLocation"])
            if current <= count:
                stack = irp["Tail"]["Overlay"]["CurrentStackLocation"]
                where = "location %d/%d at %s" % (current, count, device_name(stack["DeviceObject"]))
            else:
                where = "at its creator (%d locations)" % count
            gdb.write("%s  %-40s status %s\n" % (hex(int(irp)), where, status_name(int(irp["IoStatus"]["Status"]))))


# ---- devobj / drvobj -----------------------------------------------------------

def describe_device(device):
    extension = device["DeviceObjectExtension"]
    text = "DEVICE_OBJECT %s %s\n" % (hex(int(device)), device_name(device))
    text += "  driver %s  type 0x%x  StackSize %d  ReferenceCount %d%s\n" % (
        unicode(device["DriverObject"]["DriverName"]), int(device["DeviceType"]), int(device["StackSize"]),
        int(device["ReferenceCount"]), "  DELETE PENDING" if int(extension["ExtensionFlags"]) & 2 else "")
    text += "  flags %s  DeviceExtension %s\n" % (
        flag_names(int(device["Flags"]), "include/wdm.h", r"DO_\w+"), hex(int(device["DeviceExtension"])))
    text += "  AttachedDevice (above) %s  AttachedTo (below) %s\n" % (
        hex(int(device["AttachedDevice"])), hex(int(extension["AttachedTo"])))
    top = device
    while int(top["AttachedDevice"]) != 0:
        top = top["AttachedDevice"]
    text += "  its stack, top first:\n"
    level = top
    while int(level) != 0:
        text += "    %s%s %s (%s)\n" % ("*" if int(level) == int(device) else " ", hex(int(level)),
                                        device_name(level), unicode(level["DriverObject"]["DriverName"]))
        level = level["DeviceObjectExtension"]["AttachedTo"]
    return text


class DevObj(gdb.Command):
    """devobj [ADDRESS | \\Device\\Name]: every device object (name, driver, StackSize, flags),
or one in detail with the stack it belongs to."""

    def __init__(self):
        super().__init__("devobj", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if argument.strip():
            gdb.write(describe_device(as_pointer(argument, "_DEVICE_OBJECT")))
            return
        for driver in drivers():
            for device in devices_of(driver):
                gdb.write("%s  %-32s %-28s StackSize %d  %s\n" % (
                    hex(int(device)), device_name(device), unicode(driver["DriverName"]),
                    int(device["StackSize"]), flag_names(int(device["Flags"]), "include/wdm.h", r"DO_\w+")))


class DrvObj(gdb.Command):
    """drvobj [ADDRESS | \\Driver\\Name]: every driver object with its devices, or one driver's
dispatch table (the entries it set itself), StartIo and Unload."""

    def __init__(self):
        super().__init__("drvobj", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        if not argument.strip():
            for driver in drivers():
                gdb.write("%s  %-30s %d device(s)\n" % (hex(int(driver)), unicode(driver["DriverName"]),
                                                       len(devices_of(driver))))
            return
        driver = as_pointer(argument, "_DRIVER_OBJECT")
        gdb.write("DRIVER_OBJECT %s %s\n" % (hex(int(driver)), unicode(driver["DriverName"])))
        for field in ("DriverInit", "DriverStartIo", "DriverUnload"):
            gdb.write("  %-14s %s\n" % (field, symbol(int(driver[field]))))
        majors = names("include/wdm.h", r"IRP_MJ_\w+")
        default = gdb.parse_and_eval("IopInvalidDeviceRequest").address
        for major in range(0, 0x1c):
            routine = int(driver["MajorFunction"][major])
            if routine != int(default):
                gdb.write("  %-32s %s\n" % (majors.get(major, hex(major)), symbol(routine)))
        for device in devices_of(driver):
            gdb.write("  device %s %s\n" % (hex(int(device)), device_name(device)))


Irp()
Irps()
DevObj()
DrvObj()
