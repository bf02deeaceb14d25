/*
 * Command lines to struct client_cmd.  A line is split on white space and
 * each word is read with strtoull-based helpers: no grammar beyond "a
 * command name, then its arguments".  Everything is checked before the
 * client connects (for -f and arguments), so a typo never runs half a test.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"

/* A number followed by a unit from `units`; "" in the table is no unit. */
struct unit {
    const char *suffix;
    uint64_t scale;
};

static int parse_scaled(const char *s, const struct unit *units, uint64_t *out)
{
    unsigned long long v;
    char *end;
    int base = 10;

    /* strtoull would accept a sign, leading blanks and octal: refuse them. */
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return SCLINK_EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        if (!isxdigit((unsigned char)s[2]))
            return SCLINK_EINVAL;
    }
    errno = 0;
    v = strtoull(s, &end, base);
    if (errno == ERANGE)
        return SCLINK_ERANGE;
    for (; units->suffix != NULL; units++) {
        if (strcmp(end, units->suffix) != 0)
            continue;
        if (v > UINT64_MAX / units->scale)
            return SCLINK_ERANGE;
        *out = v * units->scale;
        return 0;
    }
    return SCLINK_EINVAL;
}

int client_parse_u64(const char *s, uint64_t *out)
{
    static const struct unit none[] = { { "", 1 }, { NULL, 0 } };

    return parse_scaled(s, none, out);
}

int client_parse_time(const char *s, uint64_t *ps)
{
    static const struct unit units[] = {
        { "", 1 },
        { "ps", 1 },
        { "ns", 1000 },
        { "us", 1000000 },
        { "ms", 1000000000 },
        { "s", UINT64_C(1000000000000) },
        { NULL, 0 },
    };

    return parse_scaled(s, units, ps);
}

int client_parse_size(const char *s, uint64_t *out)
{
    static const struct unit units[] = {
        { "", 1 },
        { "K", 1 << 10 },
        { "KiB", 1 << 10 },
        { "M", 1 << 20 },
        { "MiB", 1 << 20 },
        { "G", 1 << 30 },
        { "GiB", 1 << 30 },
        { NULL, 0 },
    };

    return parse_scaled(s, units, out);
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int client_parse_hex(const char *s, uint8_t *buf, size_t cap, size_t *len)
{
    size_t n = *len;
    int hi, lo;

    if (strncmp(s, "hex:", 4) == 0)
        s += 4;
    if (*s == '\0')
        return SCLINK_EINVAL;
    while (*s != '\0') {
        /* Separators between bytes are for readability only. */
        if (*s == ':' || *s == '_') {
            s++;
            continue;
        }
        hi = hex_digit(s[0]);
        lo = hi < 0 ? -1 : hex_digit(s[1]);
        if (hi < 0 || lo < 0)
            return SCLINK_EINVAL;
        if (n >= cap)
            return SCLINK_ENOBUFS;
        buf[n++] = (uint8_t)(hi << 4 | lo);
        s += 2;
    }
    *len = n;
    return 0;
}

/* ----------------------------------------------------------- one command */

/* What the parser of one line works on. */
struct words {
    char **v;
    int n;
    unsigned line;
    const char *name; /* the command, for messages */
    char *why;
    size_t whylen;
};

static int fail(struct words *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int fail(struct words *w, const char *fmt, ...)
{
    char msg[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(w->why, w->whylen, "line %u: %s", w->line, msg);
    return SCLINK_EINVAL;
}

static int want_u64(struct words *w, int i, const char *what, uint64_t *out)
{
    if (client_parse_u64(w->v[i], out) != 0)
        return fail(w, "%s: %s '%s' is not a number (decimal or 0x hex)",
                    w->name, what, w->v[i]);
    return 0;
}

static int want_u32(struct words *w, int i, const char *what, uint64_t max,
                    uint32_t *out)
{
    uint64_t v;
    int err = want_u64(w, i, what, &v);

    if (err)
        return err;
    if (v > max)
        return fail(w, "%s: %s %s is over %llu", w->name, what, w->v[i],
                    (unsigned long long)max);
    *out = (uint32_t)v;
    return 0;
}

static int want_time(struct words *w, int i, const char *what, uint64_t *out)
{
    if (client_parse_time(w->v[i], out) != 0)
        return fail(w, "%s: %s '%s' is not a time (NUMBER[ps|ns|us|ms|s])",
                    w->name, what, w->v[i]);
    return 0;
}

/* Hex bytes from words first..n-1, concatenated. */
static int want_bytes(struct words *w, int first, struct client_cmd *c)
{
    size_t cap = 0;
    int i, err;

    for (i = first; i < w->n; i++)
        cap += strlen(w->v[i]) / 2;
    if (cap > CLIENT_MAX_BYTES)
        return fail(w, "%s: more than %u bytes", w->name, CLIENT_MAX_BYTES);
    c->data = malloc(cap ? cap : 1);
    if (c->data == NULL)
        return fail(w, "%s: out of memory", w->name);
    c->data_len = 0;
    for (i = first; i < w->n; i++) {
        err = client_parse_hex(w->v[i], c->data, cap, &c->data_len);
        if (err)
            return fail(w, "%s: '%s' is not hex bytes (pairs of hex digits)",
                        w->name, w->v[i]);
    }
    return 0;
}

/*
 * DATA of an access of `len` bytes: a number stored little-endian (len <= 8,
 * the value must fit), or hex:BYTES of exactly len bytes in memory order.
 */
static int want_data(struct words *w, int i, uint32_t len, struct client_cmd *c)
{
    uint64_t v;
    uint32_t k;

    if (strncmp(w->v[i], "hex:", 4) == 0) {
        if (want_bytes(w, i, c))
            return SCLINK_EINVAL;
        if (c->data_len != len)
            return fail(w, "%s: %zu data bytes for a length of %u", w->name,
                        c->data_len, len);
        return 0;
    }
    if (client_parse_u64(w->v[i], &v) != 0)
        return fail(w, "%s: DATA '%s' is neither a number nor hex:BYTES",
                    w->name, w->v[i]);
    if (len > 8)
        return fail(w, "%s: a number fills at most 8 bytes; use hex:BYTES "
                       "for %u", w->name, len);
    if (len < 8 && v >> (8 * len) != 0)
        return fail(w, "%s: value %s does not fit in %u bytes", w->name,
                    w->v[i], len);
    c->data = malloc(len);
    if (c->data == NULL)
        return fail(w, "%s: out of memory", w->name);
    for (k = 0; k < len; k++)
        c->data[k] = (uint8_t)(v >> (8 * k));
    c->data_len = len;
    return 0;
}

static int want_argc(struct words *w, int min, int max, const char *usage)
{
    int argc = w->n - 1;

    if (argc < min || (max >= 0 && argc > max))
        return fail(w, "usage: %s %s", w->name, usage);
    return 0;
}

/* BAR OFFSET LEN, the head of every access. */
static int parse_access_head(struct words *w, struct client_cmd *c)
{
    if (want_u32(w, 1, "BAR", 5, &c->bar) || want_u64(w, 2, "OFFSET", &c->addr) ||
        want_u32(w, 3, "LEN", UINT32_MAX, &c->len))
        return SCLINK_EINVAL;
    if (c->len == 0)
        return fail(w, "%s: LEN must be at least 1", w->name);
    return 0;
}

static int parse_access(struct words *w, struct client_cmd *c)
{
    switch (c->op) {
    case CLIENT_OP_READ:
    case CLIENT_OP_DREAD:
        if (c->expect_data) {
            if (want_argc(w, 4, 4, "BAR OFFSET LEN DATA"))
                return SCLINK_EINVAL;
            return parse_access_head(w, c) || want_data(w, 4, c->len, c)
                       ? SCLINK_EINVAL
                       : 0;
        }
        if (want_argc(w, 3, 3, "BAR OFFSET LEN"))
            return SCLINK_EINVAL;
        return parse_access_head(w, c);
    default:
        if (want_argc(w, 4, 4, "BAR OFFSET LEN DATA"))
            return SCLINK_EINVAL;
        return parse_access_head(w, c) || want_data(w, 4, c->len, c)
                   ? SCLINK_EINVAL
                   : 0;
    }
}

/* wait-irq [TYPE [INDEX]] [LIMIT]; TYPE "any" matches every interrupt. */
static int parse_wait_irq(struct words *w, struct client_cmd *c)
{
    uint64_t idx;
    int i = 1;

    if (want_argc(w, 0, 3, "[TYPE [INDEX]] [LIMIT]"))
        return SCLINK_EINVAL;
    if (i < w->n && !isdigit((unsigned char)w->v[i][0])) {
        if (strcmp(w->v[i], "any") != 0 &&
            client_irq_type_parse(w->v[i], &c->irq_type) != 0)
            return fail(w, "wait-irq: unknown interrupt type '%s' "
                           "(line, intx, msi, msix, any)", w->v[i]);
        i++;
        /* After a TYPE a plain number is the INDEX; a LIMIT has a unit. */
        if (i < w->n && c->irq_type != 0 &&
            client_parse_u64(w->v[i], &idx) == 0) {
            if (want_u32(w, i, "INDEX", 2047, &c->irq_index))
                return SCLINK_EINVAL;
            c->has_irq_index = 1;
            i++;
        }
    }
    if (i < w->n) {
        if (want_time(w, i, "LIMIT", &c->time_ps))
            return SCLINK_EINVAL;
        c->has_limit = 1;
        i++;
    }
    if (i < w->n)
        return fail(w, "usage: wait-irq [TYPE [INDEX]] [LIMIT]");
    return 0;
}

static int parse_words(struct words *w, struct client_cmd *c)
{
    const char *n = w->v[0];
    Sclink__V1__Status st;

    w->name = n;
    if (strcmp(n, "read") == 0 || strcmp(n, "expect-read") == 0) {
        c->op = CLIENT_OP_READ;
        c->expect_data = n[0] == 'e';
        return parse_access(w, c);
    }
    if (strcmp(n, "dread") == 0) {
        c->op = CLIENT_OP_DREAD;
        return parse_access(w, c);
    }
    if (strcmp(n, "write") == 0) {
        c->op = CLIENT_OP_WRITE;
        return parse_access(w, c);
    }
    if (strcmp(n, "dwrite") == 0) {
        c->op = CLIENT_OP_DWRITE;
        return parse_access(w, c);
    }
    if (strcmp(n, "posted") == 0) {
        c->op = CLIENT_OP_POSTED;
        return parse_access(w, c);
    }
    if (strcmp(n, "expect-status") == 0) {
        /* expect-status STATUS COMMAND ARGS...: the inner access may fail. */
        if (w->n < 3)
            return fail(w, "usage: expect-status STATUS read|write|dread|"
                           "dwrite ARGS...");
        if (client_status_parse(w->v[1], &st) != 0)
            return fail(w, "expect-status: unknown status '%s'", w->v[1]);
        if (strcmp(w->v[2], "read") && strcmp(w->v[2], "write") &&
            strcmp(w->v[2], "dread") && strcmp(w->v[2], "dwrite"))
            return fail(w, "expect-status: '%s' is not read, write, dread "
                           "or dwrite", w->v[2]);
        w->v += 2;
        w->n -= 2;
        if (parse_words(w, c))
            return SCLINK_EINVAL;
        c->expect_status = st;
        return 0;
    }
    if (strcmp(n, "expect-mem") == 0 || strcmp(n, "mem-write") == 0) {
        c->op = n[0] == 'e' ? CLIENT_OP_EXPECT_MEM : CLIENT_OP_MEM_WRITE;
        if (want_argc(w, 2, -1, "ADDR HEX..."))
            return SCLINK_EINVAL;
        return want_u64(w, 1, "ADDR", &c->addr) || want_bytes(w, 2, c)
                   ? SCLINK_EINVAL
                   : 0;
    }
    if (strcmp(n, "mem-read") == 0) {
        c->op = CLIENT_OP_MEM_READ;
        if (want_argc(w, 2, 2, "ADDR LEN"))
            return SCLINK_EINVAL;
        if (want_u64(w, 1, "ADDR", &c->addr) ||
            want_u32(w, 2, "LEN", CLIENT_MAX_BYTES, &c->len))
            return SCLINK_EINVAL;
        return c->len == 0 ? fail(w, "mem-read: LEN must be at least 1") : 0;
    }
    if (strcmp(n, "expect-error") == 0) {
        c->op = CLIENT_OP_EXPECT_ERROR;
        if (want_argc(w, 0, 1, "[CODE]"))
            return SCLINK_EINVAL;
        if (w->n == 2) {
            if (client_error_code_parse(w->v[1], &c->error_code) != 0)
                return fail(w, "expect-error: unknown code '%s' (ERR_...)",
                            w->v[1]);
            c->has_error_code = 1;
        }
        return 0;
    }
    if (strcmp(n, "time") == 0 || strcmp(n, "advance") == 0) {
        c->op = n[0] == 't' ? CLIENT_OP_TIME : CLIENT_OP_ADVANCE;
        if (want_argc(w, 1, 1, c->op == CLIENT_OP_TIME ? "T" : "DT"))
            return SCLINK_EINVAL;
        return want_time(w, 1, c->op == CLIENT_OP_TIME ? "T" : "DT",
                         &c->time_ps);
    }
    if (strcmp(n, "wait-irq") == 0) {
        c->op = CLIENT_OP_WAIT_IRQ;
        return parse_wait_irq(w, c);
    }
    if (strcmp(n, "sleep") == 0) {
        c->op = CLIENT_OP_SLEEP;
        if (want_argc(w, 1, 1, "MS"))
            return SCLINK_EINVAL;
        return want_u64(w, 1, "MS", &c->ms);
    }
    if (strcmp(n, "raw") == 0) {
        c->op = CLIENT_OP_RAW;
        if (want_argc(w, 1, -1, "HEX..."))
            return SCLINK_EINVAL;
        return want_bytes(w, 1, c);
    }
    if (strcmp(n, "reset") == 0) {
        c->op = CLIENT_OP_RESET;
        return want_argc(w, 0, 0, "");
    }
    if (strcmp(n, "pause") == 0 || strcmp(n, "resume") == 0) {
        c->op = n[0] == 'p' ? CLIENT_OP_PAUSE : CLIENT_OP_RESUME;
        return want_argc(w, 0, 0, "");
    }
    if (strcmp(n, "sync") == 0 || strcmp(n, "bye") == 0 ||
        strcmp(n, "stats") == 0) {
        c->op = n[0] == 'b'   ? CLIENT_OP_BYE
                : n[1] == 'y' ? CLIENT_OP_SYNC
                              : CLIENT_OP_STATS;
        return want_argc(w, 0, 0, "");
    }
    return fail(w, "unknown command '%s'", n);
}

int client_parse_line(const char *text, unsigned line, struct client_cmd *cmd,
                      char *why, size_t whylen)
{
    struct words w = { .line = line, .why = why, .whylen = whylen };
    char *copy, *p, *save, **v;
    int n = 0, err;

    memset(cmd, 0, sizeof(*cmd));
    cmd->line = line;
    cmd->expect_status = SCLINK__V1__STATUS__STATUS_OK;
    copy = strdup(text);
    /* At most one word per two characters, plus one. */
    v = malloc((strlen(text) / 2 + 2) * sizeof(*v));
    if (copy == NULL || v == NULL) {
        snprintf(why, whylen, "line %u: out of memory", line);
        err = SCLINK_ENOMEM;
        goto out_free;
    }
    for (p = strtok_r(copy, " \t\r\n", &save); p != NULL;
         p = strtok_r(NULL, " \t\r\n", &save)) {
        if (p[0] == '#')
            break; /* the rest of the line is a comment */
        v[n++] = p;
    }
    err = 0;
    if (n == 0)
        goto out_free;
    w.v = v;
    w.n = n;
    err = parse_words(&w, cmd);
    if (err) {
        client_cmd_free(cmd);
        goto out_free;
    }
    err = 1;

out_free:
    free(v);
    free(copy);
    return err;
}

void client_cmd_free(struct client_cmd *cmd)
{
    free(cmd->data);
    cmd->data = NULL;
    cmd->data_len = 0;
}
