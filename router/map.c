/*
 * The address map: validation, priority resolution into segments, lookup
 * and printing.  See sclink_router.h for the contract, doc/router.md for
 * the semantics.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "map-internal.h"

const char *sclink_map_strerror(int err)
{
    switch (err) {
    case 0:
        return "success";
    case SCLINK_MAP_EOVERLAP:
        return "address map entries of equal priority overlap";
    case SCLINK_MAP_EUNMAPPED:
        return "address not mapped";
    case SCLINK_MAP_ECROSS:
        return "access crosses the end of an address map segment";
    case -EINVAL:
        return "invalid address map argument";
    case -ERANGE:
        return "address map entry runs past the top of the 64-bit space";
    }
    if (err < 0 && err > -4000)
        return strerror(-err);
    return "unknown error";
}

/* ------------------------------------------------------------ validation */

static void sclink__why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* "'ram'" or, for an entry without a name, "#3": what messages call it. */
static const char *sclink__label(const sclink_map_entry *e, size_t i,
                                 char *tmp, size_t len)
{
    if (e->name != NULL && e->name[0] != '\0')
        snprintf(tmp, len, "'%s'", e->name);
    else
        snprintf(tmp, len, "#%zu", i);
    return tmp;
}

/* Checks what can be checked on one entry alone. */
static int sclink__check_entry(const sclink_map_entry *e, size_t i,
                               char *why, size_t whylen)
{
    char l[96];

    if (e->size == 0) {
        sclink__why(why, whylen, "map entry %s at 0x%016" PRIx64
                     " has size 0", sclink__label(e, i, l, sizeof(l)), e->base);
        return -EINVAL;
    }
    if (e->target == SCLINK_MAP_NO_TARGET) {
        sclink__why(why, whylen, "map entry %s has no target",
                     sclink__label(e, i, l, sizeof(l)));
        return -EINVAL;
    }
    /* Inclusive ends: base + size - 1 may be UINT64_MAX, not more. */
    if (e->size - 1 > UINT64_MAX - e->base) {
        sclink__why(why, whylen, "map entry %s at 0x%016" PRIx64
                     " size 0x%" PRIx64 " runs past the top of the address space",
                     sclink__label(e, i, l, sizeof(l)), e->base, e->size);
        return -ERANGE;
    }
    if (e->size - 1 > UINT64_MAX - e->offset) {
        sclink__why(why, whylen, "map entry %s: offset 0x%016" PRIx64
                     " size 0x%" PRIx64 " runs past the top of the target's"
                     " address space", sclink__label(e, i, l, sizeof(l)),
                     e->offset, e->size);
        return -ERANGE;
    }
    return 0;
}

typedef struct sclink__span {
    uint64_t base;
    uint64_t last;
    int priority;
    uint32_t idx;
} sclink__span;

static int sclink__span_cmp(const void *a, const void *b)
{
    const sclink__span *x = a;
    const sclink__span *y = b;

    if (x->priority != y->priority)
        return x->priority < y->priority ? -1 : 1;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Rejects overlaps between entries of equal priority.  Sorted by priority
 * then base, a group without overlap between neighbours has none at all, so
 * the first overlapping neighbours are the pair to report.
 */
static int sclink__check_overlaps(const sclink_map_entry *entries, size_t n,
                                  char *why, size_t whylen)
{
    sclink__span *spans;
    char la[96], lb[96];
    size_t i;
    int err = 0;

    if (n < 2)
        return 0;
    spans = malloc(n * sizeof(*spans));
    if (spans == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        spans[i].base = entries[i].base;
        spans[i].last = entries[i].base + (entries[i].size - 1);
        spans[i].priority = entries[i].priority;
        spans[i].idx = (uint32_t)i;
    }
    qsort(spans, n, sizeof(*spans), sclink__span_cmp);
    for (i = 1; i < n; i++) {
        const sclink__span *a = &spans[i - 1];
        const sclink__span *b = &spans[i];

        if (a->priority != b->priority || b->base > a->last)
            continue;
        sclink__why(why, whylen,
                     "map entries %s [0x%016" PRIx64 "-0x%016" PRIx64 "] and"
                     " %s [0x%016" PRIx64 "-0x%016" PRIx64 "] overlap at"
                     " [0x%016" PRIx64 "-0x%016" PRIx64 "] with equal"
                     " priority %d",
                     sclink__label(&entries[a->idx], a->idx, la, sizeof(la)),
                     a->base, a->last,
                     sclink__label(&entries[b->idx], b->idx, lb, sizeof(lb)),
                     b->base, b->last, b->base,
                     a->last < b->last ? a->last : b->last, a->priority);
        err = SCLINK_MAP_EOVERLAP;
        break;
    }
    free(spans);
    return err;
}

/* ------------------------------------------------------------ resolution */

/* Where an entry starts or stops covering addresses. */
typedef struct sclink__event {
    uint64_t pos;
    uint32_t idx;
    int start; /* 1: entry starts at pos; 0: its last byte is pos - 1 */
} sclink__event;

static int sclink__event_cmp(const void *a, const void *b)
{
    const sclink__event *x = a;
    const sclink__event *y = b;

    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* The entries covering the sweep position, by priority, ended ones removed
 * lazily (an entry never starts again once it has ended). */
typedef struct sclink__heap {
    uint32_t *idx;
    size_t n;
    const sclink_map_entry *entries;
    unsigned char *ended;
} sclink__heap;

static int sclink__heap_above(const sclink__heap *h, size_t a, size_t b)
{
    return h->entries[h->idx[a]].priority > h->entries[h->idx[b]].priority;
}

static void sclink__heap_swap(sclink__heap *h, size_t a, size_t b)
{
    uint32_t t = h->idx[a];

    h->idx[a] = h->idx[b];
    h->idx[b] = t;
}

static void sclink__heap_push(sclink__heap *h, uint32_t idx)
{
    size_t i = h->n++;

    h->idx[i] = idx;
    while (i > 0 && sclink__heap_above(h, i, (i - 1) / 2)) {
        sclink__heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void sclink__heap_pop(sclink__heap *h)
{
    size_t i = 0;

    h->idx[0] = h->idx[--h->n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;

        if (l < h->n && sclink__heap_above(h, l, top))
            top = l;
        if (r < h->n && sclink__heap_above(h, r, top))
            top = r;
        if (top == i)
            break;
        sclink__heap_swap(h, i, top);
        i = top;
    }
}

/* The visible entry at the sweep position, or SCLINK_MAP_NO_ENTRY. */
static int32_t sclink__heap_winner(sclink__heap *h)
{
    while (h->n > 0 && h->ended[h->idx[0]])
        sclink__heap_pop(h);
    return h->n > 0 ? (int32_t)h->idx[0] : SCLINK_MAP_NO_ENTRY;
}

/* Appends [start, last] for `entry`, merged into the previous segment when
 * that is the same entry (a piece split only by events of shadowed ones). */
static void sclink__emit(sclink_map_seg *segs, size_t *nsegs, uint64_t start,
                         uint64_t last, int32_t entry,
                         const sclink_map_entry *entries,
                         const sclink_map_entry *dflt)
{
    sclink_map_seg *s;

    if (*nsegs > 0 && segs[*nsegs - 1].entry == entry) {
        segs[*nsegs - 1].last = last;
        return;
    }
    s = &segs[(*nsegs)++];
    s->start = start;
    s->last = last;
    s->entry = entry;
    if (entry != SCLINK_MAP_NO_ENTRY) {
        s->delta = entries[entry].offset - entries[entry].base;
        s->target = entries[entry].target;
    } else {
        s->delta = 0;
        s->target = dflt != NULL ? dflt->target : SCLINK_MAP_NO_TARGET;
    }
}

/*
 * Sweeps the entries' start and end points in address order; between two
 * points the highest-priority covering entry owns the addresses.  O(n log n)
 * and at most 2n + 1 segments: each entry adds at most one start and one end.
 */
static int sclink__resolve(const sclink_map_entry *entries, size_t n,
                           const sclink_map_entry *dflt, sclink_map_seg *segs,
                           size_t *nsegs)
{
    sclink__event *ev;
    sclink__heap heap;
    size_t nev = 0, i;
    uint64_t cur = 0;
    int err = -ENOMEM;

    *nsegs = 0;
    ev = malloc((2 * n + 1) * sizeof(*ev));
    if (ev == NULL)
        goto out;
    heap.idx = malloc((n + 1) * sizeof(*heap.idx));
    if (heap.idx == NULL)
        goto out_free_events;
    heap.ended = calloc(n + 1, 1);
    if (heap.ended == NULL)
        goto out_free_heap;
    heap.n = 0;
    heap.entries = entries;

    /* An entry's end event sits one past its last byte; an entry that
     * reaches UINT64_MAX never ends, which is why it has none. */
    for (i = 0; i < n; i++) {
        uint64_t last = entries[i].base + (entries[i].size - 1);

        ev[nev].pos = entries[i].base;
        ev[nev].idx = (uint32_t)i;
        ev[nev++].start = 1;
        if (last != UINT64_MAX) {
            ev[nev].pos = last + 1;
            ev[nev].idx = (uint32_t)i;
            ev[nev++].start = 0;
        }
    }
    qsort(ev, nev, sizeof(*ev), sclink__event_cmp);

    for (i = 0; i < nev;) {
        uint64_t pos = ev[i].pos;

        if (pos > cur) {
            sclink__emit(segs, nsegs, cur, pos - 1, sclink__heap_winner(&heap),
                         entries, dflt);
            cur = pos;
        }
        /* The owner of [pos, next pos) is chosen after every event at
         * pos is applied, so their order among themselves is irrelevant. */
        for (; i < nev && ev[i].pos == pos; i++) {
            if (ev[i].start)
                sclink__heap_push(&heap, ev[i].idx);
            else
                heap.ended[ev[i].idx] = 1;
        }
    }
    sclink__emit(segs, nsegs, cur, UINT64_MAX, sclink__heap_winner(&heap),
                 entries, dflt);
    err = 0;

    free(heap.ended);
out_free_heap:
    free(heap.idx);
out_free_events:
    free(ev);
out:
    return err;
}

/* ----------------------------------------------------------------- index */

/* The buckets of 2^shift bytes from the second segment start (aligned
 * down) to the last segment start: how many, and how many are mixed (a
 * segment starts inside them, not at their first address). */
static void sclink__index_count(const uint64_t *s, size_t n, unsigned shift,
                                uint64_t *base, uint64_t *nb, uint64_t *mixed)
{
    const uint64_t mask = (UINT64_C(1) << shift) - 1;
    uint64_t prev = UINT64_MAX;
    size_t i;

    *base = s[1] & ~mask;
    *nb = s[n - 1] > *base ? ((s[n - 1] - 1 - *base) >> shift) + 1 : 0;
    *mixed = 0;
    for (i = 1; i < n; i++) {
        uint64_t b = (s[i] - *base) >> shift;

        if ((s[i] & mask) != 0 && b != prev) {
            (*mixed)++;
            prev = b;
        }
    }
}

/* The share of mixed buckets; none if there are no buckets. */
static double sclink__share(uint64_t mixed, uint64_t nb)
{
    return nb > 0 ? (double)mixed / (double)nb : 0;
}

/*
 * Builds the bucket index described in sclink_router.h.  The finest
 * allowed bucket size gives at most `want` buckets (four per segment, at
 * least 64, at most 2^30); the chosen one is the largest whose share of
 * mixed buckets is at most 1/16 above that.  O(64 n), then one pass over
 * buckets and segments together.
 */
static int sclink__index_build(sclink_map *m)
{
    sclink__index *x = &m->index;
    const uint64_t *s = m->starts;
    const size_t n = m->nsegs;
    uint64_t want = 64, base, nb, mixed, fine_nb = 0, fine_mixed = 0;
    unsigned shift, fine = 64;
    size_t b, i;

    if (n > SCLINK__MIXED)
        return -ENOMEM; /* 2^31 segments: unreachable in memory anyway */
    x->base = 0;
    x->nbuckets = 0;
    x->shift = 0;
    if (n >= 2) {
        if (want < 4 * (uint64_t)n)
            want = 4 * (uint64_t)n;
        if (want > (UINT64_C(1) << 30))
            want = UINT64_C(1) << 30;
        for (shift = 0; shift < 64; shift++) {
            sclink__index_count(s, n, shift, &base, &nb, &mixed);
            if (nb <= want) {
                fine = shift;
                fine_nb = nb;
                fine_mixed = mixed;
                break;
            }
        }
        /* Mixed share at shift <= fine share + 1/16, with no buckets at
         * all counting as none mixed.  Met at fine, if nowhere above. */
        for (shift = 63; shift >= fine; shift--) {
            sclink__index_count(s, n, shift, &base, &nb, &mixed);
            if (sclink__share(mixed, nb) <=
                sclink__share(fine_mixed, fine_nb) + 1.0 / 16) {
                x->base = base;
                x->nbuckets = (size_t)nb;
                x->shift = shift;
                break;
            }
        }
    }
    m->bucket = malloc((x->nbuckets + 2) * sizeof(*m->bucket));
    if (m->bucket == NULL)
        return -ENOMEM;
    for (b = 0, i = 0; b < x->nbuckets; b++) {
        uint64_t a = x->base + ((uint64_t)b << x->shift);
        uint64_t end = a + (((uint64_t)1 << x->shift) - 1); /* no wrap */

        while (i + 1 < n && s[i + 1] <= a)
            i++;
        m->bucket[b] = (uint32_t)i;
        if (i + 1 < n && s[i + 1] <= end)
            m->bucket[b] |= SCLINK__MIXED;
    }
    m->bucket[x->nbuckets] = (uint32_t)(n - 1);
    m->bucket[x->nbuckets + 1] = 0;
    x->bucket = m->bucket;
    return 0;
}

/* ----------------------------------------------------------------- build */

static char *sclink__strdup(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    char *d = malloc(len + 1);

    if (d != NULL) {
        if (len > 0)
            memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

void sclink_map_free(sclink_map *map)
{
    size_t i;

    if (map == NULL)
        return;
    for (i = 0; i < map->nentries; i++)
        free(map->names[i]);
    free(map->names);
    free(map->priorities);
    free(map->default_name);
    free(map->segs);
    free(map->starts);
    free(map->bucket);
    free(map);
}

int sclink_map_build(sclink_map **mapp, const sclink_map_entry *entries,
                     size_t n, const sclink_map_entry *dflt, char *why,
                     size_t whylen)
{
    sclink_map *m;
    size_t i;
    int err;

    if (why != NULL && whylen > 0)
        why[0] = '\0';
    err = -EINVAL;
    if (mapp == NULL || (entries == NULL && n > 0) || n > INT32_MAX) {
        sclink__why(why, whylen, "invalid arguments to sclink_map_build");
        goto out_report;
    }
    if (dflt != NULL && dflt->target == SCLINK_MAP_NO_TARGET) {
        sclink__why(why, whylen, "the default target has no target");
        goto out_report;
    }
    for (i = 0; i < n; i++) {
        err = sclink__check_entry(&entries[i], i, why, whylen);
        if (err != 0)
            goto out_report;
    }
    err = sclink__check_overlaps(entries, n, why, whylen);
    if (err != 0)
        goto out_report;

    /* calloc: sclink_map_free copes with whatever is still NULL. */
    err = -ENOMEM;
    m = calloc(1, sizeof(*m));
    if (m == NULL)
        goto out_report;
    m->segs = malloc((2 * n + 1) * sizeof(*m->segs));
    m->names = calloc(n + 1, sizeof(*m->names));
    m->priorities = malloc((n + 1) * sizeof(*m->priorities));
    m->default_name = sclink__strdup(dflt != NULL ? dflt->name : NULL);
    if (m->segs == NULL || m->names == NULL || m->priorities == NULL ||
        m->default_name == NULL)
        goto out_free_map;
    for (i = 0; i < n; i++) {
        m->names[i] = sclink__strdup(entries[i].name);
        if (m->names[i] == NULL)
            goto out_free_map;
        m->nentries = i + 1;
        m->priorities[i] = entries[i].priority;
    }
    err = sclink__resolve(entries, n, dflt, m->segs, &m->nsegs);
    if (err != 0)
        goto out_free_map;
    m->starts = malloc(m->nsegs * sizeof(*m->starts));
    if (m->starts == NULL)
        goto out_free_map;
    for (i = 0; i < m->nsegs; i++)
        m->starts[i] = m->segs[i].start;
    err = sclink__index_build(m);
    if (err != 0)
        goto out_free_map;
    *mapp = m;
    return 0;

out_free_map:
    sclink_map_free(m);
out_report:
    if (err == -ENOMEM)
        sclink__why(why, whylen, "out of memory building the address map");
    return err;
}

/* ---------------------------------------------------------------- lookup */

const sclink_map_seg *sclink_map_find(const sclink_map *map, uint64_t addr)
{
    return sclink__map_find(map, addr);
}

int sclink_map_decode(const sclink_map *map, uint64_t addr, uint64_t len,
                      const sclink_map_seg **segp)
{
    const sclink_map_seg *seg = sclink__map_find(map, addr);

    *segp = seg;
    if (seg->target == SCLINK_MAP_NO_TARGET)
        return SCLINK_MAP_EUNMAPPED;
    if (!sclink__seg_fits(seg, addr, len))
        return SCLINK_MAP_ECROSS;
    return 0;
}

const sclink_map_seg *sclink_map_segments(const sclink_map *map, size_t *n)
{
    *n = map->nsegs;
    return map->segs;
}

const char *sclink_map_entry_name(const sclink_map *map, int32_t entry)
{
    if (entry == SCLINK_MAP_NO_ENTRY)
        return map->default_name;
    if (entry < 0 || (size_t)entry >= map->nentries)
        return "";
    return map->names[entry];
}

int sclink_map_entry_priority(const sclink_map *map, int32_t entry)
{
    if (entry < 0 || (size_t)entry >= map->nentries)
        return 0;
    return map->priorities[entry];
}

/* -------------------------------------------------------------- printing */

/* One line per mapped segment; returns the length it needs, as snprintf. */
static int sclink__format_seg(const sclink_map *map, const sclink_map_seg *s,
                              char *buf, size_t len)
{
    const char *name = sclink_map_entry_name(map, s->entry);

    if (s->entry == SCLINK_MAP_NO_ENTRY)
        return snprintf(buf, len, "0x%016" PRIx64 "  0x%016" PRIx64
                        "  %-24s %8s  0x%016" PRIx64 "\n", s->start, s->last,
                        name[0] != '\0' ? name : "(default)", "default",
                        s->start);
    return snprintf(buf, len, "0x%016" PRIx64 "  0x%016" PRIx64
                    "  %-24s %8d  0x%016" PRIx64 "\n", s->start, s->last,
                    name[0] != '\0' ? name : "(unnamed)",
                    sclink_map_entry_priority(map, s->entry),
                    s->start + s->delta);
}

static const char sclink__map_header[] =
    "base                end                 target                   "
    "priority  target address\n";

int sclink_map_format(const sclink_map *map, char *buf, size_t len)
{
    size_t total = 0, i;
    int n;

    /* Keep counting past the end of buf so the caller learns the size. */
    n = snprintf(buf, len, "%s", sclink__map_header);
    total += (size_t)n;
    for (i = 0; i < map->nsegs; i++) {
        const sclink_map_seg *s = &map->segs[i];

        if (s->target == SCLINK_MAP_NO_TARGET)
            continue;
        n = sclink__format_seg(map, s, total < len ? buf + total : NULL,
                               total < len ? len - total : 0);
        if (n < 0)
            return -EINVAL;
        total += (size_t)n;
    }
    if (total > INT32_MAX)
        return -ERANGE;
    return (int)total;
}

/* Formats into memory first: one code path for both, and long names are
 * never cut. */
int sclink_map_print(const sclink_map *map, FILE *f)
{
    char *text;
    int len, err;

    len = sclink_map_format(map, NULL, 0);
    if (len < 0)
        return len;
    text = malloc((size_t)len + 1);
    if (text == NULL)
        return -ENOMEM;
    sclink_map_format(map, text, (size_t)len + 1);
    err = fputs(text, f) == EOF || fflush(f) != 0 ? -EIO : 0;
    free(text);
    return err;
}
