#!/bin/sh
# tests/repeat.sh MAKE TEST...: `make check-repeat`.  Runs the given tests
# (the end-to-end and gateway suites) REPEAT times in a row through
# `make check`, with HOG CPU hogs busy beside them, and reports every test
# that ever failed, with a copy of each failing log.  A flaky test shows
# here, not in CI.
#
# Environment: REPEAT (default 10), HOG (default 2: busy loops, one per
# core of the machines here), JOBS (make -j, default nproc), KEEP_LOGS
# (default $TMPDIR/sclink-repeat.PID) where failing logs are copied.
set -u
[ $# -ge 2 ] || { echo "usage: tests/repeat.sh MAKE TEST..." >&2; exit 2; }
make=$1
shift
tests=$*
repeat=${REPEAT:-10}
hog=${HOG:-2}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
keep=${KEEP_LOGS:-${TMPDIR:-/tmp}/sclink-repeat.$$}
mkdir -p "$keep"

hogs=
stop_hogs() {
    for p in $hogs; do kill "$p" 2>/dev/null; done
    hogs=
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
i=0
while [ "$i" -lt "$hog" ]; do
    sh -c 'while :; do :; done' &
    hogs="$hogs $!"
    i=$((i + 1))
done
echo "repeat: $repeat runs of $(echo "$tests" | wc -w) tests, make -j$jobs, $hog CPU hogs beside them"

flaky=
round=1
while [ "$round" -le "$repeat" ]; do
    start=$(date +%s)
    "$make" -j"$jobs" check TESTS="$tests" >"$keep/round-$round.out" 2>&1
    bad=
    for t in $tests; do
        # automake's result and log of test T: T.trs and T.log.
        if ! grep -q '^:test-result: PASS' "$t.trs" 2>/dev/null; then
            bad="$bad $t"
            cp "$t.log" "$keep/round-$round-$(echo "$t" | tr / -).log" 2>/dev/null
            case " $flaky " in *" $t "*) ;; *) flaky="$flaky $t" ;; esac
        fi
    done
    echo "repeat: round $round/$repeat: $(($(date +%s) - start)) s, ${bad:+failed:}${bad:-all passed}"
    round=$((round + 1))
done

if [ -n "$flaky" ]; then
    echo "repeat: FAIL: tests that failed at least once:$flaky (logs in $keep)"
    exit 1
fi
rm -rf "$keep"
echo "repeat: PASS: every test passed $repeat times"
