/* Internal helpers shared by libsclink's sources; not installed. */
#ifndef SCLINK_CODEC_INTERNAL_H
#define SCLINK_CODEC_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include "sclink.h"

/* Writes a formatted one-line reason if the caller asked for one. */
static inline void sclink__why(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void sclink__why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

static inline uint32_t sclink__get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           (uint32_t)p[3];
}

static inline void sclink__put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

#endif /* SCLINK_CODEC_INTERNAL_H */
