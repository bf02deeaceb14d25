#!/bin/sh
# gateway-bench.sh [JSON]: runs sclink-gateway from the build tree on a
# small platform (64 KiB of memory at BAR 0 offset 0, posted writes on), once
# listening on a Unix socket, once on TCP loopback and once on TCP loopback
# with TLS (X.509, the client's certificate required; credentials made by
# tests/common/make-tls-creds), and points bench/gateway-bench at all
# three.  The program measures everything in one
# process, rounds interleaved, prints the table and writes JSON (issue 4).
# `make bench-gateway` runs it; it is never part of `make check`.
#
# GATEWAY_BENCH_GATEWAY=PATH measures another sclink-gateway (an older
# build, for an A/B run) with this build's client; GATEWAY_BENCH_TRACE=1
# runs each gateway with --trace to a file beside its log.
set -u

: "${top_builddir:=.}"
GATEWAY=${GATEWAY_BENCH_GATEWAY:-$top_builddir/sc-gateway/sclink-gateway}
BENCH=$top_builddir/bench/gateway-bench
json=${1:-bench/results/gateway.json}

tmp=$(mktemp -d /tmp/sclink-gwbench.XXXXXX)
pids=
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cat > "$tmp/platform.yaml" <<EOF
name: gateway-bench
listen: unix:$tmp/gw.sock
timeout_ms: 5000
pci:
  vendor_id: 0x1234
  device_id: 0x5c1c
  interrupt: none
bars:
  - index: 0
    size: 0x100000
    posted_writes: true
devices:
  - name: ram
    type: memory
    base: 0x0
    size: 0x10000
EOF

# start NAME LISTEN [OPTIONS]: starts a gateway, waits until it listens, sets addr to
# the address a client uses (with the real port for tcp:HOST:0).
start() {
    name=$1 listen=$2
    shift 2
    trace=
    [ "${GATEWAY_BENCH_TRACE:-0}" = 1 ] && trace="--trace $tmp/$name.trace"
    # shellcheck disable=SC2086 # $trace is two words or none, $tmp has no space
    "$GATEWAY" --serve --listen "$listen" $trace "$@" "$tmp/platform.yaml" \
        > "$tmp/$name.out" 2> "$tmp/$name.err" &
    pids="$pids $!"
    for _ in $(seq 100); do
        grep -q "listening on" "$tmp/$name.err" 2>/dev/null && break
        sleep 0.1
    done
    if ! grep -q "listening on" "$tmp/$name.err"; then
        echo "gateway-bench: the $name gateway does not listen:" >&2
        cat "$tmp/$name.err" >&2
        exit 1
    fi
    addr=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$tmp/$name.err" | head -n 1)
    port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/$name.err" | head -n 1)
    [ -n "$port" ] && addr=${addr%:*}:$port
    return 0
}

start unix "unix:$tmp/gw.sock"
unix_addr=$addr
start tcp "tcp:127.0.0.1:0"
tcp_addr=$addr
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
"$top_srcdir/tests/common/make-tls-creds" "$tmp/creds" > "$tmp/creds.log" 2>&1 ||
    { cat "$tmp/creds.log" >&2; exit 1; }
start tls "tcp:127.0.0.1:0" --tls-creds "x509:$tmp/creds/server"
tls_addr=$addr

# GATEWAY_BENCH_ARGS: e.g. "--n 10000 --rounds 1" for a quick look.
# shellcheck disable=SC2086 # separate words on purpose
"$BENCH" --json "$json" ${GATEWAY_BENCH_ARGS:-} "$unix_addr" "$tcp_addr" \
    --tls-creds "x509:$tmp/creds/client" --tls "$tls_addr"
status=$?
if [ $status -ne 0 ]; then
    for f in "$tmp"/unix.err "$tmp"/tcp.err "$tmp"/tls.err; do
        echo "--- $f" >&2
        tail -n 20 "$f" >&2
    done
    exit $status
fi
echo "JSON: $json"
