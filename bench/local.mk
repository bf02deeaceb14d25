# Benchmarks: `make bench` builds and runs every program named in
# BENCH_TARGETS (each fragment appends its own run target).  Benchmarks are
# never part of `make check`: they measure, they do not assert timing.
bench: $(BENCH_TARGETS)
.PHONY: bench $(BENCH_TARGETS)
