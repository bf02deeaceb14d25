#!/bin/sh
# qemu-ab.sh [-r ROUNDS] NAME=QEMU[,LINK]...: the MMIO part of
# bench/qemu-bench.sh for several QEMU builds (or links, socket or
# chardev; default socket), interleaved: each round runs every
# configuration once, in the order given, so that a slow spell of the
# shared machine falls on all of them.  Per configuration it prints each
# round's ratio (sclink read - edu read) / raw Unix ping-pong, their
# median and spread, and the posted write's median.  The ratio is taken
# within one run of qemu-bench.sh (one QEMU, one gateway-bench), so that
# it is comparable across rounds and machines where times are not.
#
#   bench/qemu-ab.sh -r 5 before=/path/to/old/qemu,chardev \
#       chardev=$(scripts/build-qemu --cached),chardev \
#       socket=$(scripts/build-qemu --cached)
#
# Environment as for qemu-bench.sh (top_builddir, QEMU_BENCH_READS).
set -u

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_builddir
rounds=5
if [ "${1:-}" = -r ]; then
    rounds=$2
    shift 2
fi
[ $# -ge 1 ] || { echo "usage: qemu-ab.sh [-r ROUNDS] NAME=QEMU[,LINK]..." >&2; exit 2; }
for c in "$@"; do
    case $c in
    *=*) ;;
    *) echo "qemu-ab.sh: '$c': want NAME=QEMU[,LINK]" >&2; exit 2 ;;
    esac
done
out=$(mktemp -d /tmp/sclink-qemuab.XXXXXX)
trap 'rm -rf "$out"' EXIT

r=1
while [ "$r" -le "$rounds" ]; do
    for c in "$@"; do
        name=${c%%=*} qemu=${c#*=} link=socket
        case $qemu in *,*) link=${qemu##*,} qemu=${qemu%,*} ;; esac
        QEMU_BENCH_ONLY=mmio QEMU_BENCH_ROUNDS=1 QEMU_BENCH_LINK=$link \
            SCLINK_QEMU=$qemu sh "$top_srcdir/bench/qemu-bench.sh" \
            >"$out/run.log" 2>&1
        line=$(grep 'round 1: MMIO:' "$out/run.log")
        [ -n "$line" ] || { tail -n 5 "$out/run.log" >&2; echo "qemu-ab.sh: $name: round $r failed" >&2; exit 1; }
        echo "qemu-ab: round $r: $name: ${line#*MMIO: }" >&2
        # "ping-pong P ns, sclink - edu D ns, ratio Rx; posted write W ns ..."
        echo "$line" | sed 's/.*ratio \([0-9.]*\)x; posted write \([0-9.]*\) ns.*/\1 \2/' \
            >>"$out/$name"
    done
    r=$((r + 1))
done

# med: the median of the numbers on stdin, one a line.
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf "| configuration | ratio per round | median | min - max | posted write (median) |\n"
printf "|---|---|---:|---:|---:|\n"
for c in "$@"; do
    name=${c%%=*}
    per=$(cut -d' ' -f1 "$out/$name" | tr '\n' ' ')
    rmed=$(cut -d' ' -f1 "$out/$name" | med)
    rmin=$(cut -d' ' -f1 "$out/$name" | sort -n | head -n 1)
    rmax=$(cut -d' ' -f1 "$out/$name" | sort -n | tail -n 1)
    wmed=$(cut -d' ' -f2 "$out/$name" | med)
    printf "| %s | %s| %.2fx | %.2f - %.2f | %.0f ns |\n" "$name" "$per" "$rmed" "$rmin" "$rmax" "$wmed"
done
