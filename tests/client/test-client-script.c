/*
 * Unit tests of sclink-client's command parsing: numbers, units, hex bytes,
 * every command's arguments, and the "line N:" messages for mistakes.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "../common/check-main.h"

START_TEST(test_u64_decimal_and_hex)
{
    uint64_t v;

    ck_assert_int_eq(client_parse_u64("0", &v), 0);
    ck_assert_uint_eq(v, 0);
    ck_assert_int_eq(client_parse_u64("4096", &v), 0);
    ck_assert_uint_eq(v, 4096);
    ck_assert_int_eq(client_parse_u64("0x10", &v), 0);
    ck_assert_uint_eq(v, 16);
    ck_assert_int_eq(client_parse_u64("0XfF", &v), 0);
    ck_assert_uint_eq(v, 255);
    ck_assert_int_eq(client_parse_u64("18446744073709551615", &v), 0);
    ck_assert_uint_eq(v, UINT64_MAX);
    /* A leading zero is decimal, not octal: 010 is ten. */
    ck_assert_int_eq(client_parse_u64("010", &v), 0);
    ck_assert_uint_eq(v, 10);
}
END_TEST

START_TEST(test_u64_rejects_malformed)
{
    uint64_t v;

    ck_assert_int_eq(client_parse_u64("", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("-1", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("+1", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64(" 1", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("0x", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("12ab", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("0x1g", &v), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_u64("18446744073709551616", &v),
                     SCLINK_ERANGE);
}
END_TEST

START_TEST(test_time_units)
{
    uint64_t ps;

    ck_assert_int_eq(client_parse_time("25", &ps), 0);
    ck_assert_uint_eq(ps, 25);
    ck_assert_int_eq(client_parse_time("25ps", &ps), 0);
    ck_assert_uint_eq(ps, 25);
    ck_assert_int_eq(client_parse_time("3ns", &ps), 0);
    ck_assert_uint_eq(ps, 3000);
    ck_assert_int_eq(client_parse_time("10us", &ps), 0);
    ck_assert_uint_eq(ps, 10000000);
    ck_assert_int_eq(client_parse_time("2ms", &ps), 0);
    ck_assert_uint_eq(ps, 2000000000);
    ck_assert_int_eq(client_parse_time("1s", &ps), 0);
    ck_assert_uint_eq(ps, UINT64_C(1000000000000));
    ck_assert_int_eq(client_parse_time("0x10ns", &ps), 0);
    ck_assert_uint_eq(ps, 16000);
}
END_TEST

START_TEST(test_time_rejects_bad_units_and_overflow)
{
    uint64_t ps;

    ck_assert_int_eq(client_parse_time("10 us", &ps), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_time("10fs", &ps), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_time("10uss", &ps), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_time("us", &ps), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_time("-1ns", &ps), SCLINK_EINVAL);
    /* 2^64 ps is about 213 days: 300 days overflows. */
    ck_assert_int_eq(client_parse_time("25920000s", &ps), SCLINK_ERANGE);
}
END_TEST

START_TEST(test_size_units)
{
    uint64_t v;

    ck_assert_int_eq(client_parse_size("4096", &v), 0);
    ck_assert_uint_eq(v, 4096);
    ck_assert_int_eq(client_parse_size("64K", &v), 0);
    ck_assert_uint_eq(v, 65536);
    ck_assert_int_eq(client_parse_size("1MiB", &v), 0);
    ck_assert_uint_eq(v, 1 << 20);
    ck_assert_int_eq(client_parse_size("2G", &v), 0);
    ck_assert_uint_eq(v, UINT64_C(2) << 30);
    ck_assert_int_eq(client_parse_size("1k", &v), SCLINK_EINVAL);
}
END_TEST

START_TEST(test_hex_bytes)
{
    uint8_t buf[8];
    size_t len = 0;

    ck_assert_int_eq(client_parse_hex("deadBEEF", buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 4);
    ck_assert_uint_eq(buf[0], 0xde);
    ck_assert_uint_eq(buf[3], 0xef);
    /* Appends; separators and the hex: prefix are accepted. */
    ck_assert_int_eq(client_parse_hex("hex:01:02_03", buf, sizeof(buf), &len), 0);
    ck_assert_uint_eq(len, 7);
    ck_assert_uint_eq(buf[6], 0x03);
    ck_assert_int_eq(client_parse_hex("0405", buf, sizeof(buf), &len),
                     SCLINK_ENOBUFS);
    len = 0;
    ck_assert_int_eq(client_parse_hex("abc", buf, sizeof(buf), &len), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_hex("0x12", buf, sizeof(buf), &len), SCLINK_EINVAL);
    ck_assert_int_eq(client_parse_hex("", buf, sizeof(buf), &len), SCLINK_EINVAL);
}
END_TEST

/* Parses `text` as line 7 and expects success. */
static void parse_ok(const char *text, struct client_cmd *c)
{
    char why[300] = "";

    ck_assert_msg(client_parse_line(text, 7, c, why, sizeof(why)) == 1,
                  "'%s' refused: %s", text, why);
}

/* Parses `text` as line 7 and expects the message `msg`. */
static void parse_fails(const char *text, const char *msg)
{
    struct client_cmd c;
    char why[300] = "";

    ck_assert_int_eq(client_parse_line(text, 7, &c, why, sizeof(why)),
                     SCLINK_EINVAL);
    ck_assert_str_eq(why, msg);
}

START_TEST(test_blank_and_comment_lines)
{
    struct client_cmd c;
    char why[64];

    ck_assert_int_eq(client_parse_line("", 1, &c, why, sizeof(why)), 0);
    ck_assert_int_eq(client_parse_line("   \t\n", 1, &c, why, sizeof(why)), 0);
    ck_assert_int_eq(client_parse_line("# read 0 0 4", 1, &c, why, sizeof(why)), 0);
    parse_ok("read 0 0 4 # trailing comment", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_READ);
    client_cmd_free(&c);
}
END_TEST

START_TEST(test_read_and_write)
{
    struct client_cmd c;

    parse_ok("read 2 0x1c 4", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_READ);
    ck_assert_uint_eq(c.line, 7);
    ck_assert_uint_eq(c.bar, 2);
    ck_assert_uint_eq(c.addr, 0x1c);
    ck_assert_uint_eq(c.len, 4);
    ck_assert_int_eq(c.expect_data, 0);
    ck_assert_int_eq(c.expect_status, SCLINK__V1__STATUS__STATUS_OK);
    client_cmd_free(&c);

    /* A number is stored little-endian over LEN bytes. */
    parse_ok("write 0 0x10 4 0xdeadbeef", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_WRITE);
    ck_assert_uint_eq(c.data_len, 4);
    ck_assert_uint_eq(c.data[0], 0xef);
    ck_assert_uint_eq(c.data[3], 0xde);
    client_cmd_free(&c);

    /* hex: bytes are in memory order. */
    parse_ok("dwrite 0 0 3 hex:aabbcc", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_DWRITE);
    ck_assert_uint_eq(c.data[0], 0xaa);
    client_cmd_free(&c);

    parse_ok("posted 0 0 1 255", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_POSTED);
    client_cmd_free(&c);

    parse_ok("expect-read 0 0 2 0x0100", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_READ);
    ck_assert_int_eq(c.expect_data, 1);
    ck_assert_uint_eq(c.data[0], 0x00);
    ck_assert_uint_eq(c.data[1], 0x01);
    client_cmd_free(&c);
}
END_TEST

START_TEST(test_access_mistakes_name_the_line)
{
    parse_fails("read 0 0", "line 7: usage: read BAR OFFSET LEN");
    parse_fails("read 6 0 4", "line 7: read: BAR 6 is over 5");
    parse_fails("read 0 zz 4",
                "line 7: read: OFFSET 'zz' is not a number (decimal or 0x hex)");
    parse_fails("read 0 0 0", "line 7: read: LEN must be at least 1");
    parse_fails("write 0 0 2 0x10000", "line 7: write: value 0x10000 does not "
                                       "fit in 2 bytes");
    parse_fails("write 0 0 16 1", "line 7: write: a number fills at most 8 "
                                  "bytes; use hex:BYTES for 16");
    parse_fails("write 0 0 4 hex:0102", "line 7: write: 2 data bytes for a "
                                        "length of 4");
    parse_fails("write 0 0 4 beef", "line 7: write: DATA 'beef' is neither a "
                                    "number nor hex:BYTES");
    parse_fails("frobnicate", "line 7: unknown command 'frobnicate'");
}
END_TEST

START_TEST(test_expect_status_wraps_an_access)
{
    struct client_cmd c;

    parse_ok("expect-status address-error read 0 0x100 4", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_READ);
    ck_assert_int_eq(c.expect_status, SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
    ck_assert_uint_eq(c.addr, 0x100);
    client_cmd_free(&c);
    parse_ok("expect-status command-error dwrite 0 0 1 1", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_DWRITE);
    client_cmd_free(&c);
    parse_fails("expect-status bogus read 0 0 4",
                "line 7: expect-status: unknown status 'bogus'");
    parse_fails("expect-status ok sync",
                "line 7: expect-status: 'sync' is not read, write, dread or "
                "dwrite");
    parse_fails("expect-status ok read 0",
                "line 7: usage: read BAR OFFSET LEN");
}
END_TEST

START_TEST(test_time_commands)
{
    struct client_cmd c;

    parse_ok("advance 10us", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_ADVANCE);
    ck_assert_uint_eq(c.time_ps, 10000000);
    parse_ok("time 5", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_TIME);
    ck_assert_uint_eq(c.time_ps, 5);
    parse_ok("sync", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_SYNC);
    parse_fails("sync now", "line 7: usage: sync ");
    parse_fails("advance 10 us", "line 7: usage: advance DT");
    parse_fails("advance 10xs", "line 7: advance: DT '10xs' is not a time "
                                "(NUMBER[ps|ns|us|ms|s])");
}
END_TEST

START_TEST(test_wait_irq_forms)
{
    struct client_cmd c;

    parse_ok("wait-irq", &c);
    ck_assert_int_eq(c.irq_type, 0);
    ck_assert_int_eq(c.has_limit, 0);
    parse_ok("wait-irq msix 3", &c);
    ck_assert_int_eq(c.irq_type, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX);
    ck_assert_int_eq(c.has_irq_index, 1);
    ck_assert_uint_eq(c.irq_index, 3);
    ck_assert_int_eq(c.has_limit, 0);
    parse_ok("wait-irq msi 2 10us", &c);
    ck_assert_uint_eq(c.irq_index, 2);
    ck_assert_uint_eq(c.time_ps, 10000000);
    /* After a TYPE, a word with a unit is the LIMIT, not the INDEX. */
    parse_ok("wait-irq intx 5ns", &c);
    ck_assert_int_eq(c.irq_type, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE);
    ck_assert_int_eq(c.has_irq_index, 0);
    ck_assert_uint_eq(c.time_ps, 5000);
    parse_ok("wait-irq 1ms", &c);
    ck_assert_int_eq(c.irq_type, 0);
    ck_assert_uint_eq(c.time_ps, 1000000000);
    parse_ok("wait-irq any 7", &c);
    ck_assert_int_eq(c.has_irq_index, 0);
    ck_assert_uint_eq(c.time_ps, 7);
    parse_fails("wait-irq nmi 1", "line 7: wait-irq: unknown interrupt type "
                                  "'nmi' (line, intx, msi, msix, any)");
    parse_fails("wait-irq msix 3 1us 2us",
                "line 7: usage: wait-irq [TYPE [INDEX]] [LIMIT]");
}
END_TEST

START_TEST(test_memory_and_misc_commands)
{
    struct client_cmd c;

    parse_ok("mem-write 0x1000 de ad be:ef", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_MEM_WRITE);
    ck_assert_uint_eq(c.addr, 0x1000);
    ck_assert_uint_eq(c.data_len, 4);
    ck_assert_uint_eq(c.data[3], 0xef);
    client_cmd_free(&c);
    parse_ok("expect-mem 0x1000 deadbeef", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_EXPECT_MEM);
    client_cmd_free(&c);
    parse_ok("mem-read 0 16", &c);
    ck_assert_uint_eq(c.len, 16);
    parse_ok("raw 00000000", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_RAW);
    ck_assert_uint_eq(c.data_len, 4);
    client_cmd_free(&c);
    parse_ok("expect-error ERR_FRAME_SIZE", &c);
    ck_assert_int_eq(c.has_error_code, 1);
    ck_assert_int_eq(c.error_code, SCLINK__V1__ERROR_CODE__ERR_FRAME_SIZE);
    parse_ok("expect-error", &c);
    ck_assert_int_eq(c.has_error_code, 0);
    parse_ok("sleep 50", &c);
    ck_assert_uint_eq(c.ms, 50);
    parse_ok("stats", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_STATS);
    parse_ok("bye", &c);
    ck_assert_int_eq(c.op, CLIENT_OP_BYE);
    parse_fails("mem-write 0x1000", "line 7: usage: mem-write ADDR HEX...");
    parse_fails("mem-write 0 xyz", "line 7: mem-write: 'xyz' is not hex bytes "
                                   "(pairs of hex digits)");
    parse_fails("expect-error ERR_NOPE",
                "line 7: expect-error: unknown code 'ERR_NOPE' (ERR_...)");
}
END_TEST

START_TEST(test_names_round_trip)
{
    Sclink__V1__Status st;
    char caps[128];

    ck_assert_str_eq(client_status_name(SCLINK__V1__STATUS__STATUS_BURST_ERROR),
                     "burst-error");
    ck_assert_int_eq(client_status_parse("byte-enable-error", &st), 0);
    ck_assert_int_eq(st, SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR);
    ck_assert_str_eq(client_irq_type_name(SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE),
                     "line");
    client_caps_format(SCLINK__V1__CAPABILITY__CAP_DMA |
                           SCLINK__V1__CAPABILITY__CAP_SYNC,
                       caps, sizeof(caps));
    ck_assert_str_eq(caps, "dma,sync");
    client_caps_format(0, caps, sizeof(caps));
    ck_assert_str_eq(caps, "none");
}
END_TEST

START_TEST(test_data_format)
{
    uint8_t b[10] = { 0xef, 0xbe, 0xad, 0xde, 1, 2, 3, 4, 5, 6 };
    char buf[64];

    client_format_data(b, 4, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0xdeadbeef");
    client_format_data(b, 1, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0xef");
    client_format_data(b, 10, buf, sizeof(buf));
    ck_assert_str_eq(buf, "hex:efbeadde010203040506");
}
END_TEST

static Suite *script_suite(void)
{
    Suite *s = suite_create("client-script");
    TCase *tc = sclink_check_tcase(s, "parse", 0);

    tcase_add_test(tc, test_u64_decimal_and_hex);
    tcase_add_test(tc, test_u64_rejects_malformed);
    tcase_add_test(tc, test_time_units);
    tcase_add_test(tc, test_time_rejects_bad_units_and_overflow);
    tcase_add_test(tc, test_size_units);
    tcase_add_test(tc, test_hex_bytes);
    tcase_add_test(tc, test_blank_and_comment_lines);
    tcase_add_test(tc, test_read_and_write);
    tcase_add_test(tc, test_access_mistakes_name_the_line);
    tcase_add_test(tc, test_expect_status_wraps_an_access);
    tcase_add_test(tc, test_time_commands);
    tcase_add_test(tc, test_wait_irq_forms);
    tcase_add_test(tc, test_memory_and_misc_commands);
    tcase_add_test(tc, test_names_round_trip);
    tcase_add_test(tc, test_data_format);
    return s;
}

SCLINK_CHECK_MAIN(script_suite)
