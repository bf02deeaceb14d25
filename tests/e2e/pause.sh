#!/bin/sh
# The VM is stopped from QEMU's monitor in the middle of the guest test,
# for longer than the gateway's idle timeout (3 s here), and then
# continued: sclink-pci says Sync PAUSED and RESUMED (CAP_PAUSE,
# doc/protocol.md 8.9), so the gateway keeps the link, and the guest test
# still passes.  The gateway log shows both notices and no lost link.
. "$(dirname "$0")/lib.sh"

sed '$a idle_timeout_ms: 3000' "$PLATFORM" > "$tmp/platform.yaml"
grep -q '^idle_timeout_ms: 3000$' "$tmp/platform.yaml" || fail "cannot make the platform"
PLATFORM=$tmp/platform.yaml

start_gateway "unix:$tmp/gw.sock" gw
mkfifo "$tmp/mon.in" "$tmp/mon.out"
cat "$tmp/mon.out" > "$tmp/mon.log" &
pids="$pids $!"
log=$tmp/qemu.log
# Once the guest test is under way: stop for 4.5 s, then continue.
(
    wait_until "$E2E_TIMEOUT" log_has "$log" "^PASS: id:" || exit 0
    echo stop > "$tmp/mon.in"
    date +%s%N > "$tmp/stopped"
    # The stop must have reached the gateway before the pause is timed.
    wait_until 30 log_has "$tmp/gw.log" "QEMU paused at" || true
    # Not synchronization: the pause under test, longer than the 3 s idle
    # timeout that must not fire while QEMU is paused.
    sleep 4.5
    echo cont > "$tmp/mon.in"
    date +%s%N > "$tmp/continued"
) &
pids="$pids $!"
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$log" -monitor "pipe:$tmp/mon" $(link_chardev "$gw_addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit"
rc=$?
[ -f "$tmp/continued" ] || { show_failure "$log"; fail "the VM was never stopped and continued"; }
guest_passed "$log" || { show_failure "$log"; fail "the guest test failed after the pause (QEMU status $rc)"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
grep -q "QEMU paused at" "$tmp/gw.log" || fail "the gateway heard no Sync PAUSED"
grep -q "QEMU resumed" "$tmp/gw.log" || fail "the gateway heard no Sync RESUMED"
grep -q "link lost" "$tmp/gw.log" && fail "the gateway lost the link: $(grep 'link lost' "$tmp/gw.log")"
grep -q "link closed by Bye" "$tmp/gw.log" || fail "the link did not end with QEMU's Bye"
pass "stopped $(( ($(cat "$tmp/continued") - $(cat "$tmp/stopped")) / 1000000 )) ms with idle_timeout_ms 3000; link kept"
