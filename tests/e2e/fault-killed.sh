#!/bin/sh
# The gateway dies (SIGKILL) or stalls (SIGSTOP) while the guest runs: QEMU
# reports it and, with on-failure=exit, ends with status 1 within the
# device timeout (plus boot slack), never hanging.
. "$(dirname "$0")/lib.sh"

for how in KILL STOP; do
    addr=unix:$tmp/gw-$how.sock
    start_gateway "$addr" "gw-$how"
    # Strike once the guest test has started talking to the device.
    signal_when "$tmp/qemu-$how.log" "^PASS: id:" "$how" "$gw_pid"
    start=$(date +%s)
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    GUEST_ARGS=--soak,120 run_qemu "$tmp/qemu-$how.log" $(link_chardev "$addr" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),on-failure=exit,timeout=3000"
    rc=$?
    took=$(($(date +%s) - start))
    [ "$how" = STOP ] && kill -CONT "$gw_pid" 2>/dev/null
    struck || { show_failure "$tmp/qemu-$how.log"; fail "SIG$how: never sent: the guest test did not start"; }
    [ "$rc" -eq 1 ] || { show_failure "$tmp/qemu-$how.log"; fail "SIG$how: QEMU exited with $rc, want 1"; }
    case $how in
    KILL) want="closed the link without Bye" ;;
    STOP) want="gateway unresponsive for 3000 ms" ;;
    esac
    grep -q "$want" "$tmp/qemu-$how.log" || { show_failure "$tmp/qemu-$how.log"; fail "SIG$how: no '$want' report"; }
    grep -q "exiting (on-failure=exit)" "$tmp/qemu-$how.log" || fail "SIG$how: no on-failure line"
    echo "SIG$how: QEMU ended after ${took}s: $(grep "sclink-pci 'sclink0': " "$tmp/qemu-$how.log" | grep -v linked | head -n 1)"
done
pass
