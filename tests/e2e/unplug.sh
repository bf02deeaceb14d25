#!/bin/sh
# The device is unplugged (QMP device_del, then the guest's ACPI eject)
# while four vCPUs drive it (guest/sclink-guest-smp.c, as in smp.sh):
# whichever access holds the turn finishes, the unplug says Bye, and the
# accesses still waiting for the turn get it afterwards, find the link
# closed and fail at once (doc/qemu-device.md, "Locking").  QEMU must
# neither crash nor hang: the device goes (DEVICE_DELETED), QMP answers,
# and quit ends QEMU with 0; the gateway sees QEMU's Bye.
. "$(dirname "$0")/lib.sh"

PROBE=$E2E_TOOLS/qmp-probe
[ -x "$PROBE" ] || fail "no $PROBE (make check builds it)"

start_gateway "unix:$tmp/gw.sock" gw
# Rounds enough to outlast the test: the guest never finishes them.
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" -smp 4 -accel tcg,thread=multi -d guest_errors \
    -qmp "unix:$tmp/qmp.sock,server=on,wait=off" \
    $(link_chardev "$gw_addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),timeout=30000" \
    -append "$GUEST_CMDLINE sclink.prog=smp sclink.args=4,100000000" &
qpid=$!
pids="$pids $qpid"

# The four threads are at it once each has written its own scratch
# register a few hundred times.
busy() {
    for off in 0x10 0x14 0x18 0x1c; do
        [ "$(grep -c "write bar0+$off len=4 " "$tmp/gw.trace" 2>/dev/null)" -ge 300 ] || return 1
    done
}
wait_until 120 busy || { show_failure "$tmp/qemu.log"; fail "the guest's four threads never got going"; }

"$PROBE" "$tmp/qmp.sock" 60000 \
    '{"execute": "device_del", "arguments": {"id": "sclink0"}}' \
    event=DEVICE_DELETED query-status quit >"$tmp/qmp.log" 2>&1
probe_rc=$?
wait "$qpid"
rc=$?
cat "$tmp/qmp.log"
[ "$probe_rc" -eq 0 ] ||
    { show_failure "$tmp/qemu.log"; fail "QMP: device_del, DEVICE_DELETED, query-status, quit did not all answer (qmp-probe $probe_rc)"; }
grep -q '^event=DEVICE_DELETED: .*"sclink0"' "$tmp/qmp.log" || fail "no DEVICE_DELETED for sclink0"
grep -q '^query-status: .*"running"' "$tmp/qmp.log" || fail "the VM does not run on after the unplug"
grep -aE "Assertion|Aborted|Segmentation|core dumped" "$tmp/qemu.log" &&
    { show_failure "$tmp/qemu.log"; fail "QEMU crashed"; }
[ "$rc" -eq 0 ] || { show_failure "$tmp/qemu.log"; fail "QEMU exited with $rc, want 0"; }
wait_until 10 grep -q "peer said Bye" "$tmp/gw.log" ||
    fail "the gateway never heard QEMU's Bye: $(tail -n 3 "$tmp/gw.log")"
# How many accesses found the link closed when they got the turn: those
# that waited for it at the unplug (not every run has one).
late=$(grep -ac "sclink-pci 'sclink0': .* failed: the gateway link is down" "$tmp/qemu.log")
pass "unplugged under four vCPUs' accesses ($(grep -c 'bar0+' "$tmp/gw.trace") Requests, $late failed once the link was closed); QEMU ran on and quit with 0"
