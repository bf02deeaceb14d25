#!/bin/sh
# QEMU facing a hostile gateway: for each seed, tests/e2e/fuzz-gateway
# serves the link the way the seed says (a valid or a bad Welcome, then
# interrupt and DMA storms, huge and wrapping DMA, chunked, mutated and
# truncated frames, and a finale: garbage, bad vectors, Responses never
# asked for, GRANTs out of turn, a stall, a gateway that stops reading...)
# while the guest pokes BAR0 (guest/sclink-guest-poke.c).  Each time QEMU
# must either keep running or stop/exit as on-failure says with a line
# naming the fault, never die of a signal or an assertion, never hang
# (QMP must answer within the device timeout + 3 s, and the link must end
# within the timeout + 2 s of a finale), and stay under an RSS bound.
#
# make check replays the seeds of tests/e2e/fuzz-qemu.seeds (found by
# make fuzz-qemu, kept as regression cases) and FUZZ_QEMU_CASES.  With
# FUZZ_QEMU_MINUTES set (make fuzz-qemu), random seeds run for that long
# and each failing one is added to FUZZ_QEMU_SEEDS_FILE.
#
# Environment: FUZZ_QEMU_CASES (seeds), FUZZ_QEMU_RSS_MB (RSS bound, MiB),
# FUZZ_QEMU_CASE_SECONDS (how long a link may run before its finale).
SCLINK_GATEWAY=${SCLINK_GATEWAY:-/bin/true}
. "$(dirname "$0")/lib.sh"

FUZZ_GW=$E2E_TOOLS/fuzz-gateway
PROBE=$E2E_TOOLS/qmp-probe
[ -x "$FUZZ_GW" ] && [ -x "$PROBE" ] ||
    fail "no $FUZZ_GW or $PROBE (make check builds them)"
SEEDS_FILE=${FUZZ_QEMU_SEEDS_FILE:-$top_srcdir/tests/e2e/fuzz-qemu.seeds}
# Beside the regressions: a gateway that stops reading and floods DMA
# (367), and a Welcome that leaves no BAR slot for the MSI-X table (15).
FUZZ_QEMU_CASES=${FUZZ_QEMU_CASES:-367 15}
RSS_MB=${FUZZ_QEMU_RSS_MB:-400}
# A link runs this long into its plan before the finale (longer when fuzzing).
CASE_SECONDS=${FUZZ_QEMU_CASE_SECONDS:-${FUZZ_QEMU_MINUTES:+6}}
CASE_SECONDS=${CASE_SECONDS:-3}
# make fuzz-qemu keeps the logs of each failing seed here.
FAILURES=${FUZZ_QEMU_FAILURES:-$top_builddir/tests/e2e/fuzz-qemu-failures}
# In QEMU's stderr (the guest's console goes to console.log, where a
# guest program's own "Segmentation fault" would mean nothing): assert(),
# abort(), a fault, a sanitizer, GLib's g_error() and g_critical()
# ("GLib-CRITICAL **"), QEMU's own fatal errors.
CRASH='Assertion|assertion failed|Aborted|Segmentation|core dumped|Sanitizer|runtime error:|(ERROR|CRITICAL) \*\*|qemu: fatal|Bail out'

# rss_kb PID: VmRSS of PID in KiB, or nothing.
rss_kb() {
    sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null
}

# case_fail MSG: reports a failed case (its logs' tails too) and returns 1.
# qemu_reported PID LOG: QEMU ended, or said how it took the link's end.
qemu_reported() {
    exited "$1" || grep -qE "on-failure=|gateway said Bye" "$2"
}

# qemu_running QMP_SOCKET PROBE_MS: QMP says the VM runs.
qemu_running() {
    "$PROBE" "$1" "$2" query-status 2>/dev/null | grep -q '"running"'
}

case_fail() {
    why=$1
    echo "FAIL: seed $seed: $1"
    echo "---- gateway (last 15 lines)"
    tail -n 15 "$dir/gw.log"
    echo "---- QEMU (last 15 lines)"
    tail -n 15 "$dir/qemu.log"
    echo "---- guest console (last 5 lines)"
    tail -n 5 "$dir/console.log"
    kill -9 "$qpid" "$gpid" 2>/dev/null
    return 1
}

# run_case SEED: one boot against the hostile gateway; 0 when QEMU held.
run_case() {
    seed=$1
    dir=$tmp/seed-$seed
    mkdir -p "$dir"
    # The QEMU side's settings the seed chooses.
    timeout='' on_failure='' icount='' tcp='' master=''
    eval "$("$FUZZ_GW" --config "$seed")"
    addr=unix:$dir/gw.sock
    [ "$tcp" = 1 ] && addr=tcp:127.0.0.1:0
    "$FUZZ_GW" --seconds "$CASE_SECONDS" "$seed" "$addr" >"$dir/gw.log" 2>&1 &
    gpid=$!
    pids="$pids $gpid"
    wait_listening "$dir/gw.log" "$gpid" || { qpid=; case_fail "the fuzz gateway did not start"; return 1; }
    [ "$tcp" = 1 ] && addr=tcp:127.0.0.1:$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$dir/gw.log")
    extra=
    [ "$icount" = 1 ] && extra="-icount shift=0,sleep=off"
    args=$seed,600
    [ "$master" = 1 ] && args=$args,master
    # shellcheck disable=SC2086 # $extra is one option or none
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    "$QEMU" -L /usr/share/seabios -L /usr/share/qemu \
        -M pc -m 256 -nographic -vga none -no-reboot -nic none $extra \
        -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$GUEST_CMDLINE sclink.prog=poke sclink.args=$args" \
        -qmp "unix:$dir/qmp.sock,server=on,wait=off" \
        $(link_chardev "$addr" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),timeout=$timeout,on-failure=$on_failure" \
        >"$dir/console.log" 2>"$dir/qemu.log" &
    qpid=$!
    pids="$pids $qpid"
    probe_ms=$((timeout + 3000))
    max_kb=0
    started=$(date +%s)

    # While the gateway plays: RSS and QMP health, every half second.
    while kill -0 "$gpid" 2>/dev/null; do
        kb=$(rss_kb "$qpid")
        [ -n "$kb" ] && [ "$kb" -gt "$max_kb" ] && max_kb=$kb
        [ "$max_kb" -le $((RSS_MB * 1024)) ] ||
            { case_fail "QEMU's RSS reached $((max_kb / 1024)) MiB (bound $RSS_MB MiB)"; return 1; }
        if kill -0 "$qpid" 2>/dev/null && [ -S "$dir/qmp.sock" ]; then
            "$PROBE" "$dir/qmp.sock" "$probe_ms" query-status >/dev/null 2>&1
            [ $? -eq 1 ] && kill -0 "$qpid" 2>/dev/null &&
                { case_fail "QEMU hangs: QMP gave no answer within $probe_ms ms"; return 1; }
        fi
        [ $(($(date +%s) - started)) -lt 120 ] ||
            { case_fail "the fuzz gateway ran for 120 s"; return 1; }
        sleep 0.5
    done
    wait "$gpid"
    grc=$?
    expect=$(sed -n 's/.*expect: \([a-z]*\).*/\1/p' "$dir/gw.log" | tail -n 1)
    [ "$grc" -eq 0 ] || { case_fail "$(grep 'FAIL' "$dir/gw.log" | tail -n 1)"; return 1; }

    # QEMU reports within the timeout (and a little) of the link's end.
    wait_until $(((timeout + 2999) / 1000)) qemu_reported "$qpid" "$dir/qemu.log" || true
    sleep 0.3
    if kill -0 "$qpid" 2>/dev/null; then
        kb=$(rss_kb "$qpid")
        [ -n "$kb" ] && [ "$kb" -gt "$max_kb" ] && max_kb=$kb
        status=$("$PROBE" "$dir/qmp.sock" "$probe_ms" query-status 2>&1) ||
            { case_fail "QEMU hangs after the link ended: $status"; return 1; }
        if grep -q "stopping the VM (on-failure=stop)" "$dir/qemu.log"; then
            echo "$status" | grep -q '"io-error"' ||
                { case_fail "QEMU stopped for the gateway but is not in io-error: $status"; return 1; }
            # The guest goes on with a device that fails every access.
            "$PROBE" "$dir/qmp.sock" "$probe_ms" cont >/dev/null 2>&1
            wait_until 5 qemu_running "$dir/qmp.sock" "$probe_ms" || true
            status=$("$PROBE" "$dir/qmp.sock" "$probe_ms" query-status 2>&1) ||
                { case_fail "QEMU hangs after cont: $status"; return 1; }
            echo "$status" | grep -q '"running"' ||
                { case_fail "QEMU did not run on after cont: $status"; return 1; }
        fi
        "$PROBE" "$dir/qmp.sock" "$probe_ms" quit >/dev/null 2>&1
        wait_until 5 exited "$qpid" || { case_fail "QEMU did not quit"; return 1; }
        quit=1
    else
        quit=0
    fi
    wait "$qpid"
    qrc=$?
    pids=$(echo "$pids" | sed "s/ $gpid\$\| $gpid / /; s/ $qpid\$\| $qpid / /")

    grep -qE "$CRASH" "$dir/qemu.log" &&
        { case_fail "QEMU crashed: $(grep -m1 -E "$CRASH" "$dir/qemu.log")"; return 1; }
    [ "$qrc" -le 1 ] || { case_fail "QEMU exited with status $qrc (a signal or worse)"; return 1; }
    [ "$max_kb" -le $((RSS_MB * 1024)) ] ||
        { case_fail "QEMU's RSS reached $((max_kb / 1024)) MiB (bound $RSS_MB MiB)"; return 1; }
    refused=$(grep "^qemu-system-x86_64: -device sclink-pci" "$dir/qemu.log" |
        grep -v ": info: \|: warning: " | head -n 1)
    failed=$(grep -B1 "on-failure=$on_failure)" "$dir/qemu.log" | head -n 1)
    bye=$(grep -m1 "gateway said Bye" "$dir/qemu.log")
    case $expect in
    refused)
        [ "$qrc" -eq 1 ] && [ -n "$refused" ] ||
            { case_fail "QEMU did not refuse the bad Welcome (status $qrc)"; return 1; }
        outcome="refused: ${refused#*: -device sclink-pci,*: }" ;;
    fault)
        [ -n "$failed" ] || { case_fail "QEMU reported no fault with on-failure=$on_failure"; return 1; }
        case $on_failure in
        exit) [ "$qrc" -eq 1 ] && [ "$quit" = 0 ] ||
                { case_fail "on-failure=exit, but QEMU's status is $qrc"; return 1; } ;;
        stop) [ "$qrc" -eq 0 ] && [ "$quit" = 1 ] ||
                { case_fail "on-failure=stop, but QEMU did not stay up (status $qrc)"; return 1; } ;;
        esac
        outcome="fault: ${failed#*sclink-pci \'sclink0\': }" ;;
    bye)
        [ -n "$bye" ] && [ "$qrc" -eq 0 ] && [ "$quit" = 0 ] ||
            { case_fail "QEMU did not end on the gateway's Bye (status $qrc)"; return 1; }
        outcome="bye" ;;
    *)
        if [ -n "$refused" ]; then outcome="refused: ${refused#*: -device sclink-pci,*: }"
        elif [ -n "$failed" ]; then outcome="fault: ${failed#*sclink-pci \'sclink0\': }"
        elif [ -n "$bye" ]; then outcome=bye
        elif [ "$quit" = 1 ]; then outcome="kept running"
        elif [ "$qrc" -eq 0 ] && grep -q "the guest never used the device" "$dir/gw.log"; then
            # A device the guest cannot use (a BAR no firmware places):
            # the guest powers off and QEMU says Bye.
            outcome="shut down: the guest could not use the device"
        else case_fail "QEMU ended (status $qrc) without saying why"; return 1
        fi ;;
    esac
    echo "seed $seed ($(sed -n 's/.*finale \([a-z0-9-]*\).*/\1/p; s/.*welcome \([a-z0-9-]*\):.*/welcome \1/p' "$dir/gw.log" | head -n 1), $on_failure, icount $icount, tcp $tcp): $outcome; RSS $((max_kb / 1024)) MiB"
    [ -n "${E2E_KEEP:-}" ] || rm -rf "$dir"
}

failures=0
cases=0
if [ -n "${FUZZ_QEMU_MINUTES:-}" ]; then
    end=$(($(date +%s) + FUZZ_QEMU_MINUTES * 60))
    while [ "$(date +%s)" -lt "$end" ]; do
        seed=$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')
        cases=$((cases + 1))
        if ! run_case "$seed"; then
            failures=$((failures + 1))
            echo "$seed # $(date -u +%Y-%m-%d): $why" | cut -c1-160 >>"$SEEDS_FILE"
            mkdir -p "$FAILURES"
            cp -r "$dir" "$FAILURES/"
            echo "fuzz-qemu: seed $seed added to $SEEDS_FILE, its logs in $FAILURES/seed-$seed"
        fi
    done
    echo "fuzz-qemu: $cases cases in $FUZZ_QEMU_MINUTES min, $failures failed"
    [ "$failures" -eq 0 ] || fail "$failures of $cases seeds failed"
    pass "$cases random seeds"
fi

for seed in $(sed 's/#.*//' "$SEEDS_FILE" 2>/dev/null) $FUZZ_QEMU_CASES; do
    cases=$((cases + 1))
    run_case "$seed" || failures=$((failures + 1))
done
[ "$failures" -eq 0 ] || fail "$failures of $cases seeds failed"
pass "$cases seeds"
