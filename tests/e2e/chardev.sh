#!/bin/sh
# The device's other link: a socket chardev (-chardev socket,...,id=ID
# -device sclink-pci,chardev=ID), which every other test replaces with the
# device's own socket (socket=ADDR).  The tests that cover the link's
# paths run again over it: a Unix socket, TCP, four vCPUs driving the
# device at once, and the deterministic runs against the golden trace.
# Each runs as a test of its own, with its own temporary directory.
. "$(dirname "$0")/lib.sh"

here=$top_srcdir/tests/e2e
passed=
for t in unix tcp smp determinism; do
    SCLINK_E2E_LINK=chardev SCLINK_QEMU=$QEMU top_srcdir=$top_srcdir \
        top_builddir=$top_builddir sh "$here/$t.sh" >"$tmp/$t.out" 2>&1
    rc=$?
    sed "s/^/$t: /" "$tmp/$t.out" | tail -n 3
    [ "$rc" -eq 0 ] || fail "$t.sh over chardev= exited $rc"
    grep -q "^PASS: $t" "$tmp/$t.out" || fail "$t.sh over chardev= did not pass"
    passed="$passed $t"
done
pass "over chardev=:$passed"
