# Makefile - builds the kernel, its boot images and its tests.
#
#   make            kernel ELF + GRUB ISO (BIOS and UEFI)
#   make run        boot it in QEMU (serial console on this terminal)
#   make test       host unit tests + every kernel test boot; ends with a totals line
#   make debug      QEMU paused + GDB attached, stopped at KiSystemStartup
#   make CC=clang   the same with clang and ld.lld (objects go to build/clang)
#
# Sources are found by directory, so a new .c or .asm file needs no edit here.

# ---- toolchain -------------------------------------------------------------
# An x86_64-elf cross compiler is used when one is on PATH; otherwise the host
# gcc, which builds a correct freestanding kernel with the flags below.
CROSS ?= $(if $(shell command -v x86_64-elf-gcc 2>/dev/null),x86_64-elf-,)
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
NASM ?= nasm
PYTHON ?= python3
HOSTCC ?= gcc

# BUILD_ROOT keeps several builds apart (build/ by default; clang in build/clang).
BUILD_ROOT ?= build
ifneq ($(findstring clang,$(CC)),)
COMPILER := clang
LD := ld.lld
TARGET_FLAGS := --target=x86_64-unknown-none
BUILD := $(BUILD_ROOT)/clang
else
COMPILER := gcc
LD := $(CROSS)ld
TARGET_FLAGS :=
BUILD := $(BUILD_ROOT)
endif
NM := $(if $(CROSS),$(CROSS)nm,nm)

# ---- flags ------------------------------------------------------------------
# -mcmodel=kernel: code and data live in the top 2 GiB (0xffffffff80000000+).
# -mno-red-zone: an interrupt may push onto the stack below rsp at any time.
# -mgeneral-regs-only: no SSE state is saved on interrupts, so none may be used.
# -fno-omit-frame-pointer: bug-check backtraces walk the rbp chain.
# -fshort-wchar: L"..." is an array of 16-bit WCHARs, as on Windows (UNICODE_STRING).
# OPT: -Og keeps every variable visible to GDB while stepping; `make bench`
# builds a second kernel with -O2 in its own directory (tools/make/bench.mk).
OPT ?= -Og
INCLUDES := -Iinclude -Ilib -Ikernel -Itests/kernel
CFLAGS := $(TARGET_FLAGS) -std=gnu11 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-strict-aliasing -fshort-wchar $(OPT) -g -Wall -Wextra -Werror -Wno-unused-parameter $(INCLUDES) -MMD -MP
ifeq ($(COMPILER),gcc)
CFLAGS += -fno-tree-loop-distribute-patterns
endif
NASMFLAGS := -f elf64 -g -F dwarf -Werror
LDFLAGS := -n -nostdlib -static -z max-page-size=0x1000 -T linker.ld

# ---- sources ----------------------------------------------------------------
KERNEL_C := $(shell find kernel lib drivers tests/kernel tests/wdm -name '*.c' 2>/dev/null | sort)
KERNEL_ASM := $(shell find boot kernel -name '*.asm' -not -path 'boot/efi/*' 2>/dev/null | sort)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(KERNEL_C)) $(patsubst %.asm,$(BUILD)/obj/%.o,$(KERNEL_ASM))

KERNEL := $(BUILD)/kernel.elf
ISO := $(BUILD)/ntmini.iso

.PHONY: all kernel iso run run-bios run-efi test debug clean lint format compile_commands.json setup bench
all: $(KERNEL) $(ISO)
kernel: $(KERNEL)
iso: $(ISO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# string.c must not be turned back into calls to itself (see the file).
$(BUILD)/obj/lib/string.o: CFLAGS += -fno-builtin

$(BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) $< -o $@

# Two links: the first without symbols, the second with the symbol table that
# tools/gensyms.py makes from the first (see linker.ld for why nothing moves).
$(BUILD)/ksyms-empty.asm: tools/gensyms.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/gensyms.py --empty > $@
$(BUILD)/kernel.pass1.elf: $(KERNEL_OBJ) $(BUILD)/ksyms-empty.o linker.ld
	$(LD) $(LDFLAGS) -o $@ $(KERNEL_OBJ) $(BUILD)/ksyms-empty.o
$(BUILD)/ksyms.asm: $(BUILD)/kernel.pass1.elf tools/gensyms.py
	$(NM) -n $< > $(BUILD)/kernel.pass1.nm
	$(PYTHON) tools/gensyms.py $(BUILD)/kernel.pass1.nm > $@
$(BUILD)/%.o: $(BUILD)/%.asm
	$(NASM) $(NASMFLAGS) $< -o $@
$(KERNEL): $(KERNEL_OBJ) $(BUILD)/ksyms.o linker.ld $(BUILD)/drivers-include-wdm-only
	$(LD) $(LDFLAGS) -o $@ $(KERNEL_OBJ) $(BUILD)/ksyms.o
	$(PYTHON) tools/checksyms.py $(BUILD)/kernel.pass1.elf $@

# Drivers reach the kernel through wdm.h alone: the build fails when a file in
# drivers/ or tests/wdm/ includes anything else (tools/check_driver_includes.py).
DRIVER_SOURCES := $(shell find drivers tests/wdm -name '*.[ch]' 2>/dev/null | sort)
$(BUILD)/drivers-include-wdm-only: $(DRIVER_SOURCES) tools/check_driver_includes.py
	@mkdir -p $(BUILD)
	$(PYTHON) tools/check_driver_includes.py $(DRIVER_SOURCES)
	@touch $@

# ---- the GRUB ISO: one image for SeaBIOS and for OVMF -------------------------
$(ISO): $(KERNEL) boot/grub.cfg
	@rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	cp $(KERNEL) $(BUILD)/iso/boot/kernel.elf
	cp boot/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/iso 2> $(BUILD)/grub-mkrescue.log || (cat $(BUILD)/grub-mkrescue.log; false)

include tools/make/run.mk
include tools/make/host.mk
include tools/make/dev.mk
-include tools/make/efi.mk
-include tools/make/testiso.mk
-include tools/make/fuzz.mk
-include tools/make/bench.mk

clean:
	rm -rf $(BUILD_ROOT)

-include $(KERNEL_OBJ:.o=.d)
