# run.mk - booting the kernel in QEMU by hand.
#
#   make run        GRUB ISO under SeaBIOS (BIOS), q35, serial on this terminal
#   make run-uefi   the same ISO under OVMF (UEFI)
#   make run-kernel QEMU -kernel (PVH): the fastest boot, no firmware menus
# Quit QEMU with Ctrl-A X. Pass kernel options with ARGS="test=all".
# Each boots with a disk on port 1 of the AHCI controller (q35's own; with
# MACHINE=pc one added with -device ahci): DISK, by default build/disk.img,
# 64 MiB, made if absent, with a line of text in sector 0 that the shell reads
# back before its first prompt. (Port 0 is left for run-efi's ESP, port 2 is
# q35's CD-ROM.)

QEMU ?= qemu-system-x86_64
MEM ?= 512M
SMP ?= 1
MACHINE ?= q35
OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
DISK ?= $(BUILD)/disk.img
ifeq ($(MACHINE),pc)
QEMU_DISK = -device ahci,id=ahci -drive id=disk0,file=$(DISK),format=raw,if=none -device ide-hd,drive=disk0,bus=ahci.1
else
QEMU_DISK = -drive id=disk0,file=$(DISK),format=raw,if=none -device ide-hd,drive=disk0,bus=ide.1
endif
QEMU_COMMON = -M $(MACHINE) -m $(MEM) -smp $(SMP) -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 $(QEMU_DISK)

# The demonstration disk: sector 0 says what it is, the rest is zeros.
$(BUILD)/disk.img:
	@mkdir -p $(BUILD)
	printf 'ntmini demonstration disk: sector 0, read through IRP_MJ_READ by the AHCI driver.\n' > $@.tmp
	truncate -s 64M $@.tmp
	mv $@.tmp $@

.PHONY: setup-check run-uefi run-kernel
# Installs missing packages first (tools/setup.sh), so `make run` works on a
# fresh machine.
setup-check:
	@tools/setup.sh --check 2>/dev/null || tools/setup.sh

run: setup-check
	$(MAKE) --no-print-directory $(ISO) $(DISK)
	$(QEMU) $(QEMU_COMMON) -cdrom $(ISO) || true

$(BUILD)/OVMF_VARS.fd:
	@mkdir -p $(BUILD)
	cp $(OVMF_VARS) $@

run-uefi: setup-check
	$(MAKE) --no-print-directory $(ISO) $(BUILD)/OVMF_VARS.fd $(DISK)
	$(QEMU) $(QEMU_COMMON) -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE) \
		-drive if=pflash,format=raw,unit=1,file=$(BUILD)/OVMF_VARS.fd -cdrom $(ISO) || true

run-kernel: setup-check
	$(MAKE) --no-print-directory $(KERNEL) $(DISK)
	$(QEMU) $(QEMU_COMMON) -kernel $(KERNEL) -append "$(ARGS)" || true
