/*
 * TLS for the gateway's links (internal), on GnuTLS, the library QEMU's
 * own TLS chardevs use: credentials from a directory with QEMU's file
 * names, and one session per link that never touches a socket.  The
 * server (server.c) feeds it what it reads and writes what it produces,
 * so nothing blocks; and while SystemC runs the models, the session's
 * work is done on a thread of its own (sclink_tls_creds_offload), so
 * that no TLS call runs on the SystemC thread then (doc/remote.md).
 *
 * Errors: negative codes (sclink.h) and a message in why/whylen.
 */
#ifndef SCLINK_GW_TLS_H
#define SCLINK_GW_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sclink.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sclink_tls_kind {
    SCLINK_TLS_X509, /* DIR/ca-cert.pem, server-cert.pem, server-key.pem */
    SCLINK_TLS_PSK,  /* DIR/keys.psk, lines USER:HEXKEY */
};

struct sclink_tls_opts {
    enum sclink_tls_kind kind;
    const char *dir;
    /* X.509: a client certificate the CA signed is required (default). */
    int verify_peer;
    /* X.509: the client DNs allowed, e.g. "CN=qemu1,O=lab"; none: any. */
    const char *const *allow;
    size_t allow_count;
};

typedef struct sclink_tls_creds sclink_tls_creds;
typedef struct sclink_tls sclink_tls;

/*
 * Loads the credentials.  A key file (server-key.pem, keys.psk) that
 * another user could read is refused, as ssh refuses such a key.
 */
int sclink_tls_creds_load(const struct sclink_tls_opts *opts, sclink_tls_creds **out,
                          char *why, size_t whylen);
void sclink_tls_creds_free(sclink_tls_creds *c);
/* "X.509 (DIR)" or "PSK (DIR)", for the log. */
const char *sclink_tls_creds_describe(const sclink_tls_creds *c);

/*
 * While `on`, every call below that does TLS work (new, free, handshake,
 * recv, send, bye) runs on the credentials' TLS thread, its caller
 * waiting for it: the pump turns it on while SystemC runs the models, so
 * that an Interrupt a model raises, or the DMA it waits for, is encrypted
 * and decrypted there and not on the model's process stack.  Off, the
 * calls run on the caller's thread (the pump's, the common case: no
 * thread switch per access).  Thread-safe; offloaded() counts the calls
 * run there.
 */
void sclink_tls_creds_offload(sclink_tls_creds *c, int on);
uint64_t sclink_tls_creds_offloaded(const sclink_tls_creds *c);

/* A server session; what it writes goes to *out (see set_output). */
int sclink_tls_new(const sclink_tls_creds *c, sclink_buf *out, sclink_tls **t, char *why,
                   size_t whylen);
void sclink_tls_free(sclink_tls *t);
void sclink_tls_set_output(sclink_tls *t, sclink_buf *out);

/* Bytes read from the peer. */
int sclink_tls_feed(sclink_tls *t, const uint8_t *p, size_t len);
/*
 * Whether what was fed ends inside a TLS record: the peer began one and
 * has not finished it (the stall clock's business, as an unfinished frame).
 */
int sclink_tls_mid_record(const sclink_tls *t);

/*
 * Drives the handshake on what was fed: 1 done and the peer accepted
 * (its certificate verified and allowed, or its PSK known), 0 it needs
 * more input, SCLINK_EAUTH when it failed or the peer's credentials were
 * refused; after a refusal sclink_tls_established() says an Error can
 * still reach the peer.
 */
int sclink_tls_handshake(sclink_tls *t, char *why, size_t whylen);

/*
 * Plaintext: the bytes decrypted into buf, 0 when no whole record is
 * there, SCLINK_ECLOSED at the peer's close_notify, another negative
 * code on a broken record.
 */
ssize_t sclink_tls_recv(sclink_tls *t, uint8_t *buf, size_t cap, char *why, size_t whylen);
/* Encrypts len bytes into the output. */
int sclink_tls_send(sclink_tls *t, const uint8_t *p, size_t len, char *why, size_t whylen);
/* Appends the close_notify alert to the output (once established). */
void sclink_tls_bye(sclink_tls *t);
/* Whether the handshake is over, so that records can be sent. */
int sclink_tls_established(const sclink_tls *t);
/* Who the peer is: "DN" (X.509) or "psk user NAME"; "" before the handshake. */
const char *sclink_tls_peer(const sclink_tls *t);

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_GW_TLS_H */
