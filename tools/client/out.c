/*
 * Every line sclink-client prints goes through here, so the formats that
 * tests assert on live in one file (and in doc/client.md).  Lines go to
 * stdout, line buffered, in the order things happened.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client.h"

int client_out_quiet;
int client_out_trace;

static void vline(const char *fmt, va_list ap)
{
    vprintf(fmt, ap);
    putchar('\n');
    /* Tests read the output through a pipe while the client still runs. */
    fflush(stdout);
}

void client_event(const char *fmt, ...)
{
    va_list ap;

    if (client_out_quiet)
        return;
    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

void client_result(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vline(fmt, ap);
    va_end(ap);
}

void client_format_data(const uint8_t *p, size_t len, char *buf, size_t cap)
{
    uint64_t v = 0;
    size_t i, used;

    if (len <= 8) {
        for (i = 0; i < len; i++)
            v |= (uint64_t)p[i] << (8 * i);
        snprintf(buf, cap, "0x%0*" PRIx64, (int)(2 * len), v);
        return;
    }
    used = (size_t)snprintf(buf, cap, "hex:");
    for (i = 0; i < len && used + 3 < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%02x", p[i]);
    /* Long data is cut in trace lines only; say so rather than mislead. */
    if (i < len && cap > 4)
        memcpy(buf + cap - 4, "...", 4);
}

/* " data=..." for a message's data field, "" when it has none. */
static void format_data_field(int has, const ProtobufCBinaryData *d,
                              char *buf, size_t cap)
{
    buf[0] = '\0';
    if (has && d->len > 0) {
        snprintf(buf, cap, " data=");
        client_format_data(d->data, d->len, buf + 6, cap - 6);
    }
}

static const char *name_or_empty(const char *s)
{
    return s ? s : "";
}

void client_format_msg(const sclink_msg *m, char *buf, size_t len)
{
    char caps[128], data[160], text[SCLINK_LOG_TEXT_SIZE];
    const sclink_request *r;
    const sclink_response *rs;

    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_HELLO:
        client_caps_format(m->hello->capabilities, caps, sizeof(caps));
        snprintf(buf, len,
                 "Hello v%u.%u caps=%s quantum=%" PRIu64 "ps max_frame=%u "
                 "name=%s",
                 m->hello->version_major, m->hello->version_minor, caps,
                 m->hello->quantum_ps, m->hello->max_frame,
                 sclink_log_text(text, sizeof(text), m->hello->name));
        break;
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        client_caps_format(m->welcome->capabilities, caps, sizeof(caps));
        snprintf(buf, len,
                 "Welcome v%u.%u caps=%s quantum=%" PRIu64 "ps max_frame=%u "
                 "name=%s",
                 m->welcome->version_major, m->welcome->version_minor, caps,
                 m->welcome->quantum_ps, m->welcome->max_frame,
                 sclink_log_text(text, sizeof(text), m->welcome->name));
        break;
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        r = m->request;
        format_data_field(r->has_data, &r->data, data, sizeof(data));
        if (r->has_bar)
            snprintf(buf, len,
                     "Request id=%" PRIu64 " %s bar=%u off=0x%" PRIx64
                     " len=%u%s%s t=%" PRIu64 "ps",
                     r->id, client_command_name(r->command), r->bar, r->address,
                     r->length, data,
                     r->attributes && r->attributes->posted ? " posted" : "",
                     r->time_ps);
        else
            snprintf(buf, len,
                     "Request id=%" PRIu64 " %s addr=0x%" PRIx64
                     " len=%u%s t=%" PRIu64 "ps",
                     r->id, client_command_name(r->command), r->address, r->length,
                     data, r->time_ps);
        break;
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        rs = m->response;
        format_data_field(rs->has_data, &rs->data, data, sizeof(data));
        snprintf(buf, len, "Response id=%" PRIu64 " %s%s", rs->id,
                 client_status_name(rs->status), data);
        if (rs->has_delay_ps)
            snprintf(buf + strlen(buf), len - strlen(buf),
                     " delay=%" PRIu64 "ps", rs->delay_ps);
        break;
    case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
        snprintf(buf, len, "Interrupt %s %u%s t=%" PRIu64 "ps",
                 client_irq_type_name(m->interrupt->type),
                 m->interrupt->index,
                 m->interrupt->type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE
                     ? (m->interrupt->level ? " level=1" : " level=0")
                     : "",
                 m->interrupt->time_ps);
        break;
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        if (m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT)
            snprintf(buf, len,
                     "Sync grant t=%" PRIu64 "ps window_end=%" PRIu64 "ps",
                     m->sync->time_ps, m->sync->window_end_ps);
        else
            snprintf(buf, len, "Sync %s t=%" PRIu64 "ps",
                     client_sync_kind_name(m->sync->kind), m->sync->time_ps);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        snprintf(buf, len, "Bye reason=%s message=%s",
                 client_bye_reason_name(m->bye->reason),
                 sclink_log_text(text, sizeof(text), m->bye->message));
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        snprintf(buf, len, "Error %s: %s",
                 name_or_empty(client_error_code_name(m->error->code)),
                 sclink_log_text(text, sizeof(text), m->error->message));
        break;
    default:
        snprintf(buf, len, "%s", sclink_msg_name(m));
        break;
    }
}

void client_trace(char dir, const sclink_msg *m)
{
    char buf[512];

    if (!client_out_trace)
        return;
    client_format_msg(m, buf, sizeof(buf));
    client_result("%c %s", dir, buf);
}

/* "none", "intx:INTA", "msi:4", "msix:8". */
static void format_irq_kind(const sclink_device_info *d, char *buf, size_t len)
{
    switch (d->interrupt) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        snprintf(buf, len, "intx:INT%c",
                 'A' + (d->intx_pin >= 1 && d->intx_pin <= 4 ? d->intx_pin - 1
                                                             : 0));
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        snprintf(buf, len, "msi:%u", d->msi_vectors);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX:
        snprintf(buf, len, "msix:%u", d->msix_vectors);
        break;
    default:
        snprintf(buf, len, "none");
        break;
    }
}

void client_print_welcome(const sclink_welcome *w)
{
    const sclink_device_info *d = w->device;
    char caps[128], irq[32], text[SCLINK_LOG_TEXT_SIZE];
    size_t i;

    client_caps_format(w->capabilities, caps, sizeof(caps));
    format_irq_kind(d, irq, sizeof(irq));
    client_event("welcome vendor=0x%04x device=0x%04x subsystem=0x%04x:0x%04x "
                 "class=0x%06x revision=0x%02x irq=%s quantum=%" PRIu64
                 "ps max_frame=%u caps=%s name=%s",
                 d->vendor_id, d->device_id, d->subsystem_vendor_id,
                 d->subsystem_id, d->class_code, d->revision, irq,
                 w->quantum_ps, w->max_frame, caps,
                 sclink_log_text(text, sizeof(text), w->name));
    for (i = 0; i < d->n_bars; i++) {
        const sclink_bar *b = d->bars[i];

        client_event("bar %u size=0x%" PRIx64 " %s%s%s", b->index, b->size,
                     b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64 ? "mem64"
                                                                : "mem32",
                     b->prefetchable ? " prefetch" : "",
                     b->posted_writes ? " posted" : "");
    }
}
