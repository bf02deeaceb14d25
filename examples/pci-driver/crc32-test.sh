#!/bin/sh
# crc32-test: run in the guest (sclink.run=/bin/crc32-test,ARGS...) after
# guest/init loaded crc32dev.ko.  Runs crc32-check ARGS, then unloads the
# driver (its remove path), checks that its device node went, loads it
# again (probe a second time, on a device the first driver left alone)
# and runs crc32-check once more.  Prints "CRC32-TEST: PASS" or FAIL.
fail() {
    echo "FAIL: $*"
    echo "CRC32-TEST: FAIL"
    exit 1
}
echo "crc32dev.use_msi=$(cat /sys/module/crc32dev/parameters/use_msi)"
busybox dmesg | grep 'crc32dev'
crc32-check "$@" || fail "crc32-check, first load"
busybox rmmod crc32dev || fail "rmmod crc32dev"
[ ! -e /dev/crc32dev0 ] || fail "/dev/crc32dev0 is still there after rmmod"
! grep -q crc32dev /proc/interrupts || fail "the interrupt is still requested after rmmod"
echo "PASS: rmmod crc32dev: /dev/crc32dev0 and the interrupt are gone"
# shellcheck disable=SC2046 # one word per parameter, as guest/init passes them
insmod /lib/modules/user/crc32dev.ko $(sed 's/ /\n/g' /proc/cmdline | sed -n 's/^crc32dev\.//p') ||
    fail "insmod crc32dev.ko again"
crc32-check "$@" || fail "crc32-check, second load"
echo "CRC32-TEST: PASS"
