# efi.mk - the GNU-EFI boot loader (boot/efi) and the FAT images it boots from.
#
#   make esp        $(BUILD)/esp.img, an EFI system partition: the loader as
#                   EFI/BOOT/BOOTX64.EFI (the path firmware boots by default),
#                   the kernel as ntmini/kernel.elf and ARGS as ntmini/cmdline.txt
#   make run-efi    boot that image under OVMF, serial console on this terminal
#   make efi-images what the tests boot: the test ESP (command line test=all,
#                   the `efi` boot of tools/testplan.py and tools/efitest.py),
#                   an ESP with a truncated kernel and one with none, and the
#                   GRUB ISO + ESP pair that compares GRUB's boot information
#                   with ours
#   make efi-test   boot the images and check (tools/efitest.py prints KTAP)
#
# A UEFI application is a PE/COFF program. gnu-efi builds one with the GNU
# tools in three steps: compile position-independent code, link it as an ELF
# shared object together with gnu-efi's start-up code (crt0: relocates the
# image, then calls efi_main) and linker script, and let objcopy rewrite that
# as a PE "EFI application" (subsystem 10) with the sections the firmware needs.

EFI_CC ?= gcc
EFI_LD ?= ld
EFI_OBJCOPY ?= objcopy
EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_BUILD := $(BUILD)/efi

# -fpic: the firmware loads us anywhere; crt0 applies the relocations.
# -fshort-wchar: L"..." strings are UCS-2, as UEFI wants.
# -mno-red-zone, -maccumulate-outgoing-args: the firmware's interrupt handlers
#  run on our stack; gnu-efi needs fixed-size frames around firmware calls.
# GNU_EFI_USE_MS_ABI: firmware function pointers are declared ms_abi, so we
#  call them directly (see boot/efi/loader.h).
# -isystem: gnu-efi's own headers are not held to our warning flags.
EFI_CFLAGS := -std=gnu11 -ffreestanding -fpic -fshort-wchar -mno-red-zone -maccumulate-outgoing-args \
	-mgeneral-regs-only -fno-stack-protector -fno-strict-aliasing -O2 -g -Wall -Wextra -Werror \
	-DGNU_EFI_USE_MS_ABI -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -Iinclude -MMD -MP
# -z defs: a shared link would otherwise accept an undefined symbol, and the
# firmware has no dynamic linker to resolve it.
EFI_LDFLAGS := -nostdlib -znocombreloc -shared -Bsymbolic -z defs -T $(EFI_LIB)/elf_x86_64_efi.lds
EFI_SECTIONS := .text .sdata .data .dynamic .dynsym .rel .rela .rel.* .rela.* .reloc

EFI_SRC := $(sort $(wildcard boot/efi/*.c))
EFI_OBJ := $(patsubst boot/efi/%.c,$(EFI_BUILD)/obj/%.o,$(EFI_SRC))
EFI_LOADER := $(EFI_BUILD)/BOOTX64.EFI

ESP := $(BUILD)/esp.img
ESP_SIZE := 16M
ESP_TEST := $(EFI_BUILD)/esp-test.img
ESP_BAD := $(EFI_BUILD)/esp-bad.img
ESP_MISSING := $(EFI_BUILD)/esp-missing.img
ESP_COMPARE := $(EFI_BUILD)/esp-compare.img
ISO_COMPARE := $(EFI_BUILD)/compare.iso
# The command line of both boots in the comparison: the kernel prints its boot
# information, runs no test and exits.
EFI_COMPARE_ARGS := test=none bootinfo=compare

OVMF_FLASH = -drive if=pflash,format=raw,unit=0,readonly=on,file=$(OVMF_CODE) \
	-drive if=pflash,format=raw,unit=1,file=$(BUILD)/OVMF_VARS.fd

.PHONY: esp efi-loader efi-images efi-test efi-force
efi-loader: $(EFI_LOADER)
esp: $(ESP)
efi-images: $(ESP) $(ESP_TEST) $(ESP_BAD) $(ESP_MISSING) $(ESP_COMPARE) $(ISO_COMPARE)
efi-force:

$(EFI_BUILD)/obj/%.o: boot/efi/%.c
	@mkdir -p $(dir $@)
	$(EFI_CC) $(EFI_CFLAGS) -c $< -o $@

$(EFI_BUILD)/loader.so: $(EFI_OBJ)
	$(EFI_LD) $(EFI_LDFLAGS) $(EFI_LIB)/crt0-efi-x86_64.o $(EFI_OBJ) -L$(EFI_LIB) -lefi -lgnuefi -o $@

$(EFI_LOADER): $(EFI_BUILD)/loader.so
	$(EFI_OBJCOPY) $(addprefix -j ,$(EFI_SECTIONS)) --target efi-app-x86_64 --subsystem=10 $< $@

# ---- the images ----------------------------------------------------------------
# $(call efi-make-esp,IMAGE,KERNEL FILE,COMMAND-LINE FILE): a FAT file system
# without a partition table ("superfloppy"), which OVMF mounts like a partition.
# An empty KERNEL FILE leaves the kernel out.
define efi-make-esp
	@mkdir -p $(dir $(1))
	rm -f $(1) && truncate -s $(ESP_SIZE) $(1)
	mformat -i $(1) -v NTMINI ::
	mmd -i $(1) ::/EFI ::/EFI/BOOT ::/ntmini
	mcopy -i $(1) $(EFI_LOADER) ::/EFI/BOOT/BOOTX64.EFI
	$(if $(2),mcopy -i $(1) $(2) ::/ntmini/kernel.elf)
	mcopy -i $(1) $(3) ::/ntmini/cmdline.txt
endef

# ARGS goes into the image, so the file changes (and the image is rebuilt)
# only when ARGS does.
$(EFI_BUILD)/cmdline.txt: efi-force
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(ARGS)' | cmp -s - $@ || printf '%s\n' '$(ARGS)' > $@
$(EFI_BUILD)/cmdline-test.txt: tools/make/efi.mk
	@mkdir -p $(dir $@)
	printf '%s\n' 'test=all' > $@
$(EFI_BUILD)/cmdline-compare.txt: tools/make/efi.mk
	@mkdir -p $(dir $@)
	printf '%s\n' '$(EFI_COMPARE_ARGS)' > $@

# A kernel cut short, as a failed copy leaves it: the headers are intact but
# the segments point past the end of the file. The loader must refuse it.
$(EFI_BUILD)/kernel-truncated.elf: $(KERNEL)
	@mkdir -p $(dir $@)
	head -c 16384 $< > $@

$(ESP): $(EFI_LOADER) $(KERNEL) $(EFI_BUILD)/cmdline.txt
	$(call efi-make-esp,$@,$(KERNEL),$(EFI_BUILD)/cmdline.txt)
$(ESP_TEST): $(EFI_LOADER) $(KERNEL) $(EFI_BUILD)/cmdline-test.txt
	$(call efi-make-esp,$@,$(KERNEL),$(EFI_BUILD)/cmdline-test.txt)
$(ESP_BAD): $(EFI_LOADER) $(EFI_BUILD)/kernel-truncated.elf $(EFI_BUILD)/cmdline-test.txt
	$(call efi-make-esp,$@,$(EFI_BUILD)/kernel-truncated.elf,$(EFI_BUILD)/cmdline-test.txt)
$(ESP_MISSING): $(EFI_LOADER) $(EFI_BUILD)/cmdline-test.txt
	$(call efi-make-esp,$@,,$(EFI_BUILD)/cmdline-test.txt)
$(ESP_COMPARE): $(EFI_LOADER) $(KERNEL) $(EFI_BUILD)/cmdline-compare.txt
	$(call efi-make-esp,$@,$(KERNEL),$(EFI_BUILD)/cmdline-compare.txt)

# GRUB's side of the comparison: the same kernel and command line on a GRUB
# ISO (boot/grub.cfg's settings, one menu entry).
$(ISO_COMPARE): $(KERNEL) boot/grub.cfg
	@rm -rf $(EFI_BUILD)/compare-iso && mkdir -p $(EFI_BUILD)/compare-iso/boot/grub
	cp $(KERNEL) $(EFI_BUILD)/compare-iso/boot/kernel.elf
	sed -n '/^menuentry/q;p' boot/grub.cfg > $(EFI_BUILD)/compare-iso/boot/grub/grub.cfg
	printf 'menuentry "ntmini: boot information" {\n    multiboot2 /boot/kernel.elf %s\n    boot\n}\n' \
		'$(EFI_COMPARE_ARGS)' >> $(EFI_BUILD)/compare-iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(EFI_BUILD)/compare-iso 2> $(EFI_BUILD)/grub-mkrescue.log || \
		(cat $(EFI_BUILD)/grub-mkrescue.log; false)

# ---- running -------------------------------------------------------------------
# The ESP as the first boot device (bootindex=0), so OVMF does not try q35's
# empty CD drive first. snapshot=on: QEMU only reads the image (writes would
# go to a temporary overlay), so a test may boot it at the same time.
EFI_ESP_DISK = -drive if=none,id=esp,format=raw,snapshot=on,file=$(ESP) -device ide-hd,drive=esp,bus=ide.0,bootindex=0

run-efi: setup-check
	$(MAKE) --no-print-directory $(ESP) $(BUILD)/OVMF_VARS.fd $(DISK)
	$(QEMU) $(QEMU_COMMON) $(OVMF_FLASH) $(EFI_ESP_DISK) || true

efi-test: efi-images
	$(PYTHON) tools/efitest.py --build $(BUILD)

# `make test` boots the test ESP too (the `efi` line of tools/testplan.py).
test: efi-images

-include $(EFI_OBJ:.o=.d)
