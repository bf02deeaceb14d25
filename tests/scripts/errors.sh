#!/bin/sh
# No silent exit from the build scripts (scripts/lib.sh): under dash with
# set -eu, a failure nobody checks, even inside a command substitution,
# ends the script with an error line naming the step; die says its reason
# once; success says nothing.  Then the real scripts on bad input.
set -u
top=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sclink-script-errors.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

# run NAME BODY: runs BODY under dash with lib.sh sourced; sets rc, err.
run() {
    printf 'set -eu\nprog=t\n. "%s/scripts/lib.sh"\n%s\n' "$top" "$2" >"$tmp/$1.sh"
    dash "$tmp/$1.sh" >"$tmp/$1.out" 2>"$tmp/$1.err"
    rc=$?
    err=$(cat "$tmp/$1.err")
}
check() {
    if eval "$2"; then
        echo "PASS: $1"
    else
        echo "FAIL: $1 (status $rc, stderr: $err)"
        failed=1
    fi
}

# The bug that shipped: a failing command in an assignment's substitution.
run subst 'step "reading pythondeps.toml"
f() { need=$(sed -n p /nonexistent/pythondeps.toml 2>/dev/null); echo "$need"; }
x=$(f)
echo "not reached $x"'
check "a failing command substitution names its step" \
    '[ "$rc" -ne 0 ] && echo "$err" | grep -q "^t: error: failed while reading pythondeps.toml (exit status [0-9]*)" && ! grep -q "not reached" "$tmp/subst.out"'

run unchecked 'doing "copying the tree"
false
echo "not reached"'
check "an unchecked failure names its step" \
    '[ "$rc" -ne 0 ] && echo "$err" | grep -q "^t: error: failed while copying the tree"'

run die 'doing "configuring"
die "configure failed (see config.log)"'
check "die says its reason once, with status 1" \
    '[ "$rc" -eq 1 ] && [ "$(echo "$err" | grep -c error)" -eq 1 ] && echo "$err" | grep -qx "t: error: configure failed (see config.log)"'

run die_in_subst 'doing "choosing meson"
f() { die "no meson"; }
x=$(f)'
check "die inside a command substitution still reaches stderr" \
    '[ "$rc" -ne 0 ] && echo "$err" | grep -qx "t: error: no meson"'

run die_with 'die_with 3 "not fetchable"'
check "die_with keeps its status" '[ "$rc" -eq 3 ]'

run ok 'on_exit() { echo cleaned >&2; }
step "building"
x=$(true)'
check "success prints only its steps and runs on_exit" \
    '[ "$rc" -eq 0 ] && [ "$err" = "t: building
cleaned" ]'

# The real scripts: bad arguments are refused with a reason.
"$top/scripts/install-deps" no-such-group >/dev/null 2>"$tmp/deps.err"
rc=$? err=$(cat "$tmp/deps.err")
check "install-deps: an unknown group is an error" \
    '[ "$rc" -eq 1 ] && grep -q "^install-deps: error: unknown group .no-such-group." "$tmp/deps.err"'

SCLINK_CACHE=$tmp/cache "$top/scripts/build-qemu" --no-such-option >/dev/null 2>"$tmp/bq.err"
rc=$? err=$(head -n 1 "$tmp/bq.err")
check "build-qemu: an unknown option is refused with usage" \
    '[ "$rc" -eq 2 ] && grep -q "unknown argument .--no-such-option." "$tmp/bq.err" && grep -q -- "--qemu-version" "$tmp/bq.err"'

# --cached (configure's default for --with-qemu) never builds: with an
# empty cache it says so, status 4, without fetching or installing.
SCLINK_CACHE=$tmp/empty-cache "$top/scripts/build-qemu" --cached >"$tmp/cached.out" 2>"$tmp/cached.err"
rc=$? err=$(cat "$tmp/cached.err")
check "build-qemu --cached with nothing cached: status 4, no build" \
    '[ "$rc" -eq 4 ] && [ ! -s "$tmp/cached.out" ] && grep -q "no QEMU build is cached" "$tmp/cached.err" && ! grep -q "install-deps\|apt-get\|building" "$tmp/cached.err"'

exit $failed
