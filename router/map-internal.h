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

struct sclink_map {
    /* starts[i] == segs[i].start: searched alone so that the binary search
     * touches 8 bytes per step and a 1,000-region map stays in L1. */
    uint64_t *starts;
    sclink_map_seg *segs;
    size_t nsegs;
    char **names;    /* per entry, "" if none */
    int *priorities; /* per entry */
    size_t nentries;
    char *default_name;
};

/*
 * Branch-free binary search for the last start <= addr.  starts[0] is 0,
 * so there always is one.  The conditional move keeps random lookups free
 * of mispredicted branches, which cost more than the search itself.
 */
static inline const sclink_map_seg *sclink__map_find(const struct sclink_map *m,
                                                     uint64_t addr)
{
    const uint64_t *s = m->starts;
    size_t lo = 0;
    size_t n = m->nsegs;

    while (n > 1) {
        size_t half = n / 2;
        lo = s[lo + half] <= addr ? lo + half : lo;
        n -= half;
    }
    return &m->segs[lo];
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
