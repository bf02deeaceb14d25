#!/bin/sh
# What bounds a peer's time (doc/gateway.md, "Time limits"):
# - while one Request makes SystemC run a long way (a 100 ns periodic
#   timer and a read stamped 1000 s ahead: 10^10 expiries), SIGUSR1 still
#   prints statistics, a second peer still gets ERR_BUSY, and SIGTERM
#   still stops the gateway, which tells the peer why;
# - free-running, a Request stamped more than max_time_jump_ms (1 hour)
#   past the link's latest time gets ERR_STATE;
# - under --serve every link starts where the last left SystemC time: a
#   Request past what SystemC can still reach gets ERR_STATE instead of
#   wrapping, and a gateway with less than 1 s left stops serving.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

# wait_for FILE PATTERN: up to 10 s (CI may be loaded).
wait_for() {
    wait_until 10 log_has "$1" "$2"
}

make_platform "unix:$tmp/gw.sock"
cat > "$tmp/far.cmd" <<'CMDS'
write 0 0x22000 8 100
write 0 0x22008 4 3
time 1000s
read 0 0x20000 4
CMDS

# --- signals and a second peer while SystemC runs far ahead
start_gateway
"$CLIENT" --no-sync --timeout 60000 -f "$tmp/far.cmd" "$ADDR" > "$tmp/far.out" 2>&1 &
far=$!
trap 'kill "$far" 2>/dev/null; cleanup' EXIT
wait_for "$tmp/far.out" "off=0x22008 len=4 data=0x00000003 -> ok" || fail "the timer was not started"
wait_for "$tmp/far.out" "read bar=0 off=0x20000" &&
    fail "the far read was answered: SystemC did not have to run"
kill -USR1 "$gw_pid"
wait_for "$tmp/gw.err" "statistics for link" || fail "SIGUSR1 printed nothing while SystemC ran"
ok "SIGUSR1 prints statistics while one Request runs SystemC 1000 s ahead"
client bye
expect_line "$tmp/client.out" "ERR_BUSY"
ok "a second peer gets ERR_BUSY meanwhile"
kill -TERM "$gw_pid"
wait_gateway
[ "$gw_status" = 3 ] || fail "gateway exited $gw_status after SIGTERM, want 3 (link failed)"
expect_line "$tmp/gw.err" "gateway stopping while SystemC ran to 1000000000000000 ps (reached"
wait "$far"
expect_line "$tmp/far.out" "gateway stopping while SystemC ran to"
ok "SIGTERM stops it at once, and the peer's Error says why"

# --- free-running time jumps
start_gateway
client --no-sync 'time 3600s' 'read 0 0x20000 4' 'time 7201s' 'read 0 0x20000 4' &&
    fail "a jump of 3601 s was accepted"
expect_line "$tmp/client.out" "read bar=0 off=0x20000 len=4 -> ok"
expect_line "$tmp/client.out" "Request 2 stamped 7201000000000000 ps, more than max_time_jump (3600000000000000 ps)"
wait_gateway
ok "a free-running jump of 1 hour is served, of 3601 s refused with ERR_STATE"

# --- the SystemC time budget across --serve links
sed -i 's/^timeout_ms:.*/&\nmax_time_jump_ms: 0/' "$tmp/platform.yaml"
start_gateway --serve
# Leaves 1.5 s of the 2^64 ps.
client --no-sync 'time 18446742573709551615ps' 'expect-read 0 0x20000 4 0x53434c4b' bye ||
    fail "a read 1.5 s short of the end of SystemC time failed"
# The next link starts there: 2 s is past what is left, 1 s is not.
client --no-sync 'time 2s' 'read 0 0x20000 4' && fail "a read past the budget was served"
expect_line "$tmp/client.out" "past the last time SystemC can reach on this link (1500000000000 ps)"
client --no-sync 'time 1s' 'expect-read 0 0x20000 4 0x53434c4b' bye ||
    fail "a read within the budget failed on the third link"
wait_gateway
[ "$gw_status" = 3 ] || fail "gateway exited $gw_status with SystemC time spent, want 3"
expect_line "$tmp/gw.err" "SystemC time is spent"
ok "links share the 2^64 ps: past it ERR_STATE, under 1 s left the gateway stops serving"
