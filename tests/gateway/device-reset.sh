#!/bin/sh
# Device reset within the link (CAP_RESET, doc/protocol.md 8.10): a Sync
# RESET puts every model back into its reset state at the RESET's stamp,
# the interrupt line the reset lowers reaches QEMU before RESET_DONE, and
# the link, its time and its windows go on.  A RESET stamped before an
# earlier stamp, or a RESET_DONE from QEMU, is ERR_STATE.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
sed -i "s/interrupt: msix/interrupt: intx/" "$tmp/platform.yaml"
start_gateway --serve --trace "$tmp/trace.txt"

# Scratch, RAM and a periodic timer with its interrupt up, then a reset
# at 30 us: everything reads its reset value, the line falls stamped 30
# us before RESET_DONE, the timer stays quiet for 100 us more, and time
# goes on (the timer's TIME, SystemC ns, reads 130 us, not 100).
cat > "$tmp/reset.cmd" <<'CMDS'
write 0 0x20010 4 0xdeadbeef
write 0 0x0 4 0x12345678
write 0 0x22000 4 25000
write 0 0x22008 4 7
wait-irq line 0
time 30us
expect-read 0 0x22020 4 1
reset
expect-read 0 0x20010 4 0
expect-read 0 0x0 4 0
expect-read 0 0x22008 4 0
expect-read 0 0x2200c 4 0
expect-read 0 0x22020 4 0
expect-read 0 0x20000 4 0x53434c4b
advance 100us
expect-read 0 0x22018 4 130000
expect-read 0 0x22020 4 0
expect-read 0 0x2200c 4 0
write 0 0x20010 4 7
expect-read 0 0x20010 4 7
bye
CMDS
client -f "$tmp/reset.cmd" || fail "client script failed"
expect_line "$tmp/client.out" "^reset t=30000000ps"
# The reset's deassert comes before RESET_DONE, that is before the
# client's "reset" line, and carries the RESET's stamp.
sed -n '/^irq line 0 level=1/,/^reset t=/p' "$tmp/client.out" > "$tmp/around"
grep -q '^irq line 0 level=0 t=30000000ps' "$tmp/around" ||
    fail "the reset's INTx deassert did not precede RESET_DONE: $(cat "$tmp/client.out")"
[ "$(grep -c '^irq ' "$tmp/client.out")" -eq 2 ] ||
    fail "interrupts after the reset: $(grep '^irq ' "$tmp/client.out")"
expect_line "$tmp/gw.err" "QEMU reset the device at 30000000 ps: the models are back in their reset state"
expect_line "$tmp/trace.txt" "^t=30000000 reset$"
ok "a RESET resets scratch, RAM and timer at its stamp, the line falls before RESET_DONE"

# Free-running, and without CAP_SYNC the same reset applies.
client --no-sync 'write 0 0x20014 4 5' 'time 1ms' reset 'expect-read 0 0x20014 4 0' bye ||
    fail "a RESET without CAP_SYNC did not reset the models"
ok "a RESET without CAP_SYNC resets the models"

# With CAP_LOOKAHEAD a RESET cuts the window to its stamp + Q (rule N):
# the idle platform granted up to 1 s, the client now syncs at 20 us,
# which the gateway accepts only if it cut its window the same way.
client sync reset stats 'advance 15us' stats bye ||
    fail "a RESET did not cut the lookahead window on both sides"
expect_line "$tmp/client.out" "^stats .* now=10000000ps window_end=20000000ps"
ok "a RESET cuts a lookahead window to its stamp + Q, as the gateway does"

# A RESET stamped before an earlier stamp (Sync{RESET, time_ps 0} after a
# Request at 5 us), and a RESET_DONE from QEMU: ERR_STATE.
client 'time 5us' 'read 0 0x20000 4' 'raw 00 00 00 06 32 04 08 05 10 00' 'expect-error ERR_STATE' ||
    fail "a RESET stamped before the last Request was not ERR_STATE"
client 'raw 00 00 00 06 32 04 08 06 10 00' 'expect-error ERR_STATE' ||
    fail "a RESET_DONE from QEMU was not ERR_STATE"
# The gateway logs a lost link before it serves the next one.
client 'expect-read 0 0x20000 4 0x53434c4b' bye || fail "the next link was not served"
expect_line "$tmp/gw.err" "Sync RESET stamped 0 ps, before 5000000 ps"
expect_line "$tmp/gw.err" "Sync RESET_DONE is the gateway's to send"
ok "a RESET stamped backwards and a RESET_DONE from QEMU are ERR_STATE"
