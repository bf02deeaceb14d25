# Shared by the gateway tests: starts sclink-gateway on a generated platform
# over real sockets and drives it with sclink-client.  Source it.
set -u

: "${top_builddir:=.}"
: "${top_srcdir:=.}"
# shellcheck source=tests/common/lib.sh
. "$top_srcdir/tests/common/lib.sh"
GATEWAY=$top_builddir/sc-gateway/sclink-gateway
CLIENT=$top_builddir/tools/sclink-client

tmp=$(mktemp -d /tmp/sclink-gwtest.XXXXXX)
gw_pid=
cleanup() {
    if [ -n "$gw_pid" ]; then
        kill "$gw_pid" 2>/dev/null
        wait "$gw_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
    echo "FAIL: $*"
    for f in "$tmp"/gw.err "$tmp"/client.out; do
        [ -f "$f" ] && { echo "--- $f"; tail -n 30 "$f"; }
    done
    exit 1
}

ok() {
    echo "ok: $*"
}

# make_platform LISTEN: writes $tmp/platform.yaml (and the files it names).
make_platform() {
    printf 'SCLINK-ROM-IMAGE' > "$tmp/rom.bin"
    printf 'hi' > "$tmp/uart.in"
    : > "$tmp/uart.out"
    sed -e "s|@LISTEN@|$1|" -e "s|@ROM@|$tmp/rom.bin|" \
        -e "s|@UART_OUT@|$tmp/uart.out|" -e "s|@UART_IN@|$tmp/uart.in|" \
        "$top_srcdir/tests/gateway/platform.yaml.in" > "$tmp/platform.yaml"
}

# start_gateway [OPTIONS...]: runs the gateway on $tmp/platform.yaml and
# waits until it listens; sets ADDR to the address clients use.
start_gateway() {
    # Emptied here, not by the background job's redirection: a second
    # gateway of one test must not be found listening in the first's log.
    : > "$tmp/gw.err"
    "$GATEWAY" "$@" "$tmp/platform.yaml" > "$tmp/gw.out" 2> "$tmp/gw.err" &
    gw_pid=$!
    # 30 s: CI may be loaded.
    wait_until 30 gateway_listens_or_exited || fail "gateway does not listen"
    grep -q "listening on" "$tmp/gw.err" || fail "gateway exited at start-up"
    ADDR=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$tmp/gw.err" | head -n 1)
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/gw.err" | head -n 1)
    [ -n "$port" ] && ADDR=${ADDR%:*}:$port
    return 0
}

gateway_listens_or_exited() {
    log_has "$tmp/gw.err" "listening on" || exited "$gw_pid"
}

# start_probe_gateway: start_gateway on the test platform plus a "probe"
# at 0x40000 (tests/gateway/dma-probe.cc, loaded as a plugin), tracing to
# $tmp/trace.txt.
start_probe_gateway() {
    make_platform "unix:$tmp/gw.sock"
    cat >> "$tmp/platform.yaml" <<'YAML'
  - name: probe
    type: dma-probe
    base: 0x40000
    size: 0x100
YAML
    start_gateway --plugin "$top_builddir/tests/gateway/.libs/libsclink-dma-probe.so" \
        --trace "$tmp/trace.txt"
}

# wait_gateway: waits for the gateway to exit, sets gw_status.
wait_gateway() {
    wait_until 10 exited "$gw_pid" || fail "gateway still running"
    wait "$gw_pid"
    gw_status=$?
    gw_pid=
}

# client [OPTIONS...] COMMAND...: runs sclink-client against $ADDR; the
# options (up to the first word without a leading '-') go before it.
client() {
    opts=
    while [ $# -gt 0 ]; do
        case "$1" in
        -f | --quantum | --timeout | --mem | --mem-base | --max-frame | --connect-timeout | --serve-dma)
            opts="$opts $1 $2"; shift 2 ;;
        -*) opts="$opts $1"; shift ;;
        *) break ;;
        esac
    done
    # shellcheck disable=SC2086 # opts holds separate words on purpose
    "$CLIENT" --timeout 5000 $opts "$ADDR" "$@" > "$tmp/client.out" 2>&1
}

expect_line() {
    grep -q -- "$2" "$1" || fail "$1 lacks '$2'"
}

# check_rule_f TARGET TOOK [PS]: rule F (doc/protocol.md 8.4) once a client
# run (its --trace output in $tmp/client.out) is over: no message reached
# the client stamped ahead of its time ("timing-error"), the gateway exits
# 0, and it reports that TARGET took TOOK ("40 ns", "1 us") of SystemC
# time inside b_transport and the run PS picoseconds of it inside
# accesses.  TOOK "nothing": no target took any.
check_rule_f() {
    grep timing-error "$tmp/client.out" && fail "a message was stamped ahead of the client"
    wait_gateway
    [ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
    if [ "$2" = nothing ]; then
        grep -q "inside b_transport" "$tmp/gw.err" && fail "$1 took SystemC time inside b_transport"
        return 0
    fi
    expect_line "$tmp/gw.err" "target $1 took $2 of SystemC time inside b_transport"
    expect_line "$tmp/gw.err" "($3 ps of it inside accesses)"
}
