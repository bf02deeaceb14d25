/*
 * Incremental frame decoder.  Bytes arrive in chunks of any size; whole
 * frames come out as validated messages.  A bad length prefix is caught as
 * soon as its four bytes are known, before the payload is buffered, so a
 * peer cannot make us reserve memory by announcing a huge frame.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "codec-internal.h"

static int msg_unpack(const void *payload, size_t len, uint32_t max_frame,
                      ProtobufCAllocator *alloc, sclink_msg **out, char *why,
                      size_t whylen);

void sclink_decoder_init(sclink_decoder *d, uint32_t max_frame)
{
    sclink_buf_init(&d->in);
    d->pos = 0;
    d->max_frame = max_frame ? max_frame : SCLINK_DEFAULT_MAX_FRAME;
    d->error = 0;
    d->reason[0] = '\0';
    d->msg_heap = 0;
}

void sclink_decoder_free(sclink_decoder *d)
{
    sclink_buf_free(&d->in);
    d->pos = 0;
}

int sclink_decoder_set_max_frame(sclink_decoder *d, uint32_t max_frame)
{
    if (max_frame < SCLINK_MIN_MAX_FRAME || max_frame > SCLINK_LIMIT_MAX_FRAME)
        return SCLINK_EINVAL;
    d->max_frame = max_frame;
    return 0;
}

static int fail(sclink_decoder *d, int err)
{
    d->error = err;
    if (d->reason[0] == '\0')
        snprintf(d->reason, sizeof(d->reason), "%s", sclink_strerror(err));
    return err;
}

static int check_prefix(sclink_decoder *d, uint32_t len)
{
    if (len == 0) {
        snprintf(d->reason, sizeof(d->reason), "zero length prefix");
        return fail(d, SCLINK_EFRAMESIZE);
    }
    if (len > d->max_frame) {
        snprintf(d->reason, sizeof(d->reason),
                 "length prefix %u over the limit %u", len, d->max_frame);
        return fail(d, SCLINK_EFRAMESIZE);
    }
    return 0;
}

/*
 * Checks every length prefix that the buffered bytes followed by the new
 * chunk complete, without copying anything yet.
 */
static int scan_prefixes(sclink_decoder *d, const uint8_t *data, size_t len)
{
    size_t have = d->in.len - d->pos; /* bytes of the current frame held */
    size_t off = 0;                   /* where that frame starts in `data`,
                                         counted from the buffered part */
    uint8_t hdr[SCLINK_FRAME_HEADER_SIZE];
    uint32_t flen;
    size_t i, total = have + len;
    int err;

    while (total - off >= SCLINK_FRAME_HEADER_SIZE) {
        for (i = 0; i < SCLINK_FRAME_HEADER_SIZE; i++) {
            size_t at = off + i;
            hdr[i] = at < have ? d->in.base[d->pos + at] : data[at - have];
        }
        flen = sclink__get_be32(hdr);
        err = check_prefix(d, flen);
        if (err)
            return err;
        off += SCLINK_FRAME_HEADER_SIZE + (size_t)flen;
        if (off >= total)
            break;
    }
    return 0;
}

int sclink_decoder_feed(sclink_decoder *d, const void *data, size_t len)
{
    int err;

    if (d->error)
        return SCLINK_EBROKEN;
    if (len == 0)
        return 0;
    if (data == NULL)
        return SCLINK_EINVAL;
    err = scan_prefixes(d, data, len);
    if (err)
        return err;
    /* Drop consumed frames before growing. */
    if (d->pos) {
        sclink_buf_consume(&d->in, d->pos);
        d->pos = 0;
    }
    err = sclink_buf_reserve(&d->in, len);
    if (err)
        return fail(d, err);
    memcpy(d->in.base + d->in.len, data, len);
    d->in.len += len;
    return 0;
}

/*
 * protobuf-c's allocator with a meter: what a message takes of the heap.
 * The message is freed later with the default allocator, which is plain
 * free(), so the two mix.  Two words a block for malloc's own header.
 */
static void *metered_alloc(void *data, size_t size)
{
    void *p = malloc(size);

    if (p != NULL)
        *(size_t *)data += malloc_usable_size(p) + 2 * sizeof(void *);
    return p;
}

static void metered_free(void *data, void *p)
{
    if (p != NULL)
        *(size_t *)data -= malloc_usable_size(p) + 2 * sizeof(void *);
    free(p);
}

int sclink_decoder_next(sclink_decoder *d, sclink_msg **out)
{
    size_t avail = d->in.len - d->pos;
    const uint8_t *p = d->in.base + d->pos;
    ProtobufCAllocator alloc = { metered_alloc, metered_free, NULL };
    uint32_t flen;
    int err;

    *out = NULL;
    if (d->error)
        return SCLINK_EBROKEN;
    if (avail < SCLINK_FRAME_HEADER_SIZE)
        return 0;
    flen = sclink__get_be32(p);
    /* Prefixes were checked on feed, but the limit may have shrunk since. */
    err = check_prefix(d, flen);
    if (err)
        return err;
    if (avail - SCLINK_FRAME_HEADER_SIZE < flen)
        return 0;
    d->msg_heap = 0;
    alloc.allocator_data = &d->msg_heap;
    err = msg_unpack(p + SCLINK_FRAME_HEADER_SIZE, flen, d->max_frame, &alloc, out,
                     d->reason, sizeof(d->reason));
    if (err)
        return fail(d, err);
    d->pos += SCLINK_FRAME_HEADER_SIZE + flen;
    if (d->pos == d->in.len) {
        d->in.len = 0;
        d->pos = 0;
    }
    return 1;
}

size_t sclink_decoder_pending(const sclink_decoder *d)
{
    return d->in.len - d->pos;
}

size_t sclink_decoder_msg_heap(const sclink_decoder *d)
{
    return d->msg_heap;
}

const char *sclink_decoder_reason(const sclink_decoder *d)
{
    return d->error ? d->reason : "";
}

/*
 * protobuf-c keeps fields it does not know, to re-emit them on pack, and
 * accepts field number 0 among them although the encoding forbids it.  Such
 * a message would pack into bytes no peer accepts, so refuse it here (the
 * fuzzer found this).  Walks every sub-message.
 */
static int has_bad_unknown_field(const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *desc = m->descriptor;
    unsigned i;
    size_t j;

    for (i = 0; i < m->n_unknown_fields; i++)
        if (m->unknown_fields[i].tag == 0)
            return 1;
    for (i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const char *base = (const char *)m;

        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            /* Oneof members share storage: only the set one is valid. */
            if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
                continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + f->quantifier_offset);
            ProtobufCMessage *const *v =
                *(ProtobufCMessage *const *const *)(base + f->offset);

            for (j = 0; j < n; j++)
                if (has_bad_unknown_field(v[j]))
                    return 1;
        } else {
            const ProtobufCMessage *sub =
                *(const ProtobufCMessage *const *)(base + f->offset);

            if (sub != NULL && has_bad_unknown_field(sub))
                return 1;
        }
    }
    return 0;
}

/* Reads a varint at *p (below end); 0 if it is truncated or too long. */
static int get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    unsigned shift;

    *v = 0;
    for (shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;

        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 1;
    }
    return 0;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    do {
        p[n++] = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
        v >>= 7;
    } while (v);
    return n;
}

/*
 * One top-level field of an Envelope encoding: its number, wire type and,
 * for a length-delimited one, its payload.  0 at the end or on an encoding
 * this walk does not follow (protobuf-c then has the last word on it).
 */
struct field {
    uint32_t num;
    unsigned wire;
    const uint8_t *data;
    size_t len;
};

static int next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
    uint64_t tag, n;

    if (*p >= end || !get_varint(p, end, &tag) || (tag >> 3) == 0 ||
        (tag >> 3) > UINT32_MAX)
        return 0;
    f->num = (uint32_t)(tag >> 3);
    f->wire = (unsigned)(tag & 7);
    f->data = NULL;
    f->len = 0;
    switch (f->wire) {
    case 0:
        return get_varint(p, end, &n);
    case 1:
    case 5:
        n = f->wire == 1 ? 8 : 4;
        break;
    case 2:
        if (!get_varint(p, end, &n))
            return 0;
        f->data = *p;
        break;
    default:
        return 0; /* groups: protobuf-c refuses them */
    }
    if (n > (uint64_t)(end - *p))
        return 0;
    f->len = (size_t)n;
    *p += n;
    return 1;
}

/*
 * Protobuf merges the occurrences of an embedded message field (parsing
 * them is parsing the concatenation of their payloads), and for a oneof
 * member, the occurrences since another member was last set, which clears
 * it (doc/protocol.md 3.1, E1).  protobuf-c instead keeps only the last
 * occurrence of a oneof member.  So when the winning member occurs more
 * than once in its final run, returns a new Envelope encoding of it alone
 * with the payloads concatenated, in *merged (free() it) and *merged_len,
 * and returns 1; else 0, or SCLINK_ENOMEM.  Top-level unknown fields are
 * dropped: they would be ignored anyway.
 */
static int merge_repeated_member(const uint8_t *payload, size_t len,
                                 uint8_t **merged, size_t *merged_len)
{
    const ProtobufCMessageDescriptor *desc = &sclink__v1__envelope__descriptor;
    const uint8_t *p = payload, *end = payload + len, *run = NULL;
    uint32_t member = 0;
    unsigned count = 0;
    size_t total = 0, n;
    struct field f;
    uint8_t *out;

    while (p < end) {
        const uint8_t *at = p;

        if (!next_field(&p, end, &f))
            return 0;
        if (protobuf_c_message_descriptor_get_field(desc, (unsigned)f.num) == NULL)
            continue; /* unknown: ignored */
        if (f.wire != 2)
            return 0; /* protobuf-c refuses it */
        if (f.num != member) {
            member = f.num;
            run = at;
            count = 0;
            total = 0;
        }
        count++;
        total += f.len;
    }
    if (count < 2)
        return 0;
    out = malloc(total + 16);
    if (out == NULL)
        return SCLINK_ENOMEM;
    n = put_varint(out, (uint64_t)member << 3 | 2);
    n += put_varint(out + n, total);
    for (p = run; next_field(&p, end, &f);) {
        if (f.num != member)
            continue;
        memcpy(out + n, f.data, f.len);
        n += f.len;
    }
    *merged = out;
    *merged_len = n;
    return 1;
}

int sclink_msg_unpack(const void *payload, size_t len, uint32_t max_frame,
                      sclink_msg **out, char *why, size_t whylen)
{
    return msg_unpack(payload, len, max_frame, NULL, out, why, whylen);
}

static int msg_unpack(const void *payload, size_t len, uint32_t max_frame,
                      ProtobufCAllocator *alloc, sclink_msg **out, char *why,
                      size_t whylen)
{
    uint8_t *merged;
    size_t merged_len;
    sclink_msg *m;
    int err;

    *out = NULL;
    if (len == 0 || len > max_frame) {
        sclink__why(why, whylen, "payload of %zu bytes, limit %u", len,
                    max_frame);
        return SCLINK_EFRAMESIZE;
    }
    m = sclink__v1__envelope__unpack(alloc, len, payload);
    if (m == NULL) {
        sclink__why(why, whylen, "payload of %zu bytes is not an Envelope",
                    len);
        return SCLINK_EDECODE;
    }
    /* The whole payload decodes: now take its repeated member merged. */
    err = merge_repeated_member(payload, len, &merged, &merged_len);
    if (err < 0) {
        sclink__why(why, whylen, "no memory to merge a repeated member");
        goto out_free;
    }
    if (err == 1) {
        sclink__v1__envelope__free_unpacked(m, alloc);
        m = sclink__v1__envelope__unpack(alloc, merged_len, merged);
        free(merged);
        if (m == NULL) {
            sclink__why(why, whylen, "payload of %zu bytes is not an Envelope",
                        len);
            return SCLINK_EDECODE;
        }
    }
    if (has_bad_unknown_field(&m->base)) {
        sclink__why(why, whylen, "payload carries a field numbered 0");
        err = SCLINK_EDECODE;
        goto out_free;
    }
    err = sclink_msg_validate(m, max_frame, why, whylen);
    if (err)
        goto out_free;
    *out = m;
    return 0;

out_free:
    sclink__v1__envelope__free_unpacked(m, alloc);
    return err;
}

void sclink_msg_free(sclink_msg *m)
{
    if (m != NULL)
        sclink__v1__envelope__free_unpacked(m, NULL);
}
