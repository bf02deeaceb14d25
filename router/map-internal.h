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
 * The slot of addr in the index: its bucket, or nbuckets above the
 * buckets, nbuckets + 1 below them.  Branch-free (a minimum and an add).
 * (addr - base) wraps for an address below base to at least 2^64 - base,
 * whose bucket number is at least nbuckets because the buckets end at or
 * below 2^64.
 */
static inline size_t sclink__index_slot(const sclink__index *x, uint64_t addr)
{
    uint64_t b = (addr - x->base) >> x->shift;

    b = b < x->nbuckets ? b : x->nbuckets;
    return (size_t)b + (addr < x->base);
}

/*
 * The index of the segment holding addr, where segment i starts at
 * starts[i * stride]: the map passes its starts array, the router its own
 * table of 4-word routes.
 */
static inline size_t sclink__index_find(const sclink__index *x,
                                        const uint64_t *starts, size_t stride,
                                        uint64_t addr)
{
    const size_t b = sclink__index_slot(x, addr);
    size_t i = x->bucket[b], j, n;

    if (__builtin_expect(!(i & SCLINK__MIXED), 1))
        return i;
    /* Only buckets are mixed, so b + 1 <= nbuckets holds a segment at or
     * after the one holding the bucket's last address. */
    i &= ~(size_t)SCLINK__MIXED;
    j = x->bucket[b + 1] & ~SCLINK__MIXED;
    for (n = j - i + 1; n > 1;) {
        size_t half = n / 2;
        i = starts[(i + half) * stride] <= addr ? i + half : i;
        n -= half;
    }
    return i;
}

/* The index of the segment holding addr. */
static inline size_t sclink__map_index(const struct sclink_map *m, uint64_t addr)
{
    return sclink__index_find(&m->index, m->starts, 1, addr);
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
