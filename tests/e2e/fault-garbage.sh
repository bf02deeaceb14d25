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
run_qemu "$tmp/qemu.log" -chardev "socket,id=sc0,path=$tmp/gw.sock" \
    -device sclink-pci,id=sclink0,chardev=sc0,timeout=3000
rc=$?
[ "$rc" -ne 0 ] || fail "QEMU accepted a garbage gateway"
grep -q "no Welcome from the gateway on chardev 'sc0': .*gateway sent garbage" "$tmp/qemu.log" ||
    { show_failure "$tmp/qemu.log"; fail "no clear garbage message"; }
pass "$(grep -m1 garbage "$tmp/qemu.log")"
