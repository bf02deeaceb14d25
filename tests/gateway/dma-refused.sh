#!/bin/sh
# DMA transactions a model must not get through the gateway, each refused
# whole, before any Request goes to QEMU, with the gateway still serving:
# a byte-enable pointer with no pattern (byte_enable_length 0), short and
# long enough to split (it divided by zero), and a range that wraps past
# 2^64 - 1, short and split (the later pieces went to address 0).
. "${top_srcdir:-.}/tests/gateway/lib.sh"

start_probe_gateway

# probe ADDR_HI ADDR_LO LEN BE STATUS: one DMA read by the probe (GO 0);
# RESULT is the TLM status as a 32-bit two's complement number.
probe() {
    printf 'write 0 0x40000 4 %s\nwrite 0 0x40004 4 %s\n' "$2" "$1"
    printf 'write 0 0x40008 4 %s\nwrite 0 0x4000c 4 %s\n' "$3" "$4"
    printf 'write 0 0x40010 4 0\nexpect-read 0 0x40014 4 %s\n' "$5"
}
OK=0x1 ADDRESS_ERROR=0xfffffffe BYTE_ENABLE_ERROR=0xfffffffb
# Guest memory: the top 1 MiB, 0xfffffffffff00000..2^64 - 1.  Frames of
# 4096 bytes carry 3968 of data.
{
    probe 0xffffffff 0xfff00100 16 0 $OK
    probe 0xffffffff 0xfff00100 16 0x80000004 $OK
    probe 0xffffffff 0xfff00100 16 0x80000000 $BYTE_ENABLE_ERROR
    probe 0xffffffff 0xfff00100 8192 0x80000000 $BYTE_ENABLE_ERROR
    probe 0xffffffff 0xfffffff0 32 0 $ADDRESS_ERROR    # 2^64 - 16
    probe 0xffffffff 0xfffff080 4096 0 $ADDRESS_ERROR  # 2^64 - 3968
    echo bye
} > "$tmp/probe.cmd"
# --serve-dma byte-enable: the good byte-enable read must reach guest
# memory, which the device would answer BYTE_ENABLE_ERROR; what is under
# test is the gateway, which refuses the bad ones before QEMU sees them.
client --serve-dma byte-enable --max-frame 4096 --mem 1M --mem-base 0xfffffffffff00000 -f "$tmp/probe.cmd" ||
    fail "client script failed"
ok "zero-length byte enables: BYTE_ENABLE_ERROR; wrapping ranges: ADDRESS_ERROR"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
ok "gateway still up to the end, exit status 0"
dma=$(grep -c "dma-" "$tmp/trace.txt")
[ "$dma" -eq 2 ] || fail "want only the 2 good DMA requests sent, trace has: $(grep dma- "$tmp/trace.txt")"
grep -q "dma-read 0xfffffffffff00100 len=16 -> ok" "$tmp/trace.txt" ||
    fail "good request: $(grep dma- "$tmp/trace.txt")"
ok "nothing refused reached QEMU"
