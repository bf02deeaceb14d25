#!/bin/sh
# `make install` installs everything a user runs: headers under
# <sclink/...>, the libraries and one .pc each (sclink: the C codec alone;
# sclink-router; sclink-gateway: the SystemC side), the programs, the
# sclink QEMU behind sclink-qemu, the runner and what it builds the guest
# from, the sample platforms, the docs and the man pages.  Install into a
# scratch DESTDIR and use it as a user would: build with pkg-config alone
# a C program with sclink (no SystemC, no libuv in its flags), the
# custom-main example and the example plugin (built on the installed model
# toolkit) with sclink-gateway; then boot guests with the installed
# sclink-run, QEMU and platforms alone (no SCLINK_QEMU, nothing of the
# source or build tree): the project's guest test, and examples/pci-driver
# (its model built against the installed headers, its driver against the
# pinned kernel's).
. "${top_srcdir:-.}/tests/gateway/lib.sh"
# shellcheck source=tests/common/pci-driver.sh
. "$top_srcdir/tests/common/pci-driver.sh"
# The runs below are in directories of their own.
top_srcdir=$(cd "$top_srcdir" && pwd)

# The QEMU the e2e tests run (built or cached by scripts/build-qemu; in CI
# they built it earlier in the same make check), installed by naming it:
# configure ran before it was built.
if [ -n "${SCLINK_QEMU:-}" ]; then
    qemu=$SCLINK_QEMU
else
    qemu=$("$top_srcdir/scripts/build-qemu" --print-path 2>"$tmp/build-qemu.err") ||
        fail "cannot build QEMU: $(tail -n 5 "$tmp/build-qemu.err")"
    # What configure's --with-qemu default finds, without building.
    cached=$("$top_srcdir/scripts/build-qemu" --cached 2>&1)
    [ "$cached" = "$qemu" ] || fail "build-qemu --cached gave '$cached', not $qemu"
fi

dest=$tmp/root
${MAKE:-make} -C "$top_builddir" install DESTDIR="$dest" SCLINK_QEMU_BIN="$qemu" \
    > "$tmp/install.log" 2>&1 || fail "make install: $(tail -n 5 "$tmp/install.log")"
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
LD_LIBRARY_PATH="$dest$prefix/lib" "$tmp/custom-main" "$top_srcdir/examples/custom-main/platform.yaml" \
    "$ADDR" > "$tmp/gw.out" 2> "$tmp/gw.err" &
gw_pid=$!
client --connect-timeout 5000 'expect-read 0 0x0 4 0x53434c4b' 'write 0 0x1000 4 7' \
    'expect-read 0 0x1000 4 7' 'bye' ||
    fail "client against the installed build"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "exit status $gw_status"
ok "the installed build serves a link: the platform loader's id model and the program's accumulator"

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
# the source tree's layout; the installed runner finds them beside itself.
run=$dest$prefix/bin/sclink-run
[ -x "$run" ] || fail "sclink-run not installed"
for f in guest/build-initramfs scripts/install-deps; do
    [ -x "$dest$prefix/share/sclink/$f" ] || fail "$f not installed (executable) under share/sclink"
done
for f in guest/init guest/kernel-version guest/sclink-guest-test.c scripts/lib.sh; do
    [ -f "$dest$prefix/share/sclink/$f" ] || fail "$f not installed under share/sclink"
done
"$run" --help | grep -q "^usage: sclink-run " || fail "the installed sclink-run --help"
ok "sclink-run and the guest's build installed under share/sclink"

# The QEMU at a stable path, a copy of the one named, and the wrapper that
# runs it with the firmware directories.
cmp -s "$qemu" "$dest$prefix/libexec/sclink/qemu-system-x86_64" ||
    fail "$qemu not installed as libexec/sclink/qemu-system-x86_64"
wrapper=$dest$prefix/bin/sclink-qemu
[ -x "$wrapper" ] || fail "sclink-qemu not installed"
"$wrapper" -device sclink-pci,help > "$tmp/props.out" 2>&1 &&
    grep -q '^  socket=' "$tmp/props.out" || fail "the installed sclink-qemu: $(head -n 5 "$tmp/props.out")"
ok "QEMU installed as libexec/sclink/qemu-system-x86_64, run by bin/sclink-qemu"
# Without a QEMU, nothing of it, and a line that says so.
${MAKE:-make} -C "$top_builddir" install-sclink-qemu install-sclink-qemu-man \
    DESTDIR="$tmp/noqemu" SCLINK_QEMU_BIN= > "$tmp/noqemu.log" 2>&1 ||
    fail "make install without a QEMU: $(tail -n 5 "$tmp/noqemu.log")"
grep -q "no QEMU installed" "$tmp/noqemu.log" && [ ! -e "$tmp/noqemu" ] ||
    fail "make install without a QEMU: $(cat "$tmp/noqemu.log"; find "$tmp/noqemu" 2>/dev/null)"
ok "with no QEMU, make install says so and installs nothing of it"

# The docs, the man pages and the sample platforms.
for f in "$top_srcdir"/doc/*.md README.md; do
    [ -f "$dest$prefix/share/doc/sclink/${f##*/}" ] || fail "${f##*/} not installed under share/doc/sclink"
done
for p in sclink-gateway sclink-client sclink-run sclink-qemu; do
    [ -f "$dest$prefix/share/man/man1/$p.1" ] || fail "man page $p.1 not installed"
done
platforms=$dest$prefix/share/sclink/platforms
for p in demo-platform msi-platform msix-platform pci-driver; do
    [ -f "$platforms/$p.yaml" ] || fail "platform $p.yaml not installed under share/sclink/platforms"
done
ok "docs under share/doc/sclink, man pages, platforms under share/sclink/platforms"

# installed_run DIR ARG...: the installed sclink-run in DIR, with nothing
# but the DESTDIR: no SCLINK_QEMU or SCLINK_GATEWAY, the libraries from
# the DESTDIR (their run path is the prefix's), and a PATH without the
# build tree.  Its output in DIR/run.out, its status in rc.
installed_run() {
    (cd "$1" && shift && env -u SCLINK_QEMU -u SCLINK_GATEWAY PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        LD_LIBRARY_PATH="$dest$prefix/lib" "$run" --timeout "${E2E_TIMEOUT:-240}" "$@") \
        > "$1/run.out" 2>&1
    rc=$?
}

# The project's guest test on the installed demo platform (its UART reads
# uart-in.txt from the working directory, text fixed in
# guest/sclink-guest-test.c), under --icount: its timer check bounds each
# interrupt's latency, which only virtual time keeps (tests/e2e/lib.sh,
# IRQ_SLACK_US).
mkdir "$tmp/demo"
echo "sclink uart rx 0123456789" > "$tmp/demo/uart-in.txt"
installed_run "$tmp/demo" --icount "$platforms/demo-platform.yaml"
[ "$rc" -eq 0 ] && grep -q '^SCLINK-GUEST: PASS' "$tmp/demo/run.out" ||
    fail "the installed sclink-run on demo-platform.yaml gave $rc: $(grep '^FAIL' "$tmp/demo/run.out"; tail -n 20 "$tmp/demo/run.out")"
ok "the installed sclink-run, sclink-qemu and demo-platform.yaml: the guest test passes"
# An installed sclink-run with no sclink-qemu beside it says so (and does
# not look for a source tree).
mkdir -p "$tmp/bare/bin"
cp "$run" "$tmp/bare/bin/"
env -u SCLINK_QEMU "$tmp/bare/bin/sclink-run" "$platforms/demo-platform.yaml" > "$tmp/bare/run.out" 2>&1
rc=$?
[ "$rc" -eq 125 ] && grep -q "^sclink-run: no QEMU: .*/sclink-qemu is not installed" "$tmp/bare/run.out" ||
    fail "sclink-run without sclink-qemu beside it gave $rc: $(cat "$tmp/bare/run.out")"
ok "sclink-run without an installed sclink-qemu: status 125 and why"

# examples/pci-driver: the model built as a plugin against the installed
# headers, the driver against the pinned kernel's, on the installed
# pci-driver.yaml.
mkdir "$tmp/crc"
# shellcheck disable=SC2046 # flags are separate words
${CXX:-g++} -fPIC -shared $(pc --cflags sclink-gateway) -o "$tmp/crc/libcrc32.so" \
    "$top_srcdir/examples/pci-driver/crc32_model.cc" > "$tmp/build.log" 2>&1 ||
    fail "the CRC-32 model against the installed headers: $(head -n 20 "$tmp/build.log")"
build_pci_driver "$tmp/crc/kmod"
installed_run "$tmp/crc" --plugin "$tmp/crc/libcrc32.so" --module "$tmp/crc/kmod/crc32dev.ko" \
    --add "$tmp/crc/kmod/crc32-check" --add "$top_srcdir/examples/pci-driver/crc32-test.sh:/bin/crc32-test" \
    --run "/bin/crc32-test --irq msi" "$platforms/pci-driver.yaml"
[ "$rc" -eq 0 ] && grep -q '^CRC32-TEST: PASS' "$tmp/crc/run.out" ||
    fail "the installed sclink-run on pci-driver.yaml gave $rc: $(grep '^FAIL' "$tmp/crc/run.out"; tail -n 20 "$tmp/crc/run.out")"
ok "examples/pci-driver from the installed files: crc32dev.ko and its model pass in the guest"
