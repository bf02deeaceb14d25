#!/bin/sh
# The gateway is told to stop (SIGTERM, as a user's Ctrl-C would be SIGINT):
# it sends Bye{BYE_SHUTDOWN} and exits 0, and QEMU takes the Bye as the end
# of the run (a clean shutdown, status 0), not as a lost gateway.  While
# the guest runs a CPU loop that leaves the device alone, over Unix, TCP,
# and Unix under -icount (where gateway messages are consumed only in
# waits, so the Bye is taken from the inbox when the socket closes); and
# while the guest hammers the device with accesses (--soak), where QEMU
# may find the socket closed on its next write with the Bye still unread.
. "$(dirname "$0")/lib.sh"

# About 10 minutes of guest loop: the guest never finishes it here.
BUSY="$GUEST_CMDLINE sclink.prog=bench sclink.args=cpu,1,200000000000"

for case in unix tcp icount soak; do
    addr=unix:$tmp/gw-$case.sock icount='' append=$BUSY started="BENCH-BEGIN cpu"
    [ $case = tcp ] && addr=tcp:127.0.0.1:0
    [ $case = icount ] && icount="-icount shift=0,sleep=off"
    if [ $case = soak ]; then
        append="$GUEST_CMDLINE sclink.args=--soak,120" started="^PASS: id:"
    fi
    name=gw-$case
    log=$tmp/qemu-$case.log
    start_gateway "$addr" "$name"
    signal_when "$log" "$started" TERM "$gw_pid"
    # shellcheck disable=SC2086
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    run_qemu "$log" $icount -append "$append" $(link_chardev "$gw_addr" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit,timeout=60000"
    rc=$?
    struck || { show_failure "$log"; fail "$case: SIGTERM never sent: '$started' did not show"; }
    grep -q "BENCH-END\|^SCLINK-GUEST: PASS" "$log" &&
        fail "$case: the guest finished: the gateway was never stopped while it ran"
    grep -q "gateway said Bye (done: gateway stopping); shutting down" "$log" ||
        { show_failure "$log"; fail "$case: QEMU did not take the gateway's Bye"; }
    grep -q "closed the link without Bye\|exiting (on-failure" "$log" &&
        { show_failure "$log"; fail "$case: QEMU took the Bye for a failure"; }
    [ "$rc" -eq 0 ] || { show_failure "$log"; fail "$case: QEMU exited with $rc, want 0"; }
    wait "$gw_pid"
    gw_rc=$?
    grep -q "SIGTERM: stopping" "$tmp/$name.log" || fail "$case: the gateway did not log the signal"
    grep -q "link closed by the gateway's Bye" "$tmp/$name.log" ||
        fail "$case: gateway: $(tail -n 3 "$tmp/$name.log")"
    [ "$gw_rc" -eq 0 ] || fail "$case: gateway exited with $gw_rc, want 0"
    echo "$case: gateway stopped with Bye, QEMU shut down cleanly"
done
pass
