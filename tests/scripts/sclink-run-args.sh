#!/bin/sh
# tools/sclink-run refuses bad command lines with status 2, its reason and
# a pointer to --help, before it builds or starts anything; --help prints
# the usage and exits 0.  (tests/e2e/pci-driver.sh runs it for real.)
set -u
top=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
run=$top/tools/sclink-run
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sclink-run-args.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
: >"$tmp/p.yaml"

# refused REASON ARGS...: sclink-run ARGS exits 2 saying REASON (a grep
# pattern) on stderr, with nothing on stdout.
refused() {
    want=$1
    shift
    # No QEMU or gateway may be reached: both point at nothing.
    SCLINK_QEMU=/nonexistent SCLINK_GATEWAY=/nonexistent "$run" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -q "^sclink-run: .*$want" "$tmp/err" &&
        grep -q "^Try 'sclink-run --help'" "$tmp/err" && [ ! -s "$tmp/out" ]; then
        echo "PASS: refused: $*"
    else
        echo "FAIL: sclink-run $* gave status $rc, stderr: $(cat "$tmp/err")"
        failed=1
    fi
}
refused "unknown option --bogus" --bogus "$tmp/p.yaml"
refused "no PLATFORM" --run true
refused "no platform file" /nonexistent/p.yaml
refused "one platform only" "$tmp/p.yaml" "$tmp/p.yaml"
refused "option --kernel needs an argument" "$tmp/p.yaml" --kernel
refused "no PLATFORM" --connect unix:/x "$tmp/p.yaml"
refused "not unix:PATH or tcp:HOST:PORT" --connect /x
refused "not with --connect" --connect unix:/x --plugin a.so
refused "no --add or --module with it" --initrd i.gz --add f "$tmp/p.yaml"
refused "not a .ko file" --module f.o "$tmp/p.yaml"
refused "cannot carry a comma" --run "a b,c" "$tmp/p.yaml"
refused "not a number: '2x'" --smp 2x "$tmp/p.yaml"
refused "not a number: ''" --memory "" "$tmp/p.yaml"
refused "at least 1" --timeout 0 "$tmp/p.yaml"

"$run" --help >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "^usage: sclink-run " "$tmp/out" && [ ! -s "$tmp/err" ]; then
    echo "PASS: --help"
else
    echo "FAIL: --help gave status $rc"
    failed=1
fi

# The QEMU it cannot find is a failure of the run (125), not of the guest.
SCLINK_QEMU=/nonexistent "$run" "$tmp/p.yaml" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 125 ] && grep -q "^sclink-run: QEMU /nonexistent is not an executable" "$tmp/err"; then
    echo "PASS: a missing QEMU is status 125"
else
    echo "FAIL: a missing QEMU gave status $rc, stderr: $(cat "$tmp/err")"
    failed=1
fi
exit $failed
