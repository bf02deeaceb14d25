/*
 * The gateway against doc/protocol.md, case by case: where an independent
 * QEMU-side peer written from the spec alone disagreed with the gateway,
 * one test names the rule and checks what the spec says the gateway does.
 * A real sclink-gateway over a real Unix socket, frames built by hand
 * (libsclink's encoder, or bytes where the encoder would refuse them).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwtest.h"
#include "../common/check-main.h"

#define US UINT64_C(1000000) /* ps */
#define Q (10 * US)          /* the test platform's quantum */

#define CAP(x) ((uint64_t)SCLINK__V1__CAPABILITY__CAP_##x)
/* What hello() offers: everything but CAP_LOOKAHEAD. */
#define CAPS 0xffu

static sclink_msg *recv_msg(sclink_conn *c)
{
    sclink_msg *m = NULL;

    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), 0);
    return m;
}

static void send_msg(sclink_conn *c, sclink_msg *env)
{
    ck_assert_int_eq(sclink_conn_send(c, env), 0);
}

static void send_reached(sclink_conn *c, uint64_t t)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;

    s.has_kind = s.has_time_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
    s.time_ps = t;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    send_msg(c, &env);
}

static void expect_grant(sclink_conn *c, uint64_t t, uint64_t end)
{
    sclink_msg *m = recv_msg(c);

    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_SYNC);
    ck_assert_int_eq(m->sync->kind, SCLINK__V1__SYNC_KIND__SYNC_GRANT);
    ck_assert_uint_eq(m->sync->time_ps, t);
    ck_assert_uint_eq(m->sync->window_end_ps, end);
    sclink_msg_free(m);
}

/* A 4-byte MMIO write of BAR 0 at `off`, stamped 0, not waited for. */
static void send_write(sclink_conn *c, uint64_t id, uint64_t off, uint32_t v)
{
    sclink_request r;

    read_req(&r, id, off, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = (uint8_t *)&v;
    r.data.len = 4;
    send_request(c, &r);
}

static void send_response(sclink_conn *c, uint64_t id, const uint8_t *data, size_t len,
                          uint64_t delay_ps)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;

    resp.has_id = resp.has_status = 1;
    resp.id = id;
    resp.status = SCLINK__V1__STATUS__STATUS_OK;
    if (data) {
        resp.has_data = 1;
        resp.data.data = (uint8_t *)data;
        resp.data.len = len;
    }
    if (delay_ps) {
        resp.has_delay_ps = 1;
        resp.delay_ps = delay_ps;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    send_msg(c, &env);
}

/* The dma model (at 0x30000): SRC, DST, LEN, then CTRL `ctrl` as id `id`. */
static void dma_program(sclink_conn *c, uint64_t src, uint64_t dst, uint32_t len,
                        uint64_t id, uint32_t ctrl)
{
    write32(c, 0x30000, (uint32_t)src); /* SRC_LO */
    write32(c, 0x30008, (uint32_t)dst); /* DST_LO */
    write32(c, 0x30010, len);           /* LEN */
    send_write(c, id, 0x30014, ctrl);   /* CTRL */
}

#define DMA_START 0x100u
#define DMA_IRQ_EN 0x10u
#define DMA_FROM_LOCAL 1u

/* 5.4, 6.3: a debug command needs CAP_DEBUG; without it, ERR_UNSUPPORTED. */
START_TEST(test_debug_without_cap_debug_is_unsupported)
{
    sclink_request r;
    sclink_conn c;

    start_gateway("--serve");
    link_up_caps(&c, CAPS & ~CAP(DEBUG));
    read_req(&r, 1, 0x20000, 0);
    r.command = SCLINK__V1__COMMAND__CMD_DEBUG_READ;
    send_request(&c, &r);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "CAP_DEBUG");
    sclink_conn_close(&c);

    /* With it agreed, the same Request is answered. */
    link_up(&c);
    send_request(&c, &r);
    sclink_msg_free(recv_response(&c, 1, SCLINK__V1__STATUS__STATUS_OK));
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* 8.9: Sync PAUSED needs CAP_PAUSE; without it, ERR_UNSUPPORTED. */
START_TEST(test_paused_without_cap_pause_is_unsupported)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;
    sclink_conn c;

    start_gateway("--serve");
    link_up_caps(&c, CAPS & ~CAP(PAUSE));
    s.has_kind = s.has_time_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_PAUSED;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    send_msg(&c, &env);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "CAP_PAUSE");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* Rule B: REACHED's time_ps equals W exactly, else ERR_STATE. */
START_TEST(test_reached_before_window_end_is_state_error)
{
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_reached(&c, Q / 2);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "window ends at 10000000 ps");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* Rule B and G: one GRANT per REACHED; the same REACHED again is below W. */
START_TEST(test_reached_twice_is_state_error)
{
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_reached(&c, Q);
    expect_grant(&c, Q, 2 * Q);
    send_reached(&c, Q);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "window ends at 20000000 ps");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 4.3: the gateway sends an Interrupt only of the type whose capability is
 * agreed.  The dma model's completion interrupt (LEN 0 completes at once)
 * is raised inside the write that starts it, so with the capability its
 * Interrupt precedes the write's Response; without, the Response comes
 * first and nothing else.
 */
static void check_irq_needs_cap(const char *kind, uint64_t cap, Sclink__V1__IrqType type)
{
    char edit[32], line[160];
    sclink_msg *m;
    sclink_conn c;

    snprintf(edit, sizeof(edit), "interrupt: %s", kind);
    start_gateway_edited("--serve", "interrupt: msix", edit);
    link_up(&c);
    dma_program(&c, 0, 0, 0, 1, DMA_START | DMA_IRQ_EN);
    m = recv_msg(&c);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_INTERRUPT);
    ck_assert_int_eq(m->interrupt->type, type);
    sclink_msg_free(m);
    sclink_msg_free(recv_response(&c, 1, SCLINK__V1__STATUS__STATUS_OK));
    sclink_conn_close(&c);

    link_up_caps(&c, CAPS & ~cap);
    dma_program(&c, 0, 0, 0, 1, DMA_START | DMA_IRQ_EN);
    sclink_msg_free(recv_response(&c, 1, SCLINK__V1__STATUS__STATUS_OK));
    send_reached(&c, Q);
    expect_grant(&c, Q, 2 * Q);
    sclink_conn_close(&c);
    link_up(&c); /* the second link's lines are out */
    snprintf(line, sizeof(line), "QEMU did not offer CAP_%s", kind);
    for (char *p = line; *p; p++)
        *p = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    ck_assert_int_eq(log_count(strstr(line, "CAP_")), 1);
    sclink_conn_close(&c);
    stop_gateway();
}

START_TEST(test_no_msi_without_cap_msi)
{
    check_irq_needs_cap("msi", CAP(MSI), SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI);
}
END_TEST

START_TEST(test_no_msix_without_cap_msix)
{
    check_irq_needs_cap("msix", CAP(MSIX), SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX);
}
END_TEST

START_TEST(test_no_intx_without_cap_intx)
{
    check_irq_needs_cap("intx", CAP(INTX), SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE);
}
END_TEST

/*
 * 8.4: a DMA Response's delay_ps is added to the model's annotated delay.
 * The dma model copies 1 KiB in four 256-byte chunks and waits out each
 * delay, as an LT initiator does: with 1 us per Response the chunks go
 * out at 0, 1, 2 and 3 us and the completion interrupt at 4 us, each
 * only once QEMU's REACHED lets SystemC that far (rule E).
 */
START_TEST(test_dma_response_delay_moves_stamps)
{
    static const uint8_t zeros[256];
    uint64_t stamps[8], irq_at = 0;
    unsigned n = 0;
    int answered = 0, granted = 0;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    dma_program(&c, 0x1000, 0, 1024, 77, DMA_START | DMA_IRQ_EN);
    while (!granted) {
        sclink_msg *m = recv_msg(&c);

        switch (m->msg_case) {
        case SCLINK__V1__ENVELOPE__MSG_REQUEST:
            ck_assert_uint_lt(n, 8);
            ck_assert(!m->request->has_bar);
            ck_assert_uint_eq(m->request->length, 256);
            /* SystemC stands where QEMU let it: the first chunk inside
             * the write at 0, the others in the window QEMU reported. */
            ck_assert_int_eq(answered, n > 0);
            stamps[n++] = m->request->time_ps;
            send_response(&c, m->request->id, zeros, 256, US);
            break;
        case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
            ck_assert_uint_eq(m->response->id, 77);
            answered = 1;
            send_reached(&c, Q);
            break;
        case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
            ck_assert_uint_eq(m->interrupt->index, 2); /* the dma's irq */
            irq_at = m->interrupt->time_ps;
            break;
        case SCLINK__V1__ENVELOPE__MSG_SYNC:
            ck_assert_uint_eq(m->sync->window_end_ps, 2 * Q);
            granted = 1;
            break;
        default:
            ck_abort_msg("unexpected %s", sclink_msg_name(m));
        }
        sclink_msg_free(m);
    }
    ck_assert_uint_eq(n, 4);
    for (unsigned i = 0; i < n; i++)
        ck_assert_uint_eq(stamps[i], i * US);
    ck_assert_uint_eq(irq_at, 4 * US);
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* Packs a Request as an Envelope member: tag 3, length, bytes, at p. */
static size_t put_request_member(uint8_t *p, const sclink_request *r)
{
    size_t n = sclink__v1__request__get_packed_size(r);

    ck_assert_uint_lt(n, 128);
    p[0] = (3 << 3) | 2;
    p[1] = (uint8_t)n;
    sclink__v1__request__pack(r, p + 2);
    return n + 2;
}

/*
 * 3.1, E1: a member repeated in one Envelope is merged as protobuf merges
 * embedded messages: here a read whose id, command, bar and address come
 * in the first occurrence and its length and time in the second.
 */
START_TEST(test_repeated_envelope_member_is_merged)
{
    sclink_request first = SCLINK__V1__REQUEST__INIT, second = SCLINK__V1__REQUEST__INIT;
    uint8_t frame[256];
    size_t n = 4;
    uint32_t v;
    sclink_msg *m;
    sclink_conn c;

    first.has_id = first.has_command = first.has_bar = first.has_address = 1;
    first.id = 9;
    first.command = SCLINK__V1__COMMAND__CMD_READ;
    first.address = 0x20000; /* id: MAGIC */
    second.has_length = second.has_time_ps = 1;
    second.length = 4;
    n += put_request_member(frame + n, &first);
    n += put_request_member(frame + n, &second);
    frame[0] = frame[1] = frame[2] = 0;
    frame[3] = (uint8_t)(n - 4);

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, frame, n);
    m = recv_response(&c, 9, SCLINK__V1__STATUS__STATUS_OK);
    ck_assert_uint_eq(m->response->data.len, 4);
    memcpy(&v, m->response->data.data, 4);
    ck_assert_uint_eq(v, 0x53434c4b);
    sclink_msg_free(m);
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* 3.1, E1: another member in between starts afresh: only the last counts. */
START_TEST(test_other_member_between_clears_the_first)
{
    sclink_request first = SCLINK__V1__REQUEST__INIT, second = SCLINK__V1__REQUEST__INIT;
    uint8_t frame[256];
    size_t n = 4;
    sclink_conn c;

    first.has_id = first.has_command = first.has_bar = first.has_address = 1;
    first.id = 9;
    first.command = SCLINK__V1__COMMAND__CMD_READ;
    first.address = 0x20000;
    second.has_length = second.has_time_ps = 1;
    second.length = 4;
    n += put_request_member(frame + n, &first);
    frame[n++] = (7 << 3) | 2; /* bye {} */
    frame[n++] = 0;
    n += put_request_member(frame + n, &second);
    frame[0] = frame[1] = frame[2] = 0;
    frame[3] = (uint8_t)(n - 4);

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, frame, n);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "missing required field 'id'");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/* 4.9, 11.1: a write's Response carries no data; with data, ERR_MALFORMED. */
START_TEST(test_dma_write_response_with_data_is_malformed)
{
    static const uint8_t data[16];
    sclink_msg *m;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    dma_program(&c, 0, 0x1000, 16, 5, DMA_START | DMA_FROM_LOCAL);
    m = recv_msg(&c);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_REQUEST);
    ck_assert_int_eq(m->request->command, SCLINK__V1__COMMAND__CMD_WRITE);
    send_response(&c, m->request->id, data, sizeof(data), 0);
    sclink_msg_free(m);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "to a write carries 16 data bytes");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 5.3: ids are unique among the Requests the receiver got and has not yet
 * answered.  Two reads with id 7 in one write: the first is answered, the
 * second is ERR_STATE.
 */
START_TEST(test_duplicate_outstanding_mmio_id_is_state_error)
{
    uint8_t frames[128];
    sclink_request r;
    size_t n;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    read_req(&r, 7, 0x20000, 0);
    n = encode_request(frames, sizeof(frames), &r);
    n += encode_request(frames + n, sizeof(frames) - n, &r);
    send_raw(&c, frames, n);
    sclink_msg_free(recv_response(&c, 7, SCLINK__V1__STATUS__STATUS_OK));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "id of a Request not yet answered");
    sclink_conn_close(&c);

    /* Once answered, the id may be used again. */
    link_up(&c);
    for (int i = 0; i < 2; i++) {
        send_request(&c, &r);
        sclink_msg_free(recv_response(&c, 7, SCLINK__V1__STATUS__STATUS_OK));
    }
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 6.3, 11.1: a message of a type or kind the gateway's own role sends is
 * ERR_STATE, checked before its capability: a GRANT from QEMU on a link
 * without CAP_SYNC is ERR_STATE, not ERR_UNSUPPORTED.
 */
START_TEST(test_wrong_direction_before_capability)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;
    sclink_conn c;

    start_gateway("--serve");
    link_up_caps(&c, CAPS & ~CAP(SYNC));
    s.has_kind = s.has_time_ps = s.has_window_end_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
    s.window_end_ps = Q;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    send_msg(&c, &env);
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_STATE, "GRANT");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 10.1, 6.3: the peer sends nothing after its Bye; what follows it is
 * discarded, not executed.  A write behind a Bye in the same read.
 */
START_TEST(test_message_after_bye_is_discarded)
{
    static const uint8_t bye[] = { 0, 0, 0, 2, (7 << 3) | 2, 0 };
    uint8_t frames[128];
    sclink_request r;
    uint32_t v = 1;
    size_t n = sizeof(bye);
    sclink_msg *m;
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    memcpy(frames, bye, sizeof(bye));
    read_req(&r, 3, 0x100, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = (uint8_t *)&v;
    r.data.len = 4;
    n += encode_request(frames + n, sizeof(frames) - n, &r);
    send_raw(&c, frames, n);
    ck_assert_int_eq(sclink_conn_recv(&c, &m, 5000), SCLINK_ECLOSED);
    sclink_conn_close(&c);
    link_up(&c); /* the first link's statistics are out */
    ck_assert_int_eq(log_count("requests: 0 reads, 0 writes"), 1);
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 1.3, 12.9 Y1, 13.1: an unknown enum value is an error even in an
 * optional field, however the peer's decoder stores it.
 */
START_TEST(test_unknown_bye_reason_is_malformed)
{
    static const uint8_t bye[] = { 0, 0, 0, 4, (7 << 3) | 2, 2, 0x08, 9 };
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, bye, sizeof(bye));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "unknown reason value 9");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

/*
 * 10.2, 11.1: a valid Error is never answered, but one that fails a field
 * rule is malformed like any other message and gets ERR_MALFORMED.
 */
START_TEST(test_malformed_error_is_answered_malformed)
{
    static const uint8_t err[] = { 0, 0, 0, 4, (8 << 3) | 2, 2, 0x08, 99 };
    sclink_conn c;

    start_gateway("--serve");
    link_up(&c);
    send_raw(&c, err, sizeof(err));
    expect_error(&c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "unknown code value 99");
    sclink_conn_close(&c);
    stop_gateway();
}
END_TEST

static Suite *conformance_suite(void)
{
    Suite *s = suite_create("gateway-conformance");
    TCase *tc = sclink_check_tcase(s, "conformance", 30);

    tcase_add_test(tc, test_debug_without_cap_debug_is_unsupported);
    tcase_add_test(tc, test_paused_without_cap_pause_is_unsupported);
    tcase_add_test(tc, test_reached_before_window_end_is_state_error);
    tcase_add_test(tc, test_reached_twice_is_state_error);
    tcase_add_test(tc, test_no_msi_without_cap_msi);
    tcase_add_test(tc, test_no_msix_without_cap_msix);
    tcase_add_test(tc, test_no_intx_without_cap_intx);
    tcase_add_test(tc, test_dma_response_delay_moves_stamps);
    tcase_add_test(tc, test_repeated_envelope_member_is_merged);
    tcase_add_test(tc, test_other_member_between_clears_the_first);
    tcase_add_test(tc, test_dma_write_response_with_data_is_malformed);
    tcase_add_test(tc, test_duplicate_outstanding_mmio_id_is_state_error);
    tcase_add_test(tc, test_wrong_direction_before_capability);
    tcase_add_test(tc, test_message_after_bye_is_discarded);
    tcase_add_test(tc, test_unknown_bye_reason_is_malformed);
    tcase_add_test(tc, test_malformed_error_is_answered_malformed);
    return s;
}

SCLINK_CHECK_MAIN(conformance_suite)
