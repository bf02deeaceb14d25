# tests/client/: unit tests of sclink-client's parsing and DMA memory, and
# end-to-end runs of the built binary against a scripted gateway.
# Included from tools/local.mk (Makefile.am does not list this directory).

CLIENT_TEST_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS) \
	-I$(top_srcdir)/tools/client
CLIENT_TEST_LIBS = tools/client/libclient.la proto/libsclink.la \
	$(PROTOBUF_C_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/client/test-client-script tests/client/test-client-mem \
	tests/client/test-client-run
TESTS += tests/client/test-client-script tests/client/test-client-mem \
	tests/client/test-client-run

tests_client_test_client_script_SOURCES = tests/client/test-client-script.c
tests_client_test_client_script_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_client_script_LDADD = $(CLIENT_TEST_LIBS)

tests_client_test_client_mem_SOURCES = tests/client/test-client-mem.c
tests_client_test_client_mem_CFLAGS = $(CLIENT_TEST_CFLAGS)
tests_client_test_client_mem_LDADD = $(CLIENT_TEST_LIBS)

# Runs the built client as a subprocess, so it must be built first.
tests_client_test_client_run_SOURCES = tests/client/test-client-run.c
tests_client_test_client_run_CFLAGS = $(CLIENT_TEST_CFLAGS) \
	-DCLIENT_BIN='"$(abs_top_builddir)/tools/sclink-client$(EXEEXT)"'
tests_client_test_client_run_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS) $(CHECK_LIBS)
EXTRA_tests_client_test_client_run_DEPENDENCIES = tools/sclink-client$(EXEEXT)
