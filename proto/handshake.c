/* The handshake rules both ends share (doc/protocol.md, "Handshake"). */
#include "codec-internal.h"

int sclink_hello_check(const sclink_hello *h, char *why, size_t whylen)
{
    if (h->role != SCLINK__V1__ROLE__ROLE_QEMU) {
        sclink__why(why, whylen, "Hello from role %d, expected ROLE_QEMU",
                    (int)h->role);
        return SCLINK_ESTATE;
    }
    if (h->version_major != SCLINK_VERSION_MAJOR) {
        sclink__why(why, whylen,
                    "protocol version mismatch: peer speaks %u.%u, "
                    "this gateway speaks %u.%u",
                    h->version_major, h->version_minor, SCLINK_VERSION_MAJOR,
                    SCLINK_VERSION_MINOR);
        return SCLINK_EVERSION;
    }
    return 0;
}

/* The smaller proposal wins, kept inside the limits both ends support. */
uint32_t sclink_agree_max_frame(uint32_t a, uint32_t b)
{
    uint32_t m;

    if (a == 0)
        a = SCLINK_DEFAULT_MAX_FRAME;
    if (b == 0)
        b = SCLINK_DEFAULT_MAX_FRAME;
    m = a < b ? a : b;
    if (m < SCLINK_MIN_MAX_FRAME)
        m = SCLINK_MIN_MAX_FRAME;
    if (m > SCLINK_LIMIT_MAX_FRAME)
        m = SCLINK_LIMIT_MAX_FRAME;
    return m;
}

int sclink_conn_send_error(sclink_conn *c, Sclink__V1__ErrorCode code,
                           const char *text)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;

    e.has_code = 1;
    e.code = code;
    e.message = (char *)text;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    env.error = &e;
    return sclink_conn_send(c, &env);
}

int sclink_client_handshake(sclink_conn *c, const sclink_hello *hello,
                            sclink_msg **welcome, int timeout_ms, char *why,
                            size_t whylen)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_msg *m = NULL;
    const sclink_welcome *w;
    Sclink__V1__ErrorCode code;
    char text[SCLINK_LOG_TEXT_SIZE];
    int err;

    *welcome = NULL;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
    env.hello = (sclink_hello *)hello;
    err = sclink_conn_send(c, &env);
    if (err)
        return err;
    err = sclink_conn_recv(c, &m, timeout_ms);
    if (err) {
        sclink__why(why, whylen, "no Welcome: %s", sclink_strerror(err));
        return err;
    }
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        sclink__why(why, whylen, "gateway refused: %s",
                    m->error->message
                        ? sclink_log_text(text, sizeof(text), m->error->message)
                        : "(no text)");
        err = m->error->code == SCLINK__V1__ERROR_CODE__ERR_VERSION
                  ? SCLINK_EVERSION
                  : SCLINK_EPEER;
        goto out_free;
    default:
        sclink__why(why, whylen, "expected Welcome, got %s",
                    sclink_msg_name(m));
        err = SCLINK_ESTATE;
        goto out_free;
    }
    w = m->welcome;
    /* The caller sends the Error (7.5); code only names which one. */
    err = sclink_welcome_check(hello, w, &code, why, whylen);
    if (err)
        goto out_free;
    err = sclink_conn_set_max_frame(c, w->max_frame);
    if (err)
        goto out_free;
    *welcome = m;
    return 0;

out_free:
    sclink_msg_free(m);
    return err;
}
