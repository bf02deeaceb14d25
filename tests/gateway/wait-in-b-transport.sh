#!/bin/sh
# Rule F (doc/protocol.md 8.4): a target that wait()s inside b_transport
# (tests/gateway/wait-model.cc, 1 us per access, as Accellera's
# lt_synch_target does) takes SystemC time while QEMU's vCPU stands still
# at the access's stamp.  That time is reported in the Response's delay,
# what models raise meanwhile is stamped with the access's time (a timer
# due at 500 ns fires during the access at 0: never ahead of the client),
# and the link's time base moves by it: a timer armed at link time 5 us
# for 500 ns fires at exactly 5.5 us of link time.  The client, which
# checks every stamp against its own time and window ("timing-error"),
# would fail the run otherwise.  The link ends at 10 us (a window end),
# SystemC at 11 us.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: waiter
    type: waiter
    base: 0x40000
    size: 0x100
    params:
      wait_ns: 1000
YAML
start_gateway --plugin "$top_builddir/tests/gateway/.libs/libsclink-waiter.so"
cat > "$tmp/run.cmd" <<'CMDS'
write 0 0x22000 8 500
write 0 0x22008 4 5
read 0 0x40000 4
wait-irq msix 0
write 0 0x2200c 4 1
advance 5us
write 0 0x22008 4 5
wait-irq msix 0
write 0 0x2200c 4 1
bye
CMDS
client --trace -f "$tmp/run.cmd" || fail "the run failed"
expect_line "$tmp/client.out" "< Response id=3 ok data=0x00000000 delay=1000000ps"
expect_line "$tmp/client.out" "irq msix 0 t=0ps"
expect_line "$tmp/client.out" "irq msix 0 t=5500000ps"
check_rule_f waiter "1 us" 1000000
expect_line "$tmp/gw.err" "SystemC time: 11 us (1000000 ps of it inside accesses)"
ok "1 us taken inside b_transport: in the delay, the timer's stamps in link time, the base moved"
