/*
 * The link fuzzer's executor: plays one script (link-fuzz.h) on a fresh
 * connection, and the health check.
 *
 * The socket is non-blocking.  Whatever the gateway sends is read between
 * and during steps (unless the script said noread) and decoded with
 * libsclink: a Welcome sets the agreed frame limit, DMA Requests queue for
 * `respond` (or are answered at once under `autodma`), and bytes that do
 * not decode are a finding, since the gateway validates what it sends.
 * Every wait is bounded: a gateway that takes nothing for WRITE_STALL_MS
 * ends the link (that is allowed, the output bound does it), and so does
 * one that closes.
 *
 * TLS: the session (sclink-client's, tools/client/tls.c) writes into
 * e->wire, not the socket, so that a `tls` step can do to the handshake's
 * bytes what its mode says before they go out, and every write, in a
 * record or not, takes the same bounded path.  Only plaintext out of the
 * session is decoded: what a TLS gateway sends outside one (alerts, the
 * records of a handshake that failed) is read and dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "link-fuzz.h"

#define WRITE_STALL_MS 3000   /* the gateway took nothing for this long */
#define DRIBBLE_MAX_MS 4000   /* a slow write gives up after this */
#define HANDSHAKE_MS 3000     /* silence after the client's flight: the handshake stalled */
#define DMA_QUEUE 64

struct dma_req {
    uint64_t id;
    uint32_t length;
    int is_read;
};

struct exec {
    const struct target *t;
    int fd;
    int dead;        /* closed by the gateway, or a write failed */
    int noread;
    int autodma;
    int depth;       /* service_input nesting: answering writes, writing reads */
    int writing;     /* inside write_all: a frame may be half out */
    sclink_decoder dec;
    struct dma_req q[DMA_QUEUE];
    int qn;
    sclink_buf out;  /* scratch for Responses */
    struct exec_result *r;
    /* TLS */
    struct client_tls *tls;  /* set up by the first `tls` step */
    gnutls_session_t ses;
    int in_handshake;        /* GnuTLS reads the socket: nothing else may */
    int in_tls;              /* the handshake succeeded: bytes go in records */
    int raw;                 /* `raw`: bytes around the session */
    sclink_buf wire;         /* what the session wrote, not yet sent */
    uint64_t hs_sent;        /* handshake bytes the session wrote so far */
    int64_t hs_slow_end;     /* TLS_SLOW: when it stops being slow */
    int hs_injected;         /* TLS_INJECT: done */
};

int64_t fuzz_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
    int64_t l = deadline - fuzz_now_ms();

    return l > 0 ? (int)l : 0;
}

static void send_response(struct exec *e, const struct dma_req *d, int mode, int64_t arg);

/* What the gateway sent: the Welcome, DMA Requests, the rest ignored. */
static void take_message(struct exec *e, sclink_msg *m)
{
    e->r->frames_in++;
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        e->r->welcomed = 1;
        sclink_decoder_set_max_frame(&e->dec, m->welcome->max_frame);
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        if (e->r->frames_in == 1 && m->error->code == SCLINK__V1__ERROR_CODE__ERR_BUSY)
            e->r->busy = 1;
        break;
    case SCLINK__V1__ENVELOPE__MSG_REQUEST: {
        struct dma_req d = {m->request->id, m->request->length,
                            m->request->command == SCLINK__V1__COMMAND__CMD_READ ||
                                m->request->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ};
        e->r->dma_in++;
        if (e->qn < DMA_QUEUE)
            e->q[e->qn++] = d;
        break;
    }
    default:
        break;
    }
    sclink_msg_free(m);
}

/* Reads what is there (no waiting); marks the link dead at end of stream. */
static void service_input(struct exec *e)
{
    uint8_t buf[65536];
    sclink_msg *m;
    ssize_t n;
    int rc;

    if (e->noread || e->dead || e->in_handshake)
        return;
    e->depth++;
    for (;;) {
        if (e->in_tls) {
            n = gnutls_record_recv(e->ses, buf, sizeof(buf));
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                break;
            if (n < 0 && !gnutls_error_is_fatal((int)n))
                continue; /* a warning alert: the record is consumed */
            if (n < 0)
                n = 0; /* an alert, or a record that did not verify: the end */
        } else {
            n = recv(e->fd, buf, sizeof(buf), MSG_DONTWAIT);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
        }
        if (n <= 0) {
            e->dead = 1;
            e->r->closed = 1;
            break;
        }
        if (e->r->bad_output || (e->t->tls_creds && !e->in_tls))
            continue;
        rc = sclink_decoder_feed(&e->dec, buf, (size_t)n);
        while (rc == 0 && (rc = sclink_decoder_next(&e->dec, &m)) == 1) {
            take_message(e, m);
            rc = 0;
        }
        if (rc < 0) {
            e->r->bad_output = 1;
            snprintf(e->r->why, sizeof(e->r->why), "gateway sent bytes that do not decode: %s",
                     sclink_decoder_reason(&e->dec));
        }
    }
    /* Like QEMU under autodma: each DMA Request answered, but not in the
     * middle of a frame being written, nor from inside the reading an
     * answer's own write does (it would recurse). */
    if (--e->depth == 0 && e->autodma && !e->writing) {
        e->depth++;
        while (e->qn > 0 && !e->dead) {
            struct dma_req d = e->q[0];
            memmove(e->q, e->q + 1, (size_t)--e->qn * sizeof(e->q[0]));
            send_response(e, &d, RESP_OK, 0);
        }
        e->depth--;
    }
}

/* Waits up to ms for input (or, with `out`, for room to write), reading it. */
static void wait_io(struct exec *e, int ms, int out)
{
    int in = !e->noread && !e->in_handshake;
    struct pollfd p = {e->fd, (short)((in ? POLLIN : 0) | (out ? POLLOUT : 0)), 0};

    if (p.events == 0) {
        if (ms > 0)
            usleep((useconds_t)ms * 1000);
        return;
    }
    if (poll(&p, 1, ms) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)))
        service_input(e);
}

/* Puts p on the socket, reading meanwhile; gives up on a gateway that
 * takes nothing. */
static void write_socket(struct exec *e, const uint8_t *p, size_t len)
{
    int64_t stall = fuzz_now_ms() + WRITE_STALL_MS;
    ssize_t n;

    while (len > 0 && !e->dead) {
        n = send(e->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            e->r->bytes_out += (uint64_t)n;
            stall = fuzz_now_ms() + WRITE_STALL_MS;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            e->dead = 1;
            break;
        }
        if (left_ms(stall) == 0) {
            e->dead = 1; /* the gateway reads nothing: allowed, give up */
            break;
        }
        wait_io(e, left_ms(stall) < 50 ? left_ms(stall) : 50, 1);
    }
}

/* What the session wrote, taken out of e->wire first: reading while it
 * goes out may make the session write more. */
static sclink_buf take_wire(struct exec *e)
{
    sclink_buf b = e->wire;

    sclink_buf_init(&e->wire);
    return b;
}

/* Writes all of p, in records after a handshake (unless `raw`), reading
 * meanwhile. */
static void write_all(struct exec *e, const uint8_t *p, size_t len)
{
    ssize_t n;

    e->writing++;
    if (e->in_tls && !e->raw) {
        while (len > 0 && !e->dead) {
            n = gnutls_record_send(e->ses, p, len);
            if (n < 0) {
                e->dead = 1; /* the session ended: an alert came */
                break;
            }
            p += n;
            len -= (size_t)n;
            sclink_buf w = take_wire(e);
            write_socket(e, w.base, w.len);
            sclink_buf_free(&w);
        }
    } else {
        write_socket(e, p, len);
    }
    e->writing--;
    service_input(e);
}

static void sleep_reading(struct exec *e, int ms)
{
    int64_t end = fuzz_now_ms() + ms;

    while (!e->dead && left_ms(end) > 0)
        wait_io(e, left_ms(end), 0);
}

static void send_response(struct exec *e, const struct dma_req *d, int mode, int64_t arg)
{
    static uint8_t zeros[SCLINK_LIMIT_MAX_FRAME / 16];
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    int64_t len = d->is_read ? (int64_t)d->length : 0;

    resp.has_id = resp.has_status = 1;
    resp.id = d->id;
    resp.status = SCLINK__V1__STATUS__STATUS_OK;
    switch (mode) {
    case RESP_STATUS:
        resp.status = (Sclink__V1__Status)arg;
        if (arg != SCLINK__V1__STATUS__STATUS_OK)
            len = 0;
        break;
    case RESP_ID: resp.id += (uint64_t)arg; break;
    case RESP_LEN: len += arg; break;
    default: break;
    }
    if (len > (int64_t)sizeof(zeros))
        len = sizeof(zeros);
    if (len > 0) {
        resp.has_data = 1;
        resp.data.data = zeros;
        resp.data.len = (size_t)len;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    e->out.len = 0;
    frame_append(&e->out, &env);
    write_all(e, e->out.base, e->out.len);
    if (mode == RESP_DUP)
        write_all(e, e->out.base, e->out.len);
}

/* respond: the oldest DMA Request waiting, within ms; if none, a stray one or nothing. */
static void respond(struct exec *e, const struct op *o)
{
    int64_t end = fuzz_now_ms() + o->ms;
    struct dma_req d = {UINT64_C(0xdead0000), 4, 1};

    while (e->qn == 0 && !e->dead && left_ms(end) > 0)
        wait_io(e, left_ms(end), 0);
    if (e->qn > 0) {
        d = e->q[0];
        memmove(e->q, e->q + 1, (size_t)--e->qn * sizeof(e->q[0]));
    } else if (!o->n) {
        return;
    }
    send_response(e, &d, o->mode, o->arg);
}

static void dribble(struct exec *e, const struct op *o)
{
    int64_t give_up = fuzz_now_ms() + DRIBBLE_MAX_MS;
    size_t step = o->n ? o->n : 1;

    for (size_t off = 0; off < o->len && !e->dead && left_ms(give_up) > 0; off += step) {
        write_all(e, o->bytes + off, o->len - off < step ? o->len - off : step);
        sleep_reading(e, (int)o->ms);
    }
}

/* ------------------------------------------------------------------ TLS */

static ssize_t tls_push(gnutls_transport_ptr_t ctx, const void *p, size_t len)
{
    struct exec *e = ctx;

    if (sclink_buf_reserve(&e->wire, len) < 0) {
        gnutls_transport_set_errno(e->ses, ENOMEM);
        return -1;
    }
    memcpy(e->wire.base + e->wire.len, p, len);
    e->wire.len += len;
    return (ssize_t)len;
}

static ssize_t tls_pull(gnutls_transport_ptr_t ctx, void *p, size_t len)
{
    struct exec *e = ctx;
    ssize_t n = recv(e->fd, p, len, MSG_DONTWAIT);

    if (n < 0)
        gnutls_transport_set_errno(e->ses, errno == EWOULDBLOCK ? EAGAIN : errno);
    return n;
}

static int tls_pull_timeout(gnutls_transport_ptr_t ctx, unsigned ms)
{
    struct exec *e = ctx;
    struct pollfd p = {e->fd, POLLIN, 0};

    return poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
}

/* Sends the handshake bytes the session wrote, as the step's mode says;
 * 1 if there were any. */
static int handshake_out(struct exec *e, const struct op *o)
{
    sclink_buf w = take_wire(e);
    uint64_t off = e->hs_sent, at = o->n;
    size_t len = w.len, k, step;
    int here;

    if (len == 0) /* a handshake step that only read */
        goto out;
    e->hs_sent += len;
    switch (o->mode) {
    case TLS_FLIP:
        if (at >= off && at - off < len)
            w.base[at - off] ^= (uint8_t)o->arg;
        write_socket(e, w.base, len);
        break;
    case TLS_CUT:
        if (at > off)
            write_socket(e, w.base, at - off < len ? (size_t)(at - off) : len);
        break;
    case TLS_SLOW:
        /* at bytes at a time while the step's time lasts, then the rest */
        step = at ? (size_t)at : 1;
        for (k = 0; k < len && !e->dead; k += step) {
            if (e->hs_slow_end == 0)
                e->hs_slow_end = fuzz_now_ms() + DRIBBLE_MAX_MS;
            if (left_ms(e->hs_slow_end) == 0) {
                write_socket(e, w.base + k, len - k);
                break;
            }
            write_socket(e, w.base + k, len - k < step ? len - k : step);
            if (len - k > step)
                usleep((useconds_t)o->ms * 1000);
        }
        break;
    case TLS_INJECT:
        /* once: the end of one flight is before the next */
        here = !e->hs_injected && at >= off && at - off <= len;
        k = here ? (size_t)(at - off) : len;
        write_socket(e, w.base, k);
        if (here) {
            write_socket(e, o->bytes, o->len);
            e->hs_injected = 1;
        }
        write_socket(e, w.base + k, len - k);
        break;
    default:
        write_socket(e, w.base, len);
        break;
    }
out:
    sclink_buf_free(&w);
    return len > 0;
}

/* `tls`: the client's handshake, non-blocking, ended when the gateway says
 * nothing for HANDSHAKE_MS after the client's last flight went out.  One
 * per link: a second step does nothing.  A cut handshake has failed even
 * where GnuTLS thinks it done (TLS 1.3's client finishes on writing its
 * Finished): what follows goes raw. */
static void tls_step(struct exec *e, const struct op *o)
{
    int64_t end = fuzz_now_ms() + HANDSHAKE_MS;
    int rc;

    if (e->t->tls_creds == NULL) {
        fprintf(stderr, "link-fuzz: a `tls` step against a plain gateway: give --tls\n");
        exit(2);
    }
    if (e->tls)
        return;
    e->tls = client_tls_new(e->t->tls_creds, e->t->tls_user, e->t->addr);
    if (e->tls == NULL)
        exit(2); /* it said why: the credentials */
    e->ses = client_tls_session(e->tls);
    gnutls_transport_set_ptr(e->ses, e);
    gnutls_transport_set_push_function(e->ses, tls_push);
    gnutls_transport_set_pull_function(e->ses, tls_pull);
    gnutls_transport_set_pull_timeout_function(e->ses, tls_pull_timeout);
    gnutls_handshake_set_timeout(e->ses, GNUTLS_INDEFINITE_TIMEOUT);
    e->in_handshake = 1;
    for (;;) {
        struct pollfd p = {e->fd, POLLIN, 0};

        rc = gnutls_handshake(e->ses);
        if (handshake_out(e, o))
            end = fuzz_now_ms() + HANDSHAKE_MS; /* a slow flight takes its time */
        if (rc == 0 || gnutls_error_is_fatal(rc) || e->dead || left_ms(end) == 0)
            break;
        poll(&p, 1, left_ms(end) < 50 ? left_ms(end) : 50);
    }
    e->in_handshake = 0;
    e->in_tls = rc == 0 && !e->dead && !(o->mode == TLS_CUT && o->n < e->hs_sent);
    e->r->handshake = e->in_tls ? 1 : -1;
}

static void run_op(struct exec *e, const struct op *o)
{
    switch (o->kind) {
    case OP_SEND: write_all(e, o->bytes, o->len); break;
    case OP_SENDREP:
        for (uint32_t i = 0; i < o->n && !e->dead; i++)
            write_all(e, o->bytes, o->len);
        break;
    case OP_DRIBBLE: dribble(e, o); break;
    case OP_SLEEP: sleep_reading(e, (int)o->ms); break;
    case OP_RESPOND: respond(e, o); break;
    case OP_AUTODMA: e->autodma = o->n != 0; break;
    case OP_NOREAD: e->noread = 1; break;
    case OP_SHUTDOWN: shutdown(e->fd, SHUT_WR); break;
    case OP_HOLD: {
        int saved = e->noread;
        e->noread = 0;
        sleep_reading(e, (int)o->ms);
        e->noread = saved;
        break;
    }
    case OP_TLS: tls_step(e, o); break;
    case OP_RAW: e->raw = 1; break;
    }
}

void exec_link(const struct target *t, const struct script *s, struct exec_result *r)
{
    struct exec e;
    sclink_conn c;

    memset(r, 0, sizeof(*r));
    memset(&e, 0, sizeof(e));
    e.t = t;
    e.r = r;
    if (sclink_conn_connect(&c, t->addr, 2000) < 0)
        return;
    r->connected = 1;
    e.fd = c.fd;
    sclink_decoder_init(&e.dec, SCLINK_DEFAULT_MAX_FRAME);
    sclink_buf_init(&e.out);
    sclink_buf_init(&e.wire);
    fcntl(e.fd, F_SETFL, fcntl(e.fd, F_GETFL) | O_NONBLOCK);
    for (size_t i = 0; i < s->n && !e.dead && !r->busy; i++)
        run_op(&e, &s->ops[i]);
    /* A link refused as busy may have failed its first write before the
     * ERR_BUSY was read: look for it. */
    if (r->frames_in == 0) {
        e.dead = e.noread = 0;
        service_input(&e);
    }
    sclink_conn_close(&c);
    client_tls_free(e.tls);
    sclink_decoder_free(&e.dec);
    sclink_buf_free(&e.out);
    sclink_buf_free(&e.wire);
}

/* ---------------------------------------------------------- health check */

/* Sends `m` and returns the next message that is not an Interrupt (counted). */
static int health_call(sclink_conn *c, const sclink_msg *m, sclink_msg **out, int *irqs,
                       int timeout_ms)
{
    int rc = sclink_conn_send(c, m);

    while (rc == 0) {
        rc = sclink_conn_recv(c, out, timeout_ms);
        if (rc < 0 || (*out)->msg_case != SCLINK__V1__ENVELOPE__MSG_INTERRUPT)
            break;
        (*irqs)++;
        sclink_msg_free(*out);
        *out = NULL;
    }
    return rc;
}

/* An MMIO Request at t = 0, answered OK: a read returns its 4 bytes in *v. */
static int health_access(sclink_conn *c, uint64_t id, uint64_t addr, const uint32_t *wv,
                         uint32_t *v, int *irqs, int timeout_ms, char *why, size_t whylen)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT, *m = NULL;
    sclink_request req = SCLINK__V1__REQUEST__INIT;
    int rc;

    req.has_id = req.has_command = req.has_bar = req.has_address = 1;
    req.has_length = req.has_time_ps = 1;
    req.id = id;
    req.command = wv ? SCLINK__V1__COMMAND__CMD_WRITE : SCLINK__V1__COMMAND__CMD_READ;
    req.address = addr;
    req.length = 4;
    if (wv) {
        req.has_data = 1;
        req.data.data = (uint8_t *)wv;
        req.data.len = 4;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &req;
    rc = health_call(c, &env, &m, irqs, timeout_ms);
    if (rc < 0) {
        snprintf(why, whylen, "Request at 0x%" PRIx64 ": %s", addr, sclink_strerror(rc));
        return -1;
    }
    if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_RESPONSE ||
        m->response->status != SCLINK__V1__STATUS__STATUS_OK ||
        m->response->data.len != (wv ? 0u : 4u)) {
        snprintf(why, whylen, "Request at 0x%" PRIx64 ": got %s%s%s", addr, sclink_msg_name(m),
                 m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ? ": " : "",
                 m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ? m->error->message : "");
        sclink_msg_free(m);
        return -1;
    }
    if (v)
        memcpy(v, m->response->data.data, 4);
    sclink_msg_free(m);
    return 0;
}

/*
 * One clean link: the handshake, the id block's MAGIC, then the timer
 * armed to expire after 1 us and a REACHED at the window end: its
 * Interrupt must come before the GRANT, so link time starts at 0 and
 * SystemC time moves.  Then Bye.  1 ok, 0 busy, -1 failed.
 */
static int health_once(const struct target *t, int timeout_ms, char *why, size_t whylen)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT, *w = NULL, *m = NULL;
    sclink_hello h = SCLINK__V1__HELLO__INIT;
    sclink_sync sync = SCLINK__V1__SYNC__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    const uint32_t period_ns = 1000, ctrl = 5; /* ENABLE | IRQ_EN */
    struct client_tls *tls = NULL;
    sclink_conn c;
    char text[300];
    uint32_t magic = 0;
    int rc, sent, irqs = 0, result = -1;

    rc = sclink_conn_connect(&c, t->addr, timeout_ms);
    if (rc < 0) {
        snprintf(why, whylen, "cannot connect: %s", sclink_strerror(rc));
        return -1;
    }
    if (t->tls_creds && ((tls = client_tls_new(t->tls_creds, t->tls_user, t->addr)) == NULL ||
                         client_tls_handshake(tls, &c, t->addr, timeout_ms) < 0)) {
        snprintf(why, whylen, "the TLS handshake failed (sclink-client said why)");
        goto out;
    }
    h.has_version_major = h.has_version_minor = h.has_role = h.has_capabilities = 1;
    h.version_major = SCLINK_VERSION_MAJOR;
    h.role = SCLINK__V1__ROLE__ROLE_QEMU;
    h.name = "health";
    h.capabilities = SCLINK__V1__CAPABILITY__CAP_SYNC | SCLINK__V1__CAPABILITY__CAP_INTX |
                     SCLINK__V1__CAPABILITY__CAP_MSI | SCLINK__V1__CAPABILITY__CAP_MSIX;
    h.has_quantum_ps = 1;
    h.quantum_ps = FUZZ_QUANTUM_PS;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    /* A gateway still busy may have sent ERR_BUSY and closed before the
     * Hello went out: read what it said even when the write failed. */
    if ((sent = sclink_conn_send(&c, &env)) < 0 || (rc = sclink_conn_recv(&c, &w, timeout_ms)) < 0) {
        if (sent < 0 && sclink_conn_recv(&c, &w, 100) == 0 &&
            w->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR &&
            w->error->code == SCLINK__V1__ERROR_CODE__ERR_BUSY) {
            result = 0;
            goto out;
        }
        snprintf(why, whylen, "handshake: %s", sclink_strerror(sent < 0 ? sent : rc));
        goto out;
    }
    if (w->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR &&
        w->error->code == SCLINK__V1__ERROR_CODE__ERR_BUSY) {
        result = 0;
        goto out;
    }
    if (w->msg_case != SCLINK__V1__ENVELOPE__MSG_WELCOME) {
        snprintf(why, whylen, "handshake: got %s, not a Welcome: %s", sclink_msg_name(w),
                 w->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR
                     ? sclink_log_text(text, sizeof(text), w->error->message) : "");
        goto out;
    }
    sclink_conn_set_max_frame(&c, w->welcome->max_frame);
    if (health_access(&c, 1, FUZZ_ID_BASE, NULL, &magic, &irqs, timeout_ms, why, whylen) < 0)
        goto out;
    if (magic != FUZZ_ID_MAGIC) {
        snprintf(why, whylen, "MAGIC reads 0x%08x", magic);
        goto out;
    }
    if (health_access(&c, 2, FUZZ_TIMER_BASE, &period_ns, NULL, &irqs, timeout_ms, why, whylen) < 0 ||
        health_access(&c, 3, FUZZ_TIMER_BASE + 8, &ctrl, NULL, &irqs, timeout_ms, why, whylen) < 0)
        goto out;
    sync.has_kind = sync.has_time_ps = 1;
    sync.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
    sync.time_ps = w->welcome->quantum_ps;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &sync;
    if ((rc = health_call(&c, &env, &m, &irqs, timeout_ms)) < 0) {
        snprintf(why, whylen, "waiting for the GRANT: %s", sclink_strerror(rc));
        goto out;
    }
    if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_SYNC || irqs == 0) {
        snprintf(why, whylen, "timer armed for 1 us, REACHED %" PRIu64 " ps: got %s after %d "
                 "Interrupts%s%s", sync.time_ps, sclink_msg_name(m), irqs,
                 m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ? ": " : "",
                 m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ? m->error->message : "");
        goto out;
    }
    bye.has_reason = 1;
    bye.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    sclink_conn_send(&c, &env);
    shutdown(c.fd, SHUT_WR);
    result = 1;
out:
    sclink_msg_free(m);
    sclink_msg_free(w);
    sclink_conn_close(&c);
    client_tls_free(tls);
    return result;
}

int health_check(const struct target *t, int timeout_ms, int *took_ms, char *why, size_t whylen)
{
    int64_t start = fuzz_now_ms(), end = start + timeout_ms;
    int rc;

    do {
        rc = health_once(t, left_ms(end) > 0 ? left_ms(end) : 1, why, whylen);
        if (rc == 0) {
            snprintf(why, whylen, "still busy with the last link after %d ms", timeout_ms);
            usleep(10000);
        }
    } while (rc == 0 && left_ms(end) > 0);
    *took_ms = (int)(fuzz_now_ms() - start);
    return rc == 1 ? 0 : -1;
}
