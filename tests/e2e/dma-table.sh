#!/bin/sh
# The DMA table (tests/common/dma-cases.h) against the real sclink-pci:
# tests/e2e/table-gateway sends each row and judges the device's answer,
# so the device, its core calls (tests/test-dma-cases) and sclink-client
# (tests/client/test-client-run) are held to one table.  The rows the
# device serves go on one link; each row that ends the link gets a QEMU
# of its own (on-failure=exit).  No guest: QEMU runs its firmware only,
# and the link is free-running, which QEMU serves from its main loop.
SCLINK_GATEWAY=${SCLINK_GATEWAY:-/bin/true}
. "$(dirname "$0")/lib.sh"

TABLE_GW=$E2E_TOOLS/table-gateway
[ -x "$TABLE_GW" ] || fail "no $TABLE_GW (make check builds it)"

# run_rows NAME EXPECT_QEMU_STATUS INDEX...: one link, one QEMU.
run_rows() {
    name=$1 want=$2
    shift 2
    "$TABLE_GW" "$tmp/$name.sock" "$@" >"$tmp/$name.gw" 2>&1 &
    tgw=$!
    pids="$pids $tgw"
    wait_listening "$tmp/$name.gw" "$tgw" || fail "$name: table-gateway did not start"
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    timeout 60 "$QEMU" -L /usr/share/seabios -L /usr/share/qemu \
        -M pc -m 64 -nographic -vga none -no-reboot -nic none \
        $(link_chardev "unix:$tmp/$name.sock" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "unix:$tmp/$name.sock" sc0),timeout=5000,on-failure=exit" \
        >"$tmp/$name.qemu" 2>&1
    rc=$?
    wait "$tgw"
    grc=$?
    cat "$tmp/$name.gw"
    [ "$grc" -eq 0 ] || { tail -n 5 "$tmp/$name.qemu"; fail "$name: the device's answers are not the table's"; }
    [ "$rc" -eq "$want" ] || { tail -n 5 "$tmp/$name.qemu"; fail "$name: QEMU exited $rc, not $want"; }
}

"$TABLE_GW" --list >"$tmp/rows" || fail "table-gateway --list"
served=$(awk '$3 == 0 { printf "%s ", $1 }' "$tmp/rows")
ending=$(awk '$3 != 0 { print $1 }' "$tmp/rows")
# shellcheck disable=SC2086 # one word per row index
run_rows served 0 $served
n=$(echo "$served" | wc -w)
for row in $ending; do
    run_rows "row$row" 1 "$row"
    n=$((n + 1))
done
pass "sclink-pci answered all $n rows of the DMA table as the table says"
