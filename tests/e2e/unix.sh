#!/bin/sh
# The demo guest against the gateway over a Unix socket: every guest check
# passes, QEMU exits 0 after the guest powers off, the gateway saw Bye and
# exited 0, and what the guest transmitted on the UART is in its output.
. "$(dirname "$0")/lib.sh"

addr=unix:$tmp/gw.sock
start_gateway "$addr" gw
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" $(link_chardev "$addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),on-failure=exit"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || { show_failure "$tmp/qemu.log"; fail "QEMU exited with $rc"; }
grep -q "linked to gateway" "$tmp/qemu.log" || fail "no start-up line from sclink-pci"
wait "$gw_pid"
gw_rc=$?
[ "$gw_rc" -eq 0 ] || { show_failure "$tmp/gw.log"; fail "gateway exited with $gw_rc"; }
uart_output gw | grep -qxF "$UART_TX_TEXT" ||
    fail "the UART output lacks '$UART_TX_TEXT'"
check_timer_trace gw
pass "$(grep -c '^PASS:' "$tmp/qemu.log") guest checks"
