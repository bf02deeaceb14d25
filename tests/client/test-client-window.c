/*
 * Unit tests of the rules sclink-client keeps as the QEMU side: the
 * conservative window (no stamp beyond the granted end) and the simulated
 * guest memory that serves DMA.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "../common/check-main.h"

#define Q 1000 /* quantum, ps */

START_TEST(test_first_window_is_one_quantum)
{
    struct client_window w;
    uint64_t at = 0;

    client_window_init(&w, 1, 0, Q);
    ck_assert_uint_eq(w.now_ps, 0);
    ck_assert_int_eq(client_window_step(&w, 0, &at), 0);
    /* The window end itself is inside the window. */
    ck_assert_int_eq(client_window_step(&w, Q, &at), 0);
    ck_assert_int_eq(client_window_step(&w, Q + 1, &at), 1);
    ck_assert_uint_eq(at, Q);
}
END_TEST

/* Drives the rule as link.c does, with a gateway granting one quantum. */
static unsigned advance(struct client_window *w, uint64_t target,
                        uint64_t *reached, unsigned max)
{
    char why[128];
    unsigned n = 0;
    uint64_t at;

    while (client_window_step(w, target, &at)) {
        ck_assert_uint_lt(n, max);
        /* Never beyond the end granted so far. */
        ck_assert_uint_le(at, w->end_ps);
        client_window_reached(w, at);
        reached[n++] = at;
        ck_assert_int_eq(client_window_grant(w, at, at + Q, why, sizeof(why)), 0);
    }
    w->now_ps = target;
    ck_assert_uint_le(w->now_ps, w->end_ps);
    return n;
}

START_TEST(test_advance_syncs_at_each_window_end)
{
    struct client_window w;
    uint64_t reached[8];

    client_window_init(&w, 1, 0, Q);
    ck_assert_uint_eq(advance(&w, 2500, reached, 8), 2);
    ck_assert_uint_eq(reached[0], 1000);
    ck_assert_uint_eq(reached[1], 2000);
    ck_assert_uint_eq(w.end_ps, 3000);
    /* Landing exactly on the end needs no sync... */
    ck_assert_uint_eq(advance(&w, 3000, reached, 8), 0);
    /* ...one picosecond more does. */
    ck_assert_uint_eq(advance(&w, 3001, reached, 8), 1);
    ck_assert_uint_eq(reached[0], 3000);
}
END_TEST

START_TEST(test_without_sync_time_is_unbounded)
{
    struct client_window w;
    uint64_t at;

    client_window_init(&w, 0, 0, Q);
    ck_assert_int_eq(client_window_step(&w, UINT64_MAX, &at), 0);
}
END_TEST

START_TEST(test_grant_must_answer_the_reached)
{
    struct client_window w;
    char why[128];

    client_window_init(&w, 1, 0, Q);
    ck_assert_int_eq(client_window_grant(&w, 0, Q, why, sizeof(why)),
                     SCLINK_ESTATE);
    ck_assert_str_eq(why, "Sync GRANT(0 ps) without a REACHED");
    client_window_reached(&w, 1000);
    ck_assert_int_eq(client_window_grant(&w, 900, 1900, why, sizeof(why)),
                     SCLINK_ERANGE);
    ck_assert_str_eq(why, "Sync GRANT for 900 ps answers REACHED(1000 ps)");
    ck_assert_int_eq(w.waiting, 1);
    ck_assert_int_eq(client_window_grant(&w, 1000, 5000, why, sizeof(why)), 0);
    ck_assert_int_eq(w.waiting, 0);
    ck_assert_uint_eq(w.end_ps, 5000);
    ck_assert_uint_eq(w.granted_ps, 1000);
}
END_TEST

START_TEST(test_event_stamps)
{
    struct client_window w;
    char why[128];

    client_window_init(&w, 1, 0, Q);
    w.now_ps = 500;
    ck_assert_int_eq(client_window_check_event(&w, 0, why, sizeof(why)), 0);
    ck_assert_int_eq(client_window_check_event(&w, 500, why, sizeof(why)), 0);
    /* SystemC never runs ahead of QEMU. */
    ck_assert_int_eq(client_window_check_event(&w, 501, why, sizeof(why)),
                     SCLINK_ERANGE);
    ck_assert_str_eq(why, "stamped 501 ps, ahead of the client's time 500 ps");
    client_window_reached(&w, 1000);
    ck_assert_int_eq(client_window_grant(&w, 1000, 2000, why, sizeof(why)), 0);
    /* Before the GRANT's time: it should have come before the GRANT. */
    ck_assert_int_eq(client_window_check_event(&w, 999, why, sizeof(why)),
                     SCLINK_ERANGE);
    ck_assert_str_eq(why, "stamped 999 ps, after the GRANT for 1000 ps was sent");
    /* At the GRANT's time: may come from a Request stamped then. */
    ck_assert_int_eq(client_window_check_event(&w, 1000, why, sizeof(why)), 0);
    /* No contract without CAP_SYNC. */
    w.enabled = 0;
    ck_assert_int_eq(client_window_check_event(&w, 5, why, sizeof(why)), 0);
}
END_TEST

/* Rule N: with lookahead a Request stamped t ends the window by t + Q. */
START_TEST(test_lookahead_cut)
{
    struct client_window w;
    char why[128];

    client_window_init(&w, 1, 1, Q);
    client_window_reached(&w, Q);
    /* A GRANT up to the gateway's next event, far beyond one quantum. */
    ck_assert_int_eq(client_window_grant(&w, Q, 100 * Q, why, sizeof(why)), 0);
    w.now_ps = 3 * Q;
    client_window_request(&w, w.now_ps);
    ck_assert_uint_eq(w.end_ps, 4 * Q);
    /* A later Request never extends the window again. */
    client_window_request(&w, 3 * Q + 10);
    ck_assert_uint_eq(w.end_ps, 4 * Q);
    /* Without CAP_LOOKAHEAD a Request leaves the window alone. */
    client_window_init(&w, 1, 0, Q);
    client_window_request(&w, 0);
    ck_assert_uint_eq(w.end_ps, Q);
    client_window_reached(&w, Q);
    ck_assert_int_eq(client_window_grant(&w, Q, 2 * Q, why, sizeof(why)), 0);
    client_window_request(&w, Q);
    ck_assert_uint_eq(w.end_ps, 2 * Q);
}
END_TEST

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

static Suite *window_suite(void)
{
    Suite *s = suite_create("client-window");
    TCase *tw = sclink_check_tcase(s, "window", 0);
    TCase *tm = sclink_check_tcase(s, "mem", 0);

    tcase_add_test(tw, test_first_window_is_one_quantum);
    tcase_add_test(tw, test_advance_syncs_at_each_window_end);
    tcase_add_test(tw, test_without_sync_time_is_unbounded);
    tcase_add_test(tw, test_lookahead_cut);
    tcase_add_test(tw, test_grant_must_answer_the_reached);
    tcase_add_test(tw, test_event_stamps);
    tcase_add_test(tm, test_mem_serves_reads_and_writes);
    tcase_add_test(tm, test_mem_outside_is_an_address_error);
    tcase_add_test(tm, test_mem_byte_enable_and_streaming);
    return s;
}

SCLINK_CHECK_MAIN(window_suite)
