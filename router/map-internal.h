/*
 * Internals of the address map, shared with the SystemC router so its hot
 * path can inline the lookup instead of calling through the PLT.
 */
#ifndef SCLINK_ROUTER_MAP_INTERNAL_H
#define SCLINK_ROUTER_MAP_INTERNAL_H

#include "sclink_router.h"

#ifdef __cplusplus
extern "C" {
#endif

/* struct sclink__index, the bucket index lookup goes through, is declared
 * in sclink_router.h so that sclink::Router can keep a copy. */

struct sclink_map {
    /* starts[i] == segs[i].start: searched alone so that a search touches
     * 8 bytes per step. */
    uint64_t *starts;
    sclink_map_seg *segs;
    size_t nsegs;
    char **names;    /* per entry, "" if none */
    int *priorities; /* per entry */
    size_t nentries;
    char *default_name;
    sclink__index index;
    uint32_t *bucket; /* index.bucket, owned */
};

/*
 * Branch-free binary search for the last start <= addr among the n starts
 * from s[lo] on, knowing s[lo] <= addr.  The conditional move keeps random
 * lookups free of mispredicted branches, which cost more than the search.
 */
static inline size_t sclink__map_search(const uint64_t *s, size_t lo, size_t n,
                                        uint64_t addr)
{
    while (n > 1) {
        size_t half = n / 2;
        lo = s[lo + half] <= addr ? lo + half : lo;
        n -= half;
    }
    return lo;
}

/*
 * The index of the segment holding addr when the bucket index settles it
 * with at most one compare, as it does wherever segments are spread
 * evenly.  Otherwise SIZE_MAX, leaving the n candidates from *lo on for
 * sclink__map_search (the router tries its last answer first).  Segment
 * i's start is starts[i * stride]: the map passes its starts array, the
 * router its own table of 4-word routes, so that the compare touches the
 * line the caller reads next anyway.
 */
static inline size_t sclink__index_quick(const sclink__index *x,
                                         const uint64_t *starts, size_t stride,
                                         uint64_t addr, size_t *lo, size_t *n)
{
    const uint64_t d = addr - x->lo; /* wraps below lo */
    size_t b, i, j;

    if (__builtin_expect(d >= x->span, 0))
        return addr < x->lo ? 0 : x->last;
    b = (size_t)(d >> x->shift);
    i = x->bucket[b];
    j = x->bucket[b + 1];
    /* At most one segment starts inside the bucket: one compare.  If none
     * does, segment i + 1 starts beyond the bucket (it exists: only the
     * last segment holds addresses past lo + span). */
    if (__builtin_expect(j - i <= 1, 1))
        return i + (starts[(i + 1) * stride] <= addr);
    *lo = i;
    *n = j - i + 1;
    return SIZE_MAX;
}

/* The index of the segment holding addr. */
static inline size_t sclink__map_index(const struct sclink_map *m, uint64_t addr)
{
    size_t lo = 0, n = 1;
    size_t i = sclink__index_quick(&m->index, m->starts, 1, addr, &lo, &n);

    return i != SIZE_MAX ? i : sclink__map_search(m->starts, lo, n, addr);
}

static inline const sclink_map_seg *sclink__map_find(const struct sclink_map *m,
                                                     uint64_t addr)
{
    return &m->segs[sclink__map_index(m, addr)];
}

/* True if addr lies in seg: one compare thanks to unsigned wrap-around. */
static inline int sclink__seg_holds(const sclink_map_seg *seg, uint64_t addr)
{
    return addr - seg->start <= seg->last - seg->start;
}

/* True if `len` bytes from addr (which seg holds) stay inside seg. */
static inline int sclink__seg_fits(const sclink_map_seg *seg, uint64_t addr,
                                   uint64_t len)
{
    return len == 0 || len - 1 <= seg->last - addr;
}

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_ROUTER_MAP_INTERNAL_H */
