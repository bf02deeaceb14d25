# libsclink: the generated protobuf-c code for proto/sclink.proto, the frame
# codec, message validation and the blocking connection helper.

proto/sclink.pb-c.c: $(srcdir)/proto/sclink.proto
	$(AM_V_GEN)$(MKDIR_P) proto && \
	$(PROTOC_C) --proto_path=$(srcdir)/proto --c_out=proto $(srcdir)/proto/sclink.proto
# protoc-c writes both files at once; the header rides on the source's rule.
proto/sclink.pb-c.h: proto/sclink.pb-c.c
	@test -f $@ || { rm -f proto/sclink.pb-c.c; $(MAKE) $(AM_MAKEFLAGS) proto/sclink.pb-c.c; }

BUILT_SOURCES += proto/sclink.pb-c.c proto/sclink.pb-c.h
CLEANFILES += proto/sclink.pb-c.c proto/sclink.pb-c.h
EXTRA_DIST += proto/sclink.proto

lib_LTLIBRARIES += proto/libsclink.la
proto_libsclink_la_SOURCES = \
	proto/sclink.h \
	proto/codec-internal.h \
	proto/error.c \
	proto/buf.c \
	proto/decoder.c \
	proto/encoder.c \
	proto/validate.c \
	proto/logtext.c \
	proto/addr.c \
	proto/conn.c \
	proto/handshake.c \
	proto/rules.c
nodist_proto_libsclink_la_SOURCES = proto/sclink.pb-c.c proto/sclink.pb-c.h
proto_libsclink_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
proto_libsclink_la_LIBADD = $(PROTOBUF_C_LIBS)
# Export the public API and the generated message code, not sclink__ internals.
proto_libsclink_la_LDFLAGS = -version-info 0:0:0 \
	-export-symbols-regex '^(sclink_[a-z]|sclink__v1__|protobuf_c_)'

sclinkincludedir = $(includedir)/sclink
sclinkinclude_HEADERS = proto/sclink.h
nodist_sclinkinclude_HEADERS = proto/sclink.pb-c.h
