#!/bin/sh
# An SMP guest drives the device from four vCPUs at once
# (doc/qemu-device.md, "Locking"): -smp 4 under MTTCG (one host thread per
# vCPU), and guest/sclink-guest-smp.c runs four threads, thread i pinned
# to CPU i, each writing and reading back its own scratch register of the
# id model and its own quarter of ram0, and reading MAGIC, all at the
# same time.  Each thread must read back only its own values (another
# thread's data, all-ones from a failed access, or zeros from an access
# the memory core refused all show), the threads must have run at the
# same time, and the gateway's trace must show their Requests
# interleaved: the device serializes them (one outstanding Request),
# it does not run them one thread after the other.
. "$(dirname "$0")/lib.sh"

THREADS=4
ROUNDS=${SMP_ROUNDS:-400}

start_gateway "unix:$tmp/gw.sock" gw
# shellcheck disable=SC2046 # link_chardev's words (lib.sh)
run_qemu "$tmp/qemu.log" -smp "$THREADS" -accel tcg,thread=multi \
    -d guest_errors \
    $(link_chardev "$gw_addr" sc0) \
    -device "sclink-pci,id=sclink0,$(link_opt "$gw_addr" sc0),on-failure=exit" \
    -append "$GUEST_CMDLINE sclink.prog=smp sclink.args=$THREADS,$ROUNDS"
rc=$?
guest_passed "$tmp/qemu.log" || { show_failure "$tmp/qemu.log"; grep -a '^SMP:' "$tmp/qemu.log"; fail "guest checks failed"; }
[ "$rc" -eq 0 ] || fail "QEMU exited with $rc"
wait "$gw_pid" || fail "gateway did not exit 0: $(tail -n 3 "$tmp/gw.log")"
grep -q "free-running" "$tmp/qemu.log" || fail "device not free-running (unlocked waits need no -icount)"
for i in 0 1 2 3; do
    grep -aq "^SMP: thread $i cpu $i: [0-9]* accesses, 0 wrong" "$tmp/qemu.log" ||
        fail "thread $i: $(grep -a "^SMP: thread $i " "$tmp/qemu.log")"
done
grep -aq "^SMP: overlap yes" "$tmp/qemu.log" || fail "the threads did not run at the same time"
# No access failed in QEMU (LOG_GUEST_ERROR), and the memory core refused
# none (its re-entrancy guard, QEMU 8.1+, without disable_reentrancy_guard).
grep -a "sclink-pci 'sclink0': .* failed" "$tmp/qemu.log" | head -n 3 | grep . &&
    fail "accesses failed in QEMU"
grep -a "Blocked re-entrant IO" "$tmp/qemu.log" && fail "the memory core refused accesses"

# Each thread's Requests reached the gateway (its scratch register), and
# interleaved: count the changes of thread between consecutive writes to
# the scratch registers.  One thread after the other would give 3.
for off in 0x10 0x14 0x18 0x1c; do
    n=$(grep -c "write bar0+$off len=4 " "$tmp/gw.trace")
    [ "$n" -ge "$ROUNDS" ] || fail "the gateway saw $n writes to SCRATCH at $off, not $ROUNDS"
done
switches=$(awk '$2 ~ /write$/ && $3 ~ /^bar0\+0x1[048c]$/ {
        if (last != "" && $3 != last) n++
        last = $3
    } END { print n + 0 }' "$tmp/gw.trace")
[ "$switches" -ge 100 ] ||
    fail "the threads' Requests barely interleave ($switches switches between scratch registers)"
pass "$THREADS vCPUs, $(grep -a '^SMP: thread 0 ' "$tmp/qemu.log" | sed 's/.*: \([0-9]*\) accesses.*/\1/') accesses each, $switches switches between threads"
