#!/bin/sh
# Plugins have an ABI (doc/gateway.md, "Plugins"): the gateway refuses, with
# a message that says what to do, a plugin compiled with another C++
# standard than the installed SystemC, one written for plugin ABI 1 (the
# old sclink_plugin_init entry, whose factories returned Model*), one of
# ABI 2 (factories filling a Model*&: its registration no longer links),
# and one whose entry names another ABI.  examples/plugin, built right,
# loads.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

[ -n "${CXX:-}" ] && [ -n "${SYSTEMC_STD:-}" ] || fail "CXX and SYSTEMC_STD come from make check"
make_platform "unix:$tmp/gw.sock"

# build NAME STD SOURCE: $tmp/NAME.so from SOURCE with -std=STD.
build() {
    # shellcheck disable=SC2086 # the flags are separate words
    $CXX "-std=$2" $SYSTEMC_CFLAGS -fPIC -shared -I"$top_srcdir/include" \
        -o "$tmp/$1.so" "$3" > "$tmp/build.log" 2>&1 ||
        fail "building $1: $(head -n 20 "$tmp/build.log")"
}
# refused NAME TEXT: --check with plugin NAME exits 1 saying TEXT.
refused() {
    "$GATEWAY" --check --plugin "$tmp/$1.so" "$tmp/platform.yaml" > "$tmp/out" 2>&1
    st=$?
    [ $st -eq 1 ] || fail "$1: exit status $st, not 1: $(cat "$tmp/out")"
    grep -qF -- "$2" "$tmp/out" || fail "$1: the message lacks '$2': $(cat "$tmp/out")"
    ok "$1: $(cut -c1-300 "$tmp/out")"
}

ours=${SYSTEMC_STD#-std=}
case $ours in c++20) other=c++17 ;; *) other=c++20 ;; esac

build right "$ours" "$top_srcdir/examples/plugin/counter_plugin.cc"
"$GATEWAY" --check --plugin "$tmp/right.so" "$tmp/platform.yaml" > "$tmp/out" 2>&1 ||
    fail "the example plugin built with -std=$ours: $(cat "$tmp/out")"
ok "the example plugin built with -std=$ours loads"

build other-std "$other" "$top_srcdir/examples/plugin/counter_plugin.cc"
refused other-std "was compiled with -std=$other, but the SystemC here was built with -std=$ours: rebuild the plugin with -std=$ours"

cat > "$tmp/abi1.cc" <<'CC'
// A plugin of plugin ABI 1: the entry point before SCLINK_PLUGIN.
extern "C" int sclink_plugin_init(void) { return 0; }
CC
build abi1 "$ours" "$tmp/abi1.cc"
refused abi1 "has no sclink_plugin entry: it was written for plugin ABI 1"

cat > "$tmp/abi99.cc" <<'CC'
// An entry from a future sclink.
#include <sclink/model.h>
static int init(void) { return 0; }
extern "C" const struct sclink_plugin_entry sclink_plugin = {99, SC_CPLUSPLUS, SC_VERSION, init};
CC
build abi99 "$ours" "$tmp/abi99.cc"
refused abi99 "was built for plugin ABI 99, this gateway loads ABI 3"

cat > "$tmp/abi2.cc" <<'CC'
// A plugin of plugin ABI 2: its factory fills a raw Model*&, so it
// registers through a register_model_type the gateway no longer has.
#include <sclink/model.h>
namespace sclink {
bool register_model_type(const std::string &type,
                         bool (*factory)(const ModelConfig &, Model *&, std::string &));
}
static bool make(const sclink::ModelConfig &, sclink::Model *&, std::string &) { return false; }
static int init(void) { return sclink::register_model_type("old", make) ? 0 : -1; }
extern "C" const struct sclink_plugin_entry sclink_plugin = {2, SC_CPLUSPLUS, SC_VERSION, init};
CC
build abi2 "$ours" "$tmp/abi2.cc"
refused abi2 "was built against another sclink's model API (plugin ABI before 3?): rebuild it against this sclink's headers"

cat > "$tmp/none.cc" <<'CC'
// A shared object that is no plugin at all.
extern "C" int something_else(void) { return 0; }
CC
build none "$ours" "$tmp/none.cc"
refused none "has no sclink_plugin entry (declare SCLINK_PLUGIN(init)"
