#!/bin/sh
# Every feature over TLS: the tests that cover them run again with the
# device's own socket carrying TLS (PSK) to a gateway on TCP loopback
# (SCLINK_E2E_LINK=tls, lib.sh): MMIO, posted writes, interrupts, DMA and
# windows, in the deterministic runs under -icount against the golden
# trace; MSI-X; a gateway that dies or stalls mid-run (faults).  The
# gateway speaks TLS only, so a test passes only if the device did.  Each runs as a test of its own, with its own
# temporary directory.  tests/e2e/tls.sh covers the credentials.
. "$(dirname "$0")/lib.sh"

command -v certtool >/dev/null || fail "no certtool (gnutls-bin, scripts/install-deps)"
"$QEMU" -object help 2>/dev/null | grep -q tls-creds-psk ||
    fail "this QEMU has no TLS (tls-creds-psk): scripts/build-qemu builds it with GnuTLS"
rerun_over tls determinism msix fault-killed
pass "over TLS (socket=, PSK):$rerun_passed"
