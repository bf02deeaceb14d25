#!/bin/sh
# crc32-test [--probe-without-msi] CHECK-ARGS...: run in the guest
# (sclink.run=/bin/crc32-test,ARGS...) after guest/init loaded crc32dev.ko.
# Runs crc32-check CHECK-ARGS, then unloads the driver (its remove path),
# checks that its device node and interrupt went, loads it again (a
# second probe, on a device the first driver left alone) and runs
# crc32-check once more.  With --probe-without-msi (for a platform with
# interrupt: msi) it then loads the driver with use_msi=0, whose probe
# must fail (the function has no INTx) and unwind, and a normal load
# after that must work.  Prints "CRC32-TEST: PASS" or FAIL.
fail() {
    echo "FAIL: $*"
    echo "CRC32-TEST: FAIL"
    exit 1
}
# Unloads crc32dev: its node and its interrupt must be gone.
unload() {
    busybox rmmod crc32dev || fail "rmmod crc32dev ($1)"
    [ ! -e /dev/crc32dev0 ] || fail "/dev/crc32dev0 is still there after rmmod ($1)"
    ! grep -q crc32dev /proc/interrupts || fail "the interrupt is still requested after rmmod ($1)"
    echo "PASS: rmmod crc32dev ($1): /dev/crc32dev0 and the interrupt are gone"
}
ko=/lib/modules/user/crc32dev.ko
without_msi=false
if [ "${1:-}" = --probe-without-msi ]; then
    without_msi=true
    shift
fi

echo "crc32dev.use_msi=$(cat /sys/module/crc32dev/parameters/use_msi)"
busybox dmesg | grep 'crc32dev'
crc32-check "$@" || fail "crc32-check, first load"
unload "first load"
# shellcheck disable=SC2046 # one word per parameter, as guest/init passes them
insmod "$ko" $(sed 's/ /\n/g' /proc/cmdline | sed -n 's/^crc32dev\.//p') ||
    fail "insmod crc32dev.ko again"
crc32-check "$@" || fail "crc32-check, second load"
if $without_msi; then
    unload "second load"
    # The module loads; its probe fails and must undo what it did.
    insmod "$ko" use_msi=0 || fail "insmod crc32dev.ko use_msi=0"
    busybox dmesg | grep -q 'crc32dev .*: no interrupt (no INTx, and use_msi=0)' ||
        fail "use_msi=0 on an MSI-only function: no 'no interrupt' from the probe"
    [ ! -e /dev/crc32dev0 ] || fail "use_msi=0 on an MSI-only function: /dev/crc32dev0 exists"
    echo "PASS: use_msi=0 on an MSI-only function: the probe failed (no INTx)"
    busybox rmmod crc32dev || fail "rmmod crc32dev after the failed probe"
    insmod "$ko" || fail "insmod crc32dev.ko after the failed probe"
    crc32-check "$@" || fail "crc32-check, after the failed probe"
fi
echo "CRC32-TEST: PASS"
