# Shared by the tests on Accellera's TLM-2.0 example targets: builds a
# wrapper of ours (tests/gateway/accellera/targets.cc,
# examples/protocol-bridge/) into a gateway plugin, at test time, with the
# example sources Debian's libsystemc-doc installs.  They are
# copied into the test's scratch directory (and decompressed, should a
# doc package ship them as .gz), never into the tree.  Source it after
# lib.sh.  Without the examples the test fails and says what to install.

: "${SYSTEMC_EXAMPLES:=/usr/share/doc/libsystemc/examples/tlm}"
: "${CXX:=g++}"
: "${SYSTEMC_STD:=}"
: "${SYSTEMC_CFLAGS:=}"
: "${SYSTEMC_LIBS:=-lsystemc}"

# accellera_copy DIR: every file of $SYSTEMC_EXAMPLES/DIR into
# $tmp/accellera/DIR, a .gz one decompressed.
accellera_copy() {
    [ -d "$SYSTEMC_EXAMPLES/$1" ] ||
        fail "Accellera's TLM-2.0 examples are missing: no $SYSTEMC_EXAMPLES/$1." \
            "Install libsystemc-doc (scripts/install-deps does); if it is installed," \
            "dpkg may exclude /usr/share/doc (path-exclude in /etc/dpkg/dpkg.cfg.d/)," \
            "or set SYSTEMC_EXAMPLES to the examples/tlm directory of SystemC 2.3"
    mkdir -p "$tmp/accellera/$1"
    for f in "$SYSTEMC_EXAMPLES/$1"/*; do
        [ -f "$f" ] || continue
        case "$f" in
        *.gz) gzip -dc "$f" > "$tmp/accellera/$1/$(basename "$f" .gz)" ||
            fail "cannot decompress $f" ;;
        *) cp "$f" "$tmp/accellera/$1/" || fail "cannot copy $f" ;;
        esac
    done
}

# accellera_plugin WRAPPER FLAG SOURCE...: builds $tmp/libaccellera.so
# from WRAPPER (a source of ours, under $top_srcdir), compiled with FLAG
# (e.g. -DACCELLERA_LT, or "" for none), and the example SOURCEs (paths under
# $SYSTEMC_EXAMPLES, e.g. common/src/lt_target.cpp).  Sets PLUGIN.
accellera_plugin() {
    wrapper=$top_srcdir/$1 flag=$2
    shift 2
    for d in common/include common/src at_ooo/include at_ooo/src \
        lt_extension_mandatory/include lt_extension_mandatory/src; do
        accellera_copy "$d"
    done
    inc="-I$tmp/accellera/common/include -I$tmp/accellera/at_ooo/include"
    inc="$inc -I$tmp/accellera/lt_extension_mandatory/include"
    objs=
    for src in "$@"; do
        [ -f "$tmp/accellera/$src" ] ||
            fail "Accellera's TLM-2.0 examples are incomplete: no $SYSTEMC_EXAMPLES/$src"
    done
    for src in "$wrapper" "$@"; do
        [ "$src" = "$wrapper" ] || src=$tmp/accellera/$src
        obj=$tmp/$(basename "$src" | sed 's/\.[a-z]*$//').o
        # shellcheck disable=SC2086 # the flags are separate words
        $CXX $SYSTEMC_STD $SYSTEMC_CFLAGS -fPIC ${flag:+"$flag"} $inc \
            -I"$top_srcdir/sc-gateway" -I"$top_srcdir/include" -c "$src" -o "$obj" > "$tmp/build.log" 2>&1 ||
            fail "compiling $src: $(head -n 20 "$tmp/build.log")"
        objs="$objs $obj"
    done
    PLUGIN=$tmp/libaccellera.so
    # shellcheck disable=SC2086
    $CXX -shared -o "$PLUGIN" $objs $SYSTEMC_LIBS > "$tmp/build.log" 2>&1 ||
        fail "linking the plugin: $(head -n 20 "$tmp/build.log")"
}
