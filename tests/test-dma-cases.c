/*
 * The DMA table (tests/common/dma-cases.h) against the core calls
 * sclink-pci makes on a DMA Request: the decoder (sclink_decoder_feed and
 * _next, an error mapped by sclink_error_code, as sclink-wait.c does), then
 * sclink_dma_check with the agreed capabilities and serves = 0.
 * tests/client/test-client-run.c checks sclink-client against the same
 * rows over a socket, so the two agree row by row.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>

#include "sclink.h"
#include "common/dma-cases.h"
#include "common/check-main.h"

/* Runs row c through the device's calls: an Error code, or a status. */
static void device_answer(const struct dma_case *c,
                          Sclink__V1__ErrorCode *code,
                          Sclink__V1__Status *status)
{
    struct dma_case_msg msg;
    sclink_decoder dec;
    sclink_msg *m = NULL;
    uint8_t frame[256];
    char why[256] = "";
    size_t n;
    int err;

    dma_case_build(c, 7, 0, &msg);
    n = dma_case_frame(&msg, frame, sizeof(frame));
    ck_assert_uint_gt(n, 0);
    *code = SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED;
    *status = SCLINK__V1__STATUS__STATUS_OK;
    sclink_decoder_init(&dec, DMA_CASES_MAX_FRAME);
    err = sclink_decoder_feed(&dec, frame, n);
    if (err >= 0)
        err = sclink_decoder_next(&dec, &m);
    if (err < 0) {
        *code = sclink_error_code(err);
        goto out_free;
    }
    ck_assert_int_eq(err, 1);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_REQUEST);
    if (sclink_dma_check(m->request, DMA_CASES_CAPS, 0, status, code, why,
                         sizeof(why)) == 0)
        *code = SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED;
    else
        ck_assert_msg(why[0] != '\0', "%s: an Error without a reason",
                      c->name);

out_free:
    sclink_msg_free(m);
    sclink_decoder_free(&dec);
}

START_TEST(test_dma_cases_device_core)
{
    const struct dma_case *c = &dma_cases[_i];
    Sclink__V1__ErrorCode code;
    Sclink__V1__Status status;

    device_answer(c, &code, &status);
    ck_assert_msg(code == c->error, "%s: Error %d, the table says %d", c->name,
                  (int)code, (int)c->error);
    if (c->error != SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED)
        return;
    /* A row the memory decides passes the rules untouched. */
    ck_assert_msg(status == (c->by_memory ? SCLINK__V1__STATUS__STATUS_OK
                                          : c->status),
                  "%s: status %d, the table says %d%s", c->name, (int)status,
                  (int)c->status, c->by_memory ? " from the memory" : "");
}
END_TEST

static Suite *dma_cases_suite(void)
{
    Suite *s = suite_create("dma-cases");
    TCase *tc = sclink_check_tcase(s, "device-core", 0);

    tcase_add_loop_test(tc, test_dma_cases_device_core, 0, (int)DMA_CASES_N);
    return s;
}

SCLINK_CHECK_MAIN(dma_cases_suite)
