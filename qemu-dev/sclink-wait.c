/*
 * sclink-pci: the I/O thread, the inbox, the turn and the waits
 *
 * The reader: outside waits, the GMainContext of the device's own
 * IOThread reads the link (sclink-chan.c: a chardev's frontend handlers,
 * given once with a context as the monitor's out-of-band mode does, or
 * a watch on the device's socket).  It decodes what the gateway sends
 * into the inbox, in order, followed by the end of the stream (end of
 * file, an error, or garbage), and signals rx_cond.  A wait on a socket
 * reads it itself (sclink__chan_read_wait()); on a chardev it is woken.
 *
 * The inbox is consumed under the BQL by whoever holds the device's turn:
 * a wait (for the Welcome, a Response, a GRANT or a RESET_DONE) blocks
 * on rx_cond until its message arrives, serving Interrupts and DMA
 * meanwhile; outside waits, free-running, a main-loop bottom half serves
 * what arrives; in deterministic mode (rule K) messages stay queued until
 * the next wait, and only the end of the stream is acted on at once.
 *
 * Locking (doc/qemu-device.md, "Locking"):
 *  - s->lock guards the inbox, the decoder, rx_end and the turn.  Order:
 *    the BQL, then a socket's read_lock (sclink-chan.c), then s->lock;
 *    the BQL is never taken with either held, and nothing is written to
 *    the link with s->lock held (a chardev's write calls can_read, which
 *    takes s->lock).
 *  - The turn is the right to one exchange with the gateway: an MMIO
 *    access (Request and Response), a window end (REACHED and GRANT), a
 *    reset (RESET and RESET_DONE), the inbox served outside waits, a
 *    PAUSED/RESUMED or a Bye.  Its holder alone sends, consumes the inbox
 *    and changes the link's state and time.  The protocol allows one
 *    outstanding Request: a second vCPU's access waits for the turn (the
 *    first access's Response), then sends its own Request.
 *  - Without -icount, vCPUs run in threads of their own (MTTCG), and the
 *    waits for a Response or a GRANT release the BQL while they block, as
 *    does a wait for the turn: other vCPUs run on, and the main loop too.
 *    The BQL is taken back before a message is consumed (memory, IRQs,
 *    DMA) and before returning.
 *  - Under -icount all vCPUs run in one thread in turn, and every wait
 *    keeps the BQL: releasing it would gain no parallelism and would let
 *    the main loop interleave with the vCPU at host-dependent points.
 *    The turn is then never held by another thread while one asks for
 *    it, so asking for a held turn means re-entry, refused.
 *  - The handshake and a reset keep the BQL in all modes: the first runs
 *    in realize, the second amid the reset of the whole machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "block/aio.h"
#include "sclink-pci.h"
#include "trace.h"

/*
 * The inbox: decoded gateway messages not yet consumed, with the heap
 * each occupies (sclink_decoder_msg_heap), so that what it holds can be
 * bounded (sclink__rx_room_locked).  Under s->lock.
 */
typedef struct SclinkQueued {
    sclink_msg *m;
    size_t heap;
} SclinkQueued;

static void sclink_inbox_push(SclinkPCIState *s, sclink_msg *m, size_t heap)
{
    SclinkQueued *q = g_new(SclinkQueued, 1);

    trace_sclink_recv(sclink_name(s), sclink_msg_name(m), heap);
    q->m = m;
    q->heap = heap;
    s->inbox_heap += heap;
    g_queue_push_tail(&s->inbox, q);
}

/*
 * The oldest message, to be freed by the caller, and its heap; NULL when
 * empty.  When the inbox falls below its bound, the I/O thread reads on.
 */
static sclink_msg *sclink_inbox_pop_locked(SclinkPCIState *s, size_t *heap)
{
    SclinkQueued *q = g_queue_pop_head(&s->inbox);
    bool was_full = s->inbox_heap >= SCLINK_PCI_INBOX_MAX;
    sclink_msg *m;

    if (!q) {
        return NULL;
    }
    m = q->m;
    s->inbox_heap -= q->heap;
    if (heap) {
        *heap = q->heap;
    }
    g_free(q);
    if (was_full && s->inbox_heap < SCLINK_PCI_INBOX_MAX) {
        sclink__chan_resume_locked(s);
    }
    return m;
}

void sclink__drop_inbox(SclinkPCIState *s)
{
    sclink_msg *m;

    qemu_mutex_lock(&s->lock);
    while ((m = sclink_inbox_pop_locked(s, NULL))) {
        sclink_msg_free(m);
    }
    qemu_mutex_unlock(&s->lock);
}

/*
 * Something arrived (a message, the end of the stream) or the turn was
 * given: the turn's holder is to be told (it may be waiting: true is
 * returned, and the caller signals rx_cond once it has released s->lock,
 * so that the waiter does not wake into a held mutex), or, with nobody
 * holding it, the main loop serves it: every message when free-running,
 * only the end of the stream in deterministic mode (rule K).
 */
static bool sclink_rx_kick_locked(SclinkPCIState *s)
{
    if (s->turn_held) {
        return true;
    }
    /* No serve_bh once the device is gone (sclink__io_stop). */
    if (s->serve_bh &&
        (s->rx_end != SCLINK_RX_OPEN || s->peer_left ||
         (!s->deterministic && !g_queue_is_empty(&s->inbox)))) {
        qemu_bh_schedule(s->serve_bh);
    }
    return false;
}

/*
 * In the I/O thread, once per fill: while the inbox is full the chardev
 * reads nothing, so it would see no end of stream either, and with no
 * wait to come (no CAP_SYNC, a guest that leaves the device alone) a
 * gateway that leaves would go unnoticed.  A watch on the link
 * (sclink__chan_watch_hangup(), in the I/O thread's context) looks for
 * hang-up, error and half-close; when it fires, the gateway's last words
 * are looked for in the inbox and the rest dropped (sclink_serve), and
 * the reader reads on to the end of stream.
 */
void sclink__rx_peer_left(SclinkPCIState *s)
{
    bool tell;

    qemu_mutex_lock(&s->lock);
    s->full_watch = false;
    s->peer_left = true;
    tell = sclink_rx_kick_locked(s);
    qemu_mutex_unlock(&s->lock);
    if (tell) {
        qemu_cond_signal(&s->rx_cond);
    }
}

/*
 * How many bytes the reader may take now: nothing once the stream ended
 * or reading stopped, nor while the inbox holds SCLINK_PCI_INBOX_MAX of
 * heap: a gateway that floods is then held back by the socket until a
 * wait or the main loop drains the inbox, instead of growing QEMU without
 * bound.  Under s->lock.
 */
size_t sclink__rx_room_locked(SclinkPCIState *s)
{
    return s->rx_end != SCLINK_RX_OPEN || s->rx_stopped ||
           s->inbox_heap >= SCLINK_PCI_INBOX_MAX ?
           0 : SCLINK_PCI_INBOX_MAX - s->inbox_heap;
}

/* Whether the reader is to stop: the stream ended, or the inbox is full. */
bool sclink__rx_ended(SclinkPCIState *s)
{
    bool ended;

    qemu_mutex_lock(&s->lock);
    ended = !sclink__rx_room_locked(s);
    qemu_mutex_unlock(&s->lock);
    return ended;
}

/* Whether a wait is to read: the stream is open and the inbox empty. */
bool sclink__rx_idle(SclinkPCIState *s)
{
    bool idle;

    qemu_mutex_lock(&s->lock);
    idle = sclink__rx_room_locked(s) && g_queue_is_empty(&s->inbox);
    qemu_mutex_unlock(&s->lock);
    return idle;
}

/* From the reader: decodes into the inbox. */
void sclink__rx_bytes(SclinkPCIState *s, const uint8_t *buf, size_t size)
{
    bool tell = false, watch = false;
    sclink_msg *m;
    int r;

    qemu_mutex_lock(&s->lock);
    if (s->rx_end != SCLINK_RX_OPEN || s->rx_stopped) {
        goto out;
    }
    r = sclink_decoder_feed(&s->dec, buf, size);
    while (r >= 0 && (r = sclink_decoder_next(&s->dec, &m)) == 1) {
        sclink_inbox_push(s, m, sclink_decoder_msg_heap(&s->dec));
    }
    if (r < 0) {
        /* Garbage on the link: the stream has lost its framing. */
        s->rx_end = SCLINK_RX_GARBAGE;
        s->rx_code = sclink_error_code(r);
        s->rx_reason = g_strdup(sclink_decoder_reason(&s->dec));
    }
    if (s->inbox_heap >= SCLINK_PCI_INBOX_MAX && !s->full_watch) {
        s->full_watch = watch = true;
    }
    tell = sclink_rx_kick_locked(s);
out:
    qemu_mutex_unlock(&s->lock);
    if (tell) {
        qemu_cond_signal(&s->rx_cond);
    }
    if (watch) {
        sclink__chan_watch_hangup(s);
    }
}

/*
 * From the reader, or from the thread whose write or disconnect closed a
 * chardev.  The reader delivers all it read before the end, so what the
 * gateway sent before leaving is in the inbox, ahead of the end.
 */
void sclink__rx_closed(SclinkPCIState *s)
{
    bool tell;

    qemu_mutex_lock(&s->lock);
    if (s->rx_end == SCLINK_RX_OPEN) {
        s->rx_end = SCLINK_RX_CLOSED;
    }
    tell = sclink_rx_kick_locked(s);
    qemu_mutex_unlock(&s->lock);
    if (tell) {
        qemu_cond_signal(&s->rx_cond);
    }
}

/*
 * The next message, waiting for it until @deadline (g_get_monotonic_time()
 * us, 0 = none); NULL when the stream ended (*end says how) or the
 * deadline passed (*end is SCLINK_RX_OPEN).  Called with the BQL and the
 * turn; releases the BQL while it blocks if the link runs with unlocked
 * waits (see the top of this file), and returns with it.
 */
static sclink_msg *sclink_rx_take(SclinkPCIState *s, int64_t deadline,
                                  SclinkRxEnd *end, size_t *heap)
{
    bool unlock = s->unlocked_waits && s->state == SCLINK_LINK_RUNNING &&
                  !s->in_reset;
    bool unlocked = false;
    sclink_msg *m;
    int64_t left;

    qemu_mutex_lock(&s->lock);
    while (!(m = sclink_inbox_pop_locked(s, heap)) &&
           s->rx_end == SCLINK_RX_OPEN) {
        left = deadline ? deadline - g_get_monotonic_time() : 0;
        if (deadline && left <= 0) {
            break;
        }
        if (unlock && !unlocked) {
            bql_unlock();
            unlocked = true;
        }
        if (s->sioc) {
            /* A socket: read it here (sclink-chan.c says why). */
            qemu_mutex_unlock(&s->lock);
            sclink__chan_read_wait(s, deadline);
            qemu_mutex_lock(&s->lock);
            continue;
        }
        /* A chardev: its I/O thread reads, then signals rx_cond. */
        if (deadline) {
            qemu_cond_timedwait(&s->rx_cond, &s->lock, (left + 999) / 1000);
        } else {
            qemu_cond_wait(&s->rx_cond, &s->lock);
        }
    }
    *end = m ? SCLINK_RX_OPEN : s->rx_end;
    qemu_mutex_unlock(&s->lock);
    if (unlocked) {
        bql_lock();
    }
    return m;
}

/*
 * The stream ended and the inbox is empty: what the end means.  Called by
 * the turn's holder.
 */
static void sclink_rx_ended(SclinkPCIState *s, SclinkRxEnd end)
{
    if (end == SCLINK_RX_GARBAGE) {
        sclink__violation(s, s->rx_code, "gateway sent garbage: %s",
                          s->rx_reason);
        return;
    }
    switch (s->state) {
    case SCLINK_LINK_CLOSED:
        break;
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

/*
 * The gateway is leaving (the stream ended, or a write failed): looks
 * through what it sent before for a Bye or an Error, and acts on the
 * first; everything else is moot now and dropped (in deterministic mode
 * it must not be consumed outside a wait anyway).  With @wait (a write
 * failed, so the stream's end is near), also takes what the I/O thread
 * still delivers until the end, for SCLINK_PCI_ERROR_GRACE_MS at most;
 * without, only what the inbox holds.  At most SCLINK_PCI_FAREWELL_HEAP
 * of messages is looked at: a gateway that no longer reads may go on
 * writing for ever.  Returns whether a Bye or an Error was found.
 */
bool sclink__take_farewell(SclinkPCIState *s, bool wait)
{
    /* Without @wait a deadline long past: sclink_rx_take() never blocks. */
    int64_t deadline = wait ? g_get_monotonic_time() +
                              SCLINK_PCI_ERROR_GRACE_MS * 1000LL : 1;
    size_t seen = 0, heap = 0;
    SclinkRxEnd end;
    sclink_msg *m;
    bool found = false;

    while (!found && sclink_link_up(s) && seen < SCLINK_PCI_FAREWELL_HEAP &&
           (m = sclink_rx_take(s, deadline, &end, &heap))) {
        seen += heap;
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
            m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
            sclink__consume(s, m);
            found = true;
        }
        sclink_msg_free(m);
    }
    sclink__drop_inbox(s);
    return found;
}

/*
 * The main loop's share (serve_bh): with the turn free, serves what
 * arrived outside waits.  Free-running, every message as it comes, like
 * a wait does; in deterministic mode only the end of the stream, and then
 * the gateway's last words (a Bye or an Error) waiting in the inbox.
 * Like a wait, serving takes `timeout` at most: the writes of the DMA
 * Responses end by then (sclink_write_deadline).
 */
static void sclink_serve(void *opaque)
{
    SclinkPCIState *s = opaque;
    SclinkRxEnd end;
    sclink_msg *m;
    bool left;

    if (!sclink__turn_try(s)) {
        return;     /* the holder serves it, or kicks again when done */
    }
    s->serve_deadline = sclink__deadline(s);
    for (;;) {
        /* The end is read with the last pop: nothing can come after it. */
        qemu_mutex_lock(&s->lock);
        m = !s->deterministic && sclink_link_up(s) ?
            sclink_inbox_pop_locked(s, NULL) : NULL;
        if (!m) {
            end = s->rx_end;
            left = s->peer_left;
            s->peer_left = false;
        }
        qemu_mutex_unlock(&s->lock);
        if (!m) {
            break;
        }
        if (s->state == SCLINK_LINK_RUNNING ||
            s->state == SCLINK_LINK_CLOSING) {
            sclink__consume(s, m);
        }
        sclink_msg_free(m);
    }
    if ((left || (s->deterministic && end != SCLINK_RX_OPEN)) &&
        s->state == SCLINK_LINK_RUNNING) {
        /* The inbox is dropped after: the chardev reads on to the end. */
        sclink__take_farewell(s, false);
    }
    if (end != SCLINK_RX_OPEN && sclink_link_up(s)) {
        sclink__drop_inbox(s);
        sclink_rx_ended(s, end);
    }
    s->serve_deadline = 0;
    sclink__turn_give(s);
}

/*
 * In the I/O thread (close_bh): the link is closed by the thread that
 * reads it, never under its reader's feet.
 */
static void sclink_disconnect(void *opaque)
{
    sclink__chan_disconnect(opaque);
}

/*
 * Closes the chardev once the link is CLOSED (section 11.1: send Error,
 * close), so the gateway sees end-of-stream instead of a silent peer.  The
 * CHR_EVENT_CLOSED this raises finds the link CLOSED and does nothing, and
 * every later access fails at once on the CLOSED state.
 */
void sclink__close(SclinkPCIState *s)
{
    qemu_mutex_lock(&s->lock);
    s->rx_stopped = true;
    qemu_mutex_unlock(&s->lock);
    if (s->close_bh) {
        qemu_bh_schedule(s->close_bh);
    }
}

/* The frame limit agreed in the Welcome, for the I/O thread's decoder. */
void sclink__set_max_frame(SclinkPCIState *s, uint32_t max_frame)
{
    qemu_mutex_lock(&s->lock);
    sclink_decoder_set_max_frame(&s->dec, max_frame);
    qemu_mutex_unlock(&s->lock);
}

/*
 * The lock and its conditions live as long as the object, not the
 * realized device: a vCPU whose access waited for the turn when the
 * device was unplugged takes it after sclink_pci_exit() and finds the
 * link closed.  QEMU finalizes the object only after that access has
 * returned (the memory regions hold a reference on their owner until
 * the flat view that maps them is freed, after RCU readers such as an
 * access in flight are done).
 */
void sclink__io_init(SclinkPCIState *s)
{
    qemu_mutex_init(&s->read_lock);
    qemu_mutex_init(&s->lock);
    qemu_cond_init(&s->rx_cond);
    qemu_cond_init(&s->turn_cond);
}

void sclink__io_finalize(SclinkPCIState *s)
{
    qemu_cond_destroy(&s->turn_cond);
    qemu_cond_destroy(&s->rx_cond);
    qemu_mutex_destroy(&s->lock);
    qemu_mutex_destroy(&s->read_lock);
}

/*
 * Starts the I/O thread (an internal IOThread, "sclink-pci-ioN") and
 * gives it the link to read.  Undone by sclink__io_stop().
 */
bool sclink__io_start(SclinkPCIState *s, Error **errp)
{
    static unsigned count;
    g_autofree char *id = g_strdup_printf("sclink-pci-io%u", count++);

    g_queue_init(&s->inbox);
    /* Section 3.2: Hello and Welcome travel under the default 1 MiB. */
    sclink_decoder_init(&s->dec, SCLINK_DEFAULT_MAX_FRAME);
    s->serve_bh = qemu_bh_new(sclink_serve, s);
    s->iothread = iothread_create(id, errp);
    if (!s->iothread) {
        return false;
    }
    s->io_ctx = iothread_get_g_main_context(s->iothread);
    s->close_bh = aio_bh_new(iothread_get_aio_context(s->iothread),
                             sclink_disconnect, s);
    sclink__chan_attach(s);
    return true;
}

/*
 * Stops the I/O thread and (no reader left) takes the link back from it,
 * freeing nothing; a close requested but not yet done by the I/O
 * thread is done here.  Called again, it does nothing.
 *
 * QEMU frees its chardevs in qemu_cleanup() without unrealizing devices,
 * so the shutdown notifier calls this first, as monitor_cleanup() stops
 * the monitor's I/O thread before qemu_chr_cleanup(): otherwise the I/O
 * thread, reading the gateway's end-of-stream after a Bye, runs the
 * socket chardev's disconnect (which takes chr_write_lock) while the main
 * thread destroys the chardev under it.
 */
void sclink__io_quiesce(SclinkPCIState *s)
{
    if (!s->iothread) {
        return;
    }
    iothread_stop(s->iothread);
    sclink__chan_detach(s);
    if (s->rx_stopped) {
        sclink_disconnect(s);
    }
}

/*
 * Stops the I/O thread, then frees what the link held, as the monitor
 * does with its I/O thread: stopped first, the chardev moved off its
 * context, destroyed last.  Called with the turn given back and the link
 * CLOSED; an access that takes the turn afterwards fails at once.
 */
void sclink__io_stop(SclinkPCIState *s)
{
    if (s->iothread) {
        sclink__io_quiesce(s);
        qemu_bh_delete(s->close_bh);
        s->close_bh = NULL;
        iothread_destroy(s->iothread);
        s->iothread = NULL;
    }
    qemu_mutex_lock(&s->lock);
    if (s->serve_bh) {          /* none when realize failed before it */
        qemu_bh_delete(s->serve_bh);
        s->serve_bh = NULL;
    }
    qemu_mutex_unlock(&s->lock);
    sclink__drop_inbox(s);
    sclink_decoder_free(&s->dec);
    g_free(s->rx_reason);
    s->rx_reason = NULL;
    sclink__chan_free(s);
}

/*
 * Takes the device's turn on the link (see the top of this file); called
 * with the BQL.  When another thread holds it (a vCPU waiting for its
 * Response with the BQL released, or the main loop for a GRANT), waits
 * until it is given, with the BQL released meanwhile, and returns with
 * both.  Returns false, without the turn, when the calling thread holds
 * it already (a DMA served in a wait that targets this function's own
 * BAR must fail, not deadlock), or another does while the BQL must be
 * kept (-icount: only a re-entry can get here).
 */
bool sclink__turn_take(SclinkPCIState *s)
{
    bool unlocked = false;
    bool ok = true;

    qemu_mutex_lock(&s->lock);
    while (s->turn_held) {
        if (qemu_thread_is_self(&s->turn_owner) || !s->unlocked_waits) {
            ok = false;
            break;
        }
        if (!unlocked) {
            bql_unlock();
            unlocked = true;
        }
        qemu_cond_wait(&s->turn_cond, &s->lock);
    }
    if (ok) {
        s->turn_held = true;
        qemu_thread_get_self(&s->turn_owner);
    }
    qemu_mutex_unlock(&s->lock);
    if (unlocked) {
        bql_lock();
    }
    return ok;
}

/* Takes the turn if nobody holds it; never waits. */
bool sclink__turn_try(SclinkPCIState *s)
{
    bool ok;

    qemu_mutex_lock(&s->lock);
    ok = !s->turn_held;
    if (ok) {
        s->turn_held = true;
        qemu_thread_get_self(&s->turn_owner);
    }
    qemu_mutex_unlock(&s->lock);
    return ok;
}

/*
 * Gives the turn back: to the next access waiting for it, and to the
 * main loop for what arrived meanwhile and no wait consumed.
 */
void sclink__turn_give(SclinkPCIState *s)
{
    qemu_mutex_lock(&s->lock);
    s->turn_held = false;
    sclink_rx_kick_locked(s);     /* nobody holds it: never tells */
    qemu_mutex_unlock(&s->lock);
    qemu_cond_signal(&s->turn_cond);
}

/*
 * Blocks until a message of type @want arrives (and, for a Response, with
 * id @id), consuming Interrupts and DMA Requests meanwhile (rules K, L).
 * Returns the message, to be freed by the caller, or NULL when the link
 * failed, was closed or the timeout expired (all reported).  Called with
 * the BQL and the turn; sclink_rx_take() releases the BQL while it
 * blocks when the link runs with unlocked waits.
 */
sclink_msg *sclink__wait(SclinkPCIState *s,
                         Sclink__V1__Envelope__MsgCase want,
                         uint64_t id, const char *what)
{
    sclink_msg *m, *found = NULL;
    int64_t deadline;
    SclinkRxEnd end;
    char why[128];

    assert(!s->in_wait);
    s->in_wait = true;
    deadline = sclink__deadline(s);
    s->serve_deadline = deadline;

    while (!found && sclink_link_up(s)) {
        m = sclink_rx_take(s, deadline, &end, NULL);
        if (!m && end != SCLINK_RX_OPEN) {
            sclink_rx_ended(s, end);
            break;
        }
        if (!m) {
            sclink__send_error(s, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT,
                               "QEMU timed out waiting");
            sclink__fail(s, "gateway unresponsive for %u ms (no %s)",
                         s->timeout_ms, what);
            break;
        }
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
                              "%s instead of Welcome", sclink_msg_name(m));
            sclink_msg_free(m);
            break;
        }
        if (!sclink__consume(s, m)) {
            sclink_msg_free(m);
            break;
        }
        sclink_msg_free(m);
    }

    s->serve_deadline = 0;
    s->in_wait = false;

    if (found && found->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE &&
        sclink_response_match(true, id, found->response, why, sizeof(why))) {
        sclink__violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE, "%s", why);
        sclink_msg_free(found);
        return NULL;
    }
    if (!found && s->state == SCLINK_LINK_HELLO_SENT) {
        s->state = SCLINK_LINK_CLOSED;
    }
    return found;
}
