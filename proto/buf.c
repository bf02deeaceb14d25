/* A growable byte buffer, used for decoder input and batched output. */
#include <stdlib.h>
#include <string.h>

#include "sclink.h"

void sclink_buf_init(sclink_buf *b)
{
    b->base = NULL;
    b->len = 0;
    b->cap = 0;
}

void sclink_buf_free(sclink_buf *b)
{
    free(b->base);
    sclink_buf_init(b);
}

/* Makes room for `extra` more bytes, growing geometrically. */
int sclink_buf_reserve(sclink_buf *b, size_t extra)
{
    size_t need, cap;
    uint8_t *p;

    if (extra > SIZE_MAX - b->len)
        return SCLINK_ENOMEM;
    need = b->len + extra;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->base, cap);
    if (p == NULL)
        return SCLINK_ENOMEM;
    b->base = p;
    b->cap = cap;
    return 0;
}

void sclink_buf_consume(sclink_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->base, b->base + n, b->len - n);
    b->len -= n;
}
