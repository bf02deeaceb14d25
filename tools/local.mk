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
	tools/client/tls.c \
	tools/client/run.c
tools_client_libclient_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(GNUTLS_CFLAGS)
tools_client_libclient_la_LIBADD = $(GNUTLS_LIBS)

bin_PROGRAMS += tools/sclink-client
tools_sclink_client_SOURCES = tools/client/main.c
tools_sclink_client_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tools_sclink_client_LDADD = tools/client/libclient.la proto/libsclink.la $(PROTOBUF_C_LIBS)

# The client's tests; kept beside them in tests/client/.
include $(top_srcdir)/tests/client/local.mk

# sclink-run, the runner (doc/sclink-run.md): a shell script.  It finds the
# guest's build (installed beside it under $(pkgdatadir), guest/local.mk).
dist_bin_SCRIPTS = tools/sclink-run

# make install: the sclink QEMU (qemu-dev/) configure found (--with-qemu;
# by default scripts/build-qemu --cached) or `make install SCLINK_QEMU_BIN=PATH`
# names, as $(pkglibexecdir)/qemu-system-x86_64, a stable path, behind
# $(bindir)/sclink-qemu (tools/sclink-qemu.in), which gives it the
# firmware directories of Debian's seabios and qemu-system-data packages,
# and its man page.  With no QEMU, nothing of it, and a line that says so.
# The wrapper finds the binary relative to itself: the path from $(bindir)
# to $(pkglibexecdir) is written into it.
SCLINK_QEMU_FIRMWARE = /usr/share/seabios /usr/share/qemu
EXTRA_DIST += tools/sclink-qemu.in

install-exec-local: install-sclink-qemu
install-data-local: install-sclink-qemu-man
uninstall-local: uninstall-sclink-qemu

install-sclink-qemu:
	@if test -z "$(SCLINK_QEMU_BIN)"; then \
	  echo "sclink: no QEMU installed: configure found none (run scripts/build-qemu, then configure again; or make install SCLINK_QEMU_BIN=PATH)"; \
	else \
	  "$(SCLINK_QEMU_BIN)" -device help 2>/dev/null | grep '"sclink-pci"' >/dev/null || { \
	    echo "sclink: $(SCLINK_QEMU_BIN) is not a QEMU with the sclink-pci device" >&2; exit 1; }; \
	  rel=`realpath -m --relative-to="$(bindir)" "$(pkglibexecdir)"` || exit 1; \
	  echo " installing $(SCLINK_QEMU_BIN) as $(pkglibexecdir)/qemu-system-x86_64, run by $(bindir)/sclink-qemu"; \
	  $(MKDIR_P) "$(DESTDIR)$(pkglibexecdir)" "$(DESTDIR)$(bindir)" && \
	  $(INSTALL_PROGRAM) "$(SCLINK_QEMU_BIN)" "$(DESTDIR)$(pkglibexecdir)/qemu-system-x86_64" && \
	  sed -e "s|@QEMU_DIR@|$$rel|" -e "s|@FIRMWARE@|$(SCLINK_QEMU_FIRMWARE)|" \
	    "$(srcdir)/tools/sclink-qemu.in" > "$(DESTDIR)$(bindir)/sclink-qemu.tmp" && \
	  chmod 755 "$(DESTDIR)$(bindir)/sclink-qemu.tmp" && \
	  mv -f "$(DESTDIR)$(bindir)/sclink-qemu.tmp" "$(DESTDIR)$(bindir)/sclink-qemu"; \
	fi

install-sclink-qemu-man:
	@if test -n "$(SCLINK_QEMU_BIN)"; then \
	  $(MKDIR_P) "$(DESTDIR)$(man1dir)" && \
	  $(INSTALL_DATA) "$(srcdir)/doc/man/sclink-qemu.1" "$(DESTDIR)$(man1dir)/sclink-qemu.1"; \
	fi

uninstall-sclink-qemu:
	rm -f "$(DESTDIR)$(pkglibexecdir)/qemu-system-x86_64" "$(DESTDIR)$(bindir)/sclink-qemu" \
	  "$(DESTDIR)$(man1dir)/sclink-qemu.1"

.PHONY: install-sclink-qemu install-sclink-qemu-man uninstall-sclink-qemu
