/*
 * Runs one parsed command on a link and checks what it expects.  Every
 * command that talks to the gateway prints one line (unless --quiet); a
 * failure prints one more, "fail line N: ...", saying what was expected.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client.h"

static int fail(struct client_link *l, const struct client_cmd *c,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct client_link *l, const struct client_cmd *c,
                const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    client_result("fail line %u: %s", c->line, msg);
    l->failed = 1;
    return CLIENT_EFAILED;
}

static const char *op_name(enum client_op op)
{
    switch (op) {
    case CLIENT_OP_READ:
        return "read";
    case CLIENT_OP_WRITE:
        return "write";
    case CLIENT_OP_POSTED:
        return "posted";
    case CLIENT_OP_DREAD:
        return "dread";
    default:
        return "dwrite";
    }
}

/* Refuses what a conforming QEMU side would never send. */
static int check_access(struct client_link *l, const struct client_cmd *c)
{
    const sclink_bar *bar = client_link_bar(l, c->bar);
    const char *name = op_name(c->op);

    if (bar == NULL)
        return fail(l, c, "%s: the device has no bar %u", name, c->bar);
    if (c->addr >= bar->size || c->len > bar->size - c->addr)
        return fail(l, c,
                    "%s: off=0x%" PRIx64 " len=%u lies outside bar %u "
                    "(size 0x%" PRIx64 ")",
                    name, c->addr, c->len, c->bar, bar->size);
    if ((c->op == CLIENT_OP_DREAD || c->op == CLIENT_OP_DWRITE) &&
        !(l->caps & SCLINK__V1__CAPABILITY__CAP_DEBUG))
        return fail(l, c, "%s: CAP_DEBUG was not agreed", name);
    if (c->op == CLIENT_OP_POSTED &&
        (!(l->caps & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES) ||
         !bar->posted_writes))
        return fail(l, c, "posted: bar %u does not take posted writes%s",
                    c->bar,
                    l->caps & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES
                        ? ""
                        : " (CAP_POSTED_WRITES not agreed)");
    return 0;
}

static int run_access(struct client_link *l, const struct client_cmd *c)
{
    static const Sclink__V1__Command commands[] = {
        [CLIENT_OP_READ] = SCLINK__V1__COMMAND__CMD_READ,
        [CLIENT_OP_WRITE] = SCLINK__V1__COMMAND__CMD_WRITE,
        [CLIENT_OP_DREAD] = SCLINK__V1__COMMAND__CMD_DEBUG_READ,
        [CLIENT_OP_DWRITE] = SCLINK__V1__COMMAND__CMD_DEBUG_WRITE,
    };
    int read = c->op == CLIENT_OP_READ || c->op == CLIENT_OP_DREAD;
    char head[128], got[96], want[96];
    Sclink__V1__Status status;
    uint8_t *rdata = NULL;
    int rc;

    rc = check_access(l, c);
    if (rc)
        return rc;
    snprintf(head, sizeof(head), "%s bar=%u off=0x%" PRIx64 " len=%u",
             op_name(c->op), c->bar, c->addr, c->len);
    if (c->op == CLIENT_OP_POSTED) {
        client_format_data(c->data, c->data_len, want, sizeof(want));
        if (client_link_posted(l, c->bar, c->addr, c->len, c->data))
            return CLIENT_EFAILED;
        client_event("%s data=%s", head, want);
        return 0;
    }
    if (read) {
        rdata = malloc(c->len);
        if (rdata == NULL)
            return fail(l, c, "%s: out of memory", head);
    }
    rc = CLIENT_EFAILED;
    if (client_link_access(l, commands[c->op], c->bar, c->addr, c->len,
                           read ? NULL : c->data, &status, rdata))
        goto out_free;
    if (read && status == SCLINK__V1__STATUS__STATUS_OK) {
        client_format_data(rdata, c->len, got, sizeof(got));
        client_result("%s -> ok data=%s", head, got);
    } else if (read) {
        client_result("%s -> %s", head, client_status_name(status));
    } else {
        client_format_data(c->data, c->data_len, want, sizeof(want));
        client_event("%s data=%s -> %s", head, want,
                     client_status_name(status));
    }
    if (status != c->expect_status) {
        fail(l, c, "%s: expected status %s, got %s", head,
             client_status_name(c->expect_status), client_status_name(status));
        goto out_free;
    }
    if (c->expect_data && memcmp(rdata, c->data, c->len) != 0) {
        client_format_data(c->data, c->data_len, want, sizeof(want));
        fail(l, c, "%s: expected data=%s, got data=%s", head, want, got);
        goto out_free;
    }
    rc = 0;

out_free:
    free(rdata);
    return rc;
}

static int run_mem(struct client_link *l, const struct client_cmd *c)
{
    size_t len = c->op == CLIENT_OP_MEM_READ ? c->len : c->data_len;
    char *hex;
    size_t i;
    uint8_t *p;

    if (!client_mem_contains(&l->mem, c->addr, len))
        return fail(l, c,
                    "addr=0x%" PRIx64 " len=%zu lies outside the guest memory "
                    "0x%" PRIx64 "+0x%" PRIx64,
                    c->addr, len, l->mem.base, l->mem.size);
    p = client_mem_at(&l->mem, c->addr);
    if (c->op == CLIENT_OP_MEM_WRITE) {
        memcpy(p, c->data, len);
        return 0;
    }
    if (c->op == CLIENT_OP_EXPECT_MEM && memcmp(p, c->data, len) == 0)
        return 0;
    /* Memory is bytes: always shown in memory order. */
    hex = malloc(2 * len + 1);
    if (hex == NULL)
        return fail(l, c, "out of memory");
    for (i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", p[i]);
    if (c->op == CLIENT_OP_MEM_READ) {
        client_result("mem-read addr=0x%" PRIx64 " len=%zu -> hex:%s", c->addr,
                      len, hex);
        free(hex);
        return 0;
    }
    /* Only the first difference: the whole range may be megabytes. */
    for (i = 0; p[i] == c->data[i]; i++)
        ;
    fail(l, c,
         "expect-mem addr=0x%" PRIx64 " len=%zu: first difference at "
         "0x%" PRIx64 ": expected 0x%02x, got 0x%02x",
         c->addr, len, c->addr + i, c->data[i], p[i]);
    free(hex);
    return CLIENT_EFAILED;
}

static int run_time(struct client_link *l, const struct client_cmd *c)
{
    uint64_t now = l->now_ps, t = c->time_ps;

    if (c->op == CLIENT_OP_ADVANCE) {
        if (t > UINT64_MAX - now)
            return fail(l, c, "advance: %" PRIu64 " ps overflows the time", t);
        t += now;
    }
    if (t < now) {
        client_result("fail line %u: time: %" PRIu64 " ps is before the "
                      "client's time %" PRIu64 " ps",
                      c->line, t, now);
        l->failed = 1;
        return CLIENT_EUSAGE;
    }
    return client_link_advance_to(l, t) ? CLIENT_EFAILED : 0;
}

static int run_wait_irq(struct client_link *l, const struct client_cmd *c)
{
    uint64_t limit = UINT64_MAX;
    char what[64], by[64];
    int err;

    if (c->has_limit && c->time_ps <= UINT64_MAX - l->now_ps)
        limit = l->now_ps + c->time_ps;
    err = client_link_wait_irq(l, c->irq_type, c->has_irq_index, c->irq_index,
                               limit);
    if (err == 1)
        return 0;
    if (err < 0)
        return CLIENT_EFAILED;
    if (c->irq_type == 0)
        snprintf(what, sizeof(what), "any interrupt");
    else if (c->has_irq_index)
        snprintf(what, sizeof(what), "irq %s %u",
                 client_irq_type_name(c->irq_type), c->irq_index);
    else
        snprintf(what, sizeof(what), "irq %s",
                 client_irq_type_name(c->irq_type));
    if (l->win.sync && l->now_ps >= limit)
        snprintf(by, sizeof(by), "by t=%" PRIu64 "ps", limit);
    else
        snprintf(by, sizeof(by), "within %d ms", l->opts->timeout_ms);
    return fail(l, c, "wait-irq: no %s %s (client time %" PRIu64 "ps)", what,
                by, l->now_ps);
}

static int run_expect_error(struct client_link *l, const struct client_cmd *c)
{
    Sclink__V1__ErrorCode code;

    if (!client_link_expect_error(l, &code))
        return fail(l, c, "expect-error: no Error from the gateway");
    if (c->has_error_code && code != c->error_code)
        return fail(l, c, "expect-error: expected %s, got %s",
                    client_error_code_name(c->error_code),
                    client_error_code_name(code));
    return 0;
}

static void run_stats(const struct client_link *l)
{
    const struct client_stats *s = &l->stats;
    char end[32] = "none";

    if (l->win.sync)
        snprintf(end, sizeof(end), "%" PRIu64 "ps", l->win.end_ps);
    client_result("stats requests=%" PRIu64 " responses=%" PRIu64
                  " posted=%" PRIu64 " irqs=%" PRIu64 " dma=%" PRIu64
                  " dma_errors=%" PRIu64 " syncs=%" PRIu64 " now=%" PRIu64
                  "ps window_end=%s",
                  s->requests, s->responses, s->posted, s->irqs, s->dma,
                  s->dma_errors, s->syncs, l->now_ps, end);
}

int client_run(struct client_link *l, const struct client_cmd *c)
{
    struct timespec ts;

    switch (c->op) {
    case CLIENT_OP_READ:
    case CLIENT_OP_WRITE:
    case CLIENT_OP_POSTED:
    case CLIENT_OP_DREAD:
    case CLIENT_OP_DWRITE:
        return run_access(l, c);
    case CLIENT_OP_EXPECT_MEM:
    case CLIENT_OP_MEM_WRITE:
    case CLIENT_OP_MEM_READ:
        return run_mem(l, c);
    case CLIENT_OP_EXPECT_ERROR:
        return run_expect_error(l, c);
    case CLIENT_OP_TIME:
    case CLIENT_OP_ADVANCE:
        return run_time(l, c);
    case CLIENT_OP_SYNC:
        if (client_link_sync(l))
            return CLIENT_EFAILED;
        client_event("sync t=%" PRIu64 "ps -> window_end=%" PRIu64 "ps",
                     l->now_ps, l->win.end_ps);
        return 0;
    case CLIENT_OP_WAIT_IRQ:
        return run_wait_irq(l, c);
    case CLIENT_OP_SLEEP:
        ts.tv_sec = (time_t)(c->ms / 1000);
        ts.tv_nsec = (long)(c->ms % 1000) * 1000000;
        while (nanosleep(&ts, &ts) != 0)
            ;
        return 0;
    case CLIENT_OP_BYE:
        client_event("bye");
        return client_link_bye(l) ? CLIENT_EFAILED : 0;
    case CLIENT_OP_RAW:
        if (client_link_raw(l, c->data, c->data_len))
            return CLIENT_EFAILED;
        client_event("raw len=%zu", c->data_len);
        return 0;
    case CLIENT_OP_STATS:
        run_stats(l);
        return 0;
    case CLIENT_OP_PAUSE:
    case CLIENT_OP_RESUME:
        if (client_link_pause(l, c->op == CLIENT_OP_PAUSE))
            return CLIENT_EFAILED;
        client_event(c->op == CLIENT_OP_PAUSE ? "pause" : "resume");
        return 0;
    case CLIENT_OP_RESET:
        if (client_link_reset(l))
            return CLIENT_EFAILED;
        client_event("reset t=%" PRIu64 "ps", l->now_ps);
        return 0;
    }
    return fail(l, c, "unknown command");
}
