/*
 * Unit tests of the simulated guest memory that serves sclink-client's
 * DMA.  The rules around it (the window, what a DMA Request may carry)
 * are libsclink's, tested in tests/test-rules.c and tests/test-dma-cases.c.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "../common/check-main.h"

static void dma(sclink_request *r, Sclink__V1__Command cmd, uint64_t addr,
                uint32_t len, uint8_t *data)
{
    sclink__v1__request__init(r);
    r->command = cmd;
    r->address = addr;
    r->length = len;
    if (data) {
        r->has_data = 1;
        r->data.data = data;
        r->data.len = len;
    }
}

START_TEST(test_mem_serves_reads_and_writes)
{
    struct client_mem m;
    sclink_request r;
    uint8_t w[4] = { 1, 2, 3, 4 }, rd[4];

    ck_assert_int_eq(client_mem_init(&m, 0x10000, 0x1000), 0);
    dma(&r, SCLINK__V1__COMMAND__CMD_WRITE, 0x10ffc, 4, w);
    ck_assert_int_eq(client_mem_serve(&m, &r, NULL), SCLINK__V1__STATUS__STATUS_OK);
    dma(&r, SCLINK__V1__COMMAND__CMD_READ, 0x10ffc, 4, NULL);
    ck_assert_int_eq(client_mem_serve(&m, &r, rd), SCLINK__V1__STATUS__STATUS_OK);
    ck_assert_mem_eq(rd, w, 4);
    ck_assert_uint_eq(client_mem_at(&m, 0x10fff)[0], 4);
    client_mem_free(&m);
}
END_TEST

START_TEST(test_mem_outside_is_an_address_error)
{
    struct client_mem m;
    sclink_request r;
    uint8_t w[4] = { 0 }, rd[4];

    ck_assert_int_eq(client_mem_init(&m, 0x10000, 0x1000), 0);
    /* One byte over the end, one byte before the start, far away. */
    dma(&r, SCLINK__V1__COMMAND__CMD_WRITE, 0x10ffd, 4, w);
    ck_assert_int_eq(client_mem_serve(&m, &r, NULL),
                     SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
    dma(&r, SCLINK__V1__COMMAND__CMD_READ, 0xffff, 4, NULL);
    ck_assert_int_eq(client_mem_serve(&m, &r, rd),
                     SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
    dma(&r, SCLINK__V1__COMMAND__CMD_READ, UINT64_MAX - 1, 2, NULL);
    ck_assert_int_eq(client_mem_serve(&m, &r, rd),
                     SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
    ck_assert_int_eq(client_mem_contains(&m, 0x10000, 0), 0);
    ck_assert_int_eq(client_mem_init(&m, UINT64_MAX, 2), SCLINK_EINVAL);
    client_mem_free(&m);
}
END_TEST

START_TEST(test_mem_byte_enable_and_streaming)
{
    struct client_mem m;
    sclink_request r;
    uint8_t w[4] = { 0xa0, 0xa1, 0xa2, 0xa3 }, be[2] = { 0xff, 0x00 };

    ck_assert_int_eq(client_mem_init(&m, 0, 16), 0);
    /* The byte-enable pattern repeats: bytes 0 and 2 are written. */
    dma(&r, SCLINK__V1__COMMAND__CMD_WRITE, 4, 4, w);
    r.has_byte_enable = 1;
    r.byte_enable.data = be;
    r.byte_enable.len = 2;
    ck_assert_int_eq(client_mem_serve(&m, &r, NULL), SCLINK__V1__STATUS__STATUS_OK);
    ck_assert_uint_eq(m.bytes[4], 0xa0);
    ck_assert_uint_eq(m.bytes[5], 0);
    ck_assert_uint_eq(m.bytes[6], 0xa2);
    ck_assert_uint_eq(m.bytes[7], 0);
    /* A FIFO-like streaming write of width 1 leaves the last byte. */
    dma(&r, SCLINK__V1__COMMAND__CMD_WRITE, 15, 4, w);
    r.has_streaming_width = 1;
    r.streaming_width = 1;
    ck_assert_int_eq(client_mem_serve(&m, &r, NULL), SCLINK__V1__STATUS__STATUS_OK);
    ck_assert_uint_eq(m.bytes[15], 0xa3);
    client_mem_free(&m);
}
END_TEST

static Suite *mem_suite(void)
{
    Suite *s = suite_create("client-mem");
    TCase *tm = sclink_check_tcase(s, "mem", 0);

    tcase_add_test(tm, test_mem_serves_reads_and_writes);
    tcase_add_test(tm, test_mem_outside_is_an_address_error);
    tcase_add_test(tm, test_mem_byte_enable_and_streaming);
    return s;
}

SCLINK_CHECK_MAIN(mem_suite)
