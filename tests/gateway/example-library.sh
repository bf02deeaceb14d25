#!/bin/sh
# examples/custom-main: a user's own sc_main with the library's gateway and
# the user's model, driven by sclink-client over a real socket.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

ADDR="unix:$tmp/custom.sock"
"$top_builddir/examples/custom-main/custom-main" "$ADDR" > "$tmp/gw.out" 2> "$tmp/gw.err" &
gw_pid=$!
client --connect-timeout 5000 \
    'write 0 0x0 4 5' 'write 0 0x0 4 37' 'expect-read 0 0x0 4 42' \
    'expect-read 0 0x4 4 2' 'expect-status address-error read 0 0x8 4' \
    'expect-status command-error write 0 0x4 4 1' 'bye' ||
    fail "client against custom-main"
ok "accumulator reached through the library's gateway"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "custom-main exit status $gw_status"
expect_line "$tmp/gw.err" "requests: 3 reads, 3 writes"
ok "custom-main exited 0 after Bye and printed its statistics"
