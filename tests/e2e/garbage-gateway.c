/*
 * garbage-gateway: a stand-in gateway that answers the Hello with a frame
 * that is not an Envelope, for tests/e2e/fault-garbage.sh.
 *
 *   garbage-gateway SOCKET_PATH
 *
 * Listens on a Unix socket, prints "listening" on stdout when ready,
 * accepts one connection, reads one length-prefixed frame (the Hello),
 * answers with 8 bytes of 0xff in an 8-byte frame, waits for the peer to
 * close and exits.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = read(fd, p, len);

        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const unsigned char garbage[12] = {
        0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    unsigned char head[4], buf[4096];
    uint32_t need;
    int ls, cs;

    if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
        fprintf(stderr, "usage: garbage-gateway SOCKET_PATH\n");
        return 2;
    }
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(ls, 1) < 0) {
        perror("garbage-gateway: listen");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    cs = accept(ls, NULL, NULL);
    if (cs < 0 || read_full(cs, head, 4) < 0) {
        perror("garbage-gateway: no Hello");
        return 1;
    }
    need = (uint32_t)head[0] << 24 | head[1] << 16 | head[2] << 8 | head[3];
    while (need > 0) {
        size_t n = need < sizeof buf ? need : sizeof buf;

        if (read_full(cs, buf, n) < 0)
            break;
        need -= (uint32_t)n;
    }
    if (write(cs, garbage, sizeof garbage) != (ssize_t)sizeof garbage)
        perror("garbage-gateway: write");
    while (read(cs, buf, sizeof buf) > 0)
        ;
    close(cs);
    close(ls);
    unlink(argv[1]);
    return 0;
}
