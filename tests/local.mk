# Check unit tests for libsclink.  tests/common/ holds one valid sample of
# every message, shared with the fuzz seed generator.

check_LTLIBRARIES += tests/libsamples.la
tests_libsamples_la_SOURCES = tests/common/samples.c tests/common/samples.h
EXTRA_DIST += tests/common/sc-check.h tests/common/check-main.h tests/common/lib.sh \
	tests/common/pci-driver.sh \
	tests/common/dma-cases.h
tests_libsamples_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)

SCLINK_TEST_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests
SCLINK_TEST_LIBS = tests/libsamples.la proto/libsclink.la $(PROTOBUF_C_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/test-codec tests/test-conn tests/test-rules \
	tests/test-dma-cases
TESTS += tests/test-codec tests/test-conn tests/test-rules \
	tests/test-dma-cases

tests_test_codec_SOURCES = tests/test-codec.c
tests_test_codec_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_codec_LDADD = $(SCLINK_TEST_LIBS)

tests_test_conn_SOURCES = tests/test-conn.c
tests_test_conn_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_conn_LDADD = $(SCLINK_TEST_LIBS)

# One case per rule of doc/protocol.md that proto/rules.c implements.
tests_test_rules_SOURCES = tests/test-rules.c
tests_test_rules_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_rules_LDADD = $(SCLINK_TEST_LIBS)

# The DMA table (tests/common/dma-cases.h) against the device's core calls;
# tests/client/test-client-run.c holds sclink-client to the same rows.
tests_test_dma_cases_SOURCES = tests/test-dma-cases.c
tests_test_dma_cases_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_dma_cases_LDADD = $(SCLINK_TEST_LIBS)

# The same table against the real device in QEMU: tests/e2e/table-gateway
# sends the rows (and checks the Hello against sclink-client's defaults).
check_PROGRAMS += tests/e2e/table-gateway
tests_e2e_table_gateway_SOURCES = tests/e2e/table-gateway.c
tests_e2e_table_gateway_CFLAGS = $(SCLINK_TEST_CFLAGS) -I$(top_srcdir)/tools/client
tests_e2e_table_gateway_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS)
TESTS += tests/e2e/dma-table.sh
EXTRA_DIST += tests/e2e/dma-table.sh
# Through a variable: a rule naming the log itself would replace automake's.
DMA_TABLE_LOG = tests/e2e/dma-table.sh.log
$(DMA_TABLE_LOG): tests/e2e/table-gateway$(EXEEXT)

# make regen-golden: rewrites the golden trace of the guest test
# (tests/e2e/golden/guest-test.trace) from determinism.sh's run, once every
# other check of that test passed, for a change made on purpose to the
# protocol, the device, the guest test or the demo platform; review the
# diff and commit it (doc/testing.md, "Golden trace").
regen-golden: all
	SCLINK_REGEN_GOLDEN=1 $(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/e2e/determinism.sh
	@grep 'wrote' tests/e2e/determinism.sh.log

.PHONY: regen-golden
EXTRA_DIST += tests/e2e/golden/guest-test.trace

# wait-icount.sh runs the gateway with the waiter plugin (the e2e tests'
# other prerequisites are in qemu-dev/local.mk); a variable-named target,
# as in sc-gateway/local.mk, so that automake keeps its rule for the log.
WAIT_ICOUNT_LOG = tests/e2e/wait-icount.sh.log
$(WAIT_ICOUNT_LOG): tests/gateway/libsclink-waiter.la
