/*
 * Link scripts (link-fuzz.h): building them, and their text form, which
 * is what a finding saves and `make check` replays:
 *
 *   send HEX                   sendrep N HEX        dribble N MS HEX
 *   sleep MS                   respond MODE MS ARG STRAY
 *   autodma 0|1                noread               shutdown
 *   hold MS                    tls TMODE N MS ARG [HEX]                raw
 *
 * MODE is ok, status, id, len or dup (enum respond_mode); STRAY 1 sends
 * the Response even when no DMA Request came.  TMODE is ok, flip, cut,
 * slow or inject (enum tls_mode); HEX is inject's bytes.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "link-fuzz.h"

static const char *const op_names[] = {
    [OP_SEND] = "send",       [OP_SENDREP] = "sendrep", [OP_DRIBBLE] = "dribble",
    [OP_SLEEP] = "sleep",     [OP_RESPOND] = "respond", [OP_AUTODMA] = "autodma",
    [OP_NOREAD] = "noread",   [OP_SHUTDOWN] = "shutdown", [OP_HOLD] = "hold",
    [OP_TLS] = "tls",         [OP_RAW] = "raw",
};
static const char *const mode_names[RESP_COUNT] = {"ok", "status", "id", "len", "dup"};
static const char *const tls_mode_names[TLS_COUNT] = {"ok", "flip", "cut", "slow", "inject"};

void script_init(struct script *s)
{
    memset(s, 0, sizeof(*s));
}

void script_free(struct script *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->ops[i].bytes);
    free(s->ops);
    script_init(s);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "link-fuzz: out of memory\n");
        exit(2);
    }
    return p;
}

void script_add(struct script *s, enum op_kind kind, int mode, uint32_t n,
                uint32_t ms, int64_t arg, const void *bytes, size_t len)
{
    struct op *o;

    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 16;
        s->ops = xrealloc(s->ops, s->cap * sizeof(*s->ops));
    }
    o = &s->ops[s->n++];
    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->mode = mode;
    o->n = n;
    o->ms = ms;
    o->arg = arg;
    if (len) {
        o->bytes = xrealloc(NULL, len);
        memcpy(o->bytes, bytes, len);
        o->len = len;
    }
}

static void write_hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

void script_write(const struct script *s, FILE *f)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct op *o = &s->ops[i];

        fputs(op_names[o->kind], f);
        switch (o->kind) {
        case OP_SEND: fputc(' ', f); write_hex(f, o->bytes, o->len); break;
        case OP_SENDREP:
        case OP_DRIBBLE:
            fprintf(f, " %" PRIu32, o->n);
            if (o->kind == OP_DRIBBLE)
                fprintf(f, " %" PRIu32, o->ms);
            fputc(' ', f);
            write_hex(f, o->bytes, o->len);
            break;
        case OP_SLEEP:
        case OP_HOLD: fprintf(f, " %" PRIu32, o->ms); break;
        case OP_RESPOND:
            fprintf(f, " %s %" PRIu32 " %" PRId64 " %" PRIu32, mode_names[o->mode], o->ms,
                    o->arg, o->n);
            break;
        case OP_AUTODMA: fprintf(f, " %" PRIu32, o->n); break;
        case OP_TLS:
            fprintf(f, " %s %" PRIu32 " %" PRIu32 " %" PRId64, tls_mode_names[o->mode], o->n,
                    o->ms, o->arg);
            if (o->len) {
                fputc(' ', f);
                write_hex(f, o->bytes, o->len);
            }
            break;
        case OP_NOREAD:
        case OP_SHUTDOWN:
        case OP_RAW: break;
        }
        fputc('\n', f);
    }
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses HEX into a fresh buffer; -1 if it is not an even run of digits. */
static int parse_hex(const char *t, uint8_t **out, size_t *len)
{
    size_t n = strlen(t), i;
    uint8_t *p;

    if (n == 0 || n % 2)
        return -1;
    p = xrealloc(NULL, n / 2);
    for (i = 0; i < n / 2; i++) {
        int hi = hex_value(t[2 * i]), lo = hex_value(t[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(p);
            return -1;
        }
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = p;
    *len = n / 2;
    return 0;
}

static int find_name(const char *const *names, int count, const char *w)
{
    for (int i = 0; i < count; i++)
        if (names[i] && strcmp(names[i], w) == 0)
            return i;
    return -1;
}

/* Parses one step line (modified in place) into `s`; -1 if it is not one. */
static int parse_line(char *line, struct script *s)
{
    char *w[6] = {0};
    int nw = 0, kind, mode = 0;
    uint8_t *bytes = NULL;
    size_t len = 0;
    unsigned long long n = 0, ms = 0;
    long long arg = 0;
    char *save = NULL, *tok;

    for (tok = strtok_r(line, " \t\r\n", &save); tok && nw < 6;
         tok = strtok_r(NULL, " \t\r\n", &save))
        w[nw++] = tok;
    kind = find_name(op_names, (int)(sizeof(op_names) / sizeof(op_names[0])), w[0]);
    switch (kind) {
    case OP_SEND:
        if (nw != 2 || parse_hex(w[1], &bytes, &len))
            return -1;
        break;
    case OP_SENDREP:
        if (nw != 3 || parse_hex(w[2], &bytes, &len))
            return -1;
        n = strtoull(w[1], NULL, 0);
        break;
    case OP_DRIBBLE:
        if (nw != 4 || parse_hex(w[3], &bytes, &len))
            return -1;
        n = strtoull(w[1], NULL, 0);
        ms = strtoull(w[2], NULL, 0);
        break;
    case OP_SLEEP:
    case OP_HOLD:
        if (nw != 2)
            return -1;
        ms = strtoull(w[1], NULL, 0);
        break;
    case OP_RESPOND:
        if (nw != 5 || (mode = find_name(mode_names, RESP_COUNT, w[1])) < 0)
            return -1;
        ms = strtoull(w[2], NULL, 0);
        arg = strtoll(w[3], NULL, 0);
        n = strtoull(w[4], NULL, 0);
        break;
    case OP_AUTODMA:
        if (nw != 2)
            return -1;
        n = strtoull(w[1], NULL, 0);
        break;
    case OP_TLS:
        if (nw < 5 || (mode = find_name(tls_mode_names, TLS_COUNT, w[1])) < 0 ||
            (nw == 6 && parse_hex(w[5], &bytes, &len)))
            return -1;
        n = strtoull(w[2], NULL, 0);
        ms = strtoull(w[3], NULL, 0);
        arg = strtoll(w[4], NULL, 0);
        break;
    case OP_NOREAD:
    case OP_SHUTDOWN:
    case OP_RAW:
        if (nw != 1)
            return -1;
        break;
    default:
        return -1;
    }
    script_add(s, (enum op_kind)kind, mode, (uint32_t)n, (uint32_t)ms, arg, bytes, len);
    free(bytes);
    return 0;
}

int scripts_read(FILE *f, struct script **out, char *why, size_t whylen)
{
    struct script *links = NULL;
    int n = 0, lineno = 0, started = 0;
    size_t cap = 0;
    char *line = NULL, *p;
    ssize_t got;

    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        for (p = line; *p == ' ' || *p == '\t'; p++)
            ;
        if (*p == '#' || *p == '\n' || *p == '\r' || *p == '\0')
            continue;
        if (strncmp(p, "link", 4) == 0 && (p[4] == '\n' || p[4] == '\0' || p[4] == ' ')) {
            started = 0;
            continue;
        }
        if (!started) {
            links = xrealloc(links, (size_t)(n + 1) * sizeof(*links));
            script_init(&links[n++]);
            started = 1;
        }
        if (parse_line(p, &links[n - 1]) < 0) {
            snprintf(why, whylen, "line %d: not a step: %.40s", lineno, p);
            free(line);
            scripts_free(links, n);
            return -1;
        }
    }
    free(line);
    *out = links;
    return n;
}

void scripts_free(struct script *s, int n)
{
    for (int i = 0; i < n; i++)
        script_free(&s[i]);
    free(s);
}

void frame_append(sclink_buf *b, const sclink_msg *m)
{
    size_t n = sclink__v1__envelope__get_packed_size(m);

    if (sclink_buf_reserve(b, n + SCLINK_FRAME_HEADER_SIZE) < 0) {
        fprintf(stderr, "link-fuzz: out of memory\n");
        exit(2);
    }
    b->base[b->len] = (uint8_t)(n >> 24);
    b->base[b->len + 1] = (uint8_t)(n >> 16);
    b->base[b->len + 2] = (uint8_t)(n >> 8);
    b->base[b->len + 3] = (uint8_t)n;
    sclink__v1__envelope__pack(m, b->base + b->len + SCLINK_FRAME_HEADER_SIZE);
    b->len += n + SCLINK_FRAME_HEADER_SIZE;
}
