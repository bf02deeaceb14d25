#!/bin/sh
# CAP_LOOKAHEAD (protocol rules G and N): a GRANT reaches the next event
# SystemC has scheduled (at most 1 s ahead), a Request cuts the window to
# its stamp + Q, and interrupts still arrive within one quantum.  Without
# the capability, or with `lookahead: false`, every GRANT is one quantum.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

Q=10000000 # 10 us
make_platform "unix:$tmp/gw.sock"
cat > "$tmp/la.cmd" <<'CMDS'
sync
write 0 0x22000 4 25000
write 0 0x22008 4 7
advance 100us
write 0 0x22008 4 0
advance 300us
bye
CMDS
# grants FILE: "TIME END" of each GRANT the client received, in order.
grants() {
    sed -n 's/^< Sync grant t=\([0-9]*\)ps window_end=\([0-9]*\)ps$/\1 \2/p' "$1"
}

# 1. Both sides agree it (the client offers it by default, as the device
# does): the grants follow the timer.
start_gateway --serve
client --quantum 10us --trace -f "$tmp/la.cmd" || fail "client script failed"
expect_line "$tmp/client.out" "^welcome .*caps=.*lookahead"
grants "$tmp/client.out" > "$tmp/got"
# `sync` reports REACHED at the first window end, Q (rule B), and nothing is
# scheduled: one second.  Then the writes at Q cut the window to 2Q; from
# there each GRANT ends at the timer's next expiry (25 us period, started
# at Q); the write at 110 us stops the timer: one second again.
cat > "$tmp/want" <<EOF2
$Q 1000010000000
20000000 35000000
35000000 60000000
60000000 85000000
85000000 110000000
110000000 1000110000000
EOF2
diff "$tmp/want" "$tmp/got" > "$tmp/diff" || fail "grants differ: $(cat "$tmp/diff")"
ok "GRANTs reach the next scheduled event, a Request cuts the window to t + Q"
expect_line "$tmp/client.out" "^irq msix 0 t=35000000ps now=35000000ps"
ok "the timer interrupt arrives at the window end it set"
cp "$tmp/client.out" "$tmp/with.out"

# 2. The client does not offer it: one quantum per GRANT, ten in 100 us.
client --no-lookahead --quantum 10us --trace -f "$tmp/la.cmd" || fail "client script failed"
grep -q "^welcome .*lookahead" "$tmp/client.out" && fail "lookahead agreed though not offered"
grants "$tmp/client.out" | awk -v q=$Q '$2 != $1 + q { bad = 1 } END { exit bad }' ||
    fail "a GRANT other than t + Q without CAP_LOOKAHEAD: $(grants "$tmp/client.out")"
[ "$(grants "$tmp/client.out" | wc -l)" -gt "$(grants "$tmp/with.out" | wc -l)" ] ||
    fail "lookahead did not save any Sync round trip"
ok "without CAP_LOOKAHEAD every GRANT is one quantum"
kill "$gw_pid"; wait "$gw_pid" 2>/dev/null; gw_pid=

# 3. The gateway refuses it with lookahead: false.
echo "lookahead: false" >> "$tmp/platform.yaml"
start_gateway
client --quantum 10us --trace -f "$tmp/la.cmd" || fail "client script failed"
grep -q "^welcome .*lookahead" "$tmp/client.out" && fail "lookahead agreed with lookahead: false"
grants "$tmp/client.out" | awk -v q=$Q '$2 != $1 + q { bad = 1 } END { exit bad }' ||
    fail "a GRANT other than t + Q with lookahead: false"
ok "lookahead: false keeps one quantum per GRANT"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
