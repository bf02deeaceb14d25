#!/bin/sh
# qemu-dev/graft.sh QEMU_TREE SCLINK_TOP
#
# Grafts the sclink-pci device into a QEMU source tree as hw/misc/sclink/:
# the device sources, the libsclink frame codec and protocol core (the
# proto/*.c that need no sockets) and the C code
# protoc-c generates from proto/sclink.proto, with a meson.build and a
# Kconfig fragment hooked into hw/misc/, and its trace-events file (with
# the trace.h beside it) added to the top meson.build's
# trace_events_subdirs, where QEMU lists every directory that has one.  Idempotent: files are only
# rewritten when their content changes, so ninja recompiles only what did.
set -eu

[ $# -eq 2 ] || { echo "usage: graft.sh QEMU_TREE SCLINK_TOP" >&2; exit 2; }
tree=$1
top=$2
dest=$tree/hw/misc/sclink

[ -f "$tree/hw/misc/meson.build" ] && [ -f "$tree/hw/misc/Kconfig" ] ||
    { echo "graft.sh: $tree does not look like a QEMU source tree" >&2; exit 1; }
command -v protoc-c >/dev/null ||
    { echo "graft.sh: protoc-c not found (Debian package protobuf-c-compiler)" >&2; exit 1; }

mkdir -p "$dest"

# install_if_changed SRC DST: keeps DST's timestamp when nothing changed.
install_if_changed() {
    if ! cmp -s "$1" "$2"; then
        cp "$1" "$2"
        echo "graft: ${2#"$tree"/}"
    fi
}

for f in sclink-pci.c sclink-link.c sclink-wait.c sclink-chan.c sclink-time.c sclink-access.c \
    sclink-pci.h sclink-compat.h trace-events trace.h; do
    install_if_changed "$top/qemu-dev/$f" "$dest/$f"
done
install_if_changed "$top/qemu-dev/meson.build.in" "$dest/meson.build"
install_if_changed "$top/qemu-dev/Kconfig.in" "$dest/Kconfig"

mkdir -p "$dest/proto"
for f in sclink.h codec-internal.h error.c buf.c decoder.c encoder.c validate.c \
    logtext.c rules.c; do
    install_if_changed "$top/proto/$f" "$dest/proto/$f"
done

gen=$(mktemp -d)
trap 'rm -rf "$gen"' EXIT
protoc-c --proto_path="$top/proto" --c_out="$gen" "$top/proto/sclink.proto"
install_if_changed "$gen/sclink.pb-c.c" "$dest/proto/sclink.pb-c.c"
install_if_changed "$gen/sclink.pb-c.h" "$dest/proto/sclink.pb-c.h"

# Hook the directory into hw/misc (once).
grep -q "subdir('sclink')" "$tree/hw/misc/meson.build" ||
    printf "\nsubdir('sclink')\n" >>"$tree/hw/misc/meson.build"
grep -q "source sclink/Kconfig" "$tree/hw/misc/Kconfig" ||
    printf "\nsource sclink/Kconfig\n" >>"$tree/hw/misc/Kconfig"
# trace/meson.build runs before hw/ is entered, so the directory cannot
# register its trace-events from its own meson.build: it goes into the
# list, after hw/misc (the same line in 7.2 and 10.0).
if ! grep -q "^    'hw/misc/sclink',\$" "$tree/meson.build"; then
    grep -q "^    'hw/misc',\$" "$tree/meson.build" ||
        { echo "graft.sh: no 'hw/misc' in $tree/meson.build's trace_events_subdirs" >&2; exit 1; }
    sed -i "s|^    'hw/misc',\$|&\n    'hw/misc/sclink',|" "$tree/meson.build"
    echo "graft: meson.build (trace_events_subdirs)"
fi
