#!/bin/sh
# Accellera's AT example targets, unmodified (built at test time from
# libsystemc-doc, tests/gateway/accellera/lib.sh), each behind
# sclink::AtAdapter (sc-gateway/at-adapter.h), bound in one line.  Their
# phases run as in their own platforms, as their own logs show, and the
# time they take to respond is the access's duration (rule F,
# doc/protocol.md 8.4): in the Response's delay, with what models raise
# meanwhile stamped with the access's time.
#
# at_target_4_phase: BEGIN_REQ accepted, END_REQ 10 ns later, BEGIN_RESP
# after the memory's 30 ns (write) or 50 ns (read), END_RESP from the
# adapter; without that END_RESP its next response would never come.  A
# timer due 30 ns into the first access fires meanwhile, stamped with the
# access's time, and one armed at link time 5 us for 30 ns fires at
# exactly 5.03 us: the link's time base moved by the time taken.
# at_target_1_phase: TLM_COMPLETED with the delay annotated, no time
# taken, except every 20th request, which forces a synchronization
# (TLM_UPDATED, END_REQ, then BEGIN_RESP on the backward path).
# at_target_2_phase: TLM_UPDATED END_REQ, BEGIN_RESP on the backward path.
# at_target_ooo_2_phase: the same, every other request 700 ns later (it
# would be overtaken by the next one if an initiator had two in flight).
. "${top_srcdir:-.}/tests/gateway/lib.sh"
. "$top_srcdir/tests/gateway/accellera/lib.sh"

accellera_plugin tests/gateway/accellera/targets.cc -DACCELLERA_AT \
    common/src/at_target_1_phase.cpp common/src/at_target_2_phase.cpp \
    common/src/at_target_4_phase.cpp at_ooo/src/at_target_ooo_2_phase.cpp \
    common/src/memory.cpp common/src/report.cpp
make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: at4
    type: accellera-at-target-4-phase
    base: 0x40000
    size: 0x1000
  - name: at1
    type: accellera-at-target-1-phase
    base: 0x41000
    size: 0x1000
  - name: at2
    type: accellera-at-target-2-phase
    base: 0x42000
    size: 0x1000
  - name: ooo
    type: accellera-at-target-ooo-2-phase
    base: 0x43000
    size: 0x1000
YAML
start_gateway --plugin "$PLUGIN"
{
    cat <<'CMDS'
write 0 0x22000 8 30
write 0 0x22008 4 5
write 0 0x40010 4 0xcafe
wait-irq msix 0
write 0 0x2200c 4 1
advance 5us
expect-read 0 0x40010 4 0xcafe
write 0 0x22008 4 5
wait-irq msix 0
write 0 0x2200c 4 1
expect-status address-error read 0 0x40ffc 4
CMDS
    # 19 writes, then the 20th request, which at_target_1_phase answers
    # in several phases (Requests 9 to 27, then 28).
    for i in $(seq 0 18); do
        echo "write 0 $((0x41000 + 4 * i)) 4 $((i + 1))"
    done
    cat <<'CMDS'
expect-read 0 0x41000 4 1
expect-read 0 0x41048 4 19
write 0 0x42000 4 0x3333
expect-read 0 0x42000 4 0x3333
write 0 0x43000 4 0x4444
write 0 0x43004 4 0x5555
expect-read 0 0x43000 4 0x4444
expect-read 0 0x43004 4 0x5555
bye
CMDS
} > "$tmp/run.cmd"
client --trace -f "$tmp/run.cmd" || fail "the run failed"
# at_target_4_phase
expect_line "$tmp/client.out" "irq msix 0 t=0ps now=0ps"
expect_line "$tmp/client.out" "< Response id=3 ok delay=40000ps"
expect_line "$tmp/client.out" "< Response id=5 ok data=0x0000cafe delay=60000ps"
expect_line "$tmp/client.out" "irq msix 0 t=5030000ps"
expect_line "$tmp/client.out" "< Response id=8 address-error delay=60000ps"
# at_target_1_phase: annotated only, then the forced synchronization
expect_line "$tmp/client.out" "< Response id=27 ok delay=40000ps"
expect_line "$tmp/client.out" "< Response id=28 ok data=0x00000001 delay=60000ps"
expect_line "$tmp/client.out" "< Response id=29 ok data=0x00000013 delay=60000ps"
# at_target_2_phase, at_target_ooo_2_phase
expect_line "$tmp/client.out" "< Response id=31 ok data=0x00003333 delay=60000ps"
expect_line "$tmp/client.out" "< Response id=32 ok delay=740000ps"
expect_line "$tmp/client.out" "< Response id=33 ok delay=40000ps"
expect_line "$tmp/client.out" "< Response id=34 ok data=0x00004444 delay=760000ps"
# at4 40 + 60 + 60, at1 60, at2 40 + 60, ooo 740 + 40 + 760 + 60 ns
check_rule_f at4 "40 ns" 1920000

# The phases, from the models' own logs (SC_REPORT_INFO on stdout).
for m in at_target_4_phase at_target_1_phase at_target_2_phase; do
    sed -n "/^Info: $m.cpp/,/^\$/p" "$tmp/gw.out" > "$tmp/$m.log"
done
expect_line "$tmp/at_target_4_phase.log" "ACCEPTED (GP, BEGIN_REQ, 0 s)"
expect_line "$tmp/at_target_4_phase.log" "nb_transport_bw (GP, END_REQ, 0 s)"
expect_line "$tmp/at_target_4_phase.log" "ACCEPTED (GP, END_REQ, 0 s)"
expect_line "$tmp/at_target_4_phase.log" "ACCEPTED (GP, BEGIN_RESP, 0 s)"
expect_line "$tmp/at_target_1_phase.log" "COMPLETED (GP, BEGIN_REQ, 40 ns)"
expect_line "$tmp/at_target_1_phase.log" "UPDATED (GP, END_REQ"
expect_line "$tmp/at_target_2_phase.log" "UPDATED (GP, END_REQ, 10 ns)"
expect_line "$tmp/at_target_2_phase.log" "nb_transport_fw (GP, END_RESP, 0 s)"
if grep -q "Error:\|Fatal:" "$tmp/gw.out"; then
    fail "a model reported an error: $(grep -A2 "Error:\|Fatal:" "$tmp/gw.out")"
fi
ok "AT targets behind sclink::AtAdapter: 1, 2, 4 phases and out of order, times per rule F"
