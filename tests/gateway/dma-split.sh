#!/bin/sh
# A DMA longer than the agreed frame limit is split into frame-sized
# requests in address order (doc/protocol.md 5.6), not refused.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
# The DMA engine moves the whole job in one transaction.
sed -i 's/^    irq: 2$/&\n    params:\n      chunk: "4096"/' "$tmp/platform.yaml"
start_gateway --trace "$tmp/trace.txt"

# 4096 bytes of pattern at guest address 0x4000: byte i is i mod 251.
pattern=$(i=0; while [ $i -lt 4096 ]; do printf '%02x ' $((i % 251)); i=$((i + 1)); done)
cat > "$tmp/split.cmd" <<CMDS
mem-write 0x4000 $pattern
write 0 0x30000 4 0x4000
write 0 0x30008 4 0x0
write 0 0x30010 4 4096
write 0 0x30014 4 0x110
wait-irq msix 2
expect-read 0 0x30018 4 2
expect-read 0 0x3001c 4 4096
expect-read 0 0x31000 4 0x03020100
expect-read 0 0x31ffc 4 0x4f4e4d4c
bye
CMDS
client --max-frame 4096 -f "$tmp/split.cmd" || fail "client script failed"
ok "a 4096-byte DMA over a 4096-byte frame limit completed, data intact"
wait_gateway
reads=$(grep -c "dma-read" "$tmp/trace.txt")
[ "$reads" -ge 2 ] || fail "expected the DMA split into several requests, trace has $reads"
grep -q "dma-read 0x4000 len=3968 -> ok" "$tmp/trace.txt" || fail "first piece: $(grep dma-read "$tmp/trace.txt")"
grep -q "dma-read 0x4f80 len=128 -> ok" "$tmp/trace.txt" || fail "second piece: $(grep dma-read "$tmp/trace.txt")"
ok "split into $reads requests in address order"
