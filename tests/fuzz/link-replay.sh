#!/bin/sh
# make check: every case in tests/fuzz/link-corpus/ against the normal
# gateway, which must survive each and pass the health check after it
# (tests/fuzz/link-fuzz.sh replay; doc/gateway.md, "Fuzzing the link").
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
LEAKS=0 exec "$top_srcdir/tests/fuzz/link-fuzz.sh" replay \
    "$top_builddir/sc-gateway/sclink-gateway" "$top_srcdir"/tests/fuzz/link-corpus/*.case
