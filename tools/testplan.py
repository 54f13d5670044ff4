"""testplan.py - the kernel boots that `make test` runs, one line each.

tools/ktest.py reads this table. To add a boot, add a line: nothing else
changes. Each boot runs the kernel under QEMU with the tests on, reads the
KTAP it prints on the serial port, and counts each test case.

Columns:
  name      the boot's name: `--only NAME` runs it, its serial log is
            BUILD/test-logs/NAME.log
  groups    more names for --only, separated by spaces (`--only pvh` runs
            every boot in the group pvh)
  load      how the kernel gets into the machine:
              pvh    QEMU loads the ELF itself (-kernel IMAGE -append ARGS)
              cdrom  the GRUB ISO IMAGE; its grub.cfg holds the command line
              esp    an EFI system partition for the GNU-EFI loader: a FAT image
                     (IMAGE ends in .img) or a directory served as one
  image     the kernel, ISO or ESP directory, under the build directory
  firmware  seabios (QEMU's default BIOS) or ovmf (UEFI)
  machine   QEMU's -M: q35 or pc
  smp       the number of CPUs (-smp)
  args      the kernel command line (for cdrom and esp boots it is fixed by
            the image; it is written here so the table says what runs)
  timeout   seconds before the runner kills QEMU; None takes the firmware's
            default below. KTEST_TIMEOUT_SCALE multiplies every timeout.
  extra     more QEMU arguments, as one string

The main boot (MAIN_BOOT) does two more jobs: the kernel lists its
expected-bug-check tests there (`# crashtest suite.name 0xCODE`), and the
runner then boots the same setup once per listed test with `crash=suite.name`;
and the GDB test attaches to the same setup.
"""
from collections import namedtuple

Boot = namedtuple("Boot", "name groups load image firmware machine smp args timeout extra",
                  defaults=(None, ""))

NULL_DISK = ("-blockdev driver=null-co,node-name=nulldisk,size=67108864,read-zeroes=on "
             "-device ide-hd,drive=nulldisk,bus=ide.0")

BOOTS = [
    #    name        groups                  load     image               firmware   machine  smp  args
    # The main boot has a disk that needs no file (QEMU's null-co driver: zeros,
    # writes dropped): the disk suites' checks that need no pattern run, and
    # the GDB test's `ahci` has a port to show. tools/disktest.py does the rest.
    Boot("pvh",      "pvh kernel",           "pvh",   "kernel.elf",       "seabios", "q35",   1,   "test=all",
         None, NULL_DISK),
    Boot("pvh-pc",   "pvh kernel",           "pvh",   "kernel.elf",       "seabios", "pc",    1,   "test=all"),
    # an e1000e: a function with MSI-X (docs/pci.md; the pci.msix_* tests)
    Boot("pvh-smp4", "pvh kernel smp",       "pvh",   "kernel.elf",       "seabios", "q35",   4,   "test=all",
         None, "-device e1000e"),
    Boot("clang",    "clang kernel",         "pvh",   "clang/kernel.elf", "seabios", "q35",   1,   "test=all"),
    Boot("bios",     "iso grub kernel",      "cdrom", "ntmini-test.iso",  "seabios", "q35",   1,   "test=all"),
    Boot("bios-pc",  "iso grub kernel",      "cdrom", "ntmini-test.iso",  "seabios", "pc",    1,   "test=all"),
    Boot("ovmf",     "iso grub uefi kernel", "cdrom", "ntmini-test.iso",  "ovmf",    "q35",   1,   "test=all"),
    Boot("ovmf-pc",  "iso grub uefi kernel", "cdrom", "ntmini-test.iso",  "ovmf",    "pc",    1,   "test=all"),
    Boot("efi",      "efi uefi kernel",      "esp",   "efi/esp-test.img", "ovmf",    "q35",   1,   "test=all"),
    Boot("ovmf-smp4", "iso grub uefi kernel smp", "cdrom", "ntmini-test.iso", "ovmf", "q35",  4,   "test=all"),
    # APIC IDs 0,1,2,4,5,6: a gap, as two sockets of three cores give
    Boot("pvh-smp6", "pvh kernel smp",       "pvh",   "kernel.elf",       "seabios", "q35",   6,   "test=all",
         None, "-smp 6,sockets=2,cores=3"),
]

MAIN_BOOT = "pvh"

# Programs that boot QEMU themselves and print KTAP, for checks a single boot
# cannot express (comparing two boots, a loader that must refuse a kernel).
# The runner runs them like host tests; {build} is the build directory.
Script = namedtuple("Script", "name groups command timeout")

SCRIPTS = [
    Script("efi-loader", "efi uefi",
           "tools/efitest.py --build {build} --only efi_bootinfo --only efi_rejects --only efi_reports", 600),
    Script("serial-shell", "serial shell", "tools/serialtest.py --build {build}", 180),
    # the AHCI driver on pattern images: q35 and pc, 1-4 CPUs, MSI and INTx,
    # NCQ on and off, two disks, blkdebug errors, lost interrupts (docs/testing.md)
    Script("disk", "disk ahci", "tools/disktest.py --build {build}", 600),
]

# Default timeouts by firmware, in seconds. A PVH boot takes well under a
# second and OVMF about 5-10 s on TCG; these leave room for a slow machine and
# a long test suite, and KTEST_TIMEOUT_SCALE=3 gives more.
TIMEOUTS = {"seabios": 120, "ovmf": 300}

MEMORY = "512M"

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
