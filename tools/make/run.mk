# run.mk - booting the kernel in QEMU by hand.
#
#   make run        GRUB ISO under SeaBIOS (BIOS), q35, serial on this terminal
#   make run-uefi   the same ISO under OVMF (UEFI)
#   make run-kernel QEMU -kernel (PVH): the fastest boot, no firmware menus
# Quit QEMU with Ctrl-A X. Pass kernel options with ARGS="test=all".

QEMU ?= qemu-system-x86_64
MEM ?= 512M
SMP ?= 1
MACHINE ?= q35
OVMF_CODE := /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS := /usr/share/OVMF/OVMF_VARS_4M.fd
QEMU_COMMON = -M $(MACHINE) -m $(MEM) -smp $(SMP) -serial mon:stdio -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

.PHONY: setup-check run-uefi run-kernel
# Installs missing packages first (tools/setup.sh), so `make run` works on a
# fresh machine.
setup-check:
	@tools/setup.sh --check 2>/dev/null || tools/setup.sh

run: setup-check
	$(MAKE) --no-print-directory $(ISO)
	$(QEMU) $(QEMU_COMMON) -cdrom $(ISO) || true

$(BUILD)/OVMF_VARS.fd:
	@mkdir -p $(BUILD)
	cp $(OVMF_VARS) $@

run-uefi: setup-check
	$(MAKE) --no-print-directory $(ISO) $(BUILD)/OVMF_VARS.fd
	$(QEMU) $(QEMU_COMMON) -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE) \
		-drive if=pflash,format=raw,unit=1,file=$(BUILD)/OVMF_VARS.fd -cdrom $(ISO) || true

run-kernel: setup-check
	$(MAKE) --no-print-directory $(KERNEL)
	$(QEMU) $(QEMU_COMMON) -kernel $(KERNEL) -append "$(ARGS)" || true
