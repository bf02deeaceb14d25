#!/bin/sh
# MSI-X from the SystemC models to a Linux guest: the gateway runs
# guest/msix-platform.yaml (4 vectors: dma0 0, uart0 1, timer0 2, 3 unused);
# the guest (sclink.prog=msi, guest/sclink-guest-msi.c) gets each vector as
# an eventfd through VFIO and checks that every source raises its own
# vector and no other, and the timer's timing.  The Debian kernel lacks
# CONFIG_VFIO_NOIOMMU, so the machine is q35 with intel-iommu (intremap=on,
# needed for multi-message MSI) and the guest boots with intel_iommu=on.
# Two boots: the MSI-X table in the lowest free BAR (BAR1), then msix-bar=3.
# The gateway trace must show the timer's 4 messages whole periods apart.
# tests/e2e/msi.sh sources this with MSI_KIND=msi (guest/msi-platform.yaml,
# one boot).
. "$(dirname "$0")/lib.sh"

kind=${MSI_KIND:-msix}
PLATFORM=$top_srcdir/guest/$kind-platform.yaml

# boot NAME DEVICE-EXTRA MSIX-BAR: one gateway, one boot, all checks.
boot() {
    name=$1 extra=$2 bar=$3
    addr=unix:$tmp/$name.sock
    start_gateway "$addr" "$name"
    # shellcheck disable=SC2046 # link_chardev's words (lib.sh)
    timeout "$E2E_TIMEOUT" "$QEMU" \
        -L /usr/share/seabios -L /usr/share/qemu \
        -M q35 -m 256 -nographic -vga none -no-reboot -nic none \
        -device intel-iommu,intremap=on \
        -kernel "$KERNEL" -initrd "$INITRD" \
        -append "$GUEST_CMDLINE intel_iommu=on sclink.prog=msi sclink.args=--msix-bar,$bar,--irq-slack-us,$IRQ_SLACK_US" \
        $(link_chardev "$addr" sc0) \
        -device "sclink-pci,id=sclink0,$(link_opt "$addr" sc0),on-failure=exit$extra" \
        >"$tmp/$name.qemu.log" 2>&1
    rc=$?
    log=$tmp/$name.qemu.log
    guest_passed "$log" || { show_failure "$log"; fail "$name: guest checks failed"; }
    [ "$rc" -eq 0 ] || { show_failure "$log"; fail "$name: QEMU exited with $rc"; }
    if [ "$kind" = msix ]; then
        grep -q "MSI-X table and PBA in BAR$bar" "$log" ||
            fail "$name: no 'MSI-X table and PBA in BAR$bar' from sclink-pci"
    fi
    wait "$gw_pid" || fail "$name: gateway exited with $?"
    # Every vector the platform wires was sent, vector 3 never.
    for v in 0 1 2; do
        grep -q " irq $kind $v\$" "$tmp/$name.trace" ||
            fail "$name: no '$kind $v' interrupt in the gateway trace"
    done
    ! grep -q " irq $kind 3\$" "$tmp/$name.trace" ||
        fail "$name: vector 3 (no source) in the gateway trace"
    check_timer_trace "$name" " irq $kind 2\$" "timer messages"
    checks=$(grep -c '^PASS:' "$log")
}

if [ "$kind" = msix ]; then
    boot gw "" 1
    n1=$checks
    boot gw3 ",msix-bar=3" 3
    pass "$n1 + $checks guest checks (MSI-X table in BAR1, then BAR3)"
else
    boot gw "" 1
    pass "$checks guest checks"
fi
