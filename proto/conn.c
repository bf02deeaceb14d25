/*
 * Blocking connection helper for tools and tests: connect or accept, send a
 * message, receive the next one with a timeout.  poll() bounds every wait so
 * a silent peer cannot hang the caller.
 */
#define _GNU_SOURCE /* accept4 */
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "codec-internal.h"

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until `deadline`, or -1 for "no deadline". */
static int remaining(int64_t deadline)
{
    int64_t left;

    if (deadline < 0)
        return -1;
    left = deadline - now_ms();
    return left > 0 ? (int)left : 0;
}

static void conn_init(sclink_conn *c, int fd)
{
    c->fd = fd;
    c->io = NULL;
    c->max_frame = SCLINK_DEFAULT_MAX_FRAME;
    sclink_decoder_init(&c->dec, c->max_frame);
    sclink_buf_init(&c->out);
}

static void set_nodelay(int fd)
{
    int one = 1;

    /* Fails harmlessly on Unix sockets. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Opens a socket for `a`, then connects it or (listening) binds it. */
static int open_socket(const sclink_addr *a, int listening, int *fd_out)
{
    struct sockaddr_un sun;
    struct addrinfo hints, *res = NULL, *ai;
    char port[8];
    int fd = -1, err, one = 1;

    if (a->kind == SCLINK_ADDR_UNIX) {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        strcpy(sun.sun_path, a->path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -errno;
        if (listening) {
            unlink(a->path);
            err = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
        } else {
            err = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
        }
        if (err < 0)
            goto out_close;
        *fd_out = fd;
        return 0;
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = listening ? AI_PASSIVE : 0;
    snprintf(port, sizeof(port), "%u", a->port);
    if (getaddrinfo(a->host, port, &hints, &res) != 0)
        return SCLINK_EADDR;
    err = -1;
    errno = ECONNREFUSED;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0)
            continue;
        if (listening) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            err = bind(fd, ai->ai_addr, ai->ai_addrlen);
        } else {
            err = connect(fd, ai->ai_addr, ai->ai_addrlen);
        }
        if (err == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return -errno;
    set_nodelay(fd);
    *fd_out = fd;
    return 0;

out_close:
    err = -errno;
    close(fd);
    return err;
}

int sclink_conn_connect(sclink_conn *c, const char *addr, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    sclink_addr a;
    int fd, err;

    conn_init(c, -1);
    err = sclink_addr_parse(addr, &a);
    if (err)
        return err;
    for (;;) {
        err = open_socket(&a, 0, &fd);
        if (err == 0)
            break;
        /* The server may still be starting: retry what looks transient. */
        if (err != -ECONNREFUSED && err != -ENOENT)
            return err;
        if (remaining(deadline) == 0)
            return err;
        usleep(20 * 1000);
    }
    c->fd = fd;
    return 0;
}

int sclink_conn_from_fd(sclink_conn *c, int fd)
{
    if (fd < 0)
        return SCLINK_EINVAL;
    conn_init(c, fd);
    return 0;
}

int sclink_conn_set_max_frame(sclink_conn *c, uint32_t max_frame)
{
    int err = sclink_decoder_set_max_frame(&c->dec, max_frame);

    if (err == 0)
        c->max_frame = max_frame;
    return err;
}

void sclink_conn_set_io(sclink_conn *c, const sclink_conn_io *io)
{
    c->io = io;
}

static int write_all(const sclink_conn *c, const uint8_t *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        if (c->io) {
            n = c->io->send(c->io->ctx, p, len);
            if (n < 0)
                return (int)n;
            p += n;
            len -= (size_t)n;
            continue;
        }
        /* MSG_NOSIGNAL: a vanished peer is an error, not a SIGPIPE. */
        n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EPIPE || errno == ECONNRESET ? SCLINK_ECLOSED
                                                         : -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int sclink_conn_send(sclink_conn *c, const sclink_msg *m)
{
    int err;

    if (c->fd < 0)
        return SCLINK_EINVAL;
    c->out.len = 0;
    err = sclink_encode_append(m, c->max_frame, &c->out);
    if (err < 0)
        return err;
    return write_all(c, c->out.base, c->out.len);
}

int sclink_conn_recv(sclink_conn *c, sclink_msg **out, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    uint8_t chunk[16384];
    struct pollfd pfd;
    ssize_t n;
    int err;

    *out = NULL;
    if (c->fd < 0)
        return SCLINK_EINVAL;
    for (;;) {
        err = sclink_decoder_next(&c->dec, out);
        if (err != 0)
            return err < 0 ? err : 0;
        /* Bytes the layer above the socket holds would not wake poll(). */
        if (!c->io || !c->io->pending(c->io->ctx)) {
            pfd.fd = c->fd;
            pfd.events = POLLIN;
            err = poll(&pfd, 1, remaining(deadline));
            if (err < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            if (err == 0)
                return SCLINK_ETIMEDOUT;
        }
        if (c->io) {
            n = c->io->recv(c->io->ctx, chunk, sizeof(chunk));
            if (n == -EAGAIN || n == -EINTR)
                continue;
            if (n < 0)
                return (int)n;
        } else {
            n = recv(c->fd, chunk, sizeof(chunk), 0);
        }
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return errno == ECONNRESET ? SCLINK_ECLOSED : -errno;
        }
        if (n == 0)
            return SCLINK_ECLOSED;
        err = sclink_decoder_feed(&c->dec, chunk, (size_t)n);
        if (err)
            return err;
    }
}

void sclink_conn_close(sclink_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    sclink_decoder_free(&c->dec);
    sclink_buf_free(&c->out);
}

int sclink_listen(const char *addr, int *fd_out)
{
    sclink_addr a;
    int fd, err;

    err = sclink_addr_parse(addr, &a);
    if (err)
        return err;
    err = open_socket(&a, 1, &fd);
    if (err)
        return err;
    if (listen(fd, 4) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *fd_out = fd;
    return 0;
}

int sclink_accept(int listen_fd, sclink_conn *c, int timeout_ms)
{
    struct pollfd pfd = { .fd = listen_fd, .events = POLLIN };
    int fd, err;

    err = poll(&pfd, 1, timeout_ms);
    if (err < 0)
        return -errno;
    if (err == 0)
        return SCLINK_ETIMEDOUT;
    fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -errno;
    set_nodelay(fd);
    conn_init(c, fd);
    return 0;
}
