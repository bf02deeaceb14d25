/*
 * sclink router core: a TLM-style address map, in C, without SystemC.
 *
 * A map is built once from a list of entries and is then read-only.  Each
 * entry maps [base, base + size) to a target index; an access at `addr`
 * reaches its target at the target-relative address
 *
 *     (addr - base) + offset
 *
 * Entries carry an explicit priority: where entries overlap, the higher
 * priority wins over the overlap only; equal priorities may not overlap.
 * Building resolves the entries into segments that partition the whole
 * 64-bit space: each address belongs to exactly one segment, which is a
 * visible piece of one entry, a piece of the default target, or a hole.
 * Lookup goes through a direct-mapped bucket index over the address space:
 * one load where a bucket lies inside one segment, a binary search
 * (O(log n)) over the segments that start inside a bucket where they
 * crowd.
 *
 * Conventions (libuv's, as in sclink.h): functions return 0 or a positive
 * count on success and a negative code on failure; a failed call changed
 * nothing the caller owns.  Nothing in the library prints unless asked to
 * (sclink_map_print), asserts or exits.  See doc/router.md.
 */
#ifndef SCLINK_ROUTER_H
#define SCLINK_ROUTER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Error codes: -EINVAL (bad argument, size 0), -ERANGE (an entry or its
 * translation runs past the top of the 64-bit space), -ENOMEM, and the
 * map's own range, clear of libsclink's (-4000...).
 */
enum {
    SCLINK_MAP_EOVERLAP = -4100,  /* two equal-priority entries overlap */
    SCLINK_MAP_EUNMAPPED = -4101, /* no entry and no default covers addr */
    SCLINK_MAP_ECROSS = -4102,    /* access runs past the end of a segment */
};

/* A human-readable text for any code this library returns. */
const char *sclink_map_strerror(int err);

/* The target of a hole (and the "no default target" argument). */
#define SCLINK_MAP_NO_TARGET UINT32_MAX
/* The entry index of a default-target segment and of a hole. */
#define SCLINK_MAP_NO_ENTRY (-1)

/* One mapping, as the user writes it. */
typedef struct sclink_map_entry {
    const char *name; /* for messages and printing; copied; may be NULL */
    uint64_t base;    /* first system address */
    uint64_t size;    /* bytes, at least 1; base + size - 1 <= UINT64_MAX */
    uint64_t offset;  /* target-relative address of `base` */
    int priority;     /* higher wins where entries overlap */
    uint32_t target;  /* caller's target index, not SCLINK_MAP_NO_TARGET */
} sclink_map_entry;

/*
 * A resolved piece of the address space.  Ends are inclusive so a segment
 * can reach UINT64_MAX.  For any addr in [start, last] the target-relative
 * address is addr + delta (modulo 2^64; it never wraps for a valid map).
 */
typedef struct sclink_map_seg {
    uint64_t start;
    uint64_t last;
    uint64_t delta;  /* offset - base; 0 for the default target */
    uint32_t target; /* SCLINK_MAP_NO_TARGET for a hole */
    int32_t entry;   /* index into the build list, or SCLINK_MAP_NO_ENTRY */
} sclink_map_seg;

typedef struct sclink_map sclink_map;

/*
 * Validates `entries` as a whole and builds a map.  `dflt`, if not NULL,
 * names the default target (only its `name` and `target` are used): it
 * receives every address no entry covers, unchanged (target-relative ==
 * system address).  On failure returns a negative code, leaves *mapp
 * untouched and, if why is not NULL, writes one line naming the offending
 * entries (and for overlaps the overlapping range) into it
 * (doc/architecture.md, "Errors and cleanup").
 */
int sclink_map_build(sclink_map **mapp, const sclink_map_entry *entries,
                     size_t n, const sclink_map_entry *dflt, char *why,
                     size_t whylen);
void sclink_map_free(sclink_map *map);

/* The segment holding `addr`; never NULL (a hole is a segment too). */
const sclink_map_seg *sclink_map_find(const sclink_map *map, uint64_t addr);

/*
 * Decodes an access of `len` bytes at `addr` (len 0 decodes `addr` alone).
 * Returns 0 and sets *segp, SCLINK_MAP_EUNMAPPED for a hole, or
 * SCLINK_MAP_ECROSS if the access does not fit in one segment (an access
 * that wraps past UINT64_MAX crosses too).  *segp is set in every case
 * to the segment holding `addr`.
 */
int sclink_map_decode(const sclink_map *map, uint64_t addr, uint64_t len,
                      const sclink_map_seg **segp);

/* The segments in address order: the first starts at 0, the last ends at
 * UINT64_MAX, each starts right after the previous one. */
const sclink_map_seg *sclink_map_segments(const sclink_map *map, size_t *n);

/* The name of entry `entry` as given at build time ("" if it had none),
 * or the default target's name for SCLINK_MAP_NO_ENTRY. */
const char *sclink_map_entry_name(const sclink_map *map, int32_t entry);
/* The priority of entry `entry` (0 for SCLINK_MAP_NO_ENTRY). */
int sclink_map_entry_priority(const sclink_map *map, int32_t entry);

/*
 * Prints the map for a user, one line per mapped segment (holes are left
 * out): first and last system address, target name, priority and
 * target-relative start.  sclink_map_format writes at most `len` bytes,
 * always NUL-terminated, and returns the length the whole text needs (as
 * snprintf), so a caller can size a buffer.  sclink_map_print returns 0,
 * -ENOMEM or -EIO.
 */
int sclink_map_format(const sclink_map *map, char *buf, size_t len);
int sclink_map_print(const sclink_map *map, FILE *f);

/*
 * Internal, not API: the lookup structure inside a map.  It is declared
 * here only so that sclink::Router (router.h) can embed a copy beside its
 * own per-slot table and reach it without chasing a pointer.
 *
 * A direct-mapped bucket index.  From `base` on, the space is cut into
 * `nbuckets` equal buckets of 2^shift bytes, aligned to their size, the
 * last holding the last segment's start.  An address maps to a slot:
 * its bucket, or slot nbuckets at or above the buckets (the last segment)
 * or nbuckets + 1 below them (segment 0).  bucket[slot] is the segment
 * holding the slot's first address; in a bucket that another segment
 * starts inside (a "mixed" bucket) it carries SCLINK__MIXED, and the
 * segments bucket[b] .. bucket[b + 1] are searched.  Every other bucket
 * lies inside one segment: one load decodes it.
 *
 * The bucket size is the largest that keeps the share of mixed buckets
 * within 1/16 of what the finest allowed size (at most four buckets per
 * segment, at least 64 buckets) gives, so that a map whose windows are
 * aligned gets buckets as large as its alignment and hardly any mixed.
 * Built by sclink__index_build() in map.c.
 */
typedef struct sclink__index {
    uint64_t base;
    size_t nbuckets;
    const uint32_t *bucket; /* nbuckets + 2 entries */
    unsigned shift;
} sclink__index;

#define SCLINK__MIXED UINT32_C(0x80000000)

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_ROUTER_H */
