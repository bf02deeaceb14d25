# Benchmarks: `make bench` builds and runs every program named in
# BENCH_TARGETS (each fragment appends its own run target).  Benchmarks are
# never part of `make check`: they measure, they do not assert timing.

# Benchmark: a read through the gateway vs the bare socket round trip, and
# posted writes per second (`make bench-gateway`; doc/performance.md).
# Always -O2, whatever CFLAGS say, so numbers compare.
EXTRA_PROGRAMS += bench/gateway-bench
CLEANFILES += bench/gateway-bench$(EXEEXT)
bench_gateway_bench_SOURCES = bench/gateway-bench.c
bench_gateway_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)
bench_gateway_bench_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -O2
# sclink-client's TLS (tools/client/tls.c) for --tls.
bench_gateway_bench_LDADD = tools/client/libclient.la proto/libsclink.la $(PROTOBUF_C_LIBS) \
	$(GNUTLS_LIBS)
EXTRA_DIST += bench/gateway-bench.sh bench/advance-bench.sh

BENCH_TARGETS += bench-gateway
bench-gateway: bench/gateway-bench$(EXEEXT) sc-gateway/sclink-gateway$(EXEEXT)
	@$(MKDIR_P) bench/results
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/bench/gateway-bench.sh \
		bench/results/gateway.json

# Benchmark: the QEMU device (`make bench-qemu`; doc/performance.md, issue
# 5): guest MMIO reads on sclink-pci vs QEMU's edu device vs raw Unix
# ping-pong, and the Sync overhead of an idle link on a CPU-bound guest.
# Needs the sclink QEMU and the test guest (built and cached on first use).
EXTRA_DIST += bench/qemu-bench.sh bench/qemu-ab.sh guest/sclink-guest-bench.c

BENCH_TARGETS += bench-qemu
bench-qemu: bench/gateway-bench$(EXEEXT) sc-gateway/sclink-gateway$(EXEEXT)
	@$(MKDIR_P) bench/results
	top_builddir='$(top_builddir)' $(SHELL) $(top_srcdir)/bench/qemu-bench.sh \
		bench/results/qemu.json

bench: $(BENCH_TARGETS)
.PHONY: bench $(BENCH_TARGETS)
