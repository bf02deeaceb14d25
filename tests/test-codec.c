/* Check tests for libsclink's frame codec and message validation. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/samples.h"
#include "sclink.h"
#include "common/check-main.h"

/* Packs `m` into a frame without validating it, to craft bad input. */
static size_t raw_frame(const sclink_msg *m, uint8_t *out)
{
    size_t len = sclink__v1__envelope__get_packed_size(m);

    out[0] = (uint8_t)(len >> 24);
    out[1] = (uint8_t)(len >> 16);
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    sclink__v1__envelope__pack(m, out + 4);
    return len + 4;
}

/* Every sample encoded back to back. */
static size_t all_samples(sclink_buf *b)
{
    struct sample s;
    int k, n;

    sclink_buf_init(b);
    for (k = 0; k < SAMPLE_COUNT; k++) {
        sample_build(k, &s);
        n = sclink_encode_append(&s.env, 0, b);
        ck_assert_msg(n > 0, "encode %s: %s", sample_name(k), sclink_strerror(n));
    }
    return b->len;
}

/* Feeds one raw frame to a fresh decoder and returns next()'s result. */
static int decode_raw(const sclink_msg *m, char *reason, size_t rlen)
{
    uint8_t frame[4096];
    sclink_decoder d;
    sclink_msg *out = NULL;
    size_t n = raw_frame(m, frame);
    int err;

    sclink_decoder_init(&d, 0);
    err = sclink_decoder_feed(&d, frame, n);
    if (err == 0)
        err = sclink_decoder_next(&d, &out);
    if (reason)
        snprintf(reason, rlen, "%s", sclink_decoder_reason(&d));
    sclink_msg_free(out);
    sclink_decoder_free(&d);
    return err;
}

/* ---------------------------------------------------------- round trip */

START_TEST(test_roundtrip_every_type)
{
    uint8_t a[4096], b[4096];
    struct sample s;
    sclink_decoder d;
    sclink_msg *m;
    int n, n2;

    sample_build(_i, &s);
    n = sclink_encode(&s.env, 0, a, sizeof(a));
    ck_assert_int_gt(n, 4);
    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, a, (size_t)n), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    ck_assert_int_eq(m->msg_case, s.env.msg_case);
    n2 = sclink_encode(m, 0, b, sizeof(b));
    ck_assert_int_eq(n2, n);
    ck_assert_mem_eq(a, b, (size_t)n);
    sclink_msg_free(m);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 0);
    sclink_msg_free(m);
    sclink_decoder_free(&d);
}
END_TEST

START_TEST(test_roundtrip_field_values)
{
    uint8_t buf[4096];
    struct sample s;
    sclink_msg *m;
    int n;

    sample_build(SAMPLE_WRITE, &s);
    n = sclink_encode(&s.env, 0, buf, sizeof(buf));
    ck_assert_int_eq(sclink_msg_unpack(buf + 4, (size_t)n - 4, SCLINK_DEFAULT_MAX_FRAME,
                                       &m, NULL, 0), 0);
    ck_assert_uint_eq(m->request->id, 42);
    ck_assert_int_eq(m->request->command, SCLINK__V1__COMMAND__CMD_WRITE);
    ck_assert_uint_eq(m->request->address, 0x1008);
    ck_assert_uint_eq(m->request->time_ps, 123456789);
    ck_assert_mem_eq(m->request->data.data, "\xde\xad\xbe\xef", 4);
    ck_assert_mem_eq(m->request->byte_enable.data, "\xff\x00\xff\xff", 4);
    ck_assert(m->request->attributes->posted);
    ck_assert_uint_eq(m->request->attributes->initiator_id, 3);
    sclink_msg_free(m);

    sample_build(SAMPLE_WELCOME, &s);
    n = sclink_encode(&s.env, 0, buf, sizeof(buf));
    ck_assert_int_eq(sclink_msg_unpack(buf + 4, (size_t)n - 4, SCLINK_DEFAULT_MAX_FRAME,
                                       &m, NULL, 0), 0);
    ck_assert_uint_eq(m->welcome->device->n_bars, 2);
    ck_assert_uint_eq(m->welcome->device->bars[1]->size, UINT64_C(1) << 32);
    ck_assert_int_eq(m->welcome->device->bars[1]->kind, SCLINK__V1__BAR_KIND__BAR_MEM64);
    ck_assert_uint_eq(m->welcome->device->vendor_id, 0x1af4);
    ck_assert_uint_eq(m->welcome->quantum_ps, 100000000);
    ck_assert_str_eq(m->welcome->name, "sample-gateway");
    sclink_msg_free(m);
}
END_TEST

START_TEST(test_encode_header_matches_encode)
{
    uint8_t whole[4096], hdr[4], payload[4096];
    struct sample s;
    int n, plen;

    sample_build(SAMPLE_WELCOME, &s);
    n = sclink_encode(&s.env, 0, whole, sizeof(whole));
    plen = sclink_encode_header(&s.env, 0, hdr);
    ck_assert_int_eq(plen + 4, n);
    ck_assert_uint_eq(sclink__v1__envelope__pack(&s.env, payload), (size_t)plen);
    ck_assert_mem_eq(whole, hdr, 4);
    ck_assert_mem_eq(whole + 4, payload, (size_t)plen);
}
END_TEST

START_TEST(test_encode_small_buffer)
{
    uint8_t buf[8];
    struct sample s;

    sample_build(SAMPLE_HELLO, &s);
    ck_assert_int_eq(sclink_encode(&s.env, 0, buf, sizeof(buf)), SCLINK_ENOBUFS);
}
END_TEST

START_TEST(test_encode_refuses_invalid)
{
    uint8_t buf[256];
    struct sample s;

    sample_build(SAMPLE_WRITE, &s);
    s.req.length = 8; /* data still 4 bytes */
    ck_assert_int_eq(sclink_encode(&s.env, 0, buf, sizeof(buf)), SCLINK_ELENGTH);
}
END_TEST

START_TEST(test_encode_over_limit)
{
    sclink_buf b;
    struct sample s;
    static uint8_t big[8192];

    sample_build(SAMPLE_RESPONSE, &s);
    s.resp.data.data = big;
    s.resp.data.len = sizeof(big);
    sclink_buf_init(&b);
    ck_assert_int_eq(sclink_encode_append(&s.env, SCLINK_MIN_MAX_FRAME, &b),
                     SCLINK_EFRAMESIZE);
    ck_assert_uint_eq(b.len, 0);
    ck_assert_int_gt(sclink_encode_append(&s.env, 0, &b), 8192);
    sclink_buf_free(&b);
}
END_TEST

/* --------------------------------------------------------------- stream */

static void expect_all_samples(sclink_decoder *d, int *seen)
{
    sclink_msg *m;
    struct sample s;
    int r;

    while ((r = sclink_decoder_next(d, &m)) == 1) {
        ck_assert_int_lt(*seen, SAMPLE_COUNT);
        sample_build(*seen, &s);
        ck_assert_int_eq(m->msg_case, s.env.msg_case);
        sclink_msg_free(m);
        (*seen)++;
    }
    ck_assert_int_eq(r, 0);
}

START_TEST(test_stream_byte_by_byte)
{
    sclink_decoder d;
    sclink_buf b;
    size_t i, n = all_samples(&b);
    int seen = 0;

    sclink_decoder_init(&d, 0);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(sclink_decoder_feed(&d, b.base + i, 1), 0);
        expect_all_samples(&d, &seen);
    }
    ck_assert_int_eq(seen, SAMPLE_COUNT);
    ck_assert_uint_eq(sclink_decoder_pending(&d), 0);
    sclink_decoder_free(&d);
    sclink_buf_free(&b);
}
END_TEST

START_TEST(test_stream_merged_frames)
{
    sclink_decoder d;
    sclink_buf b;
    size_t n = all_samples(&b);
    int seen = 0;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, b.base, n), 0);
    expect_all_samples(&d, &seen);
    ck_assert_int_eq(seen, SAMPLE_COUNT);
    sclink_decoder_free(&d);
    sclink_buf_free(&b);
}
END_TEST

START_TEST(test_stream_split_anywhere)
{
    sclink_decoder d;
    sclink_buf b;
    size_t k, n = all_samples(&b);
    int seen;

    for (k = 0; k <= n; k++) {
        seen = 0;
        sclink_decoder_init(&d, 0);
        ck_assert_int_eq(sclink_decoder_feed(&d, b.base, k), 0);
        expect_all_samples(&d, &seen);
        ck_assert_int_eq(sclink_decoder_feed(&d, b.base + k, n - k), 0);
        expect_all_samples(&d, &seen);
        ck_assert_int_eq(seen, SAMPLE_COUNT);
        sclink_decoder_free(&d);
    }
    sclink_buf_free(&b);
}
END_TEST

START_TEST(test_stream_truncated_frame)
{
    uint8_t buf[4096];
    struct sample s;
    sclink_decoder d;
    sclink_msg *m;
    int n;

    sample_build(SAMPLE_WELCOME, &s);
    n = sclink_encode(&s.env, 0, buf, sizeof(buf));
    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, buf, (size_t)n - 1), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 0);
    ck_assert_ptr_null(m);
    ck_assert_uint_eq(sclink_decoder_pending(&d), (size_t)n - 1);
    /* Only the prefix: still waiting, nothing decoded. */
    sclink_decoder_free(&d);
    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, buf, 3), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, buf + 3, (size_t)n - 3), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    sclink_msg_free(m);
    sclink_decoder_free(&d);
}
END_TEST

/* ------------------------------------------------------------- bad input */

START_TEST(test_zero_length_prefix)
{
    static const uint8_t zero[4] = { 0, 0, 0, 0 };
    sclink_decoder d;
    sclink_msg *m;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, zero, 4), SCLINK_EFRAMESIZE);
    ck_assert_str_eq(sclink_decoder_reason(&d), "zero length prefix");
    /* The stream lost its framing: everything after is refused. */
    ck_assert_int_eq(sclink_decoder_next(&d, &m), SCLINK_EBROKEN);
    ck_assert_int_eq(sclink_decoder_feed(&d, zero, 1), SCLINK_EBROKEN);
    sclink_decoder_free(&d);
}
END_TEST

START_TEST(test_oversized_prefix_rejected_before_allocation)
{
    static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
    uint8_t over[4] = { 0, 0x10, 0, 1 }; /* 1 MiB + 1 */
    sclink_decoder d;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, huge, 4), SCLINK_EFRAMESIZE);
    ck_assert_uint_eq(d.in.cap, 0); /* nothing was set aside */
    sclink_decoder_free(&d);

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, over, 2), 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, over + 2, 2), SCLINK_EFRAMESIZE);
    ck_assert_uint_le(d.in.cap, 256);
    ck_assert_ptr_nonnull(strstr(sclink_decoder_reason(&d), "over the limit"));
    sclink_decoder_free(&d);
}
END_TEST

START_TEST(test_prefix_checked_after_limit_shrinks)
{
    uint8_t buf[16384];
    static uint8_t big[6000];
    struct sample s;
    sclink_decoder d;
    sclink_msg *m;
    int n;

    sample_build(SAMPLE_RESPONSE, &s);
    s.resp.data.data = big;
    s.resp.data.len = sizeof(big);
    n = sclink_encode(&s.env, 0, buf, sizeof(buf));
    ck_assert_int_gt(n, 6000);
    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, buf, (size_t)n), 0);
    ck_assert_int_eq(sclink_decoder_set_max_frame(&d, 100), SCLINK_EINVAL);
    ck_assert_int_eq(sclink_decoder_set_max_frame(&d, SCLINK_MIN_MAX_FRAME), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), SCLINK_EFRAMESIZE);
    sclink_decoder_free(&d);
}
END_TEST

START_TEST(test_garbage_payload)
{
    uint8_t frame[12] = { 0, 0, 0, 8 };
    sclink_decoder d;
    sclink_msg *m;

    memset(frame + 4, 0xff, 8);
    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, frame, sizeof(frame)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), SCLINK_EDECODE);
    ck_assert_ptr_null(m);
    sclink_decoder_free(&d);
}
END_TEST

/* Random streams: whatever comes out is an error or a valid message. */
START_TEST(test_garbage_random_streams)
{
    uint8_t chunk[64];
    sclink_decoder d;
    sclink_msg *m;
    unsigned seed = 12345;
    int round, i, r;

    for (round = 0; round < 2000; round++) {
        sclink_decoder_init(&d, SCLINK_MIN_MAX_FRAME);
        for (i = 0; i < (int)sizeof(chunk); i++)
            chunk[i] = (uint8_t)rand_r(&seed);
        chunk[0] = 0;
        chunk[1] = 0;
        chunk[2] = 0; /* small prefixes, so payloads get decoded */
        r = sclink_decoder_feed(&d, chunk, sizeof(chunk));
        while (r == 0 && (r = sclink_decoder_next(&d, &m)) == 1) {
            ck_assert_int_eq(sclink_msg_validate(m, SCLINK_MIN_MAX_FRAME, NULL, 0), 0);
            sclink_msg_free(m);
            r = 0;
            if (sclink_decoder_pending(&d) == 0)
                break;
        }
        ck_assert_int_le(r, 0);
        sclink_decoder_free(&d);
    }
}
END_TEST

START_TEST(test_unknown_message_type)
{
    /* Envelope field 15, length-delimited, empty: a type from the future. */
    static const uint8_t frame[] = { 0, 0, 0, 2, (15 << 3) | 2, 0 };
    sclink_decoder d;
    sclink_msg *m;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, frame, sizeof(frame)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), SCLINK_EUNKNOWN);
    sclink_decoder_free(&d);
}
END_TEST

/*
 * Regression (found by the fuzzer): protobuf-c keeps an unknown field
 * numbered 0 and would re-emit it on pack; such a frame must be refused.
 */
START_TEST(test_unknown_field_number_zero)
{
    /* Sync REACHED time 1, then key 0x80 0x00 = field 0, varint 5. */
    static const uint8_t frame[] = { 0, 0, 0, 9, 0x32, 7, 0x08, 1, 0x10, 1,
                                     0x80, 0x00, 5 };
    static const uint8_t ok[] = { 0, 0, 0, 6, 0x32, 4, 0x08, 1, 0x10, 1 };
    sclink_decoder d;
    sclink_msg *m;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, ok, sizeof(ok)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    ck_assert_uint_eq(m->sync->time_ps, 1);
    sclink_msg_free(m);
    ck_assert_int_eq(sclink_decoder_feed(&d, frame, sizeof(frame)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), SCLINK_EDECODE);
    ck_assert_str_eq(sclink_decoder_reason(&d), "payload carries a field numbered 0");
    sclink_decoder_free(&d);
}
END_TEST

/*
 * sclink_decoder_msg_heap() says what a decoded message occupies, which
 * callers bound: about 100 bytes for a small Sync, but some 30 times the
 * frame for one padded with 2-byte unknown fields, each kept as an
 * allocation of its own.  A queue bounded by frame sizes held 30 times
 * its bound.
 */
START_TEST(test_decoder_meters_heap)
{
    static const uint8_t ok[] = { 0, 0, 0, 6, 0x32, 4, 0x08, 1, 0x10, 1 };
    static uint8_t padded[4 + 4000];
    size_t small, i;
    sclink_decoder d;
    sclink_msg *m;

    sclink_decoder_init(&d, 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, ok, sizeof(ok)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    small = sclink_decoder_msg_heap(&d);
    ck_assert_uint_gt(small, sizeof(*m));
    ck_assert_uint_lt(small, 1024);
    sclink_msg_free(m);

    /* The same Sync, then field 14 varint 0 until the frame is full. */
    memcpy(padded, ok, sizeof(ok));
    for (i = sizeof(ok); i < sizeof(padded); i += 2) {
        padded[i] = 14 << 3;
        padded[i + 1] = 0;
    }
    padded[2] = (sizeof(padded) - 4) >> 8;
    padded[3] = (sizeof(padded) - 4) & 0xff;
    ck_assert_int_eq(sclink_decoder_feed(&d, padded, sizeof(padded)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    ck_assert_uint_eq(m->sync->time_ps, 1);
    ck_assert_uint_gt(sclink_decoder_msg_heap(&d), 16 * sizeof(padded));
    sclink_msg_free(m);

    /* Each message is metered afresh. */
    ck_assert_int_eq(sclink_decoder_feed(&d, ok, sizeof(ok)), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &m), 1);
    ck_assert_uint_eq(sclink_decoder_msg_heap(&d), small);
    sclink_msg_free(m);
    sclink_decoder_free(&d);
}
END_TEST

START_TEST(test_unknown_enum_values)
{
    char why[160];
    struct sample s;

    sample_build(SAMPLE_READ, &s);
    s.req.command = 99;
    ck_assert_int_eq(decode_raw(&s.env, why, sizeof(why)), SCLINK_ERANGE);
    ck_assert_ptr_nonnull(strstr(why, "command"));

    sample_build(SAMPLE_READ, &s);
    s.req.command = SCLINK__V1__COMMAND__CMD_INVALID;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_RESPONSE, &s);
    s.resp.status = 42;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_SYNC_REACHED, &s);
    s.sync.kind = 7;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_IRQ_LINE, &s);
    s.irq.type = 9;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_HELLO, &s);
    s.hello.role = 77;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_ERROR, &s);
    s.error.code = 1000;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
}
END_TEST

START_TEST(test_missing_required_fields)
{
    char why[160];
    struct sample s;

    sample_build(SAMPLE_READ, &s);
    s.req.has_id = 0;
    ck_assert_int_eq(decode_raw(&s.env, why, sizeof(why)), SCLINK_EMISSING);
    ck_assert_str_eq(why, "Request: missing required field 'id'");

    sample_build(SAMPLE_READ, &s);
    s.req.has_time_ps = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_EMISSING);

    sample_build(SAMPLE_HELLO, &s);
    s.hello.has_version_major = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_EMISSING);

    sample_build(SAMPLE_WELCOME, &s);
    s.welcome.device = NULL;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_EMISSING);

    sample_build(SAMPLE_IRQ_LINE, &s);
    s.irq.has_level = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_EMISSING);

    sample_build(SAMPLE_SYNC_GRANT, &s);
    s.sync.has_window_end_ps = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_EMISSING);
}
END_TEST

START_TEST(test_data_length_mismatch)
{
    char why[160];
    struct sample s;

    sample_build(SAMPLE_WRITE, &s);
    s.req.length = 8;
    ck_assert_int_eq(decode_raw(&s.env, why, sizeof(why)), SCLINK_ELENGTH);
    ck_assert_str_eq(why, "Request 42: write of 8 bytes carries 4");

    sample_build(SAMPLE_WRITE, &s);
    s.req.has_data = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);

    sample_build(SAMPLE_READ, &s);
    s.req.has_data = 1;
    s.req.data.len = 4;
    s.req.data.data = s.data;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);

    sample_build(SAMPLE_READ, &s);
    s.req.length = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);

    sample_build(SAMPLE_READ, &s);
    s.req.length = SCLINK_DEFAULT_MAX_FRAME;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);

    sample_build(SAMPLE_RESPONSE, &s);
    s.resp.status = SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);
}
END_TEST

START_TEST(test_byte_enable_and_streaming_width)
{
    struct sample s;

    sample_build(SAMPLE_WRITE, &s);
    s.req.byte_enable.len = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ELENGTH);

    sample_build(SAMPLE_WRITE, &s);
    s.be[2] = 0x0f;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WRITE, &s);
    s.req.byte_enable.len = 2; /* a repeating pattern is fine */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), 1);

    sample_build(SAMPLE_READ, &s);
    s.req.has_streaming_width = 1;
    s.req.streaming_width = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
    s.req.streaming_width = 5;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
    s.req.streaming_width = 4;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), 1);
}
END_TEST

START_TEST(test_request_address_and_attributes)
{
    struct sample s;
    sclink_attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;

    sample_build(SAMPLE_READ, &s);
    s.req.address = UINT64_MAX - 2; /* 4 bytes would wrap */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
    s.req.address = UINT64_MAX - 3; /* last 4 bytes of the space */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), 1);

    sample_build(SAMPLE_READ, &s);
    attrs.has_posted = 1;
    attrs.posted = 1;
    s.req.attributes = &attrs;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_READ, &s);
    s.req.bar = 6;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
}
END_TEST

START_TEST(test_device_description_rules)
{
    struct sample s;

    sample_build(SAMPLE_WELCOME, &s);
    s.bar0.size = 0x3000;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.bar2.index = 5; /* 64-bit needs 5 and 6 */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.bar2.index = 0; /* collides with bar0 */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.bar0.index = 1;
    s.bar2.index = 0; /* 64-bit at 0 takes slot 1 too */
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSI;
    s.dev.has_msi_vectors = 1;
    s.dev.msi_vectors = 3;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.dev.vendor_id = 0xffff;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.welcome.quantum_ps = 0;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);

    sample_build(SAMPLE_WELCOME, &s);
    s.welcome.max_frame = 100;
    ck_assert_int_eq(decode_raw(&s.env, NULL, 0), SCLINK_ERANGE);
}
END_TEST

START_TEST(test_strerror_covers_codes)
{
    int codes[] = { SCLINK_EFRAMESIZE, SCLINK_EDECODE, SCLINK_EMISSING,
                    SCLINK_ERANGE, SCLINK_ELENGTH, SCLINK_EUNKNOWN,
                    SCLINK_EVERSION, SCLINK_EPEER, SCLINK_ECLOSED,
                    SCLINK_EADDR, SCLINK_ESTATE, SCLINK_EBROKEN };
    size_t i;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        ck_assert_str_ne(sclink_strerror(codes[i]), "unknown error");
    ck_assert_str_eq(sclink_strerror(SCLINK_ETIMEDOUT), strerror(ETIMEDOUT));
    ck_assert_str_eq(sclink_strerror(-5555), "unknown error");
    ck_assert_int_eq(sclink_error_code(SCLINK_EVERSION), SCLINK__V1__ERROR_CODE__ERR_VERSION);
    ck_assert_int_eq(sclink_error_code(SCLINK_EFRAMESIZE), SCLINK__V1__ERROR_CODE__ERR_FRAME_SIZE);
}
END_TEST

/* Peer text in logs: control bytes, DEL, >= 0x80 and quotes escaped. */
START_TEST(test_log_text_escapes_control_and_high_bytes)
{
    char out[SCLINK_LOG_TEXT_SIZE];

    ck_assert_str_eq(sclink_log_text(out, sizeof(out), "qemu0"), "qemu0");
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), NULL), "");
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), "a\n[forged] b"), "a\\x0a[forged] b");
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), "\x1b[31mred\r\t\x7f"),
                     "\\x1b[31mred\\x0d\\x09\\x7f");
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), "caf\xc3\xa9 \xff"), "caf\\xc3\\xa9 \\xff");
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), "it's \"\\x0a\""),
                     "it\\'s \\\"\\\\x0a\\\"");
}
END_TEST

/* At most SCLINK_LOG_TEXT_MAX escaped bytes, never half an escape, then a marker. */
START_TEST(test_log_text_cuts_long_text)
{
    char text[1025], out[SCLINK_LOG_TEXT_SIZE], want[SCLINK_LOG_TEXT_SIZE];
    char small[40];

    memset(text, 'a', SCLINK_LOG_TEXT_MAX);
    text[SCLINK_LOG_TEXT_MAX] = '\0';
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), text), text); /* exactly fits */

    memset(text, 'a', 1024);
    text[1024] = '\0';
    snprintf(want, sizeof(want), "%.*s... (%d more bytes cut)", SCLINK_LOG_TEXT_MAX, text,
             1024 - SCLINK_LOG_TEXT_MAX);
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), text), want);

    /* 255 plain bytes, then an escape that would cross the bound. */
    memset(text, 'a', SCLINK_LOG_TEXT_MAX - 1);
    strcpy(text + SCLINK_LOG_TEXT_MAX - 1, "\n\n");
    snprintf(want, sizeof(want), "%.*s... (2 more bytes cut)", SCLINK_LOG_TEXT_MAX - 1, text);
    ck_assert_str_eq(sclink_log_text(out, sizeof(out), text), want);

    /* A small buffer cuts sooner, and never overruns. */
    memset(small, '#', sizeof(small));
    sclink_log_text(small, 10, "0123456789abcdef");
    ck_assert_str_eq(small, "012345678");
    ck_assert_int_eq(small[10], '#');
    sclink_log_text(small, 1, "x");
    ck_assert_str_eq(small, "");
}
END_TEST

static Suite *codec_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc;

    tc = sclink_check_tcase(s, "roundtrip", 0);
    tcase_add_loop_test(tc, test_roundtrip_every_type, 0, SAMPLE_COUNT);
    tcase_add_test(tc, test_roundtrip_field_values);
    tcase_add_test(tc, test_encode_header_matches_encode);
    tcase_add_test(tc, test_encode_small_buffer);
    tcase_add_test(tc, test_encode_refuses_invalid);
    tcase_add_test(tc, test_encode_over_limit);

    tc = sclink_check_tcase(s, "stream", 0);
    tcase_add_test(tc, test_stream_byte_by_byte);
    tcase_add_test(tc, test_stream_merged_frames);
    tcase_add_test(tc, test_stream_split_anywhere);
    tcase_add_test(tc, test_stream_truncated_frame);

    tc = sclink_check_tcase(s, "bad-input", 0);
    tcase_add_test(tc, test_zero_length_prefix);
    tcase_add_test(tc, test_oversized_prefix_rejected_before_allocation);
    tcase_add_test(tc, test_prefix_checked_after_limit_shrinks);
    tcase_add_test(tc, test_garbage_payload);
    tcase_add_test(tc, test_garbage_random_streams);
    tcase_add_test(tc, test_unknown_message_type);
    tcase_add_test(tc, test_unknown_field_number_zero);
    tcase_add_test(tc, test_decoder_meters_heap);
    tcase_add_test(tc, test_unknown_enum_values);
    tcase_add_test(tc, test_missing_required_fields);
    tcase_add_test(tc, test_data_length_mismatch);
    tcase_add_test(tc, test_byte_enable_and_streaming_width);
    tcase_add_test(tc, test_request_address_and_attributes);
    tcase_add_test(tc, test_device_description_rules);
    tcase_add_test(tc, test_strerror_covers_codes);

    tc = sclink_check_tcase(s, "log-text", 0);
    tcase_add_test(tc, test_log_text_escapes_control_and_high_bytes);
    tcase_add_test(tc, test_log_text_cuts_long_text);
    return s;
}

SCLINK_CHECK_MAIN(codec_suite)
