#!/bin/sh
# examples/custom-main: a user's own sc_main that loads its platform file
# with the library's loader and maps its own module (an accumulator, with
# an interrupt) beside the file's id model, driven by sclink-client over a
# real socket.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

ADDR="unix:$tmp/custom.sock"
"$top_builddir/examples/custom-main/custom-main" "$top_srcdir/examples/custom-main/platform.yaml" \
    "$ADDR" > "$tmp/gw.out" 2> "$tmp/gw.err" &
gw_pid=$!
client --connect-timeout 5000 \
    'expect-read 0 0x0 4 0x53434c4b' \
    'write 0 0x1000 4 5' 'write 0 0x1000 4 37' 'expect-read 0 0x1000 4 42' \
    'expect-read 0 0x1004 4 2' 'expect-status address-error read 0 0x1008 4' \
    'expect-status command-error write 0 0x1004 4 1' \
    'write 0 0x1000 4 100' 'wait-irq line 0 1ms' 'bye' ||
    fail "client against custom-main"
ok "the file's id model and the program's accumulator, its interrupt on line 0"
expect_line "$tmp/gw.out" "0x0000000000001000  0x0000000000001007  acc "
wait_gateway
[ "$gw_status" -eq 0 ] || fail "custom-main exit status $gw_status"
expect_line "$tmp/gw.err" "requests: 4 reads, 4 writes"
ok "custom-main exited 0 after Bye and printed its statistics"
