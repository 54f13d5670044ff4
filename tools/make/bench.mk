# bench.mk - `make bench`: boot the kernel with `bench=` and print its
# `bench <name> <metric>=<value>` lines (tests/kernel/bench_*.c).
#
#   make bench                 every benchmark, 4 CPUs
#   make bench BENCH=dpc_*     only the matching ones
#   make bench BENCH_SMP=2
# Numbers, not verdicts: under TCG they are the host's TSC cycles, so compare
# runs on one machine only.

BENCH ?= all
BENCH_SMP ?= 4

# The whole serial log is kept in $(BUILD)/bench.log; no `bench` line at all
# (a bug check, a hang) is an error, not an empty result.
bench: setup-check $(KERNEL)
	@timeout 300 $(QEMU) -M q35 -m $(MEM) -smp $(BENCH_SMP) -display none -no-reboot -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel $(KERNEL) \
		-append "quiet bench=$(BENCH)" | tr -d '\r' > $(BUILD)/bench.log; \
	grep '^bench ' $(BUILD)/bench.log || { echo "bench: no results; see $(BUILD)/bench.log" >&2; exit 1; }
