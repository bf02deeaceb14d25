/*
 * Message validation: the rules of doc/protocol.md ("Field rules") that a
 * receiver can check on one message alone.  Rules that need state (is a
 * Response's id outstanding, does its data length match the Request) belong
 * to the endpoint that keeps that state.
 */
#include <string.h>

#include "codec-internal.h"

#define NAME_MAX_LEN 256  /* Hello/Welcome.name */
#define TEXT_MAX_LEN 1024 /* Bye/Error.message */

/* Room a Response needs around its data: ids, status, delay, tags. */
#define RESPONSE_OVERHEAD 64

/* Each checker returns 0 or a negative code after writing `why`. */
#define FAIL(code, ...)                        \
    do {                                       \
        sclink__why(why, whylen, __VA_ARGS__); \
        return (code);                         \
    } while (0)

#define REQUIRE(msg, field, name)                                   \
    do {                                                            \
        if (!(msg)->has_##field)                                    \
            FAIL(SCLINK_EMISSING, "%s: missing required field '%s'", \
                 name, #field);                                     \
    } while (0)

static int enum_known(const ProtobufCEnumDescriptor *desc, int value)
{
    return protobuf_c_enum_descriptor_get_value(desc, value) != NULL;
}

/* An enum field that must be present, known and not the *_INVALID zero. */
#define REQUIRE_ENUM(msg, field, name, desc)                               \
    do {                                                                   \
        REQUIRE(msg, field, name);                                         \
        if (!enum_known(&(desc), (int)(msg)->field) || (msg)->field == 0)  \
            FAIL(SCLINK_ERANGE, "%s: unknown %s value %d", name, #field,   \
                 (int)(msg)->field);                                       \
    } while (0)

/* An optional enum field: absent is fine, present must be known. */
#define CHECK_ENUM(msg, field, name, desc)                                \
    do {                                                                  \
        if ((msg)->has_##field && !enum_known(&(desc), (int)(msg)->field)) \
            FAIL(SCLINK_ERANGE, "%s: unknown %s value %d", name, #field,  \
                 (int)(msg)->field);                                      \
    } while (0)

static int check_text(const char *s, size_t max, const char *name,
                      const char *field, char *why, size_t whylen)
{
    if (s != NULL && strlen(s) > max)
        FAIL(SCLINK_ELENGTH, "%s: %s longer than %zu bytes", name, field, max);
    return 0;
}

static int check_hello(const sclink_hello *h, char *why, size_t whylen)
{
    REQUIRE(h, version_major, "Hello");
    REQUIRE(h, version_minor, "Hello");
    REQUIRE_ENUM(h, role, "Hello", sclink__v1__role__descriptor);
    /* 0 means "no proposal", like an absent field. */
    if (h->has_max_frame && h->max_frame != 0 &&
        h->max_frame < SCLINK_MIN_MAX_FRAME)
        FAIL(SCLINK_ERANGE, "Hello: max_frame %u below the minimum %u",
             h->max_frame, SCLINK_MIN_MAX_FRAME);
    return check_text(h->name, NAME_MAX_LEN, "Hello", "name", why, whylen);
}

static int is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static int check_bars(const sclink_device_info *d, char *why, size_t whylen)
{
    unsigned used = 0; /* bit i: BAR slot i taken */
    size_t i;

    if (d->n_bars > 6)
        FAIL(SCLINK_ERANGE, "DeviceInfo: %zu BARs, at most 6", d->n_bars);
    for (i = 0; i < d->n_bars; i++) {
        const sclink_bar *b = d->bars[i];
        unsigned slots;

        REQUIRE(b, index, "Bar");
        REQUIRE(b, size, "Bar");
        CHECK_ENUM(b, kind, "Bar", sclink__v1__bar_kind__descriptor);
        if (b->index > 5)
            FAIL(SCLINK_ERANGE, "Bar: index %u, must be 0..5", b->index);
        if (!is_pow2(b->size) || b->size < 16)
            FAIL(SCLINK_ERANGE,
                 "Bar %u: size %llu is not a power of two >= 16", b->index,
                 (unsigned long long)b->size);
        if (b->kind == SCLINK__V1__BAR_KIND__BAR_MEM64) {
            if (b->index > 4)
                FAIL(SCLINK_ERANGE, "Bar %u: a 64-bit BAR needs slots %u and %u",
                     b->index, b->index, b->index + 1);
            slots = 3u << b->index;
        } else {
            if (b->size > (UINT64_C(1) << 31))
                FAIL(SCLINK_ERANGE, "Bar %u: size %llu too large for 32 bits",
                     b->index, (unsigned long long)b->size);
            slots = 1u << b->index;
        }
        if (used & slots)
            FAIL(SCLINK_ERANGE, "Bar %u: slot already used by another BAR",
                 b->index);
        used |= slots;
    }
    return 0;
}

static int check_device(const sclink_device_info *d, char *why, size_t whylen)
{
    REQUIRE(d, vendor_id, "DeviceInfo");
    REQUIRE(d, device_id, "DeviceInfo");
    if (d->vendor_id >= 0xffff || d->device_id > 0xffff)
        FAIL(SCLINK_ERANGE, "DeviceInfo: vendor/device id %#x:%#x invalid",
             d->vendor_id, d->device_id);
    if (d->subsystem_vendor_id > 0xffff || d->subsystem_id > 0xffff)
        FAIL(SCLINK_ERANGE, "DeviceInfo: subsystem id %#x:%#x over 16 bits",
             d->subsystem_vendor_id, d->subsystem_id);
    if (d->class_code > 0xffffff)
        FAIL(SCLINK_ERANGE, "DeviceInfo: class_code %#x over 24 bits",
             d->class_code);
    if (d->revision > 0xff)
        FAIL(SCLINK_ERANGE, "DeviceInfo: revision %#x over 8 bits",
             d->revision);
    CHECK_ENUM(d, interrupt, "DeviceInfo",
               sclink__v1__interrupt_kind__descriptor);
    switch (d->interrupt) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        if (d->has_intx_pin && (d->intx_pin < 1 || d->intx_pin > 4))
            FAIL(SCLINK_ERANGE, "DeviceInfo: intx_pin %u, must be 1..4",
                 d->intx_pin);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        REQUIRE(d, msi_vectors, "DeviceInfo");
        if (!is_pow2(d->msi_vectors) || d->msi_vectors > 32)
            FAIL(SCLINK_ERANGE,
                 "DeviceInfo: msi_vectors %u, must be 1, 2, 4, 8, 16 or 32",
                 d->msi_vectors);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX:
        REQUIRE(d, msix_vectors, "DeviceInfo");
        if (d->msix_vectors < 1 || d->msix_vectors > 2048)
            FAIL(SCLINK_ERANGE, "DeviceInfo: msix_vectors %u, must be 1..2048",
                 d->msix_vectors);
        break;
    default:
        break;
    }
    return check_bars(d, why, whylen);
}

static int check_welcome(const sclink_welcome *w, char *why, size_t whylen)
{
    REQUIRE(w, version_major, "Welcome");
    REQUIRE(w, version_minor, "Welcome");
    REQUIRE_ENUM(w, role, "Welcome", sclink__v1__role__descriptor);
    REQUIRE(w, capabilities, "Welcome");
    REQUIRE(w, quantum_ps, "Welcome");
    REQUIRE(w, max_frame, "Welcome");
    if (w->quantum_ps == 0)
        FAIL(SCLINK_ERANGE, "Welcome: quantum_ps must be > 0");
    if (w->max_frame < SCLINK_MIN_MAX_FRAME ||
        w->max_frame > SCLINK_LIMIT_MAX_FRAME)
        FAIL(SCLINK_ERANGE, "Welcome: max_frame %u outside %u..%u",
             w->max_frame, SCLINK_MIN_MAX_FRAME, SCLINK_LIMIT_MAX_FRAME);
    if (w->device == NULL)
        FAIL(SCLINK_EMISSING, "Welcome: missing required field 'device'");
    if (check_text(w->name, NAME_MAX_LEN, "Welcome", "name", why, whylen))
        return SCLINK_ELENGTH;
    return check_device(w->device, why, whylen);
}

static int is_write(Sclink__V1__Command c)
{
    return c == SCLINK__V1__COMMAND__CMD_WRITE ||
           c == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
}

static int check_request(const sclink_request *r, uint32_t max_frame,
                         char *why, size_t whylen)
{
    size_t i;

    REQUIRE(r, id, "Request");
    REQUIRE_ENUM(r, command, "Request", sclink__v1__command__descriptor);
    REQUIRE(r, address, "Request");
    REQUIRE(r, length, "Request");
    REQUIRE(r, time_ps, "Request");
    if (r->length == 0)
        FAIL(SCLINK_ELENGTH, "Request %llu: length is 0",
             (unsigned long long)r->id);
    /* The read data must fit in the Response frame. */
    if (r->length > max_frame - RESPONSE_OVERHEAD)
        FAIL(SCLINK_ELENGTH, "Request %llu: length %u over the frame limit %u",
             (unsigned long long)r->id, r->length, max_frame);
    if (sclink_range_wraps(r->address, r->length))
        FAIL(SCLINK_ERANGE, "Request %llu: address %#llx + length %u wraps",
             (unsigned long long)r->id, (unsigned long long)r->address,
             r->length);
    if (r->has_bar && r->bar > 5)
        FAIL(SCLINK_ERANGE, "Request %llu: bar %u, must be 0..5",
             (unsigned long long)r->id, r->bar);
    if (is_write(r->command)) {
        if (!r->has_data || r->data.len != r->length)
            FAIL(SCLINK_ELENGTH, "Request %llu: write of %u bytes carries %zu",
                 (unsigned long long)r->id, r->length,
                 r->has_data ? r->data.len : 0);
    } else if (r->has_data && r->data.len != 0) {
        FAIL(SCLINK_ELENGTH, "Request %llu: read carries %zu data bytes",
             (unsigned long long)r->id, r->data.len);
    }
    if (r->has_byte_enable) {
        if (r->byte_enable.len == 0 || r->byte_enable.len > r->length)
            FAIL(SCLINK_ELENGTH,
                 "Request %llu: byte_enable length %zu, must be 1..%u",
                 (unsigned long long)r->id, r->byte_enable.len, r->length);
        for (i = 0; i < r->byte_enable.len; i++)
            if (r->byte_enable.data[i] != 0x00 && r->byte_enable.data[i] != 0xff)
                FAIL(SCLINK_ERANGE,
                     "Request %llu: byte_enable[%zu] = %#x, must be 0x00 or 0xff",
                     (unsigned long long)r->id, i, r->byte_enable.data[i]);
    }
    if (r->has_streaming_width &&
        (r->streaming_width == 0 || r->streaming_width > r->length))
        FAIL(SCLINK_ERANGE, "Request %llu: streaming_width %u, must be 1..%u",
             (unsigned long long)r->id, r->streaming_width, r->length);
    if (r->attributes && r->attributes->posted &&
        r->command != SCLINK__V1__COMMAND__CMD_WRITE)
        FAIL(SCLINK_ERANGE, "Request %llu: only a write may be posted",
             (unsigned long long)r->id);
    return 0;
}

static int check_response(const sclink_response *r, char *why, size_t whylen)
{
    REQUIRE(r, id, "Response");
    REQUIRE_ENUM(r, status, "Response", sclink__v1__status__descriptor);
    if (r->status != SCLINK__V1__STATUS__STATUS_OK && r->has_data &&
        r->data.len != 0)
        FAIL(SCLINK_ELENGTH, "Response %llu: failed access carries data",
             (unsigned long long)r->id);
    return 0;
}

static int check_interrupt(const sclink_interrupt *irq, char *why,
                           size_t whylen)
{
    REQUIRE_ENUM(irq, type, "Interrupt", sclink__v1__irq_type__descriptor);
    REQUIRE(irq, index, "Interrupt");
    REQUIRE(irq, time_ps, "Interrupt");
    switch (irq->type) {
    case SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE:
        REQUIRE(irq, level, "Interrupt");
        break;
    case SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI:
        if (irq->index >= 32)
            FAIL(SCLINK_ERANGE, "Interrupt: MSI vector %u, must be < 32",
                 irq->index);
        break;
    default:
        if (irq->index >= 2048)
            FAIL(SCLINK_ERANGE, "Interrupt: MSI-X vector %u, must be < 2048",
                 irq->index);
        break;
    }
    return 0;
}

static int check_sync(const sclink_sync *s, char *why, size_t whylen)
{
    REQUIRE_ENUM(s, kind, "Sync", sclink__v1__sync_kind__descriptor);
    REQUIRE(s, time_ps, "Sync");
    if (s->kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT) {
        REQUIRE(s, window_end_ps, "Sync");
        if (s->window_end_ps <= s->time_ps)
            FAIL(SCLINK_ERANGE, "Sync: window_end_ps %llu not after time_ps %llu",
                 (unsigned long long)s->window_end_ps,
                 (unsigned long long)s->time_ps);
    }
    return 0;
}

static int check_bye(const sclink_bye *b, char *why, size_t whylen)
{
    CHECK_ENUM(b, reason, "Bye", sclink__v1__bye_reason__descriptor);
    return check_text(b->message, TEXT_MAX_LEN, "Bye", "message", why, whylen);
}

static int check_error(const sclink_error *e, char *why, size_t whylen)
{
    REQUIRE(e, code, "Error");
    if (!enum_known(&sclink__v1__error_code__descriptor, (int)e->code))
        FAIL(SCLINK_ERANGE, "Error: unknown code value %d", (int)e->code);
    return check_text(e->message, TEXT_MAX_LEN, "Error", "message", why, whylen);
}

int sclink_msg_validate(const sclink_msg *m, uint32_t max_frame, char *why,
                        size_t whylen)
{
    if (m == NULL)
        FAIL(SCLINK_EINVAL, "no message");
    if (max_frame < SCLINK_MIN_MAX_FRAME)
        max_frame = SCLINK_MIN_MAX_FRAME;
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_HELLO:
        return check_hello(m->hello, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        return check_welcome(m->welcome, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        return check_request(m->request, max_frame, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        return check_response(m->response, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
        return check_interrupt(m->interrupt, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        return check_sync(m->sync, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        return check_bye(m->bye, why, whylen);
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        return check_error(m->error, why, whylen);
    default:
        FAIL(SCLINK_EUNKNOWN, "Envelope: no known message type set");
    }
}

int sclink_response_check(const sclink_request *req,
                          const sclink_response *resp, char *why, size_t whylen)
{
    size_t n = resp->has_data ? resp->data.len : 0;

    /* A failed access carries no data: rule P4, checked on receipt. */
    if (resp->status != SCLINK__V1__STATUS__STATUS_OK)
        return 0;
    if (is_write(req->command) && n != 0)
        FAIL(SCLINK_ELENGTH, "Response %llu to a write carries %zu data bytes",
             (unsigned long long)resp->id, n);
    if (!is_write(req->command) && n != req->length)
        FAIL(SCLINK_ELENGTH, "Response %llu to a read of %u bytes carries %zu",
             (unsigned long long)resp->id, req->length, n);
    return 0;
}

const char *sclink_msg_name(const sclink_msg *m)
{
    switch (m ? m->msg_case : SCLINK__V1__ENVELOPE__MSG__NOT_SET) {
    case SCLINK__V1__ENVELOPE__MSG_HELLO:
        return "Hello";
    case SCLINK__V1__ENVELOPE__MSG_WELCOME:
        return "Welcome";
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        return "Request";
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        return "Response";
    case SCLINK__V1__ENVELOPE__MSG_INTERRUPT:
        return "Interrupt";
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        return "Sync";
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        return "Bye";
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        return "Error";
    default:
        return "unknown";
    }
}
