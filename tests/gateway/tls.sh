#!/bin/sh
# TLS at the gateway (doc/remote.md), driven by sclink-client over real
# sockets, with credentials made here (tests/common/make-tls-creds):
# X.509 with mutual authentication and an allow list, and PSK.  Each
# wrong credential gets a clear error on both sides and no hang, and the
# gateway (--serve) serves the next link; a plain peer at a TLS gateway
# and a TLS peer at a plain one are told so; a key file others can read
# is refused.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

command -v certtool >/dev/null || fail "no certtool (gnutls-bin, scripts/install-deps)"
creds=$tmp/creds
"$top_srcdir/tests/common/make-tls-creds" "$creds" > "$tmp/creds.log" 2>&1 ||
    fail "cannot make the credentials: $(cat "$tmp/creds.log")"
DN=O=sclink-test,CN=qemu1
make_platform "tcp:127.0.0.1:0"

# new_log_has LINES TEXT: the gateway logged TEXT after its first LINES lines.
new_log_has() {
    tail -n +"$(($1 + 1))" "$tmp/gw.err" | grep -qF -- "$2"
}
# good NAME CLIENT_OPTS...: a link that reads the ROM and says Bye.
good() {
    name=$1
    shift
    "$CLIENT" --timeout 5000 "$@" "$ADDR" 'expect-read 0 0x10000 4 0x494c4353' bye \
        > "$tmp/$name.out" 2>&1 || fail "$name: $(cat "$tmp/$name.out")"
}
# refused NAME CLIENT_TEXT GATEWAY_TEXT CLIENT_OPTS...: the client fails
# (exit 1 or 2) saying CLIENT_TEXT, the gateway logs GATEWAY_TEXT, and
# the next good link works.
refused() {
    name=$1 ctext=$2 gtext=$3
    shift 3
    seen=$(wc -l < "$tmp/gw.err")
    timeout 20 "$CLIENT" --timeout 5000 "$@" "$ADDR" 'read 0 0x10000 4' bye \
        > "$tmp/$name.out" 2>&1
    st=$?
    [ $st -eq 1 ] || [ $st -eq 2 ] || fail "$name: client exit status $st: $(cat "$tmp/$name.out")"
    grep -qF -- "$ctext" "$tmp/$name.out" || fail "$name: the client lacks '$ctext': $(cat "$tmp/$name.out")"
    wait_until 10 new_log_has "$seen" "$gtext" ||
        fail "$name: the gateway lacks '$gtext': $(tail -n +"$((seen + 1))" "$tmp/gw.err")"
    ok "$name: client: $(grep -F -- "$ctext" "$tmp/$name.out" | head -n 1)"
}

# --- X.509, mutual, with an allow list
start_gateway --serve --tls-creds "x509:$creds/server" --tls-allow "$DN"
expect_line "$tmp/gw.err" "with TLS X.509 ($creds/server)"
good x509 --tls-creds "x509:$creds/client"
expect_line "$tmp/gw.err" "over TLS X.509 ($creds/server), peer $DN"
ok "X.509 both ways: the client checked the gateway, the gateway the client ($DN)"
refused not-allowed "TLS: the client\\'s certificate \\'O=sclink-test,CN=qemu2\\' is not on this gateway\\'s allow list" \
    "TLS: the client's certificate 'O=sclink-test,CN=qemu2' is not on this gateway's allow list" \
    --tls-creds "x509:$creds/client-other"
refused expired "The certificate chain uses expired certificate" \
    "TLS: the client's certificate is refused: The certificate is NOT trusted. The certificate chain uses expired certificate" \
    --tls-creds "x509:$creds/client-expired"
# A client signed by another CA offers no certificate the gateway asks for.
refused rogue "the client sent no certificate, and this gateway requires one" \
    "TLS: the client sent no certificate, and this gateway requires one signed by its CA" \
    --tls-creds "x509:$creds/client-rogue"
refused no-cert "the client sent no certificate, and this gateway requires one" \
    "TLS: the client sent no certificate" --tls-creds "x509:$creds/client-nocert"
refused wrong-ca "TLS: the gateway's certificate is refused: The certificate is NOT trusted. The certificate issuer is unknown" \
    "the peer left during the TLS handshake" --tls-creds "x509:$creds/client-wrongca"
refused plain "this gateway speaks TLS only" \
    "the peer speaks plain sclink, and this gateway TLS only"
refused psk-at-x509 "TLS handshake with $ADDR failed" "the peer left during the TLS handshake" \
    --tls-creds "psk:$creds/psk-client"
# Bytes inside the handshake (python3 sends them; scripts/install-deps has
# it): a TLS record header followed by garbage is a failed handshake, and
# a header announcing a record that never comes is cut off by the
# gateway's timeout_ms (2 s here), the stall clock's or the Hello's,
# whichever comes first; neither holds the gateway up.
# raw NAME HEX: sends the bytes, then waits up to 20 s for the gateway to
# close; $tmp/NAME.raw says how it ended.
raw() {
    python3 - "${ADDR#tcp:}" "$2" > "$tmp/$1.raw" 2>&1 <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=20)
s.sendall(bytes.fromhex(sys.argv[2]))
t0 = time.monotonic()
try:
    while s.recv(4096):
        pass
    print("closed after %.1f s" % (time.monotonic() - t0))
except socket.timeout:
    print("still open after 20 s")
PY
    grep -q "^closed after" "$tmp/$1.raw" || fail "$1: $(cat "$tmp/$1.raw")"
}
command -v python3 >/dev/null || fail "no python3 (scripts/install-deps)"
seen=$(wc -l < "$tmp/gw.err")
raw garbage-record 1603010004ff000000
wait_until 10 new_log_has "$seen" "TLS handshake failed" || fail "garbage-record: $(tail -n 3 "$tmp/gw.err")"
seen=$(wc -l < "$tmp/gw.err")
raw stalled-record 1603010200010001fc0303
stalled_ended() {
    new_log_has "$seen" "peer left a TLS record incomplete for 2000 ms" ||
        new_log_has "$seen" "no Hello within 2000 ms"
}
wait_until 10 stalled_ended || fail "stalled-record: $(tail -n 3 "$tmp/gw.err")"
ok "a TLS record of garbage: $(cat "$tmp/garbage-record.raw"); a record that never ends: $(cat "$tmp/stalled-record.raw")"
good after-refusals --tls-creds "x509:$creds/client"
ok "the gateway served a good link after every refusal"

# While a link is up, a second peer's credentials are judged before it
# hears ERR_BUSY: one whose DN is not on the list hears that instead.
seen=$(wc -l < "$tmp/gw.err")
"$CLIENT" --timeout 5000 --tls-creds "x509:$creds/client" "$ADDR" 'sleep 3000' \
    'expect-read 0 0x10000 4 0x494c4353' bye > "$tmp/holder.out" 2>&1 &
holder=$!
wait_until 10 new_log_has "$seen" "link up" || fail "the holder did not link"
for who in client:ERR_BUSY "client-other:is not on this gateway"; do
    timeout 20 "$CLIENT" --timeout 5000 --tls-creds "x509:$creds/${who%%:*}" "$ADDR" \
        'read 0 0x10000 4' bye > "$tmp/busy.out" 2>&1
    expect_line "$tmp/busy.out" "${who#*:}"
done
wait "$holder" || fail "the link held during the refusals: $(cat "$tmp/holder.out")"
ok "X.509 while a link is up: an allowed peer hears ERR_BUSY, another DN its refusal"

# A record left unfinished after the handshake and a Hello (the Hello of
# tests/fuzz/corpus/msg-hello, past the chunk byte that corpus puts
# first): GnuTLS keeps the part it pulled in, and still the stall clock
# (timeout_ms, 2 s) ends the link, telling the peer why in a record.
seen=$(wc -l < "$tmp/gw.err")
python3 - "${ADDR#tcp:}" "$creds/client" "$top_srcdir/tests/fuzz/corpus/msg-hello" \
    > "$tmp/half-record.out" 2>&1 <<'PY'
import socket, ssl, sys, time
host, port = sys.argv[1].rsplit(":", 1)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.load_verify_locations(sys.argv[2] + "/ca-cert.pem")
ctx.load_cert_chain(sys.argv[2] + "/client-cert.pem", sys.argv[2] + "/client-key.pem")
hello = open(sys.argv[3], "rb").read()[1:]
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out)
s = socket.create_connection((host, int(port)), timeout=20)
def more():
    d = s.recv(65536)
    if not d:
        sys.exit("closed early")
    inc.write(d)
while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        s.sendall(out.read())
        more()
tls.write(hello)
s.sendall(out.read())
got = b""
while len(got) < 4 or len(got) < 4 + int.from_bytes(got[:4], "big"):
    try:
        got += tls.read(65536)
    except ssl.SSLWantReadError:
        more()
tls.write(hello)
rec = out.read()
s.sendall(rec[:len(rec) // 2])
t0 = time.monotonic()
text = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        inc.write(d)
        try:
            text += tls.read(65536)
        except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
            pass
    print("closed after %.1f s: %r" % (time.monotonic() - t0, text))
except socket.timeout:
    print("still open after 20 s")
PY
grep -q "^closed after.*TLS record incomplete" "$tmp/half-record.out" ||
    fail "half a record: $(cat "$tmp/half-record.out")"
wait_until 10 new_log_has "$seen" "peer left a TLS record incomplete for 2000 ms" ||
    fail "half a record: $(tail -n 3 "$tmp/gw.err")"
ok "half a record after the Hello: $(cut -c1-80 "$tmp/half-record.out")"
kill "$gw_pid"
wait "$gw_pid"

# --- PSK
start_gateway --serve --tls-creds "psk:$creds/psk-server"
good psk --tls-creds "psk:$creds/psk-client"
expect_line "$tmp/gw.err" "over TLS PSK ($creds/psk-server), peer psk user qemu"
refused psk-wrong "TLS handshake with $ADDR failed" "TLS handshake failed" \
    --tls-creds "psk:$creds/psk-wrong"
refused psk-user "has no key for user 'nobody'" "the peer left during the TLS handshake" \
    --tls-creds "psk:$creds/psk-client" --tls-user nobody
good psk-after --tls-creds "psk:$creds/psk-client"
ok "PSK with QEMU's keys.psk; a wrong key refused, then a good link"

# A second peer while a link is up: a handshake of its own, then ERR_BUSY
# it can read; the link itself goes on.
seen=$(wc -l < "$tmp/gw.err")
"$CLIENT" --timeout 5000 --tls-creds "psk:$creds/psk-client" "$ADDR" 'sleep 3000' \
    'expect-read 0 0x10000 4 0x494c4353' bye > "$tmp/holder.out" 2>&1 &
holder=$!
wait_until 10 new_log_has "$seen" "link up" || fail "the holder did not link"
timeout 20 "$CLIENT" --timeout 5000 --tls-creds "psk:$creds/psk-client" "$ADDR" \
    'read 0 0x10000 4' bye > "$tmp/busy.out" 2>&1
expect_line "$tmp/busy.out" "ERR_BUSY"
wait "$holder" || fail "the link held during the refusal: $(cat "$tmp/holder.out")"
ok "a second TLS peer hears ERR_BUSY over TLS; the first link went on"

# While SystemC runs the models, TLS is done on the TLS thread: a DMA
# job (the dma model reads guest memory, then raises MSI-X vector 2)
# makes calls there, a link of MMIO reads alone none.
seen=$(wc -l < "$tmp/gw.err")
cat > "$tmp/dma.cmd" <<'CMDS'
mem-write 0x4000 de ad be ef
write 0 0x30000 4 0x4000
write 0 0x30008 4 0x0
write 0 0x30010 4 4
write 0 0x30014 4 0x110
wait-irq msix 2
expect-read 0 0x31000 4 0xefbeadde
bye
CMDS
"$CLIENT" --timeout 5000 --tls-creds "psk:$creds/psk-client" -f "$tmp/dma.cmd" "$ADDR" \
    > "$tmp/dma.out" 2>&1 || fail "DMA over TLS: $(cat "$tmp/dma.out")"
wait_until 10 new_log_has "$seen" "calls on the TLS thread" || fail "no TLS statistics"
calls=$(tail -n +"$((seen + 1))" "$tmp/gw.err" | sed -n 's/.*TLS: \([0-9]*\) calls on the TLS thread.*/\1/p')
[ "${calls:-0}" -gt 0 ] || fail "a DMA job over TLS made no calls on the TLS thread"
seen=$(wc -l < "$tmp/gw.err")
good reads-only --tls-creds "psk:$creds/psk-client"
wait_until 10 new_log_has "$seen" "calls on the TLS thread" || fail "no TLS statistics"
new_log_has "$seen" "TLS: 0 calls on the TLS thread while models ran" ||
    fail "MMIO reads alone made calls on the TLS thread: $(tail -n 12 "$tmp/gw.err")"
ok "a DMA job over TLS: $calls TLS calls made on the TLS thread; MMIO reads alone: none"
kill "$gw_pid"
wait "$gw_pid"

# --- a TLS peer at a plain gateway
start_gateway --serve
refused tls-at-plain "TLS handshake with $ADDR failed" \
    "the peer speaks TLS, and this gateway has no TLS credentials" \
    --tls-creds "x509:$creds/client"
good plain-after
kill "$gw_pid"
wait "$gw_pid"

# --- a key file others can read
chmod 0644 "$creds/server/server-key.pem"
"$GATEWAY" --tls-creds "x509:$creds/server" "$tmp/platform.yaml" > /dev/null 2> "$tmp/mode.err"
st=$?
[ $st -eq 2 ] || fail "a world-readable key: exit status $st, not 2: $(cat "$tmp/mode.err")"
expect_line "$tmp/mode.err" "TLS key file $creds/server/server-key.pem is readable by other users (mode 0644): chmod 600"
ok "a key file others can read is refused: $(cat "$tmp/mode.err")"
