/*
 * Bad input and faults against the real sclink-gateway, over a real Unix
 * socket, speaking the protocol with libsclink directly so every malformed
 * case can be produced.  Each test starts its own gateway (--serve unless
 * it checks exit statuses) and checks the Error it answers, the one log
 * line it writes, and that it still serves the next link.
 */
#include <check.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gwtest.h"
#include "../common/check-main.h"

/* The gateway's resident memory in KiB, from /proc/PID/status VmRSS. */
static long gateway_rss_kb(void)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)gw);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    ck_assert_int_gt(kb, 0);
    return kb;
}

/* The platform's timeout_ms, in seconds. */
#define TIMEOUT_S 2.0

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Encodes frame number i of a flood into buf; returns its size. */
typedef size_t (*flood_frame_fn)(uint8_t *buf, size_t cap, size_t i);

/*
 * Writes frames made by `make`, reading nothing, until the gateway stops
 * taking them (no room in the socket for `idle_ms`) or `cap` bytes are
 * out; fails at once if the gateway grows by `limit_kb` or more over
 * `base_kb` on the way.  Returns the number of frames written.
 */
static size_t flood(sclink_conn *c, flood_frame_fn make, size_t cap, int idle_ms, long base_kb,
                    long limit_kb)
{
    struct pollfd p = { .fd = c->fd, .events = POLLOUT };
    uint8_t batch[4096];
    size_t sent = 0, frames = 0, k, n;
    long kb;

    while (sent < cap) {
        if (poll(&p, 1, idle_ms) == 0)
            break;
        /* 4 KiB of frames at a time, as fast as a peer can: POLLOUT
         * means room for far more, so each batch is written whole. */
        for (k = n = 0; n + 256 <= sizeof(batch); k++)
            n += make(batch + n, 256, frames + k);
        /* A gateway that cut the link ends the flood (no SIGPIPE). */
        if (send(c->fd, batch, n, MSG_NOSIGNAL) != (ssize_t)n)
            break;
        sent += n;
        frames += k;
        kb = gateway_rss_kb();
        ck_assert_msg(kb - base_kb < limit_kb, "gateway grew by %ld KiB after %zu bytes of flood",
                      kb - base_kb, sent);
    }
    ck_assert_msg(sent < cap, "gateway took %zu bytes of flood without pushing back", sent);
    return frames;
}

/* After a fault, the gateway (in --serve) must serve a healthy link. */
static void still_serving(void)
{
    Sclink__V1__Status st;
    sclink_conn c;

    link_up(&c);
    ck_assert_uint_eq(read32(&c, 0x20000, &st), 0x53434c4b);
    ck_assert_int_eq(st, SCLINK__V1__STATUS__STATUS_OK);
    sclink_conn_close(&c);
}

START_TEST(test_version_mismatch)
{
    char why[256] = "";
    sclink_conn c;
    sclink_hello h;
    sclink_msg *w;

    start_gateway("--serve");
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    hello(&h, 7);
    ck_assert_int_eq(sclink_client_handshake(&c, &h, &w, 3000, why, sizeof(why)),
                     SCLINK_EVERSION);
    ck_assert_ptr_nonnull(strstr(why, "peer speaks 7.0, this gateway speaks 1.2"));
    sclink_conn_close(&c);
    still_serving();
    ck_assert_int_eq(log_count("link lost: protocol version mismatch"), 1);
    stop_gateway();
}
END_TEST

START_TEST(test_request_before_hello)
{
    sclink_conn c;
    sclink_request r;

    start_gateway("--serve");
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    read_req(&r, 1, 0, 0);
    send_request(&c, &r);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "expected Hello, got Request");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_huge_length_prefix)
{
    static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff };
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, huge, sizeof(huge));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_FRAME_SIZE, "over the limit");
    sclink_conn_close(&c);
    still_serving();
    ck_assert_int_eq(log_count("link lost: length prefix"), 1);
    stop_gateway();
}
END_TEST

START_TEST(test_garbage_frame)
{
    static const uint8_t junk[] = { 0, 0, 0, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, junk, sizeof(junk));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "not an Envelope");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_unknown_message_type)
{
    static const uint8_t future[] = { 0, 0, 0, 2, (15 << 3) | 2, 0 };
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, future, sizeof(future));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "no known message type");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_wrong_direction_message)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    s.has_kind = s.has_time_ps = s.has_window_end_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
    s.time_ps = 0;
    s.window_end_ps = 10;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    ck_assert_int_eq(sclink_conn_send(&c, &env), 0);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "GRANT");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_request_beyond_window)
{
    sclink_conn c;
    sclink_request r;

    start_gateway("--serve");
    link_up(&c);
    /* The platform's quantum is 10 us: the first window ends there. */
    read_req(&r, 1, 0, 10000001);
    send_request(&c, &r);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "beyond the granted window end");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_access_past_bar_end)
{
    Sclink__V1__Status st;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    read32(&c, 0xffffe, &st); /* 4 bytes from 2 before the end */
    ck_assert_int_eq(st, SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
    read32(&c, 0x0, &st); /* the link goes on */
    ck_assert_int_eq(st, SCLINK__V1__STATUS__STATUS_OK);
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

START_TEST(test_second_link_is_busy)
{
    sclink_conn c1, c2;

    start_gateway("--serve");
    link_up(&c1);
    ck_assert_int_eq(sclink_conn_connect(&c2, addr, 2000), 0);
    expect_error(&c2, SCLINK__V1__ERROR_CODE__ERR_BUSY, "already serves a link");
    sclink_conn_close(&c2);
    {
        Sclink__V1__Status st;
        ck_assert_uint_eq(read32(&c1, 0x20000, &st), 0x53434c4b);
    }
    sclink_conn_close(&c1);
    stop_gateway();
}
END_TEST

START_TEST(test_stalled_frame_times_out)
{
    static const uint8_t half[] = { 0, 0, 0, 40, 0x1a };
    struct timespec t0, t1;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    send_raw(&c, half, sizeof(half));
    /* platform timeout_ms is 2000 */
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "incomplete");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ck_assert_int_ge(t1.tv_sec - t0.tv_sec, 1);
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_silent_peer_gets_no_hello_timeout)
{
    sclink_conn c;

    start_gateway("--serve");
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    /* platform timeout_ms is 2000; say nothing */
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no Hello within 2000 ms");
    sclink_conn_close(&c);
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_client_vanishes_mid_request)
{
    sclink_conn c;
    sclink_request r;

    start_gateway("--serve");
    link_up(&c);
    read_req(&r, 1, 0, 0);
    send_request(&c, &r);
    sclink_conn_close(&c); /* gone before the Response */
    still_serving();
    ck_assert_int_ge(log_count("link lost"), 1);
    stop_gateway();
}
END_TEST

/*
 * Links that send Hello and vanish at once: the gateway must survive the
 * writes to dead sockets (regression: SIGPIPE killed it) and leave nothing
 * of them for the next link.  Each must be noticed, the serve loop back to
 * "waiting for the next link", before the next connects: a peer
 * connecting while the last one is still open would get ERR_BUSY.
 */
START_TEST(test_link_dies_in_handshake)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_hello h;
    sclink_conn c;
    int i;

    start_gateway("--serve");
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
        hello(&h, SCLINK_VERSION_MAJOR);
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
        env.hello = &h;
        ck_assert_int_eq(sclink_conn_send(&c, &env), 0);
        sclink_conn_close(&c);
        wait_log_count("waiting for the next link", i + 1);
    }
    still_serving();
    stop_gateway();
}
END_TEST

START_TEST(test_serve_resets_models)
{
    Sclink__V1__Status st;
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    uint8_t val[4] = { 1, 2, 3, 4 };
    sclink_msg *m;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    read_req(&r, 1, 0x100, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = val;
    r.data.len = 4;
    send_request(&c, &r);
    ck_assert_int_eq(sclink_conn_recv(&c, &m, 5000), 0);
    sclink_msg_free(m);
    ck_assert_uint_eq(read32(&c, 0x100, &st), 0x04030201);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    ck_assert_int_eq(sclink_conn_send(&c, &env), 0);
    ck_assert_int_eq(sclink_conn_recv(&c, &m, 5000), SCLINK_ECLOSED);
    sclink_conn_close(&c);

    link_up(&c);
    ck_assert_uint_eq(read32(&c, 0x100, &st), 0);
    sclink_conn_close(&c);
    ck_assert_int_ge(log_count("waiting for the next link"), 1);
    stop_gateway();
}
END_TEST

/* A posted write sent just before Bye is applied before the gateway exits. */
START_TEST(test_one_shot_exit_after_bye)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    sclink_attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;
    sclink_request r;
    uint8_t ch[4] = { 'Z', 0, 0, 0 };
    sclink_conn c;
    char path[200], got[8] = "";
    FILE *f;

    start_gateway(NULL);
    link_up(&c);
    read_req(&r, 1, 0x21000, 0); /* uart DATA */
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = ch;
    r.data.len = 4;
    attrs.has_posted = 1;
    attrs.posted = 1;
    r.attributes = &attrs;
    send_request(&c, &r);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    ck_assert_int_eq(sclink_conn_send(&c, &env), 0);
    sclink_conn_close(&c);
    ck_assert_int_eq(gateway_exit(), 0);
    snprintf(path, sizeof(path), "%s/uart.out", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
    fclose(f);
    ck_assert_str_eq(got, "Z");
    stop_gateway();
}
END_TEST

START_TEST(test_one_shot_exit_after_disconnect)
{
    sclink_conn c;

    start_gateway(NULL);
    link_up(&c);
    sclink_conn_close(&c);
    ck_assert_int_eq(gateway_exit(), 3);
    stop_gateway();
}
END_TEST

/* Read number i of all of ram (64 KiB), id 1000 + i. */
static size_t big_read(uint8_t *buf, size_t cap, size_t i)
{
    sclink_request r;

    read_req(&r, 1000 + i, 0x0, 0);
    r.length = 0x10000;
    return encode_request(buf, cap, &r);
}

/* The output bound, 4 frames of 1 MiB, twice (two buffers), and slack. */
#define OUTPUT_FLOOD_GROWTH_KB (16 * 1024)
/* What a link that has ended may leave behind. */
#define ENDED_LINK_GROWTH_KB 1024

/*
 * A peer that sends 64 KiB reads and never reads the answers: the gateway
 * stops reading once 4 frames of output are pending, so the peer's writes
 * block and the gateway stays small; the answers flow again, in order, as
 * the peer reads; once it goes away its buffers are freed and the next
 * link is served.  Without the bound the gateway grew by 650 MB a second.
 */
START_TEST(test_unread_output_stays_bounded)
{
    Sclink__V1__Status st;
    sclink_msg *m;
    sclink_conn c;
    size_t reads, i;
    long base;

    start_gateway("--serve");
    link_up(&c);
    base = gateway_rss_kb();
    /* 4 MiB of requests would ask for 13 GB of answers. */
    reads = flood(&c, big_read, 4 << 20, 500, base, OUTPUT_FLOOD_GROWTH_KB);
    usleep(200000);
    ck_assert_int_lt(gateway_rss_kb() - base, OUTPUT_FLOOD_GROWTH_KB);
    /* More answers than the output bound holds: they resumed as we read. */
    ck_assert_uint_gt(reads, (4u << 20) / 0x10000);
    for (i = 0; i < reads; i++) {
        m = recv_response(&c, 1000 + i, SCLINK__V1__STATUS__STATUS_OK);
        ck_assert_uint_eq(m->response->data.len, 0x10000);
        sclink_msg_free(m);
    }
    sclink_conn_close(&c);
    /* still_serving(), counting in between: one link at a time, so once
     * the next is up the first one's end is logged and the next one's,
     * which ends the same way, cannot be yet. */
    link_up(&c);
    ck_assert_int_eq(log_count("link lost: peer closed the connection"), 1);
    ck_assert_uint_eq(read32(&c, 0x20000, &st), 0x53434c4b);
    ck_assert_int_eq(st, SCLINK__V1__STATUS__STATUS_OK);
    sclink_conn_close(&c);
    ck_assert_int_lt(gateway_rss_kb() - base, ENDED_LINK_GROWTH_KB);
    stop_gateway();
}
END_TEST

/*
 * A peer that floods 64 KiB reads and then reads nothing: it holds the only
 * link slot, with the output bound pending, until the gateway cuts it
 * about 2000 ms (timeout_ms) after the output went over the bound; the
 * next link is then served although the peer is still connected.
 */
START_TEST(test_unread_output_cut_after_timeout)
{
    struct timespec t0;
    sclink_conn c;
    double took;
    int i;

    start_gateway("--serve");
    link_up(&c);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    flood(&c, big_read, 4 << 20, 500, gateway_rss_kb(), OUTPUT_FLOOD_GROWTH_KB);
    for (i = 0; i < 300 && log_count("link lost: peer left") == 0; i++)
        usleep(20000);
    took = seconds_since(&t0);
    ck_assert_int_eq(log_count("output unread for 2000 ms"), 1);
    ck_assert_msg(took > TIMEOUT_S * 0.9 && took < TIMEOUT_S * 2,
                  "cut %.2f s after the flood began (timeout %.1f s)", took, TIMEOUT_S);
    still_serving();
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* A non-posted 4-byte write that must succeed. */
#define DMA_CTRL_ID 9000

/*
 * Starts the dma model (at 0x30000) copying 16 bytes of guest memory at
 * 0x1000 into its buffer, and returns the DMA Request that makes the
 * gateway wait.  The write that started it, id DMA_CTRL_ID, is answered
 * once the DMA is.
 */
static sclink_msg *start_dma(sclink_conn *c)
{
    uint32_t start = 0x100; /* CTRL: DIR 0 (guest -> buffer), START */
    sclink_request r;
    sclink_msg *m;

    write32(c, 0x30000, 0x1000); /* SRC_LO */
    write32(c, 0x30008, 0);      /* DST_LO */
    write32(c, 0x30010, 16);     /* LEN */
    read_req(&r, DMA_CTRL_ID, 0x30014, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = (uint8_t *)&start;
    r.data.len = 4;
    send_request(c, &r);
    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), 0);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_REQUEST);
    ck_assert(!m->request->has_bar);
    ck_assert_int_eq(m->request->command, SCLINK__V1__COMMAND__CMD_READ);
    ck_assert_uint_eq(m->request->length, 16);
    return m;
}

/* Posted write number i: value i to ram at 0x2000 + 4 * (i % 1024). */
static size_t posted_write(uint8_t *buf, size_t cap, size_t i)
{
    sclink_attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;
    uint32_t v = (uint32_t)i;
    sclink_request r;

    read_req(&r, 1 + i, 0x2000 + 4 * (i % 1024), 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = (uint8_t *)&v;
    r.data.len = 4;
    attrs.has_posted = attrs.posted = 1;
    r.attributes = &attrs;
    return encode_request(buf, cap, &r);
}

/* Posted write number i with unknown fields (field 14, varint 0) up to 250 bytes. */
static size_t padded_posted_write(uint8_t *buf, size_t cap, size_t i)
{
    size_t n = posted_write(buf, cap, i);

    ck_assert_uint_ge(cap, 250);
    for (; n + 2 <= 250; n += 2) {
        buf[n] = 14 << 3;
        buf[n + 1] = 0;
    }
    buf[2] = (uint8_t)((n - 4) >> 8);
    buf[3] = (uint8_t)(n - 4);
    return n;
}

/* The queue bound, 32 MiB of decoded messages, and slack. */
#define QUEUE_FLOOD_GROWTH_KB (48 * 1024)

/*
 * Leaves the gateway waiting for a DMA Response and floods it with the
 * frames `make` builds meanwhile: the gateway queues them up to the bound,
 * then stops reading, so the peer's writes block and the gateway stays
 * small; the DMA times out saying why, and the next link is served.
 */
static void flood_during_dma(flood_frame_fn make)
{
    sclink_conn c;
    long base;

    start_gateway("--serve");
    link_up(&c);
    base = gateway_rss_kb();
    sclink_msg_free(start_dma(&c));
    /* 16 MiB of them decode into 150 MiB or more. */
    flood(&c, make, 16 << 20, 300, base, QUEUE_FLOOD_GROWTH_KB);
    ck_assert_int_lt(gateway_rss_kb() - base, QUEUE_FLOOD_GROWTH_KB);
    /* platform timeout_ms is 2000 */
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "reached the queue bound");
    sclink_conn_close(&c);
    still_serving();
    ck_assert_int_eq(log_count("link lost: no answer to DMA request"), 1);
    ck_assert_int_eq(log_count("queue bound 1 times"), 1);
    stop_gateway();
}

/* Small posted writes: without the bound, 1 GB a second. */
START_TEST(test_queue_bounded_while_dma_unanswered)
{
    flood_during_dma(posted_write);
}
END_TEST

/*
 * Posted writes padded with unknown fields, which decode into some 30
 * times their frame: a bound that counted frames let the queue grow past
 * 48 MiB after 2 MB of them.
 */
START_TEST(test_queue_bound_counts_decoded_size)
{
    flood_during_dma(padded_posted_write);
}
END_TEST

/*
 * What a peer may send while a DMA Request is unanswered, short of the
 * bound: posted writes costing 3/4 of it (a decoded posted write and its
 * queue entry take about 400 bytes), then the Response.  The DMA
 * completes and every write is applied, in order.
 */
START_TEST(test_posted_writes_below_queue_bound_during_dma)
{
    const size_t budget = (32u << 20) / 4 * 3, msg_cost = 400;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    uint8_t data[16] = { 0 };
    sclink_msg *dma;
    Sclink__V1__Status st;
    size_t cost = 0, i, n;
    uint8_t frame[256];
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    dma = start_dma(&c);
    for (i = 0; cost < budget; i++) {
        n = posted_write(frame, sizeof(frame), i);
        send_raw(&c, frame, n);
        cost += msg_cost;
    }
    resp.has_id = resp.has_status = resp.has_data = 1;
    resp.id = dma->request->id;
    resp.status = SCLINK__V1__STATUS__STATUS_OK;
    resp.data.data = data;
    resp.data.len = sizeof(data);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    ck_assert_int_eq(sclink_conn_send(&c, &env), 0);
    sclink_msg_free(dma);
    sclink_msg_free(recv_response(&c, DMA_CTRL_ID, SCLINK__V1__STATUS__STATUS_OK));
    ck_assert_uint_eq(read32(&c, 0x30018, &st), 0x2); /* STATUS: DONE, no ERROR */
    ck_assert_uint_eq(read32(&c, 0x2000 + 4 * ((i - 1) % 1024), &st), i - 1);
    ck_assert_uint_eq(read32(&c, 0x2000 + 4 * ((i - 2) % 1024), &st), i - 2);
    sclink_conn_close(&c);
    still_serving(); /* the first link's statistics are out */
    ck_assert_int_ge(log_count("queue bound 0 times"), 1);
    ck_assert_int_eq(log_count("queue bound 1 times"), 0);
    stop_gateway();
}
END_TEST

/*
 * Slow-loris: a frame sent one byte every 250 ms, far within the 2000 ms
 * timeout per byte, far beyond it in total.  The stall timer restarted on
 * every byte, so such a peer held the only link slot for ever; the gateway
 * must cut it about 2000 ms after the frame's first byte.
 */
START_TEST(test_slow_frame_cut_from_first_byte)
{
    struct pollfd p;
    struct timespec t0;
    uint8_t data[64] = { 0 }, frame[256];
    sclink_request r;
    sclink_conn c;
    size_t n, i;
    double took;

    start_gateway("--serve");
    link_up(&c);
    read_req(&r, 1, 0x100, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = data;
    r.data.len = sizeof(data);
    r.length = sizeof(data);
    n = encode_request(frame, sizeof(frame), &r);
    ck_assert_uint_gt((n - 1) * 0.25, 3 * TIMEOUT_S);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p.fd = c.fd;
    p.events = POLLIN;
    /* Never the last byte: the frame stays incomplete. */
    for (i = 0; i + 1 < n && seconds_since(&t0) < 3 * TIMEOUT_S; i++) {
        if (send(c.fd, frame + i, 1, MSG_NOSIGNAL) != 1 || poll(&p, 1, 250) != 0)
            break; /* the gateway answered, or is gone */
    }
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "incomplete");
    took = seconds_since(&t0);
    ck_assert_msg(took > TIMEOUT_S * 0.9 && took < TIMEOUT_S * 2,
                  "cut %.2f s after the first byte (timeout %.1f s), %zu bytes sent", took,
                  TIMEOUT_S, i);
    sclink_conn_close(&c);
    still_serving();
    ck_assert_int_eq(log_count("link lost: peer left a frame incomplete for 2000 ms"), 1);
    stop_gateway();
}
END_TEST

/* Sends a Bye or an Error carrying `text`, then expects the close. */
static void send_text_and_leave(sclink_conn *c, int error, const char *text)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;
    sclink_msg *m;

    if (error) {
        e.has_code = 1;
        e.code = SCLINK__V1__ERROR_CODE__ERR_INTERNAL;
        e.message = (char *)text;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        env.error = &e;
    } else {
        bye.message = (char *)text;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        env.bye = &bye;
    }
    ck_assert_int_eq(sclink_conn_send(c, &env), 0);
    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), SCLINK_ECLOSED);
    sclink_conn_close(c);
}

/*
 * A peer's Error ends the link with a "link lost" line that names it, not
 * "success" (regression: the close this side asked for wiped the reason).
 */
START_TEST(test_peer_error_named_in_link_lost)
{
    sclink_conn c;

    start_gateway("--serve");
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    send_text_and_leave(&c, 1, "not today");     /* instead of a Hello */
    link_up(&c);
    send_text_and_leave(&c, 1, "going away");    /* on a running link */
    still_serving();
    ck_assert_int_eq(log_count("link lost: peer refused: ERR_INTERNAL: not today"), 1);
    ck_assert_int_eq(log_count("peer reported error ERR_INTERNAL: going away"), 1);
    ck_assert_int_eq(log_count("link lost: peer reported error ERR_INTERNAL"), 1);
    ck_assert_int_eq(log_count("link lost: success"), 0);
    stop_gateway();
}
END_TEST

/*
 * Peer text reaches the log escaped: a Hello name, a Bye message, an Error
 * after the handshake and one instead of a Hello that try to forge a log
 * line and recolour the terminal show up as \xNN escapes, in their line,
 * and a long one is cut with a marker.
 */
START_TEST(test_log_escapes_peer_text)
{
    static const char forged[] = "x\n[forged] sclink-gateway: link up\x1b[31m";
    static const char escaped[] = "x\\x0a[forged] sclink-gateway: link up\\x1b[31m";
    char text[1001], buf[65536], *line;
    size_t n;
    FILE *f;
    sclink_conn c;

    start_gateway("--serve");
    link_up_named(&c, forged);
    send_text_and_leave(&c, 0, forged);     /* Bye */
    link_up(&c);
    send_text_and_leave(&c, 1, forged);     /* Error on a running link */
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    send_text_and_leave(&c, 1, forged);     /* Error instead of a Hello */
    memset(text, 0x1b, sizeof(text) - 1);   /* 1000 bytes, 4000 escaped */
    text[sizeof(text) - 1] = '\0';
    link_up(&c);
    send_text_and_leave(&c, 0, text);
    still_serving();                        /* every line above is written */

    ck_assert_int_eq(log_count(escaped), 4);
    ck_assert_int_eq(log_count("link up with 'x\\x0a[forged]"), 1);
    ck_assert_int_eq(log_count("peer said Bye: x\\x0a[forged]"), 1);
    ck_assert_int_eq(log_count("peer reported error ERR_INTERNAL: x\\x0a[forged]"), 1);
    ck_assert_int_eq(log_count("link lost: peer refused: ERR_INTERNAL: x\\x0a[forged]"), 1);
    ck_assert_int_eq(log_count("\\x1b... (936 more bytes cut)"), 1);
    f = fopen(errlog, "r");
    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    ck_assert_ptr_null(memchr(buf, 0x1b, n));
    for (line = buf; *line; line += n + (line[n] == '\n')) {
        n = strcspn(line, "\n");
        ck_assert_msg(strncmp(line, "[forged]", 8) != 0, "a forged line in the log");
        ck_assert_msg(n < 512, "a log line of %zu bytes", n);
    }
    stop_gateway();
}
END_TEST

static Suite *faults_suite(void)
{
    Suite *s = suite_create("gateway-faults");
    TCase *tc = sclink_check_tcase(s, "faults", 30);

    tcase_add_test(tc, test_version_mismatch);
    tcase_add_test(tc, test_request_before_hello);
    tcase_add_test(tc, test_huge_length_prefix);
    tcase_add_test(tc, test_garbage_frame);
    tcase_add_test(tc, test_unknown_message_type);
    tcase_add_test(tc, test_wrong_direction_message);
    tcase_add_test(tc, test_request_beyond_window);
    tcase_add_test(tc, test_access_past_bar_end);
    tcase_add_test(tc, test_second_link_is_busy);
    tcase_add_test(tc, test_stalled_frame_times_out);
    tcase_add_test(tc, test_silent_peer_gets_no_hello_timeout);
    tcase_add_test(tc, test_client_vanishes_mid_request);
    tcase_add_test(tc, test_link_dies_in_handshake);
    tcase_add_test(tc, test_serve_resets_models);
    tcase_add_test(tc, test_one_shot_exit_after_bye);
    tcase_add_test(tc, test_one_shot_exit_after_disconnect);
    tcase_add_test(tc, test_unread_output_stays_bounded);
    tcase_add_test(tc, test_unread_output_cut_after_timeout);
    tcase_add_test(tc, test_queue_bounded_while_dma_unanswered);
    tcase_add_test(tc, test_queue_bound_counts_decoded_size);
    tcase_add_test(tc, test_posted_writes_below_queue_bound_during_dma);
    tcase_add_test(tc, test_slow_frame_cut_from_first_byte);
    tcase_add_test(tc, test_peer_error_named_in_link_lost);
    tcase_add_test(tc, test_log_escapes_peer_text);
    return s;
}

SCLINK_CHECK_MAIN(faults_suite)
