# tests/e2e/lib.sh: sourced by the end-to-end tests.  Boots the test guest
# (guest/) in the sclink QEMU (scripts/build-qemu) against the gateway
# (sc-gateway/sclink-gateway --trace FILE --listen ADDR
# guest/demo-platform.yaml).
#
# Environment: SCLINK_GATEWAY (gateway binary), SCLINK_QEMU (QEMU binary,
# default: scripts/build-qemu --print-path, which builds it once and caches
# it), SCLINK_CACHE, E2E_TIMEOUT (seconds per QEMU run, default 240),
# E2E_TOOLS (where delay-relay and garbage-gateway are, default the build
# tree's tests/e2e), E2E_KEEP=1 (keep the temporary files), IRQ_SLACK_US.
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
set -u

top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd)
GATEWAY=${SCLINK_GATEWAY:-$top_builddir/sc-gateway/sclink-gateway}
E2E_TOOLS=${E2E_TOOLS:-$top_builddir/tests/e2e}
PLATFORM=$top_srcdir/guest/demo-platform.yaml
E2E_TIMEOUT=${E2E_TIMEOUT:-240}
test_name=$(basename "$0" .sh)

skip() { echo "SKIP: $test_name: $*"; exit 77; }
fail() { echo "FAIL: $test_name: $*"; exit 1; }
pass() { echo "PASS: $test_name${1:+: $1}"; exit 0; }

[ -x "$GATEWAY" ] || skip "no gateway at $GATEWAY"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sclink-e2e-$test_name.XXXXXX")
pids=
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
    done
    for p in $pids; do
        wait "$p" 2>/dev/null
    done
    if [ -n "${E2E_KEEP:-}" ]; then
        echo "e2e: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

if [ -n "${SCLINK_QEMU:-}" ]; then
    QEMU=$SCLINK_QEMU
else
    QEMU=$("$top_srcdir/scripts/build-qemu" --print-path) || fail "cannot build QEMU"
fi
guest=$("$top_srcdir/guest/build-initramfs" --print-path) || fail "cannot build the guest"
KERNEL=$(echo "$guest" | sed -n 1p)
INITRD=$(echo "$guest" | sed -n 2p)

# The text the demo platform's UART receives (its input file, read when
# the gateway starts) and the text the guest transmits; both are fixed in
# guest/sclink-guest-test.c.
UART_RX_TEXT="sclink uart rx 0123456789"
UART_TX_TEXT="sclink uart: hello from the guest"

# start_gateway ADDR NAME [gateway args]: starts the gateway on ADDR in its
# own directory $tmp/NAME (the UART's files live there), with its log in
# $tmp/NAME.log and its trace in $tmp/NAME.trace, and waits until it
# listens.  ADDR may be tcp:HOST:0 (the gateway picks the port).  Sets
# gw_pid and gw_addr (the address it listens on).  GW_WRAP, if set, is a
# command prefix (e.g. "ip netns exec NS").
start_gateway() {
    addr=$1 name=$2
    shift 2
    mkdir -p "$tmp/$name"
    echo "$UART_RX_TEXT" >"$tmp/$name/uart-in.txt"
    (cd "$tmp/$name" && exec ${GW_WRAP:-} "$GATEWAY" --trace "$tmp/$name.trace" \
        --listen "$addr" "$@" "$PLATFORM") >"$tmp/$name.log" 2>&1 &
    gw_pid=$!
    pids="$pids $gw_pid"
    wait_listening "$tmp/$name.log" "$gw_pid" ||
        fail "gateway did not listen on $addr (log: $(tail -n 5 "$tmp/$name.log"))"
    gw_addr=$(sed -n 's/^sclink-gateway: listening on \([^ ]*\).*/\1/p' "$tmp/$name.log")
    case $gw_addr in
    tcp:*:0) gw_addr=${gw_addr%:0}:$(sed -n 's/^sclink-gateway: listening on .*(port \([0-9]*\)).*/\1/p' "$tmp/$name.log") ;;
    esac
}

# wait_listening LOG [PID]: waits (30 s at most: a loaded machine starts
# SystemC slowly) for a "listening on" line in LOG (the gateway's, or a
# helper's that prints "listening" or "port N"); fails at once if PID dies.
wait_listening() {
    for _ in $(seq 300); do
        grep -qE "listening|^port [0-9]+" "$1" 2>/dev/null && return 0
        [ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# uart_output NAME: what the guest sent to gateway NAME's UART.
uart_output() {
    cat "$tmp/$1/uart-out.txt" 2>/dev/null
}

# chardev_for ADDR ID: the -chardev option reaching ADDR.  TCP needs
# nodelay=on: with Nagle, a small frame waits for a delayed ACK (40 ms).
chardev_for() {
    case $1 in
    unix:*) echo "socket,id=$2,path=${1#unix:}" ;;
    tcp:*) hp=${1#tcp:}; echo "socket,id=$2,host=${hp%:*},port=${hp##*:},nodelay=on" ;;
    esac
}

# The guest's allowance for its own interrupt path on top of one quantum
# (guest/sclink-guest-test.c, timer check).  Free-running, QEMU's virtual
# clock follows the host's, so the guest's own handling (Linux, uio, the
# test process being scheduled) costs virtual time whenever the host is
# busy or the link slow: 3.5 ms with two QEMUs on two cores, 40 and 282 ms
# in netns-delay (1 ms each way through a relay) with two CPU hogs beside
# make -j2 check (make check-repeat), while the device had delivered each
# interrupt within its window.  No bound on the guest's path says anything
# about sclink there, so free-running runs report the latency and check
# only that no interrupt is seen before its time ("off").  The quantum
# promise is checked where time is not the host's: determinism.sh under
# -icount with the guest's 500 us, and the gateway tests
# (tests/gateway/timer*.sh) at the link.
IRQ_SLACK_US=${IRQ_SLACK_US:-off}

# The guest kernel's command line, before the test's own words.
# no_timer_check: Linux checks at boot that the timer interrupt arrives
# within a few of its own calibrated delays, and panics when it does not
# ("IO-APIC + timer doesn't work!"); under TCG on a busy host that check
# fails by chance (seen with make check-repeat), and it tests QEMU's
# emulated PIT, not sclink.
GUEST_CMDLINE="console=ttyS0 quiet panic=-1 no_timer_check"

# run_qemu LOG [extra QEMU args]: boots the guest; returns QEMU's status.
# Without a -device sclink-pci in the extra args, none is added: callers
# pass  -chardev ... -device sclink-pci,...  themselves.
run_qemu() {
    log=$1
    shift
    timeout "$E2E_TIMEOUT" "$QEMU" \
        -L /usr/share/seabios -L /usr/share/qemu \
        -M pc -m 256 -nographic -vga none -no-reboot -nic none \
        -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$GUEST_CMDLINE sclink.args=${GUEST_ARGS:+$GUEST_ARGS,}--irq-slack-us,$IRQ_SLACK_US" \
        "$@" >"$log" 2>&1
}

# signal_when LOG PATTERN SIG PID [STAMP]: in the background, once PATTERN
# shows in LOG and one more second has passed, writes the time in ns to
# STAMP (default $tmp/struck-SIG-PID, kept in $sig_stamp) and sends SIG to
# PID.  If PATTERN never shows (E2E_TIMEOUT), no signal is sent: `struck`
# then fails, so a test whose strike never happened cannot pass.
signal_when() {
    sig_stamp=${5:-$tmp/struck-$3-$4}
    (
        for _ in $(seq $((E2E_TIMEOUT * 10))); do
            grep -q "$2" "$1" 2>/dev/null && break
            sleep 0.1
        done
        grep -q "$2" "$1" 2>/dev/null || exit 0
        sleep 1
        date +%s%N >"$sig_stamp"
        kill -"$3" "$4"
    ) &
    pids="$pids $!"
}

# struck: the last signal_when sent its signal.
struck() {
    [ -f "$sig_stamp" ]
}

# guest_passed LOG: the guest test printed its PASS verdict.
guest_passed() {
    grep -q "^SCLINK-GUEST: PASS" "$1"
}

show_failure() {
    echo "---- $1: failed checks"
    grep -E '^(FAIL|timer|dma|uart):' "$1" | grep -v '^PASS'
    echo "---- $1 (last 30 lines)"
    tail -n 30 "$1"
}

# check_timer_trace NAME [PATTERN WHAT]: in gateway NAME's trace, the
# guest's periodic timer (period 5 ms, 4 interrupts) shows as 4 trace lines
# matching PATTERN (an awk regex; default the INTx rise, WHAT "INTx rises")
# a whole number of periods apart in SystemC time (one period unless the
# link is slow): the gateway sent them at the times the model set,
# whatever QEMU's pace.
check_timer_trace() {
    awk -v period=5000000000 -v pat="${2:- irq intx 0 level=1\$}" '
        $0 ~ pat {
            t = substr($1, 3) + 0
            d = t - last
            run = (last != "" && d > 0 && d % period == 0) ? run + 1 : 1
            if (run > best) best = run
            last = t
        }
        END { exit !(best >= 4) }' "$tmp/$1.trace" ||
        fail "$1: no 4 ${3:-INTx rises} whole periods (5 ms) apart in the gateway trace"
}
