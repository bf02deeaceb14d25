# router/: the address map (a C core, sclink_map_*) and sclink::Router, the
# TLM-2.0 interconnect built on it (issue 3, doc/router.md).
#
# The C core is a convenience library of its own because libsystemc
# defines main() and wants sc_main(): a C program (its Check suite, a future
# C tool) must be able to link the map without SystemC.  It is installed
# inside libsclink-router, which is the one library users link.
noinst_LTLIBRARIES += router/libsclink-map.la
router_libsclink_map_la_SOURCES = \
	router/sclink_router.h \
	router/map-internal.h \
	router/map.c

lib_LTLIBRARIES += router/libsclink-router.la
router_libsclink_router_la_SOURCES = \
	router/router.h \
	router/router.cc
router_libsclink_router_la_CPPFLAGS = $(AM_CPPFLAGS) $(SYSTEMC_CFLAGS)
router_libsclink_router_la_LIBADD = router/libsclink-map.la $(SYSTEMC_LIBS)
router_libsclink_router_la_LDFLAGS = -version-info 0:0:0
sclinkinclude_HEADERS += router/sclink_router.h router/router.h

# Check suite for the C core.
check_PROGRAMS += tests/router/test-map
TESTS += tests/router/test-map
tests_router_test_map_SOURCES = tests/router/test-map.c
tests_router_test_map_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/router
tests_router_test_map_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_router_test_map_LDADD = router/libsclink-map.la $(CHECK_LIBS)

# SystemC tests of sclink::Router against small memory targets.
check_PROGRAMS += tests/router/test-router
TESTS += tests/router/test-router
tests_router_test_router_SOURCES = tests/router/test-router.cc
tests_router_test_router_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/router \
	$(SYSTEMC_CFLAGS)
tests_router_test_router_LDADD = router/libsclink-router.la $(SYSTEMC_LIBS)

# Benchmark: routed vs direct b_transport (`make bench-router` or `make
# bench`).  Always -O2, whatever CXXFLAGS say, so numbers compare.
EXTRA_PROGRAMS += bench/router-bench
CLEANFILES += bench/router-bench$(EXEEXT)
bench_router_bench_SOURCES = bench/router-bench.cc
bench_router_bench_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/router \
	$(SYSTEMC_CFLAGS)
bench_router_bench_CXXFLAGS = $(AM_CXXFLAGS) -O2
bench_router_bench_LDADD = router/libsclink-router.la $(SYSTEMC_LIBS)

BENCH_TARGETS += bench-router
bench-router: bench/router-bench$(EXEEXT)
	@$(MKDIR_P) bench/results
	./bench/router-bench$(EXEEXT) --json bench/results/router.json
