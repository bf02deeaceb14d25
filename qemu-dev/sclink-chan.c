/*
 * sclink-pci: the byte stream to the gateway
 *
 * Two ways to reach a gateway, one property each:
 *
 *  - chardev=ID: a socket chardev, any of its options included (TLS with
 *    tls-creds=, reconnect=).  Only the frontend API is used: the
 *    handlers run in the I/O thread's GMainContext, which alone reads;
 *    a wait is woken by it (sclink-wait.c).
 *
 *  - socket=ADDR (unix:PATH or tcp:HOST:PORT, parsed by socket_parse()
 *    as -incoming's addresses are): the device's own QIOChannelSocket,
 *    connected in realize, as vfio-user connects its socket= property.
 *    Outside waits the I/O thread reads it through a watch in its
 *    context; a wait reads it itself (sclink__chan_read_wait()).  That
 *    saves, on every Response, the I/O thread's wake-up and the hand-over
 *    to the waiting thread, which a chardev cannot: its reader is the
 *    chardev's own, and another thread reading the same stream would race
 *    it.  read_lock keeps the two readers of a socket in stream order.
 *    With tls-creds=ID the socket carries TLS: a QIOChannelTLS over it
 *    (s->chan), its handshake made in realize, then read and written as
 *    the plain socket is; a read takes every record GnuTLS holds, which
 *    poll() on the socket would not see.
 *
 * Locking: read_lock before s->lock (sclink-wait.c: the BQL before both).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/sockets.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "io/channel-socket.h"
#include "io/channel-tls.h"
#include "crypto/tlscreds.h"
#include <poll.h>               /* POLLRDHUP */
#include "sclink-pci.h"

/* The most one read takes from the socket; char-socket reads 4 KiB. */
#define SCLINK_PCI_READ_CHUNK (64 * KiB)

/* Hang-up, error or half-close: a peer's shutdown raises no POLLHUP. */
#define SCLINK_HANGUP (G_IO_HUP | G_IO_ERR | POLLRDHUP)

/* The handshake's end, from its QIOTask in sclink_chan_start_tls's context. */
typedef struct SclinkTlsHandshake {
    bool done;
    Error *err;
} SclinkTlsHandshake;

static void sclink_tls_handshake_done(QIOTask *task, gpointer opaque)
{
    SclinkTlsHandshake *hs = opaque;

    qio_task_propagate_error(task, &hs->err);
    hs->done = true;
}

static bool sclink_tls_handshake_over(void *opaque)
{
    return ((SclinkTlsHandshake *)opaque)->done;
}

/*
 * Iterates @ctx (NULL: the main loop's) until done(@opaque) or @deadline
 * (g_get_monotonic_time() us, 0 = none) passes; whether it was done.  For
 * realize's waits before the link is up, which nothing else drives.
 */
static bool sclink_chan_iterate(GMainContext *ctx, bool (*done)(void *),
                                void *opaque, int64_t deadline)
{
    while (!done(opaque)) {
        if (deadline && g_get_monotonic_time() >= deadline) {
            return false;
        }
        if (!g_main_context_iteration(ctx, false)) {
            g_usleep(500);
        }
    }
    return true;
}

/*
 * TLS over the connected socket, with the credentials object tls-creds=
 * names (an endpoint=client tls-creds-x509 or tls-creds-psk), its
 * handshake driven to its end here, in a context of its own, within
 * `timeout` (for ever with timeout=0): the device has no link before it.
 */
static bool sclink_chan_start_tls(SclinkPCIState *s, SocketAddress *addr, Error **errp)
{
    Object *obj = object_resolve_path_component(object_get_objects_root(),
                                                s->tls_creds_id);
    QCryptoTLSCreds *creds = obj ? (QCryptoTLSCreds *)
        object_dynamic_cast(obj, TYPE_QCRYPTO_TLS_CREDS) : NULL;
    SclinkTlsHandshake hs = { false, NULL };
    QIOChannelTLS *tioc;
    GMainContext *ctx;

    if (!creds) {
        error_setg(errp, "tls-creds=%s: no TLS credentials object of that id",
                   s->tls_creds_id);
        return false;
    }
    if (!qcrypto_tls_creds_check_endpoint(creds,
                                          QCRYPTO_TLS_CREDS_ENDPOINT_CLIENT,
                                          errp)) {
        return false;
    }
    tioc = qio_channel_tls_new_client(QIO_CHANNEL(s->sioc), creds,
                                      addr->type == SOCKET_ADDRESS_TYPE_INET ?
                                      addr->u.inet.host : NULL, errp);
    if (!tioc) {
        return false;
    }
    ctx = g_main_context_new();
    qio_channel_tls_handshake(tioc, sclink_tls_handshake_done, &hs, NULL, ctx);
    sclink_chan_iterate(ctx, sclink_tls_handshake_over, &hs, sclink__deadline(s));
    g_main_context_unref(ctx);
    if (!hs.done || hs.err) {
        if (hs.err) {
            error_propagate(errp, hs.err);
        } else {
            error_setg(errp, "no TLS handshake within %u ms", s->timeout_ms);
        }
        error_prepend(errp, "sclink-pci: TLS with the gateway on socket '%s': ",
                      s->socket_addr);
        object_unref(OBJECT(tioc));
        return false;
    }
    s->chan = QIO_CHANNEL(tioc);
    return true;
}

static bool sclink_chan_open_socket(SclinkPCIState *s, Error **errp)
{
    SocketAddress *addr;
    bool ok = false;

    /* socket_parse() also takes fd:, vsock: and a bare HOST:PORT. */
    if (!g_str_has_prefix(s->socket_addr, "unix:") &&
        !g_str_has_prefix(s->socket_addr, "tcp:")) {
        error_setg(errp, "socket=%s: must be unix:PATH or tcp:HOST:PORT",
                   s->socket_addr);
        return false;
    }
    addr = socket_parse(s->socket_addr, errp);
    if (!addr) {
        error_prepend(errp, "socket=%s: ", s->socket_addr);
        return false;
    }
    s->sioc = qio_channel_socket_new();
    qio_channel_set_name(QIO_CHANNEL(s->sioc), "sclink-pci");
    if (qio_channel_socket_connect_sync(s->sioc, addr, errp) < 0) {
        error_prepend(errp, "sclink-pci cannot reach the gateway on "
                      "socket '%s': ", s->socket_addr);
        goto out;
    }
    /* As chardev's nodelay=on: a small frame must not wait for an ACK. */
    if (addr->type == SOCKET_ADDRESS_TYPE_INET) {
        qio_channel_set_delay(QIO_CHANNEL(s->sioc), false);
    }
    /* The watch and the waits poll; a write has its own deadline. */
    if (qio_channel_set_blocking(QIO_CHANNEL(s->sioc), false, errp) < 0) {
        goto out;
    }
    if (s->tls_creds_id) {
        if (!sclink_chan_start_tls(s, addr, errp)) {
            goto out;
        }
    } else {
        s->chan = QIO_CHANNEL(s->sioc);
        object_ref(OBJECT(s->chan));
    }
    s->rbuf = g_malloc(SCLINK_PCI_READ_CHUNK);
    s->link_label = g_strdup_printf("socket '%s'", s->socket_addr);
    ok = true;
out:
    qapi_free_SocketAddress(addr);
    if (!ok && s->sioc) {
        object_unref(OBJECT(s->sioc));
        s->sioc = NULL;
    }
    return ok;
}

/*
 * Checks the link's properties: one of chardev= and socket=.  Before
 * anything else in realize, so that the one the user forgot is named.
 */
bool sclink__chan_check(SclinkPCIState *s, Error **errp)
{
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);

    if (chr && s->socket_addr) {
        error_setg(errp, "sclink-pci takes chardev= or socket=, not both");
        return false;
    }
    if (!chr && !s->socket_addr) {
        error_setg(errp, "sclink-pci needs a link to its gateway: "
                   "-device sclink-pci,socket=unix:PATH (or tcp:HOST:PORT), "
                   "or -chardev socket,id=ID,path=PATH -device "
                   "sclink-pci,chardev=ID");
        return false;
    }
    if (s->tls_creds_id && !s->socket_addr) {
        error_setg(errp, "sclink-pci: tls-creds= goes with socket=; a "
                   "chardev= takes tls-creds= itself (-chardev socket,...,"
                   "tls-creds=ID)");
        return false;
    }
    if (chr && !qemu_chr_has_feature(chr, QEMU_CHAR_FEATURE_GCONTEXT)) {
        error_setg(errp, "chardev '%s' cannot be used by sclink-pci: it must "
                   "be a socket chardev (unix or tcp)", chr->label);
        return false;
    }
    return true;
}

/* Connects socket=, if that is the link.  Undone by sclink__chan_free(). */
bool sclink__chan_open(SclinkPCIState *s, Error **errp)
{
    if (s->socket_addr) {
        return sclink_chan_open_socket(s, errp);
    }
    s->link_label = g_strdup_printf("chardev '%s'",
                                    qemu_chr_fe_get_driver(&s->chr)->label);
    return true;
}

void sclink__chan_free(SclinkPCIState *s)
{
    if (s->chan) {
        object_unref(OBJECT(s->chan));
        s->chan = NULL;
    }
    if (s->sioc) {
        object_unref(OBJECT(s->sioc));
        s->sioc = NULL;
    }
    g_free(s->rbuf);
    s->rbuf = NULL;
    g_free(s->link_label);
    s->link_label = NULL;
}

/*
 * Writes what it can of @buf without blocking: the bytes written, -EAGAIN
 * when none could be, or the failure's -errno (-EIO when unknown).
 */
ssize_t sclink__chan_write(SclinkPCIState *s, const uint8_t *buf, size_t len)
{
    ssize_t r;

    if (s->sioc) {
        r = qio_channel_write(s->chan, (const char *)buf, len, NULL);
        if (r == QIO_CHANNEL_ERR_BLOCK) {
            return -EAGAIN;
        }
    } else {
        r = qemu_chr_fe_write(&s->chr, buf, len);
    }
    if (r > 0) {
        return r;
    }
    if (r < 0 && errno == EAGAIN) {
        return -EAGAIN;
    }
    return r == 0 || !errno ? -EIO : -errno;
}

/* The chardev's handlers, in the I/O thread. */
static int sclink_chr_can_read(void *opaque)
{
    SclinkPCIState *s = opaque;
    size_t room;

    qemu_mutex_lock(&s->lock);
    room = sclink__rx_room_locked(s);
    qemu_mutex_unlock(&s->lock);
    return MIN(room, SCLINK_PCI_READ_CHUNK);
}

static void sclink_chr_read(void *opaque, const uint8_t *buf, int size)
{
    sclink__rx_bytes(opaque, buf, size);
}

static void sclink_chr_event(void *opaque, QEMUChrEvent event)
{
    if (event == CHR_EVENT_CLOSED) {
        sclink__rx_closed(opaque);
    }
}

static gboolean sclink_chr_hangup(void *do_not_use, GIOCondition cond,
                                  void *opaque)
{
    sclink__rx_peer_left(opaque);
    return G_SOURCE_REMOVE;
}

/*
 * One read of the socket, under read_lock: what it gives goes to the
 * inbox, its end (0, or an error) ends the stream.  Returns false when
 * nothing was there.
 */
static bool sclink_sock_read(SclinkPCIState *s)
{
    bool tls = s->tls_creds_id;
    bool got = false;
    ssize_t n;

    /* TLS: one read gives one record; the rest is GnuTLS's, not poll's. */
    do {
        n = qio_channel_read(s->chan, (char *)s->rbuf, SCLINK_PCI_READ_CHUNK,
                             NULL);
        if (n == QIO_CHANNEL_ERR_BLOCK) {
            return got;
        }
        got = true;
        if (n <= 0) {
            sclink__rx_closed(s);
            return true;
        }
        sclink__rx_bytes(s, s->rbuf, n);
    } while (tls && !sclink__rx_ended(s));
    return true;
}

/*
 * The socket's watch, in the I/O thread.  It goes when the inbox is full
 * or the stream over; sclink__chan_resume_locked() brings it back.
 */
static gboolean sclink_sock_readable(QIOChannel *ioc, GIOCondition cond,
                                     void *opaque)
{
    SclinkPCIState *s = opaque;
    GSource *gone = NULL;
    bool room;

    qemu_mutex_lock(&s->read_lock);
    qemu_mutex_lock(&s->lock);
    room = sclink__rx_room_locked(s) > 0;
    qemu_mutex_unlock(&s->lock);
    if (room) {
        sclink_sock_read(s);
    }
    qemu_mutex_lock(&s->lock);
    room = sclink__rx_room_locked(s) > 0;
    if (!room) {
        gone = s->sock_src;
        s->sock_src = NULL;
    }
    qemu_mutex_unlock(&s->lock);
    qemu_mutex_unlock(&s->read_lock);
    if (room) {
        return G_SOURCE_CONTINUE;
    }
    if (gone) {
        g_source_unref(gone);
    }
    return G_SOURCE_REMOVE;
}

static gboolean sclink_sock_hangup(QIOChannel *ioc, GIOCondition cond,
                                   void *opaque)
{
    sclink__rx_peer_left(opaque);
    return G_SOURCE_REMOVE;
}

/*
 * The inbox has room again (or the I/O thread starts): the reader is to
 * ask for bytes again.  Under s->lock.
 */
void sclink__chan_resume_locked(SclinkPCIState *s)
{
    if (!s->sioc) {
        /*
         * The chardev asks sclink_chr_can_read() when its context wakes
         * (qemu_chr_fe_accept_input() would only wake the main loop: the
         * socket chardev has no chr_accept_input, in 7.2 as in 10.x).
         */
        g_main_context_wakeup(s->io_ctx);
        return;
    }
    if (!s->sock_src && !s->rx_detached && sclink__rx_room_locked(s)) {
        s->sock_src = qio_channel_add_watch_source(s->chan,
                                                   G_IO_IN | SCLINK_HANGUP,
                                                   sclink_sock_readable, s,
                                                   NULL, s->io_ctx);
    }
}

/* Gives the I/O thread the stream to read. */
void sclink__chan_attach(SclinkPCIState *s)
{
    if (!s->sioc) {
        qemu_chr_fe_set_handlers(&s->chr, sclink_chr_can_read,
                                 sclink_chr_read, sclink_chr_event, NULL, s,
                                 s->io_ctx, true);
        return;
    }
    qemu_mutex_lock(&s->lock);
    sclink__chan_resume_locked(s);
    qemu_mutex_unlock(&s->lock);
}

/*
 * Takes the stream back from the I/O thread, which is stopped: nothing
 * will read it outside waits from now on.
 */
void sclink__chan_detach(SclinkPCIState *s)
{
    GSource *src;

    if (!s->sioc) {
        qemu_chr_fe_set_handlers(&s->chr, NULL, NULL, NULL, NULL, NULL, NULL,
                                 true);
        return;
    }
    qemu_mutex_lock(&s->lock);
    s->rx_detached = true;
    src = s->sock_src;
    s->sock_src = NULL;
    qemu_mutex_unlock(&s->lock);
    if (src) {
        g_source_destroy(src);
        g_source_unref(src);
    }
}

/*
 * The inbox is full and nothing reads: watch for the gateway leaving
 * (sclink__rx_peer_left()).  In the I/O thread.
 */
void sclink__chan_watch_hangup(SclinkPCIState *s)
{
    if (!s->sioc) {
        qemu_chr_fe_add_watch(&s->chr, SCLINK_HANGUP, sclink_chr_hangup, s);
        return;
    }
    /* The context holds the source until it fires or the thread ends. */
    g_source_unref(qio_channel_add_watch_source(s->chan,
                                                SCLINK_HANGUP,
                                                sclink_sock_hangup, s, NULL,
                                                s->io_ctx));
}

/*
 * Closes the stream so that the gateway sees its end.  A chardev is
 * closed in the I/O thread, never under its reader's feet; a socket is
 * shut down, and freed with the device (sclink__chan_free()).
 */
void sclink__chan_disconnect(SclinkPCIState *s)
{
    if (s->sioc) {
        qio_channel_shutdown(s->chan, QIO_CHANNEL_SHUTDOWN_BOTH,
                             NULL);
    } else if (qemu_chr_fe_backend_open(&s->chr)) {
        qemu_chr_fe_disconnect(&s->chr);
    }
}

/*
 * Before Hello: a chardev whose connection is not up yet (a TLS chardev
 * still in its handshake) is waited for, at most `timeout`.  The socket
 * chardev runs that handshake in the GMainContext it had when it
 * connected, the main loop's, which does not run yet while -device
 * realizes, so the wait iterates that context itself (with the BQL, as
 * the main loop would).  A chardev already open, and socket=, wait for
 * nothing.
 */
static bool sclink_chr_open(void *opaque)
{
    return qemu_chr_fe_backend_open(&((SclinkPCIState *)opaque)->chr);
}

bool sclink__chan_wait_open(SclinkPCIState *s, Error **errp)
{
    if (s->sioc ||
        sclink_chan_iterate(NULL, sclink_chr_open, s, sclink__deadline(s))) {
        return true;
    }
    error_setg(errp, "sclink-pci: %s did not connect within %u ms "
               "(with tls-creds=: the TLS handshake did not end; "
               "does the gateway speak TLS?)", s->link_label, s->timeout_ms);
    return false;
}

/*
 * A wait's own read of a socket= link: reads once, blocking until
 * something arrives, the stream ends or @deadline (g_get_monotonic_time()
 * us, 0 = none) passes.  Called with the turn, without s->lock.  When the
 * I/O thread's watch fires meanwhile, it waits for read_lock, and then
 * finds the bytes taken.  (A chardev is read by its I/O thread alone.)
 */
void sclink__chan_read_wait(SclinkPCIState *s, int64_t deadline)
{
    struct pollfd pfd = { .fd = s->sioc->fd, .events = POLLIN };
    int64_t left;
    int ms;

    qemu_mutex_lock(&s->read_lock);
    while (sclink__rx_idle(s) && !sclink_sock_read(s)) {
        ms = -1;
        if (deadline) {
            left = deadline - g_get_monotonic_time();
            if (left <= 0) {
                break;
            }
            ms = MIN((left + 999) / 1000, INT_MAX);
        }
        if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
            sclink__rx_closed(s);
            break;
        }
    }
    qemu_mutex_unlock(&s->read_lock);
}
