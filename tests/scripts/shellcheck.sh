#!/bin/sh
# Runs Debian's shellcheck over every shell script of the project, at
# severity warning: the build scripts run under dash with set -eu, where a
# quoting or exit-status slip fails silently on a fresh machine only.
# Sourced libraries (lib.sh) are checked through the scripts that source
# them (shellcheck -x), where their variables have a meaning.
set -u
top=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
command -v shellcheck >/dev/null ||
    { echo "SKIP: shellcheck: not installed (scripts/install-deps installs it)"; exit 77; }

# The project's scripts.  In a build in the source tree, tests/ also holds
# libtool's wrapper scripts: generated, not ours.
scripts=$(
    cd "$top" &&
        for f in quickstart autogen.sh .ci/run tools/sclink-run tools/sclink-qemu.in $(find scripts guest tests bench qemu-dev -type f); do
            case $f in
            */lib.sh) continue ;;
            *.sh) ;;
            *) head -n 1 "$f" 2>/dev/null | grep -Eq '^#!.*/(env )?(ba|da)?sh$' || continue ;;
            esac
            head -n 3 "$f" | grep -q 'temporary wrapper script' || echo "$f"
        done
)
n=0 bad=0
for f in $scripts; do
    n=$((n + 1))
    (cd "$top" && shellcheck -x -P SCRIPTDIR -S warning "$f") || bad=$((bad + 1))
done
[ "$n" -ge 30 ] || { echo "FAIL: shellcheck: found only $n scripts under $top"; exit 1; }
[ "$bad" -eq 0 ] || { echo "FAIL: shellcheck: $bad of $n scripts have warnings (above)"; exit 1; }
echo "PASS: shellcheck: $n scripts, no warnings"
