#!/bin/sh
# A "gateway" that answers Hello with garbage: realize fails with a clear
# message naming the problem, and QEMU exits non-zero before the guest runs.
# Needs no real gateway (tests/e2e/garbage-gateway stands in).
SCLINK_GATEWAY=${SCLINK_GATEWAY:-/bin/true}
. "$(dirname "$0")/lib.sh"

[ -x "$E2E_TOOLS/garbage-gateway" ] || fail "no $E2E_TOOLS/garbage-gateway (make check builds it)"
"$E2E_TOOLS/garbage-gateway" "$tmp/gw.sock" >"$tmp/gw.log" 2>&1 &
pids="$pids $!"
wait_listening "$tmp/gw.log" || fail "garbage gateway did not start"
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" $(link_chardev "unix:$tmp/gw.sock" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "unix:$tmp/gw.sock" sc0),timeout=3000"
rc=$?
[ "$rc" -ne 0 ] || fail "QEMU accepted a garbage gateway"
grep -qF "no Welcome from the gateway on $(link_label "unix:$tmp/gw.sock" sc0): " "$tmp/qemu.log" &&
    grep -q "gateway sent garbage" "$tmp/qemu.log" ||
    { show_failure "$tmp/qemu.log"; fail "no clear garbage message"; }
pass "$(grep -m1 garbage "$tmp/qemu.log")"
