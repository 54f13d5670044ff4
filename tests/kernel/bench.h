/*
 * bench.h - the `bench=` kernel option: latency benchmarks that print lines
 *
 *     bench <name> <metric>=<value> ...
 *
 * for `make bench` (tools/make/bench.mk). Not tests: nothing passes or fails,
 * the numbers depend on the machine. bench=all runs every benchmark; bench=NAME
 * (wildcards allowed) only the matching ones.
 */
#ifndef BENCH_H
#define BENCH_H

#include "ntdef.h"

VOID KtRunBenchmarks(VOID);

#endif /* BENCH_H */
