/*
 * What the gateway suites share: a real sclink-gateway on the test platform
 * (tests/gateway/platform.yaml.in) over a Unix socket, and a peer speaking
 * to it through libsclink.  See gwtest.h.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gwtest.h"

char dir[64], sock[128], addr[160], errlog[128];
pid_t gw;

/* tests/gateway/platform.yaml.in filled in, with `from` replaced by `to`. */
static void write_platform(const char *path, const char *from, const char *to)
{
    const char *src = getenv("top_srcdir");
    char in[512], line[512];
    FILE *fi, *fo;

    snprintf(in, sizeof(in), "%s/tests/gateway/platform.yaml.in", src ? src : ".");
    fi = fopen(in, "r");
    ck_assert_ptr_nonnull(fi);
    fo = fopen(path, "w");
    ck_assert_ptr_nonnull(fo);
    while (fgets(line, sizeof(line), fi)) {
        char *at;
        if ((at = strstr(line, "@LISTEN@")))
            fprintf(fo, "%.*s%s\n", (int)(at - line), line, addr);
        else if ((at = strstr(line, "@ROM@")) || (at = strstr(line, "@UART_IN@")) ||
                 (at = strstr(line, "@UART_OUT@")))
            fprintf(fo, "%.*s%s/%s\n", (int)(at - line), line, dir,
                    at[1] == 'R' ? "rom.bin" : at[6] == 'I' ? "uart.in" : "uart.out");
        else if (from && (at = strstr(line, from)))
            fprintf(fo, "%.*s%s%s", (int)(at - line), line, to, at + strlen(from));
        else
            fputs(line, fo);
    }
    fclose(fi);
    fclose(fo);
}

static void fputs_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* The last bytes of a log, for a failure message. */
static const char *log_tail(const char *path)
{
    static char buf[600];
    size_t n = 0;
    FILE *f = fopen(path, "r");

    buf[0] = '\0';
    if (f) {
        fseek(f, 0, SEEK_END);
        long end = ftell(f);
        fseek(f, end > (long)sizeof(buf) - 1 ? end - (long)sizeof(buf) + 1 : 0, SEEK_SET);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    return n ? buf : "(empty log)";
}

void start_gateway(const char *opt)
{
    start_gateway_edited(opt, NULL, NULL);
}

void start_gateway_edited(const char *opt, const char *from, const char *to)
{
    const char *b = getenv("top_builddir");
    char exe[512], platform[128], path[200];
    struct stat st;
    int i;

    snprintf(dir, sizeof(dir), "/tmp/sclink-faults-%d", (int)getpid());
    mkdir(dir, 0700);
    snprintf(sock, sizeof(sock), "%s/gw.sock", dir);
    snprintf(addr, sizeof(addr), "unix:%s", sock);
    snprintf(errlog, sizeof(errlog), "%s/gw.err", dir);
    snprintf(platform, sizeof(platform), "%s/platform.yaml", dir);
    snprintf(exe, sizeof(exe), "%s/sc-gateway/sclink-gateway", b ? b : ".");
    write_platform(platform, from, to);
    snprintf(path, sizeof(path), "%s/rom.bin", dir);
    fputs_file(path, "SCLINK-ROM-IMAGE");
    snprintf(path, sizeof(path), "%s/uart.in", dir);
    fputs_file(path, "hi");
    gw = fork();
    ck_assert_int_ge(gw, 0);
    if (gw == 0) {
        /* Check's SIGTERM handler would forward to the test's group. */
        signal(SIGTERM, SIG_DFL);
        freopen("/dev/null", "w", stdout);
        freopen(errlog, "w", stderr);
        if (opt)
            execl(exe, exe, opt, platform, (char *)NULL);
        else
            execl(exe, exe, platform, (char *)NULL);
        _exit(127);
    }
    for (i = 0; i < 1000 && stat(sock, &st) != 0; i++) { /* 20 s: CI may be loaded */
        int status;
        if (waitpid(gw, &status, WNOHANG) == gw) {
            gw = -1;
            ck_abort_msg("gateway exited at start-up (status 0x%x): %s", (unsigned)status,
                         log_tail(errlog));
        }
        usleep(20000);
    }
    ck_assert_msg(stat(sock, &st) == 0, "gateway did not listen in 20 s: %s", log_tail(errlog));
}

/* Waits up to 5 s for the gateway to exit; returns its exit status. */
int gateway_exit(void)
{
    int status = 0, i;

    for (i = 0; i < 250; i++) {
        if (waitpid(gw, &status, WNOHANG) == gw) {
            gw = 0;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        usleep(20000);
    }
    ck_abort_msg("gateway did not exit");
    return -1;
}

void stop_gateway(void)
{
    char cmd[200];

    if (gw > 0) {
        kill(gw, SIGKILL);
        waitpid(gw, NULL, 0);
        gw = 0;
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Lines in the gateway's log containing `what`. */
int log_count(const char *what)
{
    char line[512];
    FILE *f = fopen(errlog, "r");
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strstr(line, what))
            n++;
    fclose(f);
    return n;
}

void wait_log_count(const char *what, int n)
{
    int i;

    for (i = 0; i < 500 && log_count(what) < n; i++)
        usleep(20000);
    ck_assert_msg(log_count(what) >= n, "log has %d lines with '%s', not %d in 10 s: %s",
                  log_count(what), what, n, log_tail(errlog));
}

void hello(sclink_hello *h, unsigned major)
{
    sclink__v1__hello__init(h);
    h->has_version_major = h->has_version_minor = h->has_role = 1;
    h->version_major = major;
    h->role = SCLINK__V1__ROLE__ROLE_QEMU;
    h->name = "faults";
    h->has_capabilities = 1;
    h->capabilities = 0xff;
}

void link_up_named(sclink_conn *c, const char *name)
{
    char why[256];
    sclink_hello h;
    sclink_msg *w;

    ck_assert_int_eq(sclink_conn_connect(c, addr, 2000), 0);
    hello(&h, SCLINK_VERSION_MAJOR);
    h.name = (char *)name;
    ck_assert_int_eq(sclink_client_handshake(c, &h, &w, 3000, why, sizeof(why)), 0);
    sclink_msg_free(w);
}

void link_up(sclink_conn *c)
{
    link_up_named(c, "faults");
}

void link_up_caps(sclink_conn *c, uint64_t caps)
{
    char why[256];
    sclink_hello h;
    sclink_msg *w;

    ck_assert_int_eq(sclink_conn_connect(c, addr, 2000), 0);
    hello(&h, SCLINK_VERSION_MAJOR);
    h.capabilities = caps;
    ck_assert_int_eq(sclink_client_handshake(c, &h, &w, 3000, why, sizeof(why)), 0);
    sclink_msg_free(w);
}

/* Receives the next message and checks it is an Error with `code`. */
void expect_error(sclink_conn *c, Sclink__V1__ErrorCode code, const char *text)
{
    sclink_msg *m = NULL;

    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), 0);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_ERROR);
    ck_assert_int_eq(m->error->code, code);
    ck_assert_msg(strstr(m->error->message, text), "Error '%s' lacks '%s'",
                  m->error->message, text);
    sclink_msg_free(m);
    /* Then the gateway closes the link. */
    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), SCLINK_ECLOSED);
}

void send_raw(sclink_conn *c, const void *p, size_t n)
{
    ck_assert_int_eq(write(c->fd, p, n), (ssize_t)n);
}

void read_req(sclink_request *r, uint64_t id, uint64_t off, uint64_t t)
{
    sclink__v1__request__init(r);
    r->has_id = r->has_command = r->has_bar = r->has_address = 1;
    r->has_length = r->has_time_ps = 1;
    r->id = id;
    r->command = SCLINK__V1__COMMAND__CMD_READ;
    r->address = off;
    r->length = 4;
    r->time_ps = t;
}

void send_request(sclink_conn *c, sclink_request *r)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;

    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = r;
    ck_assert_int_eq(sclink_conn_send(c, &env), 0);
}

uint32_t read32(sclink_conn *c, uint64_t off, Sclink__V1__Status *st)
{
    static uint64_t id = 100;
    sclink_request r;
    sclink_msg *m;
    uint32_t v = 0;

    read_req(&r, ++id, off, 0);
    send_request(c, &r);
    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), 0);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_RESPONSE);
    ck_assert_uint_eq(m->response->id, id);
    *st = m->response->status;
    if (m->response->data.len == 4)
        memcpy(&v, m->response->data.data, 4);
    sclink_msg_free(m);
    return v;
}

/* Receives the next message: a Response to `id` with `status`; free it. */
sclink_msg *recv_response(sclink_conn *c, uint64_t id, Sclink__V1__Status status)
{
    sclink_msg *m;

    ck_assert_int_eq(sclink_conn_recv(c, &m, 5000), 0);
    ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_RESPONSE);
    ck_assert_uint_eq(m->response->id, id);
    ck_assert_int_eq(m->response->status, status);
    return m;
}

void write32(sclink_conn *c, uint64_t off, uint32_t v)
{
    static uint64_t id = 5000;
    sclink_request r;

    read_req(&r, ++id, off, 0);
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.has_data = 1;
    r.data.data = (uint8_t *)&v;
    r.data.len = 4;
    send_request(c, &r);
    sclink_msg_free(recv_response(c, id, SCLINK__V1__STATUS__STATUS_OK));
}

size_t encode_request(uint8_t *buf, size_t cap, sclink_request *r)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    int n;

    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = r;
    n = sclink_encode(&env, 0, buf, cap);
    ck_assert_int_gt(n, 0);
    return (size_t)n;
}
