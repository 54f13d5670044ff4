# bench.mk - `make bench`: boot the kernel with `bench=` and print its
# `bench <name> <metric>=<value>` lines (tests/kernel/bench_*.c), in two boots
# (docs/bench.md):
#
#   the DPC benchmarks (bench_dpc.c): BENCH_SMP CPUs, no disk;
#   the disk workloads (bench_disk.c): q35, 512 MiB, 2 CPUs and BENCH_IMG, a
#   256 MiB raw disk of random bytes (made once), on the q35 AHCI controller
#   with cache=none,aio=threads: the machine ../shared/bench/linux-peer runs
#   Linux in. The write workload overwrites part of BENCH_IMG.
#
#   make bench                         both boots
#   make bench-dpc BENCH=dpc_*         only the matching DPC benchmarks
#   make bench-disk BENCH_DISK=rand-read-4k-qd1
#   make bench-disk BENCH_ARGS="bench.device=/Device/RamDisk0 bench.seconds=1"
#                                      more kernel options (bench_disk.c)
#   make bench-compare                 the disk workloads here and Linux 6.1's
#                                      (linux-peer), back to back on the same
#                                      bytes, instructions per 4 KiB read
#                                      (icount plugin), and a table (~2-5 min)
# Numbers, not verdicts: under TCG they depend on the host, so compare runs on
# one machine only, and side by side (bench-compare) when comparing with Linux.

BENCH ?= *dpc*
BENCH_SMP ?= 4
BENCH_DISK ?= disk
BENCH_ARGS ?=
BENCH_IMG ?= $(BUILD_ROOT)/bench-disk.img
BENCH_SHARED ?= ../shared/bench
BENCH_LOGS := $(BUILD)/bench-logs
BENCH_PLUGIN := $(BUILD)/icount/icount.so

.PHONY: bench bench-dpc bench-disk bench-compare

# One boot after the other, even under make -j: two QEMUs would slow each other.
bench:
	@$(MAKE) --no-print-directory bench-dpc
	@$(MAKE) --no-print-directory bench-disk

# The whole serial log is kept in $(BUILD)/bench.log; no `bench` line at all
# (a bug check, a hang) is an error, not an empty result.
bench-dpc: setup-check $(KERNEL)
	@timeout 300 $(QEMU) -M q35 -m $(MEM) -smp $(BENCH_SMP) -display none -no-reboot -serial stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel $(KERNEL) \
		-append "quiet bench=$(BENCH)" | tr -d '\r' > $(BUILD)/bench.log; \
	grep '^bench ' $(BUILD)/bench.log || { echo "bench: no results; see $(BUILD)/bench.log" >&2; exit 1; }

$(BENCH_IMG):
	@mkdir -p $(dir $@)
	dd if=/dev/urandom of=$@.tmp bs=1M count=256 status=none && mv $@.tmp $@

# Serial log: $(BUILD)/bench-disk.log.
bench-disk: setup-check $(KERNEL) $(BENCH_IMG)
	@$(PYTHON) tools/benchdisk.py run --kernel $(KERNEL) --image $(BENCH_IMG) --bench '$(BENCH_DISK)' \
		--options '$(BENCH_ARGS)' --log $(BUILD)/bench-disk.log

$(BENCH_PLUGIN): $(BENCH_SHARED)/icount/icount.c
	$(BENCH_SHARED)/icount/build.sh $(dir $@) > /dev/null

# Logs in $(BENCH_LOGS): ours.log, icount-*.log, linux-peer.log.
bench-compare: setup-check $(KERNEL) $(BENCH_IMG) $(BENCH_PLUGIN)
	@$(PYTHON) tools/benchdisk.py compare --kernel $(KERNEL) --image $(BENCH_IMG) --logs $(BENCH_LOGS) \
		--plugin $(BENCH_PLUGIN) --peer $(BENCH_SHARED)/linux-peer/run --options '$(BENCH_ARGS)'
