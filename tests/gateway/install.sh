#!/bin/sh
# `make install` gives a user what the libraries need: headers under
# <sclink/...>, the libraries and one .pc each (sclink: the C codec alone;
# sclink-router; sclink-gateway: the SystemC side).  Install into a
# scratch DESTDIR and build against it with pkg-config alone, as a user
# would: a C program with sclink (no SystemC, no libuv in its flags), the
# custom-main example and the example plugin (built on the installed model
# toolkit) with sclink-gateway.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

dest=$tmp/root
${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" > "$tmp/install.log" 2>&1 ||
    fail "make install: $(tail -n 5 "$tmp/install.log")"
prefix=$(sed -n 's/^prefix=//p' "$top_builddir/sclink.pc")
pcdir=$(find "$dest" -name sclink.pc -printf '%h\n' | head -n 1)
[ -n "$pcdir" ] || fail "sclink.pc not installed"
for pc in sclink-router sclink-gateway; do
    [ -f "$pcdir/$pc.pc" ] || fail "$pc.pc not installed"
done
for h in sclink.h sclink.pb-c.h gateway.h model.h at-adapter.h regblock.h bus.h router.h \
    sclink_router.h; do
    [ -f "$dest$prefix/include/sclink/$h" ] || fail "header $h not installed"
done
ok "headers, libraries, sclink.pc, sclink-router.pc and sclink-gateway.pc installed"

# pc [ARGS]: pkg-config against the DESTDIR's .pc files.
pc() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$dest$prefix" "$@"; }

cflags=$(pc --cflags --libs sclink) || fail "pkg-config sclink"
case $cflags in
*systemc* | *-luv* | *-std=*) fail "pkg-config sclink drags the SystemC side in: $cflags" ;;
esac
cat > "$tmp/codec.c" <<'C'
#include <stdio.h>
#include <sclink/sclink.h>
int main(void) { puts(sclink_strerror(SCLINK_ERANGE)); return 0; }
C
# shellcheck disable=SC2086 # flags are separate words
${CC:-cc} -o "$tmp/codec" "$tmp/codec.c" $cflags -Wl,-rpath,"$dest$prefix/lib" \
    > "$tmp/build.log" 2>&1 || fail "a C program with pkg-config sclink: $(head -n 20 "$tmp/build.log")"
"$tmp/codec" > "$tmp/codec.out" && [ -s "$tmp/codec.out" ] || fail "the C program did not run"
ok "a C program builds with \$(pkg-config --cflags --libs sclink) alone: $cflags"

# doc/router.md's include, with the router's own .pc.
printf '#include <sclink/router.h>\nint main() { return sizeof(sclink::Router) > 0 ? 0 : 1; }\n' > "$tmp/router.cc"
# shellcheck disable=SC2046 # flags are separate words
${CXX:-g++} -c -o "$tmp/router.o" "$tmp/router.cc" $(pc --cflags sclink-router) \
    > "$tmp/build.log" 2>&1 ||
    fail "#include <sclink/router.h> with pkg-config sclink-router: $(head -n 20 "$tmp/build.log")"
ok "#include <sclink/router.h> compiles with \$(pkg-config --cflags sclink-router)"

flags=$(pc --cflags --libs sclink-gateway) || fail "pkg-config sclink-gateway"
# shellcheck disable=SC2086 # flags are separate words
${CXX:-g++} -o "$tmp/custom-main" "$top_srcdir/examples/custom-main/custom_main.cc" $flags \
    -Wl,-rpath,"$dest$prefix/lib" -Wl,-rpath-link,"$dest$prefix/lib" \
    > "$tmp/build.log" 2>&1 ||
    fail "building against the installed library: $(head -n 20 "$tmp/build.log")"
ok "custom_main.cc builds with \$(pkg-config --cflags --libs sclink-gateway)"

ADDR="unix:$tmp/inst.sock"
LD_LIBRARY_PATH="$dest$prefix/lib" "$tmp/custom-main" "$ADDR" > "$tmp/gw.out" 2> "$tmp/gw.err" &
gw_pid=$!
client --connect-timeout 5000 'write 0 0x0 4 7' 'expect-read 0 0x0 4 7' 'bye' ||
    fail "client against the installed build"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "exit status $gw_status"
ok "the installed build serves a link"

# The plugin build command of doc/gateway.md ("Plugins"), against the
# installed headers, loaded by the installed gateway.  The plugin is a
# sclink::RegBlock: the model toolkit's <sclink/regblock.h> and
# <sclink/bus.h> must come from the install (-H lists what was included),
# and their code from the installed library.
cflags=$(pc --cflags sclink-gateway) || fail "pkg-config --cflags sclink-gateway"
# shellcheck disable=SC2086 # flags are separate words
${CXX:-g++} -H -fPIC -shared $cflags -o "$tmp/libsclink-counter.so" \
    "$top_srcdir/examples/plugin/counter_plugin.cc" > "$tmp/build.log" 2>&1 ||
    fail "building the example plugin as doc/gateway.md says: $(grep -v '^\.' "$tmp/build.log" | head -n 20)"
for h in regblock.h bus.h model.h; do
    grep -q "^\.* $dest$prefix/include/sclink/$h\$" "$tmp/build.log" ||
        fail "the plugin did not include the installed <sclink/$h>: $(grep "sclink/" "$tmp/build.log")"
done
ok "the example plugin includes the installed toolkit headers <sclink/regblock.h> and <sclink/bus.h>"
make_platform "unix:$tmp/gw.sock"
cat >> "$tmp/platform.yaml" <<'YAML'
  - {name: events, type: counter, base: 0x40000, size: 0x100, params: {start: "40", threshold: "42"}}
YAML
LD_LIBRARY_PATH="$dest$prefix/lib" "$dest$prefix/bin/sclink-gateway" --check \
    --plugin "$tmp/libsclink-counter.so" "$tmp/platform.yaml" > "$tmp/check.out" 2>&1 ||
    fail "the installed gateway with the plugin: $(cat "$tmp/check.out")"
grep -q "events" "$tmp/check.out" || fail "the plugin's device is not in the map: $(cat "$tmp/check.out")"
ok "the example plugin builds with \$(pkg-config --cflags sclink-gateway) and the installed gateway loads it"

# sclink-run, and what it needs to build the guest, under $(pkgdatadir) in
# the source tree's layout; the installed runner finds them beside itself
# (not the source tree: with no QEMU given, it says so instead of building
# one with scripts/build-qemu, which is not installed).
run=$dest$prefix/bin/sclink-run
[ -x "$run" ] || fail "sclink-run not installed"
for f in guest/build-initramfs scripts/install-deps; do
    [ -x "$dest$prefix/share/sclink/$f" ] || fail "$f not installed (executable) under share/sclink"
done
for f in guest/init guest/kernel-version guest/sclink-guest-test.c scripts/lib.sh; do
    [ -f "$dest$prefix/share/sclink/$f" ] || fail "$f not installed under share/sclink"
done
"$run" --help | grep -q "^usage: sclink-run " || fail "the installed sclink-run --help"
env -u SCLINK_QEMU "$run" "$tmp/platform.yaml" > "$tmp/run.out" 2>&1
rc=$?
[ "$rc" -eq 125 ] && grep -q "^sclink-run: no QEMU: give --qemu" "$tmp/run.out" ||
    fail "the installed sclink-run without a QEMU gave $rc: $(cat "$tmp/run.out")"
ok "sclink-run and the guest's build installed under share/sclink"
