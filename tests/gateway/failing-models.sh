#!/bin/sh
# A model that fails must not take the gateway down without telling QEMU
# (doc/gateway.md, "Failing models").  tests/gateway/fail-model.cc fails
# on request from inside its b_transport; for each way, what sclink-client
# (QEMU's side) sees and the gateway's exit status:
#   SC_REPORT_ERROR   generic-error for that access, the link goes on   0
#   SC_REPORT_FATAL   Error ERR_INTERNAL naming the model and report     4
#   C++ exception     Error ERR_INTERNAL                                 4
#   its own thread's SC_REPORT_ERROR: Error ERR_INTERNAL                 4
#   sc_stop()         Bye from the gateway                               0
#   wait() for ever   Error ERR_INTERNAL (the simulation starves)        4
#   spin for ever     Error ERR_INTERNAL after stuck_timeout_ms          4
#   spin, 2 signals   the second exits at once: the link closes   SIGTERM
#   assert()          abort: the link closes at once                   134
# and a debug access to it, which has no transport_dbg: command-error.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

PLUGIN=$top_builddir/tests/gateway/.libs/libsclink-fail-model.so

# fail_platform STUCK_MS: memory and the failing model alone (no model
# with events of its own, so that a model waiting for ever starves
# SystemC).
fail_platform() {
    cat > "$tmp/platform.yaml" <<YAML
name: fail-test
listen: unix:$tmp/gw.sock
quantum_ns: 10000
timeout_ms: 2000
stuck_timeout_ms: $1
pci:
  vendor_id: 0x1234
  device_id: 0x5c1c
  interrupt: msix
  vectors: 4
bars:
  - index: 0
    size: 0x100000
devices:
  - name: ram
    type: memory
    base: 0x0
    size: 0x10000
  - name: failer
    type: fail-model
    base: 0x40000
    size: 0x100
YAML
}

# case HOW WANT_STATUS CLIENT_LINE GATEWAY_LINE: the client writes HOW to
# FAIL and then reads ALIVE; CLIENT_LINE must be in its output,
# GATEWAY_LINE in the gateway's log, and the gateway must exit with
# WANT_STATUS.
case_() {
    start_gateway --plugin "$PLUGIN"
    client 'write 0 0x40000 4 '"$1" 'advance 5us' 'expect-read 0 0x40004 4 0x600d'
    wait_gateway
    expect_line "$tmp/client.out" "$3"
    expect_line "$tmp/gw.err" "$4"
    [ "$gw_status" -eq "$2" ] || fail "fail-model $1: gateway exit status $gw_status, want $2"
}

fail_platform 500
start_gateway --plugin "$PLUGIN"
# --offer-debug: the debug accesses need CAP_DEBUG (the device offers none).
client --offer-debug 'expect-status generic-error write 0 0x40000 4 1' 'expect-read 0 0x40004 4 0x600d' \
    'expect-status command-error dread 0 0x40004 4' \
    'expect-status address-error dread 0 0x50000 4' ||
    fail "SC_REPORT_ERROR: the link should go on"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "SC_REPORT_ERROR: gateway exit status $gw_status, want 0"
expect_line "$tmp/gw.err" 'model failer (at router address 0x40000) threw out of b_transport at 0 ps: SC_ERROR sclink/fail-model: error \\"in\\" b_transport\\x0a\[forged\]: the access fails with generic-error'
[ "$(grep -c 'threw' "$tmp/gw.err")" -eq 1 ] || fail "SC_REPORT_ERROR: logged more than once"
ok "SC_REPORT_ERROR: generic-error, logged once (escaped), the link goes on, status 0"
ok "debug access to a model without transport_dbg: command-error; to a hole: address-error"

case_ 2 4 'error ERR_INTERNAL: model failer (at router address 0x40000) threw out of b_transport at 0 ps: SC_FATAL sclink/fail-model: fatal in b_transport' \
    'link lost: model failer .* SC_FATAL'
ok "SC_REPORT_FATAL: Error ERR_INTERNAL naming the model and the report, status 4"

case_ 7 4 'error ERR_INTERNAL: model failer .* exception: not a report' 'link lost: model failer'
ok "a C++ exception: Error ERR_INTERNAL, status 4"

case_ 8 4 "error ERR_INTERNAL: a model.*s process failer.thread threw SC_ERROR" \
    "link lost: a model's process failer.thread threw SC_ERROR"
ok "SC_REPORT_ERROR from the model's own thread: Error ERR_INTERNAL, status 4"

# The write's Response, then the Bye, while the client already sends its
# next message (a REACHED): the gateway discards it and closes at the
# client's own Bye, so the kernel has nothing unread to reset the
# connection for, which would lose the Bye (doc/protocol.md 10.2).
start_gateway --plugin "$PLUGIN"
client 'write 0 0x40000 4 4' 'advance 20us'
wait_gateway
expect_line "$tmp/client.out" 'bye from gateway reason=shutdown message=the simulation was stopped (sc_stop() by a model) at 0 ps'
expect_line "$tmp/gw.err" "link closed by the gateway's Bye"
[ "$gw_status" -eq 0 ] || fail "sc_stop: gateway exit status $gw_status, want 0"
ok "sc_stop() from a model: Bye, status 0"

case_ 5 4 'error ERR_INTERNAL: the simulation ran out of events at 0 ps: a model waits inside b_transport' \
    'link lost: the simulation ran out of events'
ok "a model waiting for ever inside b_transport: Error ERR_INTERNAL, status 4"

start=$(date +%s)
case_ 6 4 'error ERR_INTERNAL: model failer (at router address 0x40000) has not returned from b_transport for 500 ms (stuck_timeout_ms)' \
    'exiting with status 4'
[ $(($(date +%s) - start)) -lt 5 ] || fail "the watchdog took $(($(date +%s) - start)) s"
ok "a model spinning inside b_transport: Error ERR_INTERNAL after stuck_timeout_ms, status 4"

# The watchdog out of the way: only the second signal gets the gateway
# out of the model.
fail_platform 60000
start_gateway --plugin "$PLUGIN"
client 'write 0 0x40000 4 6' &
client_pid=$!
wait_until 30 log_has "$tmp/gw.err" 'fail-model: failing in way 6' ||
    fail "the model never started to spin"
kill -TERM "$gw_pid"
# A gateway that the first SIGTERM ended is gone within a second.
wait_until 1 exited "$gw_pid" && fail "the first SIGTERM ended a gateway stuck in a model"
kill -TERM "$gw_pid"
wait_gateway
[ "$gw_status" -eq 143 ] || fail "second SIGTERM: gateway exit status $gw_status, want 143 (SIGTERM)"
wait "$client_pid"
expect_line "$tmp/client.out" 'closed: the gateway closed the link'
expect_line "$tmp/gw.err" 'SIGTERM again: exiting at once'
ok "a model spinning: the second SIGTERM kills the gateway at once, the link closes"

# An abort inside a plugin is outside the gateway's control: the process
# dies, and QEMU's side sees the link close at once.
case_ 3 134 'closed: the gateway closed the link' 'Assertion'
ok "assert() in a model: the process aborts (134), the link closes at once"
