#!/bin/sh
# Two sclink-pci devices in one QEMU, each on its own link and gateway:
# one over a Unix socket, one over TCP.  The guest tests every device with
# the demo IDs (--all); both gateways must have served their device.
. "$(dirname "$0")/lib.sh"

start_gateway "unix:$tmp/gwa.sock" gwa
pid_a=$gw_pid
start_gateway tcp:127.0.0.1:0 gwb
pid_b=$gw_pid
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
GUEST_ARGS=--all run_qemu "$tmp/qemu.log" \
    $(link_chardev "unix:$tmp/gwa.sock" sca) \
    -device "sclink-pci,id=sclinka,$(link_opt "unix:$tmp/gwa.sock" sca),on-failure=exit" \
    $(link_chardev "$gw_addr" scb) \
    -device "sclink-pci,id=sclinkb,$(link_opt "$gw_addr" scb),on-failure=exit"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
[ "$(grep -c 'linked to gateway' "$tmp/qemu.log")" -eq 2 ] || fail "not two linked devices"
grep -q "^PASS: pci: 2 devices tested" "$tmp/qemu.log" || fail "the guest did not test two devices"
wait "$pid_a" || fail "gateway A did not exit 0"
wait "$pid_b" || fail "gateway B did not exit 0"
for gw in gwa gwb; do
    uart_output $gw | grep -qxF "$UART_TX_TEXT" || fail "$gw: no UART output"
    check_timer_trace $gw
done
pass "$(grep -c '^PASS:' "$tmp/qemu.log") guest checks on two devices"
