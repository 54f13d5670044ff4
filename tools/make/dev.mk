# dev.mk - debugging and code hygiene: make debug, lint, format, compile_commands.json.

# A GDB port per user, as xv6 does, so two students on one machine don't collide.
GDB_PORT ?= $(shell expr 26000 + $$(id -u) % 5000)

# make debug: QEMU paused, GDB attached and stopped at KiSystemStartup (see
# docs/debugging.md). ARGS is the kernel command line; the kernel's serial
# output goes to $(BUILD)/debug-serial.log.
.PHONY: debug
debug: setup-check $(KERNEL)
	QEMU="$(QEMU)" MEM=$(MEM) SMP=$(SMP) MACHINE=$(MACHINE) DEBUG_LOG=$(BUILD)/debug-serial.log \
		tools/debug.sh $(KERNEL) $(GDB_PORT) "$(ARGS)"

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --std=c11 \
		--inline-suppr --suppress=missingIncludeSystem $(INCLUDES) -D__x86_64__ lib kernel drivers tests/kernel

format:
	clang-format -i $(KERNEL_C) $(wildcard tests/host/*.c) $(shell find include lib kernel tests -name '*.h')

# For clangd and editors: one entry per kernel source with its exact flags.
compile_commands.json:
	$(PYTHON) tools/compile_commands.py "$(CC) $(CFLAGS)" $(KERNEL_C) > $@
