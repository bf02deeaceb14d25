#!/bin/sh
# A "remote" gateway: it runs in its own network namespace, reached from
# QEMU over a veth pair, and every chunk crossing the link is held back
# 1 ms (DELAY_MS) in each direction by tests/e2e/delay-relay (this kernel
# has no sch_netem).  The namespace and the veth pair are created here and
# removed on exit.  SKIP only where namespaces cannot be created.  The
# link is plain TCP, which an address off loopback takes only with
# --insecure-tcp (tests/e2e/tls.sh runs the same over TLS).
. "$(dirname "$0")/lib.sh"

remote_gateway gw --insecure-tcp
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" \
    $(link_chardev "tcp:127.0.0.1:$relay_port" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "tcp:127.0.0.1:$relay_port" sc0),on-failure=exit,timeout=30000"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
wait "$gw_pid" || { show_failure "$tmp/gw.log"; fail "gateway did not exit 0"; }
check_timer_trace gw
pass "gateway in netns $remote_ns over veth, ${DELAY_MS:-1} ms each way: $(grep -m1 'real time' "$tmp/gw.log" | sed 's/^ *//')"
