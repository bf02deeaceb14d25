#!/bin/sh
# Deterministic mode: two runs with -icount shift=0,sleep=off must give the
# gateway the same message sequence with the same timestamps, so the two
# gateway traces are byte-identical, and the same transactions as the
# committed golden trace (tests/e2e/golden/guest-test.trace; `make
# regen-golden` rewrites it).  The guest's timer interrupts must be seen
# within one quantum + 500 us of their SystemC time.
. "$(dirname "$0")/lib.sh"

after_run() {
    check_timer_trace "gw$1"
}

deterministic_runs
pass "$(wc -l <"$tmp/gw1.trace") identical trace lines, as the golden trace"
