/*
 * sclink-client's TLS (--tls-creds): the client end of a TLS link, as
 * QEMU's socket chardev with tls-creds= is one, with the same files: for
 * x509:DIR, DIR/ca-cert.pem (the server must be signed by it and carry
 * the host name connected to) and, when present, DIR/client-cert.pem and
 * DIR/client-key.pem; for psk:DIR, the line of DIR/keys.psk for the user
 * (--tls-user, default "qemu" as tls-creds-psk's).  The session sits
 * between the connection and its socket (sclink_conn_io).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "client.h"

struct client_tls {
    gnutls_session_t session;
    gnutls_certificate_credentials_t x509;
    gnutls_psk_client_credentials_t psk;
    sclink_conn_io io;
    char host[256]; /* the name the certificate must carry: GnuTLS keeps the pointer */
};

static ssize_t tls_send(void *ctx, const uint8_t *p, size_t len)
{
    struct client_tls *t = ctx;
    ssize_t n;

    do
        n = gnutls_record_send(t->session, p, len);
    while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
    return n >= 0 ? n : SCLINK_ECLOSED;
}

static ssize_t tls_recv(void *ctx, uint8_t *p, size_t len)
{
    struct client_tls *t = ctx;
    ssize_t n = gnutls_record_recv(t->session, p, len);

    if (n >= 0)
        return n;
    if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        return -EAGAIN;
    /* A peer that closes without close_notify has still closed. */
    if (n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    fprintf(stderr, "sclink-client: TLS: %s\n", gnutls_strerror((int)n));
    return SCLINK_ECLOSED;
}

static int tls_pending(void *ctx)
{
    struct client_tls *t = ctx;

    return gnutls_record_check_pending(t->session) > 0;
}

/* The key of `user` in keys.psk, lines USER:HEXKEY. */
static int psk_key(const char *file, const char *user, char *hex, size_t hexlen)
{
    char line[1024];
    size_t ul = strlen(user);
    FILE *f = fopen(file, "r");
    int found = 0;

    if (f == NULL) {
        fprintf(stderr, "sclink-client: TLS key file %s: %s\n", file, strerror(errno));
        return -1;
    }
    while (!found && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strncmp(line, user, ul) == 0 && line[ul] == ':') {
            snprintf(hex, hexlen, "%s", line + ul + 1);
            found = 1;
        }
    }
    fclose(f);
    if (!found)
        fprintf(stderr, "sclink-client: TLS key file %s has no key for user '%s'\n", file,
                user);
    return found ? 0 : -1;
}

static int set_creds(struct client_tls *t, const char *creds, const char *user,
                     const char *host)
{
    char a[4096], b[4096], hex[1024];
    gnutls_datum_t key;
    const char *dir;
    int r;

    if (strncmp(creds, "x509:", 5) == 0) {
        dir = creds + 5;
        if (gnutls_certificate_allocate_credentials(&t->x509) < 0)
            return -1;
        snprintf(a, sizeof(a), "%s/ca-cert.pem", dir);
        r = gnutls_certificate_set_x509_trust_file(t->x509, a, GNUTLS_X509_FMT_PEM);
        if (r <= 0) {
            fprintf(stderr, "sclink-client: TLS CA certificate %s: %s\n", a,
                    r < 0 ? gnutls_strerror(r) : "no certificate in it");
            return -1;
        }
        snprintf(a, sizeof(a), "%s/client-cert.pem", dir);
        snprintf(b, sizeof(b), "%s/client-key.pem", dir);
        if (access(a, R_OK) == 0) {
            r = gnutls_certificate_set_x509_key_file(t->x509, a, b, GNUTLS_X509_FMT_PEM);
            if (r < 0) {
                fprintf(stderr, "sclink-client: TLS certificate %s with key %s: %s\n", a, b,
                        gnutls_strerror(r));
                return -1;
            }
        }
        r = gnutls_priority_set_direct(t->session, "NORMAL", NULL);
        if (r >= 0)
            r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->x509);
        /* The server's certificate, for the host connected to. */
        if (r >= 0)
            gnutls_session_set_verify_cert(t->session, host, 0);
        if (r >= 0 && host)
            r = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, host, strlen(host));
        return r < 0 ? -1 : 0;
    }
    if (strncmp(creds, "psk:", 4) == 0) {
        snprintf(a, sizeof(a), "%s/keys.psk", creds + 4);
        if (psk_key(a, user, hex, sizeof(hex)) < 0)
            return -1;
        if (gnutls_psk_allocate_client_credentials(&t->psk) < 0)
            return -1;
        key.data = (unsigned char *)hex;
        key.size = (unsigned)strlen(hex);
        r = gnutls_psk_set_client_credentials(t->psk, user, &key, GNUTLS_PSK_KEY_HEX);
        if (r >= 0)
            r = gnutls_priority_set_direct(t->session, "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK", NULL);
        if (r >= 0)
            r = gnutls_credentials_set(t->session, GNUTLS_CRD_PSK, t->psk);
        if (r < 0)
            fprintf(stderr, "sclink-client: TLS PSK: %s\n", gnutls_strerror(r));
        return r < 0 ? -1 : 0;
    }
    fprintf(stderr, "sclink-client: --tls-creds %s: want x509:DIR or psk:DIR\n", creds);
    return -1;
}

struct client_tls *client_tls_new(const char *creds, const char *user, const char *addr)
{
    struct client_tls *t = calloc(1, sizeof(*t));
    sclink_addr a;
    const char *host = NULL;

    if (t == NULL)
        return NULL;
    if (sclink_addr_parse(addr, &a) == 0 && a.kind == SCLINK_ADDR_TCP) {
        snprintf(t->host, sizeof(t->host), "%s", a.host);
        host = t->host;
    }
    if (gnutls_init(&t->session, GNUTLS_CLIENT) < 0) {
        free(t);
        return NULL;
    }
    if (set_creds(t, creds, user, host) < 0) {
        client_tls_free(t);
        return NULL;
    }
    return t;
}

gnutls_session_t client_tls_session(struct client_tls *t)
{
    return t->session;
}

int client_tls_handshake(struct client_tls *t, sclink_conn *c, const char *addr,
                         int timeout_ms)
{
    int r;

    gnutls_transport_set_int(t->session, c->fd);
    gnutls_handshake_set_timeout(t->session, (unsigned)(timeout_ms > 0 ? timeout_ms : 0));
    do
        r = gnutls_handshake(t->session);
    while (r < 0 && !gnutls_error_is_fatal(r));
    if (r < 0) {
        if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
            gnutls_datum_t text = {NULL, 0};
            gnutls_certificate_type_t type = gnutls_certificate_type_get(t->session);
            unsigned status = gnutls_session_get_verify_cert_status(t->session);

            gnutls_certificate_verification_status_print(status, type, &text, 0);
            fprintf(stderr, "sclink-client: TLS: the gateway's certificate is refused: %s\n",
                    text.data ? (const char *)text.data : gnutls_strerror(r));
            gnutls_free(text.data);
        } else {
            fprintf(stderr, "sclink-client: TLS handshake with %s failed: %s\n", addr,
                    gnutls_strerror(r));
        }
        return -1;
    }
    t->io.ctx = t;
    t->io.send = tls_send;
    t->io.recv = tls_recv;
    t->io.pending = tls_pending;
    sclink_conn_set_io(c, &t->io);
    return 0;
}

struct client_tls *client_tls_start(const struct client_opts *o, sclink_conn *c)
{
    struct client_tls *t = client_tls_new(o->tls_creds, o->tls_user, o->addr);

    if (t && client_tls_handshake(t, c, o->addr, o->timeout_ms) < 0) {
        client_tls_free(t);
        t = NULL;
    }
    return t;
}

void client_tls_free(struct client_tls *t)
{
    if (t == NULL)
        return;
    gnutls_deinit(t->session);
    if (t->x509)
        gnutls_certificate_free_credentials(t->x509);
    if (t->psk)
        gnutls_psk_free_client_credentials(t->psk);
    free(t);
}
