/*
 * TLS for the gateway's links (tls.h), on GnuTLS.  The session reads
 * from `in` (what the server fed) and writes into the caller's buffer,
 * through transport functions of our own, so no call here touches a
 * socket or blocks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls.h"

/* QEMU's priorities: its tls-creds default, with the PSK key exchanges. */
#define PRIORITY_X509 "NORMAL"
#define PRIORITY_PSK "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK"

/*
 * The TLS thread (sclink_tls_creds_offload): one job at a time, its
 * caller waiting.  Started at the first job.
 */
struct tls_thread {
    pthread_mutex_t callers;   /* one caller at a time: the pump's thread, or
                                  write_last's */
    pthread_mutex_t lock;      /* the fields below */
    pthread_cond_t go;         /* a job came, or quit */
    pthread_cond_t done;       /* the job is done */
    pthread_t id;
    int started;
    int quit;
    void (*job)(void *);       /* NULL: none */
    void *arg;
    atomic_int on;             /* offloading */
    atomic_uint_fast64_t jobs; /* run there, ever */
};

struct sclink_tls_creds {
    struct tls_thread *thread;
    enum sclink_tls_kind kind;
    gnutls_certificate_credentials_t x509;
    gnutls_psk_server_credentials_t psk;
    int verify_peer;
    char **allow;
    size_t allow_count;
    char describe[320];
};

struct sclink_tls {
    const sclink_tls_creds *creds;
    gnutls_session_t session;
    sclink_buf in;          /* ciphertext fed, not yet pulled */
    /* Where the fed bytes stand in TLS's record framing (5-byte headers,
     * then the length they give): GnuTLS pulls a partial record in and
     * keeps it, so `in` alone cannot say a record was left unfinished. */
    uint8_t rec_hdr[5];
    size_t rec_hdr_len;     /* header bytes of the next record seen */
    size_t rec_left;        /* body bytes of this record still to come */
    sclink_buf *out;        /* where the session's records go */
    int established;        /* the handshake is over: records can go */
    int done;               /* and the peer was accepted */
    char peer[320];
};

static int failf(char *why, size_t whylen, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int failf(char *why, size_t whylen, int err, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return err;
}

/*
 * A key file another user could read is refused, before GnuTLS reads it:
 * its secret would be theirs too.
 */
static int check_key_file(const char *path, char *why, size_t whylen)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return failf(why, whylen, -errno, "TLS key file %s: %s", path, strerror(errno));
    if (st.st_mode & (S_IRWXG | S_IRWXO))
        return failf(why, whylen, SCLINK_EINVAL,
                     "TLS key file %s is readable by other users (mode %04o): chmod 600 %s",
                     path, (unsigned)(st.st_mode & 07777), path);
    return 0;
}

static int load_x509(sclink_tls_creds *c, const char *dir, char *why, size_t whylen)
{
    char ca[4096], cert[4096], key[4096];
    int r;

    snprintf(ca, sizeof(ca), "%s/ca-cert.pem", dir);
    snprintf(cert, sizeof(cert), "%s/server-cert.pem", dir);
    snprintf(key, sizeof(key), "%s/server-key.pem", dir);
    r = check_key_file(key, why, whylen);
    if (r < 0)
        return r;
    if (gnutls_certificate_allocate_credentials(&c->x509) < 0)
        return failf(why, whylen, SCLINK_ENOMEM, "out of memory");
    r = gnutls_certificate_set_x509_trust_file(c->x509, ca, GNUTLS_X509_FMT_PEM);
    if (r <= 0)
        return failf(why, whylen, SCLINK_EINVAL, "TLS CA certificate %s: %s", ca,
                     r < 0 ? gnutls_strerror(r) : "no certificate in it");
    r = gnutls_certificate_set_x509_key_file(c->x509, cert, key, GNUTLS_X509_FMT_PEM);
    if (r < 0)
        return failf(why, whylen, SCLINK_EINVAL, "TLS certificate %s with key %s: %s", cert,
                     key, gnutls_strerror(r));
    return 0;
}

static int load_psk(sclink_tls_creds *c, const char *dir, char *why, size_t whylen)
{
    char keys[4096];
    FILE *f;
    int r;

    snprintf(keys, sizeof(keys), "%s/keys.psk", dir);
    r = check_key_file(keys, why, whylen);
    if (r < 0)
        return r;
    /* GnuTLS reads the file at each handshake: say now if it cannot. */
    f = fopen(keys, "r");
    if (f == NULL)
        return failf(why, whylen, -errno, "TLS key file %s: %s", keys, strerror(errno));
    fclose(f);
    if (gnutls_psk_allocate_server_credentials(&c->psk) < 0)
        return failf(why, whylen, SCLINK_ENOMEM, "out of memory");
    r = gnutls_psk_set_server_credentials_file(c->psk, keys);
    if (r < 0)
        return failf(why, whylen, SCLINK_EINVAL, "TLS key file %s: %s", keys,
                     gnutls_strerror(r));
    /* For DHE-PSK; ECDHE-PSK, which QEMU prefers, needs none. */
    gnutls_psk_set_server_known_dh_params(c->psk, GNUTLS_SEC_PARAM_MEDIUM);
    return 0;
}

/* ------------------------------------------------------------ TLS thread */

static void *tls_thread_main(void *p)
{
    struct tls_thread *th = p;
    void (*job)(void *);

    pthread_mutex_lock(&th->lock);
    for (;;) {
        while (th->job == NULL && !th->quit)
            pthread_cond_wait(&th->go, &th->lock);
        if (th->job == NULL)
            break;
        job = th->job;
        pthread_mutex_unlock(&th->lock);
        job(th->arg);
        pthread_mutex_lock(&th->lock);
        th->job = NULL;
        pthread_cond_signal(&th->done);
    }
    pthread_mutex_unlock(&th->lock);
    return NULL;
}

/* With every signal blocked: the host's handlers run on its own threads. */
static int tls_thread_start(struct tls_thread *th)
{
    sigset_t all, old;
    int r;

    if (th->started)
        return 0;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    r = pthread_create(&th->id, NULL, tls_thread_main, th);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0)
        return -r;
    th->started = 1;
    return 0;
}

/*
 * Runs job(arg): on the TLS thread while offloading, waiting for it,
 * else here.  A thread that cannot be created leaves the job here: late
 * is worse than on the wrong stack.
 */
static void tls_run(const sclink_tls_creds *c, void (*job)(void *), void *arg)
{
    struct tls_thread *th = c->thread;

    if (!atomic_load(&th->on)) {
        job(arg);
        return;
    }
    pthread_mutex_lock(&th->callers);
    if (tls_thread_start(th) < 0) {
        pthread_mutex_unlock(&th->callers);
        job(arg);
        return;
    }
    pthread_mutex_lock(&th->lock);
    th->job = job;
    th->arg = arg;
    pthread_cond_signal(&th->go);
    while (th->job != NULL)
        pthread_cond_wait(&th->done, &th->lock);
    pthread_mutex_unlock(&th->lock);
    pthread_mutex_unlock(&th->callers);
    atomic_fetch_add(&th->jobs, 1);
}

static struct tls_thread *tls_thread_new(void)
{
    struct tls_thread *th = calloc(1, sizeof(*th));

    if (th == NULL)
        return NULL;
    pthread_mutex_init(&th->callers, NULL);
    pthread_mutex_init(&th->lock, NULL);
    pthread_cond_init(&th->go, NULL);
    pthread_cond_init(&th->done, NULL);
    atomic_init(&th->on, 0);
    atomic_init(&th->jobs, 0);
    return th;
}

static void tls_thread_free(struct tls_thread *th)
{
    if (th == NULL)
        return;
    if (th->started) {
        pthread_mutex_lock(&th->lock);
        th->quit = 1;
        pthread_cond_signal(&th->go);
        pthread_mutex_unlock(&th->lock);
        pthread_join(th->id, NULL);
    }
    pthread_cond_destroy(&th->done);
    pthread_cond_destroy(&th->go);
    pthread_mutex_destroy(&th->lock);
    pthread_mutex_destroy(&th->callers);
    free(th);
}

void sclink_tls_creds_offload(sclink_tls_creds *c, int on)
{
    atomic_store(&c->thread->on, on != 0);
}

uint64_t sclink_tls_creds_offloaded(const sclink_tls_creds *c)
{
    return atomic_load(&c->thread->jobs);
}

int sclink_tls_creds_load(const struct sclink_tls_opts *opts, sclink_tls_creds **out,
                          char *why, size_t whylen)
{
    sclink_tls_creds *c;
    size_t i;
    int r;

    *out = NULL;
    if (opts->dir == NULL || opts->dir[0] == '\0')
        return failf(why, whylen, SCLINK_EINVAL, "TLS: no credentials directory");
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return failf(why, whylen, SCLINK_ENOMEM, "out of memory");
    c->thread = tls_thread_new();
    if (c->thread == NULL) {
        r = failf(why, whylen, SCLINK_ENOMEM, "out of memory");
        goto out_free;
    }
    c->kind = opts->kind;
    c->verify_peer = opts->verify_peer;
    if (opts->allow_count) {
        c->allow = calloc(opts->allow_count, sizeof(*c->allow));
        if (c->allow == NULL) {
            r = failf(why, whylen, SCLINK_ENOMEM, "out of memory");
            goto out_free;
        }
        c->allow_count = opts->allow_count;
        for (i = 0; i < opts->allow_count; i++) {
            c->allow[i] = strdup(opts->allow[i]);
            if (c->allow[i] == NULL) {
                r = failf(why, whylen, SCLINK_ENOMEM, "out of memory");
                goto out_free;
            }
        }
    }
    r = opts->kind == SCLINK_TLS_X509 ? load_x509(c, opts->dir, why, whylen)
                                      : load_psk(c, opts->dir, why, whylen);
    if (r < 0)
        goto out_free;
    snprintf(c->describe, sizeof(c->describe), "%s (%s)%s",
             opts->kind == SCLINK_TLS_X509 ? "X.509" : "PSK", opts->dir,
             opts->kind == SCLINK_TLS_X509 && !opts->verify_peer ? ", clients not verified" : "");
    *out = c;
    return 0;

out_free:
    sclink_tls_creds_free(c);
    return r;
}

void sclink_tls_creds_free(sclink_tls_creds *c)
{
    size_t i;

    if (c == NULL)
        return;
    tls_thread_free(c->thread);
    if (c->x509)
        gnutls_certificate_free_credentials(c->x509);
    if (c->psk)
        gnutls_psk_free_server_credentials(c->psk);
    for (i = 0; i < c->allow_count; i++)
        free(c->allow[i]);
    free(c->allow);
    free(c);
}

const char *sclink_tls_creds_describe(const sclink_tls_creds *c)
{
    return c->describe;
}

/* ------------------------------------------------------------- transport */

static ssize_t pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
    sclink_tls *t = p;

    if (t->in.len == 0) {
        gnutls_transport_set_errno(t->session, EAGAIN);
        return -1;
    }
    if (len > t->in.len)
        len = t->in.len;
    memcpy(data, t->in.base, len);
    sclink_buf_consume(&t->in, len);
    return (ssize_t)len;
}

static ssize_t push(gnutls_transport_ptr_t p, const void *data, size_t len)
{
    sclink_tls *t = p;

    if (sclink_buf_reserve(t->out, len) < 0) {
        gnutls_transport_set_errno(t->session, ENOMEM);
        return -1;
    }
    memcpy(t->out->base + t->out->len, data, len);
    t->out->len += len;
    return (ssize_t)len;
}

/* GnuTLS asks for this before a blocking wait; nothing here waits. */
static int pull_timeout(gnutls_transport_ptr_t p, unsigned int ms)
{
    sclink_tls *t = p;

    (void)ms;
    return t->in.len > 0 ? 1 : 0;
}

static void tls_free(sclink_tls *t);

static int tls_new(const sclink_tls_creds *c, sclink_buf *out, sclink_tls **tp, char *why,
                   size_t whylen)
{
    sclink_tls *t;
    int r;

    *tp = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return failf(why, whylen, SCLINK_ENOMEM, "out of memory");
    t->creds = c;
    t->out = out;
    sclink_buf_init(&t->in);
    r = gnutls_init(&t->session, GNUTLS_SERVER | GNUTLS_NONBLOCK);
    if (r < 0) {
        free(t);
        return failf(why, whylen, SCLINK_ENOMEM, "TLS: %s", gnutls_strerror(r));
    }
    if (c->kind == SCLINK_TLS_X509) {
        r = gnutls_priority_set_direct(t->session, PRIORITY_X509, NULL);
        if (r >= 0)
            r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, c->x509);
        /* Asked for, and judged after the handshake: the peer then hears
         * why in an Error, not a bare alert. */
        if (r >= 0 && c->verify_peer)
            gnutls_certificate_server_set_request(t->session, GNUTLS_CERT_REQUEST);
    } else {
        r = gnutls_priority_set_direct(t->session, PRIORITY_PSK, NULL);
        if (r >= 0)
            r = gnutls_credentials_set(t->session, GNUTLS_CRD_PSK, c->psk);
    }
    if (r < 0) {
        tls_free(t);
        return failf(why, whylen, SCLINK_EINVAL, "TLS: %s", gnutls_strerror(r));
    }
    gnutls_transport_set_ptr(t->session, t);
    gnutls_transport_set_pull_function(t->session, pull);
    gnutls_transport_set_pull_timeout_function(t->session, pull_timeout);
    gnutls_transport_set_push_function(t->session, push);
    *tp = t;
    return 0;
}

static void tls_free(sclink_tls *t)
{
    if (t == NULL)
        return;
    gnutls_deinit(t->session);
    sclink_buf_free(&t->in);
    free(t);
}

void sclink_tls_set_output(sclink_tls *t, sclink_buf *out)
{
    t->out = out;
}

/* Follows the record framing over len bytes fed. */
static void track_records(sclink_tls *t, const uint8_t *p, size_t len)
{
    size_t n;

    while (len > 0) {
        if (t->rec_left > 0) {
            n = len < t->rec_left ? len : t->rec_left;
            t->rec_left -= n;
        } else {
            n = sizeof(t->rec_hdr) - t->rec_hdr_len;
            if (n > len)
                n = len;
            memcpy(t->rec_hdr + t->rec_hdr_len, p, n);
            t->rec_hdr_len += n;
            if (t->rec_hdr_len == sizeof(t->rec_hdr)) {
                t->rec_left = (size_t)t->rec_hdr[3] << 8 | t->rec_hdr[4];
                t->rec_hdr_len = 0;
            }
        }
        p += n;
        len -= n;
    }
}

int sclink_tls_feed(sclink_tls *t, const uint8_t *p, size_t len)
{
    if (sclink_buf_reserve(&t->in, len) < 0)
        return SCLINK_ENOMEM;
    memcpy(t->in.base + t->in.len, p, len);
    t->in.len += len;
    track_records(t, p, len);
    return 0;
}

int sclink_tls_mid_record(const sclink_tls *t)
{
    return t->rec_hdr_len > 0 || t->rec_left > 0;
}

/* ------------------------------------------------------------ handshake */

/* The client's certificate: signed by the CA, in date, on the list. */
static int check_x509_peer(sclink_tls *t, char *why, size_t whylen)
{
    const sclink_tls_creds *c = t->creds;
    const gnutls_datum_t *chain;
    gnutls_x509_crt_t crt;
    gnutls_datum_t dn = {NULL, 0}, text = {NULL, 0};
    unsigned status = 0, n = 0;
    size_t i;
    int r;

    if (!c->verify_peer) {
        snprintf(t->peer, sizeof(t->peer), "a client not verified");
        return 0;
    }
    chain = gnutls_certificate_get_peers(t->session, &n);
    if (chain == NULL || n == 0)
        return failf(why, whylen, SCLINK_EAUTH,
                     "TLS: the client sent no certificate, and this gateway requires one "
                     "signed by its CA");
    r = gnutls_certificate_verify_peers2(t->session, &status);
    if (r < 0)
        return failf(why, whylen, SCLINK_EAUTH, "TLS: cannot verify the client's certificate: %s",
                     gnutls_strerror(r));
    if (status != 0) {
        gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0);
        r = failf(why, whylen, SCLINK_EAUTH, "TLS: the client's certificate is refused: %s",
                  text.data ? (const char *)text.data : "not trusted");
        gnutls_free(text.data);
        return r;
    }
    if (gnutls_x509_crt_init(&crt) < 0)
        return failf(why, whylen, SCLINK_ENOMEM, "out of memory");
    r = gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER);
    if (r >= 0)
        r = gnutls_x509_crt_get_dn3(crt, &dn, GNUTLS_X509_DN_FLAG_COMPAT);
    gnutls_x509_crt_deinit(crt);
    if (r < 0)
        return failf(why, whylen, SCLINK_EAUTH, "TLS: the client's certificate: %s",
                     gnutls_strerror(r));
    snprintf(t->peer, sizeof(t->peer), "%s", (const char *)dn.data);
    gnutls_free(dn.data);
    if (c->allow_count == 0)
        return 0;
    for (i = 0; i < c->allow_count; i++)
        if (strcmp(c->allow[i], t->peer) == 0)
            return 0;
    return failf(why, whylen, SCLINK_EAUTH,
                 "TLS: the client's certificate '%s' is not on this gateway's allow list",
                 t->peer);
}

static int tls_handshake(sclink_tls *t, char *why, size_t whylen)
{
    const char *user;
    int r;

    r = gnutls_handshake(t->session);
    if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
        return 0;
    if (r < 0) {
        /* The peer hears why, if it still listens (an alert record). */
        gnutls_alert_send_appropriate(t->session, r);
        return failf(why, whylen, SCLINK_EAUTH, "TLS handshake failed: %s", gnutls_strerror(r));
    }
    t->established = 1;
    if (t->creds->kind == SCLINK_TLS_X509) {
        r = check_x509_peer(t, why, whylen);
        if (r < 0)
            return r;
    } else {
        user = gnutls_psk_server_get_username(t->session);
        snprintf(t->peer, sizeof(t->peer), "psk user %s", user ? user : "(none)");
    }
    t->done = 1;
    return 1;
}

/* --------------------------------------------------------------- records */

static ssize_t tls_recv(sclink_tls *t, uint8_t *buf, size_t cap, char *why, size_t whylen)
{
    ssize_t n = gnutls_record_recv(t->session, buf, cap);

    if (n > 0)
        return n;
    if (n == 0)
        return SCLINK_ECLOSED;
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return 0;
    return failf(why, whylen, SCLINK_EDECODE, "TLS: %s", gnutls_strerror((int)n));
}

static int tls_send(sclink_tls *t, const uint8_t *p, size_t len, char *why, size_t whylen)
{
    ssize_t n;

    /* push never refuses but for memory, so each call takes what it can
     * put in records: at most one record's worth. */
    while (len > 0) {
        n = gnutls_record_send(t->session, p, len);
        if (n < 0)
            return failf(why, whylen, n == GNUTLS_E_MEMORY_ERROR ? SCLINK_ENOMEM : SCLINK_EINVAL,
                         "TLS: %s", gnutls_strerror((int)n));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void tls_bye(sclink_tls *t)
{
    if (t->established)
        gnutls_bye(t->session, GNUTLS_SHUT_WR);
}

/* ------------------------------------------------- calls, maybe offloaded */

/* One call's arguments and result, for tls_run. */
struct call {
    const sclink_tls_creds *c;
    sclink_tls *t;
    sclink_tls **tp;
    sclink_buf *out;
    const uint8_t *in;
    uint8_t *buf;
    size_t len;
    char *why;
    size_t whylen;
    ssize_t ret;
};

static void job_new(void *p)
{
    struct call *a = p;

    a->ret = tls_new(a->c, a->out, a->tp, a->why, a->whylen);
}

static void job_free(void *p)
{
    tls_free(((struct call *)p)->t);
}

static void job_handshake(void *p)
{
    struct call *a = p;

    a->ret = tls_handshake(a->t, a->why, a->whylen);
}

static void job_recv(void *p)
{
    struct call *a = p;

    a->ret = tls_recv(a->t, a->buf, a->len, a->why, a->whylen);
}

static void job_send(void *p)
{
    struct call *a = p;

    a->ret = tls_send(a->t, a->in, a->len, a->why, a->whylen);
}

static void job_bye(void *p)
{
    tls_bye(((struct call *)p)->t);
}

int sclink_tls_new(const sclink_tls_creds *c, sclink_buf *out, sclink_tls **tp, char *why,
                   size_t whylen)
{
    struct call a = {.c = c, .tp = tp, .out = out, .why = why, .whylen = whylen};

    tls_run(c, job_new, &a);
    return (int)a.ret;
}

void sclink_tls_free(sclink_tls *t)
{
    struct call a = {.t = t};

    if (t != NULL)
        tls_run(t->creds, job_free, &a);
}

int sclink_tls_handshake(sclink_tls *t, char *why, size_t whylen)
{
    struct call a = {.t = t, .why = why, .whylen = whylen};

    /* Here, not in the job: the server asks at every read, and an
     * offloaded answer would cost a thread switch each time. */
    if (t->done)
        return 1;
    tls_run(t->creds, job_handshake, &a);
    return (int)a.ret;
}

ssize_t sclink_tls_recv(sclink_tls *t, uint8_t *buf, size_t cap, char *why, size_t whylen)
{
    struct call a = {.t = t, .buf = buf, .len = cap, .why = why, .whylen = whylen};

    tls_run(t->creds, job_recv, &a);
    return a.ret;
}

int sclink_tls_send(sclink_tls *t, const uint8_t *p, size_t len, char *why, size_t whylen)
{
    struct call a = {.t = t, .in = p, .len = len, .why = why, .whylen = whylen};

    tls_run(t->creds, job_send, &a);
    return (int)a.ret;
}

void sclink_tls_bye(sclink_tls *t)
{
    struct call a = {.t = t};

    tls_run(t->creds, job_bye, &a);
}

int sclink_tls_established(const sclink_tls *t)
{
    return t->established;
}

const char *sclink_tls_peer(const sclink_tls *t)
{
    return t->peer;
}
