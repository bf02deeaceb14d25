/* Check suite for the router's address map core (router/map.c). */
#include <check.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "map-internal.h"
#include "../common/check-main.h"

#define E(name, base, size, offset, prio, target) \
    { (name), (base), (size), (offset), (prio), (target) }

/* The segment holding addr, by a plain binary search over the segments
 * (independent of the map's index). */
static size_t seg_of(const sclink_map_seg *s, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n - 1;

    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (s[mid].start <= addr)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* The bucket index's invariants (sclink_router.h): buckets aligned to
 * their size from base <= the second segment start to past the last
 * segment start; each names the segment holding its first address and is
 * flagged mixed exactly when another segment starts inside it; the slots
 * past the buckets are the last segment and segment 0.  Every bucket's
 * first, middle and last address, and the addresses just outside the
 * buckets, decode to the segment holding them. */
static void expect_index(const sclink_map *m)
{
    const sclink__index *x = &m->index;
    size_t n, b;
    const sclink_map_seg *s = sclink_map_segments(m, &n);
    const uint64_t mask = (UINT64_C(1) << x->shift) - 1;
    size_t mixed = 0;

    ck_assert_uint_lt(x->shift, 64);
    ck_assert_uint_le(x->nbuckets, 4 * n + 64);
    ck_assert_uint_eq(x->bucket[x->nbuckets], n - 1);
    ck_assert_uint_eq(x->bucket[x->nbuckets + 1], 0);
    ck_assert_uint_eq(x->base & mask, 0);
    if (n >= 2) {
        ck_assert_uint_le(x->base, s[1].start);
        if (x->nbuckets == 0)
            ck_assert_uint_ge(x->base, s[n - 1].start);
        else /* the last bucket reaches the last segment's start */
            ck_assert_uint_ge(x->base + ((uint64_t)(x->nbuckets - 1) << x->shift) +
                                  mask, s[n - 1].start - 1);
    }
    for (b = 0; b < x->nbuckets; b++) {
        const uint64_t a = x->base + ((uint64_t)b << x->shift), end = a + mask;
        const size_t i = seg_of(s, n, a);
        const int is_mixed = i + 1 < n && s[i + 1].start <= end;

        ck_assert_uint_eq(x->bucket[b] & ~SCLINK__MIXED, i);
        ck_assert_int_eq(!!(x->bucket[b] & SCLINK__MIXED), is_mixed);
        mixed += is_mixed;
        ck_assert_ptr_eq(sclink_map_find(m, a), &s[i]);
        ck_assert_ptr_eq(sclink_map_find(m, end), &s[seg_of(s, n, end)]);
        ck_assert_ptr_eq(sclink_map_find(m, a + mask / 2),
                         &s[seg_of(s, n, a + mask / 2)]);
    }
    ck_assert_uint_le(mixed, n); /* each mixed bucket holds a start */
    if (x->base > 0)
        ck_assert_ptr_eq(sclink_map_find(m, x->base - 1), &s[0]);
    if (x->nbuckets > 0 &&
        x->base + ((uint64_t)(x->nbuckets - 1) << x->shift) + mask < UINT64_MAX)
        ck_assert_ptr_eq(sclink_map_find(m, x->base + ((uint64_t)x->nbuckets
                                                        << x->shift)),
                         &s[n - 1]);
    ck_assert_ptr_eq(sclink_map_find(m, 0), &s[0]);
    ck_assert_ptr_eq(sclink_map_find(m, UINT64_MAX), &s[n - 1]);
}

static sclink_map *build_ok(const sclink_map_entry *e, size_t n,
                            const sclink_map_entry *dflt)
{
    sclink_map *m = NULL;
    char err[512];
    int rc = sclink_map_build(&m, e, n, dflt, err, sizeof(err));

    ck_assert_msg(rc == 0, "build failed (%d): %s", rc, err);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Decodes and checks target and target-relative address. */
static void expect_hit(const sclink_map *m, uint64_t addr, uint64_t len,
                       uint32_t target, uint64_t taddr)
{
    const sclink_map_seg *s = NULL;
    int rc = sclink_map_decode(m, addr, len, &s);

    ck_assert_msg(rc == 0, "decode 0x%" PRIx64 "+%" PRIu64 ": %s", addr, len,
                  sclink_map_strerror(rc));
    ck_assert_uint_eq(s->target, target);
    ck_assert_uint_eq(addr + s->delta, taddr);
}

static void expect_miss(const sclink_map *m, uint64_t addr, uint64_t len,
                        int code)
{
    const sclink_map_seg *s = NULL;

    ck_assert_int_eq(sclink_map_decode(m, addr, len, &s), code);
    ck_assert_ptr_nonnull(s);
}

/* The segments must partition [0, UINT64_MAX] in order. */
static void expect_partition(const sclink_map *m)
{
    size_t n, i;
    const sclink_map_seg *s = sclink_map_segments(m, &n);

    ck_assert_uint_ge(n, 1);
    ck_assert_uint_eq(s[0].start, 0);
    ck_assert_uint_eq(s[n - 1].last, UINT64_MAX);
    for (i = 0; i < n; i++) {
        ck_assert_uint_le(s[i].start, s[i].last);
        if (i > 0) {
            ck_assert_uint_eq(s[i].start, s[i - 1].last + 1);
            /* Neighbours of one entry would have been merged. */
            ck_assert_int_ne(s[i].entry, s[i - 1].entry);
        }
    }
}

START_TEST(empty_map_is_all_hole)
{
    sclink_map *m = build_ok(NULL, 0, NULL);
    size_t n;

    sclink_map_segments(m, &n);
    ck_assert_uint_eq(n, 1);
    expect_miss(m, 0, 1, SCLINK_MAP_EUNMAPPED);
    expect_miss(m, UINT64_MAX, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);
}
END_TEST

START_TEST(one_entry_first_and_last_byte)
{
    sclink_map_entry e[] = {E("ram", 0x1000, 0x1000, 0x80000, 0, 3)};
    sclink_map *m = build_ok(e, 1, NULL);

    expect_hit(m, 0x1000, 1, 3, 0x80000);
    expect_hit(m, 0x1fff, 1, 3, 0x80fff);
    expect_hit(m, 0x1000, 0x1000, 3, 0x80000); /* the whole entry at once */
    expect_miss(m, 0x0fff, 1, SCLINK_MAP_EUNMAPPED);
    expect_miss(m, 0x2000, 1, SCLINK_MAP_EUNMAPPED);
    expect_partition(m);
    sclink_map_free(m);
}
END_TEST

START_TEST(crossing_access_is_an_error)
{
    sclink_map_entry e[] = {E("a", 0x1000, 0x1000, 0, 0, 0),
                            E("b", 0x2000, 0x1000, 0, 0, 1)};
    sclink_map *m = build_ok(e, 2, NULL);

    expect_hit(m, 0x1ffc, 4, 0, 0xffc);
    expect_miss(m, 0x1ffc, 8, SCLINK_MAP_ECROSS); /* into b */
    expect_miss(m, 0x2ffc, 8, SCLINK_MAP_ECROSS); /* into the hole */
    expect_miss(m, 0x1000, 0x1001, SCLINK_MAP_ECROSS);
    sclink_map_free(m);
}
END_TEST

START_TEST(zero_length_access_decodes_the_address)
{
    sclink_map_entry e[] = {E("a", 0x1000, 0x10, 0, 0, 0)};
    sclink_map *m = build_ok(e, 1, NULL);

    expect_hit(m, 0x100f, 0, 0, 0xf);
    expect_miss(m, 0x1010, 0, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);
}
END_TEST

START_TEST(size_zero_is_rejected)
{
    sclink_map_entry e[] = {E("ok", 0, 0x10, 0, 0, 0),
                            E("empty", 0x100, 0, 0, 0, 1)};
    sclink_map *m = (sclink_map *)(uintptr_t)1;
    char err[256];

    ck_assert_int_eq(sclink_map_build(&m, e, 2, NULL, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_eq(m, (sclink_map *)(uintptr_t)1); /* untouched */
    ck_assert_msg(strstr(err, "'empty'") && strstr(err, "size 0"), "%s", err);
}
END_TEST

START_TEST(entry_past_the_top_is_rejected)
{
    sclink_map_entry past[] = {E("big", UINT64_MAX - 0xff, 0x101, 0, 0, 0)};
    sclink_map_entry toff[] = {E("off", 0, 0x1000, UINT64_MAX - 0xffe, 0, 0)};
    sclink_map *m = NULL;
    char err[256];

    ck_assert_int_eq(sclink_map_build(&m, past, 1, NULL, err, sizeof(err)), -ERANGE);
    ck_assert_msg(strstr(err, "'big'") != NULL, "%s", err);
    ck_assert_int_eq(sclink_map_build(&m, toff, 1, NULL, err, sizeof(err)), -ERANGE);
    ck_assert_msg(strstr(err, "'off'") != NULL, "%s", err);
    ck_assert_ptr_null(m);
}
END_TEST

START_TEST(entry_at_the_top_of_the_space)
{
    sclink_map_entry e[] = {E("top", UINT64_MAX - 0xfff, 0x1000, 0, 0, 1),
                            E("last", 0, UINT64_MAX, 0, 0, 2)};
    sclink_map *m = build_ok(e, 1, NULL);
    const sclink_map_seg *s;

    expect_hit(m, UINT64_MAX, 1, 1, 0xfff);
    expect_hit(m, UINT64_MAX - 3, 4, 1, 0xffc);
    expect_hit(m, UINT64_MAX - 0xfff, 0x1000, 1, 0);
    /* An access wrapping past 2^64 crosses, it does not wrap to 0. */
    expect_miss(m, UINT64_MAX - 1, 4, SCLINK_MAP_ECROSS);
    expect_miss(m, UINT64_MAX - 0x1000, 1, SCLINK_MAP_EUNMAPPED);
    expect_partition(m);
    sclink_map_free(m);

    /* [0, 2^64 - 2]: the largest size; the very last byte stays a hole. */
    m = build_ok(&e[1], 1, NULL);
    expect_hit(m, UINT64_MAX - 1, 1, 2, UINT64_MAX - 1);
    expect_miss(m, UINT64_MAX, 1, SCLINK_MAP_EUNMAPPED);
    s = sclink_map_find(m, UINT64_MAX);
    ck_assert_uint_eq(s->start, UINT64_MAX);
    ck_assert_uint_eq(s->last, UINT64_MAX);
    sclink_map_free(m);
}
END_TEST

START_TEST(single_byte_at_the_top)
{
    sclink_map_entry e[] = {E("b", UINT64_MAX, 1, 7, 0, 0)};
    sclink_map *m = build_ok(e, 1, NULL);

    expect_hit(m, UINT64_MAX, 1, 0, 7);
    expect_miss(m, UINT64_MAX, 2, SCLINK_MAP_ECROSS);
    expect_miss(m, UINT64_MAX - 1, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);
}
END_TEST

START_TEST(equal_priority_overlap_names_both_and_the_range)
{
    sclink_map_entry e[] = {E("ram", 0x0000, 0x2000, 0, 0, 0),
                            E("uart", 0x1800, 0x1000, 0, 0, 1)};
    sclink_map *m = NULL;
    char err[512];

    ck_assert_int_eq(sclink_map_build(&m, e, 2, NULL, err, sizeof(err)),
                     SCLINK_MAP_EOVERLAP);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(err, "'ram'") && strstr(err, "'uart'"), "%s", err);
    ck_assert_msg(strstr(err, "[0x0000000000001800-0x0000000000001fff]"), "%s", err);
    ck_assert_str_eq(sclink_map_strerror(SCLINK_MAP_EOVERLAP),
                     "address map entries of equal priority overlap");
}
END_TEST

START_TEST(unnamed_entries_are_named_by_index)
{
    sclink_map_entry e[] = {E(NULL, 0x0, 0x10, 0, 0, 0),
                            E(NULL, 0x8, 0x10, 0, 0, 1)};
    sclink_map *m = NULL;
    char err[512];

    ck_assert_int_eq(sclink_map_build(&m, e, 2, NULL, err, sizeof(err)),
                     SCLINK_MAP_EOVERLAP);
    ck_assert_msg(strstr(err, "#0") && strstr(err, "#1"), "%s", err);
}
END_TEST

START_TEST(touching_entries_do_not_overlap)
{
    sclink_map_entry e[] = {E("a", 0x0, 0x1000, 0, 0, 0),
                            E("b", 0x1000, 0x1000, 0, 0, 1)};
    sclink_map *m = build_ok(e, 2, NULL);

    expect_hit(m, 0xfff, 1, 0, 0xfff);
    expect_hit(m, 0x1000, 1, 1, 0);
    sclink_map_free(m);
}
END_TEST

START_TEST(higher_priority_shadows_the_overlap_only)
{
    sclink_map_entry e[] = {E("ram", 0x0, 0x10000, 0x100000, 0, 0),
                            E("uart", 0x1000, 0x1000, 0, 1, 1)};
    sclink_map *m = build_ok(e, 2, NULL);
    size_t n;
    const sclink_map_seg *s = sclink_map_segments(m, &n);

    ck_assert_uint_eq(n, 4); /* ram, uart, ram, hole */
    expect_hit(m, 0x0fff, 1, 0, 0x100fff);
    expect_hit(m, 0x1000, 1, 1, 0x0);
    expect_hit(m, 0x1fff, 1, 1, 0xfff);
    /* ram keeps its translation on both sides of the shadow. */
    expect_hit(m, 0x2000, 1, 0, 0x102000);
    expect_hit(m, 0xffff, 1, 0, 0x10ffff);
    expect_miss(m, 0x0ffc, 8, SCLINK_MAP_ECROSS);
    ck_assert_int_eq(s[0].entry, 0);
    ck_assert_int_eq(s[2].entry, 0);
    expect_partition(m);
    sclink_map_free(m);
}
END_TEST

START_TEST(priority_is_not_binding_order)
{
    /* Same two windows as above, listed the other way round. */
    sclink_map_entry e[] = {E("uart", 0x1000, 0x1000, 0, 1, 1),
                            E("ram", 0x0, 0x10000, 0, 0, 0)};
    sclink_map *m = build_ok(e, 2, NULL);

    expect_hit(m, 0x1800, 1, 1, 0x800);
    expect_hit(m, 0x2800, 1, 0, 0x2800);
    sclink_map_free(m);
}
END_TEST

START_TEST(lower_priority_fully_shadowed_disappears)
{
    sclink_map_entry e[] = {E("big", 0x0, 0x10000, 0, 5, 0),
                            E("small", 0x1000, 0x100, 0, 1, 1),
                            E("low", 0x8000, 0x10000, 0x40, -3, 2)};
    sclink_map *m = build_ok(e, 3, NULL);
    size_t n, i;
    const sclink_map_seg *s = sclink_map_segments(m, &n);

    for (i = 0; i < n; i++)
        ck_assert_uint_ne(s[i].target, 1);
    expect_hit(m, 0x1000, 1, 0, 0x1000);
    expect_hit(m, 0xffff, 1, 0, 0xffff);
    expect_hit(m, 0x10000, 1, 2, 0x8040); /* low, shadowed up to here */
    expect_hit(m, 0x17fff, 1, 2, 0xffff + 0x40);
    expect_partition(m);
    sclink_map_free(m);
}
END_TEST

START_TEST(nested_priorities)
{
    sclink_map_entry e[] = {E("l0", 0x0, 0x1000, 0, 0, 0),
                            E("l1", 0x100, 0x800, 0, 1, 1),
                            E("l2", 0x200, 0x100, 0, 2, 2)};
    sclink_map *m = build_ok(e, 3, NULL);
    size_t n;

    sclink_map_segments(m, &n);
    ck_assert_uint_eq(n, 6); /* l0 l1 l2 l1 l0 hole */
    expect_hit(m, 0x0ff, 1, 0, 0x0ff);
    expect_hit(m, 0x100, 1, 1, 0x000);
    expect_hit(m, 0x200, 1, 2, 0x000);
    expect_hit(m, 0x2ff, 1, 2, 0x0ff);
    expect_hit(m, 0x300, 1, 1, 0x200);
    expect_hit(m, 0x900, 1, 0, 0x900);
    expect_partition(m);
    sclink_map_free(m);
}
END_TEST

START_TEST(equal_priority_overlap_under_a_shadow_is_still_rejected)
{
    /* Rejection does not depend on what ends up visible. */
    sclink_map_entry e[] = {E("top", 0x0, 0x10000, 0, 9, 0),
                            E("a", 0x1000, 0x100, 0, 0, 1),
                            E("b", 0x1080, 0x100, 0, 0, 2)};
    sclink_map *m = NULL;

    ck_assert_int_eq(sclink_map_build(&m, e, 3, NULL, NULL, 0), SCLINK_MAP_EOVERLAP);
}
END_TEST

START_TEST(default_target_gets_unmapped_addresses_unchanged)
{
    sclink_map_entry e[] = {E("ram", 0x1000, 0x1000, 0, 0, 0)};
    sclink_map_entry d = E("bus", 0, 0, 0, 0, 7);
    sclink_map *m = build_ok(e, 1, &d);

    expect_hit(m, 0x0, 1, 7, 0x0);
    expect_hit(m, 0xfff, 1, 7, 0xfff);
    expect_hit(m, 0x2000, 1, 7, 0x2000);
    expect_hit(m, UINT64_MAX, 1, 7, UINT64_MAX);
    expect_hit(m, 0x1000, 1, 0, 0x0);
    /* Default and entry are separate segments: no crossing between them. */
    expect_miss(m, 0xffc, 8, SCLINK_MAP_ECROSS);
    ck_assert_str_eq(sclink_map_entry_name(m, SCLINK_MAP_NO_ENTRY), "bus");
    expect_partition(m);
    sclink_map_free(m);
}
END_TEST

START_TEST(invalid_arguments)
{
    sclink_map_entry e[] = {E("x", 0, 1, 0, 0, SCLINK_MAP_NO_TARGET)};
    sclink_map_entry d = E("d", 0, 0, 0, 0, SCLINK_MAP_NO_TARGET);
    sclink_map *m = NULL;
    char err[128];

    ck_assert_int_eq(sclink_map_build(NULL, NULL, 0, NULL, NULL, 0), -EINVAL);
    ck_assert_int_eq(sclink_map_build(&m, NULL, 1, NULL, NULL, 0), -EINVAL);
    ck_assert_int_eq(sclink_map_build(&m, e, 1, NULL, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, "'x'") != NULL, "%s", err);
    ck_assert_int_eq(sclink_map_build(&m, NULL, 0, &d, NULL, 0), -EINVAL);
    ck_assert_ptr_null(m);
}
END_TEST

/* 10,000 entries with gaps, given in reverse order. */
START_TEST(ten_thousand_entries)
{
    enum { N = 10000 };
    sclink_map_entry *e = calloc(N, sizeof(*e));
    sclink_map *m;
    size_t i, n;

    for (i = 0; i < N; i++) {
        size_t k = N - 1 - i;
        e[i] = (sclink_map_entry)E("r", k * 0x2000, 0x1000, k * 0x10, 0,
                                   (uint32_t)k);
    }
    m = build_ok(e, N, NULL);
    sclink_map_segments(m, &n);
    ck_assert_uint_eq(n, 2 * N); /* N entries and N holes (one before none) */
    for (i = 0; i < N; i++) {
        expect_hit(m, i * 0x2000, 1, (uint32_t)i, i * 0x10);
        expect_hit(m, i * 0x2000 + 0xfff, 1, (uint32_t)i, i * 0x10 + 0xfff);
        expect_miss(m, i * 0x2000 + 0x1000, 1, SCLINK_MAP_EUNMAPPED);
        expect_miss(m, i * 0x2000 + 0xffe, 4, SCLINK_MAP_ECROSS);
    }
    expect_partition(m);
    expect_index(m);
    /* Windows and holes are 4 KiB aligned: 4 KiB buckets, none mixed. */
    ck_assert_uint_eq(m->index.shift, 12);
    for (i = 0; i < m->index.nbuckets; i++)
        ck_assert_uint_eq(m->index.bucket[i] & SCLINK__MIXED, 0);
    sclink_map_free(m);
    free(e);
}
END_TEST

START_TEST(ten_thousand_entries_one_overlap)
{
    enum { N = 10000 };
    sclink_map_entry *e = calloc(N, sizeof(*e));
    char (*names)[16] = calloc(N, sizeof(*names));
    sclink_map *m = NULL;
    char err[512];
    size_t i;

    for (i = 0; i < N; i++) {
        snprintf(names[i], sizeof(names[i]), "r%zu", i);
        e[i] = (sclink_map_entry)E(names[i], i * 0x1000, 0x1000, 0, 0, 0);
    }
    e[7777].size = 0x1001; /* one byte into r7778 */
    ck_assert_int_eq(sclink_map_build(&m, e, N, NULL, err, sizeof(err)),
                     SCLINK_MAP_EOVERLAP);
    ck_assert_msg(strstr(err, "'r7777'") && strstr(err, "'r7778'") &&
                  strstr(err, "[0x0000000001e62000-0x0000000001e62000]"),
                  "%s", err);
    free(names);
    free(e);
}
END_TEST

/* Against a brute-force model: the highest-priority covering entry wins. */
START_TEST(random_maps_match_brute_force)
{
    enum { N = 200, PROBES = 20000 };
    sclink_map_entry e[N];
    uint64_t x = 0x9e3779b97f4a7c15u;
    int round;

    for (round = 0; round < 20; round++) {
        sclink_map *m;
        size_t i, p;

        for (i = 0; i < N; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* Distinct priorities: every overlap is legal. */
            e[i] = (sclink_map_entry)E(NULL, x % 0x100000, 1 + (x >> 40) % 0x8000,
                                       (x >> 20) % 0x1000, (int)((i * 7919) % N),
                                       (uint32_t)i);
        }
        m = build_ok(e, N, NULL);
        expect_partition(m);
        expect_index(m);
        for (p = 0; p < PROBES; p++) {
            uint64_t a;
            int best = -1;
            const sclink_map_seg *s;

            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            a = x % 0x110000;
            for (i = 0; i < N; i++)
                if (a >= e[i].base && a - e[i].base < e[i].size &&
                    (best < 0 || e[i].priority > e[best].priority))
                    best = (int)i;
            s = sclink_map_find(m, a);
            if (best < 0) {
                ck_assert_uint_eq(s->target, SCLINK_MAP_NO_TARGET);
            } else {
                ck_assert_uint_eq(s->target, (uint32_t)best);
                ck_assert_uint_eq(a + s->delta, a - e[best].base + e[best].offset);
            }
        }
        sclink_map_free(m);
    }
}
END_TEST

/* The segment holding addr, by walking them all. */
static const sclink_map_seg *linear_find(const sclink_map *m, uint64_t addr)
{
    size_t n, i;
    const sclink_map_seg *s = sclink_map_segments(m, &n);

    for (i = 0; i < n; i++)
        if (addr >= s[i].start && addr <= s[i].last)
            return &s[i];
    return NULL;
}

/* Lookup's bucket index cuts the space from the second segment start to
 * the last into at most four buckets per segment.  Here 300 small windows
 * crowd into the first bucket (the map reaches near the top of the
 * space), so lookup must search within a mixed bucket; every edge of
 * every segment, and both ends of the space, must still find the right
 * one. */
START_TEST(crowded_segments_are_found_at_every_edge)
{
    enum { N = 300 };
    sclink_map_entry e[N + 2];
    const sclink_map_seg *segs;
    sclink_map *m;
    size_t i, n;

    for (i = 0; i < N; i++)
        e[i] = (sclink_map_entry)E(NULL, 0x1000 + i * 0x20, 0x10 + i % 7,
                                   i * 0x100, 0, (uint32_t)i);
    e[N] = (sclink_map_entry)E("far", UINT64_C(0x8000000000000000), 0x1000, 0,
                               0, N);
    e[N + 1] = (sclink_map_entry)E("top", UINT64_MAX - 0xfff, 0x1000, 0, 0,
                                   N + 1);
    m = build_ok(e, N + 2, NULL);
    expect_partition(m);
    expect_index(m);
    segs = sclink_map_segments(m, &n);
    for (i = 0; i < n; i++) {
        uint64_t probes[4] = {segs[i].start, segs[i].last, segs[i].start - 1,
                              segs[i].last + 1};
        size_t p;

        for (p = 0; p < 4; p++)
            ck_assert_ptr_eq(sclink_map_find(m, probes[p]),
                             linear_find(m, probes[p]));
    }
    expect_hit(m, 0x1000 + 17 * 0x20 + 3, 1, 17, 17 * 0x100 + 3);
    expect_hit(m, UINT64_MAX, 1, N + 1, 0xfff);
    expect_miss(m, 0, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);
}
END_TEST

/* Maps of one, two and three segments have no stretch to index, or a
 * stretch of one bucket. */
START_TEST(tiny_maps_find_every_segment)
{
    sclink_map_entry low = E("low", 0x0, 0x100, 0, 0, 0);
    sclink_map_entry all = E("all", 0x0, UINT64_MAX, 0, 0, 0);
    sclink_map_entry mid = E("mid", 0x100, 0x100, 0, 0, 0);
    sclink_map *m;

    m = build_ok(&all, 1, NULL); /* two segments: all, and the last byte */
    expect_index(m);
    expect_hit(m, 0, 1, 0, 0);
    expect_hit(m, UINT64_MAX - 1, 1, 0, UINT64_MAX - 1);
    expect_miss(m, UINT64_MAX, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);

    m = build_ok(&low, 1, NULL);
    expect_index(m);
    expect_hit(m, 0xff, 1, 0, 0xff);
    expect_miss(m, 0x100, 1, SCLINK_MAP_EUNMAPPED);
    expect_miss(m, UINT64_MAX, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);

    m = build_ok(&mid, 1, NULL); /* three segments */
    expect_index(m);
    expect_miss(m, 0xff, 1, SCLINK_MAP_EUNMAPPED);
    expect_hit(m, 0x100, 1, 0, 0);
    expect_hit(m, 0x1ff, 1, 0, 0xff);
    expect_miss(m, 0x200, 1, SCLINK_MAP_EUNMAPPED);
    sclink_map_free(m);
}
END_TEST

/* Random maps whose windows are aligned to random powers of two, some
 * unaligned, some reaching the top of the space: the index must hold its
 * invariants, pick buckets no finer than needed, and every segment edge
 * must decode right. */
START_TEST(random_alignments_keep_the_index_exact)
{
    enum { N = 64 };
    sclink_map_entry e[N + 1];
    uint64_t x = 0x2545f4914f6cdd1du;
    int round;

    for (round = 0; round < 200; round++) {
        const unsigned align = 3 + (unsigned)(round % 20); /* 8 B .. 4 MiB */
        const int unaligned = round % 3 == 0, top = round % 4 == 1;
        uint64_t stride = UINT64_C(4) << align, base0;
        const sclink_map_seg *segs;
        sclink_map *m;
        size_t i, n;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        base0 = top ? UINT64_MAX - N * stride - (stride - 1) : (x % 0x1000) << align;
        for (i = 0; i < N; i++) {
            uint64_t b = base0 + i * stride, size;

            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            size = ((x % 3) + 1) << align;
            if (unaligned && i % 5 == 0)
                b += 1 + x % 7; /* still inside the stride */
            e[i] = (sclink_map_entry)E(NULL, b, size, i << align, 0,
                                       (uint32_t)i);
        }
        n = N;
        if (top)
            e[n++] = (sclink_map_entry)E("top", UINT64_MAX - 0xf, 0x10, 0, 0, N);
        m = build_ok(e, n, NULL);
        expect_partition(m);
        expect_index(m);
        if (!unaligned && !top)
            ck_assert_uint_ge(m->index.shift, align);
        segs = sclink_map_segments(m, &n);
        for (i = 0; i < n; i++) {
            uint64_t probes[4] = {segs[i].start, segs[i].last,
                                  segs[i].start - 1, segs[i].last + 1};
            size_t p;

            for (p = 0; p < 4; p++)
                ck_assert_ptr_eq(sclink_map_find(m, probes[p]),
                                 linear_find(m, probes[p]));
        }
        if (top) {
            expect_hit(m, UINT64_MAX, 1, N, 0xf);
            expect_miss(m, UINT64_MAX - 1, 4, SCLINK_MAP_ECROSS);
        }
        sclink_map_free(m);
    }
}
END_TEST

/* Buckets that reach 2^64 exactly: the slot past them cannot exist, and
 * an address below them must still find segment 0. */
START_TEST(buckets_up_to_the_top_of_the_space)
{
    sclink_map_entry e[] = {
        E("a", UINT64_C(0x8000000000000000), 0x1000, 0, 0, 0),
        E("b", UINT64_C(0xc000000000000000), 0x1000, 0, 0, 1),
        E("c", UINT64_MAX - 0x7ff, 0x800, 0, 0, 2),
    };
    sclink_map *m = build_ok(e, 3, NULL);

    expect_partition(m);
    expect_index(m);
    expect_miss(m, 0, 1, SCLINK_MAP_EUNMAPPED);
    expect_miss(m, UINT64_C(0x7fffffffffffffff), 1, SCLINK_MAP_EUNMAPPED);
    expect_hit(m, UINT64_C(0x8000000000000fff), 1, 0, 0xfff);
    expect_hit(m, UINT64_C(0xc000000000000000), 4, 1, 0);
    expect_miss(m, UINT64_MAX - 0x800, 1, SCLINK_MAP_EUNMAPPED);
    expect_hit(m, UINT64_MAX - 0x7ff, 1, 2, 0);
    expect_hit(m, UINT64_MAX - 3, 4, 2, 0x7fc);
    expect_miss(m, UINT64_MAX - 2, 4, SCLINK_MAP_ECROSS);
    sclink_map_free(m);
}
END_TEST

START_TEST(format_lists_segments)
{
    sclink_map_entry e[] = {E("ram", 0x0, 0x10000, 0, 0, 0),
                            E("uart", 0x1000, 0x100, 0x20, 1, 1)};
    sclink_map_entry d = E("catchall", 0, 0, 0, 0, 2);
    sclink_map *m = build_ok(e, 2, &d);
    char buf[2048], small[40];
    int len = sclink_map_format(m, buf, sizeof(buf));

    ck_assert_int_gt(len, 0);
    ck_assert_uint_eq(strlen(buf), (size_t)len);
    ck_assert_msg(strstr(buf, "0x0000000000001000  0x00000000000010ff  uart") &&
                  strstr(buf, "0x0000000000000020"), "%s", buf);
    ck_assert_msg(strstr(buf, "0x0000000000001100  0x000000000000ffff  ram"), "%s", buf);
    ck_assert_msg(strstr(buf, "0x0000000000010000  0xffffffffffffffff  catchall"), "%s", buf);
    /* Truncation still reports the full length and terminates. */
    ck_assert_int_eq(sclink_map_format(m, small, sizeof(small)), len);
    ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
    ck_assert_int_eq(sclink_map_format(m, NULL, 0), len);
    sclink_map_free(m);
}
END_TEST

START_TEST(print_writes_the_formatted_map)
{
    sclink_map_entry e[] = {E("ram", 0x0, 0x10000, 0, 0, 0)};
    sclink_map *m = build_ok(e, 1, NULL);
    char buf[512], got[512];
    FILE *f = tmpfile();
    size_t n;

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(sclink_map_print(m, f), 0);
    rewind(f);
    n = fread(got, 1, sizeof(got) - 1, f);
    got[n] = '\0';
    ck_assert_int_eq(sclink_map_format(m, buf, sizeof(buf)), (int)n);
    ck_assert_str_eq(got, buf);
    fclose(f);
    sclink_map_free(m);
}
END_TEST

static Suite *map_suite(void)
{
    Suite *s = suite_create("router-map");
    TCase *tc = sclink_check_tcase(s, "map", 30);

    tcase_add_test(tc, empty_map_is_all_hole);
    tcase_add_test(tc, one_entry_first_and_last_byte);
    tcase_add_test(tc, crossing_access_is_an_error);
    tcase_add_test(tc, zero_length_access_decodes_the_address);
    tcase_add_test(tc, size_zero_is_rejected);
    tcase_add_test(tc, entry_past_the_top_is_rejected);
    tcase_add_test(tc, entry_at_the_top_of_the_space);
    tcase_add_test(tc, single_byte_at_the_top);
    tcase_add_test(tc, equal_priority_overlap_names_both_and_the_range);
    tcase_add_test(tc, unnamed_entries_are_named_by_index);
    tcase_add_test(tc, touching_entries_do_not_overlap);
    tcase_add_test(tc, higher_priority_shadows_the_overlap_only);
    tcase_add_test(tc, priority_is_not_binding_order);
    tcase_add_test(tc, lower_priority_fully_shadowed_disappears);
    tcase_add_test(tc, nested_priorities);
    tcase_add_test(tc, equal_priority_overlap_under_a_shadow_is_still_rejected);
    tcase_add_test(tc, default_target_gets_unmapped_addresses_unchanged);
    tcase_add_test(tc, invalid_arguments);
    tcase_add_test(tc, ten_thousand_entries);
    tcase_add_test(tc, ten_thousand_entries_one_overlap);
    tcase_add_test(tc, random_maps_match_brute_force);
    tcase_add_test(tc, crowded_segments_are_found_at_every_edge);
    tcase_add_test(tc, tiny_maps_find_every_segment);
    tcase_add_test(tc, random_alignments_keep_the_index_exact);
    tcase_add_test(tc, buckets_up_to_the_top_of_the_space);
    tcase_add_test(tc, format_lists_segments);
    tcase_add_test(tc, print_writes_the_formatted_map);
    return s;
}

SCLINK_CHECK_MAIN(map_suite)
