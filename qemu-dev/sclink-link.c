/*
 * sclink-pci: the link's messages
 *
 * Framing and sending (a frame's write is bounded by `timeout`), what a
 * lost link does (the on-failure policy), the dispatch of gateway
 * messages that are not the awaited one, and the Hello/Welcome exchange.
 * The I/O thread that fills the inbox of decoded messages, the turn and
 * the waits are in sclink-wait.c.  doc/protocol.md in the sclink
 * tree is the normative specification; doc/qemu-device.md describes the
 * device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "sclink-pci.h"
#include "trace.h"

/*
 * The time (g_get_monotonic_time() us, 0 = none) by which a write of one
 * frame started now must end: `timeout` from now, and never after the
 * deadline of the wait or the inbox service it is part of, so that
 * neither lasts longer than `timeout` whatever the gateway does.  An Error
 * is the link's last word and gets SCLINK_PCI_ERROR_GRACE_MS at most: it
 * is sent because the gateway misbehaves, and may well find it not
 * reading.
 */
static int64_t sclink_write_deadline(SclinkPCIState *s, bool last_word)
{
    int64_t now = g_get_monotonic_time();
    int64_t deadline = sclink__deadline(s);

    if (s->serve_deadline && (!deadline || s->serve_deadline < deadline)) {
        deadline = s->serve_deadline;
    }
    if (last_word && (!deadline ||
                      deadline > now + SCLINK_PCI_ERROR_GRACE_MS * 1000LL)) {
        deadline = now + SCLINK_PCI_ERROR_GRACE_MS * 1000LL;
    }
    return deadline;
}

/*
 * Writes @len bytes by @deadline (0: no limit).  Returns 0, -ETIMEDOUT
 * when the gateway did not take them in time, or the write's -errno.
 * qemu_chr_fe_write_all() would retry EAGAIN forever with the BQL held, so
 * a stopped gateway that no longer reads would hang QEMU whatever
 * `timeout` says; and the deadline is for the whole frame, not for each
 * piece, or a gateway reading a byte at a time would hold QEMU for ever.
 */
static int sclink_write(SclinkPCIState *s, const uint8_t *buf, size_t len,
                        int64_t deadline)
{
    size_t done = 0;
    ssize_t r;

    while (done < len) {
        r = sclink__chan_write(s, buf + done, len - done);
        if (r > 0) {
            done += r;
            continue;
        }
        if (r != -EAGAIN) {
            return r;
        }
        if (deadline && g_get_monotonic_time() >= deadline) {
            return -ETIMEDOUT;
        }
        g_usleep(100);
    }
    return 0;
}

/*
 * A write of @m failed with @err: fail the link saying what that means.
 * A gateway that dies is seen either here or by the chardev's hang-up,
 * whichever comes first, and both report it in the same words; one that
 * stalls, here or in a wait (sclink__wait), likewise.  On a
 * stream socket a write fails only when the peer has gone (EPIPE,
 * ECONNRESET) or the chardev has already dropped the connection (EIO);
 * QEMU's socket chardev reports all of them as EINVAL (io_channel_send_full
 * in chardev/char-io.c), so errno adds nothing there.
 */
static void sclink_fail_write(SclinkPCIState *s, const sclink_msg *m, int err)
{
    if (err == -ETIMEDOUT) {
        sclink__fail(s, "gateway unresponsive for %u ms (it did not take "
                     "the %s QEMU was sending)",
                     s->timeout_ms, sclink_msg_name(m));
        return;
    }
    sclink__fail(s, "gateway closed the link without Bye (sending %s: %s)",
                 sclink_msg_name(m),
                 err == -EINVAL ? "the write failed" : g_strerror(-err));
}

/* Encodes and writes one message; false if the link cannot take it. */
bool sclink__send(SclinkPCIState *s, const sclink_msg *m)
{
    sclink_buf b;
    int r;

    if (!sclink_link_up(s)) {
        return false;
    }
    sclink_buf_init(&b);
    r = sclink_encode_append(m, s->frame_limit, &b);
    if (r < 0) {
        error_report("sclink-pci '%s': cannot encode %s: %s",
                     sclink_name(s), sclink_msg_name(m), sclink_strerror(r));
        sclink_buf_free(&b);
        return false;
    }
    trace_sclink_send(sclink_name(s), sclink_msg_name(m), b.len);
    r = sclink_write(s, b.base, b.len,
                     sclink_write_deadline(s, m->msg_case ==
                                           SCLINK__V1__ENVELOPE__MSG_ERROR));
    sclink_buf_free(&b);
    if (!r) {
        return true;
    }
    /*
     * A write that failed (not one that timed out) says the gateway has
     * gone: what it sent before is still on its way through the I/O
     * thread.
     */
    if (s->state == SCLINK_LINK_RUNNING &&
        sclink__take_farewell(s, r != -ETIMEDOUT)) {
        /* The gateway left with a Bye or an Error, which says it all. */
        return false;
    }
    if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_ERROR) {
        /*
         * A frame may be half written: nothing more can go on the link.
         * (After an Error the caller fails the link with the real reason.)
         */
        sclink_fail_write(s, m, r);
    }
    return false;
}

void sclink__send_error(SclinkPCIState *s, Sclink__V1__ErrorCode code,
                        const char *text)
{
    Sclink__V1__Error e = SCLINK__V1__ERROR__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    e.has_code = true;
    e.code = code;
    e.message = (char *)text;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    m.error = &e;
    sclink__send(s, &m);
}

/* Sends Sync{kind, time_ps}: REACHED, RESET, PAUSED or RESUMED. */
bool sclink__send_sync(SclinkPCIState *s, Sclink__V1__SyncKind kind,
                       uint64_t time_ps)
{
    Sclink__V1__Sync sync = SCLINK__V1__SYNC__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    sync.has_kind = sync.has_time_ps = true;
    sync.kind = kind;
    sync.time_ps = time_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &sync;
    return sclink__send(s, &m);
}

void sclink__send_bye(SclinkPCIState *s, Sclink__V1__ByeReason reason)
{
    Sclink__V1__Bye bye = SCLINK__V1__BYE__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    if (s->state != SCLINK_LINK_RUNNING) {
        return;
    }
    bye.has_reason = true;
    bye.reason = reason;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    m.bye = &bye;
    sclink__send(s, &m);
    s->state = SCLINK_LINK_CLOSING;
}

/*
 * The link is lost: report it and apply the on-failure policy.  Used for
 * everything after the handshake; realize reports through errp instead.
 */
void sclink__fail(SclinkPCIState *s, const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    if (s->state == SCLINK_LINK_CLOSED) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (s->state != SCLINK_LINK_RUNNING && s->state != SCLINK_LINK_CLOSING) {
        /* During the handshake: realize reports it through errp. */
        s->state = SCLINK_LINK_CLOSED;
        g_free(s->fail_reason);
        s->fail_reason = g_steal_pointer(&msg);
        sclink__close(s);
        return;
    }
    if (s->state == SCLINK_LINK_CLOSING) {
        /* A Bye was sent or received: the run is ending anyway. */
        s->state = SCLINK_LINK_CLOSED;
        sclink__close(s);
        timer_del(s->window_timer);
        sclink__drop_inbox(s);
        return;
    }
    s->state = SCLINK_LINK_CLOSED;
    sclink__close(s);

    timer_del(s->window_timer);
    sclink__drop_inbox(s);
    error_report("sclink-pci '%s': %s", sclink_name(s), msg);
    if (s->on_failure == SCLINK_ON_FAILURE_EXIT) {
        error_report("sclink-pci '%s': exiting (on-failure=exit)",
                     sclink_name(s));
        /*
         * Not a call a device makes: the user asked for it.  A run whose
         * models are gone is worthless, and a script must see it in the
         * exit status; a shutdown request would end QEMU with 0.
         */
        exit(EXIT_FAILURE);
    }
    error_report("sclink-pci '%s': stopping the VM (on-failure=stop); "
                 "the device now fails every access", sclink_name(s));
    /* As the block layer's werror=stop does (blk_error_action()). */
    if (qemu_in_vcpu_thread()) {
        vm_stop(RUN_STATE_IO_ERROR);
    } else {
        qemu_system_vmstop_request_prepare();
        qemu_system_vmstop_request(RUN_STATE_IO_ERROR);
    }
}

/* A protocol violation by the gateway: tell it, then fail. */
void sclink__violation(SclinkPCIState *s, Sclink__V1__ErrorCode code,
                       const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sclink__send_error(s, code, msg);
    sclink__fail(s, "protocol error: %s", msg);
}

static void sclink_handle_bye(SclinkPCIState *s, const sclink_bye *bye)
{
    char text[SCLINK_LOG_TEXT_SIZE];

    info_report("sclink-pci '%s': gateway said Bye (%s%s%s); shutting down",
                sclink_name(s),
                bye->has_reason && bye->reason == SCLINK__V1__BYE_REASON__BYE_RESET ?
                "reset" : "done",
                bye->message ? ": " : "",
                sclink_log_text(text, sizeof(text), bye->message));
    s->state = SCLINK_LINK_CLOSING;
    timer_del(s->window_timer);
    /*
     * The simulated platform ended its run, as a guest poweroff would:
     * not a QMP quit, which would misreport the cause in QMP's SHUTDOWN.
     */
    qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
}

/*
 * Consumes one message that is not the awaited one.  Returns false when
 * the link went down.
 */
bool sclink__consume(SclinkPCIState *s, sclink_msg *m)
{
    char text[SCLINK_LOG_TEXT_SIZE];

    if (s->state == SCLINK_LINK_CLOSING) {
        /* Section 6.3: after Bye everything but Error is discarded. */
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
            warn_report("sclink-pci '%s': gateway Error after Bye: %s",
                        sclink_name(s),
                        sclink_log_text(text, sizeof(text),
                                        m->error->message));
        }
        return false;
    }
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
        sclink__handle_interrupt(s, m->interrupt);
        break;
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        sclink__handle_dma(s, m->request);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        sclink_handle_bye(s, m->bye);
        return false;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        sclink__fail(s, "gateway sent Error %d: %s", m->error->code,
                     sclink_log_text(text, sizeof(text), m->error->message));
        return false;
    default:
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                          "unexpected %s from the gateway",
                          sclink_msg_name(m));
        return false;
    }
    return sclink_link_up(s);
}

bool sclink__handshake(SclinkPCIState *s, sclink_msg **welcome,
                       Error **errp)
{
    Sclink__V1__Hello hello = SCLINK__V1__HELLO__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_msg *answer;
    char text[SCLINK_LOG_TEXT_SIZE];

    hello.has_version_major = true;
    hello.version_major = SCLINK_VERSION_MAJOR;
    hello.has_version_minor = true;
    hello.version_minor = SCLINK_VERSION_MINOR;
    hello.has_role = true;
    hello.role = SCLINK__V1__ROLE__ROLE_QEMU;
    hello.name = (char *)sclink_name(s);
    hello.has_capabilities = true;
    hello.capabilities = SCLINK_CAPS_QEMU_DEVICE;
    if (s->deterministic) {
        hello.capabilities |= SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC;
    }
    hello.has_quantum_ps = true;
    hello.quantum_ps = s->quantum_ns * 1000;
    hello.has_max_frame = true;
    hello.max_frame = s->max_frame;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
    m.hello = &hello;

    s->state = SCLINK_LINK_CONNECTED;
    if (!sclink__send(s, &m)) {
        error_setg(errp, "cannot send Hello to the gateway on %s",
                   s->link_label);
        return false;
    }
    s->state = SCLINK_LINK_HELLO_SENT;

    answer = sclink__wait(s, SCLINK__V1__ENVELOPE__MSG_WELCOME, 0, "Welcome");
    if (!answer) {
        error_setg(errp, "no Welcome from the gateway on %s: %s",
                   s->link_label,
                   s->fail_reason ?: "the link failed");
        return false;
    }
    if (answer->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
        error_setg(errp, "the gateway refused the link: error %d: %s",
                   answer->error->code,
                   sclink_log_text(text, sizeof(text), answer->error->message));
        sclink_msg_free(answer);
        s->state = SCLINK_LINK_CLOSED;
        return false;
    }
    *welcome = answer;
    return true;
}
