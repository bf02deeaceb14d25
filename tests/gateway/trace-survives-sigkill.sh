#!/bin/sh
# A trace is read after a crash: a gateway killed with SIGKILL in the
# middle of a link must have left the accesses it executed in its --trace
# file, not in a stdio buffer that dies with it.  The gateway flushes the
# trace at once after a failed access and otherwise within 20 ms of
# having nothing left to execute (doc/gateway.md, "Trace").
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
cat > "$tmp/acc.cmd" <<'CMDS'
write 0 0x100 4 0x11223344
expect-status address-error read 0 0x50000 4
expect-read 0 0x100 4 0x11223344
posted 0 0x104 4 0x55667788
expect-read 0 0x104 4 0x55667788
sleep 20000
CMDS
cat > "$tmp/want" <<'TRACE'
t=0 write bar0+0x100 len=4 data=44332211 -> ok
t=0 read bar0+0x50000 len=4 -> address-error
t=0 read bar0+0x100 len=4 -> ok data=44332211
t=0 posted-write bar0+0x104 len=4 data=88776655 -> ok
t=0 read bar0+0x104 len=4 -> ok data=88776655
TRACE
start_gateway --trace "$tmp/trace.txt"
"$CLIENT" --timeout 5000 -f "$tmp/acc.cmd" "$ADDR" > "$tmp/client.out" 2>&1 &
client_pid=$!
trap 'kill "$client_pid" 2>/dev/null; cleanup' EXIT
# The client prints a read's result once the gateway has answered it,
# and the gateway traces an access before it answers.
reads_done_or_client_exited() {
    log_has "$tmp/client.out" "off=0x104 len=4 -> ok" || exited "$client_pid"
}
wait_until 30 reads_done_or_client_exited
grep -q "off=0x104 len=4 -> ok" "$tmp/client.out" || fail "the client's reads did not complete"
# The link is up and idle: the lines must reach the file while the
# gateway lives (give it 5 s, not 20 ms: CI may be loaded), then survive.
wait_until 5 cmp -s "$tmp/want" "$tmp/trace.txt"
kill -KILL "$gw_pid"
wait "$gw_pid" 2>/dev/null
gw_pid=

[ -s "$tmp/trace.txt" ] || fail "trace empty after SIGKILL"
diff "$tmp/want" "$tmp/trace.txt" > "$tmp/trace.diff" ||
    fail "trace after SIGKILL differs: $(cat "$tmp/trace.diff")"
ok "the trace holds all 5 accesses after SIGKILL"
