/*
 * libuv listener and link for the gateway.  One link at a time: the link
 * handle is embedded in the server, and a connection arriving while it is
 * in use is answered with Error ERR_BUSY on a short-lived handle of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <sched.h>
#include <stdatomic.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"
#include "tls.h"

#define READ_CHUNK (64 * 1024)
/* Refused connections kept at a time (struct busy_client), and how long
 * each may stay when stall_ms sets no limit. */
#define BUSY_MAX 4
#define BUSY_MS 5000

union sclink__stream {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tcp_t tcp;
};

/*
 * An allowance of time given to the peer (stall_ms), spent only while we
 * are inside sclink_server_run_*() and the clock's condition holds: time
 * spent simulating is not the peer's, since what it sent or read
 * meanwhile is only seen once we are back in the loop.  See clock_run.
 */
struct sclink__clock {
    uv_timer_t timer;          /* running while the allowance is spent */
    int armed;                 /* an allowance is given */
    int running;
    uint64_t left_ns;          /* what is left of it */
    uint64_t since_ns;         /* when the timer last started */
};

struct sclink_server {
    uv_loop_t *loop;
    struct sclink_server_ops ops;
    void *ctx;
    sclink_addr addr;
    union sclink__stream listener;
    union sclink__stream link;
    int link_state;            /* LINK_* below */
    int close_err;             /* reported to link_closed */
    char close_why[200];
    sclink_decoder dec;
    uint32_t max_frame;
    unsigned stall_ms;
    struct sclink__clock stall; /* an incomplete frame, while we read */
    uint64_t stall_frame;      /* frames_in when that frame began */
    struct sclink__clock drain; /* output over the bound */
    uint64_t frames_in;        /* messages handed over on this link */
    int in_loop;               /* inside sclink_server_run_*() */
    uv_timer_t wakeup;         /* bounds sclink_server_run_timeout */
    sclink_buf out;            /* frames not yet handed to libuv */
    sclink_buf inflight;       /* bytes of the uv_write in progress */
    uv_write_t wreq;
    int writing;
    /*
     * Who may write on the link's socket: this thread (the loop's), or,
     * once, sclink_server_write_last() from another thread.  The link's
     * fd is read there, so it is kept beside the state.  See WS_* below.
     */
    atomic_int wstate;
    atomic_int link_fd;
    int reading;               /* uv_read_start in effect */
    int input_held;            /* sclink_server_hold_input: read nothing */
    int closing_after_flush;
    int handles_open;          /* closed asynchronously in free() */
    int accept_pending;        /* a connection came while the link closed */
    int sock_bound;            /* we made the Unix socket file */
    int lock_fd;               /* PATH.lock, held while we own the path */
    char lock_path[sizeof(((sclink_addr *)0)->path) + 5];
    char exposure[640];        /* sclink_server_exposure, "" if none */
    /*
     * TLS (tls.h): the link's session, fed what is read; s->out holds
     * plaintext frames, which flush_out() makes into records in `wire`,
     * what is written then.  NULL creds: plain, and `wire` unused.
     */
    sclink_tls_creds *tls_creds;
    sclink_tls *tls;
    sclink_buf wire;
    struct busy_client *busy[BUSY_MAX]; /* refusals not yet closed */
    int tls_bye;               /* close_notify queued */
    uint64_t tls_offloaded_base; /* sclink_tls_creds_offloaded at link open */
    int first_read;            /* nothing read on this link yet */
    char tls_text[720];        /* sclink_server_tls */
    uint8_t rbuf[READ_CHUNK];
    uint8_t pbuf[16384];       /* one TLS record's plaintext */
};

enum { LINK_NONE, LINK_OPEN, LINK_CLOSING };

/*
 * wstate: WS_IDLE, the socket is at a frame boundary and nothing is being
 * written; WS_BUSY, the loop's thread is writing, or part of a frame went
 * out and the rest waits (uv_write in flight); WS_TAKEN, another thread
 * is writing its last frame (sclink_server_write_last); WS_DONE, that was
 * written, or the link is closing: nobody writes on it any more.  Only
 * write_last moves IDLE to TAKEN, so a frame of ours is never cut.
 */
enum { WS_IDLE, WS_BUSY, WS_TAKEN, WS_DONE };

/*
 * A connection refused because a link is active.  It is told ERR_BUSY,
 * at a TLS gateway after a handshake of its own (in the loop as the
 * link's) so that it can read it, or why its credentials are refused.
 * Then it is closed once it has closed: a socket closed with the peer's
 * next bytes (its Hello) unread sends a reset, which may destroy the
 * Error before the peer reads it.  BUSY_MAX of them are kept at a time,
 * each for stall_ms at most; past that, one is told and closed at once.
 */
struct busy_client {
    sclink_server *s;
    union sclink__stream h;
    uv_timer_t timer;      /* its time is up */
    int handles;           /* handles open; freed at 0 */
    int slot;              /* in s->busy; -1 when not kept */
    int answered;          /* the Error is out, the write side shut */
    sclink_tls *tls;
    sclink_buf wire;       /* the session's records, not yet sent */
    uint8_t rbuf[16384];
};

static void flush(sclink_server *s);
static void close_link(sclink_server *s, int err, const char *why);
static void clocks_update(sclink_server *s);
static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);
static void on_connection(uv_stream_t *listener, int status);

/* What goes on the socket: TLS records, or the frames themselves. */
static sclink_buf *wire_buf(sclink_server *s)
{
    return s->tls ? &s->wire : &s->out;
}

/* The output bound: SCLINK_SERVER_OUTPUT_FRAMES frames of the agreed size. */
static size_t output_limit(const sclink_server *s)
{
    return (size_t)SCLINK_SERVER_OUTPUT_FRAMES * s->max_frame;
}

/* --------------------------------------------------------------- clocks */

static void clock_init(sclink_server *s, struct sclink__clock *c)
{
    uv_timer_init(s->loop, &c->timer);
    c->timer.data = s;
    c->armed = c->running = 0;
}

/* Stops the timer, keeping what is left of the allowance. */
static void clock_pause(struct sclink__clock *c)
{
    uint64_t ran;

    if (!c->running)
        return;
    ran = uv_hrtime() - c->since_ns;
    c->left_ns = ran < c->left_ns ? c->left_ns - ran : 0;
    c->running = 0;
    uv_timer_stop(&c->timer);
}

/* Gives a fresh allowance of ms, not yet running. */
static void clock_arm(struct sclink__clock *c, unsigned ms)
{
    clock_pause(c);
    c->armed = 1;
    c->left_ns = (uint64_t)ms * 1000000;
}

static void clock_disarm(struct sclink__clock *c)
{
    clock_pause(c);
    c->armed = 0;
}

/* Spends the allowance while in the loop and `counting`; expired() when out. */
static void clock_run(sclink_server *s, struct sclink__clock *c, int counting,
                      uv_timer_cb expired)
{
    if (!c->armed || !counting || !s->in_loop) {
        clock_pause(c);
        return;
    }
    if (c->running)
        return;
    c->since_ns = uv_hrtime();
    c->running = 1;
    /* The loop's clock is stale after simulating: a timer started from it
     * would be due at once, before the socket is looked at. */
    uv_update_time(s->loop);
    uv_timer_start(&c->timer, expired, (c->left_ns + 999999) / 1000000, 0);
}

/* Called from the expired callback: the allowance is spent. */
static void clock_expired(struct sclink__clock *c)
{
    c->running = 0;
    c->armed = 0;
    c->left_ns = 0;
}

static void on_stall(uv_timer_t *t);
static void on_drain(uv_timer_t *t);

/* Runs each clock while it should: the stall clock while we read. */
static void clocks_update(sclink_server *s)
{
    clock_run(s, &s->stall, s->reading, on_stall);
    clock_run(s, &s->drain, 1, on_drain);
}

/*
 * A peer that leaves the output bound unread for stall_ms is cut off, with
 * no Error (it would not read one).  The allowance starts afresh each
 * time the output goes over the bound: a slow reader is not a stuck one.
 */
static void on_drain(uv_timer_t *t)
{
    sclink_server *s = t->data;
    char why[128];

    clock_expired(&s->drain);
    snprintf(why, sizeof(why), "peer left %zu bytes of output unread for %u ms",
             sclink_server_pending_output(s), s->stall_ms);
    close_link(s, SCLINK_ETIMEDOUT, why);
}

/* ------------------------------------------------------------ flow control */

/*
 * Reads while the link is open, the owner can queue more and the peer
 * takes what it is sent: otherwise the peer's writes block in its kernel
 * instead of our buffers growing.  Times a peer that leaves the output
 * over the bound.
 */
static void update_flow(sclink_server *s)
{
    int full = sclink_server_output_full(s);
    int want = s->link_state == LINK_OPEN && !s->input_held && !full;

    if (want && !s->reading) {
        if (uv_read_start(&s->link.stream, on_alloc, on_read) == 0)
            s->reading = 1;
    } else if (!want && s->reading) {
        uv_read_stop(&s->link.stream);
        s->reading = 0;
    }
    if (!full)
        clock_disarm(&s->drain);
    else if (!s->drain.armed && s->stall_ms > 0)
        clock_arm(&s->drain, s->stall_ms);
    clocks_update(s);
}

static int is_tcp(const sclink_server *s)
{
    return s->addr.kind == SCLINK_ADDR_TCP;
}

static int stream_init(sclink_server *s, union sclink__stream *h)
{
    return is_tcp(s) ? uv_tcp_init(s->loop, &h->tcp)
                     : uv_pipe_init(s->loop, &h->pipe, 0);
}

/* --------------------------------------------------- who writes the socket */

/*
 * The loop's thread is about to write: 0 if it may, -1 if another thread
 * took the link over (write_last), after which only closing is left.
 */
static int ws_begin(sclink_server *s)
{
    int cur = atomic_load(&s->wstate);

    for (;;) {
        if (cur == WS_TAKEN) {
            sched_yield();  /* a write of one small frame: microseconds */
            cur = atomic_load(&s->wstate);
            continue;
        }
        if (cur == WS_DONE)
            return -1;
        if (atomic_compare_exchange_weak(&s->wstate, &cur, WS_BUSY))
            return 0;
    }
}

/* Nothing is left to write: the socket is at a frame boundary. */
static void ws_end(sclink_server *s)
{
    int busy = WS_BUSY;

    atomic_compare_exchange_strong(&s->wstate, &busy, WS_IDLE);
}

/* The link is closing: no thread writes on its fd from now on. */
static void ws_finish(sclink_server *s)
{
    int cur = atomic_load(&s->wstate);

    for (;;) {
        if (cur == WS_TAKEN) {
            /* write_last is under way: let it finish with the fd */
            sched_yield();
            cur = atomic_load(&s->wstate);
            continue;
        }
        if (atomic_compare_exchange_weak(&s->wstate, &cur, WS_DONE))
            break;
    }
    atomic_store(&s->link_fd, -1);
}

int sclink_server_write_last(sclink_server *s, const uint8_t *frame, size_t len)
{
    int idle = WS_IDLE, fd;
    sclink_buf rec;
    char why[160];
    size_t off = 0;
    ssize_t n;

    if (!atomic_compare_exchange_strong(&s->wstate, &idle, WS_TAKEN))
        return -EBUSY;
    fd = atomic_load(&s->link_fd);
    /*
     * TLS: WS_TAKEN keeps the loop's thread from writing, and so from
     * encrypting (flush_out does it after ws_begin); GnuTLS lets one
     * thread send while another receives.  The record goes to a buffer
     * of its own.
     */
    sclink_buf_init(&rec);
    if (s->tls && sclink_tls_established(s->tls)) {
        sclink_tls_set_output(s->tls, &rec);
        if (sclink_tls_send(s->tls, frame, len, why, sizeof(why)) < 0)
            rec.len = 0;
        sclink_tls_set_output(s->tls, &s->wire);
        frame = rec.base;
        len = rec.len;
    } else if (s->tls) {
        len = 0;  /* before the handshake: nothing can reach the peer */
    }
    while (fd >= 0 && off < len) {
        n = send(fd, frame + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;   /* the buffer is full or the peer gone: give up */
        off += (size_t)n;
    }
    /* End of stream after the frame; the loop sees EOF and closes. */
    if (fd >= 0)
        shutdown(fd, SHUT_RDWR);
    atomic_store(&s->wstate, WS_DONE);
    sclink_buf_free(&rec);
    return off == len && len > 0 ? 0 : -EPIPE;
}

/* -------------------------------------------------------------- closing */

static void on_link_closed(uv_handle_t *h)
{
    sclink_server *s = h->data;

    s->link_state = LINK_NONE;
    s->writing = 0;
    s->reading = 0;
    s->closing_after_flush = 0;
    /* Free, not just empty: a link that made them grow to the output
     * bound must not leave that much behind for as long as the gateway
     * waits for the next one. */
    sclink_buf_free(&s->out);
    sclink_buf_free(&s->inflight);
    sclink_buf_free(&s->wire);
    sclink_tls_free(s->tls);
    s->tls = NULL;
    sclink_decoder_free(&s->dec);
    sclink_decoder_init(&s->dec, SCLINK_DEFAULT_MAX_FRAME);
    s->max_frame = SCLINK_DEFAULT_MAX_FRAME;
    if (s->ops.link_closed)
        s->ops.link_closed(s->ctx, s->close_err, s->close_why);
}

void sclink_server_accept_next(sclink_server *s)
{
    if (s->accept_pending && s->link_state == LINK_NONE) {
        s->accept_pending = 0;
        on_connection(&s->listener.stream, 0);
    }
}

static void close_link(sclink_server *s, int err, const char *why)
{
    if (s->link_state != LINK_OPEN)
        return;
    ws_finish(s);
    s->link_state = LINK_CLOSING;
    s->close_err = err;
    if (why != s->close_why)
        snprintf(s->close_why, sizeof(s->close_why), "%s", why ? why : "");
    clock_disarm(&s->stall);
    clock_disarm(&s->drain);
    uv_read_stop(&s->link.stream);
    s->reading = 0;
    uv_close(&s->link.handle, on_link_closed);
}

void sclink_server_fail_link(sclink_server *s, Sclink__V1__ErrorCode code, int err,
                             const char *why)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;

    /* One Error per link: a second failure while the first is being
     * written (a stall timer, a late answer) adds nothing. */
    if (s->link_state != LINK_OPEN || s->closing_after_flush)
        return;
    e.has_code = 1;
    e.code = code;
    e.message = (char *)why;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    env.error = &e;
    /* Best effort: the peer may already be gone. */
    if (sclink_encode_append(&env, s->max_frame, &s->out) > 0) {
        s->close_err = err;
        snprintf(s->close_why, sizeof(s->close_why), "%s", why);
        s->closing_after_flush = 1;
        flush(s);
        return;
    }
    close_link(s, err, why);
}

void sclink_server_close_link(sclink_server *s)
{
    if (s->link_state != LINK_OPEN)
        return;
    s->close_err = 0;
    s->close_why[0] = '\0';
    s->closing_after_flush = 1;
    flush(s);
}

/* -------------------------------------------------------------- writing */

static void on_write(uv_write_t *req, int status)
{
    sclink_server *s = req->data;

    s->writing = 0;
    s->inflight.len = 0;
    if (status < 0) {
        if (s->link_state == LINK_OPEN)
            close_link(s, SCLINK_ECLOSED, uv_strerror(status));
        return;
    }
    flush(s);
}

/*
 * The one write libuv makes for us, a uv_write of what the socket did not
 * take at once, is a writev(2) inside uv_run: to a peer that has gone, it
 * raises SIGPIPE, and so may the writev(2) uv_write tries at once.  Around
 * those (run_loop while one is in flight, and the uv_write call), this
 * thread (not the process: its other threads and its handlers are the
 * host's) blocks SIGPIPE and takes back a SIGPIPE raised meanwhile; one
 * that was pending before is left to the host.  A peer slow to
 * read is the only case, so the common iteration pays nothing for it.
 */
struct sigpipe_guard {
    int active;
    int was_pending;
    sigset_t old;
};

static void sigpipe_block(struct sigpipe_guard *g, int active)
{
    sigset_t set, pending;

    g->active = active;
    if (!active)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
    g->was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
}

static void sigpipe_unblock(struct sigpipe_guard *g)
{
    static const struct timespec zero = {0, 0};
    sigset_t set, pending;

    if (!g->active)
        return;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
        while (sigtimedwait(&set, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/*
 * What uv_try_write does, without SIGPIPE: libuv writes with writev(2),
 * and a write to a peer that has gone raises SIGPIPE, whose default kills
 * the host process.  A library may not ignore SIGPIPE for the whole
 * process, and Linux has no SO_NOSIGPIPE, so the common case writes with
 * send(MSG_NOSIGNAL) itself (the fd is non-blocking: libuv made it so).
 * Called only with no uv_write in flight, so nothing reorders.  Returns
 * the bytes taken, 0 if the socket is full, a negative libuv code.
 */
static int send_nosignal(sclink_server *s, const uint8_t *p, size_t len)
{
    uv_os_fd_t fd;
    ssize_t n;

    if (uv_fileno(&s->link.handle, &fd) < 0)
        return UV_EBADF;
    if (len > INT32_MAX)
        len = INT32_MAX;
    do
        n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n;
    return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
}

/*
 * What the socket takes of p at once, written without SIGPIPE (see
 * send_nosignal), for a peer refused before it has a link (busy, or of
 * the other kind): a fresh socket takes the little it is sent at once,
 * and a peer that has gone, or reads nothing, gets nothing.
 */
static ssize_t send_now(union sclink__stream *h, const uint8_t *p, size_t len)
{
    uv_os_fd_t fd;
    ssize_t n;

    if (uv_fileno(&h->handle, &fd) < 0)
        return -1;
    do
        n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    return n;
}

/* Error{code, why} as one frame in `frame`: its length, or negative. */
static int encode_error(Sclink__V1__ErrorCode code, const char *why, uint8_t *frame,
                        size_t cap)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;

    e.has_code = 1;
    e.code = code;
    e.message = (char *)why;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    env.error = &e;
    return sclink_encode(&env, 0, frame, cap);
}

/* An Error in plain text, at once and best effort (send_now). */
static void send_error_now(union sclink__stream *h, Sclink__V1__ErrorCode code,
                           const char *why)
{
    uint8_t frame[256];
    int len = encode_error(code, why, frame, sizeof(frame));

    if (len > 0)
        send_now(h, frame, (size_t)len);
}

/*
 * TLS: the frames queued become records in `wire`, and, when the link is
 * to close after them, the close_notify alert.  Before the handshake is
 * over nothing is queued but its own records (the session writes them).
 * In the loop's thread, or in sclink_server_send()'s caller's: a model's
 * Interrupt or DMA Request is encrypted there, in memory, without
 * blocking, as it was written there in plain text (doc/remote.md).
 */
static int tls_encrypt(sclink_server *s, char *why, size_t whylen)
{
    int r;

    if (!sclink_tls_established(s->tls)) {
        /* An Error before the handshake ended (a timeout): no way to it. */
        s->out.len = 0;
        return 0;
    }
    if (s->out.len > 0) {
        r = sclink_tls_send(s->tls, s->out.base, s->out.len, why, whylen);
        if (r < 0)
            return r;
        s->out.len = 0;
    }
    if (s->closing_after_flush && !s->tls_bye) {
        sclink_tls_bye(s->tls);
        s->tls_bye = 1;
    }
    return 0;
}

/*
 * Hands queued frames to the socket: first send_nosignal (no copy, no
 * callback, the common case), then one uv_write for whatever is left.
 */
static void flush_out(sclink_server *s)
{
    struct sigpipe_guard g;
    uv_buf_t b;
    sclink_buf *w = wire_buf(s);
    sclink_buf tmp;
    char why[200];
    int n;

    if (s->link_state != LINK_OPEN || s->writing)
        return;
    if (ws_begin(s) < 0) {
        close_link(s, SCLINK_ECLOSED, "the link was ended from another thread");
        return;
    }
    if (s->tls && tls_encrypt(s, why, sizeof(why)) < 0) {
        close_link(s, SCLINK_ECLOSED, why);
        return;
    }
    if (w->len > 0) {
        n = send_nosignal(s, w->base, w->len);
        if (n > 0)
            sclink_buf_consume(w, (size_t)n);
        else if (n < 0) {
            close_link(s, SCLINK_ECLOSED, uv_strerror(n));
            return;
        }
    }
    if (w->len > 0) {
        /* Swap buffers: `inflight` stays untouched until on_write. */
        tmp = s->inflight;
        s->inflight = *w;
        *w = tmp;
        w->len = 0;
        b = uv_buf_init((char *)s->inflight.base, (unsigned)s->inflight.len);
        s->wreq.data = s;
        /* uv_write tries a writev(2) at once: guarded as in run_loop. */
        sigpipe_block(&g, 1);
        n = uv_write(&s->wreq, &s->link.stream, &b, 1, on_write);
        sigpipe_unblock(&g);
        if (n < 0) {
            close_link(s, SCLINK_ECLOSED, uv_strerror(n));
            return;
        }
        s->writing = 1;
        return;
    }
    ws_end(s);
    if (s->closing_after_flush)
        close_link(s, s->close_err, s->close_why);
}

/* Writes what it can, then reads or not according to what is left. */
static void flush(sclink_server *s)
{
    flush_out(s);
    update_flow(s);
}

int sclink_server_send(sclink_server *s, const sclink_msg *m)
{
    int n;

    if (s->link_state != LINK_OPEN || s->closing_after_flush)
        return SCLINK_ECLOSED;
    n = sclink_encode_append(m, s->max_frame, &s->out);
    if (n < 0)
        return n;
    flush(s);
    return 0;
}

size_t sclink_server_pending_output(const sclink_server *s)
{
    return s->out.len + s->wire.len + s->inflight.len;
}

int sclink_server_output_full(const sclink_server *s)
{
    return s->link_state == LINK_OPEN && sclink_server_pending_output(s) > output_limit(s);
}

void sclink_server_hold_input(sclink_server *s, int hold)
{
    s->input_held = hold != 0;
    update_flow(s);
}

/* -------------------------------------------------------------- reading */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    sclink_server *s = h->data;

    (void)suggested;
    *buf = uv_buf_init((char *)s->rbuf, sizeof(s->rbuf));
}

static void on_stall(uv_timer_t *t)
{
    sclink_server *s = t->data;
    char why[128];

    clock_expired(&s->stall);
    snprintf(why, sizeof(why), "peer left a %s incomplete for %u ms",
             sclink_decoder_pending(&s->dec) > 0 || !s->tls ? "frame" : "TLS record",
             s->stall_ms);
    sclink_server_fail_link(s, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, SCLINK_ETIMEDOUT, why);
}

/*
 * After a read: each frame gets stall_ms from its first byte to its last,
 * spent while we read.  More bytes of the same frame do not renew it (a
 * peer sending one byte every stall_ms - 1 held the only link slot for
 * ever); time we spend simulating, or not reading because of a bound,
 * does not count, since the rest may be waiting in the socket.  The next
 * frame starts afresh.
 */
static void stall_check(sclink_server *s)
{
    int pending = sclink_decoder_pending(&s->dec) > 0 ||
                  (s->tls && sclink_tls_mid_record(s->tls));

    if (!pending || s->stall_ms == 0) {
        clock_disarm(&s->stall);
    } else if (!s->stall.armed || s->stall_frame != s->frames_in) {
        clock_arm(&s->stall, s->stall_ms);
        s->stall_frame = s->frames_in;
    }
    clocks_update(s);
}

/*
 * Feeds plaintext to the decoder and hands over the messages it
 * completes; stops early if a callback closed the link.  Returns false
 * when the link is gone or failing.
 */
static int take_bytes(sclink_server *s, const uint8_t *p, size_t len)
{
    sclink_msg *m;
    int r;

    r = sclink_decoder_feed(&s->dec, p, len);
    while (r == 0 && s->link_state == LINK_OPEN && !s->closing_after_flush) {
        r = sclink_decoder_next(&s->dec, &m);
        if (r == 1) {
            s->frames_in++;
            s->ops.message(s->ctx, m, sclink_decoder_msg_heap(&s->dec));
            r = 0;
        } else {
            break;
        }
    }
    if (r < 0) {
        sclink_server_fail_link(s, sclink_error_code(r), r, sclink_decoder_reason(&s->dec));
        return 0;
    }
    return s->link_state == LINK_OPEN;
}

/*
 * A peer that does not speak what this end does is told so, in its own
 * terms, rather than fed a decoding error: a TLS ClientHello (a record of
 * type 22, version 3.x) at a plain gateway, or plain sclink frames (a
 * length prefix, whose first byte is 0 for any frame under 16 MiB) at a
 * TLS one.  Returns true when the link was closed for it.
 */
static int wrong_kind_of_peer(sclink_server *s, const uint8_t *p, size_t len)
{
    if (!s->tls) {
        if (len >= 2 && p[0] == 0x16 && p[1] == 0x03) {
            close_link(s, SCLINK_EAUTH, "the peer speaks TLS, and this gateway has no TLS "
                                        "credentials (tls: in the platform file, or "
                                        "--tls-creds; doc/remote.md)");
            return 1;
        }
        return 0;
    }
    if (p[0] == 0x16)
        return 0;
    /* Plain, on purpose: the peer reads nothing else. */
    send_error_now(&s->link, sclink_error_code(SCLINK_EAUTH),
                   "this gateway speaks TLS only: give QEMU tls-creds= on its socket "
                   "chardev or sclink-pci (doc/remote.md)");
    close_link(s, SCLINK_EAUTH, "the peer speaks plain sclink, and this gateway TLS only");
    return 1;
}

/* TLS: ciphertext in; the handshake, then records, become plaintext. */
static void tls_read(sclink_server *s, const uint8_t *p, size_t len)
{
    char why[sizeof(s->close_why)];
    ssize_t n;
    int r;

    if (sclink_tls_feed(s->tls, p, len) < 0) {
        close_link(s, SCLINK_ENOMEM, "out of memory");
        return;
    }
    r = sclink_tls_handshake(s->tls, why, sizeof(why));
    if (r < 0 && sclink_tls_established(s->tls)) {
        /* Refused after the handshake: the peer can read why. */
        sclink_server_fail_link(s, sclink_error_code(r), r, why);
        return;
    }
    if (r < 0) {
        /* The handshake's own alert, if any, then the end. */
        s->close_err = r;
        snprintf(s->close_why, sizeof(s->close_why), "%s", why);
        s->closing_after_flush = 1;
        flush(s);
        return;
    }
    while (r == 1) {
        n = sclink_tls_recv(s->tls, s->pbuf, sizeof(s->pbuf), why, sizeof(why));
        if (n == 0)
            break;
        if (n == SCLINK_ECLOSED) {
            close_link(s, SCLINK_ECLOSED, "peer closed the connection");
            return;
        }
        if (n < 0) {
            close_link(s, SCLINK_ECLOSED, why);
            return;
        }
        if (!take_bytes(s, s->pbuf, (size_t)n))
            return;
    }
    /* The handshake's records, written now: nothing else would. */
    flush(s);
    if (s->link_state == LINK_OPEN)
        stall_check(s);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    sclink_server *s = stream->data;

    (void)buf;
    if ((nread == UV_EOF || nread == UV_ECONNRESET) && s->tls &&
        !sclink_tls_established(s->tls)) {
        close_link(s, SCLINK_ECLOSED, "the peer left during the TLS handshake: it did not "
                                      "accept this gateway's credentials, or had none that "
                                      "match them (its own log says which)");
        return;
    }
    if (nread == UV_EOF || nread == UV_ECONNRESET) {
        close_link(s, SCLINK_ECLOSED, "peer closed the connection");
        return;
    }
    if (nread < 0) {
        close_link(s, SCLINK_ECLOSED, uv_strerror((int)nread));
        return;
    }
    if (nread == 0)
        return;
    if (s->first_read) {
        s->first_read = 0;
        if (wrong_kind_of_peer(s, s->rbuf, (size_t)nread))
            return;
    }
    if (s->tls) {
        tls_read(s, s->rbuf, (size_t)nread);
        return;
    }
    if (!take_bytes(s, s->rbuf, (size_t)nread))
        return;
    stall_check(s);
}

/* ------------------------------------------------------------ accepting */

static void on_busy_closed(uv_handle_t *h)
{
    struct busy_client *b = h->data;

    if (--b->handles > 0)
        return;
    if (b->slot >= 0)
        b->s->busy[b->slot] = NULL;
    sclink_tls_free(b->tls);
    sclink_buf_free(&b->wire);
    free(b);
}

static void busy_close(struct busy_client *b)
{
    if (uv_is_closing(&b->h.handle))
        return;
    uv_close(&b->h.handle, on_busy_closed);
    if (b->slot >= 0)
        uv_close((uv_handle_t *)&b->timer, on_busy_closed);
}

/* What the session wrote, at once and best effort, as send_error_now. */
static void busy_send(struct busy_client *b)
{
    ssize_t n = b->wire.len > 0 ? send_now(&b->h, b->wire.base, b->wire.len) : 0;

    if (n > 0)
        sclink_buf_consume(&b->wire, (size_t)n);
}

/* After the handshake: an Error in a record, and close_notify. */
static void busy_answer(struct busy_client *b, Sclink__V1__ErrorCode code, const char *why)
{
    uint8_t frame[512];
    char err[64];
    int len = encode_error(code, why, frame, sizeof(frame));

    if (len > 0 && sclink_tls_send(b->tls, frame, (size_t)len, err, sizeof(err)) == 0)
        sclink_tls_bye(b->tls);
}

/* The Error is out: the write side is shut, and what comes is dropped. */
static void busy_answered(struct busy_client *b)
{
    uv_os_fd_t fd;

    if (b->slot < 0 || uv_fileno(&b->h.handle, &fd) < 0 || shutdown(fd, SHUT_WR) < 0) {
        busy_close(b);
        return;
    }
    b->answered = 1;
    sclink_buf_free(&b->wire);
}

static void on_busy_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct busy_client *b = h->data;

    (void)suggested;
    *buf = uv_buf_init((char *)b->rbuf, sizeof(b->rbuf));
}

static void on_busy_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    struct busy_client *b = stream->data;
    char why[200];
    int r;

    (void)buf;
    if (nread == 0)
        return;
    if (nread < 0) {
        busy_close(b);
        return;
    }
    if (b->answered)
        return;   /* its Hello, say: read and dropped until it closes */
    if (sclink_tls_feed(b->tls, b->rbuf, (size_t)nread) < 0) {
        busy_close(b);
        return;
    }
    r = sclink_tls_handshake(b->tls, why, sizeof(why));
    if (r == 1)
        busy_answer(b, SCLINK__V1__ERROR_CODE__ERR_BUSY,
                    "gateway already serves a link on this address");
    else if (r < 0 && sclink_tls_established(b->tls))
        busy_answer(b, sclink_error_code(r), why);
    busy_send(b);
    if (r != 0)
        busy_answered(b);
}

static void on_busy_timeout(uv_timer_t *t)
{
    busy_close(t->data);
}

/* Keeps b for its answer and the peer's end, within its time: 0, or -1
 * when BUSY_MAX are kept already. */
static int busy_keep(sclink_server *s, struct busy_client *b)
{
    int i;

    for (i = 0; i < BUSY_MAX && s->busy[i]; i++)
        ;
    if (i == BUSY_MAX)
        return -1;
    uv_timer_init(s->loop, &b->timer);
    b->timer.data = b;
    b->handles++;
    b->slot = i;
    s->busy[i] = b;
    uv_timer_start(&b->timer, on_busy_timeout, s->stall_ms ? s->stall_ms : BUSY_MS, 0);
    return uv_read_start(&b->h.stream, on_busy_alloc, on_busy_read);
}

/* Answers a second connection with Error ERR_BUSY, then closes it. */
static void refuse_busy(sclink_server *s)
{
    struct busy_client *b;
    char why[200];
    int kept;

    b = calloc(1, sizeof(*b));
    if (b == NULL || stream_init(s, &b->h) < 0) {
        free(b);
        return;
    }
    b->s = s;
    b->slot = -1;
    b->handles = 1;
    sclink_buf_init(&b->wire);
    b->h.handle.data = b;
    if (uv_accept(&s->listener.stream, &b->h.stream) < 0)
        goto out_close;
    kept = busy_keep(s, b) == 0;
    if (s->tls_creds) {
        /* Without a handshake it could read nothing: past the bound, or
         * without a session, it just ends. */
        if (kept && sclink_tls_new(s->tls_creds, &b->wire, &b->tls, why, sizeof(why)) == 0)
            return;
        goto out_close;
    }
    send_error_now(&b->h, SCLINK__V1__ERROR_CODE__ERR_BUSY,
                   "gateway already serves a link on this address");
    if (kept) {
        busy_answered(b);
        return;
    }
out_close:
    busy_close(b);
}

static void on_connection(uv_stream_t *listener, int status)
{
    sclink_server *s = listener->data;

    if (status < 0)
        return;
    if (s->link_state == LINK_CLOSING) {
        /* Not busy, just not free yet: the owner accepts it with
         * sclink_server_accept_next() once it has finished with the old
         * link (libuv keeps the connection queued until uv_accept). */
        s->accept_pending = 1;
        return;
    }
    if (s->link_state != LINK_NONE) {
        refuse_busy(s);
        return;
    }
    if (stream_init(s, &s->link) < 0)
        return;
    s->link.handle.data = s;
    if (uv_accept(listener, &s->link.stream) < 0) {
        uv_close(&s->link.handle, NULL);
        return;
    }
    if (is_tcp(s))
        uv_tcp_nodelay(&s->link.tcp, 1);
    if (s->tls_creds) {
        char why[200];

        if (sclink_tls_new(s->tls_creds, &s->wire, &s->tls, why, sizeof(why)) < 0) {
            uv_close(&s->link.handle, NULL);
            return;
        }
    }
    s->tls_bye = 0;
    s->first_read = 1;
    s->tls_offloaded_base = s->tls_creds ? sclink_tls_creds_offloaded(s->tls_creds) : 0;
    {
        uv_os_fd_t fd = -1;
        uv_fileno(&s->link.handle, &fd);
        atomic_store(&s->link_fd, fd);
        atomic_store(&s->wstate, WS_IDLE);
    }
    s->link_state = LINK_OPEN;
    s->close_err = 0;
    s->close_why[0] = '\0';
    s->reading = 0;
    s->input_held = 0;
    s->frames_in = 0;
    update_flow(s);
    if (s->ops.link_open)
        s->ops.link_open(s->ctx);
}

/* ------------------------------------------------------------ set-up */

/*
 * The directory of a Unix socket: created 0700 if missing; refused if it
 * belongs to another user (the usual /tmp/sclink-UID squatted first), as
 * that user could replace the socket.  Noted in s->exposure if other
 * users may create entries in it, as in /tmp itself.
 */
static int prepare_socket_dir(sclink_server *s, char *why, size_t whylen)
{
    char buf[sizeof(s->addr.path)];
    const char *dir;
    struct stat st;

    /* dirname() may return its argument, part of it, or a static ".". */
    strcpy(buf, s->addr.path);
    dir = dirname(buf);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(why, whylen, "cannot create the socket directory %s: %s", dir, strerror(errno));
        return SCLINK_EADDR;
    }
    if (stat(dir, &st) < 0) {
        snprintf(why, whylen, "socket directory %s: %s", dir, strerror(errno));
        return SCLINK_EADDR;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, whylen, "socket directory %s is not a directory", dir);
        return SCLINK_EADDR;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        snprintf(why, whylen, "socket directory %s belongs to user %lu, who could replace "
                 "the socket; use a directory of your own", dir, (unsigned long)st.st_uid);
        return SCLINK_EADDR;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        snprintf(s->exposure, sizeof(s->exposure), "the socket's directory %s is writable by "
                 "other users: one of them could create %s before this gateway and answer "
                 "QEMU in its place; use a directory of your own (the default is one)",
                 dir, s->addr.path);
    return 0;
}

/*
 * Holds PATH.lock for the gateway's life, as Wayland compositors do: a
 * gateway that holds it owns the path, so a second one is refused, and a
 * socket file without a holder was left by one that died and is removed.
 * (Probing the socket with a connect would itself be a link.)
 */
static int lock_socket_path(sclink_server *s, char *why, size_t whylen)
{
    struct stat st;
    int r;

    snprintf(s->lock_path, sizeof(s->lock_path), "%s.lock", s->addr.path);
    s->lock_fd = open(s->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (s->lock_fd < 0) {
        r = -errno;
        snprintf(why, whylen, "cannot open the lock file %s: %s", s->lock_path, strerror(-r));
        return r;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        r = -errno;
        close(s->lock_fd);
        s->lock_fd = -1;
        if (r == -EWOULDBLOCK)
            snprintf(why, whylen, "cannot listen on %s: another gateway is listening there "
                     "(it holds %s)", s->addr.path, s->lock_path);
        else
            snprintf(why, whylen, "cannot lock %s: %s", s->lock_path, strerror(-r));
        return r == -EWOULDBLOCK ? SCLINK_EADDR : r;
    }
    if (lstat(s->addr.path, &st) < 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(why, whylen, "cannot listen on %s: the path exists and is not a socket",
                 s->addr.path);
        return SCLINK_EADDR;
    }
    if (unlink(s->addr.path) < 0 && errno != ENOENT) {
        r = -errno;
        snprintf(why, whylen, "cannot remove the stale socket %s: %s", s->addr.path,
                 strerror(-r));
        return r;
    }
    return 0;
}

/*
 * Binds the Unix socket and gives it its mode before it listens: until
 * listen(2), a connect is refused, so nobody slips in while the umask's
 * mode holds.
 */
static int bind_unix(sclink_server *s, const struct sclink_server_opts *opts, char *why,
                     size_t whylen)
{
    const mode_t mode = opts->group_access ? 0660 : 0600;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd, r;

    r = prepare_socket_dir(s, why, whylen);
    if (r == 0)
        r = lock_socket_path(s, why, whylen);
    if (r < 0)
        return r;
    /* Bound here, not by uv_pipe_bind: libuv removes a path it bound when
     * the handle closes, even after another gateway has taken it over. */
    strcpy(sa.sun_path, s->addr.path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        r = -errno;
        snprintf(why, whylen, "cannot listen on %s: %s", s->addr.path, strerror(-r));
        goto out_close;
    }
    s->sock_bound = 1;
    if ((opts->group_access && chown(s->addr.path, (uid_t)-1, opts->group) < 0) ||
        chmod(s->addr.path, mode) < 0) {
        r = -errno;
        snprintf(why, whylen, "cannot set the mode of %s: %s", s->addr.path, strerror(-r));
        goto out_close;
    }
    r = uv_pipe_open(&s->listener.pipe, fd);
    if (r < 0) {
        snprintf(why, whylen, "cannot listen on %s: %s", s->addr.path, uv_strerror(r));
        goto out_close;
    }
    return 0;

out_close:
    if (fd >= 0)
        close(fd);
    return r;
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 0;
}

/*
 * Plain TCP only on loopback: elsewhere anyone who reaches the address
 * drives the models, and through a DMA-capable one the guest's memory.
 * TLS, or --insecure-tcp (warned about on every link), opens the rest.
 */
static int bind_tcp(sclink_server *s, const struct sclink_server_opts *opts, char *why,
                    size_t whylen)
{
    struct addrinfo hints, *res = NULL;
    char port[8];
    int r;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", s->addr.port);
    if (getaddrinfo(s->addr.host, port, &hints, &res) != 0) {
        snprintf(why, whylen, "cannot resolve '%s'", s->addr.host);
        return SCLINK_EADDR;
    }
    if (!is_loopback(res->ai_addr) && !s->tls_creds && !opts->insecure_tcp) {
        freeaddrinfo(res);
        snprintf(why, whylen, "cannot listen on %s: it is not a loopback address, and plain "
                 "TCP is only for loopback; give the gateway TLS credentials (tls: in the "
                 "platform file, or --tls-creds x509:DIR or psk:DIR; doc/remote.md), or "
                 "--insecure-tcp to listen in plain text anyway", s->addr.host);
        return SCLINK_EADDR;
    }
    r = uv_tcp_bind(&s->listener.tcp, res->ai_addr, 0);
    if (r == 0 && !is_loopback(res->ai_addr) && !s->tls_creds)
        snprintf(s->exposure, sizeof(s->exposure), "%s is not a loopback address: any host "
                 "that reaches it drives the models, in plain text, and nothing checks who "
                 "connects (--insecure-tcp); use TLS (doc/remote.md), 127.0.0.1 or a Unix "
                 "socket unless that is meant",
                 s->addr.host);
    freeaddrinfo(res);
    if (r < 0)
        snprintf(why, whylen, "cannot listen on %s: %s", s->addr.host, uv_strerror(r));
    return r;
}

static int bind_listener(sclink_server *s, const struct sclink_server_opts *opts, char *why,
                         size_t whylen)
{
    int r;

    r = stream_init(s, &s->listener);
    if (r < 0) {
        snprintf(why, whylen, "cannot listen: %s", uv_strerror(r));
        return r;
    }
    s->listener.handle.data = s;
    s->handles_open++;
    r = is_tcp(s) ? bind_tcp(s, opts, why, whylen) : bind_unix(s, opts, why, whylen);
    if (r < 0)
        return r;
    /* A burst of connections (a second QEMU, a port scan) must not fill
     * the queue: with 4, a TCP connect beyond it waited for SYN retries,
     * up to 3 s, before it was even told ERR_BUSY. */
    r = uv_listen(&s->listener.stream, SOMAXCONN, on_connection);
    if (r < 0)
        snprintf(why, whylen, "cannot listen on %s: %s",
                 is_tcp(s) ? s->addr.host : s->addr.path, uv_strerror(r));
    return r;
}

static void on_handle_closed(uv_handle_t *h)
{
    sclink_server *s = h->data;

    s->handles_open--;
}

int sclink_server_new(uv_loop_t *loop, const struct sclink_server_opts *opts,
                      const struct sclink_server_ops *ops, void *ctx,
                      sclink_server **out, char *why, size_t whylen)
{
    sclink_server *s;
    int r;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return SCLINK_ENOMEM;
    s->loop = loop;
    s->ops = *ops;
    s->ctx = ctx;
    s->max_frame = SCLINK_DEFAULT_MAX_FRAME;
    s->stall_ms = opts->stall_ms;
    s->lock_fd = -1;
    atomic_init(&s->wstate, WS_DONE);
    atomic_init(&s->link_fd, -1);
    sclink_decoder_init(&s->dec, s->max_frame);
    r = sclink_addr_parse(opts->listen, &s->addr);
    if (r < 0) {
        snprintf(why, whylen, "bad listen address '%s': %s",
                 opts->listen ? opts->listen : "(none)", sclink_strerror(r));
        free(s);
        return r;
    }
    if (opts->tls) {
        r = sclink_tls_creds_load(opts->tls, &s->tls_creds, why, whylen);
        if (r < 0) {
            free(s);
            return r;
        }
    }
    clock_init(s, &s->stall);
    clock_init(s, &s->drain);
    uv_timer_init(loop, &s->wakeup);
    s->wakeup.data = s;
    s->handles_open = 3;
    r = bind_listener(s, opts, why, whylen);
    if (r < 0) {
        sclink_server_free(s);
        return r;
    }
    *out = s;
    return 0;
}

/*
 * Removes the socket file and its lock, if the lock at the path is still
 * the one this server holds: if not, someone removed ours and another
 * gateway owns the path now.  (The lock's inode, unlike a removed
 * socket's, cannot be reused while we hold it open.)
 */
static void remove_socket(sclink_server *s)
{
    struct stat st, held;

    if (s->lock_fd < 0)
        return;
    if (fstat(s->lock_fd, &held) == 0 && lstat(s->lock_path, &st) == 0 &&
        st.st_dev == held.st_dev && st.st_ino == held.st_ino) {
        if (s->sock_bound)
            unlink(s->addr.path);
        unlink(s->lock_path);
    }
    close(s->lock_fd);
    s->lock_fd = -1;
}

static int busy_open(const sclink_server *s)
{
    int i;

    for (i = 0; i < BUSY_MAX; i++)
        if (s->busy[i])
            return 1;
    return 0;
}

void sclink_server_free(sclink_server *s)
{
    int i;

    if (s == NULL)
        return;
    if (s->link_state == LINK_OPEN)
        close_link(s, 0, "gateway shutting down");
    for (i = 0; i < BUSY_MAX; i++)
        if (s->busy[i])
            busy_close(s->busy[i]);
    /* Handles close asynchronously: spin the loop until they have. */
    uv_close((uv_handle_t *)&s->stall.timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->drain.timer, on_handle_closed);
    uv_close((uv_handle_t *)&s->wakeup, on_handle_closed);
    if (s->listener.handle.type != UV_UNKNOWN_HANDLE &&
        !uv_is_closing(&s->listener.handle))
        uv_close(&s->listener.handle, on_handle_closed);
    while (s->handles_open > 0 || s->link_state != LINK_NONE || busy_open(s))
        uv_run(s->loop, UV_RUN_ONCE);
    remove_socket(s);
    sclink_decoder_free(&s->dec);
    sclink_buf_free(&s->out);
    sclink_buf_free(&s->inflight);
    sclink_buf_free(&s->wire);
    sclink_tls_creds_free(s->tls_creds);
    free(s);
}

/* One loop iteration, with the peer's clocks running while it lasts. */
static int run_loop(sclink_server *s, uv_run_mode mode)
{
    struct sigpipe_guard g;
    int r;

    s->in_loop = 1;
    clocks_update(s);
    sigpipe_block(&g, s->writing);
    r = uv_run(s->loop, mode);
    sigpipe_unblock(&g);
    s->in_loop = 0;
    clocks_update(s);
    return r;
}

int sclink_server_run_once(sclink_server *s)
{
    return run_loop(s, UV_RUN_ONCE);
}

int sclink_server_poll(sclink_server *s)
{
    return run_loop(s, UV_RUN_NOWAIT);
}

static void on_wakeup(uv_timer_t *t)
{
    (void)t;
}

int sclink_server_run_timeout(sclink_server *s, unsigned timeout_ms)
{
    int r;

    uv_timer_start(&s->wakeup, on_wakeup, timeout_ms, 0);
    r = run_loop(s, UV_RUN_ONCE);
    uv_timer_stop(&s->wakeup);
    return r;
}

int sclink_server_link_active(const sclink_server *s)
{
    return s->link_state == LINK_OPEN;
}

int sclink_server_port(const sclink_server *s)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);

    if (!is_tcp(s))
        return 0;
    if (uv_tcp_getsockname(&s->listener.tcp, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

const char *sclink_server_exposure(const sclink_server *s)
{
    return s->exposure[0] ? s->exposure : NULL;
}

const char *sclink_server_tls(sclink_server *s)
{
    if (!s->tls_creds)
        return NULL;
    snprintf(s->tls_text, sizeof(s->tls_text), "TLS %s%s%s",
             sclink_tls_creds_describe(s->tls_creds), s->tls ? ", peer " : "",
             s->tls ? sclink_tls_peer(s->tls) : "");
    return s->tls_text;
}

void sclink_server_models_running(sclink_server *s, int models)
{
    if (s->tls_creds)
        sclink_tls_creds_offload(s->tls_creds, models);
}

uint64_t sclink_server_tls_offloaded(const sclink_server *s)
{
    return s->tls_creds ? sclink_tls_creds_offloaded(s->tls_creds) - s->tls_offloaded_base : 0;
}

int sclink_server_set_max_frame(sclink_server *s, uint32_t max_frame)
{
    int r = sclink_decoder_set_max_frame(&s->dec, max_frame);

    if (r == 0) {
        s->max_frame = max_frame;
        update_flow(s);   /* the output bound moved with it */
    }
    return r;
}
