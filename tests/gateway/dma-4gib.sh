#!/bin/sh
# A DMA of 4 GiB - 1 bytes, the longest a TLM transaction carries, is split
# into frame-sized requests that end where it ends: the piece offset once
# wrapped at 4 GiB and the gateway sent pieces from the start again, for
# ever.  Byte enables that disable every byte keep both sides from storing
# anything, so the run costs time (about 15 s) but no memory.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

start_probe_gateway

# LEN 0xffffffff; a 1-byte pattern that disables; GO with bit 0: a write.
# --serve-dma byte-enable: the pieces carry the pattern, which the device
# would answer BYTE_ENABLE_ERROR at the first; the splitting is under test.
timeout 120 "$CLIENT" -q --timeout 60000 --mem 4G --serve-dma byte-enable "$ADDR" \
    'write 0 0x40000 4 0' 'write 0 0x40004 4 0' 'write 0 0x40008 4 0xffffffff' \
    'write 0 0x4000c 4 0xc0000001' 'write 0 0x40010 4 1' \
    'expect-read 0 0x40014 4 1' bye > "$tmp/client.out" 2>&1
rc=$?
grep -q "cannot set up .* bytes of guest memory" "$tmp/client.out" &&
    { echo "SKIP: the client cannot reserve 4 GiB of guest memory"; exit 77; }
[ "$rc" -ne 124 ] || fail "the DMA did not end within 120 s"
[ "$rc" -eq 0 ] || fail "client exit status $rc"
ok "a 4 GiB - 1 byte DMA write completed with TLM_OK_RESPONSE"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status"
# 1 MiB frames carry 1048448 bytes: 4096 full pieces and one of 524287.
pieces=$(grep -c "dma-write" "$tmp/trace.txt")
[ "$pieces" -eq 4097 ] || fail "want 4097 pieces, trace has $pieces"
grep -q "dma-write 0xfff80000 len=524287 -> ok" "$tmp/trace.txt" ||
    fail "last piece: $(grep dma-write "$tmp/trace.txt" | tail -n 1)"
ok "split into $pieces requests in address order, the last one ending at 4 GiB - 1"
