/*
 * Check tests for the blocking connection helper and the handshake, over
 * real Unix and TCP sockets: the server half runs in a forked child.
 */
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/samples.h"
#include "sclink.h"
#include "common/check-main.h"

enum server_mode {
    SERVE_HANDSHAKE, /* answer a Hello as a gateway would */
    SERVE_SILENT,    /* accept, then say nothing */
    SERVE_CLOSE,     /* accept, then close */
    SERVE_ECHO,      /* send back every message received */
    SERVE_REFUSE,    /* answer the Hello with an Error forging a log line */
};

static char sock_path[108];

static void make_unix_addr(char *addr, size_t len)
{
    snprintf(sock_path, sizeof(sock_path), "/tmp/sclink-test-%d.sock", (int)getpid());
    snprintf(addr, len, "unix:%s", sock_path);
}

/* Child side of every test: one connection, served as `mode` says. */
static void serve(int lfd, enum server_mode mode)
{
    sclink_conn c;
    sclink_msg *m;
    char why[256];
    struct sample s;
    int err;

    if (sclink_accept(lfd, &c, 5000) != 0)
        _exit(2);
    switch (mode) {
    case SERVE_HANDSHAKE:
        if (sclink_conn_recv(&c, &m, 5000) != 0)
            _exit(3);
        if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO)
            _exit(4);
        err = sclink_hello_check(m->hello, why, sizeof(why));
        if (err) {
            sclink_conn_send_error(&c, sclink_error_code(err), why);
        } else {
            sample_build(SAMPLE_WELCOME, &s);
            s.welcome.max_frame = sclink_agree_max_frame(m->hello->max_frame, 0);
            sclink_conn_send(&c, &s.env);
        }
        sclink_msg_free(m);
        /* Wait for the client to hang up. */
        sclink_conn_recv(&c, &m, 5000);
        break;
    case SERVE_REFUSE:
        if (sclink_conn_recv(&c, &m, 5000) != 0)
            _exit(3);
        sclink_msg_free(m);
        sclink_conn_send_error(&c, SCLINK__V1__ERROR_CODE__ERR_CONFIG,
                               "no\n[forged] link up\x1b[31m");
        sclink_conn_recv(&c, &m, 5000);
        break;
    case SERVE_SILENT:
        sleep(3);
        break;
    case SERVE_CLOSE:
        break;
    case SERVE_ECHO:
        while (sclink_conn_recv(&c, &m, 5000) == 0 && m != NULL) {
            sclink_conn_send(&c, m);
            sclink_msg_free(m);
        }
        break;
    }
    sclink_conn_close(&c);
    _exit(0);
}

static pid_t start_server(const char *addr, enum server_mode mode)
{
    int lfd;
    pid_t pid;

    ck_assert_int_eq(sclink_listen(addr, &lfd), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        serve(lfd, mode);
    close(lfd);
    return pid;
}

static void stop_server(pid_t pid)
{
    int status;

    /*
     * SIGKILL, not SIGTERM: the child inherited Check's SIGTERM handler,
     * which would forward the signal to the whole test's process group.
     */
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (sock_path[0])
        unlink(sock_path);
}

static void hello_v(sclink_hello *h, unsigned major)
{
    sclink__v1__hello__init(h);
    h->has_version_major = 1;
    h->version_major = major;
    h->has_version_minor = 1;
    h->version_minor = 0;
    h->has_role = 1;
    h->role = SCLINK__V1__ROLE__ROLE_QEMU;
    h->name = "test";
    h->has_capabilities = 1;
    h->capabilities = 0xff;
    h->has_max_frame = 1;
    h->max_frame = 65536;
}

START_TEST(test_handshake_unix)
{
    char addr[128], why[256] = "";
    sclink_conn c;
    sclink_hello h;
    sclink_msg *w;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_HANDSHAKE);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    hello_v(&h, SCLINK_VERSION_MAJOR);
    ck_assert_int_eq(sclink_client_handshake(&c, &h, &w, 2000, why, sizeof(why)), 0);
    ck_assert_int_eq(w->welcome->role, SCLINK__V1__ROLE__ROLE_GATEWAY);
    ck_assert_uint_eq(w->welcome->device->vendor_id, 0x1af4);
    /* The agreed limit (smaller of the two proposals) now applies. */
    ck_assert_uint_eq(c.max_frame, 65536);
    ck_assert_uint_eq(c.dec.max_frame, 65536);
    sclink_msg_free(w);
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

START_TEST(test_handshake_version_mismatch)
{
    char addr[128], why[256] = "";
    sclink_conn c;
    sclink_hello h;
    sclink_msg *w;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_HANDSHAKE);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    hello_v(&h, 2);
    ck_assert_int_eq(sclink_client_handshake(&c, &h, &w, 2000, why, sizeof(why)),
                     SCLINK_EVERSION);
    ck_assert_ptr_null(w);
    /* The Error names both versions. */
    ck_assert_ptr_nonnull(strstr(why, "2.0"));
    ck_assert_ptr_nonnull(strstr(why, "1.2"));
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

/* The refusal's text comes back escaped: `why` goes to logs. */
START_TEST(test_handshake_refusal_text_escaped)
{
    char addr[128], why[256] = "";
    sclink_conn c;
    sclink_hello h;
    sclink_msg *w;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_REFUSE);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    hello_v(&h, SCLINK_VERSION_MAJOR);
    ck_assert_int_eq(sclink_client_handshake(&c, &h, &w, 2000, why, sizeof(why)),
                     SCLINK_EPEER);
    ck_assert_str_eq(why, "gateway refused: no\\x0a[forged] link up\\x1b[31m");
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

/* A Welcome agreeing to capabilities the Hello did not offer is refused. */
START_TEST(test_handshake_welcome_oversteps)
{
    char addr[128], why[256] = "";
    sclink_conn c;
    sclink_hello h;
    sclink_msg *w;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_HANDSHAKE);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    hello_v(&h, SCLINK_VERSION_MAJOR);
    h.capabilities = SCLINK__V1__CAPABILITY__CAP_SYNC; /* sample grants DMA too */
    ck_assert_int_eq(sclink_client_handshake(&c, &h, &w, 2000, why, sizeof(why)),
                     SCLINK_ERANGE);
    ck_assert_ptr_nonnull(strstr(why, "more than the Hello offered"));
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

START_TEST(test_hello_check_rules)
{
    char why[256];
    sclink_hello h;

    hello_v(&h, SCLINK_VERSION_MAJOR);
    h.version_minor = 99; /* a newer minor is compatible */
    ck_assert_int_eq(sclink_hello_check(&h, why, sizeof(why)), 0);
    h.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    ck_assert_int_eq(sclink_hello_check(&h, why, sizeof(why)), SCLINK_ESTATE);
    hello_v(&h, 0);
    ck_assert_int_eq(sclink_hello_check(&h, why, sizeof(why)), SCLINK_EVERSION);
    ck_assert_str_eq(why, "protocol version mismatch: peer speaks 0.0, "
                          "this gateway speaks 1.2");
}
END_TEST

START_TEST(test_agree_max_frame)
{
    ck_assert_uint_eq(sclink_agree_max_frame(0, 0), SCLINK_DEFAULT_MAX_FRAME);
    ck_assert_uint_eq(sclink_agree_max_frame(65536, 0), 65536);
    ck_assert_uint_eq(sclink_agree_max_frame(4u << 20, 8u << 20), 4u << 20);
    ck_assert_uint_eq(sclink_agree_max_frame(1, 2), SCLINK_MIN_MAX_FRAME);
    ck_assert_uint_eq(sclink_agree_max_frame(UINT32_MAX, UINT32_MAX),
                      SCLINK_LIMIT_MAX_FRAME);
}
END_TEST

START_TEST(test_echo_tcp_every_type)
{
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    char addr[64];
    sclink_conn c;
    sclink_msg *m;
    struct sample s;
    int lfd, k;
    pid_t pid;

    /* Port 0: the kernel picks a free one; read it back. */
    ck_assert_int_eq(sclink_listen("tcp:127.0.0.1:0", &lfd), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &slen), 0);
    snprintf(addr, sizeof(addr), "tcp:127.0.0.1:%u", ntohs(sin.sin_port));
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        serve(lfd, SERVE_ECHO);
    close(lfd);
    sock_path[0] = '\0';

    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    for (k = 0; k < SAMPLE_COUNT; k++) {
        sample_build(k, &s);
        ck_assert_int_eq(sclink_conn_send(&c, &s.env), 0);
    }
    for (k = 0; k < SAMPLE_COUNT; k++) {
        sample_build(k, &s);
        ck_assert_int_eq(sclink_conn_recv(&c, &m, 2000), 0);
        ck_assert_ptr_nonnull(m);
        ck_assert_int_eq(m->msg_case, s.env.msg_case);
        sclink_msg_free(m);
    }
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

START_TEST(test_recv_timeout)
{
    char addr[128];
    sclink_conn c;
    sclink_msg *m;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_SILENT);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    ck_assert_int_eq(sclink_conn_recv(&c, &m, 100), SCLINK_ETIMEDOUT);
    ck_assert_ptr_null(m);
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

START_TEST(test_peer_closes)
{
    char addr[128];
    sclink_conn c;
    sclink_msg *m;
    pid_t pid;

    make_unix_addr(addr, sizeof(addr));
    pid = start_server(addr, SERVE_CLOSE);
    ck_assert_int_eq(sclink_conn_connect(&c, addr, 2000), 0);
    ck_assert_int_eq(sclink_conn_recv(&c, &m, 2000), SCLINK_ECLOSED);
    sclink_conn_close(&c);
    stop_server(pid);
}
END_TEST

START_TEST(test_connect_refused_after_timeout)
{
    sclink_conn c;

    ck_assert_int_eq(sclink_conn_connect(&c, "unix:/tmp/sclink-nobody-here.sock", 100),
                     -ENOENT);
    ck_assert_int_eq(sclink_conn_connect(&c, "bogus:addr", 100), SCLINK_EADDR);
}
END_TEST

START_TEST(test_addr_parse)
{
    sclink_addr a;

    ck_assert_int_eq(sclink_addr_parse("unix:/tmp/gw.sock", &a), 0);
    ck_assert_int_eq(a.kind, SCLINK_ADDR_UNIX);
    ck_assert_str_eq(a.path, "/tmp/gw.sock");
    ck_assert_int_eq(sclink_addr_parse("tcp:localhost:5555", &a), 0);
    ck_assert_int_eq(a.kind, SCLINK_ADDR_TCP);
    ck_assert_str_eq(a.host, "localhost");
    ck_assert_uint_eq(a.port, 5555);
    ck_assert_int_eq(sclink_addr_parse("tcp:[::1]:80", &a), 0);
    ck_assert_str_eq(a.host, "::1");
    ck_assert_uint_eq(a.port, 80);
    ck_assert_int_eq(sclink_addr_parse("tcp:127.0.0.1:0", &a), 0);

    ck_assert_int_eq(sclink_addr_parse(NULL, &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("unix:", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp:host", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp:host:", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp::80", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp:host:65536", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp:host:12x", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("tcp:[::1:80", &a), SCLINK_EADDR);
    ck_assert_int_eq(sclink_addr_parse("udp:host:80", &a), SCLINK_EADDR);
}
END_TEST

static Suite *conn_suite(void)
{
    Suite *s = suite_create("conn");
    TCase *tc = sclink_check_tcase(s, "sockets", 20);

    tcase_add_test(tc, test_handshake_unix);
    tcase_add_test(tc, test_handshake_version_mismatch);
    tcase_add_test(tc, test_handshake_welcome_oversteps);
    tcase_add_test(tc, test_handshake_refusal_text_escaped);
    tcase_add_test(tc, test_hello_check_rules);
    tcase_add_test(tc, test_agree_max_frame);
    tcase_add_test(tc, test_echo_tcp_every_type);
    tcase_add_test(tc, test_recv_timeout);
    tcase_add_test(tc, test_peer_closes);
    tcase_add_test(tc, test_connect_refused_after_timeout);
    tcase_add_test(tc, test_addr_parse);
    return s;
}

SCLINK_CHECK_MAIN(conn_suite)
