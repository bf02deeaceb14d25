#!/bin/sh
# A model with two target sockets, two interrupt outputs and an MSI port
# (tests/gateway/multi-model.cc) on an MSI platform: targets: maps each
# socket to its own window, irqs: binds each output to its line (line N
# raises vector N), and the port raises a vector directly; sclink-client
# sees each as its own MSI.  Then the platform errors --check finds in
# the lists.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

PLUGIN=$top_builddir/tests/gateway/.libs/libsclink-multi.so
[ -f "$PLUGIN" ] || fail "no $PLUGIN (make check builds it)"

# platform DEVICE_LINES...: $tmp/multi.yaml, an MSI function with 4
# vectors and one device whose entry ends with the given lines.
platform() {
    {
        printf 'listen: unix:%s/gw.sock\n' "$tmp"
        printf 'pci:\n  vendor_id: 0x1234\n  device_id: 0x5c99\n'
        printf '  interrupt: msi\n  vectors: 4\n'
        printf 'bars:\n  - index: 0\n    size: 0x10000\n    base: 0\n'
        printf 'devices:\n  - name: multi\n    type: multi\n'
        for l in "$@"; do printf '    %s\n' "$l"; done
    } > "$tmp/multi.yaml"
}
# refused WHAT: --check on $tmp/multi.yaml exits 1 saying WHAT.
refused() {
    "$GATEWAY" --check --plugin "$PLUGIN" "$tmp/multi.yaml" > "$tmp/out" 2>&1
    st=$?
    [ $st -eq 1 ] || fail "exit status $st, not 1, for: $(cat "$tmp/multi.yaml"): $(cat "$tmp/out")"
    grep -qF -- "$1" "$tmp/out" || fail "the message lacks '$1': $(cat "$tmp/out")"
    ok "refused: $(cat "$tmp/out")"
}

platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    'irqs: [1, 2]'
cp "$tmp/multi.yaml" "$tmp/platform.yaml"
start_gateway --plugin "$PLUGIN" --trace "$tmp/trace.txt"
expect_line "$tmp/gw.out" "0x0000000000001000  0x0000000000001007  multi "
expect_line "$tmp/gw.out" "0x0000000000002000  0x000000000000200f  multi.1 "
ok "two windows in the map, one per target socket"
client 'write 0 0x2004 4 0x5eed' 'expect-read 0 0x2004 4 0x5eed' \
    'write 0 0x1000 4 1' 'wait-irq msi 1 1ms' \
    'write 0 0x1000 4 3' 'wait-irq msi 2 1ms' 'expect-read 0 0x1000 4 3' \
    'write 0 0x1004 4 3' 'wait-irq msi 3 1ms' \
    'write 0 0x1004 4 9' 'bye' || fail "client against the multi model"
ok "memory on the second target; output 0 raised vector 1, output 1 vector 2, the port vector 3"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
for v in 1 2 3; do
    grep -q "irq msi $v\$" "$tmp/trace.txt" || fail "no MSI $v in the trace"
done
[ "$(grep -c 'irq msi' "$tmp/trace.txt")" -eq 3 ] ||
    fail "want 3 MSIs in the trace: $(grep 'irq msi' "$tmp/trace.txt")"
expect_line "$tmp/gw.err" "trigger_msi(9): only 4 vectors"
ok "three MSIs, a vector past pci.vectors logged and dropped"

platform 'base: 0x1000' 'size: 0x8'
refused "devices[0] (multi): base: 1 window(s) given, but model type 'multi' has 2 target socket(s) (list them under targets:)"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    '  - {base: 0x3000, size: 0x10}'
refused "targets: 3 window(s) given, but model type 'multi' has 2 target socket(s)"
platform 'base: 0x1000' 'targets:' '  - {base: 0x1000, size: 0x8}'
refused "devices[0]: 'multi' has both base/size/offset/priority and targets"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x20000, size: 0x10}'
refused "devices[0].targets[1].base: 'multi' at [0x20000, 0x2000f] lies outside every BAR's router window"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    'irqs: [1, 2, 3]'
refused "irqs: 3 line(s) given, but model type 'multi' has 2 interrupt output(s)"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    'irqs: [1, 1]'
refused "devices[0].irqs[1]: line 1 is listed twice"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    'irq: 1' 'irqs: [2]'
refused "devices[0]: 'multi' has both irq and irqs"
platform 'targets:' '  - {base: 0x1000, size: 0x8}' '  - {base: 0x2000, size: 0x10}' \
    'irqs: [1, 4]'
refused "devices[0].irqs[1]: line 4 of 'multi' triggers vector 4, but pci.vectors is 4"
