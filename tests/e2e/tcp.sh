#!/bin/sh
# The demo guest against the gateway over TCP on the loopback (the gateway
# picks a free port).
. "$(dirname "$0")/lib.sh"

start_gateway tcp:127.0.0.1:0 gw
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" $(link_chardev "$gw_addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
wait "$gw_pid" || { show_failure "$tmp/gw.log"; fail "gateway did not exit 0"; }
uart_output gw | grep -qxF "$UART_TX_TEXT" || fail "the UART output lacks the guest's text"
pass "$(grep -c '^PASS:' "$tmp/qemu.log") guest checks over $gw_addr"
