/*
 * delay-relay: a TCP relay for the end-to-end tests that holds every chunk
 * back DELAY_MS in each direction, keeping order.
 *
 *   delay-relay LISTEN_HOST TARGET_HOST:PORT DELAY_MS
 *
 * Listens on LISTEN_HOST with a port the kernel picks, prints "port N" on
 * stdout when ready, forwards the one connection it accepts to the target
 * and exits when both directions have ended.  The kernel of the test
 * machines has no sch_netem, hence this program.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct chunk {
    struct chunk *next;
    int64_t due_ns;
    size_t len; /* 0: end of stream */
    char data[];
};

/* One direction: bytes read from `from` are written to `to` delay later. */
struct pipe {
    int from, to;
    int reading; /* `from` not at end of stream yet */
    int done;    /* the end of stream has been passed on */
    struct chunk *head, *tail;
};

static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_addr(const char *host, const char *port,
                      struct sockaddr_in *sa)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)atoi(port));
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* Reads what is there and queues it, due delay_ns from now. */
static int pipe_read(struct pipe *p, int64_t delay_ns)
{
    char buf[65536];
    ssize_t n = read(p->from, buf, sizeof buf);
    struct chunk *c;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n < 0)
        n = 0; /* a reset connection ends the stream like a close */
    c = malloc(sizeof *c + (size_t)n);
    if (!c)
        return -1;
    c->next = NULL;
    c->due_ns = now_ns() + delay_ns;
    c->len = (size_t)n;
    memcpy(c->data, buf, (size_t)n);
    if (p->tail)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    if (n == 0)
        p->reading = 0;
    return 0;
}

/* Writes the chunks that are due; the end of stream becomes a shutdown. */
static int pipe_write(struct pipe *p, int64_t now)
{
    while (p->head && p->head->due_ns <= now) {
        struct chunk *c = p->head;
        size_t off = 0;

        while (off < c->len) {
            ssize_t n = write(p->to, c->data + off, c->len - off);

            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return -1;
            off += (size_t)n;
        }
        if (c->len == 0) {
            shutdown(p->to, SHUT_WR);
            p->done = 1;
        }
        p->head = c->next;
        if (!p->head)
            p->tail = NULL;
        free(c);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in la, ta;
    socklen_t len = sizeof la;
    struct pipe pp[2];
    int64_t delay_ns;
    int ls, cs, ts, one = 1;
    char *colon;

    if (argc != 4 || !(colon = strrchr(argv[2], ':'))) {
        fprintf(stderr, "usage: delay-relay LISTEN_HOST TARGET_HOST:PORT DELAY_MS\n");
        return 2;
    }
    *colon = 0;
    delay_ns = (int64_t)(atof(argv[3]) * 1e6);
    if (parse_addr(argv[1], "0", &la) < 0 || parse_addr(argv[2], colon + 1, &ta) < 0) {
        fprintf(stderr, "delay-relay: bad address\n");
        return 2;
    }
    ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&la, sizeof la) < 0 ||
        listen(ls, 1) < 0 || getsockname(ls, (struct sockaddr *)&la, &len) < 0) {
        perror("delay-relay: listen");
        return 1;
    }
    printf("port %u\n", ntohs(la.sin_port));
    fflush(stdout);
    cs = accept(ls, NULL, NULL);
    ts = socket(AF_INET, SOCK_STREAM, 0);
    if (cs < 0 || ts < 0 || connect(ts, (struct sockaddr *)&ta, sizeof ta) < 0) {
        perror("delay-relay: connect");
        return 1;
    }
    close(ls);
    setsockopt(cs, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(ts, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pp[0] = (struct pipe){ .from = cs, .to = ts, .reading = 1 };
    pp[1] = (struct pipe){ .from = ts, .to = cs, .reading = 1 };

    while (!pp[0].done || !pp[1].done) {
        struct pollfd fds[2];
        int64_t now = now_ns(), wait_ns = -1;
        int nfds = 0, idx[2];

        for (int i = 0; i < 2; i++) {
            if (pp[i].head) {
                int64_t w = pp[i].head->due_ns - now;

                if (w < 0)
                    w = 0;
                if (wait_ns < 0 || w < wait_ns)
                    wait_ns = w;
            }
            idx[i] = -1;
            if (pp[i].reading) {
                idx[i] = nfds;
                fds[nfds++] = (struct pollfd){ .fd = pp[i].from, .events = POLLIN };
            }
        }
        struct timespec ts_wait = { (time_t)(wait_ns / 1000000000),
                                    (long)(wait_ns % 1000000000) };

        if (ppoll(fds, (nfds_t)nfds, wait_ns < 0 ? NULL : &ts_wait, NULL) < 0 &&
            errno != EINTR) {
            perror("delay-relay: poll");
            return 1;
        }
        for (int i = 0; i < 2; i++) {
            if (idx[i] >= 0 && fds[idx[i]].revents && pipe_read(&pp[i], delay_ns) < 0) {
                fprintf(stderr, "delay-relay: out of memory\n");
                return 1;
            }
            if (pipe_write(&pp[i], now_ns()) < 0) {
                fprintf(stderr, "delay-relay: write failed, closing\n");
                return 0;
            }
        }
    }
    return 0;
}
