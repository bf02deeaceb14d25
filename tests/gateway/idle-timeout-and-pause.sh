#!/bin/sh
# A silent peer and a paused one (doc/protocol.md 8.9 and 10.4,
# doc/gateway.md "Bounds"): with CAP_SYNC, a peer that sends nothing for
# idle_timeout_ms gets ERR_TIMEOUT and the link slot is free again; one
# that said Sync PAUSED (CAP_PAUSE) is waited for however long, and a DMA
# answer it owes is waited for too, until it resumes.  Without CAP_SYNC
# silence is normal and never times out.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

make_platform "unix:$tmp/gw.sock"
# timeout_ms is 2000 in the test platform: the DMA answer's bound.
sed -i 's/^timeout_ms:.*/&\nidle_timeout_ms: 1000/' "$tmp/platform.yaml"
start_gateway --serve

# --- silence with CAP_SYNC: cut off after idle_timeout_ms
client 'read 0 0x20000 4' 'sleep 2500' 'read 0 0x20000 4' &&
    fail "a peer silent for 2.5 s kept its link"
expect_line "$tmp/gw.err" "link lost: no message from QEMU for 1000 ms with CAP_SYNC"
client 'expect-read 0 0x20000 4 0x53434c4b' bye || fail "the next link was not served"
ok "a peer silent for idle_timeout_ms with CAP_SYNC is cut off, the next is served"

# --- paused: silence is waited out
client 'read 0 0x20000 4' pause 'sleep 2500' resume 'expect-read 0 0x20000 4 0x53434c4b' bye ||
    fail "a paused peer lost its link"
expect_line "$tmp/gw.err" "QEMU paused at"
expect_line "$tmp/gw.err" "QEMU resumed"
ok "a peer that said PAUSED keeps its link through 2.5 s of silence"

# --- without CAP_SYNC silence is normal
client --no-sync 'read 0 0x20000 4' 'sleep 2500' 'expect-read 0 0x20000 4 0x53434c4b' bye ||
    fail "a free-running peer lost its link to silence"
ok "without CAP_SYNC silence does not time out"

# --- a DMA answer owed by a paused peer
# A posted write starts the DMA (guest -> buffer) without waiting for it;
# the client pauses at once, sleeps past timeout_ms, resumes, and serves
# the DMA Request while it waits for the read.
dma_script() {
    printf '%s\n' 'mem-write 0x1000 de ad be ef' \
        'write 0 0x30000 4 0x1000' 'write 0 0x30008 4 0x0' 'write 0 0x30010 4 4' \
        'posted 0 0x30014 4 0x100' "$@" 'expect-read 0 0x31000 4 0xefbeadde' bye
}
dma_script pause 'sleep 3000' resume > "$tmp/dma-pause.cmd"
client --no-sync -f "$tmp/dma-pause.cmd" || fail "a DMA owed by a paused peer failed"
ok "a DMA answer owed by a paused peer is waited for past timeout_ms"
dma_script 'sleep 3000' > "$tmp/dma-late.cmd"
client --no-sync -f "$tmp/dma-late.cmd" && fail "a DMA answer 3 s late was waited for"
expect_line "$tmp/gw.err" "no answer to DMA request .* within 2000 ms"
ok "the same DMA answer 3 s late from a running peer ends the link"

# --- PAUSED twice, RESUMED while running: ERR_STATE
client pause pause 'expect-error ERR_STATE' || fail "PAUSED twice was not ERR_STATE"
client resume 'expect-error ERR_STATE' || fail "RESUMED while running was not ERR_STATE"
ok "PAUSED while paused and RESUMED while running are ERR_STATE"
