/*
 * gateway-bench: what a full MMIO read through sclink-gateway costs next to
 * the bare socket round trip it rides on (issue 4).
 *
 *   gateway-bench [--n N] [--posted N] [--rounds R] [--json FILE]
 *                 [--tls-creds x509:DIR|psk:DIR] [ADDR | --tls ADDR]...
 *
 * For every ADDR (a running gateway, "unix:PATH" or "tcp:HOST:PORT", whose
 * BAR 0 maps a memory of at least 64 KiB at offset 0 and takes posted
 * writes) it connects as the QEMU side, without CAP_SYNC so no window syncs
 * interfere, and measures, in this one process, rounds interleaved so that
 * noise on the machine hits every figure alike:
 *
 *   pingpong  two processes (a forked echo child) exchanging byte strings
 *             exactly as long as the Request and Response frames of an
 *             L-byte read, over the same kind of socket (a Unix socket at a
 *             path, or TCP loopback with TCP_NODELAY); ns per round trip;
 *   reads     L-byte reads through gateway, router and memory, each Request
 *             encoded and each Response decoded and checked by libsclink as
 *             a real peer does; ns per round trip;
 *   posted    posted 4-byte writes, encoded back to back into one buffer
 *             and written in large chunks, fenced by one read (the gateway
 *             executes in order) that must see the last value; writes/s.
 *
 * An ADDR given with --tls is reached over TLS with the --tls-creds of
 * sclink-client (tools/client/tls.c; doc/remote.md), so that a TLS link and
 * a plain one to the same kind of gateway are measured in one run; the
 * ping-pong beside a TLS link is the plain TCP one it rides on.
 *
 * Every figure is the best of R rounds.  It also times the client's own
 * libsclink work alone (encode a Request, decode a Response), to tell how
 * much of a read is spent on this side.  Prints a table; --json writes it.
 * Exit status 0, or 1 if anything failed (wrong data, a broken link).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sclink.h"
#include "tools/client/client.h"

#define MAX_ADDRS 4
#define RAM_SIZE 0x10000u /* bytes of memory at BAR 0 offset 0 used */
#define POSTED_BATCH 1024 /* posted frames per write() */

static const unsigned kLens[] = {4, 8, 64};
#define NLENS (sizeof(kLens) / sizeof(kLens[0]))

struct link {
    const char *addr;
    int tcp;
    const char *tls_creds;  /* TLS with these, or NULL */
    struct client_tls *tls;
    sclink_conn c;
    uint64_t next_id;
    uint8_t rbuf[65536];
};

struct result {
    unsigned req_bytes, resp_bytes;
    double pingpong_ns[NLENS], read_ns[NLENS];
    double posted_per_s;
};

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("gateway-bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* The byte the memory holds at `a` once fill_ram() ran. */
static uint8_t pattern(uint64_t a)
{
    return (uint8_t)(a * 7 + (a >> 8) * 13 + 1);
}

static void write_all(int fd, const void *p, size_t len)
{
    const uint8_t *b = p;

    while (len > 0) {
        ssize_t n = send(fd, b, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("send: %s", strerror(errno));
        }
        b += n;
        len -= (size_t)n;
    }
}

/* To the gateway, through the link's TLS session if it has one. */
static void link_write(struct link *l, const void *p, size_t len)
{
    const uint8_t *b = p;
    ssize_t n;

    if (!l->c.io) {
        write_all(l->c.fd, p, len);
        return;
    }
    while (len > 0) {
        n = l->c.io->send(l->c.io->ctx, b, len);
        if (n < 0)
            die("%s: TLS send: %s", l->addr, sclink_strerror((int)n));
        b += n;
        len -= (size_t)n;
    }
}

static void read_all(int fd, void *p, size_t len)
{
    uint8_t *b = p;

    while (len > 0) {
        ssize_t n = read(fd, b, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            die("read: %s", n == 0 ? "peer closed" : strerror(errno));
        }
        b += n;
        len -= (size_t)n;
    }
}

/* ------------------------------------------------------------ the link */

/* The next message, reading straight from the socket (no poll). */
static sclink_msg *recv_msg(struct link *l)
{
    sclink_msg *m;
    int r;

    for (;;) {
        r = sclink_decoder_next(&l->c.dec, &m);
        if (r == 1)
            return m;
        if (r < 0)
            die("%s: %s", l->addr, sclink_decoder_reason(&l->c.dec));
        ssize_t n = l->c.io ? l->c.io->recv(l->c.io->ctx, l->rbuf, sizeof(l->rbuf))
                            : read(l->c.fd, l->rbuf, sizeof(l->rbuf));
        if (n == -EAGAIN)
            continue;
        if (l->c.io && n < 0)
            die("%s: TLS: %s", l->addr, sclink_strerror((int)n));
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            die("%s: read: %s", l->addr, n == 0 ? "gateway closed" : strerror(errno));
        }
        r = sclink_decoder_feed(&l->c.dec, l->rbuf, (size_t)n);
        if (r < 0)
            die("%s: %s", l->addr, sclink_strerror(r));
    }
}

static void request_init(sclink_request *r, struct link *l, Sclink__V1__Command cmd,
                         uint64_t addr, uint32_t len)
{
    sclink__v1__request__init(r);
    r->has_id = r->has_command = r->has_bar = r->has_address = 1;
    r->has_length = r->has_time_ps = 1;
    r->id = l->next_id++;
    r->command = cmd;
    r->bar = 0;
    r->address = addr;
    r->length = len;
    r->time_ps = 0; /* free-running: time never has to advance */
}

/* Encodes one read or write Request into buf; returns the frame size. */
static int encode_request(struct link *l, Sclink__V1__Command cmd, uint64_t addr,
                          uint32_t len, const uint8_t *data, int posted,
                          uint8_t *buf, size_t cap)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r;
    sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
    int n;

    request_init(&r, l, cmd, addr, len);
    if (data) {
        r.has_data = 1;
        r.data.data = (uint8_t *)data;
        r.data.len = len;
    }
    if (posted) {
        a.has_posted = a.posted = 1;
        r.attributes = &a;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    n = sclink_encode(&env, l->c.max_frame, buf, cap);
    if (n < 0)
        die("encode: %s", sclink_strerror(n));
    return n;
}

/* Takes the Response to request `id`; checks status and, for reads, data. */
static unsigned expect_response(struct link *l, uint64_t id, const uint8_t *want,
                                unsigned len)
{
    sclink_msg *m = recv_msg(l);
    const sclink_response *r;
    unsigned size;

    if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_RESPONSE)
        die("%s: expected a Response, got %s", l->addr, sclink_msg_name(m));
    r = m->response;
    if (r->id != id || r->status != SCLINK__V1__STATUS__STATUS_OK)
        die("%s: Response %" PRIu64 " status %d to request %" PRIu64, l->addr, r->id,
            (int)r->status, id);
    if (want && (r->data.len != len || memcmp(r->data.data, want, len) != 0))
        die("%s: read of %u bytes returned wrong data", l->addr, len);
    size = (unsigned)sclink__v1__envelope__get_packed_size(m) + SCLINK_FRAME_HEADER_SIZE;
    sclink_msg_free(m);
    return size;
}

static void link_open(struct link *l)
{
    sclink_hello h = SCLINK__V1__HELLO__INIT;
    sclink_msg *w = NULL;
    char why[256] = "";
    int err;

    l->tcp = strncmp(l->addr, "tcp:", 4) == 0;
    l->next_id = 1;
    err = sclink_conn_connect(&l->c, l->addr, 5000);
    if (err)
        die("%s: connect: %s", l->addr, sclink_strerror(err));
    if (l->tls_creds) {
        struct client_opts o = {.addr = l->addr, .timeout_ms = 5000,
                                .tls_creds = l->tls_creds, .tls_user = "qemu"};
        l->tls = client_tls_start(&o, &l->c);
        if (!l->tls)
            die("%s: no TLS link (above)", l->addr);
    }
    h.has_version_major = h.has_version_minor = h.has_role = 1;
    h.version_major = SCLINK_VERSION_MAJOR;
    h.version_minor = SCLINK_VERSION_MINOR;
    h.role = SCLINK__V1__ROLE__ROLE_QEMU;
    h.name = "gateway-bench";
    /* No CAP_SYNC: free-running, so no Sync traffic in the figures. */
    h.has_capabilities = 1;
    h.capabilities = SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES;
    err = sclink_client_handshake(&l->c, &h, &w, 5000, why, sizeof(why));
    if (err)
        die("%s: handshake: %s", l->addr, why[0] ? why : sclink_strerror(err));
    if (!(w->welcome->capabilities & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES))
        die("%s: the gateway does not take posted writes", l->addr);
    sclink_msg_free(w);
}

static void link_close(struct link *l)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye b = SCLINK__V1__BYE__INIT;

    b.has_reason = 1;
    b.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &b;
    sclink_conn_send(&l->c, &env);
    client_tls_free(l->tls);
    l->tls = NULL;
    sclink_conn_close(&l->c);
}

/* Writes the pattern into the memory, 64 bytes per (non-posted) write. */
static void fill_ram(struct link *l)
{
    uint8_t frame[256], data[64];

    for (uint64_t a = 0; a < RAM_SIZE; a += sizeof(data)) {
        for (unsigned i = 0; i < sizeof(data); i++)
            data[i] = pattern(a + i);
        uint64_t id = l->next_id;
        int n = encode_request(l, SCLINK__V1__COMMAND__CMD_WRITE, a, sizeof(data), data, 0,
                               frame, sizeof(frame));
        link_write(l, frame, (size_t)n);
        expect_response(l, id, NULL, 0);
    }
}

/* One read of `len` bytes at `addr`, checked; returns the Response frame size. */
static unsigned read_once(struct link *l, uint64_t addr, unsigned len, int *req_bytes)
{
    uint8_t frame[256], want[64];
    uint64_t id = l->next_id;
    int n = encode_request(l, SCLINK__V1__COMMAND__CMD_READ, addr, len, NULL, 0, frame,
                           sizeof(frame));

    for (unsigned i = 0; i < len; i++)
        want[i] = pattern(addr + i);
    link_write(l, frame, (size_t)n);
    if (req_bytes)
        *req_bytes = n;
    return expect_response(l, id, want, len);
}

/* Read addresses walk the memory in steps of `len`, wrapping. */
static double bench_reads(struct link *l, unsigned len, unsigned n)
{
    uint64_t addr = 0;
    double t0 = now_ns();

    for (unsigned i = 0; i < n; i++) {
        read_once(l, addr, len, NULL);
        addr = (addr + len) % RAM_SIZE;
    }
    return (now_ns() - t0) / n;
}

/*
 * n posted 4-byte writes to consecutive words, POSTED_BATCH frames per
 * write(), then a read of the last word as a fence; writes per second.
 */
static double bench_posted(struct link *l, unsigned n)
{
    sclink_buf out;
    uint8_t want[4];
    uint32_t v = 0;
    uint64_t addr = 0, last = 0;
    double t0, t;

    sclink_buf_init(&out);
    if (sclink_buf_reserve(&out, POSTED_BATCH * 64) < 0)
        die("out of memory");
    t0 = now_ns();
    for (unsigned i = 0; i < n;) {
        out.len = 0;
        for (unsigned k = 0; k < POSTED_BATCH && i < n; k++, i++) {
            sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
            sclink_request r;
            sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
            uint8_t data[4];
            int e;

            v = 0x5ca1ab1eu ^ i;
            memcpy(data, &v, 4);
            request_init(&r, l, SCLINK__V1__COMMAND__CMD_WRITE, addr, 4);
            r.has_data = 1;
            r.data.data = data;
            r.data.len = 4;
            a.has_posted = a.posted = 1;
            r.attributes = &a;
            env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
            env.request = &r;
            e = sclink_encode_append(&env, l->c.max_frame, &out);
            if (e < 0)
                die("encode: %s", sclink_strerror(e));
            last = addr;
            addr = (addr + 4) % RAM_SIZE;
        }
        link_write(l, out.base, out.len);
    }
    /* The fence: answered only after every write before it was executed. */
    {
        uint8_t frame[256];
        uint64_t id = l->next_id;
        int k = encode_request(l, SCLINK__V1__COMMAND__CMD_READ, last, 4, NULL, 0, frame,
                               sizeof(frame));
        memcpy(want, &v, 4);
        link_write(l, frame, (size_t)k);
        expect_response(l, id, want, 4);
    }
    t = now_ns() - t0;
    sclink_buf_free(&out);
    /* Put the pattern back for the reads. */
    fill_ram(l);
    return n / (t / 1e9);
}

/* ------------------------------------------------------------ ping-pong */

/* A connected pair of sockets of the link's kind; the child gets *child. */
static void socket_pair(int tcp, int *parent, int *child, const char *tag)
{
    int lfd, one = 1;
    union {
        struct sockaddr sa;
        struct sockaddr_un un;
        struct sockaddr_in in;
    } a;
    socklen_t alen;

    memset(&a, 0, sizeof(a));
    if (tcp) {
        a.in.sin_family = AF_INET;
        a.in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        alen = sizeof(a.in);
    } else {
        a.un.sun_family = AF_UNIX;
        snprintf(a.un.sun_path, sizeof(a.un.sun_path), "/tmp/gateway-bench-%ld-%s.sock",
                 (long)getpid(), tag);
        unlink(a.un.sun_path);
        alen = sizeof(a.un);
    }
    lfd = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || bind(lfd, &a.sa, alen) < 0 || listen(lfd, 1) < 0 ||
        getsockname(lfd, &a.sa, &alen) < 0)
        die("ping-pong socket: %s", strerror(errno));
    *child = socket(tcp ? AF_INET : AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (*child < 0 || connect(*child, &a.sa, alen) < 0)
        die("ping-pong connect: %s", strerror(errno));
    *parent = accept(lfd, NULL, NULL);
    if (*parent < 0)
        die("ping-pong accept: %s", strerror(errno));
    if (tcp) {
        setsockopt(*parent, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        setsockopt(*child, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    } else {
        unlink(a.un.sun_path);
    }
    close(lfd);
}

/*
 * n round trips between this process and a forked child: req bytes out,
 * resp bytes back, both sides blocking in read(); ns per round trip.
 */
static double bench_pingpong(int tcp, unsigned req, unsigned resp, unsigned n)
{
    uint8_t qbuf[256], rbuf[256];
    int pfd, cfd, status;
    pid_t pid;
    double t0, t;

    memset(qbuf, 0x5c, sizeof(qbuf));
    memset(rbuf, 0xc5, sizeof(rbuf));
    socket_pair(tcp, &pfd, &cfd, tcp ? "tcp" : "unix");
    pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(pfd);
        for (unsigned i = 0; i < n; i++) {
            read_all(cfd, qbuf, req);
            write_all(cfd, rbuf, resp);
        }
        _exit(0);
    }
    close(cfd);
    t0 = now_ns();
    for (unsigned i = 0; i < n; i++) {
        write_all(pfd, qbuf, req);
        read_all(pfd, rbuf, resp);
    }
    t = now_ns() - t0;
    close(pfd);
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("ping-pong child failed");
    return t / n;
}

/* ------------------------------------------------ the client's own codec */

/* ns to encode one read Request and decode one Response, no I/O. */
static double bench_codec(struct link *l, unsigned len, unsigned n)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    uint8_t data[64] = {0}, frame[256], rframe[256];
    sclink_decoder d;
    sclink_msg *m;
    int rn;
    double t0, t;

    resp.has_id = resp.has_status = resp.has_data = resp.has_delay_ps = 1;
    resp.id = l->next_id;
    resp.status = SCLINK__V1__STATUS__STATUS_OK;
    resp.data.data = data;
    resp.data.len = len;
    resp.delay_ps = 1000;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    rn = sclink_encode(&env, l->c.max_frame, rframe, sizeof(rframe));
    if (rn < 0)
        die("encode: %s", sclink_strerror(rn));
    sclink_decoder_init(&d, l->c.max_frame);
    t0 = now_ns();
    for (unsigned i = 0; i < n; i++) {
        encode_request(l, SCLINK__V1__COMMAND__CMD_READ, 0x100, len, NULL, 0, frame,
                       sizeof(frame));
        if (sclink_decoder_feed(&d, rframe, (size_t)rn) < 0 ||
            sclink_decoder_next(&d, &m) != 1)
            die("decode: %s", sclink_decoder_reason(&d));
        sclink_msg_free(m);
    }
    t = now_ns() - t0;
    sclink_decoder_free(&d);
    return t / n;
}

/* --------------------------------------------------------------- main */

static const char kUsage[] =
    "usage: gateway-bench [--n N] [--posted N] [--rounds R] [--json FILE]\n"
    "                     [--tls-creds x509:DIR|psk:DIR] [ADDR | --tls ADDR]...\n"
    "  ADDR: a running sclink-gateway (unix:PATH or tcp:HOST:PORT) whose BAR 0\n"
    "  has 64 KiB of memory at offset 0 and takes posted writes\n";

static const char *transport(const struct link *l)
{
    return l->tls_creds ? "tls" : l->tcp ? "tcp" : "unix";
}

static double minf(double a, double b)
{
    return a < b ? a : b;
}

int main(int argc, char **argv)
{
    static struct link links[MAX_ADDRS];
    struct result res[MAX_ADDRS];
    struct {
        unsigned req, resp;
    } sizes[MAX_ADDRS][NLENS];
    double codec_ns[NLENS];
    unsigned n = 50000, posted = 1000000, rounds = 3, naddr = 0;
    const char *json = NULL, *tls_creds = NULL;
    int c;
    static const struct option opts[] = {
        {"n", required_argument, NULL, 'n'},
        {"posted", required_argument, NULL, 'p'},
        {"rounds", required_argument, NULL, 'r'},
        {"json", required_argument, NULL, 'j'},
        {"tls-creds", required_argument, NULL, 'c'},
        {"tls", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': n = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'p': posted = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'r': rounds = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'j': json = optarg; break;
        case 'c': tls_creds = optarg; break;
        case 't':
            if (naddr == MAX_ADDRS || !tls_creds) {
                fputs(kUsage, stderr);
                return 2;
            }
            links[naddr].addr = optarg;
            links[naddr++].tls_creds = tls_creds;
            break;
        case 'h': fputs(kUsage, stdout); return 0;
        default: fputs(kUsage, stderr); return 2;
        }
    }
    while (optind < argc && naddr < MAX_ADDRS)
        links[naddr++].addr = argv[optind++];
    if (optind < argc || naddr < 1 || n == 0 || posted == 0 || rounds == 0) {
        fputs(kUsage, stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);

    for (unsigned t = 0; t < naddr; t++) {
        struct link *l = &links[t];
        link_open(l);
        fill_ram(l);
        /* Warm up, and learn the exact frame sizes of each read. */
        for (unsigned k = 0; k < NLENS; k++) {
            int q = 0;
            for (unsigned i = 0; i < 1000; i++)
                sizes[t][k].resp = read_once(l, 0x100, kLens[k], &q);
            sizes[t][k].req = (unsigned)q;
            res[t].pingpong_ns[k] = res[t].read_ns[k] = 1e300;
        }
        res[t].posted_per_s = 0;
    }

    for (unsigned round = 0; round < rounds; round++) {
        for (unsigned t = 0; t < naddr; t++) {
            struct link *l = &links[t];
            for (unsigned k = 0; k < NLENS; k++) {
                res[t].pingpong_ns[k] = minf(res[t].pingpong_ns[k],
                                             bench_pingpong(l->tcp, sizes[t][k].req,
                                                            sizes[t][k].resp, n));
                res[t].read_ns[k] = minf(res[t].read_ns[k], bench_reads(l, kLens[k], n));
            }
            double p = bench_posted(l, posted);
            if (p > res[t].posted_per_s)
                res[t].posted_per_s = p;
        }
    }
    for (unsigned k = 0; k < NLENS; k++) {
        codec_ns[k] = 1e300;
        for (unsigned round = 0; round < rounds; round++)
            codec_ns[k] = minf(codec_ns[k], bench_codec(&links[0], kLens[k], n));
    }
    for (unsigned t = 0; t < naddr; t++)
        link_close(&links[t]);

    printf("gateway round trips, best of %u rounds of %u (posted: %u writes):\n\n", rounds, n,
           posted);
    printf("| transport | read | frames out/back | raw ping-pong | sclink read | ratio "
           "| client codec | posted writes/s |\n");
    printf("|-----------|-----:|----------------:|--------------:|------------:|------:"
           "|-------------:|----------------:|\n");
    for (unsigned t = 0; t < naddr; t++) {
        for (unsigned k = 0; k < NLENS; k++) {
            char rate[32] = "";
            if (k == 0) /* posted writes are 4 bytes: on the 4-byte row */
                snprintf(rate, sizeof(rate), "%.2f M", res[t].posted_per_s / 1e6);
            printf("| %-9s | %2u B | %7u B/%3u B | %10.0f ns | %8.0f ns | %4.2fx "
                   "| %9.0f ns | %15s |\n",
                   transport(&links[t]), kLens[k], sizes[t][k].req,
                   sizes[t][k].resp, res[t].pingpong_ns[k], res[t].read_ns[k],
                   res[t].read_ns[k] / res[t].pingpong_ns[k], codec_ns[k], rate);
        }
    }

    if (json) {
        FILE *f = fopen(json, "w");
        if (!f)
            die("%s: %s", json, strerror(errno));
        fprintf(f, "{\n  \"benchmark\": \"gateway\",\n  \"rounds\": %u,\n"
                   "  \"round_trips\": %u,\n  \"posted_writes\": %u,\n  \"results\": [\n",
                rounds, n, posted);
        for (unsigned t = 0; t < naddr; t++) {
            fprintf(f, "    {\"transport\": \"%s\", \"posted_writes_per_s\": %.0f, \"reads\": [\n",
                    transport(&links[t]), res[t].posted_per_s);
            for (unsigned k = 0; k < NLENS; k++)
                fprintf(f, "      {\"length\": %u, \"request_frame_bytes\": %u, "
                           "\"response_frame_bytes\": %u, \"pingpong_ns\": %.1f, "
                           "\"read_ns\": %.1f, \"ratio\": %.3f, \"client_codec_ns\": %.1f}%s\n",
                        kLens[k], sizes[t][k].req, sizes[t][k].resp, res[t].pingpong_ns[k],
                        res[t].read_ns[k], res[t].read_ns[k] / res[t].pingpong_ns[k],
                        codec_ns[k], k + 1 < NLENS ? "," : "");
            fprintf(f, "    ]}%s\n", t + 1 < naddr ? "," : "");
        }
        fprintf(f, "  ]\n}\n");
        fclose(f);
    }
    return 0;
}
