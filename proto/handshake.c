/*
 * The QEMU side's blocking handshake over an sclink_conn (doc/protocol.md,
 * "Handshake"); the checks it applies are the protocol core's (rules.c).
 */
#include "codec-internal.h"

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
