#!/bin/sh
# Deterministic mode: two runs with -icount shift=0,sleep=off must give the
# gateway the same message sequence with the same timestamps, so the two
# gateway traces are byte-identical.  The guest's timer interrupts must be
# seen within one quantum + 500 us of their SystemC time.
. "$(dirname "$0")/lib.sh"

for run in 1 2; do
    addr=unix:$tmp/gw$run.sock
    start_gateway "$addr" "gw$run"
    # The RTC follows the virtual clock from a fixed date: no host time.
    IRQ_SLACK_US=500 run_qemu "$tmp/qemu$run.log" -icount shift=0,sleep=off \
        -rtc base=2024-01-01T00:00:00,clock=vm \
        -chardev "$(chardev_for "$addr" sc0)" \
        -device sclink-pci,id=sclink0,chardev=sc0,on-failure=exit
    rc=$?
    guest_passed "$tmp/qemu$run.log" || { show_failure "$tmp/qemu$run.log"; fail "run $run: guest checks failed"; }
    [ "$rc" -eq 0 ] || fail "run $run: QEMU exited with $rc"
    grep -q "deterministic" "$tmp/qemu$run.log" || fail "run $run: device not in deterministic mode"
    wait "$gw_pid" || fail "run $run: gateway did not exit 0"
    check_timer_trace "gw$run"
done
[ -s "$tmp/gw1.trace" ] || fail "the gateway wrote no trace"
if ! cmp -s "$tmp/gw1.trace" "$tmp/gw2.trace"; then
    diff "$tmp/gw1.trace" "$tmp/gw2.trace" | head -n 20
    fail "the two traces differ"
fi
pass "$(wc -l <"$tmp/gw1.trace") identical trace lines"
