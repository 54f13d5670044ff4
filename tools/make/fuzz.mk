# fuzz.mk - fuzzing the ACPI table parser with libFuzzer: make fuzz-acpi.
#
# clang's -fsanitize=fuzzer links in libFuzzer's main(), which feeds the
# harness (tests/fuzz/fuzz_acpi.c) mutated inputs for FUZZ_TIME seconds under
# AddressSanitizer and UBSan. The corpus it grows stays in
# $(BUILD_ROOT)/fuzz/corpus-acpi, so the next run starts where this one
# stopped. A crash stops the run, fails the target and leaves the input in
# $(BUILD_ROOT)/fuzz/crash-*; `$(BUILD_ROOT)/fuzz/fuzz_acpi FILE` replays it.
# Not part of `make test`, which runs the host unit tests only.

FUZZ_BUILD := $(BUILD_ROOT)/fuzz
FUZZ_TIME ?= 20
FUZZ_CC ?= clang
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Iinclude -Ilib -Ikernel -Itests/host \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -fno-builtin

$(FUZZ_BUILD)/fuzz_acpi: tests/fuzz/fuzz_acpi.c $(HOST_LIB_SRC) $(HOST_KERNEL_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(HOST_RENAME) $^ -o $@

.PHONY: fuzz-acpi
fuzz-acpi: setup-check $(FUZZ_BUILD)/fuzz_acpi
	@mkdir -p $(FUZZ_BUILD)/corpus-acpi
	$(FUZZ_BUILD)/fuzz_acpi -max_total_time=$(FUZZ_TIME) -dict=tests/fuzz/acpi.dict -artifact_prefix=$(FUZZ_BUILD)/ \
		-print_final_stats=1 $(FUZZ_BUILD)/corpus-acpi
