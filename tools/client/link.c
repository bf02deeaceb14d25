/*
 * The QEMU side of one sclink link: the handshake, Requests stamped with the
 * client's virtual time, the window rule, and everything the gateway may
 * send unasked (Interrupts, DMA Requests, Bye, Error), served while the
 * client waits for what it asked for.  Like a vCPU, the client has at most
 * one non-posted Request outstanding.
 *
 * When the gateway breaks the protocol the client does what a conforming
 * peer does: it sends an Error and closes (an "abort" line).  Timing
 * mistakes that leave the link usable are reported ("timing-error") and
 * fail the run without closing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client.h"


static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The client ends the link: prints why, tells the gateway, closes. */
static int link_abort(struct client_link *l, Sclink__V1__ErrorCode code,
                      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int link_abort(struct client_link *l, Sclink__V1__ErrorCode code,
                      const char *fmt, ...)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;
    char text[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    client_result("abort %s: %s", client_error_code_name(code), text);
    if (l->open) {
        e.has_code = 1;
        e.code = code;
        e.message = text;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        env.error = &e;
        client_trace('>', &env);
        sclink_conn_send(&l->conn, &env);
    }
    l->open = 0;
    l->failed = 1;
    return SCLINK_ESTATE;
}

/* The transport failed: nothing more can be sent or received. */
static int link_lost(struct client_link *l, int err)
{
    if (err == SCLINK_ECLOSED) {
        if (!l->closing)
            client_result("closed: the gateway closed the link");
    } else {
        client_result("link-error: %s", sclink_strerror(err));
    }
    if (!l->closing)
        l->failed = 1;
    l->open = 0;
    return err;
}

/*
 * Sends one message.  A message validation refuses (too long for the agreed
 * frame) is reported and not sent; the link stays usable.
 */
static int link_send(struct client_link *l, const sclink_msg *m)
{
    char why[256];
    int err;

    if (!l->open) {
        client_result("fail: the link is closed");
        l->failed = 1;
        return SCLINK_ECLOSED;
    }
    err = sclink_msg_validate(m, l->conn.max_frame, why, sizeof(why));
    if (err) {
        client_result("fail: cannot send %s: %s", sclink_msg_name(m), why);
        l->failed = 1;
        return err;
    }
    client_trace('>', m);
    /* The message is valid: what fails now is the transport. */
    err = sclink_conn_send(&l->conn, m);
    return err ? link_lost(l, err) : 0;
}

/* ------------------------------------------------------ what comes unasked */

static void queue_irq(struct client_link *l, const sclink_interrupt *irq)
{
    /* A full queue forgets the oldest: wait-irq looks for recent ones. */
    if (l->n_irqs == CLIENT_IRQ_QUEUE) {
        memmove(&l->irqs[0], &l->irqs[1],
                (CLIENT_IRQ_QUEUE - 1) * sizeof(l->irqs[0]));
        l->n_irqs--;
    }
    l->irqs[l->n_irqs].type = irq->type;
    l->irqs[l->n_irqs].index = irq->index;
    l->n_irqs++;
}

/* The capability and vector count that make an Interrupt acceptable. */
static int irq_allowed(const struct client_link *l, const sclink_interrupt *irq,
                       const char **cap, uint32_t *vectors)
{
    const sclink_device_info *d = l->welcome->welcome->device;
    uint64_t bit;

    *vectors = UINT32_MAX;
    switch (irq->type) {
    case SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE:
        *cap = "CAP_INTX";
        bit = SCLINK__V1__CAPABILITY__CAP_INTX;
        break;
    case SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI:
        *cap = "CAP_MSI";
        bit = SCLINK__V1__CAPABILITY__CAP_MSI;
        if (d->interrupt == SCLINK__V1__INTERRUPT_KIND__IRQ_MSI)
            *vectors = d->msi_vectors;
        break;
    default:
        *cap = "CAP_MSIX";
        bit = SCLINK__V1__CAPABILITY__CAP_MSIX;
        if (d->interrupt == SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX)
            *vectors = d->msix_vectors;
        break;
    }
    return (l->caps & bit) != 0;
}

static int link_interrupt(struct client_link *l, const sclink_interrupt *irq)
{
    const char *type = client_irq_type_name(irq->type), *cap;
    char level[16] = "", why[160];
    uint32_t vectors;

    if (!irq_allowed(l, irq, &cap, &vectors))
        return link_abort(l, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                          "Interrupt %s %u but %s was not agreed", type,
                          irq->index, cap);
    if (irq->index >= vectors)
        return link_abort(l, SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
                          "Interrupt %s %u but the device has %u vectors",
                          type, irq->index, vectors);
    if (irq->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE)
        snprintf(level, sizeof(level), " level=%d", irq->level ? 1 : 0);
    l->stats.irqs++;
    client_event("irq %s %u%s t=%" PRIu64 "ps now=%" PRIu64 "ps", type,
                 irq->index, level, irq->time_ps, l->now_ps);
    if (sclink_window_event_check(&l->win, irq->time_ps, l->now_ps, why,
                                  sizeof(why))) {
        client_result("timing-error: irq %s %u %s", type, irq->index, why);
        l->failed = 1;
    }
    queue_irq(l, irq);
    return 0;
}

/*
 * Serves a DMA Request as the device does: sclink_dma_check with what the
 * client serves (--serve-dma; nothing by default, like sclink-pci) decides
 * between an Error, a refusing status and the simulated memory.
 */
static int link_dma(struct client_link *l, const sclink_request *r)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    int read = r->command == SCLINK__V1__COMMAND__CMD_READ ||
               r->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ;
    Sclink__V1__ErrorCode code;
    Sclink__V1__Status status;
    char why[160];
    uint8_t *rdata = NULL;
    int err;

    err = sclink_dma_check(r, l->caps, l->opts->serve_dma, &status, &code,
                           why, sizeof(why));
    if (err)
        return link_abort(l, code, "%s", why);
    /* After our Bye we send nothing, not even a Response. */
    if (l->closing)
        return 0;
    if (read && status == SCLINK__V1__STATUS__STATUS_OK) {
        rdata = malloc(r->length);
        if (rdata == NULL)
            return link_abort(l, SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
                              "no memory for a DMA read of %u bytes",
                              r->length);
    }
    if (status == SCLINK__V1__STATUS__STATUS_OK)
        status = client_mem_serve(&l->mem, r, rdata);
    resp.has_id = 1;
    resp.id = r->id;
    resp.has_status = 1;
    resp.status = status;
    if (read && status == SCLINK__V1__STATUS__STATUS_OK) {
        resp.has_data = 1;
        resp.data.data = rdata;
        resp.data.len = r->length;
    }
    l->stats.dma++;
    if (status != SCLINK__V1__STATUS__STATUS_OK)
        l->stats.dma_errors++;
    client_event("dma %s addr=0x%" PRIx64 " len=%u t=%" PRIu64 "ps -> %s",
                 client_command_name(r->command), r->address, r->length,
                 r->time_ps, client_status_name(status));
    if (sclink_window_event_check(&l->win, r->time_ps, l->now_ps, why,
                                  sizeof(why))) {
        client_result("timing-error: dma %" PRIu64 " %s", r->id, why);
        l->failed = 1;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    err = link_send(l, &env);
    free(rdata);
    return err;
}

/*
 * Receives one message.  Serves what comes unasked and returns 0; returns 1
 * with *out set for what the caller waits for (the Response to the
 * outstanding Request, the GRANT to the outstanding REACHED);
 * SCLINK_ETIMEDOUT when nothing came (the link stays usable); another
 * negative code when the link is over (the line saying why is printed).
 */
static int link_next(struct client_link *l, int timeout_ms, sclink_msg **out)
{
    char text[SCLINK_LOG_TEXT_SIZE], why[256];
    sclink_msg *m;
    int err;

    *out = NULL;
    if (!l->open)
        return SCLINK_ECLOSED;
    err = sclink_conn_recv(&l->conn, &m, timeout_ms);
    if (err == SCLINK_ETIMEDOUT)
        return err;
    if (err <= SCLINK_EFRAMESIZE && err >= SCLINK_EUNKNOWN)
        return link_abort(l, sclink_error_code(err), "%s",
                          sclink_decoder_reason(&l->conn.dec));
    if (err)
        return link_lost(l, err);
    client_trace('<', m);
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        err = sclink_response_match(l->awaiting, l->outstanding,
                                    m->response, why, sizeof(why));
        if (err) {
            err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE, "%s", why);
            break;
        }
        *out = m;
        return 1;
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        if (m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE) {
            if (!(l->caps & SCLINK__V1__CAPABILITY__CAP_RESET))
                err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                                 "Sync RESET_DONE but CAP_RESET was not agreed");
            else if (!l->resetting || m->sync->time_ps != l->reset_ps)
                err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE,
                                 "Sync RESET_DONE for %" PRIu64
                                 " ps without a RESET outstanding at that time",
                                 m->sync->time_ps);
            else {
                *out = m;
                return 1;
            }
        } else if (m->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_GRANT)
            err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE,
                             "the gateway sent Sync %s",
                             client_sync_kind_name(m->sync->kind));
        else if (!(l->caps & SCLINK__V1__CAPABILITY__CAP_SYNC))
            err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                             "Sync GRANT but CAP_SYNC was not agreed");
        else if (sclink_window_grant_check(&l->win, m->sync->time_ps,
                                           m->sync->window_end_ps, why,
                                           sizeof(why)))
            err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE, "%s", why);
        else {
            *out = m;
            return 1;
        }
        break;
    case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
        err = link_interrupt(l, m->interrupt);
        break;
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        err = link_dma(l, m->request);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        client_event("bye from gateway reason=%s message=%s",
                     client_bye_reason_name(m->bye->reason),
                     sclink_log_text(text, sizeof(text), m->bye->message));
        l->open = 0;
        err = SCLINK_ECLOSED;
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        client_result("error %s: %s", client_error_code_name(m->error->code),
                      sclink_log_text(text, sizeof(text), m->error->message));
        l->open = 0;
        l->peer_error = m->error->code;
        if (!l->expecting_error)
            l->failed = 1;
        err = SCLINK_EPEER;
        break;
    default:
        err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "unexpected %s after the handshake",
                         sclink_msg_name(m));
        break;
    }
    sclink_msg_free(m);
    return err;
}

/*
 * Waits for the message the caller is owed, serving everything else.  A
 * silent gateway is given --timeout ms per message before the client gives
 * up, as QEMU would, with ERR_TIMEOUT.
 */
static int link_wait(struct client_link *l, const char *what, sclink_msg **out)
{
    int err;

    do
        err = link_next(l, l->opts->timeout_ms, out);
    while (err == 0);
    if (err == SCLINK_ETIMEDOUT)
        return link_abort(l, SCLINK__V1__ERROR_CODE__ERR_TIMEOUT,
                          "no %s within %d ms", what, l->opts->timeout_ms);
    if (err < 0)
        l->failed = 1; /* what it was waiting for will not come */
    return err < 0 ? err : 0;
}

/* ------------------------------------------------------------- handshake */

static void build_hello(const struct client_opts *o, sclink_hello *h)
{
    sclink__v1__hello__init(h);
    h->has_version_major = 1;
    h->version_major = SCLINK_VERSION_MAJOR;
    h->has_version_minor = 1;
    h->version_minor = SCLINK_VERSION_MINOR;
    h->has_role = 1;
    h->role = SCLINK__V1__ROLE__ROLE_QEMU;
    h->name = (char *)o->name;
    h->has_capabilities = 1;
    h->capabilities = o->caps;
    h->has_quantum_ps = o->quantum_ps != 0;
    h->quantum_ps = o->quantum_ps;
    h->has_max_frame = 1;
    h->max_frame = o->max_frame;
}

/*
 * Checks the Welcome as the device does (7.5, sclink_welcome_check).  The
 * handshake is done here rather than with sclink_client_handshake()
 * because the client must print the code of a refusing Error ("error
 * ERR_BUSY: ..."), which that helper does not return.
 */
static int check_welcome(struct client_link *l, const sclink_hello *h)
{
    const sclink_welcome *w = l->welcome->welcome;
    Sclink__V1__ErrorCode code;
    char why[256];

    if (sclink_welcome_check(h, w, &code, why, sizeof(why)))
        return link_abort(l, code, "%s", why);
    if (sclink_conn_set_max_frame(&l->conn, w->max_frame))
        return link_abort(l, SCLINK__V1__ERROR_CODE__ERR_CONFIG,
                          "Welcome max_frame %u unusable", w->max_frame);
    l->caps = w->capabilities;
    return 0;
}

int client_link_open(struct client_link *l, const struct client_opts *opts)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_hello hello;
    char text[SCLINK_LOG_TEXT_SIZE];
    int err;

    memset(l, 0, sizeof(*l));
    l->opts = opts;
    l->conn.fd = -1;
    l->next_id = 1;
    err = client_mem_init(&l->mem, opts->mem_base, opts->mem_size);
    if (err) {
        fprintf(stderr, "sclink-client: cannot set up %" PRIu64
                        " bytes of guest memory at 0x%" PRIx64 ": %s\n",
                opts->mem_size, opts->mem_base, sclink_strerror(err));
        return CLIENT_EUSAGE;
    }
    err = sclink_conn_connect(&l->conn, opts->addr, opts->connect_timeout_ms);
    if (err) {
        fprintf(stderr, "sclink-client: cannot connect to %s: %s\n",
                opts->addr, sclink_strerror(err));
        return CLIENT_EUSAGE;
    }
    if (opts->tls_creds) {
        l->tls = client_tls_start(opts, &l->conn);
        if (l->tls == NULL)
            return CLIENT_EUSAGE; /* it said why */
    }
    l->open = 1;
    build_hello(opts, &hello);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
    env.hello = &hello;
    client_trace('>', &env);
    err = sclink_conn_send(&l->conn, &env);
    if (err == 0)
        err = sclink_conn_recv(&l->conn, &l->welcome, opts->timeout_ms);
    if (err) {
        fprintf(stderr, "sclink-client: no Welcome from %s: %s\n", opts->addr,
                err <= SCLINK_EFRAMESIZE && err >= SCLINK_EUNKNOWN
                    ? sclink_decoder_reason(&l->conn.dec)
                    : sclink_strerror(err));
        return CLIENT_EUSAGE;
    }
    client_trace('<', l->welcome);
    switch (l->welcome->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        client_result("error %s: %s",
                      client_error_code_name(l->welcome->error->code),
                      sclink_log_text(text, sizeof(text),
                                      l->welcome->error->message));
        l->open = 0;
        return CLIENT_EFAILED;
    default:
        link_abort(l, SCLINK__V1__ERROR_CODE__ERR_STATE,
                   "expected Welcome, got %s", sclink_msg_name(l->welcome));
        return CLIENT_EFAILED;
    }
    if (check_welcome(l, &hello))
        return CLIENT_EFAILED;
    client_print_welcome(l->welcome->welcome);
    sclink_window_init(&l->win, l->caps, l->welcome->welcome->quantum_ps);
    return 0;
}

void client_link_close(struct client_link *l)
{
    client_tls_free(l->tls);
    l->tls = NULL;
    if (l->conn.fd >= 0)
        sclink_conn_close(&l->conn);
    sclink_msg_free(l->welcome);
    l->welcome = NULL;
    client_mem_free(&l->mem);
    l->open = 0;
}

const sclink_bar *client_link_bar(const struct client_link *l, uint32_t bar)
{
    const sclink_device_info *d = l->welcome->welcome->device;
    size_t i;

    for (i = 0; i < d->n_bars; i++)
        if (d->bars[i]->index == bar)
            return d->bars[i];
    return NULL;
}

/* ------------------------------------------------------------- accesses */

static void build_request(struct client_link *l, sclink_request *r,
                          Sclink__V1__Command cmd, uint32_t bar, uint64_t off,
                          uint32_t len, const uint8_t *wdata)
{
    sclink__v1__request__init(r);
    r->has_id = 1;
    r->id = l->next_id++;
    r->has_command = 1;
    r->command = cmd;
    r->has_bar = 1;
    r->bar = bar;
    r->has_address = 1;
    r->address = off;
    r->has_length = 1;
    r->length = len;
    if (wdata != NULL) {
        r->has_data = 1;
        r->data.data = (uint8_t *)wdata;
        r->data.len = len;
    }
    /* The window rule: every stamp lies inside the granted window. */
    r->has_time_ps = 1;
    r->time_ps = l->now_ps;
    if (cmd != SCLINK__V1__COMMAND__CMD_DEBUG_READ &&
        cmd != SCLINK__V1__COMMAND__CMD_DEBUG_WRITE)
        sclink_window_request(&l->win, r->time_ps);
}

int client_link_access(struct client_link *l, Sclink__V1__Command cmd,
                       uint32_t bar, uint64_t off, uint32_t len,
                       const uint8_t *wdata, Sclink__V1__Status *status,
                       uint8_t *rdata)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request req;
    sclink_msg *m;
    char what[64], why[160];
    int read = wdata == NULL, err;

    build_request(l, &req, cmd, bar, off, len, wdata);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &req;
    err = link_send(l, &env);
    if (err)
        return err;
    l->stats.requests++;
    l->outstanding = req.id;
    l->awaiting = true;
    snprintf(what, sizeof(what), "Response to Request %" PRIu64, req.id);
    err = link_wait(l, what, &m);
    l->awaiting = false;
    if (err)
        return err;
    l->stats.responses++;
    *status = m->response->status;
    if (sclink_response_check(&req, m->response, why, sizeof(why))) {
        err = link_abort(l, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "%s", why);
        goto out_free;
    }
    if (*status == SCLINK__V1__STATUS__STATUS_OK && read)
        memcpy(rdata, m->response->data.data, len);

out_free:
    sclink_msg_free(m);
    return err;
}

int client_link_posted(struct client_link *l, uint32_t bar, uint64_t off,
                       uint32_t len, const uint8_t *wdata)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_attributes attrs = SCLINK__V1__ATTRIBUTES__INIT;
    sclink_request req;
    int err;

    build_request(l, &req, SCLINK__V1__COMMAND__CMD_WRITE, bar, off, len,
                  wdata);
    attrs.has_posted = 1;
    attrs.posted = 1;
    req.attributes = &attrs;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &req;
    err = link_send(l, &env);
    if (err == 0)
        l->stats.posted++;
    return err;
}

/* ------------------------------------------------------------------ time */

/*
 * Reports REACHED(t) and waits for its GRANT, serving events meanwhile;
 * link_next checked the GRANT (rule G), this applies it.
 */
static int link_sync_at(struct client_link *l, uint64_t t)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;
    sclink_msg *m;
    char why[160], what[64];
    int err;

    /* Rule B, kept by the callers: a REACHED only at W, never twice. */
    if (sclink_window_reached(&l->win, t, why, sizeof(why))) {
        client_result("fail: %s", why);
        l->failed = 1;
        return SCLINK_ESTATE;
    }
    s.has_kind = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
    s.has_time_ps = 1;
    s.time_ps = t;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    err = link_send(l, &env);
    if (err)
        return err;
    l->now_ps = t;
    l->stats.syncs++;
    snprintf(what, sizeof(what), "Sync GRANT for %" PRIu64 " ps", t);
    err = link_wait(l, what, &m);
    if (err)
        return err;
    sclink_window_grant(&l->win, m->sync->time_ps, m->sync->window_end_ps);
    sclink_msg_free(m);
    return 0;
}

int client_link_advance_to(struct client_link *l, uint64_t t)
{
    uint64_t at;
    int err;

    if (t < l->now_ps)
        return SCLINK_EINVAL;
    while (sclink_window_step(&l->win, t, &at)) {
        err = link_sync_at(l, at);
        if (err)
            return err;
    }
    l->now_ps = t;
    return 0;
}

int client_link_sync(struct client_link *l)
{
    if (!l->win.sync) {
        client_result("fail: sync: CAP_SYNC was not agreed");
        l->failed = 1;
        return SCLINK_ESTATE;
    }
    /* Rule B: a REACHED only at the window end. */
    return link_sync_at(l, l->win.end_ps);
}

/* Takes the oldest queued Interrupt that matches, if any. */
static int take_irq(struct client_link *l, Sclink__V1__IrqType type,
                    int has_index, uint32_t index)
{
    unsigned i;

    for (i = 0; i < l->n_irqs; i++) {
        if (type != 0 && l->irqs[i].type != type)
            continue;
        if (has_index && l->irqs[i].index != index)
            continue;
        memmove(&l->irqs[i], &l->irqs[i + 1],
                (l->n_irqs - i - 1) * sizeof(l->irqs[0]));
        l->n_irqs--;
        return 1;
    }
    return 0;
}

int client_link_wait_irq(struct client_link *l, Sclink__V1__IrqType type,
                         int has_index, uint32_t index, uint64_t limit_ps)
{
    int64_t deadline = now_ms() + l->opts->timeout_ms, left;
    sclink_msg *m;
    int err;

    for (;;) {
        if (take_irq(l, type, has_index, index))
            return 1;
        left = deadline - now_ms();
        if (!l->open || left <= 0)
            return 0;
        if (l->win.sync) {
            /* Run to the window end, then let SystemC follow: a REACHED
             * only at W (rule B), so the last window may end past LIMIT. */
            if (l->now_ps >= limit_ps)
                return 0;
            err = link_sync_at(l, l->win.end_ps);
        } else {
            /* Without windows the gateway runs freely: just listen. */
            err = link_next(l, (int)left, &m);
            if (err == SCLINK_ETIMEDOUT)
                return 0;
        }
        if (err < 0)
            return err;
    }
}

int client_link_expect_error(struct client_link *l,
                             Sclink__V1__ErrorCode *code)
{
    sclink_msg *m;
    int err;

    l->expecting_error = 1;
    do
        err = link_next(l, l->opts->timeout_ms, &m);
    while (err == 0);
    l->expecting_error = 0;
    if (err != SCLINK_EPEER)
        return 0;
    *code = l->peer_error;
    return 1;
}

int client_link_raw(struct client_link *l, const uint8_t *p, size_t len)
{
    ssize_t n;

    if (!l->open) {
        client_result("fail: the link is closed");
        l->failed = 1;
        return SCLINK_ECLOSED;
    }
    while (len > 0) {
        n = send(l->conn.fd, p, len, MSG_NOSIGNAL);
        if (n < 0)
            return link_lost(l, errno == EPIPE || errno == ECONNRESET
                                    ? SCLINK_ECLOSED
                                    : -errno);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Sync PAUSED or RESUMED at the client's time, as QEMU's VM stops or runs. */
int client_link_pause(struct client_link *l, int pause)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;

    if (!(l->caps & SCLINK__V1__CAPABILITY__CAP_PAUSE)) {
        client_result("fail: %s: CAP_PAUSE was not agreed", pause ? "pause" : "resume");
        l->failed = 1;
        return SCLINK_ESTATE;
    }
    s.has_kind = s.has_time_ps = 1;
    s.kind = pause ? SCLINK__V1__SYNC_KIND__SYNC_PAUSED : SCLINK__V1__SYNC_KIND__SYNC_RESUMED;
    s.time_ps = l->now_ps;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    return link_send(l, &env);
}

int client_link_reset(struct client_link *l)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;
    sclink_msg *m;
    int err;

    if (!(l->caps & SCLINK__V1__CAPABILITY__CAP_RESET)) {
        client_result("fail: reset: CAP_RESET was not agreed");
        l->failed = 1;
        return SCLINK_ESTATE;
    }
    s.has_kind = s.has_time_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_RESET;
    s.time_ps = l->now_ps;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    err = link_send(l, &env);
    if (err)
        return err;
    /* A stamp like a Request's: it cuts a lookahead window (rule N). */
    sclink_window_request(&l->win, s.time_ps);
    l->resetting = 1;
    l->reset_ps = s.time_ps;
    err = link_wait(l, "Sync RESET_DONE", &m);
    l->resetting = 0;
    if (err)
        return err;
    sclink_msg_free(m);
    return 0;
}

int client_link_bye(struct client_link *l)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;
    sclink_msg *m;
    int err;

    if (!l->open)
        return 0;
    bye.has_reason = 1;
    bye.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    err = link_send(l, &env);
    if (err)
        return err;
    l->closing = 1;
    /* Let the gateway close first, serving what it still had in flight. */
    do
        err = link_next(l, l->opts->timeout_ms, &m);
    while (err == 0);
    l->open = 0;
    return err == SCLINK_EPEER ? err : 0;
}
