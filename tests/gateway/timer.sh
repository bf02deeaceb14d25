#!/bin/sh
# Timer interrupts travel as $1 (msi, msix or intx) and reach the client
# stamped with their SystemC time t, while the client is in [t, t + Q]:
# the conservative window rule, checked on every interrupt.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

kind=${1:-msix}
make_platform "unix:$tmp/gw.sock"
sed -i "s/interrupt: msix/interrupt: $kind/" "$tmp/platform.yaml"
start_gateway

period_ps=25000000 # 25 us, with 10 us windows
quantum_ps=10000000
cat > "$tmp/timer.cmd" <<'CMDS'
write 0 0x22000 4 25000
write 0 0x22008 4 7
wait-irq
write 0 0x2200c 4 1
wait-irq
write 0 0x2200c 4 1
wait-irq
write 0 0x2200c 4 1
write 0 0x22008 4 0
advance 100us
expect-read 0 0x22020 4 3
bye
CMDS
# INTx is a level: each acknowledge sends a deassert, which wait-irq also
# reports; consume it before waiting for the next assert.
if [ "$kind" = intx ]; then
    sed -i 's/^write 0 0x2200c 4 1$/&\nwait-irq/' "$tmp/timer.cmd"
fi
client -f "$tmp/timer.cmd" || fail "client script failed"

# "irq KIND INDEX [level=L] t=Tps now=Nps": raised lines only.
grep '^irq ' "$tmp/client.out" | grep -v 'level=0' > "$tmp/irqs"
[ "$(wc -l < "$tmp/irqs")" -eq 3 ] || fail "expected 3 interrupts, got $(cat "$tmp/irqs")"
k=1
while read -r _ got _rest; do
    t=$(sed -n "$k"'s/.* t=\([0-9]*\)ps.*/\1/p' "$tmp/irqs")
    now=$(sed -n "$k"'s/.* now=\([0-9]*\)ps.*/\1/p' "$tmp/irqs")
    [ "$got" = "$kind" ] || [ "$kind.$got" = intx.line ] || fail "interrupt $k arrived as $got, not $kind"
    [ "$t" -eq $((k * period_ps)) ] || fail "interrupt $k stamped $t ps, expected $((k * period_ps))"
    [ "$now" -ge "$t" ] && [ "$now" -le $((t + quantum_ps)) ] ||
        fail "interrupt $k (t=$t ps) seen at $now ps, outside [t, t+Q]"
    k=$((k + 1))
done < "$tmp/irqs"
ok "3 $kind interrupts at k * 25 us, each seen within one quantum"
if [ "$kind" = intx ]; then
    [ "$(grep -c '^irq line 0 level=0' "$tmp/client.out")" -eq 3 ] ||
        fail "INTx did not deassert on each acknowledge"
    ok "INTx deasserts on acknowledge"
fi
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
