/*
 * The gateway's libuv server (sc-gateway/server.c) writing to a peer that
 * has gone, with SIGPIPE at its default disposition, which kills the
 * process: the library must neither change that disposition nor die of
 * it.  Once where the server writes itself (send with MSG_NOSIGNAL), once
 * where libuv writes the rest of a frame the socket did not take at once
 * (inside uv_run), once for the ERR_BUSY answer to a second peer that has
 * already gone.  Each test runs in its own process (Check), so a SIGPIPE
 * shows as that test dying of the signal.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"
#include "../common/check-main.h"

struct events {
    int opened;
    int closed;
    int close_err;
};

static void on_open(void *ctx)
{
    ((struct events *)ctx)->opened++;
}

static void on_message(void *ctx, sclink_msg *m, size_t heap_bytes)
{
    (void)ctx;
    (void)heap_bytes;
    sclink_msg_free(m);
}

static void on_closed(void *ctx, int err, const char *why)
{
    struct events *e = ctx;

    (void)why;
    e->closed++;
    e->close_err = err;
}

static const struct sclink_server_ops kOps = {on_open, on_message, on_closed};

struct fixture {
    char dir[64];
    char path[96];
    char listen[160];
    uv_loop_t loop;
    sclink_server *srv;
    struct events ev;
};

static void sigpipe_is_default(void)
{
    struct sigaction sa;

    ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
    ck_assert_msg(sa.sa_handler == SIG_DFL, "SIGPIPE is not at its default disposition");
}

static void setup_server(struct fixture *f)
{
    struct sclink_server_opts opts;
    char why[256] = "";

    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/sclink-test-server-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/s.sock", f->dir);
    snprintf(f->listen, sizeof(f->listen), "unix:%s", f->path);
    ck_assert_int_eq(uv_loop_init(&f->loop), 0);
    memset(&opts, 0, sizeof(opts));
    opts.listen = f->listen;
    opts.max_frame = SCLINK_DEFAULT_MAX_FRAME;
    opts.stall_ms = 5000;
    ck_assert_msg(sclink_server_new(&f->loop, &opts, &kOps, &f->ev, &f->srv, why,
                                    sizeof(why)) == 0, "server: %s", why);
}

static void teardown_server(struct fixture *f)
{
    sclink_server_free(f->srv);
    uv_loop_close(&f->loop);
    rmdir(f->dir);
}

static int connect_peer(const struct fixture *f)
{
    struct sockaddr_un sun;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
    return fd;
}

/* Runs the loop until `*count` reaches `want` (the test's timeout bounds it). */
static void run_until(struct fixture *f, const int *count, int want)
{
    while (*count < want)
        sclink_server_run_timeout(f->srv, 100);
}

/* A Response carrying `len` bytes of data (the frame is about that long). */
static int send_response(struct fixture *f, size_t len)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response r = SCLINK__V1__RESPONSE__INIT;
    uint8_t *data = calloc(1, len);
    int err;

    ck_assert_ptr_nonnull(data);
    r.has_id = r.has_status = r.has_data = 1;
    r.id = 1;
    r.status = SCLINK__V1__STATUS__STATUS_OK;
    r.data.data = data;
    r.data.len = len;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &r;
    err = sclink_server_send(f->srv, &env);
    free(data);
    return err;
}

static int sigpipe_pending(void)
{
    sigset_t set;

    ck_assert_int_eq(sigpending(&set), 0);
    return sigismember(&set, SIGPIPE);
}

/* The peer is gone before the frame: the server's own send gets EPIPE. */
START_TEST(test_send_to_gone_peer_no_sigpipe)
{
    struct fixture f;
    int fd;

    sigpipe_is_default();
    setup_server(&f);
    fd = connect_peer(&f);
    run_until(&f, &f.ev.opened, 1);
    close(fd);
    send_response(&f, 64);   /* EPIPE, not SIGPIPE; the link closes */
    run_until(&f, &f.ev.closed, 1);
    ck_assert_int_eq(f.ev.close_err, SCLINK_ECLOSED);
    ck_assert(!sigpipe_pending());
    sigpipe_is_default();
    teardown_server(&f);
}
END_TEST

/*
 * A frame larger than the socket takes at once: the rest goes to libuv's
 * uv_write, which writes it inside uv_run once the socket has room.  The
 * peer shuts its reading side (writes to it now raise SIGPIPE) and then
 * takes what it had received, which gives the socket room: libuv writes
 * into the EPIPE.  The peer's writing side stays open, so the server
 * sees no end of stream that would close the link before libuv writes.
 */
START_TEST(test_uv_write_to_gone_peer_no_sigpipe)
{
    struct fixture f;
    char buf[4096];
    int fd;

    sigpipe_is_default();
    setup_server(&f);
    fd = connect_peer(&f);
    run_until(&f, &f.ev.opened, 1);
    ck_assert_int_eq(send_response(&f, 900 * 1024), 0);
    ck_assert_msg(sclink_server_pending_output(f.srv) > 0,
                  "the socket took 900 KiB at once: nothing left for uv_write");
    ck_assert_int_eq(shutdown(fd, SHUT_RD), 0);
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
        ;
    run_until(&f, &f.ev.closed, 1);
    close(fd);
    ck_assert_int_eq(f.ev.close_err, SCLINK_ECLOSED);
    ck_assert(!sigpipe_pending());
    sigpipe_is_default();
    teardown_server(&f);
}
END_TEST

/* A second peer, refused with ERR_BUSY, that has gone before the answer. */
START_TEST(test_busy_answer_to_gone_peer_no_sigpipe)
{
    struct fixture f;
    int fd, second;

    sigpipe_is_default();
    setup_server(&f);
    fd = connect_peer(&f);
    run_until(&f, &f.ev.opened, 1);
    second = connect_peer(&f);
    close(second);
    /* The server accepts it and answers in this iteration or the next. */
    for (int i = 0; i < 5; i++)
        sclink_server_run_timeout(f.srv, 20);
    ck_assert(!sigpipe_pending());
    ck_assert_int_eq(f.ev.closed, 0);   /* the first link is untouched */
    ck_assert_int_eq(sclink_server_link_active(f.srv), 1);
    sigpipe_is_default();
    close(fd);
    teardown_server(&f);
}
END_TEST

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc = sclink_check_tcase(s, "sigpipe", 20);

    tcase_add_test(tc, test_send_to_gone_peer_no_sigpipe);
    tcase_add_test(tc, test_uv_write_to_gone_peer_no_sigpipe);
    tcase_add_test(tc, test_busy_answer_to_gone_peer_no_sigpipe);
    return s;
}

SCLINK_CHECK_MAIN(server_suite)
