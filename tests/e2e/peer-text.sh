#!/bin/sh
# Text a gateway sends reaches QEMU's log escaped (sclink_log_text): a
# Bye's message, an Error's during the run, and the Error that refuses
# the link at the handshake.  The text holds an ANSI colour escape, a
# newline followed by a line that looks like QEMU's own, a carriage
# return, a bell, quotes, a backslash and UTF-8; the log must show every
# one of them as an escape and never as the byte itself.
# Needs no real gateway (tests/e2e/fuzz-gateway --text stands in).
SCLINK_GATEWAY=${SCLINK_GATEWAY:-/bin/true}
. "$(dirname "$0")/lib.sh"

[ -x "$E2E_TOOLS/fuzz-gateway" ] || fail "no $E2E_TOOLS/fuzz-gateway (make check builds it)"
# What peer_text (tests/e2e/fuzz-plan.c) becomes.
want=$(cat <<'EOF'
\x1b[31mred\x1b[0m\x0aqemu-system-x86_64: fake line\x0d\x07 \'q\' \"dq\" \\ \xc3\xa9
EOF
)
esc=$(printf '\033')
cr=$(printf '\r')

for kind in bye error refuse; do
    "$E2E_TOOLS/fuzz-gateway" --text "$kind" "unix:$tmp/gw-$kind.sock" >"$tmp/gw-$kind.log" 2>&1 &
    pids="$pids $!"
    wait_listening "$tmp/gw-$kind.log" || fail "$kind: the fuzz gateway did not start"
    log=$tmp/qemu-$kind.log
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    run_qemu "$log" $(link_chardev "unix:$tmp/gw-$kind.sock" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "unix:$tmp/gw-$kind.sock" sc0),on-failure=exit,timeout=3000"
    rc=$?
    case $kind in
    bye) line="gateway said Bye (done: $want); shutting down" want_rc=0 ;;
    error) line="gateway sent Error 9: $want" want_rc=1 ;;
    refuse) line="the gateway refused the link: error 9: $want" want_rc=1 ;;
    esac
    [ "$rc" -eq "$want_rc" ] || { show_failure "$log"; fail "$kind: QEMU exited with $rc, want $want_rc"; }
    grep -qF -- "$line" "$log" || { show_failure "$log"; fail "$kind: no line '$line'"; }
    # SeaBIOS clears the screen with escapes of its own: look at QEMU's lines.
    grep "sclink-pci" "$log" | grep -q "$esc\|$cr" && fail "$kind: a raw escape or CR in QEMU's lines"
    grep -q "^qemu-system-x86_64: fake line" "$log" && fail "$kind: the gateway's text started a line of its own"
    printf "%s: %s\n" "$kind" "$(grep -F -- "$line" "$log" | head -n 1)"
done
pass
