#!/bin/sh
# The man pages (doc/man/) cannot drift from the programs: the OPTIONS of
# each page mention every long option the program's --help prints, and
# every option a page's OPTIONS name as an item is one --help prints; for
# sclink-qemu, whose options are QEMU's, every property of -device
# sclink-pci,help that a PCI device does not have anyway (pci-testdev's),
# both ways.  Each page renders with groff -man -ww without a warning
# (groff-base, scripts/install-deps).
set -u
top_srcdir=$(cd "${top_srcdir:-$(dirname "$0")/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-$top_srcdir}" && pwd)
man=$top_srcdir/doc/man
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sclink-man-pages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# options PAGE: the OPTIONS section of PAGE as plain words: font escapes
# and quotes dropped, \- as -.
options() {
    sed -n '/^\.SH OPTIONS/,/^\.SH /{/^\.SH /!p}' "$1" |
        sed 's/\\f[BIRP]//g; s/\\-/-/g; s/"//g; s/\\(aq//g'
}
# items PAGE: the lines that are items (the line after .TP) of OPTIONS.
items() {
    options "$1" | sed -n '/^\.TP/{n;p}'
}
# mentions TEXT-FILE WORD: WORD is in the file as a word of its own
# (letters, digits and - around it do not count).
mentions() {
    grep -Eq -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)" "$1"
}

# check NAME WORDS-FILE ITEM-WORDS-FILE: NAME's page mentions every word
# of WORDS-FILE in its OPTIONS, and names as items only those.
check() {
    page=$man/$1.1
    options "$page" >"$tmp/$1.options"
    n=0
    while read -r w; do
        n=$((n + 1))
        mentions "$tmp/$1.options" "$w" || fail "$1.1: OPTIONS does not mention $w"
    done <"$2"
    [ "$n" -ge 3 ] || fail "$1: only $n options found in its own listing"
    while read -r w; do
        grep -qx -- "$w" "$2" || fail "$1.1: OPTIONS has $w, which $1 does not list"
    done <"$3"
    echo "checked $1.1 against $n options"
}

for prog in sc-gateway/sclink-gateway tools/sclink-client tools/sclink-run; do
    name=${prog##*/}
    if [ -x "$top_builddir/$prog" ]; then bin=$top_builddir/$prog; else bin=$top_srcdir/$prog; fi
    "$bin" --help >"$tmp/$name.help" 2>&1 || fail "$name --help exited with $?"
    grep -o -- '--[a-z][a-z0-9-]*' "$tmp/$name.help" | sort -u >"$tmp/$name.words"
    items "$man/$name.1" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u >"$tmp/$name.items"
    check "$name" "$tmp/$name.words" "$tmp/$name.items"
done

# sclink-qemu: the device's own properties.
if [ -n "${SCLINK_QEMU:-}" ]; then
    qemu=$SCLINK_QEMU
else
    qemu=$("$top_srcdir/scripts/build-qemu" --print-path 2>"$tmp/build-qemu.err") ||
        { cat "$tmp/build-qemu.err"; fail "cannot build QEMU"; exit 1; }
fi
props() { "$qemu" -device "$1",help 2>&1 | sed -n 's/^  \([a-z][a-z0-9_-]*\)=.*/\1/p' | sort -u; }
props pci-testdev >"$tmp/pci.props"
props sclink-pci >"$tmp/all.props"
[ -s "$tmp/pci.props" ] && grep -qx chardev "$tmp/all.props" ||
    fail "$qemu -device sclink-pci,help or pci-testdev,help listed no properties"
comm -23 "$tmp/all.props" "$tmp/pci.props" >"$tmp/sclink-qemu.words"
items "$man/sclink-qemu.1" | grep -oE '(^|[ ,])[a-z][a-z0-9-]*=' | tr -d '=, ' | sort -u >"$tmp/sclink-qemu.items"
check sclink-qemu "$tmp/sclink-qemu.words" "$tmp/sclink-qemu.items"

# Rendering, with every warning on.
if command -v groff >/dev/null; then
    for page in "$man"/*.1; do
        groff -man -Tutf8 -ww -z "$page" >"$tmp/groff.out" 2>&1
        rc=$?
        [ "$rc" -eq 0 ] && [ ! -s "$tmp/groff.out" ] ||
            fail "${page##*/}: groff -man -ww gave status $rc: $(cat "$tmp/groff.out")"
    done
    rendered="rendered by groff without warnings"
else
    rendered=""
fi
[ "$failed" -eq 0 ] || exit 1
if [ -z "$rendered" ]; then
    echo "SKIP: man-pages: options match, but groff is not installed to render them (scripts/install-deps installs groff-base)"
    exit 77
fi
echo "PASS: man-pages: 4 pages match their programs' options, $rendered"
