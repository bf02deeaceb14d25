# tests/common/lib.sh: the one way the shell tests wait, sourced by
# tests/e2e/lib.sh, tests/gateway/lib.sh and tests/fuzz/link-fuzz.sh.
# A test never sleeps and hopes that something has happened by then (on a
# loaded CI machine it has not, on a fast one the test waits for nothing):
# it waits for the condition it needs, a log line, a socket, a process's
# end, with a bound, and fails if the bound passes.

# wait_until SECONDS COMMAND [ARGS...]: runs COMMAND every 0.1 s until it
# succeeds (returns 0) or SECONDS (a whole number) have passed (returns 1).
wait_until() {
    wu_left=$(($1 * 10))
    shift
    until "$@"; do
        [ "$wu_left" -gt 0 ] || return 1
        wu_left=$((wu_left - 1))
        sleep 0.1 # the poll interval, not a guess at how long anything takes
    done
    return 0
}

# log_has FILE PATTERN: FILE exists and has a line matching PATTERN
# (grep's basic regex).
log_has() {
    grep -q -- "$2" "$1" 2>/dev/null
}

# exited PID: the process is gone (or a zombie nobody waited for yet).
exited() {
    ! kill -0 "$1" 2>/dev/null ||
        [ "$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)" = Z ]
}
