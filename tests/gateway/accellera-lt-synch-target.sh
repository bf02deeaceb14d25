#!/bin/sh
# Accellera's lt_synch_target, unmodified (built at test time from
# libsystemc-doc, tests/gateway/accellera/lib.sh), behind the gateway.  It
# wait()s inside b_transport for its whole delay (accept 10 ns + 50 ns per
# read, 30 ns per write) and returns a zero delay.  Rule F
# (doc/protocol.md 8.4): that time is reported in the Response's delay,
# a timer due 30 ns into the access fires meanwhile but is stamped with
# the access's time, and the link's time base moves by it: a timer armed
# at link time 5 us for 30 ns fires at exactly 5.03 us.  The client
# checks every stamp against its own time and window ("timing-error").
. "${top_srcdir:-.}/tests/gateway/lib.sh"
. "$top_srcdir/tests/gateway/accellera/lib.sh"

accellera_plugin tests/gateway/accellera/targets.cc -DACCELLERA_LT \
    common/src/lt_target.cpp common/src/lt_synch_target.cpp \
    common/src/memory.cpp common/src/report.cpp
make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: synch0
    type: accellera-lt-synch-target
    base: 0x40000
    size: 0x1000
YAML
start_gateway --plugin "$PLUGIN"
cat > "$tmp/run.cmd" <<'CMDS'
write 0 0x22000 8 30
write 0 0x22008 4 5
write 0 0x40010 4 0xcafe
wait-irq msix 0
write 0 0x2200c 4 1
advance 5us
expect-read 0 0x40010 4 0xcafe
write 0 0x22008 4 5
wait-irq msix 0
write 0 0x2200c 4 1
bye
CMDS
client --trace -f "$tmp/run.cmd" || fail "the run failed"
expect_line "$tmp/client.out" "< Response id=3 ok delay=40000ps"
expect_line "$tmp/client.out" "irq msix 0 t=0ps"
expect_line "$tmp/client.out" "< Response id=5 ok data=0x0000cafe delay=60000ps"
expect_line "$tmp/client.out" "irq msix 0 t=5030000ps"
check_rule_f synch0 "40 ns" 100000
ok "lt_synch_target: its wait()s in the delays, the timer's stamps in link time"
