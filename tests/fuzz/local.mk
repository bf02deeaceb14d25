# The libFuzzer target for the frame decoder.
#   make fuzz             run it under ASan/UBSan for FUZZ_SECONDS (600)
#   make fuzz-seeds       regenerate tests/fuzz/corpus from the samples
# `make check` replays the committed corpus through the same target.

check_PROGRAMS += tests/fuzz/fuzz-replay
TESTS += tests/fuzz/fuzz-replay
tests_fuzz_fuzz_replay_SOURCES = tests/fuzz/fuzz-decoder.c tests/fuzz/replay.c
tests_fuzz_fuzz_replay_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_fuzz_fuzz_replay_LDADD = proto/libsclink.la $(PROTOBUF_C_LIBS)

EXTRA_PROGRAMS += tests/fuzz/gen-seeds
tests_fuzz_gen_seeds_SOURCES = tests/fuzz/gen-seeds.c
tests_fuzz_gen_seeds_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -I$(top_srcdir)/tests
tests_fuzz_gen_seeds_LDADD = tests/libsamples.la proto/libsclink.la $(PROTOBUF_C_LIBS)
CLEANFILES += tests/fuzz/gen-seeds

EXTRA_DIST += tests/fuzz/corpus

fuzz-seeds: tests/fuzz/gen-seeds
	$(MKDIR_P) $(srcdir)/tests/fuzz/corpus
	tests/fuzz/gen-seeds $(srcdir)/tests/fuzz/corpus

FUZZ_SECONDS = 600
FUZZ_SANITIZE = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS = $(srcdir)/tests/fuzz/fuzz-decoder.c \
	$(srcdir)/proto/error.c $(srcdir)/proto/buf.c $(srcdir)/proto/decoder.c \
	$(srcdir)/proto/encoder.c $(srcdir)/proto/validate.c proto/sclink.pb-c.c

# Built by clang directly: libFuzzer is a clang feature and the sanitized
# objects must not mix with the libtool build.
tests/fuzz/fuzz-decoder: $(FUZZ_SRCS) $(srcdir)/proto/sclink.h proto/sclink.pb-c.h
if HAVE_CLANG
	$(AM_V_CCLD)$(CLANG) -g -O1 $(FUZZ_SANITIZE) $(AM_CPPFLAGS) \
		$(PROTOBUF_C_CFLAGS) -o $@ $(FUZZ_SRCS) $(PROTOBUF_C_LIBS)
else
	@echo "make fuzz needs clang: install the Debian package 'clang'" >&2; exit 1
endif
CLEANFILES += tests/fuzz/fuzz-decoder

fuzz: tests/fuzz/fuzz-decoder
	$(MKDIR_P) tests/fuzz/work
	tests/fuzz/fuzz-decoder -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		tests/fuzz/work $(srcdir)/tests/fuzz/corpus

.PHONY: fuzz fuzz-seeds

# The link fuzzer (doc/gateway.md, "Fuzzing the link"): a mutating peer
# over a real socket against a gateway built with ASan and UBSan.
#   make fuzz-link        FUZZ_LINK_MINUTES (30), FUZZ_LINK_SEED (random),
#                         FUZZ_LINK_REPLAY=CASE to replay a saved case
#                       FUZZ_LINK_TLS=psk or x509: against a TLS gateway
# `make check` replays tests/fuzz/link-corpus/ against the normal gateway,
# and tests/fuzz/link-corpus-tls/ against it with PSK and with X.509.
check_PROGRAMS += tests/fuzz/link-fuzz
tests_fuzz_link_fuzz_SOURCES = tests/fuzz/link-fuzz.h tests/fuzz/link-fuzz.c \
	tests/fuzz/link-gen.c tests/fuzz/link-exec.c tests/fuzz/link-script.c
tests_fuzz_link_fuzz_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(GNUTLS_CFLAGS) \
	-I$(top_srcdir)/tools/client
tests_fuzz_link_fuzz_LDADD = tools/client/libclient.la proto/libsclink.la $(PROTOBUF_C_LIBS) \
	$(GNUTLS_LIBS)
TESTS += tests/fuzz/link-replay.sh tests/fuzz/link-replay-tls.sh
EXTRA_DIST += tests/fuzz/link-fuzz.sh tests/fuzz/link-replay.sh tests/fuzz/link-replay-tls.sh \
	tests/fuzz/link-platform.yaml.in tests/fuzz/lsan.supp tests/fuzz/link-corpus \
	tests/fuzz/link-corpus-tls

# The sanitized gateway: its sources compiled straight into build-asan/,
# apart from the libtool build (the same sources, other flags; a VPATH
# configure is refused in a configured source tree).  SystemC, libuv and
# the rest come from Debian, unsanitized.
ASAN_DIR = build-asan
ASAN_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
ASAN_CPPFLAGS = -I$(top_srcdir)/proto -I$(top_builddir)/proto -I$(top_srcdir)/router \
	-I$(top_srcdir)/sc-gateway -I$(top_srcdir)/sc-gateway/models \
	$(SYSTEMC_CFLAGS) $(LIBUV_CFLAGS) $(PROTOBUF_C_CFLAGS) $(CYAML_CFLAGS) $(YAML_CFLAGS) \
	$(GNUTLS_CFLAGS) -DSCLINK_MODELS_VERSION='"$(PACKAGE_VERSION)"'
ASAN_C_SRCS = proto/error.c proto/buf.c proto/decoder.c proto/encoder.c \
	proto/validate.c proto/logtext.c proto/addr.c proto/conn.c proto/handshake.c \
	proto/rules.c proto/sclink.pb-c.c router/map.c sc-gateway/server.c \
	sc-gateway/tls.c sc-gateway/platform.c
ASAN_CXX_SRCS = router/router.cc sc-gateway/gateway.cc sc-gateway/session.cc \
	sc-gateway/clock.cc sc-gateway/mmio.cc sc-gateway/dma-bridge.cc \
	sc-gateway/irq-map.cc sc-gateway/stats.cc sc-gateway/transport.cc \
	sc-gateway/loader.cc sc-gateway/main.cc sc-gateway/bus.cc sc-gateway/regblock.cc \
	sc-gateway/models/util.cc sc-gateway/models/registry.cc sc-gateway/models/memory.cc \
	sc-gateway/models/uart.cc sc-gateway/models/timer.cc sc-gateway/models/dma.cc \
	sc-gateway/models/id.cc
ASAN_OBJS = $(addprefix $(ASAN_DIR)/,$(ASAN_C_SRCS:.c=.o) $(ASAN_CXX_SRCS:.cc=.o))
ASAN_HDRS = proto/sclink.pb-c.h $(wildcard $(srcdir)/proto/*.h $(srcdir)/router/*.h \
	$(srcdir)/sc-gateway/*.h $(srcdir)/sc-gateway/models/*.h)

$(ASAN_DIR)/%.o: %.c $(ASAN_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CC) $(ASAN_FLAGS) $(ASAN_CPPFLAGS) $(SCLINK_WARN_CFLAGS) -c -o $@ $<
$(ASAN_DIR)/%.o: %.cc $(ASAN_HDRS)
	@$(MKDIR_P) $(@D)
	$(AM_V_CXX)$(CXX) $(SYSTEMC_STD) $(ASAN_FLAGS) $(ASAN_CPPFLAGS) $(SCLINK_WARN_CFLAGS) \
		-c -o $@ $<
$(ASAN_DIR)/sclink-gateway: $(ASAN_OBJS)
	$(AM_V_CXXLD)$(CXX) $(ASAN_FLAGS) -o $@ $(ASAN_OBJS) $(CYAML_LIBS) $(YAML_LIBS) \
		$(SYSTEMC_LIBS) $(LIBUV_LIBS) $(PROTOBUF_C_LIBS) $(GNUTLS_LIBS) -ldl

FUZZ_LINK_MINUTES = 30
FUZZ_LINK_SEED =
FUZZ_LINK_REPLAY =
FUZZ_LINK_TLS =
fuzz-link: tests/fuzz/link-fuzz$(EXEEXT) $(ASAN_DIR)/sclink-gateway
	@if test -n "$(FUZZ_LINK_REPLAY)"; then \
		top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) TLS=$(FUZZ_LINK_TLS) \
		$(top_srcdir)/tests/fuzz/link-fuzz.sh replay $(ASAN_DIR)/sclink-gateway \
			$(FUZZ_LINK_REPLAY); \
	else \
		top_srcdir=$(top_srcdir) top_builddir=$(top_builddir) TLS=$(FUZZ_LINK_TLS) \
		MINUTES=$(FUZZ_LINK_MINUTES) SEED=$(FUZZ_LINK_SEED) \
		$(top_srcdir)/tests/fuzz/link-fuzz.sh fuzz $(ASAN_DIR)/sclink-gateway; \
	fi

clean-local: clean-fuzz-link
clean-fuzz-link:
	rm -rf $(ASAN_DIR)

.PHONY: fuzz-link clean-fuzz-link
