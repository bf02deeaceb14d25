#!/bin/sh
# A peer posting 10,000 writes to an offset no device claims gets at most
# 10 "failed" lines per second of the gateway's log and one line counting
# the rest, not 10,000 lines: nobody waits for a posted write, so its
# failure is only logged, and an unthrottled log is the peer's to flood.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

N=10000
make_platform "unix:$tmp/gw.sock"
# 0x50000 lies in BAR 0 (1 MiB), beyond every device: address-error.
seq "$N" | sed 's/.*/posted 0 0x50000 4 &/' > "$tmp/flood.cmd"
# A read after them: the gateway executes in order, so all have failed.
echo "expect-read 0 0x20000 4 0x53434c4b" >> "$tmp/flood.cmd"
start_gateway
t0=$(date +%s)
client -q -f "$tmp/flood.cmd" || fail "client script failed"
wait_gateway
seconds=$(($(date +%s) - t0 + 1))
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"

logged=$(grep -c "^sclink-gateway: t=.* posted-write bar0+0x50000 len=4 failed: address-error$" "$tmp/gw.err")
suppressed=$(sed -n 's/^sclink-gateway: \([0-9]*\) more failed posted writes suppressed.*/\1/p' \
    "$tmp/gw.err" | awk '{ n += $1 } END { print n + 0 }')
lines=$(wc -l < "$tmp/gw.err")
echo "log: $lines lines, $logged failures logged, $suppressed suppressed, run under $seconds s"
[ "$logged" -ge 10 ] || fail "only $logged failed posted writes logged, want the first 10"
[ "$logged" -le $((10 * (seconds + 1))) ] ||
    fail "$logged failed posted writes logged in under $seconds s, want at most 10 a second"
[ $((logged + suppressed)) -eq "$N" ] ||
    fail "$logged logged + $suppressed suppressed, want $N in all"
[ "$lines" -lt 100 ] || fail "$lines lines of log for $N failed posted writes"
expect_line "$tmp/gw.err" "posted writes suppressed (at most 10 a second are logged)"
ok "$N failed posted writes: $logged logged, $suppressed counted in $lines lines"
