#!/bin/sh
# The link fuzzer's harness: starts a gateway with --serve on
# tests/fuzz/link-platform.yaml.in and points tests/fuzz/link-fuzz at it.
#
#   link-fuzz.sh fuzz GATEWAY            fuzz for MINUTES (make fuzz-link)
#   link-fuzz.sh replay GATEWAY CASE...  replay case files (make check)
#
# Environment: MINUTES (30), SEED (random), FIRST (0), ADDR (unix or tcp),
# TLS (psk or x509: a TLS gateway on tcp, with credentials made by
# tests/common/make-tls-creds; none by default), IRQ (msix, msi or intx), RSS_MB (the RSS bound, 512), HEALTH_MS (10000),
# LEAKS (1: LeakSanitizer at the gateway's exit), SAVE_DIR (where a finding
# goes, tests/fuzz/link-corpus), KEEP (1: keep the work directory).  The
# gateway's own output, and any sanitizer report, stay in the work
# directory the last lines name.
set -u

mode=${1:?usage: link-fuzz.sh fuzz|replay GATEWAY [CASE...]}
gateway=${2:?usage: link-fuzz.sh fuzz|replay GATEWAY [CASE...]}
shift 2
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
# shellcheck source=tests/common/lib.sh
. "$top_srcdir/tests/common/lib.sh"
fuzzer=$top_builddir/tests/fuzz/link-fuzz
MINUTES=${MINUTES:-30}
SEED=${SEED:-}
FIRST=${FIRST:-0}
TLS=${TLS:-}
if [ -n "$TLS" ]; then
    [ "${ADDR:-tcp}" = tcp ] || { echo "link-fuzz: TLS=$TLS goes over ADDR=tcp" >&2; exit 2; }
    ADDR=tcp
    SAVE_DIR=${SAVE_DIR:-$top_srcdir/tests/fuzz/link-corpus-tls}
fi
ADDR=${ADDR:-unix}
IRQ=${IRQ:-msix}
RSS_MB=${RSS_MB:-512}
HEALTH_MS=${HEALTH_MS:-10000}
LEAKS=${LEAKS:-1}
SAVE_DIR=${SAVE_DIR:-$top_srcdir/tests/fuzz/link-corpus}

work=$(mktemp -d /tmp/sclink-linkfuzz.XXXXXX)
gw_pid=
keep=${KEEP:-0}
cleanup() {
    if [ -n "$gw_pid" ]; then
        kill -KILL "$gw_pid" 2>/dev/null
        wait "$gw_pid" 2>/dev/null
    fi
    if [ "$keep" = 0 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
    echo "link-fuzz: $*" >&2
    keep=1
    echo "link-fuzz: gateway output and logs kept in $work" >&2
    exit 1
}

case "$IRQ" in
msix) vectors=4 ;;
msi) vectors=4 ;;
intx) vectors=1 ;;
*) die "IRQ must be msix, msi or intx, not '$IRQ'" ;;
esac
case "$ADDR" in
unix) listen=unix:$work/gw.sock ;;
tcp) listen=tcp:127.0.0.1:0 ;;
*) die "ADDR must be unix or tcp, not '$ADDR'" ;;
esac

# TLS: the gateway's credentials and the fuzzer's (sclink-client's form).
gw_tls=
fuzz_tls=
case "$TLS" in
'') ;;
psk | x509)
    "$top_srcdir/tests/common/make-tls-creds" "$work/creds" > "$work/creds.log" 2>&1 ||
        die "cannot make TLS credentials: $(tail -n 3 "$work/creds.log")"
    if [ "$TLS" = psk ]; then
        gw_tls="--tls-creds psk:$work/creds/psk-server"
        fuzz_tls="--tls psk:$work/creds/psk-client"
    else
        gw_tls="--tls-creds x509:$work/creds/server --tls-allow O=sclink-test,CN=qemu1"
        fuzz_tls="--tls x509:$work/creds/client"
    fi
    ;;
*) die "TLS must be psk or x509, not '$TLS'" ;;
esac

printf 'SCLINK-ROM-IMAGE' > "$work/rom.bin"
printf 'hi' > "$work/uart.in"
sed -e "s|@LISTEN@|$listen|" -e "s|@IRQ@|$IRQ|" -e "s|@VECTORS@|$vectors|" \
    -e "s|@ROM@|$work/rom.bin|" -e "s|@UART_OUT@|$work/uart.out|" \
    -e "s|@UART_IN@|$work/uart.in|" \
    "$top_srcdir/tests/fuzz/link-platform.yaml.in" > "$work/platform.yaml" ||
    die "cannot write the platform file"

# A sanitizer report ends the gateway and lands in $work/san.PID.  Leaks
# can only be told at exit (LeakSanitizer), after SIGTERM; a smaller
# quarantine keeps ASan's own memory from hiding the gateway's in the RSS.
ASAN_OPTIONS="log_path=$work/san:detect_leaks=$LEAKS:abort_on_error=1:quarantine_size_mb=32:malloc_context_size=20"
UBSAN_OPTIONS="log_path=$work/san:print_stacktrace=1:halt_on_error=1"
LSAN_OPTIONS="suppressions=$top_srcdir/tests/fuzz/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

# shellcheck disable=SC2086 # $gw_tls holds separate words on purpose
"$gateway" --serve $gw_tls "$work/platform.yaml" > "$work/gw.out" 2> "$work/gw.err" &
gw_pid=$!
listens_or_exited() {
    log_has "$work/gw.err" "listening on" || exited "$gw_pid"
}
wait_until 30 listens_or_exited || die "gateway does not listen"
grep -q "listening on" "$work/gw.err" || die "gateway exited at start-up: $(tail -n 3 "$work/gw.err")"
if [ "$ADDR" = tcp ]; then
    port=$(sed -n 's/.*listening on .*(port \([0-9]*\)).*/\1/p' "$work/gw.err" | head -n 1)
    addr=tcp:127.0.0.1:$port
else
    addr=$listen
fi

common="--pid $gw_pid --rss-limit-mb $RSS_MB --health-ms $HEALTH_MS --sanitizer-log $work/san $fuzz_tls"
status=0
if [ "$mode" = fuzz ]; then
    [ -n "$SEED" ] || SEED=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    mkdir -p "$SAVE_DIR"
    # shellcheck disable=SC2086 # $common holds separate words on purpose
    "$fuzzer" $common --seed "$SEED" --first "$FIRST" --seconds "$((MINUTES * 60))" \
        --save-dir "$SAVE_DIR" "$addr" || status=$?
else
    # shellcheck disable=SC2086
    "$fuzzer" $common --replay "$@" "$addr" || status=$?
fi

# A clean stop: SIGTERM, and the gateway's exit (LeakSanitizer runs then).
kill -TERM "$gw_pid" 2>/dev/null
if ! wait_until 20 exited "$gw_pid"; then
    echo "link-fuzz: FOUND hang: the gateway did not exit within 20 s of SIGTERM"
    status=1
fi
wait "$gw_pid"
gw_status=$?
gw_pid=
if [ "$status" = 0 ] && [ "$gw_status" != 0 ]; then
    echo "link-fuzz: FOUND exit status $gw_status after SIGTERM"
    status=1
fi
for f in "$work"/san.*; do
    [ -f "$f" ] || continue
    if grep -q "ERROR: \|runtime error:" "$f"; then
        echo "link-fuzz: sanitizer report $f:"
        head -n 40 "$f"
        status=1
    fi
done
if [ "$status" != 0 ] || [ "$keep" = 1 ]; then
    keep=1
    echo "link-fuzz: gateway output and logs kept in $work"
fi
exit "$status"
