/*
 * fuzz-send.c: the frames tests/e2e/fuzz-gateway sends, packed without
 * validation (some are meant to be bad) and queued with whatever the
 * active actions do to frames: unknown fields, a field numbered 0, flipped
 * bytes, a cut, a Response sent twice.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-gateway.h"

/* --------------------------------------------------------------- output */

static size_t varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Queues raw bytes. */
void emit_bytes(fz *f, const void *p, size_t n)
{
    if (sclink_buf_reserve(&f->out, n) < 0) {
        fprintf(stderr, "fuzz-gateway: out of memory\n");
        exit(2);
    }
    memcpy(f->out.base + f->out.len, p, n);
    f->out.len += n;
}

/*
 * Packs m without validating it (some are meant to be invalid) into one
 * frame, with whatever the active actions do to frames, and queues it.
 */
void emit(fz *f, const sclink_msg *m)
{
    size_t len = sclink__v1__envelope__get_packed_size(m), extra = 0, n;
    uint8_t *frame = malloc(len + 64 + SCLINK_FRAME_HEADER_SIZE);
    int copies = 1;

    if (!frame) {
        fprintf(stderr, "fuzz-gateway: out of memory\n");
        exit(2);
    }
    sclink__v1__envelope__pack(m, frame + SCLINK_FRAME_HEADER_SIZE);
    if (f->unknown_fields > 0) {
        /* A varint field numbered 100..1099 that nobody knows. */
        f->unknown_fields--;
        extra += varint(frame + SCLINK_FRAME_HEADER_SIZE + len,
                        (100 + below(&f->data, 1000)) << 3);
        extra += varint(frame + SCLINK_FRAME_HEADER_SIZE + len + extra,
                        next(&f->data));
    }
    if (f->zero_tag_next) {
        f->zero_tag_next = 0;
        frame[SCLINK_FRAME_HEADER_SIZE + len + extra++] = 0x00;
        frame[SCLINK_FRAME_HEADER_SIZE + len + extra++] = 0x01;
    }
    len += extra;
    put_be32(frame, (uint32_t)len);
    n = len + SCLINK_FRAME_HEADER_SIZE;
    if (f->mutate_next) {
        int flips = 1 + (int)below(&f->plan, 4);

        f->mutate_next = 0;
        while (flips--)
            frame[below(&f->plan, n)] ^= (uint8_t)(1 + below(&f->plan, 255));
    }
    if (f->truncate_next) {
        f->truncate_next = 0;
        n = 1 + below(&f->plan, n - 1);
    }
    if (f->dup_next && m->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        f->dup_next = 0;
        copies = 2;
    }
    while (copies--)
        emit_bytes(f, frame, n);
    free(frame);
}

void send_response(fz *f, const sclink_request *req)
{
    Sclink__V1__Response r = SCLINK__V1__RESPONSE__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    uint8_t data[8];
    uint32_t i;

    r.has_id = 1;
    r.id = req->id;
    r.has_status = 1;
    r.status = SCLINK__V1__STATUS__STATUS_OK;
    if (f->bad_status > 0) {
        f->bad_status--;
        r.status = (Sclink__V1__Status)(2 + below(&f->data, 5));
    }
    if (req->command == SCLINK__V1__COMMAND__CMD_READ &&
        r.status == SCLINK__V1__STATUS__STATUS_OK) {
        for (i = 0; i < req->length && i < sizeof data; i++)
            data[i] = (uint8_t)next(&f->data);
        r.has_data = 1;
        r.data.data = data;
        r.data.len = req->length <= sizeof data ? req->length : sizeof data;
    }
    if (one_in(&f->data, 8)) {
        r.has_delay_ps = 1;
        r.delay_ps = next(&f->data);
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    m.response = &r;
    emit(f, &m);
}

void send_interrupt(fz *f, Sclink__V1__IrqType type, uint32_t index,
                           int level, uint64_t time_ps)
{
    Sclink__V1__Interrupt irq = SCLINK__V1__INTERRUPT__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    irq.has_type = 1;
    irq.type = type;
    irq.has_index = 1;
    irq.index = index;
    if (level >= 0) {
        irq.has_level = 1;
        irq.level = level;
    }
    irq.has_time_ps = 1;
    irq.time_ps = time_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
    m.interrupt = &irq;
    emit(f, &m);
}

/* One Interrupt QEMU must accept: the agreed kind, a vector that exists. */
void send_valid_interrupt(fz *f, uint64_t time_ps)
{
    switch (f->irq) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        f->intx = !f->intx;
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, f->intx,
                       time_ps);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI,
                       (uint32_t)below(&f->data, f->vectors), -1, time_ps);
        break;
    default:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX,
                       (uint32_t)below(&f->data, f->vectors), -1, time_ps);
        break;
    }
}

/* The longest DMA the frame limit allows (rule: it fits a Response). */
uint32_t dma_max(fz *f)
{
    return f->max_frame - DMA_ROOM;
}

/*
 * A DMA Request.  data: for writes, a buffer of length bytes or NULL for
 * zeros.  The caller may spoil the Request through *req before it goes.
 */

void send_dma(fz *f, int write, uint64_t address, uint32_t length,
                     dma_spoil spoil)
{
    Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    uint8_t *data = NULL;

    req.has_id = 1;
    req.id = f->dma_id++;
    req.has_command = 1;
    req.command = write ? SCLINK__V1__COMMAND__CMD_WRITE :
                          SCLINK__V1__COMMAND__CMD_READ;
    req.has_address = 1;
    req.address = address;
    req.has_length = 1;
    req.length = length;
    req.has_time_ps = 1;
    req.time_ps = f->now_ps;
    if (write && length <= dma_max(f)) {
        data = calloc(1, length);
        if (!data)
            exit(2);
        data[0] = (uint8_t)next(&f->data);
        req.has_data = 1;
        req.data.data = data;
        req.data.len = length;
    }
    if (spoil)
        spoil(f, &req);
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    m.request = &req;
    emit(f, &m);
    free(data);
}

/*
 * An address where a DMA finds no memory, or the top of the space: never
 * guest RAM, which a hostile write would corrupt, taking the guest (not
 * QEMU) down.  The access never wraps past 2^64 - 1.
 */
static uint64_t huge_address(fz *f, uint32_t length)
{
    switch (below(&f->data, 3)) {
    case 0:
        return UINT64_MAX - (length - 1);
    case 1:
        return (1ull << 40) + (next(&f->data) & 0xfffffffffull);
    default:
        return (next(&f->data) | (1ull << 63)) & ~(uint64_t)0xfff &
               (UINT64_MAX - (length - 1));
    }
}

uint32_t dma_length(fz *f)
{
    switch (below(&f->data, 4)) {
    case 0:
        return dma_max(f);
    case 1:
        return 1 + (uint32_t)below(&f->data, dma_max(f));
    default:
        return 1u << below(&f->data, 13);
    }
}

void send_valid_dma(fz *f)
{
    uint32_t length = dma_length(f);
    int write = (int)below(&f->data, 2);

    send_dma(f, write, huge_address(f, length), length, NULL);
}

void send_sync(fz *f, Sclink__V1__SyncKind kind, uint64_t time_ps,
                      uint64_t window_end_ps)
{
    Sclink__V1__Sync s = SCLINK__V1__SYNC__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    s.has_kind = 1;
    s.kind = kind;
    s.has_time_ps = 1;
    s.time_ps = time_ps;
    s.has_window_end_ps = 1;
    s.window_end_ps = window_end_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &s;
    emit(f, &m);
}

/*
 * A plain valid Welcome for 1234:5c11: these capabilities, quantum and
 * frame limit, and a 32-bit BAR0 of bar0 bytes (0: no BAR).
 */
void send_plain_welcome(fz *f, uint64_t caps, uint64_t quantum_ps,
                        uint32_t max_frame, uint64_t bar0)
{
    Sclink__V1__Welcome w = SCLINK__V1__WELCOME__INIT;
    Sclink__V1__DeviceInfo d = SCLINK__V1__DEVICE_INFO__INIT;
    Sclink__V1__Bar bar, *slots[1];
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    w.has_version_major = w.has_version_minor = w.has_role = 1;
    w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
    w.version_major = SCLINK_VERSION_MAJOR;
    w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.capabilities = caps;
    w.quantum_ps = quantum_ps;
    w.max_frame = max_frame;
    d.has_vendor_id = d.has_device_id = 1;
    d.vendor_id = 0x1234;
    d.device_id = 0x5c11;
    d.bars = slots;
    if (bar0)
        add_bar(&d, slots, &bar, 0, bar0, 0, 0, 0);
    w.device = &d;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    m.welcome = &w;
    emit(f, &m);
}

void send_text(fz *f, int error, const char *text)
{
    Sclink__V1__Bye bye = SCLINK__V1__BYE__INIT;
    Sclink__V1__Error e = SCLINK__V1__ERROR__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    if (error) {
        e.has_code = 1;
        e.code = SCLINK__V1__ERROR_CODE__ERR_INTERNAL;
        e.message = (char *)text;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        m.error = &e;
    } else {
        bye.has_reason = 1;
        bye.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
        bye.message = (char *)text;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        m.bye = &bye;
    }
    emit(f, &m);
}

void add_bar(Sclink__V1__DeviceInfo *d, Sclink__V1__Bar **slots,
                    Sclink__V1__Bar *b, uint32_t index, uint64_t size,
                    int mem64, int prefetch, int posted)
{
    sclink__v1__bar__init(b);
    b->has_index = 1;
    b->index = index;
    b->has_size = 1;
    b->size = size;
    b->has_kind = 1;
    b->kind = mem64 ? SCLINK__V1__BAR_KIND__BAR_MEM64 :
                      SCLINK__V1__BAR_KIND__BAR_MEM32;
    b->has_prefetchable = 1;
    b->prefetchable = prefetch;
    b->has_posted_writes = 1;
    b->posted_writes = posted;
    slots[d->n_bars++] = b;
}
