#!/bin/sh
# Every built-in model through gateway -> router -> model, over the
# transport given as $1 (unix or tcp), driven by sclink-client.
. "${top_srcdir:-.}/tests/gateway/lib.sh"

case "${1:-unix}" in
unix) make_platform "unix:$tmp/gw.sock" ;;
tcp) make_platform "tcp:127.0.0.1:0" ;;
esac
start_gateway --trace "$tmp/trace.txt"

# The id block's VERSION register: the package version, major << 16 | minor.
version=$(sed -n 's/^#define PACKAGE_VERSION "\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' \
    "$top_builddir/config.h")
version=$(printf '0x%04x%04x' $version)

cat > "$tmp/models.cmd" <<CMDS
# id block: magic, version, scratch, read-only register
expect-read 0 0x20000 4 0x53434c4b
expect-read 0 0x20004 4 $version
write 0 0x20010 4 0x12345678
expect-read 0 0x20010 4 0x12345678
expect-status command-error write 0 0x20000 4 0
# RAM: 4 and 8 byte accesses, debug access, posted write
write 0 0x100 4 0xcafef00d
expect-read 0 0x100 4 0xcafef00d
write 0 0x200 8 0x0123456789abcdef
expect-read 0 0x200 8 0x0123456789abcdef
dwrite 0 0x300 4 0xaabbccdd
expect-status ok dread 0 0x300 4
expect-read 0 0x300 4 0xaabbccdd
posted 0 0x400 4 0x55aa55aa
expect-read 0 0x400 4 0x55aa55aa
# ROM: contents from its file, writes refused
expect-read 0 0x10000 4 0x494c4353
expect-status command-error write 0 0x10000 4 1
# nothing mapped there
expect-status address-error read 0 0x50000 4
# UART: transmit two bytes; receive 'h' 'i' from its input file
write 0 0x21000 4 0x4f
write 0 0x21000 4 0x4b
write 0 0x21008 4 1
wait-irq msix 1
expect-read 0 0x21000 4 0x68
expect-read 0 0x21000 4 0x69
# DMA guest -> local buffer, then local buffer -> guest
mem-write 0x1000 de ad be ef 01 02 03 04 05 06 07 08 09 0a 0b 0c
write 0 0x30000 4 0x1000
write 0 0x30008 4 0x0
write 0 0x30010 4 16
write 0 0x30014 4 0x110
wait-irq msix 2
expect-read 0 0x30018 4 2
expect-read 0 0x31000 4 0xefbeadde
write 0 0x30018 4 2
write 0 0x30000 4 0x0
write 0 0x30008 4 0x2000
write 0 0x30010 4 16
write 0 0x30014 4 0x111
wait-irq msix 2
expect-mem 0x2000 de ad be ef 01 02 03 04 05 06 07 08 09 0a 0b 0c
# DMA from an address outside the client's memory: the error bit
write 0 0x30018 4 2
write 0 0x30000 4 0x80000000
write 0 0x30008 4 0x0
write 0 0x30014 4 0x110
wait-irq msix 2
expect-read 0 0x30018 4 6
CMDS
# The client reads its commands from a FIFO: once the script is done, the
# link idles while the test asks for statistics with SIGUSR1, and only once
# they are printed does the client get its bye.
# --offer-debug: the RAM's debug accesses (dread, dwrite) need CAP_DEBUG,
# which the device does not offer and the client by default neither.
mkfifo "$tmp/cmds"
client --offer-debug -f - <"$tmp/cmds" &
client_pid=$!
exec 3>"$tmp/cmds"
cat "$tmp/models.cmd" >&3
# wait_for FILE PATTERN WHAT: 30 s at most, failing early if the client died.
wait_for() {
    wait_until 30 log_has_or_client_exited "$1" "$2"
    grep -q -- "$2" "$1" 2>/dev/null || fail "$3 (client output: $(tail -n 3 "$tmp/client.out"))"
}
log_has_or_client_exited() {
    log_has "$1" "$2" || exited "$client_pid"
}
wait_for "$tmp/client.out" "^read bar=0 off=0x30018 len=4 -> ok data=0x0*6\$" "the script did not finish"
kill -USR1 "$gw_pid"
wait_for "$tmp/gw.err" "statistics for link" "SIGUSR1 printed no statistics"
echo bye >&3
exec 3>&-
wait "$client_pid" || fail "client script failed"
ok "client script passed"
expect_line "$tmp/client.out" "dma write addr=0x2000 len=16"
wait_gateway
[ "$gw_status" -eq 0 ] || fail "gateway exit status $gw_status after Bye"
# Once on SIGUSR1 mid-link, once at the end of the link.
[ "$(grep -c "statistics for link" "$tmp/gw.err")" -eq 2 ] ||
    fail "SIGUSR1 did not print statistics"
ok "SIGUSR1 printed the statistics mid-link"
[ "$(cat "$tmp/uart.out")" = "OK" ] || fail "uart output is '$(cat "$tmp/uart.out")'"
ok "uart transmitted OK"
expect_line "$tmp/gw.out" "ram"
expect_line "$tmp/gw.err" "target dma:"
expect_line "$tmp/gw.err" "dma: .* reads, .* writes, 48 bytes"
expect_line "$tmp/trace.txt" "posted-write bar0+0x400 len=4 data=aa55aa55 -> ok"
ok "statistics and trace"
