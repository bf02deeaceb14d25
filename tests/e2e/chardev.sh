#!/bin/sh
# The device's other link: a socket chardev (-chardev socket,...,id=ID
# -device sclink-pci,chardev=ID), which every other test replaces with the
# device's own socket (socket=ADDR).  The tests that cover the link's
# paths run again over it: a Unix socket, TCP, four vCPUs driving the
# device at once, and the deterministic runs against the golden trace.
# Each runs as a test of its own, with its own temporary directory.
. "$(dirname "$0")/lib.sh"

rerun_over chardev unix tcp smp determinism
pass "over chardev=:$rerun_passed"
