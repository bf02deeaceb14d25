#!/bin/sh
# Rule F under -icount (doc/protocol.md 8.4): the demo platform with its
# RAM replaced by one that wait()s 100 ns inside every b_transport
# (tests/gateway/wait-model.cc).  Two runs of the guest test with -icount
# shift=0,sleep=off must pass and give byte-identical gateway traces with
# the transactions of the golden trace (determinism.sh's: the waits change
# times, nothing else), and the gateway must say the time was taken inside accesses: time a model
# takes inside an access is as deterministic as the rest, and the guest's
# timer checks (never before its time, within Q + 500 us) still hold.
. "$(dirname "$0")/lib.sh"

WAITER=$top_builddir/tests/gateway/.libs/libsclink-waiter.so
[ -f "$WAITER" ] || fail "no waiter plugin at $WAITER (make check builds it)"
sed '/- name: ram0/,$ s/type: memory/type: waiter/' "$PLATFORM" > "$tmp/platform.yaml"
printf '    params:\n      wait_ns: "100"\n' >> "$tmp/platform.yaml"
grep -q 'type: waiter' "$tmp/platform.yaml" || fail "cannot make the platform"
PLATFORM=$tmp/platform.yaml

after_run() {
    grep -q "target ram0 took 100 ns of SystemC time inside b_transport" "$tmp/gw$1.log" ||
        fail "run $1: the gateway did not report time taken inside b_transport"
}

deterministic_runs --plugin "$WAITER"
pass "$(wc -l <"$tmp/gw1.trace") identical trace lines, as the golden trace; $(sed -n 's/.*(\([0-9]*\) ps of it inside accesses).*/\1/p' "$tmp/gw1.log") ps inside accesses"
