#!/bin/sh
# Rule F under -icount (doc/protocol.md 8.4): the demo platform with its
# RAM replaced by one that wait()s 100 ns inside every b_transport
# (tests/gateway/wait-model.cc).  Two runs of the guest test with -icount
# shift=0,sleep=off must pass and give byte-identical gateway traces, and
# the gateway must say the time was taken inside accesses: time a model
# takes inside an access is as deterministic as the rest, and the guest's
# timer checks (never before its time, within Q + 500 us) still hold.
. "$(dirname "$0")/lib.sh"

WAITER=$top_builddir/tests/gateway/.libs/libsclink-waiter.so
[ -f "$WAITER" ] || fail "no waiter plugin at $WAITER (make check builds it)"
sed '/- name: ram0/,$ s/type: memory/type: waiter/' "$PLATFORM" > "$tmp/platform.yaml"
printf '    params:\n      wait_ns: "100"\n' >> "$tmp/platform.yaml"
grep -q 'type: waiter' "$tmp/platform.yaml" || fail "cannot make the platform"
PLATFORM=$tmp/platform.yaml

for run in 1 2; do
    addr=unix:$tmp/gw$run.sock
    start_gateway "$addr" "gw$run" --plugin "$WAITER"
    IRQ_SLACK_US=500 run_qemu "$tmp/qemu$run.log" -icount shift=0,sleep=off \
        -rtc base=2024-01-01T00:00:00,clock=vm \
        -chardev "$(chardev_for "$addr" sc0)" \
        -device sclink-pci,id=sclink0,chardev=sc0,on-failure=exit
    rc=$?
    guest_passed "$tmp/qemu$run.log" || { show_failure "$tmp/qemu$run.log"; fail "run $run: guest checks failed"; }
    [ "$rc" -eq 0 ] || fail "run $run: QEMU exited with $rc"
    grep -q "deterministic" "$tmp/qemu$run.log" || fail "run $run: device not in deterministic mode"
    wait "$gw_pid" || fail "run $run: gateway did not exit 0: $(tail -n 3 "$tmp/gw$run.log")"
    grep -q "target ram0 took 100 ns of SystemC time inside b_transport" "$tmp/gw$run.log" ||
        fail "run $run: the gateway did not report time taken inside b_transport"
done
if ! cmp -s "$tmp/gw1.trace" "$tmp/gw2.trace"; then
    diff "$tmp/gw1.trace" "$tmp/gw2.trace" | head -n 20
    fail "the two traces differ"
fi
pass "$(wc -l <"$tmp/gw1.trace") identical trace lines; $(sed -n 's/.*(\([0-9]*\) ps of it inside accesses).*/\1/p' "$tmp/gw1.log") ps inside accesses"
