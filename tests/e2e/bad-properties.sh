#!/bin/sh
# Bad barN-size properties fail realize with a message naming the property
# and QEMU exits 1: no assertion in pci_register_bar() (an abort would exit
# 134).  Sizes that are not a power of two >= 16 are refused before Hello
# (no gateway needed); a size above 2 GiB on a 32-bit BAR after the Welcome
# (the demo platform's BAR0 is 32-bit; BAR3 is a slot the Welcome leaves
# empty, which the property would add as a 32-bit BAR).  on-failure is an
# enum property: any other value is refused by QEMU's property code, and
# under -only-migratable the device's migration blocker refuses it, both
# before Hello.  A link that is not one (both chardev= and socket=,
# neither, an address of another kind, an address nobody listens on) is
# refused in realize with a message saying what a link is.
. "$(dirname "$0")/lib.sh"

# expect_refused NAME CHARDEV PROPS PATTERN [QEMU args]: sclink-pci on
# -chardev CHARDEV (id sc0) with PROPS, refused with PATTERN.
expect_refused() {
    expect_refused_link "$1" "-chardev $2" "chardev=sc0,$3" "$4" ${5:+"$5"}
}
# expect_refused_link NAME LINK_ARGS PROPS PATTERN [QEMU args]: the same
# with the link's own QEMU arguments (split on blanks) and properties.
expect_refused_link() {
    # shellcheck disable=SC2086 # LINK_ARGS are words
    run_qemu "$tmp/$1.log" ${5:+"$5"} $2 \
        -device "sclink-pci,id=sclink0,timeout=3000,$3"
    rc=$?
    [ "$rc" -eq 1 ] ||
        { tail -n 5 "$tmp/$1.log"; fail "$1: QEMU exited $rc, not 1 ($3)"; }
    grep -q "$4" "$tmp/$1.log" ||
        { tail -n 5 "$tmp/$1.log"; fail "$1: no message matching '$4'"; }
    echo "ok: $1: $(grep -m1 "$4" "$tmp/$1.log")"
}

# Before Hello: a listening chardev nobody connects to is enough.
none="socket,id=sc0,path=$tmp/none.sock,server=on,wait=off"
expect_refused not-pow2 "$none" bar0-size=3000 \
    "bar0-size=0xbb8: must be a power of two of at least 16 bytes"
expect_refused too-small "$none" bar2-size=8 \
    "bar2-size=0x8: must be a power of two of at least 16 bytes"
expect_refused on-failure "$none" on-failure=maybe \
    "on-failure.*maybe"
expect_refused only-migratable "$none" on-failure=exit \
    "sclink-pci 'sclink0' cannot migrate: the state of its models lives in the SystemC gateway" \
    -only-migratable

# Links that are not one.
expect_refused_link both-links "-chardev $none" \
    "chardev=sc0,socket=unix:$tmp/none.sock" \
    "sclink-pci takes chardev= or socket=, not both"
expect_refused_link no-link "" on-failure=exit \
    "sclink-pci needs a link to its gateway: -device sclink-pci,socket=unix:PATH"
expect_refused_link tls-on-chardev "-chardev $none" "chardev=sc0,tls-creds=tls0" \
    "sclink-pci: tls-creds= goes with socket=; a chardev= takes tls-creds= itself"
expect_refused_link fd-link "" socket=fd:3 \
    "socket=fd:3: must be unix:PATH or tcp:HOST:PORT"
expect_refused_link nobody-listens "" "socket=unix:$tmp/nobody.sock" \
    "sclink-pci cannot reach the gateway on socket 'unix:$tmp/nobody.sock': "

# After the Welcome: 4 GiB on 32-bit BARs (a gateway for each run, since
# a gateway may end when its link does), over the tests' link.
start_gateway "unix:$tmp/gw1.sock" gw1
expect_refused_link welcome-bar-4g "$(link_chardev "$gw_addr" sc0)" \
    "$(link_opt "$gw_addr" sc0),bar0-size=4G" \
    "bar0-size=0x100000000: BAR0 is a 32-bit BAR, at most 2 GiB"
start_gateway "unix:$tmp/gw2.sock" gw2
expect_refused_link added-bar-4g "$(link_chardev "$gw_addr" sc0)" \
    "$(link_opt "$gw_addr" sc0),bar3-size=4G" \
    "bar3-size=0x100000000: BAR3 is a 32-bit BAR, at most 2 GiB"
pass "4 bad bar sizes, a bad on-failure, -only-migratable and 5 bad links refused with exit status 1"
