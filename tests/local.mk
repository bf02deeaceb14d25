# Check unit tests for libsclink.  tests/common/ holds one valid sample of
# every message, shared with the fuzz seed generator.

check_LTLIBRARIES += tests/libsamples.la
tests_libsamples_la_SOURCES = tests/common/samples.c tests/common/samples.h
EXTRA_DIST += tests/common/sc-check.h
tests_libsamples_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)

SCLINK_TEST_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests
SCLINK_TEST_LIBS = tests/libsamples.la proto/libsclink.la $(PROTOBUF_C_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/test-codec tests/test-conn
TESTS += tests/test-codec tests/test-conn

tests_test_codec_SOURCES = tests/test-codec.c
tests_test_codec_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_codec_LDADD = $(SCLINK_TEST_LIBS)

tests_test_conn_SOURCES = tests/test-conn.c
tests_test_conn_CFLAGS = $(SCLINK_TEST_CFLAGS)
tests_test_conn_LDADD = $(SCLINK_TEST_LIBS)
