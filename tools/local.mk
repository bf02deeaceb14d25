# tools/: sclink-client, the QEMU-side test and debug client (doc/client.md).
# Its modules live in a convenience library so tests/client/ can unit-test
# them without going through main().

noinst_LTLIBRARIES += tools/client/libclient.la
tools_client_libclient_la_SOURCES = \
	tools/client/client.h \
	tools/client/names.c \
	tools/client/script.c \
	tools/client/mem.c \
	tools/client/out.c \
	tools/client/link.c \
	tools/client/run.c
tools_client_libclient_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)

bin_PROGRAMS += tools/sclink-client
tools_sclink_client_SOURCES = tools/client/main.c
tools_sclink_client_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tools_sclink_client_LDADD = tools/client/libclient.la proto/libsclink.la $(PROTOBUF_C_LIBS)

# The client's tests; kept beside them in tests/client/.
include $(top_srcdir)/tests/client/local.mk

# sclink-run, the runner (doc/sclink-run.md): a shell script.  It finds the
# guest's build (installed beside it under $(pkgdatadir), guest/local.mk).
dist_bin_SCRIPTS = tools/sclink-run
