#!/bin/sh
# qemu-bench.sh [JSON]: the QEMU device's benchmarks (issue 5), every figure
# of a ratio measured in this one run, configurations interleaved round by
# round and the best of the rounds kept (the machine is shared).
#
#  1. MMIO read cost.  One QEMU with sclink-pci (quantum 1 s, so Sync
#     traffic is negligible: one window per second) and QEMU's own `edu`
#     device; the guest (guest/sclink-guest-bench.c, sclink.prog=bench)
#     reads edu's ident register N_EDU times, then sclink's id MAGIC
#     N_SCLINK times.  Beside it, bench/gateway-bench against a gateway on
#     a Unix socket: the raw Unix ping-pong of the same frame sizes, and a
#     read through the gateway from a plain process.
#     Goal: (sclink read - edu read) / raw ping-pong <= 2.
#     Then N_POSTED posted writes (sclink's SCRATCH 0; edu's liveness
#     register beside it), ended by one read back: posted-write
#     throughput, against gateway-bench's posted writes from a plain
#     process (batched, 1024 frames per write()).
#  2. Sync overhead.  A CPU-bound guest loop (no MMIO) in QEMU without
#     sclink-pci and with sclink-pci + gateway (idle link) at quantum
#     10 us, 100 us, 1 ms, without icount (free-running) and with
#     -icount shift=0,sleep=off (deterministic).  The gateway grants
#     windows up to its next scheduled event (CAP_LOOKAHEAD, the default);
#     the same runs with `lookahead: false` show the cost of one Sync
#     round trip per quantum.
#     Goal: at most +2% at 1 ms and +25% at 10 us.
#
# Times are host wall time between two marker lines the guest prints on
# its serial console, timestamped by the host as they arrive (the guest's
# own clock misses the time the device freezes the virtual clock in a Sync
# wait, and with icount it counts instructions).
#
# Environment: top_builddir (gateway and gateway-bench), SCLINK_QEMU,
# QEMU_BENCH_ROUNDS (3), QEMU_BENCH_ONLY (mmio or sync), QEMU_BENCH_ITERS (guest loop iterations,
# 400000000), QEMU_BENCH_READS (sclink reads per round, 20000),
# QEMU_BENCH_POSTED (posted writes per round, 5 x READS),
# QEMU_BENCH_LINK (socket, the device's own socket=, the default; or
# chardev, a socket chardev and chardev=, the link QEMUs before socket=
# had; or tcp and tls, socket= over TCP loopback, plain or with TLS,
# X.509 with a client certificate, credentials by
# tests/common/make-tls-creds).  bench/qemu-ab.sh interleaves this script's rounds across QEMU
# builds and links.
# `make bench-qemu` runs it; it is never part of `make check`.
set -u

: "${top_builddir:=.}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
GATEWAY=$top_builddir/sc-gateway/sclink-gateway
GWBENCH=$top_builddir/bench/gateway-bench
json=${1:-bench/results/qemu.json}
ROUNDS=${QEMU_BENCH_ROUNDS:-3}
ITERS=${QEMU_BENCH_ITERS:-400000000}
N_SC=${QEMU_BENCH_READS:-20000}
N_EDU=$((N_SC * 50))
N_POSTED=${QEMU_BENCH_POSTED:-$((N_SC * 5))}
TIMEOUT=${QEMU_BENCH_TIMEOUT:-120}   # s per boot; a slower one counts as DNF
QUANTA="10000 100000 1000000"   # ns
ONLY=${QEMU_BENCH_ONLY:-}         # mmio or sync: that part alone, no JSON
LINK=${QEMU_BENCH_LINK:-socket}
case $LINK in socket | chardev | tcp | tls) ;; *) echo "qemu-bench: QEMU_BENCH_LINK=$LINK: socket, chardev, tcp or tls" >&2; exit 1 ;; esac

die() { echo "qemu-bench: $*" >&2; exit 1; }
[ -x "$GATEWAY" ] || die "no gateway at $GATEWAY"
[ -x "$GWBENCH" ] || die "no gateway-bench at $GWBENCH"
QEMU=${SCLINK_QEMU:-$("$top_srcdir/scripts/build-qemu" --print-path)} || die "no QEMU"
guest=$("$top_srcdir/guest/build-initramfs" --print-path) || die "no guest"
KERNEL=$(echo "$guest" | sed -n 1p)
INITRD=$(echo "$guest" | sed -n 2p)
"$QEMU" -device help 2>&1 | grep -q '"edu"' || die "this QEMU has no edu device"

tmp=$(mktemp -d /tmp/sclink-qemubench.XXXXXX)
gw_pid=
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Timestamps each line of stdin with the host's monotonic clock (ns) as
# it arrives (os.read returns what the pipe holds, no read-ahead wait).
cat > "$tmp/ts.py" <<'EOF'
import os, sys, time
buf, out = b"", sys.stdout.buffer
while True:
    d = os.read(0, 65536)
    if not d:
        break
    t = time.monotonic_ns()
    *lines, buf = (buf + d).split(b"\n")
    for l in lines:
        out.write(b"%d " % t + l + b"\n")
if buf:
    out.write(b"%d " % time.monotonic_ns() + buf + b"\n")
EOF

# The platform gateway-bench expects: 64 KiB of memory at BAR 0 offset 0.
cat > "$tmp/gwbench.yaml" <<EOF
name: qemu-bench-pingpong
listen: unix:$tmp/pp.sock
pci: {vendor_id: 0x1234, device_id: 0x5c1c, interrupt: none}
bars:
  - {index: 0, size: 0x100000, posted_writes: true}
devices:
  - {name: ram, type: memory, base: 0x0, size: 0x10000}
EOF
# The demo platform with every GRANT exactly one quantum.
{ cat "$top_srcdir/guest/demo-platform.yaml"; echo "lookahead: false"; } > "$tmp/nola.yaml"
mkdir -p "$tmp/gw"
echo "qemu-bench" > "$tmp/gw/uart-in.txt"
if [ "$LINK" = tls ]; then
    "$top_srcdir/tests/common/make-tls-creds" "$tmp/creds" > "$tmp/creds.log" 2>&1 ||
        die "cannot make TLS credentials: $(cat "$tmp/creds.log")"
fi

# start_gateway PLATFORM LISTEN [args]: in $tmp/gw, waits until it
# listens; gw_port is the port of a TCP one.
start_gateway() {
    plat=$1 listen=$2
    shift 2
    case $listen in unix:*) rm -f "${listen#unix:}" ;; esac
    (cd "$tmp/gw" && exec "$GATEWAY" --listen "$listen" "$@" "$plat") \
        > "$tmp/gw.log" 2>&1 &
    gw_pid=$!
    for _ in $(seq 100); do
        if grep -q "listening on" "$tmp/gw.log" 2>/dev/null; then
            gw_port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/gw.log")
            return 0
        fi
        sleep 0.1
    done
    die "gateway does not listen: $(tail -n 5 "$tmp/gw.log")"
}
# start_guest_gateway PLATFORM: the guest's gateway, on the link
# QEMU_BENCH_LINK names (link() below is QEMU's side of it).
start_guest_gateway() {
    case $LINK in
    tcp) start_gateway "$1" tcp:127.0.0.1:0 ;;
    tls) start_gateway "$1" tcp:127.0.0.1:0 --tls-creds "x509:$tmp/creds/server" ;;
    *) start_gateway "$1" "unix:$tmp/gw.sock" ;;
    esac
}
stop_gateway() {
    [ -n "$gw_pid" ] && { kill "$gw_pid" 2>/dev/null; wait "$gw_pid" 2>/dev/null; }
    gw_pid=
}

# link: the QEMU arguments linking sclink-pci to the guest's gateway (no
# blanks in $tmp) and, last, the device's first properties.
link() {
    case $LINK in
    socket) echo "-device sclink-pci,socket=unix:$tmp/gw.sock" ;;
    tcp) echo "-device sclink-pci,socket=tcp:127.0.0.1:$gw_port" ;;
    tls) echo "-object tls-creds-x509,id=tls0,dir=$tmp/creds/client,endpoint=client,verify-peer=on -device sclink-pci,socket=tcp:127.0.0.1:$gw_port,tls-creds=tls0" ;;
    chardev) echo "-chardev socket,id=sc0,path=$tmp/gw.sock -device sclink-pci,chardev=sc0" ;;
    esac
}

# boot LOG GUEST_ARGS [QEMU args]: boots the bench guest, stamps its output.
boot() {
    log=$1 args=$2
    shift 2
    timeout "$TIMEOUT" "$QEMU" -L /usr/share/seabios -L /usr/share/qemu \
        -M pc -m 256 -nographic -vga none -no-reboot -nic none \
        -kernel "$KERNEL" -initrd "$INITRD" \
        -append "console=ttyS0 quiet panic=-1 no_timer_check sclink.prog=bench sclink.args=$args" \
        "$@" 2>&1 | python3 "$tmp/ts.py" > "$log"
    grep -q "^[0-9]* BENCH-DONE" "$log" || return 1
    if grep -q "BENCH-ERROR" "$log"; then die "$(grep BENCH-ERROR "$log")"; fi
}

# best LOG NAME: the best host ns per iteration of NAME's rounds in LOG,
# then the guest's own ns for that round.
best() {
    awk -v name="$2" '
        $2 == "BENCH-BEGIN" && $3 == name { t0 = $1 }
        $2 == "BENCH-END" && $3 == name {
            h = ($1 - t0) / $5; g = $6 / $5
            if (best == "" || h < best) { best = h; gbest = g }
        }
        END { if (best == "") exit 1; printf "%.3f %.3f\n", best, gbest }' "$1"
}

# min RESULTS_FILE KEY VALUE: keeps the smaller value per key.
record() {
    echo "$2 $3" >> "$tmp/$1"
}
min_of() {
    awk -v k="$2" '$1 == k && (m == "" || $2 < m) { m = $2 } END { print m }' "$tmp/$1"
}

# Checks the quantum the device logged at start-up is the one asked for.
check_q() {
    qq=$(sed -n 's/.*linked to gateway.* Q=\([0-9]*\) ps.*/\1/p' "$1" | head -n 1)
    [ "$qq" = "$(($2 * 1000))" ] || die "device runs with Q=$qq ps, not $(($2 * 1000)) ps"
}

echo "qemu-bench: $ROUNDS rounds; $N_SC sclink / $N_EDU edu reads; guest loop $ITERS iterations" >&2
# One round of part 1 (MMIO) and of part 2 (Sync overhead).
bench_mmio() {
    # 1. raw Unix ping-pong and the plain-process gateway read
    start_gateway "$tmp/gwbench.yaml" "unix:$tmp/pp.sock" --serve
    "$GWBENCH" --n 20000 --rounds 1 --posted "$N_POSTED" --json "$tmp/pp.json" \
        "unix:$tmp/pp.sock" > /dev/null || die "gateway-bench failed"
    stop_gateway
    pp1=$(tr -d ' \n' < "$tmp/pp.json" |
        sed 's/.*"length":4,[^}]*"pingpong_ns":\([0-9.]*\).*/\1/')
    record mmio pingpong "$pp1"
    record mmio gwread "$(tr -d ' \n' < "$tmp/pp.json" |
        sed 's/.*"length":4,[^}]*"read_ns":\([0-9.]*\).*/\1/')"
    record mmio gwposted "$(tr -d ' \n' < "$tmp/pp.json" |
        sed 's/.*"posted_writes_per_s":\([0-9.]*\).*/\1/' | awk '{ printf "%.1f", 1e9 / $1 }')"

    # 1. MMIO reads in the guest, sclink-pci and edu in one QEMU
    start_guest_gateway "$top_srcdir/guest/demo-platform.yaml"
    # shellcheck disable=SC2046 # link's words
    boot "$tmp/mmio.log" "mmio,2,$N_SC,$N_EDU,$N_POSTED" \
        $(link),quantum=1000000000 -device edu ||
        die "MMIO guest did not finish: $(tail -n 5 "$tmp/mmio.log")"
    stop_gateway
    check_q "$tmp/mmio.log" 1000000000
    edu1=$(best "$tmp/mmio.log" edu | cut -d' ' -f1); record mmio edu "$edu1"
    sc1=$(best "$tmp/mmio.log" sclink | cut -d' ' -f1); record mmio sclink "$sc1"
    ew1=$(best "$tmp/mmio.log" edu-write | cut -d' ' -f1); record mmio eduwrite "$ew1"
    sp1=$(best "$tmp/mmio.log" sclink-posted | cut -d' ' -f1); record mmio posted "$sp1"
    echo "qemu-bench: round $round: MMIO: ping-pong $pp1 ns, sclink - edu $(awk -v a="$sc1" -v b="$edu1" -v p="$pp1" 'BEGIN { printf "%.0f ns, ratio %.2fx", a - b, (a - b) / p }'); posted write $sp1 ns (edu write $ew1 ns)" >&2
}

bench_sync() {
    # 2. the CPU-bound loop, every configuration
    for mode in free icount; do
        icount=
        [ $mode = icount ] && icount="-icount shift=0,sleep=off"
        for q in none $QUANTA $(printf '%s-off ' $QUANTA); do
            qn=${q%-off} plat=$top_srcdir/guest/demo-platform.yaml
            [ "$qn" != "$q" ] && plat=$tmp/nola.yaml
            if [ $q = none ]; then
                # shellcheck disable=SC2086
                boot "$tmp/cpu.log" "cpu,2,$ITERS" $icount ||
                    die "guest did not finish: $(tail -n 5 "$tmp/cpu.log")"
            else
                start_guest_gateway "$plat"
                # shellcheck disable=SC2086
                # shellcheck disable=SC2046 # link's words
                boot "$tmp/cpu.log" "cpu,2,$ITERS" $icount \
                    $(link),quantum=$qn
                ok=$?
                stop_gateway
                check_q "$tmp/cpu.log" "$qn"
                if [ $ok -ne 0 ]; then
                    # Did not finish within $TIMEOUT s (see doc/performance.md)
                    record cpu "$mode-$q" 1e18
                    echo "qemu-bench: $mode Q=$q ns: guest did not finish in $TIMEOUT s" >&2
                    continue
                fi
            fi
            # shellcheck disable=SC2046 # best prints two numbers
            set -- $(best "$tmp/cpu.log" cpu)
            record cpu "$mode-$q" "$(awk -v a="$1" -v n="$ITERS" 'BEGIN { printf "%.0f", a * n }')"
            record cpu "guest-$mode-$q" "$(awk -v a="$2" -v n="$ITERS" 'BEGIN { printf "%.0f", a * n }')"
        done
    done
    echo "qemu-bench: round $round: CPU loop done" >&2
}

for round in $(seq "$ROUNDS"); do
    [ "$ONLY" = sync ] || bench_mmio
    [ "$ONLY" = mmio ] || bench_sync
done

report_mmio() {
    pp=$(min_of mmio pingpong)
    gwr=$(min_of mmio gwread)
    edu=$(min_of mmio edu)
    sc=$(min_of mmio sclink)
    echo
    echo "MMIO read cost, best of $ROUNDS rounds (x2 in the guest) of $N_SC sclink / $N_EDU edu reads:"
    echo
    awk -v pp="$pp" -v gwr="$gwr" -v edu="$edu" -v sc="$sc" 'BEGIN {
        printf "| edu read | sclink read | sclink - edu | raw unix ping-pong | gateway read (plain process) | (sclink - edu) / ping-pong | goal |\n"
        printf "|---------:|------------:|-------------:|-------------------:|-----------------------------:|---------------------------:|-----:|\n"
        r = (sc - edu) / pp
        printf "| %.0f ns | %.0f ns | %.0f ns | %.0f ns | %.0f ns | %.2fx | <= 2x: %s |\n",
            edu, sc, sc - edu, pp, gwr, r, r <= 2 ? "met" : "NOT met"
    }'
    ew=$(min_of mmio eduwrite)
    sp=$(min_of mmio posted)
    gwp=$(min_of mmio gwposted)
    echo
    echo "Posted-write throughput, best of $ROUNDS rounds (x2 in the guest) of $N_POSTED writes and one read back:"
    echo
    awk -v ew="$ew" -v sp="$sp" -v gwp="$gwp" 'BEGIN {
        printf "| edu write | sclink posted write | sclink writes/s | gateway posted write (plain process) | sclink / plain process |\n"
        printf "|----------:|--------------------:|----------------:|-------------------------------------:|-----------------------:|\n"
        printf "| %.0f ns | %.0f ns | %.2f M | %.0f ns | %.2fx |\n", ew, sp, 1e3 / sp, gwp, sp / gwp
    }'
}

report_sync() {
    echo
    echo "Sync overhead: CPU-bound guest loop ($ITERS iterations), host wall time, best of $ROUNDS x 2:"
    echo
    echo "| mode | grants | no device | Q = 10 us | Q = 100 us | Q = 1 ms |"
    echo "|------|--------|----------:|----------:|-----------:|---------:|"
    for row in free icount free-off icount-off; do
        mode=${row%-off} off=${row#$mode}
        base=$(min_of cpu "$mode-none")
        line="| $([ $mode = free ] && echo "free-running (no icount)" || echo "icount shift=0,sleep=off") | $([ -n "$off" ] && echo "one quantum (lookahead: false)" || echo "to the next event (lookahead)") | $(echo "$base" | awk '{printf "%.0f ms", $1 / 1e6}')"
        for q in $QUANTA; do
            v=$(min_of cpu "$mode-$q$off")
            line="$line | $(awk -v v="$v" -v b="$base" 'BEGIN { if (v + 0 >= 1e18) printf "DNF"; else printf "%.0f ms (%+.1f%%)", v / 1e6, (v / b - 1) * 100 }')"
        done
        echo "$line |"
    done
    echo
    echo "Goals: +2% at 1 ms, +25% at 10 us.  DNF: the guest did not finish within $TIMEOUT s."
}

write_json() {
    mkdir -p "$(dirname "$json")"
    {
        printf '{\n  "benchmark": "qemu",\n  "rounds": %s,\n' "$ROUNDS"
        printf '  "mmio": {"sclink_reads": %s, "edu_reads": %s, "edu_read_ns": %s, "sclink_read_ns": %s,\n' \
            "$N_SC" "$N_EDU" "$edu" "$sc"
        printf '           "unix_pingpong_ns": %s, "gateway_read_ns": %s, "ratio": %s, "goal": 2,\n' \
            "$pp" "$gwr" "$(awk -v a="$sc" -v b="$edu" -v p="$pp" 'BEGIN { printf "%.3f", (a - b) / p }')"
        printf '           "posted_writes": %s, "edu_write_ns": %s, "sclink_posted_write_ns": %s, "gateway_posted_write_ns": %s},\n' \
            "$N_POSTED" "$(min_of mmio eduwrite)" "$(min_of mmio posted)" "$(min_of mmio gwposted)"
        printf '  "sync": {"iterations": %s, "goal_pct": {"10000": 25, "1000000": 2}, "results": [\n' "$ITERS"
        sep=
        for row in free icount free-off icount-off; do
            mode=${row%-off} off=${row#$mode}
            base=$(min_of cpu "$mode-none")
            for q in $QUANTA; do
                v=$(min_of cpu "$mode-$q$off")
                printf '%s    {"mode": "%s", "lookahead": %s, "quantum_ns": %s, "no_device_ns": %.0f, "with_device_ns": %.0f, "guest_clock_ns": %.0f, "overhead_pct": %s}' \
                    "$sep" "$mode" "$([ -n "$off" ] && echo false || echo true)" "$q" "$base" "$v" "$(min_of cpu "guest-$mode-$q$off")" \
                    "$(awk -v v="$v" -v b="$base" 'BEGIN { if (v + 0 >= 1e18) printf "null"; else printf "%.2f", (v / b - 1) * 100 }')"
                sep=",
    "
            done
        done
        printf '\n  ]}\n}\n'
    } > "$json"
    echo "JSON: $json"
}

[ "$ONLY" = sync ] || report_mmio
[ "$ONLY" = mmio ] || report_sync
[ -n "$ONLY" ] || write_json
