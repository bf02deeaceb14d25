#!/bin/sh
# guest/demo.sh: `make demo`.  Boots the test guest in the sclink QEMU
# against sclink-gateway serving guest/demo-platform.yaml, shows the
# gateway's address map, the guest's checks, what the guest sent to the
# UART and the gateway's statistics, then shuts everything down.
#
#   guest/demo.sh [GATEWAY]
#
# GATEWAY defaults to $SCLINK_GATEWAY or sc-gateway/sclink-gateway in the
# current directory (make demo passes the build tree's).  QEMU and the
# guest are built on first use (scripts/build-qemu, guest/build-initramfs;
# cached under $SCLINK_CACHE).  Exit status 0 when the guest's verdict is
# PASS.
set -u

top=$(cd "$(dirname "$0")/.." && pwd)
gateway=${1:-${SCLINK_GATEWAY:-sc-gateway/sclink-gateway}}
[ -x "$gateway" ] || { echo "demo: no gateway at $gateway (run make first)" >&2; exit 1; }
gateway=$(cd "$(dirname "$gateway")" && pwd)/$(basename "$gateway")

heading() { printf '\n== %s ==\n' "$*"; }

heading "building what is missing (QEMU, guest; cached after the first time)"
qemu=$("$top/scripts/build-qemu" --print-path) || { echo "demo: cannot build QEMU" >&2; exit 1; }
guest=$("$top/guest/build-initramfs" --print-path) || { echo "demo: cannot build the guest" >&2; exit 1; }
echo "QEMU:   $qemu"
echo "kernel: $(echo "$guest" | sed -n 1p)"
echo "initrd: $(echo "$guest" | sed -n 2p)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sclink-demo.XXXXXX")
gw_pid=
cleanup() {
    [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null && wait "$gw_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The UART receives this (guest/sclink-guest-test.c checks it).
echo "sclink uart rx 0123456789" >"$tmp/uart-in.txt"
(cd "$tmp" && exec "$gateway" --trace "$tmp/gateway.trace" \
    --listen "unix:$tmp/gw.sock" "$top/guest/demo-platform.yaml") \
    >"$tmp/gateway.log" 2>&1 &
gw_pid=$!
for _ in $(seq 100); do
    grep -q "listening on" "$tmp/gateway.log" && break
    kill -0 "$gw_pid" 2>/dev/null || break
    sleep 0.1
done
grep -q "listening on" "$tmp/gateway.log" || {
    echo "demo: the gateway did not start:" >&2
    cat "$tmp/gateway.log" >&2
    exit 1
}

heading "gateway address map (guest/demo-platform.yaml)"
sed -n '/address map of/,/BAR[0-9]/p' "$tmp/gateway.log" | sed 1d

heading "guest (sclink-guest-test inside QEMU, sclink-pci over unix:$tmp/gw.sock)"
timeout 60 "$qemu" -L /usr/share/seabios -L /usr/share/qemu \
    -M pc -m 256 -nographic -vga none -no-reboot -nic none \
    -kernel "$(echo "$guest" | sed -n 1p)" -initrd "$(echo "$guest" | sed -n 2p)" \
    -append "console=ttyS0 quiet panic=-1 no_timer_check sclink.args=--irq-slack-us,off" \
    -device "sclink-pci,id=sclink0,socket=unix:$tmp/gw.sock,on-failure=exit" \
    >"$tmp/qemu.log" 2>&1
qemu_rc=$?
grep -E "^(PASS|FAIL|timer: interrupt|SCLINK-GUEST)" "$tmp/qemu.log"
if ! grep -q "^SCLINK-GUEST:" "$tmp/qemu.log"; then
    echo "demo: the guest gave no verdict (QEMU status $qemu_rc); QEMU's output:"
    tail -n 20 "$tmp/qemu.log"
fi

wait "$gw_pid"
gw_rc=$?
gw_pid=

heading "what the guest sent to the UART (uart0 output)"
cat "$tmp/uart-out.txt" 2>/dev/null

heading "gateway log and statistics"
sed -n '/listening on/,$p' "$tmp/gateway.log"
echo "($(wc -l <"$tmp/gateway.trace") trace lines; gateway exit status $gw_rc, QEMU exit status $qemu_rc)"

heading "verdict"
if grep -q "^SCLINK-GUEST: PASS" "$tmp/qemu.log" && [ "$qemu_rc" -eq 0 ] && [ "$gw_rc" -eq 0 ]; then
    echo "demo: PASS"
    exit 0
fi
echo "demo: FAIL"
exit 1
