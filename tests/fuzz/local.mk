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
