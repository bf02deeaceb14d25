# shellcheck shell=sh disable=SC2154 # top_srcdir and fail are the sourcing test's
# tests/common/pci-driver.sh: sourced by the tests that boot
# examples/pci-driver (tests/e2e/pci-driver.sh, from the build tree;
# tests/gateway/install.sh, from the installed files).  The caller defines
# fail and top_srcdir.

# build_pci_driver DIR: builds the example's driver, DIR/crc32dev.ko,
# against the headers scripts/install-deps installs for the kernel
# guest/kernel-version pins (build-initramfs ran install-deps guest),
# without a warning and for that kernel, and its static guest program
# DIR/crc32-check.
build_pci_driver() {
    bpd_dir=$1
    bpd_example=$top_srcdir/examples/pci-driver
    bpd_release=$(prog=pci-driver && . "$top_srcdir/scripts/lib.sh" && guest_kernel "$top_srcdir") ||
        fail "no guest kernel release"
    bpd_headers=/usr/src/linux-headers-$bpd_release
    [ -f "$bpd_headers/Makefile" ] ||
        fail "no kernel headers in $bpd_headers (scripts/install-deps guest installs linux-headers-$bpd_release)"
    mkdir -p "$bpd_dir"
    cp "$bpd_example/Kbuild" "$bpd_example/crc32dev.c" "$bpd_dir/"
    # A make of its own: under `make -j check`, MAKEFLAGS names a jobserver
    # whose descriptors this one does not have.
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$bpd_headers" M="$bpd_dir" modules \
        >"$bpd_dir/kmod.log" 2>&1 || fail "the module did not build: $(tail -n 20 "$bpd_dir/kmod.log")"
    ! grep -q '\.c:[0-9]*:[0-9]*: warning:' "$bpd_dir/kmod.log" ||
        fail "the module built with warnings: $(grep '\.c:[0-9]*:[0-9]*: warning:' "$bpd_dir/kmod.log")"
    bpd_vermagic=$(objcopy -O binary --only-section=.modinfo "$bpd_dir/crc32dev.ko" /dev/stdout |
        tr '\0' '\n' | sed -n 's/^vermagic=//p')
    case $bpd_vermagic in
    "$bpd_release "*) ;;
    *) fail "crc32dev.ko is not built for $bpd_release: vermagic '$bpd_vermagic'" ;;
    esac
    gcc -static -O2 -Wall -Wextra -Werror -o "$bpd_dir/crc32-check" "$bpd_example/crc32-check.c" ||
        fail "crc32-check.c did not compile"
}
