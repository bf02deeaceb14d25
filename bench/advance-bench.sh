#!/bin/sh
# bench/advance-bench.sh BUILD_A BUILD_B [ROUNDS]: the real time one
# free-running read stamped 2 s ahead takes while the test platform's timer
# runs periodic at 100 ns (2 * 10^7 expiries), through the sclink-gateway
# and sclink-client of two build trees, interleaved, ROUNDS (5) times.
# For the cost of advance_to()'s steps (doc/performance.md, "Long
# advances"): BUILD_A without them, BUILD_B with.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 BUILD_A BUILD_B [ROUNDS]" >&2; exit 2; }
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/sclink-advance.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|@LISTEN@|unix:$tmp/gw.sock|" -e "s|@ROM@|/dev/null|" \
    -e "s|@UART_OUT@|$tmp/uart.out|" -e "s|@UART_IN@|/dev/null|" \
    "$top/tests/gateway/platform.yaml.in" > "$tmp/platform.yaml"
printf '%s\n' 'write 0 0x22000 8 100' 'write 0 0x22008 4 3' 'time 2s' \
    'read 0 0x20000 4' bye > "$tmp/run.cmd"

# one BUILD: prints the seconds from the client's start to its end.
one() {
    "$1/sc-gateway/sclink-gateway" --quiet "$tmp/platform.yaml" > /dev/null 2>&1 &
    gw=$!
    start=$(date +%s%N)
    "$1/tools/sclink-client" --no-sync --connect-timeout 10000 --timeout 600000 \
        -f "$tmp/run.cmd" "unix:$tmp/gw.sock" > /dev/null
    end=$(date +%s%N)
    wait "$gw"
    echo $(( (end - start) / 1000000 ))
}

echo "round  A ms  B ms  B/A"
for r in $(seq "${3:-5}"); do
    a=$(one "$1")
    b=$(one "$2")
    echo "$r $a $b" | awk '{ printf "%5d %5d %5d  %.2f\n", $1, $2, $3, $3 / $2 }'
done
