#!/bin/sh
# Who can reach a gateway's socket (doc/gateway.md, "Who can connect"):
# the Unix socket is 0600 whatever the umask, 0660 for an explicit
# socket_group; the default path is in a directory of the user's own; a
# live gateway's socket is never taken over, a dead one's is; a gateway
# removes only the socket it made; a listener others may reach is warned
# about at start and on every link.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

# mode PATH: the permission bits, in octal.
mode() {
    stat -c %a "$1"
}

# run_gw NAME OPTIONS...: a gateway on $tmp/platform.yaml, logging to
# $tmp/NAME.err, its pid in $pid once it listens.
run_gw() {
    name=$1
    shift
    "$GATEWAY" --serve "$@" "$tmp/platform.yaml" > /dev/null 2> "$tmp/$name.err" &
    pid=$!
    wait_until 30 listens_or_exited "$tmp/$name.err" "$pid" || fail "$name does not listen"
    grep -q "listening on" "$tmp/$name.err" || fail "$name exited: $(cat "$tmp/$name.err")"
}
listens_or_exited() {
    log_has "$1" "listening on" || exited "$2"
}

# stop_gw PID: SIGTERM, wait for it.
stop_gw() {
    kill -TERM "$1"
    wait "$1"
}

# answers ADDR: a clean link reads the ROM's first word.
answers() {
    "$CLIENT" --timeout 5000 "$1" 'expect-read 0 0x10000 4 0x494c4353' bye \
        > "$tmp/client.out" 2>&1
}

# --- 0600 whatever the umask, in a directory made 0700
make_platform "unix:$tmp/priv/gw.sock"
old_umask=$(umask)
umask 000
run_gw a
a=$pid
umask "$old_umask"
trap 'kill "$a" "${b:-}" 2>/dev/null; cleanup' EXIT
[ "$(mode "$tmp/priv/gw.sock")" = 600 ] ||
    fail "socket mode $(mode "$tmp/priv/gw.sock") under umask 000, want 600"
[ "$(mode "$tmp/priv")" = 700 ] || fail "socket directory mode $(mode "$tmp/priv"), want 700"
ok "socket 0600 and its new directory 0700 under umask 000"

# --- a live gateway's socket is not taken over
if "$GATEWAY" "$tmp/platform.yaml" > /dev/null 2> "$tmp/b.err"; then
    fail "a second gateway started on a live socket"
else
    status=$?
fi
[ "$status" = 2 ] || fail "second gateway exited $status, want 2 (cannot listen)"
expect_line "$tmp/b.err" "another gateway is listening there"
answers "unix:$tmp/priv/gw.sock" || fail "the first gateway no longer answers"
# The lock, not the socket file, says the path is taken.
rm "$tmp/priv/gw.sock"
"$GATEWAY" "$tmp/platform.yaml" > /dev/null 2> "$tmp/b.err" &&
    fail "a second gateway started while the first holds the path"
expect_line "$tmp/b.err" "another gateway is listening there"
ok "a second gateway refuses a live gateway's path, socket file or not"

# --- a gateway removes only the socket it made
rm "$tmp/priv/gw.sock.lock"
run_gw b
b=$pid
stop_gw "$a"
[ -S "$tmp/priv/gw.sock" ] || fail "the first gateway's exit removed the second's socket"
[ -f "$tmp/priv/gw.sock.lock" ] || fail "the first gateway's exit removed the second's lock"
answers "unix:$tmp/priv/gw.sock" || fail "the second gateway does not answer"
ok "a gateway that exits leaves a socket it did not make"

# --- a dead gateway's socket is taken over
kill -KILL "$b"
wait "$b" 2>/dev/null
[ -S "$tmp/priv/gw.sock" ] || fail "SIGKILL left no socket file to test with"
run_gw c
answers "unix:$tmp/priv/gw.sock" || fail "the gateway on a stale socket does not answer"
stop_gw "$pid"
[ -e "$tmp/priv/gw.sock" ] && fail "the gateway left its socket behind at exit"
[ -e "$tmp/priv/gw.sock.lock" ] && fail "the gateway left its lock behind at exit"
ok "a stale socket is replaced, and removed at exit"

# --- socket_group: 0660 for that group
# A group other than root's own, so that the chown shows.
group=$(getent group daemon > /dev/null && echo daemon || id -gn)
sed -i "s|^listen: .*|listen: unix:$tmp/grp.sock\nsocket_group: $group|" "$tmp/platform.yaml"
run_gw g
[ "$(mode "$tmp/grp.sock")" = 660 ] || fail "socket_group: mode $(mode "$tmp/grp.sock"), want 660"
[ "$(stat -c %G "$tmp/grp.sock")" = "$group" ] || fail "socket_group: group not $group"
stop_gw "$pid"
if "$GATEWAY" --socket-group no-such-group-sclink "$tmp/platform.yaml" > /dev/null \
    2> "$tmp/nog.err"; then
    fail "an unknown socket group was accepted"
fi
expect_line "$tmp/nog.err" "no-such-group-sclink': no such group"
ok "socket_group $group makes the socket 0660; an unknown group is refused"

# --- the default path: $XDG_RUNTIME_DIR/sclink/sclink.sock
sed -i -e '/^listen:/d' -e '/^socket_group:/d' "$tmp/platform.yaml"
mkdir -m 700 "$tmp/xdg"
XDG_RUNTIME_DIR=$tmp/xdg run_gw d
expect_line "$tmp/d.err" "listening on unix:$tmp/xdg/sclink/sclink.sock"
[ "$(mode "$tmp/xdg/sclink")" = 700 ] || fail "default directory mode $(mode "$tmp/xdg/sclink")"
answers "unix:$tmp/xdg/sclink/sclink.sock" || fail "the default socket does not answer"
stop_gw "$pid"
ok "without listen, the socket is \$XDG_RUNTIME_DIR/sclink/sclink.sock"

# --- a socket directory that belongs to another user is refused
if [ "$(id -u)" = 0 ]; then
    mkdir -p "$tmp/xdg2/sclink"
    chown nobody "$tmp/xdg2/sclink"
    if XDG_RUNTIME_DIR=$tmp/xdg2 "$GATEWAY" "$tmp/platform.yaml" > /dev/null 2> "$tmp/sq.err"
    then
        fail "a gateway listened in another user's directory"
    fi
    expect_line "$tmp/sq.err" "belongs to user $(id -u nobody), who could replace the socket"
    ok "a socket directory owned by another user is refused"
else
    echo "not run (needs root to make a directory of another user's): squatted directory"
fi

# --- warnings: a directory others can write, a non-loopback TCP address
mkdir -m 1777 "$tmp/pub"
run_gw pub --listen "unix:$tmp/pub/gw.sock"
answers "unix:$tmp/pub/gw.sock" || fail "the gateway in a shared directory does not answer"
stop_gw "$pid"
[ "$(grep -c "WARNING: the socket's directory $tmp/pub is writable by other users" \
    "$tmp/pub.err")" = 2 ] || fail "want the warning at start and on the link: $(cat "$tmp/pub.err")"
# Plain TCP off loopback is refused (doc/remote.md), unless --insecure-tcp,
# which warns at start and on every link.
"$GATEWAY" --listen tcp:0.0.0.0:0 "$tmp/platform.yaml" > /dev/null 2> "$tmp/refused.err"
st=$?
[ $st -eq 2 ] || fail "plain tcp:0.0.0.0 exited $st, not 2: $(cat "$tmp/refused.err")"
expect_line "$tmp/refused.err" "cannot listen on 0.0.0.0: it is not a loopback address, and plain TCP is only for loopback; give the gateway TLS credentials"
run_gw any --listen tcp:0.0.0.0:0 --insecure-tcp
port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$tmp/any.err")
answers "tcp:127.0.0.1:$port" || fail "the --insecure-tcp gateway does not answer"
answers "tcp:127.0.0.1:$port" || fail "the --insecure-tcp gateway does not answer twice"
stop_gw "$pid"
[ "$(grep -c "WARNING: 0.0.0.0 is not a loopback address: .*(--insecure-tcp)" "$tmp/any.err")" = 3 ] ||
    fail "want the warning at start and on both links: $(cat "$tmp/any.err")"
run_gw lo --listen tcp:127.0.0.1:0
stop_gw "$pid"
grep -q WARNING "$tmp/lo.err" && fail "a warning for a loopback address: $(cat "$tmp/lo.err")"
ok "warned for a shared directory and 0.0.0.0 with --insecure-tcp (refused without), not for 127.0.0.1"
