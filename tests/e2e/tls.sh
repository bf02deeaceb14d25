#!/bin/sh
# The guest over TLS to a "remote" gateway (its own network namespace,
# 1 ms each way; lib.sh's remote_gateway): QEMU's socket chardev with
# tls-creds= and the device on it, first X.509 with mutual authentication
# (the gateway requires a client certificate of its CA and allows one
# DN), then PSK (QEMU's keys.psk), then X.509 on the device's own socket
# (socket=...,tls-creds=).  Credentials are made here with
# certtool and psktool (tests/common/make-tls-creds).  Then a QEMU whose
# certificate the gateway does not allow: realize fails with the
# gateway's reason, and the gateway says it too.
. "$(dirname "$0")/lib.sh"

command -v certtool >/dev/null || fail "no certtool (gnutls-bin, scripts/install-deps)"
"$QEMU" -object help 2>/dev/null | grep -q tls-creds-x509 ||
    fail "this QEMU has no TLS (tls-creds-x509): scripts/build-qemu builds it with GnuTLS"
creds=$tmp/creds
"$top_srcdir/tests/common/make-tls-creds" "$creds" >"$tmp/creds.log" 2>&1 ||
    fail "cannot make the credentials: $(cat "$tmp/creds.log")"
DN=O=sclink-test,CN=qemu1

# boot LOG OBJECT: the guest test over a TLS chardev to the relay.
boot() {
    run_qemu "$1" -object "$2" \
        -chardev "socket,id=sc0,host=127.0.0.1,port=$relay_port,nodelay=on,tls-creds=tls0" \
        -device "sclink-pci,id=sclink0,chardev=sc0,on-failure=exit,timeout=30000"
}
# boot_socket LOG OBJECT: the same over the device's own socket.
boot_socket() {
    run_qemu "$1" -object "$2" \
        -device "sclink-pci,id=sclink0,socket=tcp:127.0.0.1:$relay_port,tls-creds=tls0,on-failure=exit,timeout=30000"
}
# passed NAME LOG: the guest passed, QEMU and the gateway exited 0.
passed() {
    rc=$?
    guest_passed "$2" || { show_failure "$2"; fail "$1: guest checks failed"; }
    [ "$rc" -eq 0 ] || fail "$1: QEMU exited with $rc"
    wait "$gw_pid" || { show_failure "$tmp/$1.log"; fail "$1: gateway did not exit 0"; }
}

remote_gateway x509 --tls-creds "x509:$creds/server" --tls-allow "$DN"
grep -q "with TLS X.509 ($creds/server)" "$tmp/x509.log" || fail "x509: no TLS in the listen line"
boot "$tmp/qemu-x509.log" "tls-creds-x509,id=tls0,dir=$creds/client,endpoint=client,verify-peer=on"
passed x509 "$tmp/qemu-x509.log"
grep -q "over TLS X.509 ($creds/server), peer $DN" "$tmp/x509.log" ||
    fail "x509: the link-up line does not name the peer: $(grep 'link up' "$tmp/x509.log")"
remote_end

remote_gateway psk --tls-creds "psk:$creds/psk-server"
boot "$tmp/qemu-psk.log" "tls-creds-psk,id=tls0,dir=$creds/psk-client,username=qemu,endpoint=client"
passed psk "$tmp/qemu-psk.log"
grep -q "over TLS PSK ($creds/psk-server), peer psk user qemu" "$tmp/psk.log" ||
    fail "psk: the link-up line does not name the peer: $(grep 'link up' "$tmp/psk.log")"
remote_end

remote_gateway socket --tls-creds "x509:$creds/server" --tls-allow "$DN"
boot_socket "$tmp/qemu-socket.log" "tls-creds-x509,id=tls0,dir=$creds/client,endpoint=client,verify-peer=on"
passed socket "$tmp/qemu-socket.log"
grep -q "linked to gateway on socket 'tcp:127.0.0.1:$relay_port'" "$tmp/qemu-socket.log" ||
    fail "socket: not linked over socket="
grep -q "over TLS X.509 ($creds/server), peer $DN" "$tmp/socket.log" ||
    fail "socket: the link-up line does not name the peer: $(grep 'link up' "$tmp/socket.log")"
remote_end

# Refused: another client of the CA, whose DN is not on the list.
remote_gateway refused --tls-creds "x509:$creds/server" --tls-allow "$DN"
boot "$tmp/qemu-refused.log" "tls-creds-x509,id=tls0,dir=$creds/client-other,endpoint=client,verify-peer=on"
rc=$?
[ "$rc" -eq 1 ] || { show_failure "$tmp/qemu-refused.log"; fail "refused: QEMU exited $rc, not 1"; }
# QEMU escapes the quotes of what the gateway said (sclink_log_text).
grep -q "the gateway refused the link: .*TLS: the client.*O=sclink-test,CN=qemu2.* is not on this gateway.*allow list" \
    "$tmp/qemu-refused.log" || { show_failure "$tmp/qemu-refused.log"; fail "refused: QEMU does not say why"; }
grep -q "TLS: the client's certificate 'O=sclink-test,CN=qemu2' is not on this gateway's allow list" \
    "$tmp/refused.log" || fail "refused: the gateway does not say why: $(cat "$tmp/refused.log")"
pass "X.509 both ways (chardev= and socket=) and PSK, to a gateway in netns $remote_ns, ${DELAY_MS:-1} ms each way; a DN off the list refused on both sides"
