/* Frame encoder: validate, prefix with the big-endian payload length, pack. */
#include <string.h>

#include "codec-internal.h"

int sclink_encode_header(const sclink_msg *m, uint32_t max_frame,
                         uint8_t hdr[SCLINK_FRAME_HEADER_SIZE])
{
    size_t len;
    int err;

    if (max_frame == 0)
        max_frame = SCLINK_DEFAULT_MAX_FRAME;
    err = sclink_msg_validate(m, max_frame, NULL, 0);
    if (err)
        return err;
    len = sclink__v1__envelope__get_packed_size(m);
    if (len == 0 || len > max_frame)
        return SCLINK_EFRAMESIZE;
    sclink__put_be32(hdr, (uint32_t)len);
    return (int)len;
}

int sclink_encode(const sclink_msg *m, uint32_t max_frame, void *buf, size_t cap)
{
    uint8_t *p = buf;
    int len;

    len = sclink_encode_header(m, max_frame, p);
    if (len < 0)
        return len;
    if (cap < SCLINK_FRAME_HEADER_SIZE + (size_t)len)
        return SCLINK_ENOBUFS;
    sclink__v1__envelope__pack(m, p + SCLINK_FRAME_HEADER_SIZE);
    return SCLINK_FRAME_HEADER_SIZE + len;
}

int sclink_encode_append(const sclink_msg *m, uint32_t max_frame, sclink_buf *b)
{
    uint8_t hdr[SCLINK_FRAME_HEADER_SIZE];
    int len, err;

    len = sclink_encode_header(m, max_frame, hdr);
    if (len < 0)
        return len;
    err = sclink_buf_reserve(b, SCLINK_FRAME_HEADER_SIZE + (size_t)len);
    if (err)
        return err;
    memcpy(b->base + b->len, hdr, SCLINK_FRAME_HEADER_SIZE);
    sclink__v1__envelope__pack(m, b->base + b->len + SCLINK_FRAME_HEADER_SIZE);
    b->len += SCLINK_FRAME_HEADER_SIZE + (size_t)len;
    return SCLINK_FRAME_HEADER_SIZE + len;
}
