#!/bin/sh
# SystemC time is finite (2^64 - 1 ps here) and never goes back; with
# --serve each link starts where the last one ended.  A free-running peer
# that stamps a Request at 2^64 - 2 ps uses it up: the next link's stamps
# wrapped past it, and that link, and every later one, ran with time
# frozen and its timers dead (found by make fuzz-link).  Now a stamp
# SystemC cannot reach ends the link with ERR_INTERNAL and a log line
# saying why, and the gateway still serves.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
start_gateway --serve

printf 'time 18446744073709551614ps\nexpect-read 0 0x20000 4 0x53434c4b\nbye\n' > "$tmp/first.cmd"
client --no-sync -f "$tmp/first.cmd" || fail "the link up to 2^64 - 2 ps failed"
ok "a free-running link stamped 2^64 - 2 ps: executed"

# A read stamped 1 us, raw (the client would stamp it itself), then its
# Error; a REACHED at the first window's end likewise.
{
    echo "raw 000000121a1008071001180020808008280450c0843d"
    echo "expect-error ERR_INTERNAL"
} > "$tmp/second.cmd"
client --no-sync -f "$tmp/second.cmd" || fail "a Request SystemC cannot reach: no ERR_INTERNAL"
expect_line "$tmp/gw.err" "Request 7 stamped 1000000 ps, beyond the SystemC time this link has left"
printf 'raw 00000009320708011080ade204\nexpect-error ERR_INTERNAL\n' > "$tmp/third.cmd"
client -f "$tmp/third.cmd" || fail "a REACHED SystemC cannot reach: no ERR_INTERNAL"
expect_line "$tmp/gw.err" "Sync REACHED stamped 10000000 ps, beyond the SystemC time"
ok "the next links: stamps beyond SystemC's time refused with ERR_INTERNAL"

printf 'dread 0 0x20000 4\nbye\n' > "$tmp/fourth.cmd"
client --no-sync -f "$tmp/fourth.cmd" || fail "gateway no longer serves"
kill -0 "$gw_pid" || fail "gateway died"
ok "the gateway still serves"
