#!/bin/sh
# A guest read of a BAR offset nothing decodes gives all-ones (the guest
# checks that), QEMU logs it with -d guest_errors, the gateway logs the
# refused write, and the guest goes on to pass every other check.
. "$(dirname "$0")/lib.sh"

addr=unix:$tmp/gw.sock
start_gateway "$addr" gw
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" -d guest_errors \
    $(link_chardev "$addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),on-failure=exit"
grep -q "^PASS: unmapped: read of BAR0+0x6010 gives 0xffffffff" "$tmp/qemu.log" ||
    { show_failure "$tmp/qemu.log"; fail "no all-ones read"; }
grep -q "read of 4 bytes at BAR0+0x6010 failed: nothing at this offset" "$tmp/qemu.log" ||
    { show_failure "$tmp/qemu.log"; fail "no guest_errors log line"; }
grep -q "posted-write bar0+0x6010 len=4 failed: address-error" "$tmp/gw.log" ||
    { show_failure "$tmp/gw.log"; fail "no gateway log line for the unmapped write"; }
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; fail "the guest did not go on to pass"; }
pass
