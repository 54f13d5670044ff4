# host.mk - host unit tests and the test entry point.
#
# lib/ is plain C with no kernel dependencies, so it also builds for the host,
# where AddressSanitizer and UndefinedBehaviorSanitizer watch it. Each
# tests/host/test_*.c becomes one program that prints KTAP, like the kernel.
#
# The kernel's memcpy/memset/... would clash with the C library's, so the
# host build renames them (lib_memcpy, ...); the tests call those names.

HOST_BUILD := $(BUILD_ROOT)/host
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Iinclude -Ilib -Itests/host \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-builtin
HOST_RENAME := -Dmemcpy=lib_memcpy -Dmemmove=lib_memmove -Dmemset=lib_memset -Dmemcmp=lib_memcmp \
	-Dstrlen=lib_strlen -Dstrnlen=lib_strnlen -Dstrcmp=lib_strcmp -Dstrncmp=lib_strncmp -Dstrchr=lib_strchr
HOST_LIB_SRC := $(wildcard lib/*.c)
# Kernel files that call nothing in the kernel (the ACPI table parser) are
# built and tested the same way; they include kernel headers, hence -Ikernel.
HOST_KERNEL_SRC := kernel/hal/acpi_tables.c kernel/hal/acpi_madt.c kernel/hal/acpi_mcfg.c kernel/hal/acpi_hpet.c
HOST_OBJ := $(patsubst %.c,$(HOST_BUILD)/%.o,$(HOST_LIB_SRC) $(HOST_KERNEL_SRC))
HOST_TEST_SRC := $(wildcard tests/host/test_*.c)
HOST_TESTS := $(patsubst tests/host/%.c,$(HOST_BUILD)/%,$(HOST_TEST_SRC))
HOST_EXTRA_SRC := $(filter-out $(HOST_TEST_SRC),$(wildcard tests/host/*.c))

$(HOST_BUILD)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) $(HOST_RENAME) -MMD -MP -c $< -o $@

$(HOST_BUILD)/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Ikernel $(HOST_RENAME) -MMD -MP -c $< -o $@

$(HOST_BUILD)/%: tests/host/%.c $(HOST_OBJ) $(HOST_EXTRA_SRC)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Ikernel -MMD -MP $< $(HOST_EXTRA_SRC) $(HOST_OBJ) -o $@

.PHONY: host-tests
host-tests: $(HOST_TESTS)

# `make test` builds everything (gcc and clang kernels, the host tests, the test
# ISO of tools/make/testiso.mk), then tools/ktest.py runs the runner's own
# self-test, the host tests and every kernel boot in tools/testplan.py, and
# prints one totals line. TESTS= narrows it to items or groups (TESTS=host,
# TESTS=pvh, TESTS=crash, TESTS=gdb; `python3 tools/ktest.py --list` shows
# them all); JOBS= sets how many boots run at once (default 2).
test: setup-check
	$(MAKE) --no-print-directory all host-tests test-iso
	$(MAKE) --no-print-directory CC=clang kernel
	$(PYTHON) tools/ktest.py --build $(BUILD_ROOT) $(if $(TESTS),--only '$(TESTS)',) $(if $(JOBS),--jobs $(JOBS),)

-include $(HOST_TESTS:=.d) $(HOST_OBJ:.o=.d)
