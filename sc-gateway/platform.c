/*
 * Platform file loader.  libcyaml maps the fixed structure onto C structs
 * and reports errors with a backtrace of keys and lines, which we fold into
 * one "FILE:LINE: KEY: problem" line.  Device `params` are free-form per
 * model type, which a schema cannot express, so a second pass with libyaml's
 * event parser collects them (and each device's line number).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "platform.h"

#define DEFAULT_QUANTUM_NS 100000 /* 100 us */
#define DEFAULT_TIMEOUT_MS 10000
#define MAX_DEVICES 1024
#define MAX_DEVICE_IRQS 2048   /* as many as there are lines */
#define MAX_DEVICE_TARGETS 64

/* ---------------------------------------------------------------- schema */

static const cyaml_strval_t irq_kinds[] = {
    { "intx", SCLINK_PLATFORM_IRQ_INTX },
    { "msi", SCLINK_PLATFORM_IRQ_MSI },
    { "msix", SCLINK_PLATFORM_IRQ_MSIX },
    { "none", SCLINK_PLATFORM_IRQ_NONE },
};

#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t pci_fields[] = {
    CYAML_FIELD_UINT("vendor_id", CYAML_FLAG_DEFAULT, struct sclink_platform_pci, vendor_id),
    CYAML_FIELD_UINT("device_id", CYAML_FLAG_DEFAULT, struct sclink_platform_pci, device_id),
    CYAML_FIELD_UINT("subsystem_vendor_id", OPT, struct sclink_platform_pci, subsystem_vendor_id),
    CYAML_FIELD_UINT("subsystem_id", OPT, struct sclink_platform_pci, subsystem_id),
    CYAML_FIELD_UINT("class_code", OPT, struct sclink_platform_pci, class_code),
    CYAML_FIELD_UINT("revision", OPT, struct sclink_platform_pci, revision),
    CYAML_FIELD_ENUM("interrupt", OPT, struct sclink_platform_pci, interrupt, irq_kinds,
                     CYAML_ARRAY_LEN(irq_kinds)),
    CYAML_FIELD_UINT("vectors", OPT, struct sclink_platform_pci, vectors),
    CYAML_FIELD_END
};

static const cyaml_schema_field_t bar_fields[] = {
    CYAML_FIELD_UINT("index", CYAML_FLAG_DEFAULT, struct sclink_platform_bar, index),
    CYAML_FIELD_UINT("size", CYAML_FLAG_DEFAULT, struct sclink_platform_bar, size),
    CYAML_FIELD_UINT("base", OPT, struct sclink_platform_bar, base),
    CYAML_FIELD_BOOL("64bit", OPT, struct sclink_platform_bar, is64),
    CYAML_FIELD_BOOL("prefetchable", OPT, struct sclink_platform_bar, prefetchable),
    CYAML_FIELD_BOOL("posted_writes", OPT, struct sclink_platform_bar, posted_writes),
    CYAML_FIELD_END
};

static const cyaml_schema_value_t bar_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct sclink_platform_bar, bar_fields),
};

static const cyaml_schema_value_t irq_line_entry = {
    CYAML_VALUE_INT(CYAML_FLAG_DEFAULT, int64_t),
};

static const cyaml_schema_field_t window_fields[] = {
    CYAML_FIELD_UINT("base", CYAML_FLAG_DEFAULT, struct sclink_platform_window, base),
    CYAML_FIELD_UINT("size", CYAML_FLAG_DEFAULT, struct sclink_platform_window, size),
    CYAML_FIELD_UINT("offset", OPT, struct sclink_platform_window, offset),
    CYAML_FIELD_INT("priority", OPT, struct sclink_platform_window, priority),
    CYAML_FIELD_END
};

static const cyaml_schema_value_t window_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct sclink_platform_window, window_fields),
};

static const cyaml_schema_field_t device_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct sclink_platform_device, name, 1, 64),
    CYAML_FIELD_STRING_PTR("type", CYAML_FLAG_POINTER, struct sclink_platform_device, type, 1, 64),
    CYAML_FIELD_UINT("base", OPT, struct sclink_platform_device, base),
    CYAML_FIELD_UINT("size", OPT, struct sclink_platform_device, size),
    CYAML_FIELD_UINT("offset", OPT, struct sclink_platform_device, offset),
    CYAML_FIELD_INT("priority", OPT, struct sclink_platform_device, priority),
    CYAML_FIELD_SEQUENCE("targets", CYAML_FLAG_POINTER | OPT, struct sclink_platform_device,
                         targets, &window_entry, 1, MAX_DEVICE_TARGETS),
    CYAML_FIELD_INT_PTR("irq", CYAML_FLAG_POINTER | OPT, struct sclink_platform_device, irq),
    CYAML_FIELD_SEQUENCE("irqs", CYAML_FLAG_POINTER | OPT, struct sclink_platform_device, irqs,
                         &irq_line_entry, 1, MAX_DEVICE_IRQS),
    CYAML_FIELD_IGNORE("params", OPT),
    CYAML_FIELD_END
};

static const cyaml_schema_value_t device_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct sclink_platform_device, device_fields),
};

static const cyaml_schema_value_t dn_entry = {
    CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 1024),
};

static const cyaml_schema_field_t tls_fields[] = {
    CYAML_FIELD_STRING_PTR("creds", CYAML_FLAG_POINTER, struct sclink_platform_tls, creds, 5, 4096),
    CYAML_FIELD_BOOL_PTR("verify_peer", CYAML_FLAG_POINTER | OPT, struct sclink_platform_tls,
                         verify_peer),
    CYAML_FIELD_SEQUENCE("allow", CYAML_FLAG_POINTER | OPT, struct sclink_platform_tls, allow,
                         &dn_entry, 1, 1024),
    CYAML_FIELD_END
};

static const cyaml_schema_field_t top_fields[] = {
    CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER | OPT, struct sclink_platform, name, 1, 64),
    CYAML_FIELD_STRING_PTR("listen", CYAML_FLAG_POINTER | OPT, struct sclink_platform, listen, 6, 300),
    CYAML_FIELD_STRING_PTR("socket_group", CYAML_FLAG_POINTER | OPT, struct sclink_platform,
                           socket_group, 1, 64),
    CYAML_FIELD_MAPPING_PTR("tls", CYAML_FLAG_POINTER | OPT, struct sclink_platform, tls,
                            tls_fields),
    CYAML_FIELD_BOOL("insecure_tcp", OPT, struct sclink_platform, insecure_tcp),
    CYAML_FIELD_UINT("quantum_ns", OPT, struct sclink_platform, quantum_ns),
    CYAML_FIELD_BOOL("quantum_fixed", OPT, struct sclink_platform, quantum_fixed),
    CYAML_FIELD_BOOL_PTR("lookahead", CYAML_FLAG_POINTER | OPT, struct sclink_platform, lookahead),
    CYAML_FIELD_UINT("routing_latency_ns", OPT, struct sclink_platform, routing_latency_ns),
    CYAML_FIELD_UINT("max_frame", OPT, struct sclink_platform, max_frame),
    CYAML_FIELD_UINT("timeout_ms", OPT, struct sclink_platform, timeout_ms),
    CYAML_FIELD_UINT_PTR("idle_timeout_ms", CYAML_FLAG_POINTER | OPT, struct sclink_platform,
                         idle_timeout_ms),
    CYAML_FIELD_UINT_PTR("max_time_jump_ms", CYAML_FLAG_POINTER | OPT, struct sclink_platform,
                         max_time_jump_ms),
    CYAML_FIELD_UINT_PTR("stuck_timeout_ms", CYAML_FLAG_POINTER | OPT, struct sclink_platform,
                         stuck_timeout_ms),
    CYAML_FIELD_MAPPING_PTR("pci", CYAML_FLAG_POINTER, struct sclink_platform, pci, pci_fields),
    CYAML_FIELD_SEQUENCE("bars", CYAML_FLAG_POINTER, struct sclink_platform, bars, &bar_entry, 1, 6),
    CYAML_FIELD_SEQUENCE("devices", CYAML_FLAG_POINTER, struct sclink_platform, devices,
                         &device_entry, 1, MAX_DEVICES),
    CYAML_FIELD_END
};

static const cyaml_schema_value_t top_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct sclink_platform, top_fields),
};

/* ---------------------------------------------------------------- errors */

/* libcyaml's log lines for one load, folded into one message afterwards. */
struct log_capture {
    char problem[256];  /* the first line: what is wrong */
    char keys[256];     /* "pci.vendor_id", built from the backtrace */
    unsigned line;      /* innermost line of the backtrace */
};

static void capture_log(cyaml_log_t level, void *ctx, const char *fmt, va_list ap)
{
    struct log_capture *c = ctx;
    char msg[256], key[128], tmp[400];
    const char *p;
    unsigned line, entry;
    size_t n;

    (void)level;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    p = msg;
    if (strncmp(p, "Load: ", 6) == 0)
        p += 6;
    if (strcmp(p, "Backtrace:") == 0)
        return;
    while (*p == ' ')
        p++;
    if (strncmp(p, "in ", 3) != 0) {
        if (c->problem[0] == '\0') {
            strncpy(c->problem, p, sizeof(c->problem) - 1);
            c->problem[sizeof(c->problem) - 1] = '\0';
        }
        return;
    }
    /* A backtrace line, innermost first: prepend its key to the path. */
    key[0] = '\0';
    if (sscanf(p, "in mapping field '%127[^']'", key) == 1) {
        ;
    } else if (sscanf(p, "in sequence entry '%u'", &entry) == 1 ||
               sscanf(p, "in sequence entry %u", &entry) == 1) {
        snprintf(key, sizeof(key), "[%u]", entry - 1); /* libcyaml counts from 1 */
    }
    p = strstr(p, "(line: ");
    if (p && sscanf(p, "(line: %u", &line) == 1 && c->line == 0)
        c->line = line;
    if (key[0] == '\0')
        return;
    snprintf(tmp, sizeof(tmp), "%s%s%s", key,
             c->keys[0] && c->keys[0] != '[' ? "." : "", c->keys);
    tmp[sizeof(c->keys) - 1] = '\0';
    memcpy(c->keys, tmp, sizeof(c->keys));
}

/*
 * libcyaml reports an unexpected key at the line of the event before it.
 * Find the key itself: the first line at or after `line` that starts with
 * it (after indentation or a "- ").
 */
static unsigned find_key_line(const char *path, unsigned line, const char *problem)
{
    const char *key = strstr(problem, "Unexpected key: ");
    char buf[512];
    unsigned n = 0;
    size_t klen;
    FILE *f;

    if (key == NULL)
        return line;
    key += strlen("Unexpected key: ");
    klen = strlen(key);
    f = fopen(path, "r");
    if (f == NULL)
        return line;
    while (fgets(buf, sizeof(buf), f) != NULL) {
        const char *p = buf;

        if (++n < line)
            continue;
        while (*p == ' ' || *p == '-' || *p == '{')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            fclose(f);
            return n;
        }
    }
    fclose(f);
    return line;
}

static int failf(char *why, size_t whylen, const char *path, unsigned line,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int failf(char *why, size_t whylen, const char *path, unsigned line,
                 const char *fmt, ...)
{
    va_list ap;
    int n;

    n = line ? snprintf(why, whylen, "%s:%u: ", path, line)
             : snprintf(why, whylen, "%s: ", path);
    if (n < 0 || (size_t)n >= whylen)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(why + n, whylen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* ------------------------------------------------------- params (libyaml) */

static int add_param(struct sclink_platform_device *d, const char *key,
                     const char *value, unsigned line)
{
    struct sclink_platform_param *p;

    p = realloc(d->params, (d->params_count + 1) * sizeof(*p));
    if (p == NULL)
        return -ENOMEM;
    d->params = p;
    p = &d->params[d->params_count];
    p->key = strdup(key);
    p->value = strdup(value);
    p->line = line;
    if (p->key == NULL || p->value == NULL) {
        free(p->key);
        free(p->value);
        return -ENOMEM;
    }
    d->params_count++;
    return 0;
}

/*
 * Walks the event stream once, tracking where we are:
 *   depth 1: top mapping; 2: devices sequence; 3: a device mapping;
 *   4: its params mapping.  Anything else nested is skipped by depth.
 */
static int collect_params(struct sclink_platform *pf, char *why, size_t whylen)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    FILE *f;
    int depth = 0, in_devices = 0, in_params = 0, dev = -1, r = 0;
    int expect_key = 0, key_is_devices = 0, key_is_params = 0;
    char key[128] = "";
    unsigned key_line = 0;

    f = fopen(pf->path, "rb");
    if (f == NULL)
        return failf(why, whylen, pf->path, 0, "%s", strerror(errno));
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    for (;;) {
        if (!yaml_parser_parse(&parser, &ev)) {
            r = failf(why, whylen, pf->path, (unsigned)parser.problem_mark.line + 1,
                      "%s", parser.problem ? parser.problem : "YAML error");
            break;
        }
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            depth++;
            if (depth == 2 && key_is_devices && ev.type == YAML_SEQUENCE_START_EVENT)
                in_devices = 1;
            if (in_devices && depth == 3 && ev.type == YAML_MAPPING_START_EVENT) {
                dev++;
                if ((unsigned)dev < pf->devices_count)
                    pf->devices[dev].line = (unsigned)ev.start_mark.line + 1;
            }
            if (in_devices && depth == 4 && key_is_params) {
                if (ev.type != YAML_MAPPING_START_EVENT) {
                    r = failf(why, whylen, pf->path, (unsigned)ev.start_mark.line + 1,
                              "devices[%d].params: expected a mapping of key: value", dev);
                    yaml_event_delete(&ev);
                    goto out;
                }
                in_params = 1;
            } else if (in_params && depth == 5) {
                r = failf(why, whylen, pf->path, (unsigned)ev.start_mark.line + 1,
                          "devices[%d].params.%s: expected a plain value", dev, key);
                yaml_event_delete(&ev);
                goto out;
            }
            expect_key = ev.type == YAML_MAPPING_START_EVENT;
            key_is_devices = key_is_params = 0;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            if (in_params && depth == 4)
                in_params = 0;
            if (in_devices && depth == 2)
                in_devices = 0;
            depth--;
            /* Back in the enclosing mapping, the next scalar is a key. */
            expect_key = 1;
            key_is_devices = key_is_params = 0;
            break;
        case YAML_SCALAR_EVENT: {
            const char *v = (const char *)ev.data.scalar.value;

            if (expect_key) {
                snprintf(key, sizeof(key), "%s", v);
                key_line = (unsigned)ev.start_mark.line + 1;
                key_is_devices = depth == 1 && strcmp(v, "devices") == 0;
                key_is_params = in_devices && depth == 3 && strcmp(v, "params") == 0;
                expect_key = 0;
            } else {
                if (in_params && depth == 4 && (unsigned)dev < pf->devices_count &&
                    add_param(&pf->devices[dev], key, v, key_line) < 0) {
                    r = failf(why, whylen, pf->path, key_line, "out of memory");
                    yaml_event_delete(&ev);
                    goto out;
                }
                expect_key = 1;
                key_is_devices = key_is_params = 0;
            }
            break;
        }
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
out:
    yaml_parser_delete(&parser);
    fclose(f);
    return r;
}

/* ------------------------------------------------------------ validation */

static int is_pow2(uint64_t v)
{
    return v && !(v & (v - 1));
}

/*
 * Whether some BAR's router window [base, base + size) meets the target's
 * [base, base + size).  Both ends were checked not to wrap.
 */
static int reached_by_a_bar(const struct sclink_platform *pf,
                            const struct sclink_platform_window *w)
{
    uint64_t last = w->base + (w->size - 1);
    unsigned i;

    for (i = 0; i < pf->bars_count; i++) {
        const struct sclink_platform_bar *b = &pf->bars[i];

        if (w->base <= b->base + (b->size - 1) && b->base <= last)
            return 1;
    }
    return 0;
}

struct sclink_platform_window sclink_platform_device_target(const struct sclink_platform_device *d,
                                                           unsigned k)
{
    struct sclink_platform_window w = {d->base, d->size, d->offset, d->priority};

    return d->targets_count ? d->targets[k] : w;
}

unsigned sclink_platform_device_targets(const struct sclink_platform_device *d)
{
    return d->targets_count ? d->targets_count : 1;
}

/* Target k of devices[i]: not empty, not wrapping, reached by a BAR. */
static int check_target(const struct sclink_platform *pf, const struct sclink_platform_device *d,
                        unsigned i, unsigned k, char *why, size_t whylen)
{
    struct sclink_platform_window w = sclink_platform_device_target(d, k);
    char key[48];

    if (d->targets_count)
        snprintf(key, sizeof(key), "devices[%u].targets[%u]", i, k);
    else
        snprintf(key, sizeof(key), "devices[%u]", i);
    if (w.size == 0)
        return failf(why, whylen, pf->path, d->line, "%s.size: '%s' has size 0%s", key,
                     d->name, d->targets_count ? "" : " (give base and size, or targets)");
    if (w.size - 1 > UINT64_MAX - w.base)
        return failf(why, whylen, pf->path, d->line,
                     "%s.base: '%s' at %#llx + size %#llx wraps past 2^64", key,
                     d->name, (unsigned long long)w.base, (unsigned long long)w.size);
    if (!reached_by_a_bar(pf, &w))
        return failf(why, whylen, pf->path, d->line,
                     "%s.base: '%s' at [%#llx, %#llx] lies outside every BAR's "
                     "router window (bars[].base + size): the guest cannot reach it",
                     key, d->name, (unsigned long long)w.base,
                     (unsigned long long)(w.base + (w.size - 1)));
    return 0;
}

unsigned sclink_platform_device_lines(const struct sclink_platform_device *d)
{
    return d->irqs_count ? d->irqs_count : d->irq ? 1 : 0;
}

int64_t sclink_platform_device_line(const struct sclink_platform_device *d, unsigned k)
{
    return d->irqs_count ? d->irqs[k] : *d->irq;
}

/* "devices[3].irq" or "devices[3].irqs[1]", as the file spelled it. */
static const char *line_key(const struct sclink_platform_device *d, unsigned i, unsigned k,
                            char *buf, size_t len)
{
    if (d->irqs_count)
        snprintf(buf, len, "devices[%u].irqs[%u]", i, k);
    else
        snprintf(buf, len, "devices[%u].irq", i);
    return buf;
}

/* Line k (l) of devices[i]: a line that exists and reaches something. */
static int check_line(const struct sclink_platform *pf, const struct sclink_platform_device *d,
                      unsigned i, unsigned k, int64_t l, char *why, size_t whylen)
{
    const struct sclink_platform_pci *pci = pf->pci;
    const char *path = pf->path;
    char key[48];
    unsigned m;

    line_key(d, i, k, key, sizeof(key));
    if (l < 0 || l > 2047)
        return failf(why, whylen, path, d->line, "%s: %lld is not a line 0..2047", key,
                     (long long)l);
    if (pci->interrupt == SCLINK_PLATFORM_IRQ_NONE)
        return failf(why, whylen, path, d->line,
                     "%s: pci.interrupt is none, so line %lld of '%s' reaches "
                     "nothing (set pci.interrupt, or drop the line)",
                     key, (long long)l, d->name);
    /* doc/gateway.md, "Interrupt lines": line N triggers vector N. */
    if ((pci->interrupt == SCLINK_PLATFORM_IRQ_MSI ||
         pci->interrupt == SCLINK_PLATFORM_IRQ_MSIX) && (uint64_t)l >= pci->vectors)
        return failf(why, whylen, path, d->line,
                     "%s: line %lld of '%s' triggers vector %lld, but "
                     "pci.vectors is %u (vectors 0..%u); raise pci.vectors",
                     key, (long long)l, d->name, (long long)l, pci->vectors,
                     pci->vectors - 1);
    for (m = 0; m < k; m++)
        if (sclink_platform_device_line(d, m) == l)
            return failf(why, whylen, path, d->line, "%s: line %lld is listed twice", key,
                         (long long)l);
    return 0;
}

static int check(struct sclink_platform *pf, char *why, size_t whylen)
{
    const char *path = pf->path;
    struct sclink_platform_pci *pci = pf->pci;
    unsigned i, j, k, used = 0;
    int r;

    if (pci->vendor_id == 0 || pci->vendor_id >= 0xffff || pci->device_id > 0xffff)
        return failf(why, whylen, path, 0, "pci.vendor_id/device_id: %#x:%#x is not a valid PCI id",
                     pci->vendor_id, pci->device_id);
    if (pci->subsystem_vendor_id > 0xffff || pci->subsystem_id > 0xffff ||
        pci->class_code > 0xffffff || pci->revision > 0xff)
        return failf(why, whylen, path, 0,
                     "pci: subsystem ids are 16 bit, class_code 24 bit, revision 8 bit");
    if (pci->vectors == 0)
        pci->vectors = 1;
    if (pci->interrupt == SCLINK_PLATFORM_IRQ_MSI && (!is_pow2(pci->vectors) || pci->vectors > 32))
        return failf(why, whylen, path, 0, "pci.vectors: MSI allows 1, 2, 4, 8, 16 or 32, not %u",
                     pci->vectors);
    if (pci->interrupt == SCLINK_PLATFORM_IRQ_MSIX && pci->vectors > 2048)
        return failf(why, whylen, path, 0, "pci.vectors: MSI-X allows at most 2048, not %u",
                     pci->vectors);
    for (i = 0; i < pf->bars_count; i++) {
        const struct sclink_platform_bar *b = &pf->bars[i];
        unsigned slots = (b->is64 ? 3u : 1u) << b->index;

        if (b->index > 5 || (b->is64 && b->index > 4))
            return failf(why, whylen, path, 0, "bars[%u].index: %u is not a free BAR slot", i,
                         b->index);
        if (!is_pow2(b->size) || b->size < 16 || (!b->is64 && b->size > (1ull << 31)))
            return failf(why, whylen, path, 0,
                         "bars[%u].size: %#llx must be a power of two, at least 16%s", i,
                         (unsigned long long)b->size, b->is64 ? "" : " and at most 2 GiB");
        /* Else an access near the BAR's end would wrap to router address 0. */
        if (b->size - 1 > UINT64_MAX - b->base)
            return failf(why, whylen, path, 0,
                         "bars[%u].base: %#llx + size %#llx wraps past 2^64", i,
                         (unsigned long long)b->base, (unsigned long long)b->size);
        if (used & slots)
            return failf(why, whylen, path, 0, "bars[%u].index: slot %u is already taken", i,
                         b->index);
        used |= slots;
    }
    for (i = 0; i < pf->devices_count; i++) {
        const struct sclink_platform_device *d = &pf->devices[i];

        if (d->targets_count && (d->base || d->size || d->offset || d->priority))
            return failf(why, whylen, path, d->line,
                         "devices[%u]: '%s' has both base/size/offset/priority and targets "
                         "(one target, or a list)", i, d->name);
        for (k = 0; k < sclink_platform_device_targets(d); k++) {
            r = check_target(pf, d, i, k, why, whylen);
            if (r < 0)
                return r;
        }
        if (d->irq && d->irqs_count)
            return failf(why, whylen, path, d->line,
                         "devices[%u]: '%s' has both irq and irqs (one line, or a list)", i,
                         d->name);
        for (k = 0; k < sclink_platform_device_lines(d); k++) {
            int64_t l = sclink_platform_device_line(d, k);
            r = check_line(pf, d, i, k, l, why, whylen);
            if (r < 0)
                return r;
        }
        for (j = 0; j < i; j++)
            if (strcmp(pf->devices[j].name, d->name) == 0)
                return failf(why, whylen, path, d->line,
                             "devices[%u].name: '%s' is already used by devices[%u]", i, d->name, j);
    }
    if (pf->max_frame && (pf->max_frame < 4096 || pf->max_frame > (64u << 20)))
        return failf(why, whylen, path, 0, "max_frame: %u outside 4096..67108864", pf->max_frame);
    return 0;
}

static int apply_defaults(struct sclink_platform *pf)
{
    if (pf->name == NULL && (pf->name = strdup("sclink-gateway")) == NULL)
        return -ENOMEM;
    if (pf->quantum_ns == 0)
        pf->quantum_ns = DEFAULT_QUANTUM_NS;
    if (pf->timeout_ms == 0)
        pf->timeout_ms = DEFAULT_TIMEOUT_MS;
    return 0;
}

/* ----------------------------------------------------------------- entry */

static const cyaml_config_t *config(struct log_capture *cap)
{
    static cyaml_config_t cfg;

    cfg.log_fn = capture_log;
    cfg.log_ctx = cap;
    cfg.mem_fn = cyaml_mem;
    cfg.log_level = CYAML_LOG_WARNING;
    cfg.flags = CYAML_CFG_DEFAULT;
    return &cfg;
}

int sclink_platform_load(const char *path, struct sclink_platform **out,
                         char *why, size_t whylen)
{
    struct log_capture cap;
    struct sclink_platform *pf = NULL;
    cyaml_err_t cerr;
    FILE *probe;
    int r;

    *out = NULL;
    probe = fopen(path, "rb");
    if (probe == NULL)
        return failf(why, whylen, path, 0, "%s", strerror(errno));
    fclose(probe);
    memset(&cap, 0, sizeof(cap));
    cerr = cyaml_load_file(path, config(&cap), &top_schema, (cyaml_data_t **)&pf, NULL);
    if (cerr != CYAML_OK) {
        cap.line = find_key_line(path, cap.line, cap.problem);
        if (cap.keys[0])
            return failf(why, whylen, path, cap.line, "%s: %s", cap.keys,
                         cap.problem[0] ? cap.problem : cyaml_strerror(cerr));
        return failf(why, whylen, path, cap.line, "%s",
                     cap.problem[0] ? cap.problem : cyaml_strerror(cerr));
    }
    if (pf == NULL) /* an empty file is a valid, empty YAML document */
        return failf(why, whylen, path, 0, "empty platform file");
    pf->path = strdup(path);
    if (pf->path == NULL) {
        r = -ENOMEM;
        goto out_free;
    }
    r = apply_defaults(pf);
    if (r < 0)
        goto out_free;
    r = collect_params(pf, why, whylen);
    if (r < 0)
        goto out_free;
    r = check(pf, why, whylen);
    if (r < 0)
        goto out_free;
    *out = pf;
    return 0;

out_free:
    if (r == -ENOMEM)
        failf(why, whylen, path, 0, "out of memory");
    sclink_platform_free(pf);
    return r;
}

void sclink_platform_free(struct sclink_platform *pf)
{
    struct log_capture cap;
    char *path, *name, *listen;
    unsigned i, j;

    if (pf == NULL)
        return;
    /* Free what we added ourselves; cyaml_free releases the rest. */
    for (i = 0; i < pf->devices_count; i++) {
        for (j = 0; j < pf->devices[i].params_count; j++) {
            free(pf->devices[i].params[j].key);
            free(pf->devices[i].params[j].value);
        }
        free(pf->devices[i].params);
        pf->devices[i].params = NULL;
    }
    path = pf->path;
    pf->path = NULL;
    free(path);
    /* Defaults were strdup()ed; cyaml_free uses free() too (cyaml_mem). */
    name = pf->name;
    listen = pf->listen;
    pf->name = pf->listen = NULL;
    memset(&cap, 0, sizeof(cap));
    cyaml_free(config(&cap), &top_schema, pf, 0);
    free(name);
    free(listen);
}
