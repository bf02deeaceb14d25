/*
 * End-to-end tests of the sclink-client binary.  A forked child plays a
 * minimal scripted gateway with libsclink's sclink_listen/sclink_accept and
 * logs every message it receives, checking the window rule on each Request;
 * the client runs as a subprocess.  Each test compares the client's output,
 * its exit status and the gateway's log.
 */
#include <check.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sclink.h"
#include "../common/check-main.h"
#include "../common/dma-cases.h"

#ifndef CLIENT_BIN
#define CLIENT_BIN "tools/sclink-client"
#endif

#define QUANTUM 1000000 /* 1 us */
#define GW_CAPS                                                          \
    (SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES |                         \
     SCLINK__V1__CAPABILITY__CAP_DMA | SCLINK__V1__CAPABILITY__CAP_MSIX | \
     SCLINK__V1__CAPABILITY__CAP_SYNC | SCLINK__V1__CAPABILITY__CAP_DEBUG)

/* What the scripted gateway does besides answering. */
struct gw_script {
    uint64_t irq_at_ps;  /* raise msix 3 at this time (0: never) */
    int dma_on_doorbell; /* a write to 0x80 does DMA and raises msix 1 */
    int error_on_read;   /* a read of 0xe0 is answered with an Error */
    int late_irq;        /* breaks the rules: msix 2 stamped before the
                            GRANT it should have preceded, sent after it */
    int bad_grant;       /* breaks the rules: GRANT names another time */
    int wide_grant;      /* breaks rule G: GRANT W + 4Q without lookahead */
    Sclink__V1__Role welcome_role;   /* breaks 7.5 if not 0: this role */
    uint64_t welcome_extra;          /* breaks 7.5: caps agreed unoffered */
    /* DMA rows (tests/common/dma-cases.h) sent at the first read of
     * 0x40, in order, each answer logged; an Error ends the link. */
    const struct dma_case *const *cases;
    size_t n_cases;
    const char *text;    /* Welcome name and Error text, if not NULL */
};

static char sock_path[108];
static char addr[128];

/* ------------------------------------------------------ the scripted gateway */

static void logf_(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(int fd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vdprintf(fd, fmt, ap);
    va_end(ap);
    dprintf(fd, "\n");
}

static void send_welcome(sclink_conn *c, const sclink_hello *h,
                         const struct gw_script *gs)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_welcome w = SCLINK__V1__WELCOME__INIT;
    sclink_device_info d = SCLINK__V1__DEVICE_INFO__INIT;
    sclink_bar b0 = SCLINK__V1__BAR__INIT, b2 = SCLINK__V1__BAR__INIT;
    sclink_bar *bars[2] = { &b0, &b2 };

    b0.has_index = b0.has_size = b0.has_posted_writes = 1;
    b0.index = 0;
    b0.size = 0x1000;
    b0.posted_writes = 1;
    b2.has_index = b2.has_size = b2.has_kind = b2.has_prefetchable = 1;
    b2.index = 2;
    b2.size = 0x100;
    b2.kind = SCLINK__V1__BAR_KIND__BAR_MEM64;
    b2.prefetchable = 1;
    d.has_vendor_id = d.has_device_id = d.has_interrupt = 1;
    d.has_msix_vectors = 1;
    d.vendor_id = 0x1af4;
    d.device_id = 0x10f0;
    d.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX;
    d.msix_vectors = 8;
    d.n_bars = 2;
    d.bars = bars;
    w.has_version_major = w.has_version_minor = w.has_role = 1;
    w.version_major = 1;
    w.role = gs->welcome_role ? gs->welcome_role : SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.name = (char *)(gs->text ? gs->text : "scripted");
    w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
    w.capabilities = (GW_CAPS & h->capabilities) | gs->welcome_extra;
    w.quantum_ps = QUANTUM;
    w.max_frame = sclink_agree_max_frame(h->max_frame, 65536);
    w.device = &d;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    env.welcome = &w;
    sclink_conn_send(c, &env);
    sclink_conn_set_max_frame(c, w.max_frame);
}

static void send_irq(sclink_conn *c, uint32_t index, uint64_t t)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_interrupt irq = SCLINK__V1__INTERRUPT__INIT;

    irq.has_type = irq.has_index = irq.has_time_ps = 1;
    irq.type = SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX;
    irq.index = index;
    irq.time_ps = t;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
    env.interrupt = &irq;
    sclink_conn_send(c, &env);
}

/* Sends a DMA Request and logs the client's Response. */
static void dma(sclink_conn *c, int log, uint64_t id, Sclink__V1__Command cmd,
                uint64_t address, uint32_t len, uint8_t *data, uint64_t t)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT, *m;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    char hex[64] = "";
    size_t i;

    r.has_id = r.has_command = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = id;
    r.command = cmd;
    r.address = address;
    r.length = len;
    r.time_ps = t;
    if (data) {
        r.has_data = 1;
        r.data.data = data;
        r.data.len = len;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    sclink_conn_send(c, &env);
    if (sclink_conn_recv(c, &m, 3000) != 0 ||
        m->msg_case != SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        logf_(log, "dma-resp missing");
        return;
    }
    for (i = 0; m->response->has_data && i < m->response->data.len && i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", m->response->data.data[i]);
    logf_(log, "dma-resp id=%" PRIu64 " status=%d%s%s", m->response->id,
          (int)m->response->status, hex[0] ? " data=" : "", hex);
    sclink_msg_free(m);
}

/*
 * Sends DMA row `dc` as it stands, around the encoder's validation, and
 * logs the QEMU side's answer: "case NAME status=N [data=HEX]" or "case
 * NAME error=CODE".  Returns 0 when the link goes on.
 */
static int send_case(sclink_conn *c, int log, const struct dma_case *dc,
                     uint64_t t)
{
    struct dma_case_msg msg;
    uint8_t frame[256];
    char hex[64] = "";
    sclink_msg *m;
    size_t n, i;
    int err;

    dma_case_build(dc, 2000, t, &msg);
    n = dma_case_frame(&msg, frame, sizeof(frame));
    if (n == 0 || write(c->fd, frame, n) != (ssize_t)n) {
        logf_(log, "case %s not sent", dc->name);
        return -1;
    }
    err = sclink_conn_recv(c, &m, 3000);
    if (err) {
        logf_(log, "case %s recv %s", dc->name, sclink_strerror(err));
        return -1;
    }
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
        logf_(log, "case %s error=%d", dc->name, (int)m->error->code);
        sclink_msg_free(m);
        return -1;
    }
    if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        logf_(log, "case %s answered by %s", dc->name, sclink_msg_name(m));
        sclink_msg_free(m);
        return -1;
    }
    for (i = 0; m->response->has_data && i < m->response->data.len && i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", m->response->data.data[i]);
    logf_(log, "case %s status=%d%s%s", dc->name, (int)m->response->status,
          hex[0] ? " data=" : "", hex);
    sclink_msg_free(m);
    return 0;
}

static void answer(sclink_conn *c, const sclink_request *r,
                   Sclink__V1__Status st)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    uint8_t data[64];
    uint32_t i;

    resp.has_id = resp.has_status = 1;
    resp.id = r->id;
    resp.status = st;
    if (st == SCLINK__V1__STATUS__STATUS_OK &&
        (r->command == SCLINK__V1__COMMAND__CMD_READ ||
         r->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ)) {
        /* Register i of BAR 0 reads as its own offset's low byte. */
        for (i = 0; i < r->length && i < sizeof(data); i++)
            data[i] = (uint8_t)(r->address + i);
        resp.has_data = 1;
        resp.data.data = data;
        resp.data.len = r->length;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    sclink_conn_send(c, &env);
}

static const char *cmd_name(Sclink__V1__Command c)
{
    static const char *names[] = { "invalid", "read", "write", "dread", "dwrite" };

    return names[c];
}

/* Serves one link as a gateway would, following `gs`; logs to `log`. */
static void gateway(int lfd, int log, const struct gw_script *gs)
{
    uint8_t deadbeef[4] = { 0xde, 0xad, 0xbe, 0xef };
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT, *m;
    sclink_sync grant = SCLINK__V1__SYNC__INIT;
    uint64_t end = QUANTUM;
    int sync = 0, irq_sent = 0, cases_sent = 0, err;
    sclink_conn c;
    size_t i;
    char why[256];

    if (sclink_accept(lfd, &c, 5000) != 0)
        _exit(2);
    if (sclink_conn_recv(&c, &m, 5000) != 0 ||
        m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO)
        _exit(3);
    logf_(log, "hello caps=0x%" PRIx64 " name=%s", m->hello->capabilities,
          m->hello->name ? m->hello->name : "");
    sync = (m->hello->capabilities & SCLINK__V1__CAPABILITY__CAP_SYNC) != 0;
    send_welcome(&c, m->hello, gs);
    sclink_msg_free(m);
    for (;;) {
        err = sclink_conn_recv(&c, &m, 5000);
        if (err) {
            logf_(log, "recv %s", sclink_strerror(err));
            if (err != SCLINK_ECLOSED && err != SCLINK_ETIMEDOUT)
                sclink_conn_send_error(&c, sclink_error_code(err),
                                       sclink_decoder_reason(&c.dec));
            break;
        }
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_REQUEST) {
            const sclink_request *r = m->request;
            int posted = r->attributes && r->attributes->posted;

            logf_(log, "req %s bar=%u off=0x%" PRIx64 " len=%u%s t=%" PRIu64,
                  cmd_name(r->command), r->bar, r->address, r->length,
                  posted ? " posted" : "", r->time_ps);
            /* The rule under test: no stamp beyond the granted window. */
            if (sync && r->time_ps > end)
                logf_(log, "VIOLATION t=%" PRIu64 " > window end %" PRIu64,
                      r->time_ps, end);
            if (gs->error_on_read && r->address == 0xe0) {
                sclink_conn_send_error(&c, SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
                                       gs->text ? gs->text : "scripted failure");
                sclink_msg_free(m);
                break;
            }
            if (gs->n_cases && !cases_sent && r->address == 0x40) {
                cases_sent = 1;
                for (i = 0; i < gs->n_cases; i++)
                    if (send_case(&c, log, gs->cases[i], r->time_ps))
                        break;
                if (i < gs->n_cases) {
                    sclink_msg_free(m);
                    break;
                }
            }
            if (gs->dma_on_doorbell && r->address == 0x80 &&
                r->command == SCLINK__V1__COMMAND__CMD_WRITE) {
                dma(&c, log, 1000, SCLINK__V1__COMMAND__CMD_WRITE, 0x1000, 4,
                    deadbeef, r->time_ps);
                dma(&c, log, 1001, SCLINK__V1__COMMAND__CMD_READ, 0x1000, 4,
                    NULL, r->time_ps);
                dma(&c, log, 1002, SCLINK__V1__COMMAND__CMD_WRITE, 0x10000000,
                    4, deadbeef, r->time_ps);
                send_irq(&c, 1, r->time_ps);
            }
            if (!posted)
                answer(&c, r,
                       r->address < 0x100 ? SCLINK__V1__STATUS__STATUS_OK
                                          : SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
        } else if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_SYNC) {
            uint64_t t = m->sync->time_ps;

            logf_(log, "reached %" PRIu64, t);
            if (t > end)
                logf_(log, "VIOLATION reached %" PRIu64 " > window end %" PRIu64,
                      t, end);
            /* Everything stamped <= t goes out before the GRANT. */
            if (gs->irq_at_ps && !irq_sent && gs->irq_at_ps <= t) {
                send_irq(&c, 3, gs->irq_at_ps);
                irq_sent = 1;
            }
            end = t + (gs->wide_grant ? 4 * QUANTUM : QUANTUM);
            grant.has_kind = grant.has_time_ps = grant.has_window_end_ps = 1;
            grant.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
            grant.time_ps = gs->bad_grant ? t + 1 : t;
            grant.window_end_ps = end;
            env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
            env.sync = &grant;
            sclink_conn_send(&c, &env);
            if (gs->late_irq)
                send_irq(&c, 2, t - 1);
        } else if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE) {
            logf_(log, "bye");
            sclink_msg_free(m);
            break;
        } else {
            snprintf(why, sizeof(why), "unexpected %s", sclink_msg_name(m));
            logf_(log, "%s", why);
        }
        sclink_msg_free(m);
    }
    sclink_conn_close(&c);
    _exit(0);
}

/* ------------------------------------------------------------ the harness */

struct result {
    int status;     /* the client's exit status */
    char out[8192]; /* its stdout */
    char err[2048]; /* its stderr */
    char log[8192]; /* the gateway's log */
};

static void read_all(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    ssize_t n;

    while (used + 1 < cap && (n = read(fd, buf + used, cap - 1 - used)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
    close(fd);
}

static const char *client_bin(void)
{
    const char *env = getenv("SCLINK_CLIENT");

    return env ? env : CLIENT_BIN;
}

/* Runs the client with argv[1..] (NULL-terminated) and `input` on stdin. */
static void run_client(char *const *argv, const char *input, struct result *r)
{
    int out[2], err[2], in[2], st;
    pid_t pid;

    ck_assert_int_eq(pipe(out), 0);
    ck_assert_int_eq(pipe(err), 0);
    ck_assert_int_eq(pipe(in), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(in[1]);
        close(out[0]);
        close(err[0]);
        execv(client_bin(), argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (input)
        ck_assert_int_eq(write(in[1], input, strlen(input)), (ssize_t)strlen(input));
    close(in[1]);
    read_all(out[0], r->out, sizeof(r->out));
    read_all(err[0], r->err, sizeof(r->err));
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
    ck_assert_msg(WIFEXITED(st), "client died: status %d", st);
    r->status = WEXITSTATUS(st);
}

/* Reads the gateway's log until it closes it, for at most 3 s. */
static void read_log(int fd, char *buf, size_t cap)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    size_t used = 0;
    ssize_t n;

    while (used + 1 < cap && poll(&pfd, 1, 3000) == 1 &&
           (n = read(fd, buf + used, cap - 1 - used)) > 0)
        used += (size_t)n;
    buf[used] = '\0';
    close(fd);
}

/*
 * Starts the scripted gateway (none if gs is NULL: the client is expected
 * to stop before connecting), runs the client against it with `args`
 * (options, the string "ADDR", commands) and collects everything.
 */
static void run(const struct gw_script *gs, const char *const *args,
                const char *input, struct result *r)
{
    char *argv[32];
    int lfd, logp[2], i, n = 0, st;
    pid_t gw = -1;

    memset(r, 0, sizeof(*r));
    snprintf(sock_path, sizeof(sock_path), "/tmp/sclink-client-test-%d.sock",
             (int)getpid());
    snprintf(addr, sizeof(addr), "unix:%s", sock_path);
    if (gs != NULL) {
        ck_assert_int_eq(sclink_listen(addr, &lfd), 0);
        ck_assert_int_eq(pipe(logp), 0);
        gw = fork();
        ck_assert_int_ge(gw, 0);
        if (gw == 0) {
            close(logp[0]);
            gateway(lfd, logp[1], gs);
        }
        close(lfd);
        close(logp[1]);
    }
    argv[n++] = "sclink-client";
    argv[n++] = "--timeout=2000";
    for (i = 0; args[i] != NULL; i++)
        argv[n++] = strcmp(args[i], "ADDR") == 0 ? addr : (char *)args[i];
    argv[n] = NULL;
    run_client(argv, input, r);
    if (gs == NULL)
        return;
    read_log(logp[0], r->log, sizeof(r->log));
    /* SIGKILL: the child has Check's SIGTERM handler (see test-conn.c). */
    kill(gw, SIGKILL);
    waitpid(gw, &st, 0);
    unlink(sock_path);
}

static const struct gw_script plain = { 0 };

/* The Welcome lines for agreed capabilities `caps`. */
#define WELCOME_CAPS(caps)                                                     \
    "welcome vendor=0x1af4 device=0x10f0 subsystem=0x0000:0x0000 "             \
    "class=0x000000 revision=0x00 irq=msix:8 quantum=1000000ps "               \
    "max_frame=65536 caps=" caps " name=scripted\n"                            \
    "bar 0 size=0x1000 mem32 posted\n"                                         \
    "bar 2 size=0x100 mem64 prefetch\n"
/* What the scripted gateway agrees with the client's defaults. */
#define WELCOME WELCOME_CAPS("posted,dma,msix,sync")
/* The Hello's capabilities by default: the device's (CLIENT_CAPS_DEVICE). */
#define HELLO_CAPS "0x7bf"

#define ASSERT_RUN(r, code)                                                    \
    ck_assert_msg((r).status == (code),                                        \
                  "exit %d, expected %d\nstdout:\n%s\nstderr:\n%s\nlog:\n%s",  \
                  (r).status, (code), (r).out, (r).err, (r).log)

START_TEST(test_reads_and_writes_print_one_line_each)
{
    const char *args[] = { "--offer-debug", "ADDR", "read 0 0x4 4",
                           "expect-status address-error read 0 0x200 4",
                           "write 0 0x10 4 0xdeadbeef", "expect-read 0 0x8 2 0x0908",
                           "dread 2 0 1", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, WELCOME_CAPS("posted,dma,msix,sync,debug")
                     "read bar=0 off=0x4 len=4 -> ok data=0x07060504\n"
                     "read bar=0 off=0x200 len=4 -> address-error\n"
                     "write bar=0 off=0x10 len=4 data=0xdeadbeef -> ok\n"
                     "read bar=0 off=0x8 len=2 -> ok data=0x0908\n"
                     "dread bar=2 off=0x0 len=1 -> ok data=0x00\n");
    ck_assert_str_eq(r.log, "hello caps=0x7ff name=sclink-client\n"
                            "req read bar=0 off=0x4 len=4 t=0\n"
                            "req read bar=0 off=0x200 len=4 t=0\n"
                            "req write bar=0 off=0x10 len=4 t=0\n"
                            "req read bar=0 off=0x8 len=2 t=0\n"
                            "req dread bar=2 off=0x0 len=1 t=0\n"
                            "bye\n");
}
END_TEST

START_TEST(test_requests_never_stamped_beyond_the_window)
{
    const char *args[] = { "ADDR", "advance 2500ns", "read 0 0 4", "time 3us",
                           "write 0 0 1 1", "advance 10ns", "read 0 0 1",
                           "stats", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    /* Syncs at each window end on the way; the window end itself is inside. */
    ck_assert_str_eq(r.log, "hello caps=" HELLO_CAPS " name=sclink-client\n"
                            "reached 1000000\n"
                            "reached 2000000\n"
                            "req read bar=0 off=0x0 len=4 t=2500000\n"
                            "req write bar=0 off=0x0 len=1 t=3000000\n"
                            "reached 3000000\n"
                            "req read bar=0 off=0x0 len=1 t=3010000\n"
                            "bye\n");
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "stats requests=3 responses=3 posted=0 irqs=0 "
                                 "dma=0 dma_errors=0 syncs=3 now=3010000ps "
                                 "window_end=4000000ps\n"));
}
END_TEST

/* Rule B: the client runs to the window end and reports REACHED there. */
START_TEST(test_sync_command_reports_the_new_window)
{
    const char *args[] = { "ADDR", "advance 500ns", "sync", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "sync t=1000000ps -> window_end=2000000ps\n"));
    ck_assert_ptr_nonnull(strstr(r.log, "reached 1000000\n"));
    ck_assert_ptr_null(strstr(r.log, "reached 500000\n"));
}
END_TEST

START_TEST(test_wait_irq_advances_window_by_window)
{
    const struct gw_script gs = { .irq_at_ps = 2500000 };
    const char *args[] = { "ADDR", "wait-irq msix 3", "read 0 0 1", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, WELCOME
                     "irq msix 3 t=2500000ps now=3000000ps\n"
                     "read bar=0 off=0x0 len=1 -> ok data=0x00\n");
    ck_assert_ptr_nonnull(strstr(r.log, "reached 1000000\nreached 2000000\n"
                                        "reached 3000000\n"
                                        "req read bar=0 off=0x0 len=1 t=3000000\n"));
}
END_TEST

START_TEST(test_wait_irq_limit_fails_the_run)
{
    const struct gw_script gs = { .irq_at_ps = 2500000 };
    const char *args[] = { "ADDR", "wait-irq msix 3 1500ns", "read 0 0 1", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 1);
    /* REACHED only at window ends: the wait ends at the first one past LIMIT. */
    ck_assert_ptr_nonnull(strstr(r.out, "fail line 1: wait-irq: no irq msix 3 by "
                                        "t=1500000ps (client time 2000000ps)\n"));
    ck_assert_ptr_nonnull(strstr(r.log, "reached 1000000\nreached 2000000\n"));
    /* The run stopped at the failure: no read. */
    ck_assert_ptr_null(strstr(r.log, "req read"));
}
END_TEST

START_TEST(test_dma_served_from_the_simulated_memory)
{
    const struct gw_script gs = { .dma_on_doorbell = 1 };
    const char *args[] = { "ADDR", "advance 7ns", "write 0 0x80 4 1",
                           "expect-mem 0x1000 deadbeef", "wait-irq msix 1",
                           "mem-read 0x1000 4", "stats", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, WELCOME
                     "dma write addr=0x1000 len=4 t=7000ps -> ok\n"
                     "dma read addr=0x1000 len=4 t=7000ps -> ok\n"
                     "dma write addr=0x10000000 len=4 t=7000ps -> address-error\n"
                     "irq msix 1 t=7000ps now=7000ps\n"
                     "write bar=0 off=0x80 len=4 data=0x00000001 -> ok\n"
                     "mem-read addr=0x1000 len=4 -> hex:deadbeef\n"
                     "stats requests=1 responses=1 posted=0 irqs=1 dma=3 "
                     "dma_errors=1 syncs=0 now=7000ps window_end=1000000ps\n");
    ck_assert_ptr_nonnull(strstr(r.log, "dma-resp id=1000 status=1\n"
                                        "dma-resp id=1001 status=1 data=deadbeef\n"
                                        "dma-resp id=1002 status=2\n"));
}
END_TEST

START_TEST(test_dma_memory_moves_with_mem_base)
{
    const struct gw_script gs = { .dma_on_doorbell = 1 };
    const char *args[] = { "--mem=4K", "--mem-base=0x1000", "ADDR",
                           "write 0 0x80 4 1", "expect-mem 0x1000 deadbeef", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 0);
}
END_TEST

START_TEST(test_expect_read_mismatch_exits_1)
{
    const char *args[] = { "-q", "ADDR", "expect-read 0 0 4 0x12345678",
                           "read 0 4 4", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 1);
    /* --quiet keeps the result and the failure, nothing else. */
    ck_assert_str_eq(r.out, "read bar=0 off=0x0 len=4 -> ok data=0x03020100\n"
                            "fail line 1: read bar=0 off=0x0 len=4: expected "
                            "data=0x12345678, got data=0x03020100\n");
}
END_TEST

START_TEST(test_keep_going_runs_every_command)
{
    const char *args[] = { "-q", "-k", "ADDR", "read 0 0x100 4", "read 0 4 1", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "read bar=0 off=0x100 len=4 -> address-error\n"
                            "fail line 1: read bar=0 off=0x100 len=4: expected "
                            "status ok, got address-error\n"
                            "read bar=0 off=0x4 len=1 -> ok data=0x04\n");
}
END_TEST

START_TEST(test_gateway_error_is_printed_and_exits_1)
{
    const struct gw_script gs = { .error_on_read = 1 };
    const char *args[] = { "-q", "ADDR", "read 0 0xe0 4", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "error ERR_INTERNAL: scripted failure\n");
}
END_TEST

/* What the gateway says is printed escaped: it cannot forge an output line. */
START_TEST(test_gateway_text_is_printed_escaped)
{
    const struct gw_script gs = { .error_on_read = 1,
                                  .text = "x\n[forged] read ok\x1b[31m" };
    const char *args[] = { "--trace", "ADDR", "read 0 0xe0 4", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "< Welcome v1.0 "));
    ck_assert_ptr_nonnull(strstr(r.out, "name=x\\x0a[forged] read ok\\x1b[31m\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "< Error ERR_INTERNAL: x\\x0a[forged] read ok\\x1b[31m\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nerror ERR_INTERNAL: x\\x0a[forged] read ok\\x1b[31m\n"));
    ck_assert_ptr_null(strstr(r.out, "\n[forged]"));
    ck_assert_ptr_null(strchr(r.out, 0x1b));
}
END_TEST

START_TEST(test_raw_bad_frame_and_expect_error)
{
    const char *args[] = { "-q", "ADDR", "raw 00000000", "expect-error ERR_FRAME_SIZE",
                           NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, "error ERR_FRAME_SIZE: zero length prefix\n");
}
END_TEST

START_TEST(test_no_sync_sends_no_sync)
{
    const char *args[] = { "--no-sync", "ADDR", "advance 5us", "read 0 0 1",
                           "posted 0 0x20 2 0xcafe", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.log, "hello caps=0x79f name=sclink-client\n"
                            "req read bar=0 off=0x0 len=1 t=5000000\n"
                            "req write bar=0 off=0x20 len=2 posted t=5000000\n"
                            "bye\n");
    ck_assert_ptr_nonnull(strstr(r.out, "caps=posted,dma,msix name="));
    ck_assert_ptr_nonnull(strstr(r.out, "posted bar=0 off=0x20 len=2 data=0xcafe\n"));
}
END_TEST

START_TEST(test_conforming_peer_refuses_locally)
{
    const char *args[] = { "-q", "-k", "ADDR", "read 1 0 4", "read 0 0xffe 4",
                           "posted 2 0 4 1", "dread 0 0 4", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out,
                     "fail line 1: read: the device has no bar 1\n"
                     "fail line 2: read: off=0xffe len=4 lies outside bar 0 "
                     "(size 0x1000)\n"
                     "fail line 3: posted: bar 2 does not take posted writes\n"
                     "fail line 4: dread: CAP_DEBUG was not agreed\n");
    /* Nothing reached the gateway. */
    ck_assert_ptr_null(strstr(r.log, "req "));
}
END_TEST

START_TEST(test_script_file_and_stdin)
{
    char path[64];
    const char *args_file[] = { "-q", "-f", path, "ADDR", NULL };
    const char *args_stdin[] = { "-q", "ADDR", "-", NULL };
    const char *script = "# a comment\n\nread 0 1 1   # trailing\nread 0 2 1\n";
    struct result r;
    FILE *f;

    snprintf(path, sizeof(path), "/tmp/sclink-client-test-%d.script", (int)getpid());
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(script, f);
    fclose(f);
    run(&plain, args_file, NULL, &r);
    unlink(path);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, "read bar=0 off=0x1 len=1 -> ok data=0x01\n"
                            "read bar=0 off=0x2 len=1 -> ok data=0x02\n");
    run(&plain, args_stdin, script, &r);
    ASSERT_RUN(r, 0);
    ck_assert_str_eq(r.out, "read bar=0 off=0x1 len=1 -> ok data=0x01\n"
                            "read bar=0 off=0x2 len=1 -> ok data=0x02\n");
}
END_TEST

START_TEST(test_trace_prints_every_message)
{
    const char *args[] = { "-q", "--trace", "ADDR", "advance 1001ns", NULL };
    struct result r;

    run(&plain, args, NULL, &r);
    ASSERT_RUN(r, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "> Hello v1.2 caps=posted,dma,intx,msi,"
                                        "msix,sync,deterministic,lookahead,pause,reset "
                                        "quantum=0ps "
                                        "max_frame=1048576 name=sclink-client\n"
                                        "< Welcome v1.0 "));
    ck_assert_ptr_nonnull(strstr(r.out, "> Sync reached t=1000000ps\n"
                                        "< Sync grant t=1000000ps "
                                        "window_end=2000000ps\n"
                                        "> Bye reason=normal message=\n"));
}
END_TEST

START_TEST(test_late_interrupt_is_a_timing_error)
{
    const struct gw_script gs = { .late_irq = 1 };
    const char *args[] = { "ADDR", "advance 1001ns", "read 0 0 1", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    /* Reported, the run fails, but the link lives on: the read happens. */
    ASSERT_RUN(r, 1);
    ck_assert_ptr_nonnull(strstr(r.out,
                                 "irq msix 2 t=999999ps now=1001000ps\n"
                                 "timing-error: irq msix 2 stamped 999999 ps, "
                                 "after the GRANT for 1000000 ps was sent\n"
                                 "read bar=0 off=0x0 len=1 -> ok data=0x00\n"));
}
END_TEST

START_TEST(test_mismatched_grant_aborts_the_link)
{
    const struct gw_script gs = { .bad_grant = 1 };
    const char *args[] = { "-q", "ADDR", "advance 2us", "read 0 0 1", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "abort ERR_STATE: Sync GRANT for 1000001 ps answers "
                            "REACHED(1000000 ps)\n");
    /* The client told the gateway why, and sent nothing after. */
    ck_assert_str_eq(r.log, "hello caps=" HELLO_CAPS " name=sclink-client\n"
                            "reached 1000000\n"
                            "unexpected Error\n"
                            "recv connection closed by peer\n");
}
END_TEST

/*
 * The DMA table (tests/common/dma-cases.h), one link per row: the client
 * with its defaults answers each row as the table says, which is what
 * tests/test-dma-cases.c finds the device's core calls answer.
 */
START_TEST(test_dma_cases_client_answers_as_the_device)
{
    const struct dma_case *dc = &dma_cases[_i];
    const struct gw_script gs = { .cases = &dc, .n_cases = 1 };
    const char *args[] = { "-q", "ADDR", "read 0 0x40 4", NULL };
    char want[128];
    const char *hello;
    struct result r;

    run(&gs, args, NULL, &r);
    /* The rows assume what the client agrees by default. */
    hello = strstr(r.log, "hello caps=");
    ck_assert_ptr_nonnull(hello);
    ck_assert_uint_eq(strtoull(hello + 11, NULL, 16) & GW_CAPS, DMA_CASES_CAPS);
    if (dc->error != SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED) {
        snprintf(want, sizeof(want), "case %s error=%d\n", dc->name,
                 (int)dc->error);
        ASSERT_RUN(r, 1);
        ck_assert_msg(strncmp(r.out, "abort ERR_", 10) == 0, "%s: %s",
                      dc->name, r.out);
    } else {
        snprintf(want, sizeof(want), "case %s status=%d", dc->name,
                 (int)dc->status);
        ASSERT_RUN(r, 0);
    }
    ck_assert_msg(strstr(r.log, want) != NULL, "%s: want '%s', log:\n%s",
                  dc->name, want, r.log);
}
END_TEST

static const struct dma_case *find_case(const char *name)
{
    size_t i;

    for (i = 0; i < DMA_CASES_N; i++)
        if (strcmp(dma_cases[i].name, name) == 0)
            return &dma_cases[i];
    ck_abort_msg("no DMA case %s", name);
    return NULL;
}

/* --serve-dma: what the device refuses, served from the memory. */
START_TEST(test_serve_dma_serves_what_the_device_refuses)
{
    const struct dma_case *dc[] = {
        find_case("read-byte-enable"), find_case("write-streaming-2"),
        find_case("debug-read"), find_case("byte-enable-and-streaming"),
    };
    const struct gw_script gs = { .cases = dc, .n_cases = 4 };
    const char *all[] = { "-q", "--serve-dma=all", "ADDR",
                          "mem-write 0x1000 11223344", "read 0 0x40 4",
                          "mem-read 0x1000 4", NULL };
    const char *some[] = { "-q", "--serve-dma", "streaming", "ADDR",
                           "read 0 0x40 4", NULL };
    const char *bad[] = { "--serve-dma=bursts", "ADDR", NULL };
    struct result r;

    run(&gs, all, NULL, &r);
    ASSERT_RUN(r, 0);
    /* Debug DMA needs CAP_DEBUG: --serve-dma debug offers it. */
    ck_assert_ptr_nonnull(strstr(r.log, "hello caps=0x7ff "));
    ck_assert_ptr_nonnull(strstr(r.log,
                                 "case read-byte-enable status=1 data=11003300\n"
                                 "case write-streaming-2 status=1\n"
                                 "case debug-read status=1 data=beef3344\n"
                                 "case byte-enable-and-streaming status=1\n"));
    /* A streaming write of width 1 leaves its last byte. */
    ck_assert_str_eq(r.out, "read bar=0 off=0x40 len=4 -> ok data=0x43424140\n"
                            "mem-read addr=0x1000 len=4 -> hex:efef3344\n");
    run(&gs, some, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_ptr_nonnull(strstr(r.log,
                                 "case read-byte-enable status=6\n"
                                 "case write-streaming-2 status=1\n"
                                 "case debug-read error=7\n"));
    run(NULL, bad, NULL, &r);
    ASSERT_RUN(r, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--serve-dma: 'bursts' is not "));
}
END_TEST

/* Rule G: without CAP_LOOKAHEAD a GRANT ends its window by W + Q. */
START_TEST(test_grant_beyond_one_quantum_aborts_the_link)
{
    const struct gw_script gs = { .wide_grant = 1 };
    const char *args[] = { "-q", "ADDR", "advance 2us", NULL };
    struct result r;

    run(&gs, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "abort ERR_STATE: Sync GRANT(1000000 ps) ends its "
                            "window at 5000000 ps, outside (1000000, 1000000 "
                            "+ Q=1000000] without CAP_LOOKAHEAD\n");
}
END_TEST

/* 7.5: a Welcome from another role is ERR_VERSION, more caps ERR_CONFIG. */
START_TEST(test_welcome_checks_send_the_codes_of_7_5)
{
    const struct gw_script role = { .welcome_role = SCLINK__V1__ROLE__ROLE_QEMU };
    const struct gw_script caps = {
        .welcome_extra = SCLINK__V1__CAPABILITY__CAP_DEBUG
    };
    const char *args[] = { "ADDR", "read 0 0 4", NULL };
    struct result r;

    run(&role, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "abort ERR_VERSION: Welcome from role 1, expected "
                            "ROLE_GATEWAY\n");
    ck_assert_ptr_null(strstr(r.log, "req "));
    run(&caps, args, NULL, &r);
    ASSERT_RUN(r, 1);
    ck_assert_str_eq(r.out, "abort ERR_CONFIG: Welcome agrees more than the "
                            "Hello offered: capabilities 0x40 of 0x7bf\n");
}
END_TEST

START_TEST(test_usage_errors_exit_2_before_connecting)
{
    const char *bad_cmd[] = { "ADDR", "read 0 0 4", "frob 1", NULL };
    const char *no_addr[] = { NULL };
    const char *bad_opt[] = { "--timeout=soon", "ADDR", NULL };
    struct result r;

    run(NULL, bad_cmd, NULL, &r);
    ASSERT_RUN(r, 2);
    ck_assert_str_eq(r.err, "sclink-client: line 2: unknown command 'frob'\n");
    /* Nothing ran: the script is checked before connecting. */
    ck_assert_str_eq(r.out, "");
    run(NULL, no_addr, NULL, &r);
    ASSERT_RUN(r, 2);
    run(NULL, bad_opt, NULL, &r);
    ASSERT_RUN(r, 2);
}
END_TEST

START_TEST(test_connect_failure_exits_2)
{
    char *argv[] = { "sclink-client", "unix:/tmp/sclink-client-nobody.sock",
                     "read 0 0 4", NULL };
    struct result r;

    run_client(argv, NULL, &r);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "cannot connect to "
                                        "unix:/tmp/sclink-client-nobody.sock"));
}
END_TEST

static Suite *run_suite(void)
{
    Suite *s = suite_create("client-run");
    TCase *tc = sclink_check_tcase(s, "scripted-gateway", 30);

    tcase_add_test(tc, test_reads_and_writes_print_one_line_each);
    tcase_add_test(tc, test_requests_never_stamped_beyond_the_window);
    tcase_add_test(tc, test_sync_command_reports_the_new_window);
    tcase_add_test(tc, test_wait_irq_advances_window_by_window);
    tcase_add_test(tc, test_wait_irq_limit_fails_the_run);
    tcase_add_test(tc, test_dma_served_from_the_simulated_memory);
    tcase_add_test(tc, test_dma_memory_moves_with_mem_base);
    tcase_add_test(tc, test_expect_read_mismatch_exits_1);
    tcase_add_test(tc, test_keep_going_runs_every_command);
    tcase_add_test(tc, test_gateway_error_is_printed_and_exits_1);
    tcase_add_test(tc, test_gateway_text_is_printed_escaped);
    tcase_add_test(tc, test_raw_bad_frame_and_expect_error);
    tcase_add_test(tc, test_no_sync_sends_no_sync);
    tcase_add_test(tc, test_conforming_peer_refuses_locally);
    tcase_add_test(tc, test_script_file_and_stdin);
    tcase_add_test(tc, test_trace_prints_every_message);
    tcase_add_test(tc, test_late_interrupt_is_a_timing_error);
    tcase_add_test(tc, test_mismatched_grant_aborts_the_link);
    tcase_add_loop_test(tc, test_dma_cases_client_answers_as_the_device, 0,
                        (int)DMA_CASES_N);
    tcase_add_test(tc, test_serve_dma_serves_what_the_device_refuses);
    tcase_add_test(tc, test_grant_beyond_one_quantum_aborts_the_link);
    tcase_add_test(tc, test_welcome_checks_send_the_codes_of_7_5);
    tcase_add_test(tc, test_usage_errors_exit_2_before_connecting);
    tcase_add_test(tc, test_connect_failure_exits_2);
    return s;
}

SCLINK_CHECK_MAIN(run_suite)
