# sc-gateway/models/: the built-in SystemC models (memory, uart, timer, dma,
# id), the ModelConfig parameter getters and the model type registry of
# sc-gateway/model.h (doc/models.md), and the installed model toolkit they
# are built on, sc-gateway/regblock.h and bus.h (doc/gateway.md).  A convenience library: it is linked
# into the gateway library.
noinst_LTLIBRARIES += sc-gateway/models/libsclink-models.la
sc_gateway_models_libsclink_models_la_SOURCES = \
	sc-gateway/model.h \
	sc-gateway/models/util.h \
	sc-gateway/models/util.cc \
	sc-gateway/bus.h \
	sc-gateway/bus.cc \
	sc-gateway/regblock.h \
	sc-gateway/regblock.cc \
	sc-gateway/models/registry.cc \
	sc-gateway/models/memory.h \
	sc-gateway/models/memory.cc \
	sc-gateway/models/uart.h \
	sc-gateway/models/uart.cc \
	sc-gateway/models/timer.h \
	sc-gateway/models/timer.cc \
	sc-gateway/models/dma.h \
	sc-gateway/models/dma.cc \
	sc-gateway/models/id.h \
	sc-gateway/models/id.cc
SCLINK_MODELS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/sc-gateway \
	-I$(top_srcdir)/sc-gateway/models $(SYSTEMC_CFLAGS) \
	-DSCLINK_MODELS_VERSION='"$(PACKAGE_VERSION)"'
sc_gateway_models_libsclink_models_la_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
sc_gateway_models_libsclink_models_la_LIBADD = $(SYSTEMC_LIBS)

# SystemC tests: each model bound straight to a test initiator
# (tests/models/harness.h); each check prints a line, failures set the
# exit status.
SCLINK_MODEL_TESTS = \
	tests/models/test-registry \
	tests/models/test-memory \
	tests/models/test-uart \
	tests/models/test-timer \
	tests/models/test-dma \
	tests/models/test-id
check_PROGRAMS += $(SCLINK_MODEL_TESTS)
TESTS += $(SCLINK_MODEL_TESTS)
SCLINK_MODEL_TEST_LDADD = sc-gateway/models/libsclink-models.la $(SYSTEMC_LIBS)

tests_models_test_registry_SOURCES = tests/models/test-registry.cc tests/models/harness.h
tests_models_test_registry_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_registry_LDADD = $(SCLINK_MODEL_TEST_LDADD)
tests_models_test_memory_SOURCES = tests/models/test-memory.cc tests/models/harness.h
tests_models_test_memory_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_memory_LDADD = $(SCLINK_MODEL_TEST_LDADD)
tests_models_test_uart_SOURCES = tests/models/test-uart.cc tests/models/harness.h
tests_models_test_uart_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_uart_LDADD = $(SCLINK_MODEL_TEST_LDADD)
tests_models_test_timer_SOURCES = tests/models/test-timer.cc tests/models/harness.h
tests_models_test_timer_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_timer_LDADD = $(SCLINK_MODEL_TEST_LDADD)
tests_models_test_dma_SOURCES = tests/models/test-dma.cc tests/models/harness.h
tests_models_test_dma_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_dma_LDADD = $(SCLINK_MODEL_TEST_LDADD)
tests_models_test_id_SOURCES = tests/models/test-id.cc tests/models/harness.h
tests_models_test_id_CPPFLAGS = $(SCLINK_MODELS_CPPFLAGS)
tests_models_test_id_LDADD = $(SCLINK_MODEL_TEST_LDADD)
