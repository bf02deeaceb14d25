/*
 * sclink-pci: a PCI function served by a SystemC/TLM-2.0 gateway
 *
 *   -chardev socket,id=sc0,path=/tmp/gw.sock -device sclink-pci,chardev=sc0
 *
 * At realize the device sends Hello over the chardev and builds its PCI
 * identity, BARs and interrupt (INTx, MSI or MSI-X) from the gateway's
 * Welcome.  Guest accesses to the BARs become Requests answered by
 * Responses; the gateway sends Interrupts and DMA Requests back.  With
 * CAP_SYNC, virtual time advances in windows granted by the gateway.
 * doc/protocol.md in the sclink tree is the normative specification and
 * doc/qemu-device.md describes this device.
 *
 * Blocking I/O: a wait (for the Welcome, a Response or a GRANT) on a plain
 * unix/tcp socket chardev polls the socket and reads it directly into the
 * decoder; on EOF or error, and for TLS, websocket or telnet sockets, it
 * moves the chardev's read handler to a private GMainContext and iterates
 * that context until the awaited message arrives or the timeout expires
 * (see sclink_wait).  Outside waits the handler runs in the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/option.h"
#include "qemu/config-file.h"
#include "qemu/bswap.h"
#include "qemu/host-utils.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "migration/vmstate.h"
#include "chardev/char.h"
#include "chardev/char-socket.h"
#include <glib-unix.h>
#include <poll.h>               /* POLLRDHUP */
#include "sclink-pci.h"

#define SCLINK_CAPS_OFFERED (SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES | \
                             SCLINK__V1__CAPABILITY__CAP_DMA | \
                             SCLINK__V1__CAPABILITY__CAP_INTX | \
                             SCLINK__V1__CAPABILITY__CAP_MSI | \
                             SCLINK__V1__CAPABILITY__CAP_MSIX | \
                             SCLINK__V1__CAPABILITY__CAP_SYNC | \
                             SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD | \
                             SCLINK__V1__CAPABILITY__CAP_PAUSE)

static bool sclink_has_cap(SclinkPCIState *s, uint64_t cap)
{
    return (s->caps & cap) != 0;
}

static const char *sclink_name(SclinkPCIState *s)
{
    DeviceState *dev = DEVICE(s);

    return dev->id ? dev->id : TYPE_SCLINK_PCI;
}

/* ------------------------------------------------------------ link I/O */

static bool sclink_link_up(SclinkPCIState *s)
{
    return s->state != SCLINK_LINK_CLOSED;
}

static void G_GNUC_PRINTF(2, 3) sclink_fail(SclinkPCIState *s,
                                            const char *fmt, ...);
static bool sclink_take_farewell(SclinkPCIState *s);

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
    int64_t deadline = s->timeout_ms ? now + s->timeout_ms * 1000LL : 0;

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
    int r;

    while (done < len) {
        r = qemu_chr_fe_write(&s->chr, buf + done, len - done);
        if (r > 0) {
            done += r;
            continue;
        }
        if (r == 0 || errno != EAGAIN) {
            return r == 0 || !errno ? -EIO : -errno;
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
 * stalls, here or in a wait (sclink_wait), likewise.  On a
 * stream socket a write fails only when the peer has gone (EPIPE,
 * ECONNRESET) or the chardev has already dropped the connection (EIO);
 * QEMU's socket chardev reports all of them as EINVAL (io_channel_send_full
 * in chardev/char-io.c), so errno adds nothing there.
 */
static void sclink_fail_write(SclinkPCIState *s, const sclink_msg *m, int err)
{
    if (err == -ETIMEDOUT) {
        sclink_fail(s, "gateway unresponsive for %u ms (it did not take "
                    "the %s QEMU was sending)",
                    s->timeout_ms, sclink_msg_name(m));
        return;
    }
    sclink_fail(s, "gateway closed the link without Bye (sending %s: %s)",
                sclink_msg_name(m),
                err == -EINVAL ? "the write failed" : g_strerror(-err));
}

/* Encodes and writes one message; false if the link cannot take it. */
static bool sclink_send(SclinkPCIState *s, const sclink_msg *m)
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
    r = sclink_write(s, b.base, b.len,
                     sclink_write_deadline(s, m->msg_case ==
                                           SCLINK__V1__ENVELOPE__MSG_ERROR));
    sclink_buf_free(&b);
    if (!r) {
        return true;
    }
    if (s->state == SCLINK_LINK_RUNNING && sclink_take_farewell(s)) {
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

static void sclink_send_error(SclinkPCIState *s, Sclink__V1__ErrorCode code,
                              const char *text)
{
    Sclink__V1__Error e = SCLINK__V1__ERROR__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    e.has_code = true;
    e.code = code;
    e.message = (char *)text;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    m.error = &e;
    sclink_send(s, &m);
}

static void sclink_send_bye(SclinkPCIState *s, Sclink__V1__ByeReason reason)
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
    sclink_send(s, &m);
    s->state = SCLINK_LINK_CLOSING;
}

/*
 * The inbox: decoded gateway messages not yet consumed, with the heap
 * each occupies (sclink_decoder_msg_heap), so that what it holds can be
 * bounded (sclink_chr_can_read).
 */
typedef struct SclinkQueued {
    sclink_msg *m;
    size_t heap;
} SclinkQueued;

static void sclink_inbox_push(SclinkPCIState *s, sclink_msg *m, size_t heap)
{
    SclinkQueued *q = g_new(SclinkQueued, 1);

    q->m = m;
    q->heap = heap;
    s->inbox_heap += heap;
    g_queue_push_tail(&s->inbox, q);
}

/* The oldest message, to be freed by the caller; NULL when empty. */
static sclink_msg *sclink_inbox_pop(SclinkPCIState *s)
{
    SclinkQueued *q = g_queue_pop_head(&s->inbox);
    sclink_msg *m;

    if (!q) {
        return NULL;
    }
    m = q->m;
    s->inbox_heap -= q->heap;
    g_free(q);
    return m;
}

static void sclink_drop_inbox(SclinkPCIState *s)
{
    sclink_msg *m;

    while ((m = sclink_inbox_pop(s))) {
        sclink_msg_free(m);
    }
}

/*
 * Closes the chardev once the link is CLOSED (section 11.1: send Error,
 * close), so the gateway sees end-of-stream instead of a silent peer.  The
 * CHR_EVENT_CLOSED this raises finds the link CLOSED and does nothing, and
 * every later access fails at once on the CLOSED state.
 */
static void sclink_watch_stop(SclinkPCIState *s);
static void sclink_full_watch_stop(SclinkPCIState *s);

static void sclink_close(SclinkPCIState *s)
{
    sclink_watch_stop(s);
    sclink_full_watch_stop(s);
    if (qemu_chr_fe_backend_open(&s->chr)) {
        qemu_chr_fe_disconnect(&s->chr);
    }
}

/*
 * The link is lost: report it and apply the on-failure policy.  Used for
 * everything after the handshake; realize reports through errp instead.
 */
static void G_GNUC_PRINTF(2, 3) sclink_fail(SclinkPCIState *s,
                                            const char *fmt, ...)
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
        sclink_close(s);
        return;
    }
    if (s->state == SCLINK_LINK_CLOSING) {
        /* A Bye was sent or received: the run is ending anyway. */
        s->state = SCLINK_LINK_CLOSED;
        sclink_close(s);
        timer_del(s->window_timer);
        sclink_drop_inbox(s);
        return;
    }
    s->state = SCLINK_LINK_CLOSED;
    sclink_close(s);

    timer_del(s->window_timer);
    sclink_drop_inbox(s);
    error_report("sclink-pci '%s': %s", sclink_name(s), msg);
    if (s->exit_on_failure) {
        error_report("sclink-pci '%s': exiting (on-failure=exit)",
                     sclink_name(s));
        exit(EXIT_FAILURE);
    }
    error_report("sclink-pci '%s': stopping the VM (on-failure=stop); "
                 "the device now fails every access", sclink_name(s));
    if (qemu_in_vcpu_thread()) {
        vm_stop(RUN_STATE_IO_ERROR);
    } else {
        qemu_system_vmstop_request_prepare();
        qemu_system_vmstop_request(RUN_STATE_IO_ERROR);
    }
}

/* A protocol violation by the gateway: tell it, then fail. */
static void G_GNUC_PRINTF(3, 4) sclink_violation(SclinkPCIState *s,
                                                 Sclink__V1__ErrorCode code,
                                                 const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sclink_send_error(s, code, msg);
    sclink_fail(s, "protocol error: %s", msg);
}

/*
 * The chardev reads up to 64 KiB at a time, and nothing while the inbox
 * holds SCLINK_PCI_INBOX_MAX of heap: in deterministic mode messages that
 * arrive outside a wait are only queued (rule K), and a gateway that
 * floods then is held back by the socket until the next wait drains the
 * inbox, instead of growing QEMU without bound.
 */
static int sclink_chr_can_read(void *opaque)
{
    SclinkPCIState *s = opaque;

    if (!sclink_link_up(s) || s->inbox_heap >= SCLINK_PCI_INBOX_MAX) {
        return 0;
    }
    return 64 * KiB;
}

static void sclink_process_inbox(SclinkPCIState *s);
static void sclink_full_watch_start(SclinkPCIState *s);

static void sclink_chr_read(void *opaque, const uint8_t *buf, int size)
{
    SclinkPCIState *s = opaque;
    sclink_msg *m;
    int r;

    if (!sclink_link_up(s)) {
        return;
    }
    r = sclink_decoder_feed(&s->dec, buf, size);
    while (r >= 0 && (r = sclink_decoder_next(&s->dec, &m)) == 1) {
        sclink_inbox_push(s, m, sclink_decoder_msg_heap(&s->dec));
    }
    if (s->inbox_heap >= SCLINK_PCI_INBOX_MAX) {
        sclink_full_watch_start(s);
    }
    if (r < 0) {
        /* Garbage on the link: the stream has lost its framing. */
        sclink_violation(s, sclink_error_code(r), "gateway sent garbage: %s",
                         sclink_decoder_reason(&s->dec));
        return;
    }
    /*
     * Rule K: in deterministic mode gateway messages are consumed only
     * inside waits; free-running, they are consumed as they arrive.
     */
    if (!s->in_wait && !s->deterministic && !s->draining &&
        s->state == SCLINK_LINK_RUNNING) {
        sclink_process_inbox(s);
    }
}

static void sclink_chr_event(void *opaque, QEMUChrEvent event)
{
    SclinkPCIState *s = opaque;

    if (event != CHR_EVENT_CLOSED) {
        return;
    }
    sclink_watch_stop(s);
    sclink_full_watch_stop(s);
    /*
     * A Bye the gateway sent before closing may still wait in the inbox
     * (deterministic mode consumes only in waits).  Inside a wait, the
     * wait consumes the inbox itself.
     */
    if (s->state == SCLINK_LINK_RUNNING && !s->in_wait) {
        sclink_take_farewell(s);
    }
    switch (s->state) {
    case SCLINK_LINK_CLOSING:
        s->state = SCLINK_LINK_CLOSED;
        break;
    case SCLINK_LINK_RUNNING:
        sclink_fail(s, "gateway closed the link without Bye");
        break;
    default:
        /* During the handshake realize reports it. */
        sclink_fail(s, "the gateway closed the link");
        break;
    }
}

/* ------------------------------------------------- gateway -> QEMU work */

static void sclink_handle_interrupt(SclinkPCIState *s,
                                    const sclink_interrupt *irq)
{
    /* What each Interrupt type needs agreed, by Sclink__V1__IrqType. */
    static const struct {
        uint64_t cap;
        Sclink__V1__InterruptKind kind;
        const char *name;
    } types[] = {
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE] = {
            SCLINK__V1__CAPABILITY__CAP_INTX,
            SCLINK__V1__INTERRUPT_KIND__IRQ_INTX, "INTx" },
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI] = {
            SCLINK__V1__CAPABILITY__CAP_MSI,
            SCLINK__V1__INTERRUPT_KIND__IRQ_MSI, "MSI" },
        [SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX] = {
            SCLINK__V1__CAPABILITY__CAP_MSIX,
            SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX, "MSI-X" },
    };
    PCIDevice *pdev = PCI_DEVICE(s);
    const char *name;

    if ((unsigned)irq->type >= ARRAY_SIZE(types) || !types[irq->type].name) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                         "Interrupt of unknown type %d", irq->type);
        return;
    }
    name = types[irq->type].name;
    if (!sclink_has_cap(s, types[irq->type].cap) ||
        s->irq_kind != types[irq->type].kind) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                         "%s Interrupt but the device is not %s", name, name);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE) {
        if (irq->index != 0 || !irq->has_level) {
            sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                             "INTx Interrupt index %u (must be 0) or no level",
                             irq->index);
            return;
        }
        /* The PCI core honours Interrupt Disable and sets Status. */
        s->intx_level = irq->level;
        pci_set_irq(pdev, irq->level);
        return;
    }
    if (irq->index >= s->irq_vectors) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                         "%s vector %u out of range (%u vectors)",
                         name, irq->index, s->irq_vectors);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI ?
        !msi_enabled(pdev) : !msix_enabled(pdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s vector %u "
                      "dropped: the guest has not enabled %s\n",
                      sclink_name(s), name, irq->index, name);
        return;
    }
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX) {
        msix_notify(pdev, irq->index);
    } else if (irq->index < msi_nr_vectors_allocated(pdev)) {
        msi_notify(pdev, irq->index);
    } else {
        /* msi_notify() asserts on it; log rather than drop silently */
        qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': MSI vector %u "
                      "dropped: the guest enabled only %u vector(s)\n",
                      sclink_name(s), irq->index,
                      msi_nr_vectors_allocated(pdev));
    }
}

static Sclink__V1__Status sclink_memtx_status(MemTxResult r)
{
    switch (r) {
    case MEMTX_OK:
        return SCLINK__V1__STATUS__STATUS_OK;
    case MEMTX_DECODE_ERROR:
        return SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    default:
        return SCLINK__V1__STATUS__STATUS_GENERIC_ERROR;
    }
}

/* Serves a DMA Request as this function's bus-master access (rule L). */
static void sclink_handle_dma(SclinkPCIState *s, const sclink_request *req)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    Sclink__V1__Response resp = SCLINK__V1__RESPONSE__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    g_autofree uint8_t *buf = NULL;
    bool is_read = req->command == SCLINK__V1__COMMAND__CMD_READ;
    Sclink__V1__Status status;
    MemTxResult r;

    if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_DMA)) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                         "DMA Request %" PRIu64 " but CAP_DMA is not agreed",
                         req->id);
        return;
    }
    if (req->has_bar) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                         "DMA Request %" PRIu64 " carries a bar", req->id);
        return;
    }
    if (req->attributes && req->attributes->has_posted &&
        req->attributes->posted) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                         "DMA Request %" PRIu64 " is posted", req->id);
        return;
    }
    if (req->command != SCLINK__V1__COMMAND__CMD_READ &&
        req->command != SCLINK__V1__COMMAND__CMD_WRITE) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                         "DMA Request %" PRIu64 ": debug commands are not "
                         "agreed", req->id);
        return;
    }

    if (req->has_byte_enable) {
        status = SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR;
    } else if (req->has_streaming_width &&
               req->streaming_width < req->length) {
        status = SCLINK__V1__STATUS__STATUS_BURST_ERROR;
    } else {
        if (is_read) {
            buf = g_malloc0(req->length);
            r = pci_dma_read(pdev, req->address, buf, req->length);
        } else {
            r = pci_dma_write(pdev, req->address, req->data.data,
                              req->length);
        }
        status = sclink_memtx_status(r);
        if (r != MEMTX_OK) {
            qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': DMA %s of %u "
                          "bytes at 0x%" PRIx64 " failed (bus master %s)\n",
                          sclink_name(s), is_read ? "read" : "write",
                          req->length, req->address,
                          pci_get_word(pdev->config + PCI_COMMAND) &
                          PCI_COMMAND_MASTER ? "on" : "off");
        }
    }

    resp.has_id = true;
    resp.id = req->id;
    resp.has_status = true;
    resp.status = status;
    if (is_read && status == SCLINK__V1__STATUS__STATUS_OK) {
        resp.has_data = true;
        resp.data.data = buf;
        resp.data.len = req->length;
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    m.response = &resp;
    if (!sclink_send(s, &m)) {
        sclink_fail(s, "cannot send the Response to DMA Request %" PRIu64,
                    req->id);
    }
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
static bool sclink_consume(SclinkPCIState *s, sclink_msg *m)
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
        sclink_handle_interrupt(s, m->interrupt);
        break;
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        sclink_handle_dma(s, m->request);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        sclink_handle_bye(s, m->bye);
        return false;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        sclink_fail(s, "gateway sent Error %d: %s", m->error->code,
                    sclink_log_text(text, sizeof(text), m->error->message));
        return false;
    default:
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "unexpected %s from the gateway",
                         sclink_msg_name(m));
        return false;
    }
    return sclink_link_up(s);
}

/* Free-running: messages that arrived outside any wait. */
static void sclink_process_inbox(SclinkPCIState *s)
{
    sclink_msg *m;

    /*
     * A DMA served here may hit this function's own BAR: sclink_mmio()
     * must then fail at once, as inside waits, rather than send a Request
     * and block while the gateway blocks on the DMA Response.  Like a
     * wait, serving the inbox takes `timeout` at most: the writes of the
     * DMA Responses end by then (sclink_write_deadline).
     */
    s->in_inbox = true;
    s->serve_deadline = s->timeout_ms ?
        g_get_monotonic_time() + s->timeout_ms * 1000LL : 0;
    while (s->state == SCLINK_LINK_RUNNING &&
           (m = sclink_inbox_pop(s))) {
        sclink_consume(s, m);
        sclink_msg_free(m);
    }
    s->serve_deadline = 0;
    s->in_inbox = false;
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
 * (tcp_chr_read) only passes the bytes it receives to sclink_chr_read.
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
 * "nothing to read".  With CAP_SYNC it does not poll (sclink_watch_start).
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
        sclink_chr_read(s, buf, n);
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
 * itself.  sclink_chr_can_read() then says 0, the chardev stops polling,
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
        sclink_take_farewell(s);
    }
    /* The chardev reads the end of stream and reports CLOSED. */
    sclink_watch_stop(s);
    return G_SOURCE_REMOVE;
}

/*
 * The chardev's handlers (its read watch and its own hang-up source) are
 * parked in s->wait_ctx, which only a wait on a non-plain chardev
 * iterates.  Parking rather than a can_read of 0: char-socket disconnects
 * at once on a write error when can_read says 0, closing the socket with
 * the gateway's last words (a Bye) unread.
 */
static void sclink_watch_start(SclinkPCIState *s)
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
    sclink_full_watch_stop(s);  /* the peer watch does its job now */
}

/* The chardev reads the socket in the main loop again. */
static void sclink_watch_stop(SclinkPCIState *s)
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
 * The inbox is full and the chardev reads nothing (sclink_chr_can_read):
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
        sclink_take_farewell(s);
    }
    sclink_drop_inbox(s);
    sclink_full_watch_stop(s);
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

static void sclink_full_watch_stop(SclinkPCIState *s)
{
    sclink_source_drop(&s->full_watch);
}

/*
 * Tells the gateway the VM stopped or runs again (CAP_PAUSE, protocol
 * 8.9): a stopped VM sends no REACHED and may answer DMA late, which the
 * gateway would otherwise take for a stall.
 */
static void sclink_tell_paused(SclinkPCIState *s, bool paused)
{
    Sclink__V1__Sync sync = SCLINK__V1__SYNC__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    if (s->state != SCLINK_LINK_RUNNING || s->told_paused == paused ||
        !sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_PAUSE)) {
        return;
    }
    sync.has_kind = sync.has_time_ps = true;
    sync.kind = paused ? SCLINK__V1__SYNC_KIND__SYNC_PAUSED :
                         SCLINK__V1__SYNC_KIND__SYNC_RESUMED;
    sync.time_ps = s->last_stamp_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &sync;
    if (sclink_send(s, &m)) {
        s->told_paused = paused;
    }
}

/*
 * While the VM is stopped (monitor `stop`, a gdbstub breakpoint) no
 * window ends and no MMIO waits: the main loop reads the socket again, so
 * that free-running a DMA a posted write started is still served, and a
 * gateway that leaves is still seen.
 */
static void sclink_vm_state_change(void *opaque, bool running,
                                   RunState state)
{
    SclinkPCIState *s = opaque;

    if (running) {
        sclink_tell_paused(s, false);
        sclink_watch_start(s);
    } else {
        sclink_watch_stop(s);
        sclink_tell_paused(s, true);
    }
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
static bool sclink_take_farewell(SclinkPCIState *s)
{
    int fd = sclink_direct_fd(s);
    int reads = SCLINK_PCI_FAREWELL_READS;
    sclink_msg *m;
    bool found = false;
    bool more = true;

    while (!found && sclink_link_up(s)) {
        while (!found && sclink_link_up(s) && (m = sclink_inbox_pop(s))) {
            switch (m->msg_case) {
            case SCLINK__V1__ENVELOPE__MSG_BYE:
            case SCLINK__V1__ENVELOPE__MSG_ERROR:
                sclink_consume(s, m);
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
        /* sclink_chr_read queues what it decodes */
        s->draining = true;
        more = sclink_read_direct(s, fd, g_get_monotonic_time()) > 0;
        s->draining = false;
    }
    sclink_drop_inbox(s);
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
static sclink_msg *sclink_wait(SclinkPCIState *s,
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
        while ((m = sclink_inbox_pop(s))) {
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
                sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                                 "%s instead of Welcome",
                                 sclink_msg_name(m));
                sclink_msg_free(m);
                break;
            }
            if (!sclink_consume(s, m)) {
                sclink_msg_free(m);
                goto out;
            }
            sclink_msg_free(m);
        }
        if (found || !sclink_link_up(s)) {
            break;
        }
        if (expired || (deadline && g_get_monotonic_time() >= deadline)) {
            sclink_send_error(s, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT,
                              "QEMU timed out waiting");
            sclink_fail(s, "gateway unresponsive for %u ms (no %s)",
                        s->timeout_ms, what);
            break;
        }
        if (!moved) {
            fd = sclink_direct_fd(s);
            if (fd >= 0 && sclink_read_direct(s, fd, deadline) >= 0) {
                continue;
            }
            /* Not a plain socket, or EOF/error: the chardev takes over. */
            sclink_watch_stop(s);
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
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
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

/* ---------------------------------------------------------------- time */

/* T_Q in ps (section 8.1). */
static uint64_t sclink_now_ps(SclinkPCIState *s)
{
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - s->v0_ns;

    return ns > 0 ? (uint64_t)ns * 1000 : 0;
}

/* A Request's stamp: T_Q, kept within [last stamp, W] (rules A, C). */
static uint64_t sclink_stamp(SclinkPCIState *s)
{
    uint64_t t = sclink_now_ps(s);

    if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC) &&
        t > s->window_end_ps) {
        /*
         * Free-running only: the window timer fires late by host latency.
         * Under icount sclink_arm_window() stops the vCPU by W.
         */
        t = s->window_end_ps;
    }
    if (t < s->last_stamp_ps) {
        t = s->last_stamp_ps;
    }
    s->last_stamp_ps = t;
    return t;
}

/*
 * Arms the window timer so that T_Q never passes W (rule A): at W rounded
 * down to whole ns and, under icount, one icount step (2^shift ns) earlier
 * less 1 ns, because the vCPU's instruction budget is rounded up and may
 * run that far past the deadline.  The timer then fires at a T_Q in
 * [W - 2^shift + 1, W]; with shift=0 exactly at W.
 */
static void sclink_arm_window(SclinkPCIState *s)
{
    int64_t end = s->v0_ns + (int64_t)(s->window_end_ps / 1000);
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (icount_enabled()) {
        end -= icount_to_ns(1) - 1;
    }
    /*
     * Without icount the clock may already stand past W (the timer fires
     * late by host latency, and a window costs a round trip: a quantum
     * shorter than that is never caught up).  An end in the past would
     * run again in the same timer pass, window after window, and the main
     * loop (monitor, chardevs, signals) would get no turn until W caught
     * up: at most one window end per main loop iteration.  T_Q is past W
     * then anyway.  Under icount the clock stands still in the callback
     * and the vCPU stops by W, so a pass ends once W reaches the clock.
     */
    if (!icount_enabled() && end < now) {
        end = now + 1;
    }
    timer_mod(s->window_timer, end);
}

/*
 * The virtual clock reached W (rule B): send REACHED and block until the
 * GRANT, consuming Interrupts and DMA meanwhile.  With icount this runs
 * with the vCPU stopped at most one icount step before W (never past it:
 * sclink_arm_window()).
 */
static void sclink_window_end(void *opaque)
{
    SclinkPCIState *s = opaque;
    Sclink__V1__Sync sync = SCLINK__V1__SYNC__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_msg *grant;
    uint64_t w = s->window_end_ps;
    bool freeze;

    if (s->state != SCLINK_LINK_RUNNING || s->in_wait) {
        return;
    }
    sync.has_kind = true;
    sync.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
    sync.has_time_ps = true;
    sync.time_ps = w;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &sync;
    if (w > s->last_stamp_ps) {
        s->last_stamp_ps = w;
    }
    if (!sclink_send(s, &m)) {
        sclink_fail(s, "cannot send Sync REACHED");
        return;
    }

    /*
     * Rule B.  With icount the vCPU already stands at W.  Free-running,
     * the virtual clock would follow the host through the wait, and with a
     * round trip longer than Q every window would end before it began,
     * starving the vCPUs of the BQL: freeze the clock as vm_stop does.
     */
    freeze = !icount_enabled() && runstate_is_running();
    if (freeze) {
        cpu_disable_ticks();
    }
    grant = sclink_wait(s, SCLINK__V1__ENVELOPE__MSG_SYNC, 0, "Sync GRANT");
    if (freeze && runstate_is_running()) {
        cpu_enable_ticks();
    }
    if (!grant) {
        return;
    }
    if (grant->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_GRANT ||
        grant->sync->time_ps != w || !grant->sync->has_window_end_ps ||
        grant->sync->window_end_ps <= w ||
        (grant->sync->window_end_ps - w > s->quantum_ps &&
         !sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD))) {
        sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "bad GRANT (kind %d, time %" PRIu64 ", window end %"
                         PRIu64 ") for REACHED %" PRIu64 " with Q %" PRIu64,
                         grant->sync->kind, grant->sync->time_ps,
                         grant->sync->window_end_ps, w, s->quantum_ps);
        sclink_msg_free(grant);
        return;
    }
    s->window_end_ps = grant->sync->window_end_ps;
    sclink_msg_free(grant);
    sclink_arm_window(s);
}

/*
 * Rule N: a GRANT with lookahead may reach far beyond one quantum, to the
 * gateway's next scheduled event; what a Request stamped @t sets off in
 * SystemC must still reach the guest within Q, so the window ends by t + Q.
 */
static void sclink_cut_window(SclinkPCIState *s, uint64_t t)
{
    uint64_t cut = t > UINT64_MAX - s->quantum_ps ? UINT64_MAX :
                                                    t + s->quantum_ps;

    if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC) &&
        sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD) &&
        cut < s->window_end_ps) {
        s->window_end_ps = cut;
        sclink_arm_window(s);
    }
}

/* ---------------------------------------------------------------- MMIO */

/* Sends one MMIO Request; for a non-posted one waits for its Response. */
static MemTxResult sclink_mmio(SclinkPCIBar *bar, bool is_write, hwaddr addr,
                               uint64_t *val, unsigned size)
{
    SclinkPCIState *s = bar->dev;
    Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
    Sclink__V1__Attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    sclink_msg *answer;
    uint8_t data[8];
    MemTxResult ret;
    const char *why;

    if (s->state != SCLINK_LINK_RUNNING) {
        why = "the gateway link is down";
        ret = MEMTX_ERROR;
        goto fail;
    }
    if (s->in_wait || s->in_inbox) {
        /* e.g. a gateway DMA aimed at this function's own BAR */
        why = "re-entered while serving the gateway";
        ret = MEMTX_ERROR;
        goto fail;
    }

    req.has_id = true;
    req.id = s->next_id++;
    req.has_command = true;
    req.command = is_write ? SCLINK__V1__COMMAND__CMD_WRITE :
                             SCLINK__V1__COMMAND__CMD_READ;
    req.has_bar = true;
    req.bar = bar->index;
    req.has_address = true;
    req.address = addr;
    req.has_length = true;
    req.length = size;
    req.has_time_ps = true;
    req.time_ps = sclink_stamp(s);
    if (is_write) {
        stn_le_p(data, size, *val);
        req.has_data = true;
        req.data.data = data;
        req.data.len = size;
        if (bar->posted) {
            attrs.has_posted = true;
            attrs.posted = true;
            req.attributes = &attrs;
        }
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    m.request = &req;
    if (!sclink_send(s, &m)) {
        sclink_fail(s, "cannot send an MMIO Request");
        why = "the gateway link is down";
        ret = MEMTX_ERROR;
        goto fail;
    }
    sclink_cut_window(s, req.time_ps);
    if (attrs.posted) {
        return MEMTX_OK;
    }

    answer = sclink_wait(s, SCLINK__V1__ENVELOPE__MSG_RESPONSE, req.id,
                         "Response");
    if (!answer) {
        why = "no Response from the gateway";
        ret = MEMTX_ERROR;
        goto fail;
    }
    switch (answer->response->status) {
    case SCLINK__V1__STATUS__STATUS_OK:
        if (!is_write) {
            if (!answer->response->has_data ||
                answer->response->data.len != size) {
                sclink_violation(s, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                                 "Response %" PRIu64 " to a %u-byte read "
                                 "carries %zu bytes", req.id, size,
                                 answer->response->has_data ?
                                 answer->response->data.len : 0);
                sclink_msg_free(answer);
                why = "malformed Response";
                ret = MEMTX_ERROR;
                goto fail;
            }
            *val = ldn_le_p(answer->response->data.data, size);
        }
        sclink_msg_free(answer);
        return MEMTX_OK;
    case SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR:
        why = "nothing at this offset (ADDRESS_ERROR)";
        ret = MEMTX_DECODE_ERROR;
        break;
    default:
        why = "the device refused the access";
        ret = MEMTX_ERROR;
        break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s of %u bytes at "
                  "BAR%u+0x%" HWADDR_PRIx " failed: %s (status %d)\n",
                  sclink_name(s), is_write ? "write" : "read", size,
                  bar->index, addr, why, answer->response->status);
    sclink_msg_free(answer);
    if (!is_write) {
        *val = ~0ULL >> (64 - size * 8);
    }
    return ret;

fail:
    qemu_log_mask(LOG_GUEST_ERROR, "sclink-pci '%s': %s of %u bytes at "
                  "BAR%u+0x%" HWADDR_PRIx " failed: %s\n",
                  sclink_name(s), is_write ? "write" : "read", size,
                  bar->index, addr, why);
    if (!is_write) {
        *val = ~0ULL >> (64 - size * 8);
    }
    return ret;
}

static MemTxResult sclink_bar_read(void *opaque, hwaddr addr, uint64_t *val,
                                   unsigned size, MemTxAttrs attrs)
{
    return sclink_mmio(opaque, false, addr, val, size);
}

static MemTxResult sclink_bar_write(void *opaque, hwaddr addr, uint64_t val,
                                    unsigned size, MemTxAttrs attrs)
{
    return sclink_mmio(opaque, true, addr, &val, size);
}

/*
 * Naturally aligned accesses of 1 to 8 bytes reach the gateway as they
 * are.  The region takes no unaligned access (.valid.unaligned = false):
 * TCG splits a guest's unaligned access before it gets here (7.2: a load
 * into the two aligned loads of its size around it, a store into bytes;
 * 10.0: into aligned pieces), address_space_rw() splits by alignment, and
 * anything unaligned that still arrives fails in the memory core.
 */
static const MemoryRegionOps sclink_bar_ops = {
    .read_with_attrs = sclink_bar_read,
    .write_with_attrs = sclink_bar_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = false,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = false,
    },
};

/* ------------------------------------------------------------- realize */

/* True when -icount shift=N,sleep=off (no align): section 8.7. */
static bool sclink_icount_deterministic(void)
{
    QemuOptsList *list;
    QemuOpts *opts;

    if (icount_enabled() != 1) {
        return false;
    }
    list = qemu_find_opts("icount");
    opts = list ? qemu_opts_find(list, NULL) : NULL;
    if (!opts) {
        return false;
    }
    return !qemu_opt_get_bool(opts, "sleep", true) &&
           !qemu_opt_get_bool(opts, "align", false);
}

static bool sclink_handshake(SclinkPCIState *s, sclink_msg **welcome,
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
    hello.capabilities = SCLINK_CAPS_OFFERED;
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
    if (!sclink_send(s, &m)) {
        error_setg(errp, "cannot send Hello to the gateway on chardev '%s'",
                   qemu_chr_fe_get_driver(&s->chr)->label);
        return false;
    }
    s->state = SCLINK_LINK_HELLO_SENT;

    answer = sclink_wait(s, SCLINK__V1__ENVELOPE__MSG_WELCOME, 0, "Welcome");
    if (!answer) {
        error_setg(errp, "no Welcome from the gateway on chardev '%s': %s",
                   qemu_chr_fe_get_driver(&s->chr)->label,
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

/*
 * Checks a bar<i>-size property: pci_register_bar() asserts on a size that
 * is not a power of two, so a bad value must fail realize instead.  A
 * 32-bit BAR holds at most 2 GiB; whether a BAR is 64-bit is only known
 * from the Welcome (@is64 is true before it).
 */
static bool sclink_check_bar_size(SclinkPCIState *s, int i, bool is64,
                                  Error **errp)
{
    uint64_t size = s->pin_bar_size[i];

    if (size && (!is_power_of_2(size) || size < 16)) {
        error_setg(errp, "bar%d-size=0x%" PRIx64 ": must be a power of two "
                   "of at least 16 bytes", i, size);
        return false;
    }
    if (size > 2 * GiB && !is64) {
        error_setg(errp, "bar%d-size=0x%" PRIx64 ": BAR%d is a 32-bit BAR, "
                   "at most 2 GiB", i, size, i);
        return false;
    }
    return true;
}

/*
 * A bar<i>-size that does not fit the BAR the Welcome describes: the
 * user's configuration mistake, reported as such through errp; the
 * gateway is told the link ends on a local failure (ERR_INTERNAL), not
 * that its description cannot be built (ERR_CONFIG).
 */
static bool sclink_check_pinned_bar(SclinkPCIState *s, int i, bool is64,
                                    Error **errp)
{
    if (sclink_check_bar_size(s, i, is64, errp)) {
        return true;
    }
    sclink_send_error(s, SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
                      "QEMU configuration error (a bar-size property)");
    s->state = SCLINK_LINK_CLOSED;
    return false;
}

/* Refuses the Welcome with ERR_CONFIG (7.5) and fails realize. */
static void G_GNUC_PRINTF(3, 4) sclink_refuse(SclinkPCIState *s, Error **errp,
                                              const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    sclink_send_error(s, SCLINK__V1__ERROR_CODE__ERR_CONFIG, msg);
    s->state = SCLINK_LINK_CLOSED;
    error_setg(errp, "cannot build the device the gateway describes: %s", msg);
}

/* Checks the Welcome (7.5) and builds the PCI function from it (7.6). */
static bool sclink_build(SclinkPCIState *s, const sclink_welcome *w,
                         Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const sclink_device_info *d = w->device;
    uint64_t offered = SCLINK_CAPS_OFFERED;
    bool used[SCLINK_PCI_NUM_BARS] = { false };
    uint32_t vendor, device, class_code;
    Error *local_err = NULL;
    size_t i;

    if (s->deterministic) {
        offered |= SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC;
    }
    if (w->role != SCLINK__V1__ROLE__ROLE_GATEWAY ||
        w->version_major != SCLINK_VERSION_MAJOR) {
        sclink_send_error(s, SCLINK__V1__ERROR_CODE__ERR_VERSION,
                          "QEMU speaks sclink 1.0 to a gateway");
        s->state = SCLINK_LINK_CLOSED;
        error_setg(errp, "the peer is not an sclink %d.x gateway (role %d, "
                   "version %u.%u)", SCLINK_VERSION_MAJOR, w->role,
                   w->version_major, w->version_minor);
        return false;
    }
    if (w->capabilities & ~offered) {
        sclink_refuse(s, errp, "capabilities 0x%" PRIx64 " not offered "
                      "(offered 0x%" PRIx64 ")", w->capabilities, offered);
        return false;
    }
    if (w->max_frame > s->max_frame) {
        sclink_refuse(s, errp, "max_frame %u above the proposal %u",
                      w->max_frame, s->max_frame);
        return false;
    }
    s->caps = w->capabilities;
    s->frame_limit = w->max_frame;
    s->quantum_ps = w->quantum_ps;
    sclink_decoder_set_max_frame(&s->dec, w->max_frame);

    /* Identity, possibly pinned by properties. */
    vendor = s->pin_vendor_id != SCLINK_PCI_UNSET ? s->pin_vendor_id :
             d->vendor_id;
    device = s->pin_device_id != SCLINK_PCI_UNSET ? s->pin_device_id :
             d->device_id;
    class_code = s->pin_class_code != SCLINK_PCI_UNSET ? s->pin_class_code :
                 d->class_code;
    pci_config_set_vendor_id(pdev->config, vendor);
    pci_config_set_device_id(pdev->config, device);
    pci_config_set_revision(pdev->config, d->revision);
    pci_config_set_prog_interface(pdev->config, class_code & 0xff);
    pci_config_set_class(pdev->config, class_code >> 8);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_VENDOR_ID,
                 d->subsystem_vendor_id);
    pci_set_word(pdev->config + PCI_SUBSYSTEM_ID, d->subsystem_id);

    /* BARs: the Welcome's, then those only pinned by properties. */
    for (i = 0; i < d->n_bars; i++) {
        const sclink_bar *b = d->bars[i];
        SclinkPCIBar *bar = &s->bars[b->index];
        uint8_t type = PCI_BASE_ADDRESS_SPACE_MEMORY;
        g_autofree char *name = g_strdup_printf("sclink-bar%u", b->index);

        bar->size = b->size;
        if (s->pin_bar_size[b->index]) {
            if (s->pin_bar_size[b->index] != b->size) {
                warn_report("sclink-pci '%s': BAR%u size 0x%" PRIx64
                            " (bar%u-size) overrides the gateway's 0x%"
                            PRIx64, sclink_name(s), b->index,
                            s->pin_bar_size[b->index], b->index, b->size);
            }
            bar->size = s->pin_bar_size[b->index];
        }
        if (!sclink_check_pinned_bar(s, b->index,
                                     b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64,
                                     errp)) {
            return false;
        }
        if (b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64) {
            type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
            used[b->index + 1] = true;
        }
        if (b->prefetchable) {
            type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
        }
        used[b->index] = true;
        bar->present = true;
        bar->posted = b->posted_writes &&
            sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES);
        memory_region_init_io(&bar->mr, OBJECT(s), &sclink_bar_ops, bar,
                              name, bar->size);
        pci_register_bar(pdev, b->index, type, &bar->mr);
    }
    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        SclinkPCIBar *bar = &s->bars[i];
        g_autofree char *name = NULL;

        if (used[i] || !s->pin_bar_size[i]) {
            continue;
        }
        /* The BAR added here is 32-bit. */
        if (!sclink_check_pinned_bar(s, i, false, errp)) {
            return false;
        }
        name = g_strdup_printf("sclink-bar%zu", i);
        used[i] = true;
        bar->present = true;
        bar->size = s->pin_bar_size[i];
        memory_region_init_io(&bar->mr, OBJECT(s), &sclink_bar_ops, bar,
                              name, bar->size);
        pci_register_bar(pdev, i, PCI_BASE_ADDRESS_SPACE_MEMORY, &bar->mr);
    }

    /* Interrupt */
    s->irq_kind = d->has_interrupt ? d->interrupt :
                  SCLINK__V1__INTERRUPT_KIND__IRQ_NONE;
    switch (s->irq_kind) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_NONE:
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_INTX)) {
            sclink_refuse(s, errp, "IRQ_INTX without CAP_INTX");
            return false;
        }
        pci_config_set_interrupt_pin(pdev->config,
                                     d->has_intx_pin ? d->intx_pin : 1);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_MSI)) {
            sclink_refuse(s, errp, "IRQ_MSI without CAP_MSI");
            return false;
        }
        s->irq_vectors = d->msi_vectors;
        if (msi_init(pdev, 0, d->msi_vectors, true, false, &local_err)) {
            sclink_refuse(s, errp, "MSI: %s",
                          error_get_pretty(local_err));
            error_free(local_err);
            return false;
        }
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX:
        if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_MSIX)) {
            sclink_refuse(s, errp, "IRQ_MSIX without CAP_MSIX");
            return false;
        }
        s->irq_vectors = d->msix_vectors;
        s->msix_bar_nr = s->msix_bar;
        if (s->msix_bar_nr < 0) {
            for (i = 0; i < SCLINK_PCI_NUM_BARS && used[i]; i++) {
                /* first free slot */
            }
            s->msix_bar_nr = i < SCLINK_PCI_NUM_BARS ? i : -1;
        } else if (s->msix_bar_nr >= SCLINK_PCI_NUM_BARS ||
                   used[s->msix_bar_nr]) {
            sclink_refuse(s, errp, "msix-bar=%d is not a free BAR slot",
                          s->msix_bar);
            return false;
        }
        if (s->msix_bar_nr < 0) {
            sclink_refuse(s, errp, "no free BAR slot for the MSI-X table");
            return false;
        }
        if (msix_init_exclusive_bar(pdev, d->msix_vectors, s->msix_bar_nr,
                                    &local_err)) {
            sclink_refuse(s, errp, "MSI-X: %s",
                          error_get_pretty(local_err));
            error_free(local_err);
            s->msix_bar_nr = -1;
            return false;
        }
        /* msix_notify() drops vectors not marked used (7.2 and 10.0). */
        for (i = 0; i < d->msix_vectors; i++) {
            msix_vector_use(pdev, i);
        }
        break;
    default:
        sclink_refuse(s, errp, "unknown interrupt kind %d", s->irq_kind);
        return false;
    }
    return true;
}

/* QEMU shuts down (guest poweroff, quit, signal): say Bye while we can. */
static void sclink_shutdown_notify(Notifier *n, void *data)
{
    SclinkPCIState *s = container_of(n, SclinkPCIState, shutdown_notifier);

    sclink_send_bye(s, SCLINK__V1__BYE_REASON__BYE_SHUTDOWN);
}

static void sclink_pci_realize(PCIDevice *pdev, Error **errp)
{
    SclinkPCIState *s = SCLINK_PCI(pdev);
    Chardev *chr = qemu_chr_fe_get_driver(&s->chr);
    sclink_msg *welcome = NULL;
    const char *mode;
    int i;

    if (!chr) {
        error_setg(errp, "sclink-pci needs a chardev: "
                   "-chardev socket,id=ID,path=SOCKET -device "
                   "sclink-pci,chardev=ID");
        return;
    }
    if (!qemu_chr_has_feature(chr, QEMU_CHAR_FEATURE_GCONTEXT)) {
        error_setg(errp, "chardev '%s' cannot be used by sclink-pci: it must "
                   "be a socket chardev (unix or tcp)", chr->label);
        return;
    }
    if (!s->on_failure || !strcmp(s->on_failure, "stop")) {
        s->exit_on_failure = false;
    } else if (!strcmp(s->on_failure, "exit")) {
        s->exit_on_failure = true;
    } else {
        error_setg(errp, "on-failure='%s': must be 'stop' or 'exit'",
                   s->on_failure);
        return;
    }
    if (s->max_frame < SCLINK_MIN_MAX_FRAME ||
        s->max_frame > SCLINK_LIMIT_MAX_FRAME) {
        error_setg(errp, "max-frame=%u: must be %u..%u", s->max_frame,
                   SCLINK_MIN_MAX_FRAME, SCLINK_LIMIT_MAX_FRAME);
        return;
    }
    if (s->pin_vendor_id != SCLINK_PCI_UNSET && s->pin_vendor_id >= 0xffff) {
        error_setg(errp, "vendor-id=0x%x: must be below 0xffff",
                   s->pin_vendor_id);
        return;
    }
    if (s->pin_device_id != SCLINK_PCI_UNSET && s->pin_device_id > 0xffff) {
        error_setg(errp, "device-id=0x%x: must be 16 bits", s->pin_device_id);
        return;
    }
    if (s->pin_class_code != SCLINK_PCI_UNSET &&
        s->pin_class_code > 0xffffff) {
        error_setg(errp, "class-code=0x%x: must be 24 bits",
                   s->pin_class_code);
        return;
    }
    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        /* Before Hello; the 32-bit limit is checked after the Welcome. */
        if (!sclink_check_bar_size(s, i, true, errp)) {
            return;
        }
    }

    s->msix_bar_nr = -1;
    s->deterministic = sclink_icount_deterministic();
    /* Section 3.2: Hello and Welcome travel under the default 1 MiB. */
    s->frame_limit = SCLINK_DEFAULT_MAX_FRAME;
    sclink_decoder_init(&s->dec, SCLINK_DEFAULT_MAX_FRAME);
    g_queue_init(&s->inbox);
    s->wait_ctx = g_main_context_new();
    s->window_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, sclink_window_end, s);
    qemu_chr_fe_set_handlers(&s->chr, sclink_chr_can_read, sclink_chr_read,
                             sclink_chr_event, NULL, s, NULL, true);

    if (!sclink_handshake(s, &welcome, errp) ||
        !sclink_build(s, welcome->welcome, errp)) {
        goto fail;
    }
    sclink_msg_free(welcome);
    welcome = NULL;

    /* Section 8.1: both sides start at 0 now; the first window is [0, Q]. */
    s->state = SCLINK_LINK_RUNNING;
    s->v0_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    s->window_end_ps = s->quantum_ps;
    if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        sclink_arm_window(s);
    }
    s->vmstate_entry = qemu_add_vm_change_state_handler(sclink_vm_state_change,
                                                        s);
    if (runstate_is_running()) {
        sclink_watch_start(s);  /* hot-plugged: no state change to come */
    } else {
        sclink_tell_paused(s, true);    /* -S may keep it stopped for long */
    }
    s->shutdown_notifier.notify = sclink_shutdown_notify;
    qemu_register_shutdown_notifier(&s->shutdown_notifier);

    if (!sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        mode = "no time windows (gateway did not agree CAP_SYNC)";
    } else if (sclink_has_cap(s, SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC)) {
        mode = "deterministic (-icount, sleep=off): gateway messages are "
               "consumed only in waits";
    } else {
        mode = s->deterministic ?
               "free-running (gateway did not agree CAP_DETERMINISTIC)" :
               "free-running (no -icount shift=N,sleep=off): drift bounded "
               "by Q";
    }
    info_report("sclink-pci '%s': linked to gateway on chardev '%s': "
                "%04x:%04x, Q=%" PRIu64 " ps, caps 0x%" PRIx64 ", %s",
                sclink_name(s), chr->label,
                pci_get_word(pdev->config + PCI_VENDOR_ID),
                pci_get_word(pdev->config + PCI_DEVICE_ID),
                s->quantum_ps, s->caps, mode);
    if (s->msix_bar_nr >= 0) {
        info_report("sclink-pci '%s': MSI-X table and PBA in BAR%d",
                    sclink_name(s), s->msix_bar_nr);
    }
    return;

fail:
    sclink_msg_free(welcome);
    sclink_close(s);
    if (s->msix_bar_nr >= 0) {
        msix_uninit_exclusive_bar(pdev);
    }
    msi_uninit(pdev);
    qemu_chr_fe_set_handlers(&s->chr, NULL, NULL, NULL, NULL, NULL, NULL,
                             true);
    timer_free(s->window_timer);
    s->window_timer = NULL;
    sclink_drop_inbox(s);
    sclink_decoder_free(&s->dec);
    g_main_context_unref(s->wait_ctx);
    s->wait_ctx = NULL;
    g_free(s->fail_reason);
    s->fail_reason = NULL;
}

static void sclink_pci_exit(PCIDevice *pdev)
{
    SclinkPCIState *s = SCLINK_PCI(pdev);

    sclink_send_bye(s, SCLINK__V1__BYE_REASON__BYE_SHUTDOWN);
    s->state = SCLINK_LINK_CLOSED;
    sclink_watch_stop(s);
    sclink_full_watch_stop(s);
    qemu_del_vm_change_state_handler(s->vmstate_entry);
    notifier_remove(&s->shutdown_notifier);
    qemu_chr_fe_set_handlers(&s->chr, NULL, NULL, NULL, NULL, NULL, NULL,
                             true);
    if (s->msix_bar_nr >= 0) {
        msix_uninit_exclusive_bar(pdev);
    }
    msi_uninit(pdev);
    timer_free(s->window_timer);
    sclink_drop_inbox(s);
    sclink_decoder_free(&s->dec);
    g_main_context_unref(s->wait_ctx);
}

static ResettablePhases sclink_pci_parent_phases;

/*
 * Device reset (system_reset, a bus reset).  sclink has no reset message
 * short of ending the link (Bye{BYE_RESET}), so the link stays up and the
 * gateway's models keep their state.  The PCI core deasserted INTx in the
 * hold phase and the gateway will not resend a level it believes
 * unchanged: re-assert the last level it sent.  Runs in the exit phase,
 * after the bus's hold phase has reset the function.
 */
static void sclink_pci_reset_exit(Object *obj SCLINK_RESET_PARAM)
{
    SclinkPCIState *s = SCLINK_PCI(obj);

    if (sclink_pci_parent_phases.exit) {
        sclink_pci_parent_phases.exit(obj SCLINK_RESET_ARG);
    }
    if (s->state != SCLINK_LINK_RUNNING) {
        return;
    }
    if (!runstate_check(RUN_STATE_PRELAUNCH)) {
        /* Not the machine's reset at start-up, before the guest ran. */
        warn_report("sclink-pci '%s': device reset; the gateway link stays "
                    "up and its models keep their state%s", sclink_name(s),
                    s->intx_level ? " (INTx re-asserted)" : "");
    }
    if (s->irq_kind == SCLINK__V1__INTERRUPT_KIND__IRQ_INTX) {
        pci_set_irq(PCI_DEVICE(s), s->intx_level);
    }
}

static void sclink_pci_instance_init(Object *obj)
{
    SclinkPCIState *s = SCLINK_PCI(obj);
    int i;

    for (i = 0; i < SCLINK_PCI_NUM_BARS; i++) {
        s->bars[i].dev = s;
        s->bars[i].index = i;
    }
    s->msix_bar_nr = -1;
    s->state = SCLINK_LINK_CLOSED;
}

/* The gateway's state cannot travel with the VM. */
static const VMStateDescription vmstate_sclink_pci = {
    .name = TYPE_SCLINK_PCI,
    .unmigratable = 1,
};

static SCLINK_PROPS_CONST Property sclink_pci_properties[] = {
    DEFINE_PROP_CHR("chardev", SclinkPCIState, chr),
    DEFINE_PROP_UINT32("timeout", SclinkPCIState, timeout_ms, 10000),
    DEFINE_PROP_STRING("on-failure", SclinkPCIState, on_failure),
    DEFINE_PROP_UINT64("quantum", SclinkPCIState, quantum_ns, 1000000),
    DEFINE_PROP_UINT32("max-frame", SclinkPCIState, max_frame,
                       SCLINK_DEFAULT_MAX_FRAME),
    DEFINE_PROP_INT32("msix-bar", SclinkPCIState, msix_bar, -1),
    DEFINE_PROP_UINT32("vendor-id", SclinkPCIState, pin_vendor_id,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_UINT32("device-id", SclinkPCIState, pin_device_id,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_UINT32("class-code", SclinkPCIState, pin_class_code,
                       SCLINK_PCI_UNSET),
    DEFINE_PROP_SIZE("bar0-size", SclinkPCIState, pin_bar_size[0], 0),
    DEFINE_PROP_SIZE("bar1-size", SclinkPCIState, pin_bar_size[1], 0),
    DEFINE_PROP_SIZE("bar2-size", SclinkPCIState, pin_bar_size[2], 0),
    DEFINE_PROP_SIZE("bar3-size", SclinkPCIState, pin_bar_size[3], 0),
    DEFINE_PROP_SIZE("bar4-size", SclinkPCIState, pin_bar_size[4], 0),
    DEFINE_PROP_SIZE("bar5-size", SclinkPCIState, pin_bar_size[5], 0),
    SCLINK_PROPS_END
};

static void sclink_pci_class_init(ObjectClass *klass, SclinkClassData *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = sclink_pci_realize;
    k->exit = sclink_pci_exit;
    /* Placeholders: realize writes the gateway's identity. */
    k->vendor_id = PCI_VENDOR_ID_QEMU;
    k->device_id = 0x5c11;
    k->class_id = PCI_CLASS_OTHERS;
    dc->desc = "PCI function served by an sclink SystemC/TLM-2.0 gateway";
    dc->vmsd = &vmstate_sclink_pci;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    device_class_set_props(dc, sclink_pci_properties);
    resettable_class_set_parent_phases(rc, NULL, NULL, sclink_pci_reset_exit,
                                       &sclink_pci_parent_phases);
}

static const TypeInfo sclink_pci_info = {
    .name = TYPE_SCLINK_PCI,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(SclinkPCIState),
    .instance_init = sclink_pci_instance_init,
    .class_init = sclink_pci_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void sclink_pci_register_types(void)
{
    type_register_static(&sclink_pci_info);
}

type_init(sclink_pci_register_types)
