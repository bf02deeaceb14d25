#!/bin/sh
# examples/pci-driver end to end: a Linux PCI driver against its SystemC
# model.  Builds the driver (crc32dev.ko) against the pinned guest kernel's
# headers and the guest programs, and boots them with sclink-run
# (--module, --add, --run, --append) twice against the
# example's platform with the crc32 plugin: once with `interrupt: msi`,
# once with `interrupt: intx` and crc32dev.use_msi=0 on the kernel command
# line (guest/init passes it to insmod).  In the guest, crc32-test runs
# crc32-check (buffers of 1 to 65536 bytes, each CRC compared with one
# computed in user space; the refused size; the interrupt's kind and count
# in /proc/interrupts), unloads the driver, loads it again and checks
# again; on the MSI platform it also loads the driver with use_msi=0,
# whose probe must fail (no INTx there) and unwind so that the next load
# works and checks a third time.  The gateway trace must show the engine's DMA reads, as many
# bytes as the guest's jobs, and one MSI (or one INTx rise and fall) per
# job, and nothing of the other kind.  A third run, against a gateway
# already running (--connect) and under --icount, ends with a command that
# exits 3: sclink-run must exit 3.  A fourth, sent TERM mid-run, must
# leave no process or file behind.
. "$(dirname "$0")/lib.sh"

example=$top_srcdir/examples/pci-driver
plugin=$top_builddir/examples/pci-driver/.libs/libsclink-crc32.so
[ -f "$plugin" ] || fail "no plugin at $plugin (make check builds it)"

# 1. The driver and crc32-check, in $tmp/kmod.
# shellcheck source=tests/common/pci-driver.sh
. "$top_srcdir/tests/common/pci-driver.sh"
build_pci_driver "$tmp/kmod"

# 2. Each boot through sclink-run, the runner a user runs (doc/sclink-run.md):
# it adds the files to the project's initramfs, starts the gateway with the
# plugin, boots QEMU, and exits with crc32-test's status.
RUN=$top_srcdir/tools/sclink-run
[ -x "$RUN" ] || fail "no runner at $RUN"

# boot NAME KIND PLATFORM EXTRA-CMDLINE LOADS [TEST-ARG]: one run, all
# checks; crc32-check must pass LOADS times.
boot() {
    name=$1 kind=$2 platform=$3 extra=$4 loads=$5 targ=${6:+$6 }
    log=$tmp/$name.log
    trace=$tmp/$name.trace
    SCLINK_QEMU=$QEMU "$RUN" --gateway "$GATEWAY" --plugin "$plugin" --trace "$trace" \
        --timeout "$E2E_TIMEOUT" --module "$tmp/kmod/crc32dev.ko" --add "$tmp/kmod/crc32-check" \
        --add "$example/crc32-test.sh:/bin/crc32-test" ${extra:+--append "$extra"} \
        --run "/bin/crc32-test $targ--irq $kind" "$platform" >"$log" 2>&1
    rc=$?
    grep -q "^CRC32-TEST: PASS" "$log" || {
        grep '^FAIL' "$log"
        tail -n 30 "$log"
        fail "$name: the guest's checks failed (sclink-run exited with $rc)"
    }
    [ "$rc" -eq 0 ] || fail "$name: sclink-run exited with $rc after a passing guest: $(tail -n 3 "$log")"
    grep -q '^sclink-run: the guest.s command exited with status 0$' "$log" ||
        fail "$name: sclink-run did not report the guest's status"
    grep -q '^gateway: sclink-gateway: listening on unix:' "$log" ||
        fail "$name: sclink-run did not show the gateway's log"
    [ "$(grep -c '^CRC32-CHECK: PASS' "$log")" -eq "$loads" ] ||
        fail "$name: crc32-check did not pass $loads times (once per load of the driver)"

    # The guest's jobs: "PASS: WHAT, N bytes: device ..." lines.
    jobs=$(grep -c '^PASS: .*, [0-9]* bytes: device ' "$log")
    bytes=$(sed -n 's/^PASS: .*, \([0-9]*\) bytes: device .*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    [ "$jobs" -ge $((8 * loads)) ] || fail "$name: only $jobs jobs passed in the guest"
    # The engine read exactly the jobs' bytes from guest memory, every
    # read answered ok.
    dma=$(awk '/ dma-read 0x[0-9a-f]* len=[0-9]* -> ok$/ { sub(/len=/, "", $4); s += $4 } END { print s + 0 }' "$trace")
    [ "$dma" -eq "$bytes" ] ||
        fail "$name: the trace has $dma bytes of ok DMA reads, the guest's jobs $bytes"
    ! grep -q ' dma-read .* -> [^o]' "$trace" || fail "$name: a DMA read failed: $(grep -m1 ' dma-read .* -> [^o]' "$trace")"
    ! grep -q ' dma-write ' "$trace" || fail "$name: the engine wrote to guest memory"
    if [ "$kind" = msi ]; then
        n=$(grep -c ' irq msi 0$' "$trace")
        [ "$n" -eq "$jobs" ] || fail "$name: $n MSIs in the trace for $jobs jobs"
        ! grep -q ' irq intx ' "$trace" || fail "$name: INTx in the trace of an MSI device"
        grep -q 'crc32dev [0-9a-f:.]*: /dev/crc32dev0: CRC-32 engine 1.0, MSI (irq' "$log" ||
            fail "$name: the driver did not report MSI"
        grep -q 'crc32dev\.use_msi=Y' "$log" || fail "$name: use_msi is not Y"
        grep -q '^PASS: use_msi=0 on an MSI-only function: the probe failed' "$log" ||
            fail "$name: no failed probe with use_msi=0"
    else
        up=$(grep -c ' irq intx 0 level=1$' "$trace")
        down=$(grep -c ' irq intx 0 level=0$' "$trace")
        [ "$up" -eq "$jobs" ] && [ "$down" -eq "$jobs" ] ||
            fail "$name: $up INTx rises and $down falls in the trace for $jobs jobs"
        ! grep -q ' irq msi ' "$trace" || fail "$name: MSI in the trace of an INTx device"
        grep -q 'crc32dev [0-9a-f:.]*: /dev/crc32dev0: CRC-32 engine 1.0, INTx (irq' "$log" ||
            fail "$name: the driver did not report INTx"
        # The kernel command line's crc32dev.use_msi=0 reached the module.
        grep -q 'crc32dev\.use_msi=N' "$log" || fail "$name: use_msi is not N"
    fi
    checks=$(grep -c '^PASS:' "$log")
}

boot msi msi "$example/platform.yaml" "" 3 --probe-without-msi
n_msi=$checks jobs_msi=$jobs
sed 's/^\(  interrupt:\) msi .*/\1 intx/' "$example/platform.yaml" >"$tmp/platform-intx.yaml"
grep -q '^  interrupt: intx$' "$tmp/platform-intx.yaml" || fail "cannot make the INTx platform"
boot intx intx "$tmp/platform-intx.yaml" "crc32dev.use_msi=0" 2

# 3. A failing guest command's status is sclink-run's, here against a
# gateway already running (--connect) and under -icount (--icount): the
# driver loads, checks once, and the command then exits 3.
printf '#!/bin/sh\n/bin/crc32-check || exit 1\nexit 3\n' >"$tmp/exit3"
chmod 755 "$tmp/exit3"
PLATFORM=$example/platform.yaml
start_gateway "unix:$tmp/conn.sock" conn --plugin "$plugin"
SCLINK_QEMU=$QEMU "$RUN" --connect "unix:$tmp/conn.sock" --icount --timeout "$E2E_TIMEOUT" \
    --module "$tmp/kmod/crc32dev.ko" --add "$tmp/kmod/crc32-check" --add "$tmp/exit3" \
    --run /bin/exit3 >"$tmp/conn.out" 2>&1
rc=$?
[ "$rc" -eq 3 ] || { tail -n 30 "$tmp/conn.out"; fail "--connect: sclink-run exited with $rc, not the guest command's 3"; }
grep -q '^CRC32-CHECK: PASS' "$tmp/conn.out" || fail "--connect: crc32-check did not pass under -icount"
grep -q 'deterministic' "$tmp/conn.out" || fail "--icount: the device is not in deterministic mode"
! grep -q '^gateway: ' "$tmp/conn.out" || fail "--connect: sclink-run showed a gateway log it does not own"
wait "$gw_pid" || fail "--connect: the running gateway exited with $?: $(tail -n 3 "$tmp/conn.log")"
# 4. A TERM to sclink-run mid-boot stops QEMU and the gateway it started
# and removes its files (all under a TMPDIR of its own here).
mkdir "$tmp/runtmp"
TMPDIR=$tmp/runtmp SCLINK_QEMU=$QEMU "$RUN" --gateway "$GATEWAY" --plugin "$plugin" \
    --timeout "$E2E_TIMEOUT" --run 'sleep 600' "$example/platform.yaml" >"$tmp/term.out" 2>&1 &
run_pid=$!
pids="$pids $run_pid"
wait_until "$E2E_TIMEOUT" log_has "$tmp/term.out" "link up" || fail "TERM: the run never linked: $(tail -n 5 "$tmp/term.out")"
kill -TERM "$run_pid"
wait "$run_pid"
rc=$?
[ "$rc" -eq 143 ] || fail "TERM: sclink-run exited with $rc, not 143"
left=$(pgrep -f "$tmp/runtmp/")
[ -z "$left" ] || fail "TERM: sclink-run left processes behind: $(ps -o pid,args -p "$(echo $left | tr ' ' ,)")"
[ -z "$(ls -A "$tmp/runtmp")" ] || fail "TERM: sclink-run left files behind: $(ls -A "$tmp/runtmp")"
pass "$n_msi + $checks guest checks, $jobs_msi + $jobs jobs (MSI, then INTx with use_msi=0), status 3 through --connect under -icount, TERM cleans up"
