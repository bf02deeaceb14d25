# sc-gateway/: libsclink-gateway (sclink::Gateway, its libuv server, the
# model registry and the built-in models) and the standalone sclink-gateway
# program that builds a platform from a YAML file.

lib_LTLIBRARIES += sc-gateway/libsclink-gateway.la
sc_gateway_libsclink_gateway_la_SOURCES = \
	sc-gateway/gateway.h \
	sc-gateway/gateway.cc \
	sc-gateway/link.h \
	sc-gateway/session.h \
	sc-gateway/session.cc \
	sc-gateway/clock.h \
	sc-gateway/clock.cc \
	sc-gateway/mmio.h \
	sc-gateway/mmio.cc \
	sc-gateway/dma-bridge.h \
	sc-gateway/dma-bridge.cc \
	sc-gateway/irq-map.h \
	sc-gateway/irq-map.cc \
	sc-gateway/stats.h \
	sc-gateway/stats.cc \
	sc-gateway/transport.h \
	sc-gateway/transport.cc \
	sc-gateway/model.h \
	sc-gateway/loader.h \
	sc-gateway/loader.cc \
	sc-gateway/platform.h \
	sc-gateway/platform.c \
	sc-gateway/server.h \
	sc-gateway/server.c \
	sc-gateway/tls.h \
	sc-gateway/tls.c
sc_gateway_libsclink_gateway_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/router \
	$(SYSTEMC_CFLAGS) $(LIBUV_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CYAML_CFLAGS) $(YAML_CFLAGS) \
	$(GNUTLS_CFLAGS)
sc_gateway_libsclink_gateway_la_LIBADD = sc-gateway/models/libsclink-models.la \
	router/libsclink-router.la proto/libsclink.la \
	$(SYSTEMC_LIBS) $(LIBUV_LIBS) $(PROTOBUF_C_LIBS) $(CYAML_LIBS) $(YAML_LIBS) \
	$(GNUTLS_LIBS) -ldl
sc_gateway_libsclink_gateway_la_LDFLAGS = -version-info 0:0:0
sclinkinclude_HEADERS += sc-gateway/gateway.h sc-gateway/model.h sc-gateway/at-adapter.h \
	sc-gateway/regblock.h sc-gateway/bus.h sc-gateway/loader.h

bin_PROGRAMS += sc-gateway/sclink-gateway
sc_gateway_sclink_gateway_SOURCES = sc-gateway/main.cc
sc_gateway_sclink_gateway_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/router \
	$(SYSTEMC_CFLAGS) $(PROTOBUF_C_CFLAGS)
sc_gateway_sclink_gateway_LDADD = sc-gateway/libsclink-gateway.la \
	router/libsclink-router.la proto/libsclink.la \
	$(SYSTEMC_LIBS) $(LIBUV_LIBS) $(PROTOBUF_C_LIBS)

pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = sclink.pc sclink-router.pc sclink-gateway.pc

# Platform file loader: good files and every error path.
check_PROGRAMS += tests/gateway/test-platform
TESTS += tests/gateway/test-platform
tests_gateway_test_platform_SOURCES = tests/gateway/test-platform.c \
	sc-gateway/platform.c sc-gateway/platform.h
tests_gateway_test_platform_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway \
	$(CYAML_CFLAGS) $(YAML_CFLAGS)
tests_gateway_test_platform_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_gateway_test_platform_LDADD = $(CYAML_LIBS) $(YAML_LIBS) $(CHECK_LIBS)

# The gateway over real sockets: sclink-client scripts for every model,
# both transports and every interrupt kind, and a Check suite for faults.
check_PROGRAMS += tests/gateway/test-faults
tests_gateway_test_faults_SOURCES = tests/gateway/test-faults.c \
	tests/gateway/gwtest.c tests/gateway/gwtest.h
tests_gateway_test_faults_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS)
tests_gateway_test_faults_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS) $(CHECK_LIBS)

# The libuv server writing to a peer that has gone, SIGPIPE left at its
# default: the library must not die of it, nor ignore it for the process.
check_PROGRAMS += tests/gateway/test-server
TESTS += tests/gateway/test-server
tests_gateway_test_server_SOURCES = tests/gateway/test-server.c \
	sc-gateway/server.c sc-gateway/server.h sc-gateway/tls.c sc-gateway/tls.h
tests_gateway_test_server_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway
tests_gateway_test_server_CFLAGS = $(AM_CFLAGS) $(LIBUV_CFLAGS) $(PROTOBUF_C_CFLAGS) $(GNUTLS_CFLAGS) \
	$(CHECK_CFLAGS)
tests_gateway_test_server_LDADD = proto/libsclink.la $(LIBUV_LIBS) $(PROTOBUF_C_LIBS) $(GNUTLS_LIBS) \
	$(CHECK_LIBS)

# The session without a socket: a scripted peer in the transport's place
# feeds messages and observes what comes out, with the real clock, model
# calls, DMA bridge, interrupt map and the built-in memory model; one case
# per message type and state, each in its own process and simulation.
check_PROGRAMS += tests/gateway/test-session
TESTS += tests/gateway/test-session
tests_gateway_test_session_SOURCES = tests/gateway/test-session.cc \
	sc-gateway/session.cc sc-gateway/clock.cc sc-gateway/mmio.cc \
	sc-gateway/dma-bridge.cc sc-gateway/irq-map.cc sc-gateway/stats.cc
tests_gateway_test_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway \
	$(SYSTEMC_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS)
tests_gateway_test_session_LDADD = sc-gateway/models/libsclink-models.la proto/libsclink.la \
	$(SYSTEMC_LIBS) $(PROTOBUF_C_LIBS) $(CHECK_LIBS)

# The library takes no signal of its host's: dispositions unchanged after
# listen() and a run, stop() as a host's handler calls it.
check_PROGRAMS += tests/gateway/test-library-signals
TESTS += tests/gateway/test-library-signals
tests_gateway_test_library_signals_SOURCES = tests/gateway/test-library-signals.cc
tests_gateway_test_library_signals_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway \
	-I$(top_srcdir)/tests $(SYSTEMC_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_gateway_test_library_signals_LDADD = sc-gateway/libsclink-gateway.la proto/libsclink.la \
	$(SYSTEMC_LIBS) $(PROTOBUF_C_LIBS)

# Each rule of doc/protocol.md where a peer written from the spec alone
# once disagreed with the gateway, one case each, with hand-built frames.
check_PROGRAMS += tests/gateway/test-conformance
tests_gateway_test_conformance_SOURCES = tests/gateway/test-conformance.c \
	tests/gateway/gwtest.c tests/gateway/gwtest.h
tests_gateway_test_conformance_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS)
tests_gateway_test_conformance_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS) $(CHECK_LIBS)

# sclink::AtAdapter (header-only) against an AT target that answers in
# every way the base protocol allows.
check_PROGRAMS += tests/gateway/test-at-adapter
TESTS += tests/gateway/test-at-adapter
tests_gateway_test_at_adapter_SOURCES = tests/gateway/test-at-adapter.cc sc-gateway/at-adapter.h
tests_gateway_test_at_adapter_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway $(SYSTEMC_CFLAGS)
tests_gateway_test_at_adapter_LDADD = $(SYSTEMC_LIBS)

# A plugin whose model issues the DMA transactions no built-in model does,
# for dma-refused.sh and dma-4gib.sh.  A module, not installed: -rpath makes the .so.
check_LTLIBRARIES += tests/gateway/libsclink-dma-probe.la
tests_gateway_libsclink_dma_probe_la_SOURCES = tests/gateway/dma-probe.cc
tests_gateway_libsclink_dma_probe_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway \
	$(SYSTEMC_CFLAGS)
tests_gateway_libsclink_dma_probe_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
tests_gateway_libsclink_dma_probe_la_LIBADD = sc-gateway/libsclink-gateway.la $(SYSTEMC_LIBS)

# A plugin whose target wait()s inside b_transport, for wait-in-b-transport.sh.
check_LTLIBRARIES += tests/gateway/libsclink-waiter.la
tests_gateway_libsclink_waiter_la_SOURCES = tests/gateway/wait-model.cc
tests_gateway_libsclink_waiter_la_CPPFLAGS = $(tests_gateway_libsclink_dma_probe_la_CPPFLAGS)
tests_gateway_libsclink_waiter_la_LDFLAGS = $(tests_gateway_libsclink_dma_probe_la_LDFLAGS)
tests_gateway_libsclink_waiter_la_LIBADD = $(tests_gateway_libsclink_dma_probe_la_LIBADD)

# A plugin whose model fails on request (report, assert, sc_stop, waits,
# spins), for failing-models.sh.
check_LTLIBRARIES += tests/gateway/libsclink-fail-model.la
tests_gateway_libsclink_fail_model_la_SOURCES = tests/gateway/fail-model.cc
tests_gateway_libsclink_fail_model_la_CPPFLAGS = $(tests_gateway_libsclink_dma_probe_la_CPPFLAGS) -UNDEBUG
tests_gateway_libsclink_fail_model_la_LDFLAGS = $(tests_gateway_libsclink_dma_probe_la_LDFLAGS)
tests_gateway_libsclink_fail_model_la_LIBADD = $(tests_gateway_libsclink_dma_probe_la_LIBADD)

# A plugin whose model has two targets, two interrupt outputs and an MSI
# port, for multi-model.sh.
check_LTLIBRARIES += tests/gateway/libsclink-multi.la
tests_gateway_libsclink_multi_la_SOURCES = tests/gateway/multi-model.cc
tests_gateway_libsclink_multi_la_CPPFLAGS = $(tests_gateway_libsclink_dma_probe_la_CPPFLAGS)
tests_gateway_libsclink_multi_la_LDFLAGS = $(tests_gateway_libsclink_dma_probe_la_LDFLAGS)
tests_gateway_libsclink_multi_la_LIBADD = $(tests_gateway_libsclink_dma_probe_la_LIBADD)

GATEWAY_TESTS = \
	tests/gateway/models-unix.sh \
	tests/gateway/models-tcp.sh \
	tests/gateway/timer-msi.sh \
	tests/gateway/timer-msix.sh \
	tests/gateway/timer-intx.sh \
	tests/gateway/dma-split.sh \
	tests/gateway/dma-refused.sh \
	tests/gateway/dma-4gib.sh \
	tests/gateway/lookahead.sh \
	tests/gateway/log-rate-limits-posted-failures.sh \
	tests/gateway/trace-survives-sigkill.sh \
	tests/gateway/socket-exposure.sh \
	tests/gateway/time-limits.sh \
	tests/gateway/idle-timeout-and-pause.sh \
	tests/gateway/device-reset.sh \
	tests/gateway/wait-in-b-transport.sh \
	tests/gateway/accellera-lt-target.sh \
	tests/gateway/accellera-lt-synch-target.sh \
	tests/gateway/accellera-at-targets.sh \
	tests/gateway/failing-models.sh \
	tests/gateway/multi-model.sh \
	tests/gateway/tls.sh \
	tests/gateway/test-faults \
	tests/gateway/test-conformance
TESTS += $(GATEWAY_TESTS)
EXTRA_DIST += tests/gateway/lib.sh tests/gateway/models.sh tests/gateway/timer.sh \
	tests/gateway/accellera/lib.sh tests/gateway/accellera/targets.cc \
	tests/gateway/platform.yaml.in $(filter %.sh,$(GATEWAY_TESTS))
# What each test runs, so that a log made on its own (`make
# tests/gateway/dma-split.sh.log`, or the same with -j) has it built first.
# The targets are named through variables: a rule naming a test's log
# literally would make automake drop its own rule for that log, and the
# test would never run.  (`make check` builds every check program before
# any test anyway.)
GATEWAY_SH_LOGS = $(patsubst %.sh,%.sh.log,$(filter %.sh,$(GATEWAY_TESTS)))
GATEWAY_CHECK_LOGS = $(addsuffix .log,$(filter-out %.sh,$(GATEWAY_TESTS)))
$(GATEWAY_SH_LOGS) $(GATEWAY_CHECK_LOGS): sc-gateway/sclink-gateway$(EXEEXT)
$(GATEWAY_SH_LOGS): tools/sclink-client$(EXEEXT)
GATEWAY_DMA_PROBE_LOGS = tests/gateway/dma-refused.sh.log tests/gateway/dma-4gib.sh.log
$(GATEWAY_DMA_PROBE_LOGS): tests/gateway/libsclink-dma-probe.la
GATEWAY_WAITER_LOGS = tests/gateway/wait-in-b-transport.sh.log
$(GATEWAY_WAITER_LOGS): tests/gateway/libsclink-waiter.la
GATEWAY_FAIL_MODEL_LOGS = tests/gateway/failing-models.sh.log
$(GATEWAY_FAIL_MODEL_LOGS): tests/gateway/libsclink-fail-model.la
GATEWAY_MULTI_LOGS = tests/gateway/multi-model.sh.log
$(GATEWAY_MULTI_LOGS): tests/gateway/libsclink-multi.la
