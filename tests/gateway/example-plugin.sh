#!/bin/sh
# examples/plugin: --plugin loads a model type a platform file then uses;
# a missing plugin or an unknown type is a clear configuration error.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

plugin=$top_builddir/examples/plugin/.libs/libsclink-counter.so
make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - name: events
    type: counter
    base: 0x40000
    size: 0x100
    irq: 3
    params:
      start: "40"
      threshold: "42"
YAML

"$GATEWAY" "$tmp/platform.yaml" > "$tmp/out" 2>&1
[ $? -eq 1 ] || fail "unknown model type did not exit 1"
grep -q "platform.yaml:4[0-9]: devices\[6\] (events): type: unknown model type 'counter'" "$tmp/out" ||
    fail "unknown type message: $(cat "$tmp/out")"
ok "unknown type: $(cat "$tmp/out")"

"$GATEWAY" --plugin "$tmp/nonexistent.so" "$tmp/platform.yaml" > "$tmp/out" 2>&1
[ $? -eq 1 ] || fail "missing plugin did not exit 1"
grep -q "cannot load plugin" "$tmp/out" || fail "missing plugin message: $(cat "$tmp/out")"
ok "missing plugin: $(cat "$tmp/out")"

start_gateway --plugin "$plugin"
expect_line "$tmp/gw.out" "events"
client 'expect-read 0 0x40000 4 40' 'write 0 0x40000 4 1' 'write 0 0x40000 4 1' \
    'wait-irq msix 3' 'expect-read 0 0x40000 4 42' 'write 0 0x40004 4 1' 'bye' ||
    fail "client against the plugin's model"
ok "plugin model counted to its threshold and interrupted"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
