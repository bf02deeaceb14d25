#!/bin/sh
# examples/protocol-bridge/bridge_plugin.cc, built at test time with
# Accellera's lt_target_extension_mandatory (libsystemc-doc,
# tests/gateway/accellera/lib.sh): a target with other protocol traits
# and a mandatory extension reaches the gateway through the bridge.  The
# target sees the extension on every access (its own log says so), data
# is read back, debug reads pass through, and the time the standard
# b-to-nb conversion of its socket waits inside b_transport (10 ns per
# write, 100 ns per read) is in the Responses' delay (rule F).  A window
# larger than the target's memory is refused when the platform is built.
. "${top_srcdir:-.}/tests/gateway/lib.sh"
. "$top_srcdir/tests/gateway/accellera/lib.sh"

accellera_plugin examples/protocol-bridge/bridge_plugin.cc "" \
    lt_extension_mandatory/src/lt_target_extension_mandatory.cpp \
    common/src/extension_initiator_id.cpp common/src/report.cpp
make_platform "unix:$tmp/gw.sock"
cp "$tmp/platform.yaml" "$tmp/base.yaml"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: xm
    type: extension-mandatory
    base: 0x40000
    size: 0x190
YAML
start_gateway --plugin "$PLUGIN"
cat > "$tmp/run.cmd" <<'CMDS'
write 0 0x40000 4 0x12345678
write 0 0x4018c 4 0x9abcdef0
expect-read 0 0x40000 4 0x12345678
expect-read 0 0x4018c 4 0x9abcdef0
dread 0 0x40000 4
bye
CMDS
# --offer-debug: the dread needs CAP_DEBUG (the device offers none).
client --offer-debug --trace -f "$tmp/run.cmd" || fail "the run failed"
expect_line "$tmp/client.out" "< Response id=1 ok delay=10000ps"
expect_line "$tmp/client.out" "< Response id=3 ok data=0x12345678 delay=100000ps"
expect_line "$tmp/client.out" "read bar=0 off=0x40000 len=4 -> ok data=0x12345678"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
[ "$(grep -c "Extension present, Data: sclink-gateway" "$tmp/gw.out")" -eq 4 ] ||
    fail "the target did not see the extension on each of the 4 accesses"
ok "a target with other protocol traits and a mandatory extension, through the bridge"

cp "$tmp/base.yaml" "$tmp/platform.yaml"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: xm
    type: extension-mandatory
    base: 0x40000
    size: 0x1000
YAML
"$GATEWAY" --check --plugin "$PLUGIN" "$tmp/platform.yaml" > "$tmp/gw.out" 2> "$tmp/gw.err"
status=$?
[ "$status" -eq 1 ] || fail "a window beyond the target's memory: status $status, want 1"
expect_line "$tmp/gw.err" "xm: size 4096 is beyond the target's 400 bytes"
ok "a window beyond the target's memory is refused"
