# tests/e2e/lib.sh: sourced by the end-to-end tests.  Boots the test guest
# (guest/) in the sclink QEMU (scripts/build-qemu) against the gateway
# (sc-gateway/sclink-gateway --trace FILE --listen ADDR
# guest/demo-platform.yaml).
#
# Environment: SCLINK_GATEWAY (gateway binary), SCLINK_QEMU (QEMU binary,
# default: scripts/build-qemu --print-path, which builds it once and caches
# it), SCLINK_CACHE, E2E_TIMEOUT (seconds per QEMU run, default 240),
# E2E_TOOLS (where delay-relay and garbage-gateway are, default the build
# tree's tests/e2e), E2E_KEEP=1 (keep the temporary files), IRQ_SLACK_US,
# SCLINK_E2E_LINK (socket or chardev: the device's link, below).
# Exit codes follow automake: 0 pass, 1 fail, 77 skip, 99 hard error.
set -u

top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd)
GATEWAY=${SCLINK_GATEWAY:-$top_builddir/sc-gateway/sclink-gateway}
E2E_TOOLS=${E2E_TOOLS:-$top_builddir/tests/e2e}
PLATFORM=$top_srcdir/guest/demo-platform.yaml
E2E_TIMEOUT=${E2E_TIMEOUT:-240}
test_name=$(basename "$0" .sh)
# shellcheck source=tests/common/lib.sh
. "$top_srcdir/tests/common/lib.sh"

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
    addr=$1 name=$2 listen=$1
    shift 2
    mkdir -p "$tmp/$name"
    echo "$UART_RX_TEXT" >"$tmp/$name/uart-in.txt"
    if [ "$SCLINK_E2E_LINK" = tls ]; then
        tls_creds
        listen=tcp:127.0.0.1:0
        set -- "$@" --tls-creds "psk:$tmp/tls-creds/psk-server"
    fi
    (cd "$tmp/$name" && exec ${GW_WRAP:-} "$GATEWAY" --trace "$tmp/$name.trace" \
        --listen "$listen" "$@" "$PLATFORM") >"$tmp/$name.log" 2>&1 &
    gw_pid=$!
    pids="$pids $gw_pid"
    wait_listening "$tmp/$name.log" "$gw_pid" ||
        fail "gateway did not listen on $addr (log: $(tail -n 5 "$tmp/$name.log"))"
    gw_addr=$(sed -n 's/^sclink-gateway: listening on \([^ ]*\).*/\1/p' "$tmp/$name.log")
    case $gw_addr in
    tcp:*:0) gw_addr=${gw_addr%:0}:$(sed -n 's/^sclink-gateway: listening on .*(port \([0-9]*\)).*/\1/p' "$tmp/$name.log") ;;
    esac
    [ "$SCLINK_E2E_LINK" != tls ] || echo "$addr $gw_addr" >>"$tmp/tls-addrs"
}

# wait_listening LOG [PID]: waits (30 s at most: a loaded machine starts
# SystemC slowly) for a "listening on" line in LOG (the gateway's, or a
# helper's that prints "listening" or "port N"); fails at once if PID dies.
wait_listening() {
    wait_until 30 listening_or_exited "$1" "${2:-}"
    grep -qE "listening|^port [0-9]+" "$1" 2>/dev/null
}
listening_or_exited() {
    grep -qE "listening|^port [0-9]+" "$1" 2>/dev/null || { [ -n "$2" ] && exited "$2"; }
}

# uart_output NAME: what the guest sent to gateway NAME's UART.
uart_output() {
    cat "$tmp/$1/uart-out.txt" 2>/dev/null
}

# The link the tests give sclink-pci (SCLINK_E2E_LINK): "socket", the
# device's own socket (socket=ADDR, the recommended link and the default);
# "chardev", a socket chardev (-chardev socket,...,id=ID and chardev=ID),
# over which tests/e2e/chardev.sh runs the core tests; or "tls", the
# device's own socket with TLS (PSK, tls-creds-psk) to a gateway that
# start_gateway puts on TCP loopback with --tls-creds, whatever address
# the test names (link_opt maps the one to the other), over which
# tests/e2e/tls-link.sh runs the feature tests.
SCLINK_E2E_LINK=${SCLINK_E2E_LINK:-socket}
case $SCLINK_E2E_LINK in
socket | chardev | tls) ;;
*) echo "ERROR: SCLINK_E2E_LINK=$SCLINK_E2E_LINK: socket, chardev or tls"; exit 99 ;;
esac

# rerun_over LINK TEST...: each tests/e2e/TEST.sh again with
# SCLINK_E2E_LINK=LINK, as a test of its own (its own temporary
# directory), printing its last lines; fails at the first that does not
# pass.  rerun_passed names those that did.
rerun_over() {
    rerun_link=$1
    shift
    rerun_passed=
    for t in "$@"; do
        SCLINK_E2E_LINK=$rerun_link SCLINK_QEMU=$QEMU top_srcdir=$top_srcdir \
            top_builddir=$top_builddir sh "$top_srcdir/tests/e2e/$t.sh" >"$tmp/$t.out" 2>&1
        rc=$?
        sed "s/^/$t: /" "$tmp/$t.out" | tail -n 3
        [ "$rc" -eq 0 ] || fail "$t.sh over $rerun_link exited $rc"
        grep -q "^PASS: $t" "$tmp/$t.out" || fail "$t.sh over $rerun_link did not pass"
        rerun_passed="$rerun_passed $t"
    done
}

# tls_creds: the credentials of the "tls" link, made once per test.
tls_creds() {
    [ -d "$tmp/tls-creds" ] && return 0
    "$top_srcdir/tests/common/make-tls-creds" "$tmp/tls-creds" >"$tmp/tls-creds.log" 2>&1 ||
        fail "cannot make TLS credentials: $(tail -n 3 "$tmp/tls-creds.log")"
}
# tls_addr ADDR: where the gateway started for ADDR listens ("tls" link).
tls_addr() {
    a=$(awk -v a="$1" '$1 == a { m = $2 } END { print m }' "$tmp/tls-addrs" 2>/dev/null)
    echo "${a:-$1}"
}
# link_chardev splits on blanks (an unquoted $(...)): none in $tmp.
case $tmp in
*[[:space:]]*) echo "ERROR: the temporary directory '$tmp' has blanks (TMPDIR)"; exit 99 ;;
esac

# chardev_for ADDR ID: the -chardev option reaching ADDR.  TCP needs
# nodelay=on: with Nagle, a small frame waits for a delayed ACK (40 ms).
chardev_for() {
    case $1 in
    unix:*) echo "socket,id=$2,path=${1#unix:}" ;;
    tcp:*) hp=${1#tcp:}; echo "socket,id=$2,host=${hp%:*},port=${hp##*:},nodelay=on" ;;
    esac
}

# link_chardev ADDR ID: the QEMU arguments the link to ADDR needs before
# the device (-chardev and its value), for an unquoted $(...); none for
# socket=.  link_opt ADDR ID: the sclink-pci property naming the link.
# link_label ADDR ID: how the device's messages name it.
link_chardev() {
    case $SCLINK_E2E_LINK in
    chardev) echo "-chardev $(chardev_for "$1" "$2")" ;;
    tls) echo "-object tls-creds-psk,id=tls-$2,dir=$tmp/tls-creds/psk-client,username=qemu,endpoint=client" ;;
    esac
}
link_opt() {
    case $SCLINK_E2E_LINK in
    socket) echo "socket=$1" ;;
    chardev) echo "chardev=$2" ;;
    tls) echo "socket=$(tls_addr "$1"),tls-creds=tls-$2" ;;
    esac
}
link_label() {
    case $SCLINK_E2E_LINK in
    socket) echo "socket '$1'" ;;
    chardev) echo "chardev '$2'" ;;
    tls) echo "socket '$(tls_addr "$1")'" ;;
    esac
}

# remote_gateway NAME [gateway args]: a "remote" gateway: in a network
# namespace of its own (created here, removed on exit), reached over a
# veth pair through tests/e2e/delay-relay, which holds every chunk back
# DELAY_MS (1) in each direction (this kernel has no sch_netem).  Sets
# relay_port (QEMU connects to 127.0.0.1 there) and remote_ns; SKIP only
# where namespaces cannot be created.
remote_gateway() {
    remote_ns=sclink-e2e-$$
    # Host side 10.213.x.1, gateway side 10.213.x.2, x from the PID.
    rnet=10.213.$(($$ % 250))
    command -v ip >/dev/null || skip "no ip (iproute2)"
    ip netns add "$remote_ns" 2>"$tmp/ns.err" ||
        skip "cannot create a network namespace: $(cat "$tmp/ns.err")"
    trap remote_cleanup EXIT
    ip link add "ve$$" type veth peer name "vp$$" netns "$remote_ns" ||
        fail "cannot create a veth pair"
    ip addr add "$rnet.1/30" dev "ve$$" && ip link set "ve$$" up &&
        ip -n "$remote_ns" addr add "$rnet.2/30" dev "vp$$" &&
        ip -n "$remote_ns" link set "vp$$" up && ip -n "$remote_ns" link set lo up ||
        fail "cannot configure the veth pair"
    rname=$1
    shift
    GW_WRAP="ip netns exec $remote_ns" start_gateway "tcp:$rnet.2:0" "$rname" "$@"
    "$E2E_TOOLS/delay-relay" 127.0.0.1 "${gw_addr#tcp:}" "${DELAY_MS:-1}" \
        >"$tmp/relay.log" 2>&1 &
    pids="$pids $!"
    wait_listening "$tmp/relay.log" || fail "relay did not start"
    relay_port=$(sed -n 's/^port //p' "$tmp/relay.log")
}
# remote_end: the namespace and the veth pair go (for another remote_gateway).
remote_end() {
    ip link del "ve$$" 2>/dev/null
    ip netns del "$remote_ns" 2>/dev/null
}
remote_cleanup() {
    remote_end
    cleanup
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
        wait_until "$E2E_TIMEOUT" log_has "$1" "$2" || exit 0
        # Not synchronization: the guest is busy on the link by then, and
        # the strike is meant to land in the middle of it.
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

# trace_skeleton TRACE: what a golden trace keeps of a gateway trace on the
# demo platform: every event in order, with its command, BAR offset,
# length, data and status, but not what depends on the machine or the
# QEMU build rather than on sclink:
#   - no t= stamps: under -icount, SystemC time follows the guest's
#     instruction count, and the guest test starts after the boot of
#     Debian's current linux-image-amd64 (guest/build-initramfs), so the
#     absolute times move with every kernel update and QEMU release; run 1
#     against run 2 still compares them to the picosecond;
#   - the timer's COUNT and TIME (bar0+0x2010, +0x2018) read back times;
#   - guest physical addresses (the guest's DMA buffers: DMA lines, and
#     the dma model's SRC/DST at bar0+0x4000, +0x4008, at or above 64 KiB),
#     which the kernel's allocator picks: shown as P plus the offset in
#     the page; the dma model's own buffer offsets (below 4 KiB) stay.
trace_skeleton() {
    awk '
        { sub(/^t=[0-9]+ /, "") }
        /^read bar0\+0x20(10|18) len=8 / { sub(/data=[0-9a-f]*$/, "data=<time>") }
        /^dma-d?(read|write) 0x/ {
            h = substr($2, 3)
            if (length(h) > 4)
                $2 = "P+0x" substr(h, length(h) - 2)
        }
        /^(posted-)?write bar0\+0x40(00|08) len=8 data=/ {
            d = substr($4, 6)  # bytes in memory order: little-endian
            if (substr(d, 5) ~ /[^0]/)
                $4 = "data=P+0x" substr(d, 4, 1) substr(d, 1, 2)
        }
        { print }' "$1"
}

# check_golden TRACE: TRACE's skeleton (trace_skeleton) must equal the
# committed golden trace tests/e2e/golden/guest-test.trace (the Accellera
# examples' habit of an expected log per example): the guest test on the
# demo platform, under -icount, gives the same transactions on every
# machine and QEMU version, with any model timing (wait-icount.sh's RAM
# that waits inside b_transport changes times only).  With
# SCLINK_REGEN_GOLDEN=1 (make regen-golden) it writes the golden trace
# instead, after every other check passed, for a change made on purpose
# to the protocol, the device, the guest test or the demo platform:
# review its diff and commit it (doc/testing.md, "Golden trace").
check_golden() {
    golden=$top_srcdir/tests/e2e/golden/guest-test.trace
    trace_skeleton "$1" >"$tmp/skeleton.trace"
    [ -s "$tmp/skeleton.trace" ] || fail "the gateway wrote no trace"
    if [ "${SCLINK_REGEN_GOLDEN:-}" = 1 ]; then
        mkdir -p "$(dirname "$golden")" && cp "$tmp/skeleton.trace" "$golden" ||
            fail "cannot write $golden"
        echo "$test_name: wrote $golden ($(wc -l <"$golden") lines): review its diff and commit it"
        return 0
    fi
    [ -f "$golden" ] || fail "no golden trace $golden ('make regen-golden' writes it)"
    if ! cmp -s "$golden" "$tmp/skeleton.trace"; then
        diff -u "$golden" "$tmp/skeleton.trace" | head -n 30
        fail "the gateway trace differs from the golden trace $golden (diff above: - golden, + this run, as trace_skeleton in tests/e2e/lib.sh keeps it).  If the protocol, the device, the guest test or the demo platform changed on purpose: 'make regen-golden', review the diff, commit it (doc/testing.md, \"Golden trace\")"
    fi
}

# deterministic_runs [gateway args]: the guest test twice under -icount
# shift=0,sleep=off, each against a gateway of its own started with the
# args (gw1, gw2).  Each run must pass its guest checks in deterministic
# mode with QEMU and the gateway exiting 0, and then pass the test's own
# after_run hook (a function the test defines, given the run number).
# The two gateway traces must be byte-identical, timestamps included,
# and match the golden trace (check_golden).
deterministic_runs() {
    for run in 1 2; do
        addr=unix:$tmp/gw$run.sock
        start_gateway "$addr" "gw$run" "$@"
        # The RTC follows the virtual clock from a fixed date: no host time.
        IRQ_SLACK_US=500 run_qemu "$tmp/qemu$run.log" -icount shift=0,sleep=off \
            -rtc base=2024-01-01T00:00:00,clock=vm \
            $(link_chardev "$addr" sc0) \
            -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),on-failure=exit"
        rc=$?
        guest_passed "$tmp/qemu$run.log" || { show_failure "$tmp/qemu$run.log"; fail "run $run: guest checks failed"; }
        [ "$rc" -eq 0 ] || fail "run $run: QEMU exited with $rc"
        grep -q "deterministic" "$tmp/qemu$run.log" || fail "run $run: device not in deterministic mode"
        wait "$gw_pid" || fail "run $run: gateway did not exit 0: $(tail -n 3 "$tmp/gw$run.log")"
        after_run "$run"
    done
    [ -s "$tmp/gw1.trace" ] || fail "the gateway wrote no trace"
    if ! cmp -s "$tmp/gw1.trace" "$tmp/gw2.trace"; then
        diff "$tmp/gw1.trace" "$tmp/gw2.trace" | head -n 20
        fail "the two traces differ"
    fi
    check_golden "$tmp/gw1.trace"
}
