#!/bin/sh
# The gateway dies while the guest leaves the device alone (a CPU-bound
# loop that never touches the BAR, so QEMU is in no wait): QEMU notices on
# the socket itself, over Unix (hang-up) and TCP (the peer's FIN), reports
# it and, with on-failure=exit, ends long before the loop would.
. "$(dirname "$0")/lib.sh"

# About 10 minutes of guest loop: the guest never finishes it here.
BUSY="$GUEST_CMDLINE sclink.prog=bench sclink.args=cpu,1,200000000000"

for addr in "unix:$tmp/gw.sock" tcp:127.0.0.1:0; do
    name=gw-${addr%%:*}
    log=$tmp/qemu-$name.log
    start_gateway "$addr" "$name"
    signal_when "$log" "BENCH-BEGIN cpu" KILL "$gw_pid" "$tmp/$name.killed"
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    run_qemu "$log" -append "$BUSY" $(link_chardev "$gw_addr" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit,timeout=60000"
    rc=$?
    ended=$(date +%s%N)
    [ -f "$tmp/$name.killed" ] || { show_failure "$log"; fail "$name: the guest loop never started"; }
    grep -q "BENCH-END" "$log" && fail "$name: the guest loop finished: the gateway was never killed in it"
    [ "$rc" -eq 1 ] || { show_failure "$log"; fail "$name: QEMU exited with $rc, want 1"; }
    grep -q "closed the link without Bye" "$log" || { show_failure "$log"; fail "$name: no report of the lost gateway"; }
    grep -q "exiting (on-failure=exit)" "$log" || fail "$name: no on-failure line"
    ms=$(( (ended - $(cat "$tmp/$name.killed")) / 1000000 ))
    # Neither the device timeout (60 s) nor the next window end (up to 1 s
    # of virtual time away on this idle platform) ended it: the socket did.
    [ "$ms" -lt 500 ] || fail "$name: QEMU took $ms ms to notice"
    echo "$name: QEMU ended $ms ms after the kill"
done
pass
