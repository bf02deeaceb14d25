#!/bin/sh
# A device reset reaches the gateway's models (CAP_RESET, doc/protocol.md
# 8.10): the guest (guest/sclink-guest-reset.c) marks the id model's
# SCRATCH0 and starts the timer, the monitor says system_reset, and on its
# second boot the guest finds both back at their reset values (0).
# Without the forwarded reset SCRATCH0 would still hold the mark.  The
# gateway logs the reset and keeps the link; QEMU ends with quit and 0;
# the device's trace events (qemu-dev/trace-events) show the reset and
# the accesses, and the monitor's migrate is refused with the device's
# migration blocker.
. "$(dirname "$0")/lib.sh"

start_gateway "unix:$tmp/gw.sock" gw
mkfifo "$tmp/mon.in" "$tmp/mon.out"
cat "$tmp/mon.out" > "$tmp/mon.log" &
pids="$pids $!"
log=$tmp/qemu.log

# wait_marked N: waits until the guest has printed its mark N times.
wait_marked() {
    for _ in $(seq $((E2E_TIMEOUT * 10))); do
        [ "$(grep -ac 'RESET-GUEST: marked' "$log" 2>/dev/null)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
(
    wait_marked 1 || exit 0
    echo system_reset > "$tmp/mon.in"
    wait_marked 2 || exit 0
    echo 'migrate "exec:cat >/dev/null"' > "$tmp/mon.in"
    echo quit > "$tmp/mon.in"
) &
pids="$pids $!"
# -action reboot=reset undoes run_qemu's -no-reboot, which would turn
# the monitor's system_reset into a shutdown.
# The device's trace events for resets and accesses go to QEMU's log.
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$log" -action reboot=reset -monitor "pipe:$tmp/mon" \
    -trace 'sclink_reset*' -trace 'sclink_mmio_*' \
    $(link_chardev "$gw_addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit" \
    -append "$GUEST_CMDLINE sclink.prog=reset"
rc=$?
# The console may put escape sequences before a line's text.
grep -ao 'RESET-GUEST: .*' "$log" > "$tmp/guest.txt"
[ "$(grep -c '^RESET-GUEST: marked' "$tmp/guest.txt")" -eq 2 ] ||
    { show_failure "$log"; fail "the guest did not boot twice (QEMU status $rc)"; }
grep -q 'FAIL' "$tmp/guest.txt" && fail "$(grep FAIL "$tmp/guest.txt")"
[ "$(grep -c '^RESET-GUEST: boot scratch0=0x00000000 timer-ctrl=0x0' "$tmp/guest.txt")" -eq 2 ] ||
    fail "the models were not at their reset values on both boots: $(cat "$tmp/guest.txt")"
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
# One reset or more: the machine may be reset again as it restarts
# (3 in all, within 0.2 s, were seen here).
grep -q 'QEMU reset the device at' "$tmp/gw.log" ||
    fail "the gateway heard no reset: $(cat "$tmp/gw.log")"
grep -q "link lost" "$tmp/gw.log" && fail "the gateway lost the link: $(grep 'link lost' "$tmp/gw.log")"
grep -q "link closed by Bye" "$tmp/gw.log" || fail "the link did not end with QEMU's Bye"
grep -q '^t=[0-9]* reset$' "$tmp/gw.trace" || fail "no reset in the gateway trace"
grep -aq 'sclink_reset_done sclink0 Sync RESET_DONE' "$log" || fail "no sclink_reset_done trace event"
grep -aq "sclink-pci 'sclink0' cannot migrate: the state of its models" "$tmp/mon.log" ||
    fail "migrate was not refused with the device's reason: $(tail -n 5 "$tmp/mon.log")"
grep -aq 'sclink_mmio_read sclink0 BAR0+0x10 size 4 -> 0x5eed0001 memtx 0' "$log" ||
    fail "no sclink_mmio_read trace event for the mark read back"
pass "the models were back at their reset values after system_reset; one link throughout"
