/*
 * The protocol rules of proto/rules.c, one test case per rule, named after
 * the rule letter or section of doc/protocol.md.  Tables hold the cases:
 * a new boundary is one more row.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "sclink.h"

#define Q UINT64_C(1000000)
#define CAP(x) ((uint64_t)SCLINK__V1__CAPABILITY__CAP_##x)

static char why[256];

/* ----------------------------------------------------------- 8.1: time */

START_TEST(test_time_8_1_add_sub)
{
    static const struct {
        uint64_t a, b;
        int add_err, sub_err;
        uint64_t sat;
    } t[] = {
        {0, 0, 0, 0, 0},
        {1, 2, 0, SCLINK_ERANGE, 3},
        {UINT64_MAX, 0, 0, 0, UINT64_MAX},
        {UINT64_MAX, 1, SCLINK_ERANGE, 0, UINT64_MAX},
        {UINT64_MAX - 1, 1, 0, 0, UINT64_MAX},
        {1, UINT64_MAX, SCLINK_ERANGE, SCLINK_ERANGE, UINT64_MAX},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t out = 42;

        ck_assert_int_eq(sclink_time_add(t[i].a, t[i].b, &out), t[i].add_err);
        ck_assert_uint_eq(out, t[i].add_err ? 42 : t[i].a + t[i].b);
        out = 42;
        ck_assert_int_eq(sclink_time_sub(t[i].a, t[i].b, &out), t[i].sub_err);
        ck_assert_uint_eq(out, t[i].sub_err ? 42 : t[i].a - t[i].b);
        ck_assert_uint_eq(sclink_time_add_sat(t[i].a, t[i].b), t[i].sat);
    }
}
END_TEST

START_TEST(test_time_8_1_ns_ps)
{
    uint64_t ps = 7;

    ck_assert_int_eq(sclink_ns_to_ps(0, &ps), 0);
    ck_assert_uint_eq(ps, 0);
    ck_assert_int_eq(sclink_ns_to_ps(UINT64_MAX / 1000, &ps), 0);
    ck_assert_uint_eq(ps, UINT64_MAX / 1000 * 1000);
    ps = 7;
    ck_assert_int_eq(sclink_ns_to_ps(UINT64_MAX / 1000 + 1, &ps), SCLINK_ERANGE);
    ck_assert_uint_eq(ps, 7);
    ck_assert_uint_eq(sclink_ps_to_ns(1999), 1);
}
END_TEST

/* ------------------------------------------------ 7.5: Welcome checks */

START_TEST(test_handshake_7_5_welcome)
{
    static const struct {
        const char *name;
        int role, major;
        uint64_t caps;
        uint32_t max_frame, hello_max;
        int has_hello_max;
        uint64_t quantum;
        int err;
        Sclink__V1__ErrorCode code;
        const char *text;
    } t[] = {
        {"ok", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, CAP(SYNC), 1u << 20, 0, 0, Q, 0, 0, NULL},
        {"role", SCLINK__V1__ROLE__ROLE_QEMU, 1, 0, 1u << 20, 0, 0, Q,
         SCLINK_EVERSION, SCLINK__V1__ERROR_CODE__ERR_VERSION, "expected ROLE_GATEWAY"},
        {"major", SCLINK__V1__ROLE__ROLE_GATEWAY, 2, 0, 1u << 20, 0, 0, Q,
         SCLINK_EVERSION, SCLINK__V1__ERROR_CODE__ERR_VERSION, "gateway speaks 2.0"},
        {"caps", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, CAP(SYNC) | CAP(DEBUG), 1u << 20, 0, 0, Q,
         SCLINK_ERANGE, SCLINK__V1__ERROR_CODE__ERR_CONFIG, "capabilities 0x"},
        {"frame-default", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, 0, (1u << 20) + 1, 0, 0, Q,
         SCLINK_ERANGE, SCLINK__V1__ERROR_CODE__ERR_CONFIG, "max_frame"},
        {"frame-proposed", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, 0, 8192, 8192, 1, Q, 0, 0, NULL},
        {"frame-over", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, 0, 8193, 8192, 1, Q,
         SCLINK_ERANGE, SCLINK__V1__ERROR_CODE__ERR_CONFIG, "over the 8192 proposed"},
        {"quantum", SCLINK__V1__ROLE__ROLE_GATEWAY, 1, 0, 1u << 20, 0, 0, 0,
         SCLINK_ERANGE, SCLINK__V1__ERROR_CODE__ERR_CONFIG, "quantum"},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_hello h = SCLINK__V1__HELLO__INIT;
        sclink_welcome w = SCLINK__V1__WELCOME__INIT;
        Sclink__V1__ErrorCode code = 0;

        h.capabilities = CAP(SYNC) | CAP(DMA);
        h.has_max_frame = t[i].has_hello_max;
        h.max_frame = t[i].hello_max;
        w.role = t[i].role;
        w.version_major = t[i].major;
        w.capabilities = t[i].caps;
        w.max_frame = t[i].max_frame;
        w.quantum_ps = t[i].quantum;
        why[0] = '\0';
        ck_assert_msg(sclink_welcome_check(&h, &w, &code, why, sizeof(why)) == t[i].err,
                      "case %s: %s", t[i].name, why);
        if (t[i].err) {
            ck_assert_int_eq(code, t[i].code);
            ck_assert_msg(strstr(why, t[i].text) != NULL, "case %s: %s",
                          t[i].name, why);
        }
    }
}
END_TEST

/* ------------------------------------------------------ 8: the window */

START_TEST(test_rule_A_window_bound)
{
    sclink_window w;
    uint64_t at = 0;

    sclink_window_init(&w, CAP(SYNC), Q);
    ck_assert_uint_eq(w.end_ps, Q); /* W = Q after the Welcome (8.2) */
    ck_assert_int_eq(sclink_window_step(&w, Q, &at), 0);
    ck_assert_int_eq(sclink_window_step(&w, Q + 1, &at), 1);
    ck_assert_uint_eq(at, Q);
    /* Section 8.6: no window without CAP_SYNC. */
    sclink_window_init(&w, 0, Q);
    ck_assert_int_eq(sclink_window_step(&w, UINT64_MAX, &at), 0);
}
END_TEST

START_TEST(test_rule_B_reached_at_W)
{
    sclink_window w;

    sclink_window_init(&w, CAP(SYNC), Q);
    ck_assert_int_eq(sclink_window_reached(&w, Q - 1, why, sizeof(why)), SCLINK_ESTATE);
    ck_assert_ptr_nonnull(strstr(why, "window ends at 1000000 ps"));
    ck_assert_int_eq(sclink_window_reached(&w, Q, why, sizeof(why)), 0);
    /* One REACHED per W: a second one before the GRANT is refused. */
    ck_assert_int_eq(sclink_window_reached(&w, Q, why, sizeof(why)), SCLINK_ESTATE);
    sclink_window_grant(&w, Q, 2 * Q);
    /* A REACHED for a W already granted lies below the new W. */
    ck_assert_int_eq(sclink_window_reached(&w, Q, why, sizeof(why)), SCLINK_ESTATE);
    ck_assert_int_eq(sclink_window_reached(&w, 2 * Q, why, sizeof(why)), 0);
    sclink_window_init(&w, 0, Q);
    ck_assert_int_eq(sclink_window_reached(&w, Q, why, sizeof(why)), SCLINK_ESTATE);
}
END_TEST

START_TEST(test_rule_A_C_stamp)
{
    static const struct {
        uint64_t caps, last, t, stamp;
    } t[] = {
        {CAP(SYNC), 10, 20, 20},
        {CAP(SYNC), 10, Q, Q},         /* exactly W */
        {CAP(SYNC), 10, Q + 1, Q},     /* rule A: a late timer stamps W */
        {CAP(SYNC), 10, 5, 10},        /* rule C: never below the last */
        {CAP(SYNC), Q, Q - 1, Q},      /* after REACHED(W) before T_Q */
        {0, 10, UINT64_MAX, UINT64_MAX}, /* 8.6: no W */
        {0, 10, 5, 10},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        sclink_window_request(&w, t[i].last);
        ck_assert_msg(sclink_window_stamp(&w, t[i].t) == t[i].stamp, "case %zu", i);
        ck_assert_int_eq(sclink_window_stamp_check(&w, sclink_window_stamp(&w, t[i].t),
                                                   why, sizeof(why)), 0);
    }
}
END_TEST

START_TEST(test_rule_C_monotonic_stamps)
{
    static const struct {
        uint64_t caps, t;
        int err;
    } t[] = {
        {CAP(SYNC), 0, SCLINK_ERANGE}, /* before the last stamp, 10 */
        {CAP(SYNC), 10, 0},
        {CAP(SYNC), Q, 0}, /* exactly W is allowed */
        {CAP(SYNC), Q + 1, SCLINK_ERANGE},
        {0, UINT64_MAX, 0}, /* 8.6: without the window interval */
        {0, 9, SCLINK_ERANGE},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        sclink_window_request(&w, 10);
        ck_assert_msg(sclink_window_stamp_check(&w, t[i].t, why, sizeof(why)) == t[i].err,
                      "case %zu: %s", i, why);
    }
}
END_TEST

START_TEST(test_rule_B_T_reached_within)
{
    static const struct {
        uint64_t t, limit;
        int err;
        const char *text;
    } t[] = {
        {Q, UINT64_MAX, 0, NULL},
        {Q, Q + 1, 0, NULL},
        {Q, Q, SCLINK_ERANGE, "SystemC time is spent"}, /* no window fits */
        {Q - 1, Q, SCLINK_ESTATE, "window ends at"},    /* rule B first */
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, CAP(SYNC), Q);
        why[0] = '\0';
        ck_assert_msg(sclink_window_reached_within(&w, t[i].t, t[i].limit, why,
                                                   sizeof(why)) == t[i].err,
                      "case %zu: %s", i, why);
        /* Recorded only when it passes. */
        ck_assert_int_eq(w.waiting, !t[i].err);
        ck_assert_uint_eq(w.last_ps, t[i].err ? 0 : t[i].t);
        if (t[i].text)
            ck_assert_msg(strstr(why, t[i].text) != NULL, "case %zu: %s", i, why);
    }
}
END_TEST

START_TEST(test_rule_T_limit)
{
    static const struct {
        uint64_t caps, t, limit, max_jump;
        int err;
        const char *text;
    } t[] = {
        {CAP(SYNC), 100, 100, 0, 0, NULL},
        {CAP(SYNC), 101, 100, 0, SCLINK_ERANGE, "past the last time SystemC can reach"},
        {CAP(SYNC), 10 + 3 * Q, UINT64_MAX, Q, 0, NULL}, /* windows bound a step */
        {0, 10 + Q, UINT64_MAX, Q, 0, NULL},
        {0, 11 + Q, UINT64_MAX, Q, SCLINK_ERANGE, "more than max_time_jump"},
        {0, UINT64_MAX, UINT64_MAX, 0, 0, NULL},         /* 0: no bound */
        {0, 5, UINT64_MAX, 1, 0, NULL},                  /* before: rule C's */
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        sclink_window_request(&w, 10);
        why[0] = '\0';
        ck_assert_msg(sclink_window_limit_check(&w, t[i].t, t[i].limit, t[i].max_jump,
                                                why, sizeof(why)) == t[i].err,
                      "case %zu: %s", i, why);
        if (t[i].text)
            ck_assert_msg(strstr(why, t[i].text) != NULL, "case %zu: %s", i, why);
    }
}
END_TEST

START_TEST(test_rule_G_grant_check)
{
    static const struct {
        uint64_t caps, time, end;
        int err;
    } t[] = {
        {CAP(SYNC), Q, 2 * Q, 0},
        {CAP(SYNC), Q, Q + 1, 0},
        {CAP(SYNC), Q, Q, SCLINK_ESTATE},          /* W' must pass W */
        {CAP(SYNC), Q, 2 * Q + 1, SCLINK_ESTATE},  /* beyond W + Q */
        {CAP(SYNC) | CAP(LOOKAHEAD), Q, UINT64_MAX, 0},
        {CAP(SYNC) | CAP(LOOKAHEAD), Q, Q, SCLINK_ESTATE},
        {CAP(SYNC), Q - 1, 2 * Q, SCLINK_ESTATE},  /* answers another REACHED */
        {CAP(LOOKAHEAD), Q, 2 * Q, SCLINK_ESTATE}, /* no CAP_SYNC: no REACHED */
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        sclink_window_reached(&w, Q, why, sizeof(why));
        ck_assert_msg(sclink_window_grant_check(&w, t[i].time, t[i].end, why,
                                                sizeof(why)) == t[i].err,
                      "case %zu: %s", i, why);
    }
}
END_TEST

START_TEST(test_rule_G_grant_without_reached)
{
    sclink_window w;

    sclink_window_init(&w, CAP(SYNC), Q);
    ck_assert_int_eq(sclink_window_grant_check(&w, Q, 2 * Q, why, sizeof(why)),
                     SCLINK_ESTATE);
    ck_assert_ptr_nonnull(strstr(why, "without a REACHED"));
}
END_TEST

START_TEST(test_rule_G_grant_end)
{
    static const struct {
        uint64_t caps, t, next, max, limit, end;
    } t[] = {
        {CAP(SYNC), Q, UINT64_MAX, 0, UINT64_MAX, 2 * Q},
        {CAP(SYNC), UINT64_MAX - 1, UINT64_MAX, 0, UINT64_MAX, UINT64_MAX},
        {CAP(SYNC), Q, UINT64_MAX, 0, Q + 5, Q + 5}, /* rule T */
        {CAP(SYNC) | CAP(LOOKAHEAD), Q, 9 * Q, 100 * Q, UINT64_MAX, 9 * Q},
        {CAP(SYNC) | CAP(LOOKAHEAD), Q, UINT64_MAX, 3 * Q, UINT64_MAX, 4 * Q},
        {CAP(SYNC) | CAP(LOOKAHEAD), Q, Q + 1, 3 * Q, UINT64_MAX, 2 * Q},
        {CAP(SYNC) | CAP(LOOKAHEAD), UINT64_MAX - 1, UINT64_MAX, UINT64_MAX,
         UINT64_MAX, UINT64_MAX},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        ck_assert_msg(sclink_window_grant_end(&w, t[i].t, t[i].next, t[i].max,
                                              t[i].limit) == t[i].end,
                      "case %zu", i);
    }
}
END_TEST

START_TEST(test_rule_N_cut)
{
    static const struct {
        uint64_t caps, granted_end, t, end;
    } t[] = {
        {CAP(SYNC) | CAP(LOOKAHEAD), 100 * Q, 2 * Q, 3 * Q},
        {CAP(SYNC) | CAP(LOOKAHEAD), 100 * Q, 99 * Q + 1, 100 * Q}, /* never extends */
        {CAP(SYNC) | CAP(LOOKAHEAD), UINT64_MAX, UINT64_MAX - 1, UINT64_MAX}, /* saturates */
        {CAP(SYNC), 2 * Q, Q, 2 * Q}, /* no cut without CAP_LOOKAHEAD */
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        ck_assert_int_eq(sclink_window_reached(&w, Q, why, sizeof(why)), 0);
        sclink_window_grant(&w, Q, t[i].granted_end);
        sclink_window_request(&w, t[i].t);
        ck_assert_msg(w.end_ps == t[i].end, "case %zu: W %llu", i,
                      (unsigned long long)w.end_ps);
        ck_assert_uint_eq(w.last_ps, t[i].t);
    }
}
END_TEST

START_TEST(test_rule_I_E_event_stamps)
{
    static const struct {
        uint64_t caps, t, now;
        int err;
    } t[] = {
        {CAP(SYNC), Q - 1, 2 * Q, SCLINK_ERANGE}, /* before the GRANT at Q */
        {CAP(SYNC), Q, 2 * Q, 0},                 /* at it: a later Request's */
        {CAP(SYNC), 2 * Q, 2 * Q, 0},
        {CAP(SYNC), 2 * Q + 1, 2 * Q, SCLINK_ERANGE}, /* ahead of QEMU */
        {0, 0, 0, 0},                                 /* 8.6: no contract */
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_window w;

        sclink_window_init(&w, t[i].caps, Q);
        sclink_window_reached(&w, Q, why, sizeof(why));
        sclink_window_grant(&w, Q, 2 * Q);
        ck_assert_msg(sclink_window_event_check(&w, t[i].t, t[i].now, why,
                                                sizeof(why)) == t[i].err,
                      "case %zu: %s", i, why);
    }
}
END_TEST

/* ------------------------------------------- 5.2, 5.4, 5.6: DMA checks */

START_TEST(test_dma_5_2_5_6_checks)
{
    static uint8_t be[4] = {0xff, 0, 0xff, 0};
    static const struct {
        const char *name;
        uint64_t caps;
        unsigned serves;
        Sclink__V1__Command cmd;
        int bar, posted, byte_enable;
        uint32_t width;
        int err;
        Sclink__V1__Status status;
        Sclink__V1__ErrorCode code;
    } t[] = {
        {"plain", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_READ, 0, 0, 0, 0, 0,
         SCLINK__V1__STATUS__STATUS_OK, 0},
        {"no-cap", 0, 0, SCLINK__V1__COMMAND__CMD_READ, 0, 0, 0, 0, SCLINK_ESTATE, 0,
         SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED},
        {"bar", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_WRITE, 1, 0, 0, 0, SCLINK_ERANGE, 0,
         SCLINK__V1__ERROR_CODE__ERR_MALFORMED},
        {"posted", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_WRITE, 0, 1, 0, 0, SCLINK_ESTATE, 0,
         SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED},
        {"debug", CAP(DMA) | CAP(DEBUG), 0, SCLINK__V1__COMMAND__CMD_DEBUG_READ, 0, 0, 0, 0,
         SCLINK_ESTATE, 0, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED},
        {"debug-no-cap", CAP(DMA), SCLINK_DMA_SERVES_DEBUG, SCLINK__V1__COMMAND__CMD_DEBUG_READ,
         0, 0, 0, 0, SCLINK_ESTATE, 0, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED},
        {"debug-served", CAP(DMA) | CAP(DEBUG), SCLINK_DMA_SERVES_DEBUG,
         SCLINK__V1__COMMAND__CMD_DEBUG_WRITE, 0, 0, 0, 0, 0, SCLINK__V1__STATUS__STATUS_OK, 0},
        {"byte-enable", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_WRITE, 0, 0, 1, 0, 0,
         SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR, 0},
        {"byte-enable-served", CAP(DMA), SCLINK_DMA_SERVES_BYTE_ENABLE,
         SCLINK__V1__COMMAND__CMD_WRITE, 0, 0, 1, 0, 0, SCLINK__V1__STATUS__STATUS_OK, 0},
        {"streaming", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_READ, 0, 0, 0, 4, 0,
         SCLINK__V1__STATUS__STATUS_BURST_ERROR, 0},
        {"streaming-full", CAP(DMA), 0, SCLINK__V1__COMMAND__CMD_READ, 0, 0, 0, 16, 0,
         SCLINK__V1__STATUS__STATUS_OK, 0},
        {"streaming-served", CAP(DMA), SCLINK_DMA_SERVES_STREAMING,
         SCLINK__V1__COMMAND__CMD_READ, 0, 0, 0, 4, 0, SCLINK__V1__STATUS__STATUS_OK, 0},
    };
    size_t i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        sclink_request r = SCLINK__V1__REQUEST__INIT;
        sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
        Sclink__V1__Status status = 99;
        Sclink__V1__ErrorCode code = 0;
        int err;

        r.id = 7;
        r.command = t[i].cmd;
        r.length = 16;
        r.has_bar = t[i].bar;
        if (t[i].posted) {
            a.has_posted = 1;
            a.posted = 1;
            r.attributes = &a;
        }
        if (t[i].byte_enable) {
            r.has_byte_enable = 1;
            r.byte_enable.len = sizeof(be);
            r.byte_enable.data = be;
        }
        if (t[i].width) {
            r.has_streaming_width = 1;
            r.streaming_width = t[i].width;
        }
        why[0] = '\0';
        err = sclink_dma_check(&r, t[i].caps, t[i].serves, &status, &code, why,
                               sizeof(why));
        ck_assert_msg(err == t[i].err, "case %s: %d %s", t[i].name, err, why);
        if (err)
            ck_assert_msg(code == t[i].code && strstr(why, "Request 7") != NULL,
                          "case %s: code %d %s", t[i].name, code, why);
        else
            ck_assert_msg(status == t[i].status, "case %s: status %d", t[i].name,
                          status);
    }
}
END_TEST

/* ------------------------------------------------ rule F3: Responses */

START_TEST(test_rule_F3_response_match)
{
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;

    resp.id = 5;
    ck_assert_int_eq(sclink_response_match(true, 5, &resp, why, sizeof(why)), 0);
    ck_assert_int_eq(sclink_response_match(true, 4, &resp, why, sizeof(why)), SCLINK_ESTATE);
    ck_assert_ptr_nonnull(strstr(why, "Request 4 is the one outstanding"));
    ck_assert_int_eq(sclink_response_match(false, 5, &resp, why, sizeof(why)), SCLINK_ESTATE);
    ck_assert_ptr_nonnull(strstr(why, "no Request is outstanding"));
    /* Request ids are the sender's: the device numbers them from 0. */
    resp.id = 0;
    ck_assert_int_eq(sclink_response_match(true, 0, &resp, why, sizeof(why)), 0);
    ck_assert_int_eq(sclink_response_match(false, 0, &resp, why, sizeof(why)), SCLINK_ESTATE);
    ck_assert_int_eq(sclink_response_match(true, 1, &resp, why, sizeof(why)), SCLINK_ESTATE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rules");
    TCase *tc = tcase_create("rules");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_time_8_1_add_sub);
    tcase_add_test(tc, test_time_8_1_ns_ps);
    tcase_add_test(tc, test_handshake_7_5_welcome);
    tcase_add_test(tc, test_rule_A_window_bound);
    tcase_add_test(tc, test_rule_B_reached_at_W);
    tcase_add_test(tc, test_rule_A_C_stamp);
    tcase_add_test(tc, test_rule_C_monotonic_stamps);
    tcase_add_test(tc, test_rule_B_T_reached_within);
    tcase_add_test(tc, test_rule_T_limit);
    tcase_add_test(tc, test_rule_G_grant_check);
    tcase_add_test(tc, test_rule_G_grant_without_reached);
    tcase_add_test(tc, test_rule_G_grant_end);
    tcase_add_test(tc, test_rule_N_cut);
    tcase_add_test(tc, test_rule_I_E_event_stamps);
    tcase_add_test(tc, test_dma_5_2_5_6_checks);
    tcase_add_test(tc, test_rule_F3_response_match);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
