#!/bin/sh
# Rule F under -icount (doc/protocol.md 8.4): the guest pokes BAR0 at
# random (guest/sclink-guest-poke.c, a fixed seed) while the platform's
# only target wait()s 100 ns inside every b_transport
# (tests/gateway/wait-model.cc) and a periodic timer interrupts.  Two runs
# with -icount shift=0,sleep=off give byte-identical gateway traces, the
# gateway says the time was taken inside accesses, and QEMU ends cleanly:
# time a model takes inside an access is as deterministic as the rest.
. "$(dirname "$0")/lib.sh"

WAITER=$top_builddir/tests/gateway/.libs/libsclink-waiter.so
[ -f "$WAITER" ] || fail "no waiter plugin at $WAITER (make check builds it)"
cat > "$tmp/platform.yaml" <<'YAML'
name: wait-icount
quantum_ns: 100000
pci:
  vendor_id: 0x1234
  device_id: 0x5c11
  interrupt: msi
  vectors: 1
bars:
  - index: 0
    size: 0x1000
devices:
  - name: waiter
    type: waiter
    base: 0x0
    size: 0x100
    params:
      wait_ns: 100
YAML
PLATFORM=$tmp/platform.yaml

for run in 1 2; do
    addr=unix:$tmp/gw$run.sock
    start_gateway "$addr" "gw$run" --plugin "$WAITER"
    run_qemu "$tmp/qemu$run.log" -icount shift=0,sleep=off \
        -rtc base=2024-01-01T00:00:00,clock=vm \
        -append "$GUEST_CMDLINE sclink.prog=poke sclink.args=7,3" \
        -chardev "$(chardev_for "$addr" sc0)" \
        -device sclink-pci,id=sclink0,chardev=sc0,on-failure=exit
    rc=$?
    grep -q "^POKE-END" "$tmp/qemu$run.log" || { show_failure "$tmp/qemu$run.log"; fail "run $run: the guest did not finish poking"; }
    [ "$rc" -eq 0 ] || { show_failure "$tmp/qemu$run.log"; fail "run $run: QEMU exited with $rc"; }
    grep -q "deterministic" "$tmp/qemu$run.log" || fail "run $run: device not in deterministic mode"
    wait "$gw_pid" || fail "run $run: gateway did not exit 0: $(tail -n 3 "$tmp/gw$run.log")"
    grep -q "target waiter took 100 ns of SystemC time inside b_transport" "$tmp/gw$run.log" ||
        fail "run $run: the gateway did not report time taken inside b_transport"
done
if ! cmp -s "$tmp/gw1.trace" "$tmp/gw2.trace"; then
    diff "$tmp/gw1.trace" "$tmp/gw2.trace" | head -n 20
    fail "the two traces differ"
fi
pass "$(wc -l <"$tmp/gw1.trace") identical trace lines; $(sed -n 's/.*(\([0-9]*\) ps of it inside accesses).*/\1/p' "$tmp/gw1.log") ps inside accesses"
