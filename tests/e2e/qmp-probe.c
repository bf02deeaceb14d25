/*
 * qmp-probe: asks a QEMU over its QMP socket, within a time limit, for the
 * tests that must tell a QEMU that runs from one that hangs
 * (tests/e2e/fuzz-qemu.sh).
 *
 *   qmp-probe SOCKET TIMEOUT_MS COMMAND...
 *
 * Connects to SOCKET (-qmp unix:SOCKET,server=on,wait=off), negotiates
 * capabilities, runs each COMMAND and prints the answer line of each.  A
 * COMMAND is a command name without arguments (query-status, cont, quit),
 * a whole QMP request sent as it is ({"execute": "device_del", ...}), or
 * event=NAME, which waits for the event NAME and prints it.  Events are
 * otherwise skipped (tests/e2e/unplug.sh waits for DEVICE_DELETED).  Exit
 * status: 0 every command answered, 1 no answer within TIMEOUT_MS (QEMU
 * holds its main loop: a hang), 2 no connection (QEMU is gone), 3 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];
static size_t have;

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reads into line the next line that is not an event, or with @event, the
 * next event of that name (other lines skipped).  Returns 0, 1 on
 * timeout, 2 when the connection ends.
 */
static int read_line(int fd, long long deadline, char *line, size_t len,
                     const char *event)
{
    for (;;) {
        char *nl = memchr(buf, '\n', have);

        if (nl) {
            size_t n = (size_t)(nl - buf) + 1;
            char *e = strstr(buf, "\"event\"");
            int skip = e && e < nl;

            if (event) {
                char *name = strstr(buf, event);

                skip = !(skip && name && name < nl && name[-1] == '"' &&
                         name[strlen(event)] == '"');
            }
            if (!skip) {
                size_t k = n - 1 < len - 1 ? n - 1 : len - 1;

                memcpy(line, buf, k);
                line[k] = '\0';
            }
            memmove(buf, buf + n, have - n);
            have -= n;
            if (!skip)
                return 0;
            continue;
        }
        if (have == sizeof buf - 1)
            have = 0; /* a line longer than we care for */
        struct pollfd p = { .fd = fd, .events = POLLIN };
        long long left = deadline - now_ms();

        if (left <= 0 || poll(&p, 1, (int)left) == 0)
            return 1;
        ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);

        if (r <= 0)
            return r < 0 && errno == EINTR ?
                   read_line(fd, deadline, line, len, event) : 2;
        have += (size_t)r;
        buf[have] = '\0';
    }
}

static int command(int fd, const char *cmd, long long deadline, int print)
{
    char req[1024], line[4096];
    int r, n;

    if (!strncmp(cmd, "event=", 6)) {
        r = read_line(fd, deadline, line, sizeof line, cmd + 6);
        if (r == 0 && print)
            printf("%s: %s\n", cmd, line);
        return r;
    }
    n = snprintf(req, sizeof req,
                 cmd[0] == '{' ? "%s\n" : "{\"execute\": \"%s\"}\n", cmd);
    if (n < 0 || (size_t)n >= sizeof req)
        return 3;
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
        return 2;
    r = read_line(fd, deadline, line, sizeof line, NULL);
    if (r == 0 && print)
        printf("%s: %s\n", cmd, line);
    /* quit: the answer may not make it before QEMU closes; fine */
    if (r == 2 && !strcmp(cmd, "quit"))
        return 0;
    return r;
}

int main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    long long deadline;
    char line[4096];
    int fd, r, i;

    if (argc < 4 || strlen(argv[1]) >= sizeof sa.sun_path) {
        fprintf(stderr, "usage: qmp-probe SOCKET TIMEOUT_MS COMMAND...\n");
        return 3;
    }
    deadline = now_ms() + atoll(argv[2]);
    strcpy(sa.sun_path, argv[1]);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    /* QEMU's QMP socket serves one client at a time: retry while busy. */
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno != EAGAIN && errno != EINTR)
            return 2; /* ECONNREFUSED, ENOENT: nobody listens */
        if (now_ms() >= deadline)
            return 1;
        usleep(10000);
    }
    r = read_line(fd, deadline, line, sizeof line, NULL); /* the greeting */
    if (r == 0)
        r = command(fd, "qmp_capabilities", deadline, 0);
    for (i = 3; r == 0 && i < argc; i++)
        r = command(fd, argv[i], deadline, 1);
    close(fd);
    if (r == 1)
        fprintf(stderr, "qmp-probe: no answer within %s ms\n", argv[2]);
    return r;
}
