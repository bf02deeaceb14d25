/*
 * Peer text made safe for a log line.  Every program that logs what the
 * other end of a link sent (a name, a Bye or Error message) goes through
 * sclink_log_text(), so the rule is written once.
 */
#include <stdio.h>
#include <string.h>

#include "sclink.h"

/* Room kept for the cut marker, "... (N more bytes cut)" with N < 2^64. */
#define CUT_MARKER_ROOM (SCLINK_LOG_TEXT_SIZE - 1 - SCLINK_LOG_TEXT_MAX)

/* Writes the escaped form of byte c to e; returns its length (1 to 4). */
static size_t escape_byte(unsigned char c, char e[4])
{
    static const char hex[] = "0123456789abcdef";

    if (c == '\\' || c == '\'' || c == '"') {
        e[0] = '\\';
        e[1] = (char)c;
        return 2;
    }
    if (c >= 0x20 && c < 0x7f) {
        e[0] = (char)c;
        return 1;
    }
    e[0] = '\\';
    e[1] = 'x';
    e[2] = hex[c >> 4];
    e[3] = hex[c & 15];
    return 4;
}

/*
 * Escapes text[0..len) into out while the result stays within `limit`
 * bytes, never splitting an escape.  Returns the bytes written; *used
 * says how many bytes of text they cover.
 */
static size_t escape_within(char *out, size_t limit, const char *text, size_t len,
                            size_t *used)
{
    size_t n = 0, i;
    char e[4];

    for (i = 0; i < len; i++) {
        size_t k = escape_byte((unsigned char)text[i], e);
        if (n + k > limit)
            break;
        memcpy(out + n, e, k);
        n += k;
    }
    *used = i;
    return n;
}

char *sclink_log_text(char *out, size_t outlen, const char *text)
{
    size_t len, limit, n, used;

    if (outlen == 0)
        return out;
    if (text == NULL)
        text = "";
    len = strlen(text);

    /* The whole text, if its escaped form fits. */
    limit = outlen - 1 < SCLINK_LOG_TEXT_MAX ? outlen - 1 : SCLINK_LOG_TEXT_MAX;
    n = escape_within(out, limit, text, len, &used);
    if (used == len || outlen - 1 <= CUT_MARKER_ROOM) {
        /* All of it, or a buffer too small for the marker: cut bare. */
        out[n] = '\0';
        return out;
    }
    /* Too long: what fits beside the marker, and the marker. */
    limit = outlen - 1 - CUT_MARKER_ROOM;
    if (limit > SCLINK_LOG_TEXT_MAX)
        limit = SCLINK_LOG_TEXT_MAX;
    n = escape_within(out, limit, text, len, &used);
    snprintf(out + n, outlen - n, "... (%zu more bytes cut)", len - used);
    return out;
}
