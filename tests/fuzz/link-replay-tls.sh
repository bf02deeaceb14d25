#!/bin/sh
# make check: every case in tests/fuzz/link-corpus-tls/ against the normal
# gateway speaking TLS, with PSK and then with X.509: it must survive each
# and pass the health check (in TLS) after it (tests/fuzz/link-fuzz.sh
# replay; doc/gateway.md, "Fuzzing the link").
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
command -v certtool >/dev/null || { echo "no certtool (gnutls-bin, scripts/install-deps)" >&2; exit 1; }
status=0
for tls in psk x509; do
    echo "link-replay-tls: $tls"
    LEAKS=0 TLS=$tls "$top_srcdir/tests/fuzz/link-fuzz.sh" replay \
        "$top_builddir/sc-gateway/sclink-gateway" "$top_srcdir"/tests/fuzz/link-corpus-tls/*.case ||
        status=1
done
exit "$status"
