#!/bin/sh
# A "remote" gateway: it runs in its own network namespace, reached from
# QEMU over a veth pair, and every chunk crossing the link is held back
# 1 ms (DELAY_MS) in each direction by tests/e2e/delay-relay (this kernel
# has no sch_netem).  The namespace and the veth pair are created here and
# removed on exit.  SKIP only where namespaces cannot be created.
. "$(dirname "$0")/lib.sh"

delay=${DELAY_MS:-1}
ns=sclink-e2e-$$
# Host side 10.213.x.1, gateway side 10.213.x.2, x from the PID.
net=10.213.$(($$ % 250))
command -v ip >/dev/null || skip "no ip (iproute2)"
ip netns add "$ns" 2>"$tmp/ns.err" || skip "cannot create a network namespace: $(cat "$tmp/ns.err")"
netns_cleanup() {
    ip link del "ve$$" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    cleanup
}
trap netns_cleanup EXIT
ip link add "ve$$" type veth peer name "vp$$" netns "$ns" ||
    fail "cannot create a veth pair"
ip addr add "$net.1/30" dev "ve$$" && ip link set "ve$$" up &&
    ip -n "$ns" addr add "$net.2/30" dev "vp$$" &&
    ip -n "$ns" link set "vp$$" up && ip -n "$ns" link set lo up ||
    fail "cannot configure the veth pair"

GW_WRAP="ip netns exec $ns" start_gateway "tcp:$net.2:0" gw
"$E2E_TOOLS/delay-relay" 127.0.0.1 "${gw_addr#tcp:}" "$delay" \
    >"$tmp/relay.log" 2>&1 &
pids="$pids $!"
wait_listening "$tmp/relay.log" || fail "relay did not start"
relay_port=$(sed -n 's/^port //p' "$tmp/relay.log")
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" \
    $(link_chardev "tcp:127.0.0.1:$relay_port" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "tcp:127.0.0.1:$relay_port" sc0),on-failure=exit,timeout=30000"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
wait "$gw_pid" || { show_failure "$tmp/gw.log"; fail "gateway did not exit 0"; }
check_timer_trace gw
pass "gateway in netns $ns over veth, ${delay} ms each way: $(grep -m1 'real time' "$tmp/gw.log" | sed 's/^ *//')"
