/*
 * fuzz-gateway: a hostile gateway for the QEMU side, for
 * tests/e2e/fuzz-qemu.sh (doc/qemu-device.md, "Fuzzing the device").
 *
 *   fuzz-gateway --config SEED
 *       prints the QEMU side's settings the seed chooses, as shell
 *       assignments: timeout=MS on_failure=stop|exit icount=0|1 tcp=0|1
 *       master=0|1 (the guest turns Bus Master on)
 *   fuzz-gateway --plan SEED
 *       prints the Welcome and the plan SEED makes, without a link (for
 *       QEMU's default Hello)
 *   fuzz-gateway [--seconds S] SEED ADDR
 *       serves one link on ADDR (unix:PATH or tcp:HOST:0), the hostile way
 *       SEED says, and judges how QEMU took it
 *   fuzz-gateway --text bye|error|refuse ADDR
 *       answers Hello with a Welcome and then a Bye or an Error, or with
 *       an Error instead of the Welcome, whose text holds control
 *       characters and ANSI escapes (tests/e2e/peer-text.sh)
 *
 * Everything it does is drawn from SEED (the seed is printed first): the
 * Welcome (valid with random capabilities, interrupt kind, vectors, BARs,
 * quantum and frame limit, or one of a dozen bad ones), then a plan of
 * actions keyed to the number of messages received from QEMU, so that
 * under -icount a seed replays the same exchange: interrupt bursts and
 * storms, DMA to huge addresses, into guest RAM, with byte enables or
 * streaming widths, DMA storms, frames written a few bytes at a time,
 * answers held back, unknown fields, failing statuses, wide and tiny
 * GRANTs, out-of-order interrupt stamps; some plans add a mutated,
 * truncated or field-0 frame whose effect cannot be foreseen.  Each plan
 * ends in a finale QEMU must notice: a bad length prefix, garbage, an
 * Interrupt for a vector or kind that does not exist, a DMA Request that
 * wraps, is too long, carries a bar or is posted, a Response for an id
 * never sent or sent twice, a GRANT out of turn, a second Welcome, a
 * stall, a gateway that stops reading (silent or flooding), a flood while
 * an access waits, one that reads too slowly, a close, a half-close,
 * an Error or a Bye.
 *
 * It prints what it does, "expect: fault|bye|refused|any" (what QEMU's log
 * must then show), and its verdict: QEMU must end the link within its
 * timeout (plus 2 s for the next wait to start) after a finale, must not end
 * it while nothing fatal was sent, and must send only frames that decode.
 * Exit status: 0 all held, 1 a verdict failed, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz-gateway.h"

static void finish(fz *f, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void say(fz *f, const char *fmt, ...)
{
    va_list ap;

    printf("fuzz-gateway: [%6" PRId64 " ms, msg %" PRIu64 "] ",
           f ? now_ms() - f->start_ms : 0, f ? f->msgs : 0);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void finish(fz *f, int status, const char *fmt, ...)
{
    va_list ap;

    printf("fuzz-gateway: %s: ", status ? "FAIL" : "verdict ok");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (seed %" PRIu64 ")\n", f->seed);
    fflush(stdout);
    exit(status);
}

/* ----------------------------------------------------------------- input */

static void handle(fz *f, sclink_msg *m)
{
    f->msgs++;
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_REQUEST: {
        sclink_request *req = m->request;

        if (!req->has_bar)
            finish(f, 1, "QEMU sent a Request without a bar");
        f->last_request = f->msgs;
        if (req->time_ps > f->now_ps)
            f->now_ps = req->time_ps;
        if (f->stalled)
            break;
        if (!(req->attributes && req->attributes->posted))
            send_response(f, req);
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_SYNC: {
        uint64_t w = m->sync->time_ps, end = w + f->quantum_ps;

        if (m->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
            /* a notice (a later protocol's), not a request for a GRANT */
            say(f, "QEMU sent Sync kind %d at %" PRIu64 " ps", m->sync->kind, w);
            break;
        }
        if (w > f->now_ps)
            f->now_ps = w;
        if (f->stalled)
            break;
        if (f->bad_grant_next) {
            f->bad_grant_next = 0;
            switch (below(&f->data, 3)) {
            case 0:
                send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w + 1, end + 1);
                break;
            case 1:
                send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_REACHED, w, end);
                break;
            default:
                /* Beyond Q without lookahead, or going back in time */
                if (f->caps & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
                    send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w, w);
                else
                    send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w,
                              w + f->quantum_ps + 1);
                break;
            }
            break;
        }
        if (f->tiny_grants > 0) {
            f->tiny_grants--;
            end = w + 1;
        } else if (f->wide_grant) {
            f->wide_grant = 0;
            end = w + 1000 + below(&f->data, 100000000000ull);
        }
        send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w, end);
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        f->dma_answered++;
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE: {
        char text[SCLINK_LOG_TEXT_SIZE];

        say(f, "QEMU said Bye: %s", sclink_log_text(text, sizeof text,
                                                    m->bye->message));
        f->said_bye = 1;
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_ERROR: {
        char text[SCLINK_LOG_TEXT_SIZE];

        say(f, "QEMU sent Error %d: %s", m->error->code,
            sclink_log_text(text, sizeof text, m->error->message));
        break;
    }
    default:
        finish(f, 1, "QEMU sent an unexpected %s", sclink_msg_name(m));
    }
}

/* Reads what is there; returns 0 at the end of the stream. */
static int input(fz *f)
{
    static uint8_t buf[SLOW_READ];
    size_t want = sizeof buf;
    sclink_msg *m;
    ssize_t n;
    int r;

    n = recv(f->fd, buf, want, MSG_DONTWAIT);
    if (n == 0)
        return 0;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 1 : 0;
    if (f->slow)
        return 1; /* discarded: nothing is answered any more */
    r = sclink_decoder_feed(&f->dec, buf, (size_t)n);
    while (r >= 0 && (r = sclink_decoder_next(&f->dec, &m)) == 1) {
        handle(f, m);
        sclink_msg_free(m);
        act(f);
    }
    if (r < 0)
        finish(f, 1, "QEMU sent a frame that does not decode: %s",
               sclink_decoder_reason(&f->dec));
    return 1;
}

/* Writes what the socket takes; frames in pieces while `chunked`. */
static void output(fz *f)
{
    size_t n = f->out.len;
    ssize_t w;

    if (f->fd < 0 || !n || now_ms() < f->hold_until_ms)
        return;
    if (f->chunked > 0) {
        n = 1 + below(&f->data, 7);
        if (n > f->out.len)
            n = f->out.len;
    }
    w = send(f->fd, f->out.base, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
        sclink_buf_consume(&f->out, (size_t)w);
        if (f->chunked > 0)
            f->chunked = w >= f->chunked ? 0 : f->chunked - (int)w;
    }
}

/* The link ended: judge it. */
static void ended(fz *f, const char *how)
{
    int64_t t = now_ms();

    if (f->finale_done) {
        say(f, "QEMU ended the link (%s) %" PRId64 " ms after the finale; "
            "expect: %s", how, t - f->finale_ms, f->expect);
        finish(f, 0, "%s, QEMU ended the link in %" PRId64 " ms", actions[f->finale].name,
               t - f->finale_ms);
    }
    if (f->may_have_ended) {
        say(f, "QEMU ended the link (%s) after a frame of unforeseeable "
            "effect; expect: any", how);
        finish(f, 0, "QEMU ended the link after a mutated frame");
    }
    if (f->said_bye && f->last_request == NEVER) {
        /* A device the guest could not use (a BAR no firmware can place)
         * leaves it nothing to do: it powers off, and QEMU says Bye. */
        say(f, "QEMU said Bye (%s) before the guest ever reached the device; expect: any",
            how);
        finish(f, 0, "QEMU said Bye at shutdown, the guest never used the device");
    }
    say(f, "QEMU ended the link (%s) with nothing fatal sent; expect: any", how);
    finish(f, 1, "QEMU ended a link on which nothing fatal was sent");
}

static void run(fz *f)
{
    for (;;) {
        struct pollfd p = { .fd = f->fd, .events = POLLRDHUP };
        int64_t t = now_ms();

        if (f->fd < 0) {
            /* F_CLOSE: QEMU's log says when it noticed (fuzz-qemu.sh). */
            finish(f, 0, "closed the link; expect: fault");
        }
        if (f->finale_done && !f->deadline_ms && !f->out.len && !f->write_closed) {
            f->deadline_ms = t + f->cfg.timeout_ms + SLACK_MS;
            say(f, "QEMU has read the finale");
        }
        if (f->finale_done && !f->deadline_ms && t - f->finale_ms > 60000)
            finish(f, 1, "%s: QEMU read nothing for 60 s", actions[f->finale].name);
        if (f->finale_done && f->deadline_ms && t > f->deadline_ms) {
            say(f, "QEMU still holds the link %" PRId64 " ms after the finale",
                t - f->finale_ms);
            finish(f, 1, "%s: QEMU did not end the link within %u ms + %d ms",
                   actions[f->finale].name, f->cfg.timeout_ms, SLACK_MS);
        }
        if (f->flood && f->flood_until_ms && t > f->flood_until_ms)
            f->flood = 0;
        if (f->flood)
            storm_fill(f);
        if (!f->deaf && (!f->slow || t >= f->slow_next_ms))
            p.events |= POLLIN;
        if (f->out.len && t >= f->hold_until_ms)
            p.events |= POLLOUT;
        if (poll(&p, 1, f->chunked || f->slow || f->hold_until_ms > t ? 1 : 20) < 0 &&
            errno != EINTR)
            finish(f, 2, "poll: %s", strerror(errno));
        if (p.revents & POLLIN) {
            if (!input(f))
                ended(f, "end of stream");
            if (f->slow)
                f->slow_next_ms = now_ms() + f->cfg.timeout_ms * 3 / 4;
        } else if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) {
            /* Not reading (deaf, slow), or nothing left to read. */
            ended(f, p.revents & POLLRDHUP ? "half-close" : "hang-up");
        }
        if (p.revents & POLLOUT)
            output(f);
        if (f->write_closed && !f->out.len) {
            shutdown(f->fd, SHUT_WR);
            f->write_closed = 0;
        }
        act(f);
    }
}

/* --------------------------------------------------------------- set-up */

static int listen_on(const char *addr)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int fd, r;

    r = sclink_listen(addr, &fd);
    if (r < 0) {
        fprintf(stderr, "fuzz-gateway: cannot listen on %s: %s\n", addr,
                sclink_strerror(r));
        exit(2);
    }
    if (!strncmp(addr, "tcp:", 4) &&
        getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
        printf("fuzz-gateway: listening on %s (port %u)\n", addr,
               ntohs(sin.sin_port));
    else
        printf("fuzz-gateway: listening on %s\n", addr);
    fflush(stdout);
    return fd;
}

/* Accepts QEMU and reads its Hello (QEMU sends it at realize). */
static void accept_hello(fz *f, int lfd)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    int64_t deadline = now_ms() + 60000;
    sclink_msg *m = NULL;
    int r = 0;

    if (poll(&p, 1, 60000) <= 0 || (f->fd = accept(lfd, NULL, NULL)) < 0) {
        fprintf(stderr, "fuzz-gateway: no connection within 60 s\n");
        exit(2);
    }
    f->start_ms = now_ms();
    while (r == 0 && now_ms() < deadline) {
        uint8_t buf[4096];
        ssize_t n;

        p.fd = f->fd;
        p.events = POLLIN;
        if (poll(&p, 1, 1000) <= 0)
            continue;
        n = recv(f->fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        r = sclink_decoder_feed(&f->dec, buf, (size_t)n);
        if (r >= 0)
            r = sclink_decoder_next(&f->dec, &m);
    }
    if (r != 1 || m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO) {
        fprintf(stderr, "fuzz-gateway: no Hello from QEMU\n");
        exit(2);
    }
    f->offered = m->hello->capabilities;
    f->hello_max_frame = m->hello->has_max_frame && m->hello->max_frame ?
        m->hello->max_frame : SCLINK_DEFAULT_MAX_FRAME;
    if (f->hello_max_frame > SCLINK_LIMIT_MAX_FRAME)
        f->hello_max_frame = SCLINK_LIMIT_MAX_FRAME;
    sclink_msg_free(m);
    say(f, "Hello: caps 0x%" PRIx64 ", max_frame %u", f->offered,
        f->hello_max_frame);
}

/*
 * Flushes everything (blocking) and waits, for a bound, for QEMU to close
 * the link.  Returns whether it did.
 */
static int drain_and_wait(fz *f, int64_t bound_ms)
{
    int64_t end = now_ms() + bound_ms;

    while (f->out.len) {
        ssize_t w = send(f->fd, f->out.base, f->out.len, MSG_NOSIGNAL);

        if (w <= 0)
            break;
        sclink_buf_consume(&f->out, (size_t)w);
    }
    if (f->write_closed)
        shutdown(f->fd, SHUT_WR);
    while (now_ms() < end) {
        struct pollfd p = { .fd = f->fd, .events = POLLIN };
        uint8_t buf[4096];

        if (poll(&p, 1, 100) > 0 && recv(f->fd, buf, sizeof buf, 0) <= 0)
            return 1;
    }
    return 0;
}

static int text_mode(const char *which, const char *addr)
{
    fz f = { 0 };
    int lfd = listen_on(addr);

    sclink_decoder_init(&f.dec, SCLINK_DEFAULT_MAX_FRAME);
    accept_hello(&f, lfd);
    if (strcmp(which, "refuse"))
        send_plain_welcome(&f, f.offered &
                           ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC,
                           1000000, SCLINK_DEFAULT_MAX_FRAME, 4096);
    send_text(&f, strcmp(which, "bye") != 0, peer_text);
    f.write_closed = 1;
    say(&f, "sent %s with control characters and escapes", which);
    return drain_and_wait(&f, 30000) ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: fuzz-gateway --config SEED\n"
                    "       fuzz-gateway --plan SEED\n"
                    "       fuzz-gateway [--seconds S] SEED ADDR\n"
                    "       fuzz-gateway --text bye|error|refuse ADDR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static fz f;
    const char *welcome_expect;
    int64_t max_run_ms = 12000;
    int preview = 0, lfd;

    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && !strcmp(argv[1], "--config")) {
        config c = config_for(strtoull(argv[2], NULL, 0));

        printf("timeout=%u on_failure=%s icount=%d tcp=%d master=%d\n",
               c.timeout_ms, c.exit_on_failure ? "exit" : "stop", c.icount,
               c.tcp, c.master);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--text"))
        return text_mode(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "--plan")) {
        preview = 1;
        argv++;
        argc--;
    } else if (argc == 5 && !strcmp(argv[1], "--seconds")) {
        max_run_ms = (int64_t)(strtod(argv[2], NULL) * 1000);
        argv += 2;
        argc -= 2;
    } else if (argc != 3) {
        usage();
    }

    f.seed = strtoull(argv[1], NULL, 0);
    f.cfg = config_for(f.seed);
    f.plan = stream(f.seed, 2);
    f.data = stream(f.seed, 3);
    f.dma_id = 1ull << 32;
    f.max_run_ms = max_run_ms;
    f.fd = -1;
    f.last_request = NEVER;
    sclink_buf_init(&f.out);
    sclink_decoder_init(&f.dec, SCLINK_DEFAULT_MAX_FRAME);
    printf("fuzz-gateway: seed %" PRIu64 " (timeout %u ms, on-failure %s, "
           "icount %d, tcp %d, bus master %d)\n", f.seed, f.cfg.timeout_ms,
           f.cfg.exit_on_failure ? "exit" : "stop", f.cfg.icount, f.cfg.tcp,
           f.cfg.master);
    if (preview) {
        /* The Hello sclink-pci sends with its default properties. */
        f.start_ms = now_ms();
        f.offered = SCLINK_CAPS_QEMU_DEVICE |
            (f.cfg.icount ? SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC : 0);
        f.hello_max_frame = SCLINK_DEFAULT_MAX_FRAME;
    } else {
        lfd = listen_on(argv[2]);
        accept_hello(&f, lfd);
    }

    welcome_expect = send_welcome(&f);
    if (welcome_expect) {
        say(&f, "expect: %s", welcome_expect);
        if (preview)
            return 0;
        if (drain_and_wait(&f, f.cfg.timeout_ms + SLACK_MS))
            finish(&f, 0, "welcome %s: QEMU ended the link", welcome_names[f.wmode]);
        if (strcmp(welcome_expect, "any") == 0)
            finish(&f, 0, "welcome %s: QEMU took it", welcome_names[f.wmode]);
        finish(&f, 1, "welcome %s: QEMU did not end the link within %u ms + %d ms",
               welcome_names[f.wmode], f.cfg.timeout_ms, SLACK_MS);
    }
    sclink_decoder_set_max_frame(&f.dec, f.max_frame);
    make_plan(&f);
    if (!preview)
        run(&f);
    return 0;
}
