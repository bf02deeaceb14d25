/*
 * sclink-pci: chardev I/O and the waits
 *
 * The chardev's frontend handlers decode what the gateway sends into the
 * inbox.  A wait (for the Welcome, a Response or a GRANT) blocks until the
 * awaited message arrives, consuming Interrupts and DMA meanwhile.
 *
 * Blocking I/O: a wait on a plain unix/tcp socket chardev polls the socket
 * and reads it directly into the decoder; on EOF or error, and for TLS,
 * websocket or telnet sockets, it moves the chardev's read handler to a
 * private GMainContext and iterates that context until the awaited
 * message arrives or the timeout expires (see sclink__wait).  Outside
 * waits the handler runs in the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/units.h"
#include "chardev/char.h"
#include "chardev/char-socket.h"
#include <glib-unix.h>
#include <poll.h>               /* POLLRDHUP */
#include "sclink-pci.h"

/*
 * The chardev reads up to 64 KiB at a time, and nothing while the inbox
 * holds SCLINK_PCI_INBOX_MAX of heap: in deterministic mode messages that
 * arrive outside a wait are only queued (rule K), and a gateway that
 * floods then is held back by the socket until the next wait drains the
 * inbox, instead of growing QEMU without bound.
 */
int sclink__chr_can_read(void *opaque)
{
    SclinkPCIState *s = opaque;

    if (!sclink_link_up(s) || s->inbox_heap >= SCLINK_PCI_INBOX_MAX) {
        return 0;
    }
    return 64 * KiB;
}

static void sclink_full_watch_start(SclinkPCIState *s);

void sclink__chr_read(void *opaque, const uint8_t *buf, int size)
{
    SclinkPCIState *s = opaque;
    sclink_msg *m;
    int r;

    if (!sclink_link_up(s)) {
        return;
    }
    r = sclink_decoder_feed(&s->dec, buf, size);
    while (r >= 0 && (r = sclink_decoder_next(&s->dec, &m)) == 1) {
        sclink__inbox_push(s, m, sclink_decoder_msg_heap(&s->dec));
    }
    if (s->inbox_heap >= SCLINK_PCI_INBOX_MAX) {
        sclink_full_watch_start(s);
    }
    if (r < 0) {
        /* Garbage on the link: the stream has lost its framing. */
        sclink__violation(s, sclink_error_code(r), "gateway sent garbage: %s",
                          sclink_decoder_reason(&s->dec));
        return;
    }
    /*
     * Rule K: in deterministic mode gateway messages are consumed only
     * inside waits; free-running, they are consumed as they arrive.
     */
    if (!s->in_wait && !s->deterministic && !s->draining &&
        s->state == SCLINK_LINK_RUNNING) {
        sclink__process_inbox(s);
    }
}

void sclink__chr_event(void *opaque, QEMUChrEvent event)
{
    SclinkPCIState *s = opaque;

    if (event != CHR_EVENT_CLOSED) {
        return;
    }
    sclink__watch_stop(s);
    sclink__full_watch_stop(s);
    /*
     * A Bye the gateway sent before closing may still wait in the inbox
     * (deterministic mode consumes only in waits).  Inside a wait, the
     * wait consumes the inbox itself.
     */
    if (s->state == SCLINK_LINK_RUNNING && !s->in_wait) {
        sclink__take_farewell(s);
    }
    switch (s->state) {
    case SCLINK_LINK_CLOSING:
        s->state = SCLINK_LINK_CLOSED;
        break;
    case SCLINK_LINK_RUNNING:
        sclink__fail(s, "gateway closed the link without Bye");
        break;
    default:
        /* During the handshake realize reports it. */
        sclink__fail(s, "the gateway closed the link");
        break;
    }
}

static gboolean sclink_wait_timeout(gpointer opaque)
{
    bool *expired = opaque;

    *expired = true;
    return G_SOURCE_REMOVE;
}

/*
 * The fd of the chardev's socket when a wait may poll and read it directly:
 * a connected plain unix/tcp socket chardev, whose read handler
 * (tcp_chr_read) only passes the bytes it receives to sclink__chr_read.
 * -1 for TLS or websocket (s->ioc wraps the socket and holds its own
 * buffered data), telnet/tn3270 (the handler strips IAC sequences), or a
 * chardev that is not a connected socket: those take the GMainContext path.
 */
static int sclink_direct_fd(SclinkPCIState *s)
{
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);
    SocketChardev *sc;

    if (!chr || !object_dynamic_cast(OBJECT(chr), TYPE_CHARDEV_SOCKET)) {
        return -1;
    }
    sc = SOCKET_CHARDEV(chr);
    if (sc->state != TCP_CHARDEV_STATE_CONNECTED || !sc->sioc ||
        sc->ioc != QIO_CHANNEL(sc->sioc) || sc->do_telnetopt ||
        sc->is_websock || sc->tls_creds) {
        return -1;
    }
    return sc->sioc->fd;
}

/*
 * One step of a direct wait: polls @fd until it is readable or @deadline
 * (g_get_monotonic_time() us, 0 = none) passes, and feeds what one recv()
 * returns to the decoder, as the chardev's read handler would.  Returns 1
 * after feeding, 0 when nothing came (timeout, EINTR, EAGAIN), -1 on EOF or
 * a socket error: the caller then lets the chardev read the socket itself
 * so that it sees the close and raises CHR_EVENT_CLOSED.
 *
 * Where the main loop still polls the socket (no CAP_SYNC), its thread may
 * wake on the same readability, but it needs the BQL (held here) to
 * dispatch, and by then the bytes are gone: tcp_chr_read takes EAGAIN as
 * "nothing to read".  With CAP_SYNC it does not poll (sclink__watch_start).
 */
static int sclink_read_direct(SclinkPCIState *s, int fd, int64_t deadline)
{
    GPollFD pfd = { .fd = fd, .events = G_IO_IN | G_IO_HUP | G_IO_ERR };
    int64_t timeout_ns = -1;
    uint8_t buf[8 * KiB];
    ssize_t n;
    int r;

    if (deadline) {
        timeout_ns = MAX(deadline - g_get_monotonic_time(), 0) * SCALE_US;
    }
    r = qemu_poll_ns(&pfd, 1, timeout_ns);
    if (r < 0) {
        return errno == EINTR ? 0 : -1;
    }
    if (r == 0) {
        return 0;
    }
    n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
        sclink__chr_read(s, buf, n);
        return 1;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return 0;
    }
    return -1;
}

/*
 * A main loop source calling @cb when the socket @fd hangs up, fails, or
 * its peer half-closes (POLLRDHUP: a TCP peer's FIN raises no POLLHUP).
 */
static GSource *sclink_hangup_watch(SclinkPCIState *s, int fd,
                                    GUnixFDSourceFunc cb)
{
    GSource *w = g_unix_fd_source_new(fd, G_IO_HUP | G_IO_ERR | POLLRDHUP);

    g_source_set_priority(w, G_PRIORITY_HIGH);
    g_source_set_callback(w, (GSourceFunc)(void (*)(void))cb, s, NULL);
    g_source_attach(w, NULL);
    return w;
}

static void sclink_source_drop(GSource **w)
{
    if (*w) {
        g_source_destroy(*w);
        g_source_unref(*w);
        *w = NULL;
    }
}

/*
 * Once the link runs with time windows, the gateway speaks only in answer
 * to a Request or a REACHED (rule J), and every message is consumed inside
 * a wait, or queued until one in deterministic mode.  For a plain socket
 * (sclink_direct_fd) the waits read it themselves, so the main loop need
 * not: if it polled the socket too, every Response would also wake the
 * main loop thread, which would then queue on the BQL behind the vCPU and
 * hand it back late, costing each MMIO access more than the round trip
 * itself.  sclink__chr_can_read() then says 0, the chardev stops polling,
 * and the main loop only watches for hang-up, error or the peer's
 * half-close (POLLRDHUP: a TCP peer's FIN raises no POLLHUP), so a gateway
 * that leaves between waits is still noticed at once.  Free-running, an
 * Interrupt that follows a posted write is then consumed at the next
 * window end rather than on arrival, within Q as rule M asks.
 */
static gboolean sclink_peer_event(gint fd, GIOCondition cond, gpointer opaque)
{
    SclinkPCIState *s = opaque;

    if (s->state == SCLINK_LINK_RUNNING) {
        sclink__take_farewell(s);
    }
    /* The chardev reads the end of stream and reports CLOSED. */
    sclink__watch_stop(s);
    return G_SOURCE_REMOVE;
}

/*
 * The chardev's handlers (its read watch and its own hang-up source) are
 * parked in s->wait_ctx, which only a wait on a non-plain chardev
 * iterates.  Parking rather than a can_read of 0: char-socket disconnects
 * at once on a write error when can_read says 0, closing the socket with
 * the gateway's last words (a Bye) unread.
 */
void sclink__watch_start(SclinkPCIState *s)
{
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);
    int fd = sclink_direct_fd(s);

    if (s->waits_only || fd < 0 || s->state != SCLINK_LINK_RUNNING ||
        !sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        return;
    }
    qemu_chr_be_update_read_handlers(chr, s->wait_ctx);
    s->peer_watch = sclink_hangup_watch(s, fd, sclink_peer_event);
    s->waits_only = true;
    sclink__full_watch_stop(s);  /* the peer watch does its job now */
}

/* The chardev reads the socket in the main loop again. */
void sclink__watch_stop(SclinkPCIState *s)
{
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);

    if (!s->waits_only) {
        return;
    }
    sclink_source_drop(&s->peer_watch);
    s->waits_only = false;
    if (chr) {
        qemu_chr_be_update_read_handlers(chr, NULL);
    }
}

/*
 * The inbox is full and the chardev reads nothing (sclink__chr_can_read):
 * it would not see the end of stream either, and with no wait to come (no
 * CAP_SYNC, a guest that leaves the device alone, a stopped VM) a gateway
 * that leaves would go unnoticed.  A GSource watches the socket for
 * hang-up, error and half-close meanwhile, as the CAP_SYNC one does; when
 * it fires, the gateway's last words are looked for (a bounded read), the
 * inbox is dropped and the chardev reads the end of stream.
 */
static gboolean sclink_full_event(gint fd, GIOCondition cond, gpointer opaque)
{
    SclinkPCIState *s = opaque;

    if (s->state == SCLINK_LINK_RUNNING) {
        sclink__take_farewell(s);
    }
    sclink__drop_inbox(s);
    sclink__full_watch_stop(s);
    return G_SOURCE_REMOVE;
}

static void sclink_full_watch_start(SclinkPCIState *s)
{
    int fd = sclink_direct_fd(s);

    if (s->full_watch || s->waits_only || fd < 0 ||
        s->state != SCLINK_LINK_RUNNING) {
        return;
    }
    s->full_watch = sclink_hangup_watch(s, fd, sclink_full_event);
}

void sclink__full_watch_stop(SclinkPCIState *s)
{
    sclink_source_drop(&s->full_watch);
}

/*
 * The gateway is leaving (hang-up, or a write failed): reads what it sent
 * before, without consuming it, and acts on the first Bye or Error there.
 * Everything else is moot now and dropped; in deterministic mode it must
 * not be consumed outside a wait anyway.  Returns whether one was found.
 *
 * What is read is bounded (SCLINK_PCI_FAREWELL_READS reads of 8 KiB): a
 * write fails also when a gateway that no longer reads goes on writing,
 * and reading that for ever would hang QEMU.  Each read's messages are
 * looked at and dropped before the next, so the inbox does not grow.
 */
bool sclink__take_farewell(SclinkPCIState *s)
{
    int fd = sclink_direct_fd(s);
    int reads = SCLINK_PCI_FAREWELL_READS;
    sclink_msg *m;
    bool found = false;
    bool more = true;

    while (!found && sclink_link_up(s)) {
        while (!found && sclink_link_up(s) && (m = sclink__inbox_pop(s))) {
            switch (m->msg_case) {
            case SCLINK__V1__ENVELOPE__MSG_BYE:
            case SCLINK__V1__ENVELOPE__MSG_ERROR:
                sclink__consume(s, m);
                found = true;
                break;
            default:
                break;
            }
            sclink_msg_free(m);
        }
        if (found || !more || fd < 0 || reads-- <= 0) {
            break;
        }
        /* sclink__chr_read queues what it decodes */
        s->draining = true;
        more = sclink_read_direct(s, fd, g_get_monotonic_time()) > 0;
        s->draining = false;
    }
    sclink__drop_inbox(s);
    return found;
}

/*
 * Blocks until a message of type @want arrives (and, for a Response, with
 * id @id), consuming Interrupts and DMA Requests meanwhile (rules K, L).
 * Returns the message, to be freed by the caller, or NULL when the link
 * failed, was closed or the timeout expired (all reported).
 *
 * Fast path (plain socket chardev, see sclink_direct_fd): poll the socket
 * and read it here, with no GSource, no handler move and no wake-up of the
 * main loop's context.  Otherwise, or once the socket reports EOF or an
 * error, the chardev's read handler is moved to s->wait_ctx and that
 * context iterated until the end of the wait.
 */
sclink_msg *sclink__wait(SclinkPCIState *s,
                         Sclink__V1__Envelope__MsgCase want,
                         uint64_t id, const char *what)
{
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);
    sclink_msg *m, *found = NULL;
    bool expired = false;
    bool moved = false;
    GSource *timeout = NULL;
    int64_t deadline = 0;
    int fd;

    assert(!s->in_wait);
    s->in_wait = true;
    if (s->timeout_ms) {
        deadline = g_get_monotonic_time() + s->timeout_ms * 1000LL;
    }
    s->serve_deadline = deadline;

    while (!found && sclink_link_up(s)) {
        while ((m = sclink__inbox_pop(s))) {
            if (m->msg_case == want) {
                found = m;
                break;
            }
            if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR &&
                s->state == SCLINK_LINK_HELLO_SENT) {
                found = m;  /* the handshake reports it */
                break;
            }
            if (s->state == SCLINK_LINK_HELLO_SENT) {
                sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                                  "%s instead of Welcome",
                                  sclink_msg_name(m));
                sclink_msg_free(m);
                break;
            }
            if (!sclink__consume(s, m)) {
                sclink_msg_free(m);
                goto out;
            }
            sclink_msg_free(m);
        }
        if (found || !sclink_link_up(s)) {
            break;
        }
        if (expired || (deadline && g_get_monotonic_time() >= deadline)) {
            sclink__send_error(s, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT,
                               "QEMU timed out waiting");
            sclink__fail(s, "gateway unresponsive for %u ms (no %s)",
                         s->timeout_ms, what);
            break;
        }
        if (!moved) {
            fd = sclink_direct_fd(s);
            if (fd >= 0 && sclink_read_direct(s, fd, deadline) >= 0) {
                continue;
            }
            /* Not a plain socket, or EOF/error: the chardev takes over. */
            sclink__watch_stop(s);
            qemu_chr_be_update_read_handlers(chr, s->wait_ctx);
            moved = true;
            if (deadline) {
                timeout = g_timeout_source_new(
                    MAX(deadline - g_get_monotonic_time(), 0) / 1000);
                g_source_set_callback(timeout, sclink_wait_timeout,
                                      &expired, NULL);
                g_source_attach(timeout, s->wait_ctx);
            }
        }
        g_main_context_iteration(s->wait_ctx, true);
    }

out:
    if (timeout) {
        g_source_destroy(timeout);
        g_source_unref(timeout);
    }
    if (moved) {
        qemu_chr_be_update_read_handlers(chr, NULL);
    }
    s->serve_deadline = 0;
    s->in_wait = false;

    if (found && found->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE &&
        found->response->id != id) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                          "Response %" PRIu64 " while Request %" PRIu64
                          " is the oldest outstanding",
                          found->response->id, id);
        sclink_msg_free(found);
        return NULL;
    }
    if (!found && s->state == SCLINK_LINK_HELLO_SENT) {
        s->state = SCLINK_LINK_CLOSED;
    }
    return found;
}
