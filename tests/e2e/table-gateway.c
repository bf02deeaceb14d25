/*
 * table-gateway: a stand-in gateway that sends rows of the DMA table
 * (tests/common/dma-cases.h) to the real sclink-pci, for
 * tests/e2e/dma-table.sh, and judges each answer against the table.
 *
 *   table-gateway SOCKET_PATH INDEX...   serve one link, send these rows
 *                                        (and check the Hello offers what
 *                                        sclink-client offers by default)
 *   table-gateway --list                 print "INDEX NAME ERROR" per row
 *
 * Listens on a Unix socket, prints "listening" when ready, accepts one
 * connection, answers the Hello with a Welcome (BAR0 of 4 KiB, no
 * interrupt, the table's capabilities), and waits for QEMU's first Sync
 * REACHED: a gateway sends DMA only while it processes a message of
 * QEMU's (rule J), and QEMU serves it inside its wait for the GRANT
 * (rules K, L), so no guest is needed.  It then sends each row as a DMA
 * Request stamped at the REACHED and prints "ok ROW ..." or "FAIL ROW
 * ...".  After an Error it stops; otherwise it grants one quantum and
 * sends Bye.  Exits 0 when every answer was the table's.
 *
 * Rows the memory decides (by_memory) are judged loosely: the device
 * must serve them (OK, ADDRESS_ERROR or GENERIC_ERROR, whatever Bus
 * Master and the machine's RAM say), not refuse them by rule.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sclink.h"
#include "client.h" /* CLIENT_CAPS_DEVICE: the Hello sclink-client copies */
#include "common/dma-cases.h"

#define QUANTUM_PS 1000000 /* 1 us */

static int send_welcome(sclink_conn *c, const sclink_hello *h)
{
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_welcome w = SCLINK__V1__WELCOME__INIT;
    sclink_device_info d = SCLINK__V1__DEVICE_INFO__INIT;
    sclink_bar b = SCLINK__V1__BAR__INIT, *bars[1] = { &b };
    int err;

    b.has_index = b.has_size = 1;
    b.index = 0;
    b.size = 0x1000;
    d.has_vendor_id = d.has_device_id = 1;
    d.vendor_id = 0x1234;
    d.device_id = 0x5c12;
    d.n_bars = 1;
    d.bars = bars;
    w.has_version_major = w.has_version_minor = w.has_role = 1;
    w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
    w.version_major = SCLINK_VERSION_MAJOR;
    w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.capabilities = DMA_CASES_CAPS & h->capabilities;
    w.quantum_ps = QUANTUM_PS;
    w.max_frame = sclink_agree_max_frame(h->max_frame, DMA_CASES_MAX_FRAME);
    w.device = &d;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    m.welcome = &w;
    err = sclink_conn_send(c, &m);
    if (err == 0)
        err = sclink_conn_set_max_frame(c, w.max_frame);
    return err;
}

/* Sends row i stamped t; returns 1 when the link goes on, 0 after an
 * Error or a lost link; *ok says whether the answer was the table's. */
static int run_row(sclink_conn *c, size_t i, uint64_t t, int *ok)
{
    const struct dma_case *dc = &dma_cases[i];
    struct dma_case_msg msg;
    uint8_t frame[256];
    sclink_msg *m;
    size_t n;
    int err, goes_on = 1;

    dma_case_build(dc, 100 + i, t, &msg);
    n = dma_case_frame(&msg, frame, sizeof(frame));
    if (n == 0 || write(c->fd, frame, n) != (ssize_t)n) {
        printf("FAIL %s: not sent\n", dc->name);
        *ok = 0;
        return 0;
    }
    err = sclink_conn_recv(c, &m, 10000);
    if (err) {
        printf("FAIL %s: no answer: %s\n", dc->name, sclink_strerror(err));
        *ok = 0;
        return 0;
    }
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
        goes_on = 0;
        *ok = m->error->code == dc->error;
        printf("%s %s: Error %d (table: %d)\n", *ok ? "ok" : "FAIL", dc->name,
               (int)m->error->code, (int)dc->error);
    } else if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        Sclink__V1__Status st = m->response->status;

        if (dc->error != SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED)
            *ok = 0;
        else if (dc->by_memory)
            *ok = st == SCLINK__V1__STATUS__STATUS_OK ||
                  st == SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR ||
                  st == SCLINK__V1__STATUS__STATUS_GENERIC_ERROR;
        else
            *ok = st == dc->status;
        printf("%s %s: status %d (table: %s %d)\n", *ok ? "ok" : "FAIL",
               dc->name, (int)st,
               dc->error ? "Error" : dc->by_memory ? "by memory" : "status",
               dc->error ? (int)dc->error : (int)dc->status);
    } else {
        printf("FAIL %s: answered by %s\n", dc->name, sclink_msg_name(m));
        *ok = 0;
    }
    sclink_msg_free(m);
    return goes_on;
}

/*
 * Waits for QEMU's first Sync REACHED and returns its time in *t; a
 * Request meanwhile (the firmware probing BAR0) is answered
 * ADDRESS_ERROR.
 */
static int wait_reached(sclink_conn *c, uint64_t *t)
{
    sclink_msg r = SCLINK__V1__ENVELOPE__INIT, *m;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    int err;

    for (;;) {
        err = sclink_conn_recv(c, &m, 30000);
        if (err)
            return err;
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_SYNC &&
            m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
            *t = m->sync->time_ps;
            sclink_msg_free(m);
            return 0;
        }
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_REQUEST &&
            !(m->request->attributes && m->request->attributes->posted)) {
            resp.has_id = resp.has_status = 1;
            resp.id = m->request->id;
            resp.status = SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
            r.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
            r.response = &resp;
            err = sclink_conn_send(c, &r);
        }
        sclink_msg_free(m);
        if (err)
            return err;
    }
}

/* Grants the REACHED at t one quantum, then says Bye. */
static int send_grant_bye(sclink_conn *c, uint64_t t)
{
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync g = SCLINK__V1__SYNC__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    int err;

    g.has_kind = g.has_time_ps = g.has_window_end_ps = 1;
    g.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
    g.time_ps = t;
    g.window_end_ps = t + QUANTUM_PS;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &g;
    err = sclink_conn_send(c, &m);
    if (err)
        return err;
    bye.has_reason = 1;
    bye.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    m.bye = &bye;
    return sclink_conn_send(c, &m);
}

int main(int argc, char **argv)
{
    char addr[160];
    sclink_conn c;
    sclink_msg *hello;
    int lfd, i, ok = 1, row_ok, up = 1;
    uint64_t t;
    size_t k;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (k = 0; k < DMA_CASES_N; k++)
            printf("%zu %s %d\n", k, dma_cases[k].name, (int)dma_cases[k].error);
        return 0;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: table-gateway SOCKET_PATH INDEX... | --list\n");
        return 2;
    }
    snprintf(addr, sizeof(addr), "unix:%s", argv[1]);
    unlink(argv[1]);
    if (sclink_listen(addr, &lfd) != 0) {
        fprintf(stderr, "table-gateway: cannot listen on %s\n", addr);
        return 2;
    }
    printf("listening\n");
    fflush(stdout);
    if (sclink_accept(lfd, &c, 60000) != 0 ||
        sclink_conn_recv(&c, &hello, 10000) != 0 ||
        hello->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO) {
        fprintf(stderr, "table-gateway: no Hello\n");
        return 2;
    }
    /* sclink-client offers what the device offers (under -icount, which
     * adds CAP_DETERMINISTIC; this QEMU runs without). */
    printf("hello caps=0x%llx\n", (unsigned long long)hello->hello->capabilities);
    if ((hello->hello->capabilities |
         SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC) != CLIENT_CAPS_DEVICE) {
        printf("FAIL: the device offers 0x%llx, sclink-client by default "
               "0x%llx\n",
               (unsigned long long)hello->hello->capabilities,
               (unsigned long long)CLIENT_CAPS_DEVICE);
        ok = 0;
    }
    if (send_welcome(&c, hello->hello) != 0) {
        fprintf(stderr, "table-gateway: cannot send the Welcome\n");
        return 2;
    }
    sclink_msg_free(hello);
    if (wait_reached(&c, &t) != 0) {
        fprintf(stderr, "table-gateway: no Sync REACHED from QEMU\n");
        return 2;
    }
    printf("reached t=%llu ps\n", (unsigned long long)t);
    for (i = 2; i < argc && up; i++) {
        k = strtoul(argv[i], NULL, 10);
        if (k >= DMA_CASES_N) {
            fprintf(stderr, "table-gateway: no row %s\n", argv[i]);
            return 2;
        }
        up = run_row(&c, k, t, &row_ok);
        ok = ok && row_ok;
        fflush(stdout);
    }
    /* A row that ends the link must be the last one asked for. */
    if (i < argc) {
        printf("FAIL: the link ended before row %s\n", argv[i]);
        ok = 0;
    }
    if (up)
        send_grant_bye(&c, t);
    sclink_conn_close(&c);
    close(lfd);
    unlink(argv[1]);
    return ok ? 0 : 1;
}
