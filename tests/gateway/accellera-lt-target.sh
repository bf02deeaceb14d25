#!/bin/sh
# Accellera's lt_target, unmodified (built at test time from
# libsystemc-doc, tests/gateway/accellera/lib.sh), behind the gateway:
# data written is read back, every access answers with the model's own
# annotated delay (accept 10 ns + 30 ns per write, 50 ns per read) and
# takes no SystemC time, and the model's own errors come back as it gives
# them (with its accept delay of 10 ns).  The window (0x2000) is larger
# than the model's memory (0x1000): beyond the memory the model answers
# address-error itself; its memory also refuses an access that ends at
# its last byte (its check is address + length >= size), so the last word
# is unreachable.
. "${top_srcdir:-.}/tests/gateway/lib.sh"
. "$top_srcdir/tests/gateway/accellera/lib.sh"

accellera_plugin tests/gateway/accellera/targets.cc -DACCELLERA_LT \
    common/src/lt_target.cpp common/src/lt_synch_target.cpp \
    common/src/memory.cpp common/src/report.cpp
make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: lt0
    type: accellera-lt-target
    base: 0x40000
    size: 0x2000
    params:
      memory_size: 0x1000
YAML
start_gateway --plugin "$PLUGIN"
cat > "$tmp/run.cmd" <<'CMDS'
write 0 0x40000 4 0x11223344
expect-read 0 0x40000 4 0x11223344
write 0 0x40100 8 hex:0102030405060708
expect-read 0 0x40100 8 hex:0102030405060708
expect-read 0 0x40103 3 hex:040506
expect-read 0 0x40ff8 4 0
expect-status address-error read 0 0x40ffc 4
expect-status address-error write 0 0x41800 4 1
expect-read 0 0x40000 4 0x11223344
bye
CMDS
client --trace -f "$tmp/run.cmd" || fail "the run failed"
expect_line "$tmp/client.out" "< Response id=1 ok delay=40000ps"
expect_line "$tmp/client.out" "< Response id=2 ok data=0x11223344 delay=60000ps"
expect_line "$tmp/client.out" "read bar=0 off=0x40103 len=3 -> ok data=0x060504"
expect_line "$tmp/client.out" "< Response id=7 address-error delay=10000ps"
check_rule_f lt_target nothing
expect_line "$tmp/gw.out" "address out-of-range"
expect_line "$tmp/gw.out" "address will go out of bounds"
expect_line "$tmp/gw.err" "target lt0: 9 requests"
ok "lt_target: data read back, its delays in the Responses, its own address errors"
