/*
 * The link fuzzer's generator: the script of one link from (seed, index)
 * alone.  Most links start with a valid Hello (random capabilities,
 * quantum, frame limit, name) and go on with a random mix of valid and
 * broken traffic: MMIO reads and writes aimed at the models' registers,
 * their memories, the BAR's edges and wild addresses; posted and debug
 * accesses, byte enables, streaming widths; Syncs at the window end and
 * at wrong times; DMA jobs and answers to them, right and wrong; Bye and
 * Error; frames mutated byte by byte; slow writes, floods and not reading.
 *
 * It predicts the window the gateway grants (W := REACHED + Q, cut to
 * t + Q by a Request stamped t) without reading the GRANT: the prediction
 * never exceeds the real window, so "valid" stamps stay valid.
 *
 * What it avoids on purpose: a guest may program the timer to expire
 * every nanosecond and a peer may propose a 1 s quantum; each window then
 * costs 10^9 SystemC events, minutes of simulation, and a free-running
 * peer may stamp a Request days ahead with a periodic timer armed.  That
 * is the simulation's cost, not a robustness bug, and it would hide real
 * findings behind health-check timeouts: timer periods are kept at or
 * above Q / 1000 (1 us at least), and a link that touched the timer does
 * not jump time.  Nor may a link use up SystemC's time, which all links
 * of a gateway share (2^64 ps, doc/gateway.md "Time limits"; what happens
 * then is tests/gateway/time-limits.sh): stamps move at most about 1 s at a
 * time, and far ones are sent only where the window refuses them.
 */
#include <stdlib.h>
#include <string.h>

#include "link-fuzz.h"

struct gen {
    uint64_t rng;
    struct script *s;
    sclink_buf frame;       /* scratch for encoding */
    /* What the gateway agreed, as predicted from the Hello. */
    uint64_t caps;
    uint64_t q;
    uint32_t max_frame;
    int sync;
    /* The predicted window: stamps up to w are accepted. */
    uint64_t last, w;
    uint64_t next_id;
    int timer_touched;
    int noread;
};

/* splitmix64: small, good enough, and the same everywhere. */
static uint64_t next(struct gen *g)
{
    uint64_t z = (g->rng += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n); 0 for n == 0. */
static uint64_t below(struct gen *g, uint64_t n)
{
    return n ? next(g) % n : 0;
}

/* True with probability pct percent. */
static int chance(struct gen *g, unsigned pct)
{
    return below(g, 100) < pct;
}

static uint64_t range(struct gen *g, uint64_t lo, uint64_t hi)
{
    return hi <= lo ? lo : lo + below(g, hi - lo + 1);
}

#define PICK(g, arr) ((arr)[below((g), sizeof(arr) / sizeof((arr)[0]))])

static const uint64_t wild64[] = {
    0, 1, 2, 3, 4, 7, 8, 0xff, 0x100, 0xfff, 0x1000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, UINT64_C(0x100000000),
    UINT64_C(0x7fffffffffffffff), UINT64_C(0x8000000000000000),
    UINT64_C(0xfffffffffffff000), UINT64_C(0xffffffffffffff00),
    UINT64_C(0xfffffffffffffff8), UINT64_C(0xfffffffffffffffc),
    UINT64_C(0xfffffffffffffffe), UINT64_C(0xffffffffffffffff),
};

static const uint32_t wild32[] = {
    0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 255, 256, 4031, 4032, 4033, 4096,
    65535, 65536, 0x7fffffff, 0x80000000, 0xfffffff0, 0xfffffffe, 0xffffffff,
};

/* A 32-bit register value: mostly small or all-ones, sometimes anything. */
static uint32_t reg_value(struct gen *g)
{
    switch (below(g, 5)) {
    case 0: return (uint32_t)below(g, 16);
    case 1: return (uint32_t)PICK(g, wild32);
    case 2: return (uint32_t)PICK(g, wild64);
    case 3: return 1u << below(g, 32);
    default: return (uint32_t)next(g);
    }
}

/* Writes a frame's length prefix (big-endian) at p. */
static void set_prefix(uint8_t *p, uint32_t len)
{
    p[0] = (uint8_t)(len >> 24);
    p[1] = (uint8_t)(len >> 16);
    p[2] = (uint8_t)(len >> 8);
    p[3] = (uint8_t)len;
}

static void add_frame(struct gen *g, const sclink_msg *m)
{
    g->frame.len = 0;
    frame_append(&g->frame, m);
    script_add(g->s, OP_SEND, 0, 0, 0, 0, g->frame.base, g->frame.len);
}

static void add_sleep(struct gen *g, uint32_t ms)
{
    script_add(g->s, OP_SLEEP, 0, 0, ms, 0, NULL, 0);
}

/* ---------------------------------------------------------------- Hello */

static void random_text(struct gen *g, char *buf, size_t cap)
{
    size_t n = chance(g, 80) ? below(g, 24) : below(g, cap - 1);

    for (size_t i = 0; i < n; i++) {
        unsigned c = chance(g, 85) ? (unsigned)range(g, 0x20, 0x7e) : (unsigned)range(g, 1, 0xff);
        buf[i] = (char)c;
    }
    buf[n] = '\0';
}

static void gen_hello(struct gen *g, int broken)
{
    static const uint64_t quanta[] = {
        0, 1, 999, 1000, 1001, 1000000, UINT64_C(10000000), UINT64_C(1000000000),
        UINT64_C(1000000000000), UINT64_C(1000000000001), UINT64_MAX,
    };
    static const uint32_t frames[] = {
        0, 1, 4095, 4096, 4097, 65536, SCLINK_DEFAULT_MAX_FRAME,
        SCLINK_DEFAULT_MAX_FRAME + 1, SCLINK_LIMIT_MAX_FRAME, 0xffffffff,
    };
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_hello h = SCLINK__V1__HELLO__INIT;
    char name[320];

    h.has_version_major = h.has_version_minor = h.has_role = 1;
    h.version_major = SCLINK_VERSION_MAJOR;
    h.version_minor = (uint32_t)below(g, 3);
    h.role = SCLINK__V1__ROLE__ROLE_QEMU;
    if (chance(g, 70)) {
        random_text(g, name, sizeof(name));
        h.name = name;
    }
    h.has_capabilities = chance(g, 95);
    h.capabilities = chance(g, 20) ? next(g) : below(g, 0x200);
    if (chance(g, 60))
        h.capabilities |= SCLINK__V1__CAPABILITY__CAP_SYNC;
    if (chance(g, 50))
        h.capabilities |= SCLINK__V1__CAPABILITY__CAP_DMA;
    if (chance(g, 70)) {
        h.has_quantum_ps = 1;
        h.quantum_ps = chance(g, 70) ? PICK(g, quanta) : range(g, 1000, UINT64_C(100000000));
    }
    if (chance(g, 70)) {
        h.has_max_frame = 1;
        h.max_frame = chance(g, 60) ? PICK(g, frames) : (uint32_t)range(g, 4096, 1 << 21);
        if (h.max_frame != 0 && h.max_frame < 4096)
            h.max_frame = 4096; /* below is invalid: only when broken */
    }
    if (broken) {
        switch (below(g, 6)) {
        case 0: h.version_major = (uint32_t)PICK(g, wild32); break;
        case 1: h.role = (Sclink__V1__Role)below(g, 5); break;
        case 2: h.has_role = 0; break;
        case 3: h.has_max_frame = 1; h.max_frame = (uint32_t)below(g, 4096); break;
        case 4: h.has_version_minor = 0; break;
        default:
            memset(name, 'n', 300);
            name[300] = '\0';
            h.name = name;
            break;
        }
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
    env.hello = &h;
    add_frame(g, &env);

    g->caps = (h.has_capabilities ? h.capabilities : 0) & 0x1ff;
    g->q = h.quantum_ps >= 1000 && h.quantum_ps <= UINT64_C(1000000000000) ? h.quantum_ps
                                                                             : FUZZ_QUANTUM_PS;
    g->max_frame = sclink_agree_max_frame(h.has_max_frame ? h.max_frame : 0, FUZZ_GW_MAX_FRAME);
    g->sync = (g->caps & SCLINK__V1__CAPABILITY__CAP_SYNC) != 0;
    g->last = 0;
    g->w = g->q;
}

/* -------------------------------------------------------------- Requests */

/* Where an access goes: a register, a memory, an edge, or anywhere. */
static void pick_target(struct gen *g, uint32_t *bar, uint64_t *addr, uint32_t *len)
{
    static const uint32_t reg_len[] = {4, 4, 4, 4, 4, 4, 8, 8, 1, 2, 3, 5, 16};
    const uint32_t maxlen = g->max_frame - 64;
    uint64_t base;

    *bar = 0;
    switch (below(g, 20)) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: {
        /* A model's register. */
        static const uint64_t blocks[] = {FUZZ_ID_BASE, FUZZ_UART_BASE, FUZZ_TIMER_BASE,
                                          FUZZ_DMA_BASE};
        base = PICK(g, blocks);
        *addr = base + (chance(g, 90) ? 4 * below(g, 10) : below(g, 0x100));
        *len = PICK(g, reg_len);
        break;
    }
    case 8: case 9: case 10:
        *addr = FUZZ_RAM_BASE + below(g, FUZZ_RAM_SIZE);
        *len = (uint32_t)(chance(g, 80) ? range(g, 1, 64) : range(g, 1, maxlen));
        break;
    case 11:
        *addr = FUZZ_ROM_BASE + below(g, FUZZ_ROM_SIZE + 16);
        *len = (uint32_t)range(g, 1, 32);
        break;
    case 12: case 13:
        *addr = FUZZ_DMA_BUF + below(g, FUZZ_DMA_BUF_SIZE + 16);
        *len = (uint32_t)(chance(g, 70) ? range(g, 1, 64) : range(g, 1, maxlen));
        break;
    case 14:
        /* The id block again, through the 64-bit BAR. */
        *bar = 2;
        *addr = below(g, 0x40);
        *len = PICK(g, reg_len);
        break;
    case 15: case 16:
        /* The BAR's edges. */
        *addr = FUZZ_BAR0_SIZE - range(g, 0, 16);
        *len = (uint32_t)range(g, 1, 32);
        break;
    case 17:
        /* Anywhere in the BAR, away from the timer (see the top). */
        do
            *addr = below(g, FUZZ_BAR0_SIZE);
        while (*addr >= FUZZ_TIMER_BASE - 0x1000 && *addr < FUZZ_TIMER_BASE + 0x1000);
        *len = (uint32_t)range(g, 1, 16);
        break;
    default:
        /* Wild: anything the field can hold. */
        *addr = chance(g, 70) ? PICK(g, wild64) : next(g);
        *len = chance(g, 70) ? PICK(g, wild32) : (uint32_t)next(g);
        if (chance(g, 30))
            *bar = (uint32_t)below(g, 8);
        break;
    }
    if (*len > maxlen && chance(g, 80))
        *len = maxlen;
    if (*len == 0 && chance(g, 80))
        *len = 1;
}

/* Keeps what a write puts in the timer from costing minutes (see the top). */
static void tame_timer(struct gen *g, uint64_t addr, uint8_t *data, uint32_t len)
{
    const uint64_t floor_ns = g->q / 1000 / 1000 > 1000 ? g->q / 1000 / 1000 : 1000;

    if (addr + len <= FUZZ_TIMER_BASE || addr >= FUZZ_TIMER_BASE + 0x100)
        return;
    g->timer_touched = 1;
    if (addr == FUZZ_TIMER_BASE && len >= 4) {
        uint64_t v = 0;
        for (unsigned i = 0; i < (len >= 8 ? 8u : 4u); i++)
            v |= (uint64_t)data[i] << (8 * i);
        if (v < floor_ns)
            v = floor_ns + below(g, 100000);
        for (unsigned i = 0; i < (len >= 8 ? 8u : 4u); i++)
            data[i] = (uint8_t)(v >> (8 * i));
    }
}

/* The stamp of a non-debug Request; moves the predicted window. */
static uint64_t pick_stamp(struct gen *g, int wrong)
{
    uint64_t t;

    /* Wrong stamps: far ones only where the window refuses them (see the
     * top), else before the last. */
    if (wrong && chance(g, 50)) {
        switch (g->sync ? below(g, 4) : 0) {
        case 0: return g->last ? g->last - 1 - below(g, g->last) : 0;
        case 1: return g->w + 1 + below(g, 1000);
        case 2: return UINT64_MAX - below(g, 2);
        default: return g->w + 1 + (next(g) >> 1);
        }
    }
    if (g->sync) {
        t = chance(g, 10) ? g->w : range(g, g->last, g->w);
    } else if (!g->timer_touched && chance(g, 3)) {
        t = g->last + below(g, UINT64_C(1) << 40); /* a jump of up to 1 s: nothing is armed */
    } else {
        t = g->last + below(g, g->q);
    }
    g->last = t;
    if (g->sync && UINT64_MAX - t > g->q && t + g->q < g->w)
        g->w = t + g->q;
    return t;
}

/*
 * One Request: valid unless `broken`, in which case one field is wrong.
 * `want` forces a command (0: any) and `at` an address (with bar 0).
 */
static void gen_request(struct gen *g, int broken, Sclink__V1__Command want,
                        int64_t at, uint32_t at_len, const uint8_t *at_data)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
    static uint8_t data[SCLINK_DEFAULT_MAX_FRAME];
    uint8_t be[16];
    uint32_t bar, len;
    uint64_t addr;
    int debug, is_write;

    r.has_id = r.has_command = r.has_bar = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = chance(g, 95) ? g->next_id++ : PICK(g, wild64);
    if (want) {
        r.command = want;
    } else {
        static const Sclink__V1__Command cmds[] = {
            SCLINK__V1__COMMAND__CMD_READ, SCLINK__V1__COMMAND__CMD_READ,
            SCLINK__V1__COMMAND__CMD_READ, SCLINK__V1__COMMAND__CMD_WRITE,
            SCLINK__V1__COMMAND__CMD_WRITE, SCLINK__V1__COMMAND__CMD_WRITE,
            SCLINK__V1__COMMAND__CMD_DEBUG_READ, SCLINK__V1__COMMAND__CMD_DEBUG_WRITE,
        };
        r.command = PICK(g, cmds);
    }
    if (at >= 0) {
        bar = 0;
        addr = (uint64_t)at;
        len = at_len;
    } else {
        pick_target(g, &bar, &addr, &len);
    }
    r.bar = bar;
    r.address = addr;
    r.length = len;
    debug = r.command == SCLINK__V1__COMMAND__CMD_DEBUG_READ ||
            r.command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    is_write = r.command == SCLINK__V1__COMMAND__CMD_WRITE ||
               r.command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    if (is_write) {
        uint32_t n = len <= sizeof(data) ? len : 0;
        if (at_data) {
            memcpy(data, at_data, n);
        } else {
            for (uint32_t i = 0; i < n; i += 4) {
                uint32_t v = reg_value(g);
                memcpy(data + i, &v, n - i >= 4 ? 4 : n - i);
            }
        }
        tame_timer(g, bar == 0 ? addr : 0, data, n);
        r.has_data = 1;
        r.data.data = data;
        r.data.len = n;
        if (r.command == SCLINK__V1__COMMAND__CMD_WRITE && chance(g, 30) &&
            ((g->caps & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES) || chance(g, 5))) {
            a.has_posted = 1;
            a.posted = 1;
            r.attributes = &a;
        }
    }
    if (chance(g, 8) && len > 0) {
        size_t n = range(g, 1, len < sizeof(be) ? len : sizeof(be));
        for (size_t i = 0; i < n; i++)
            be[i] = chance(g, 50) ? 0xff : 0x00;
        r.has_byte_enable = 1;
        r.byte_enable.data = be;
        r.byte_enable.len = n;
    }
    if (chance(g, 5) && len > 0) {
        r.has_streaming_width = 1;
        r.streaming_width = (uint32_t)range(g, 1, len);
    }
    if (chance(g, 5)) {
        a.has_secure = 1;
        a.secure = 1;
        a.has_initiator_id = 1;
        a.initiator_id = (uint32_t)next(g);
        r.attributes = &a;
    }
    if (broken) {
        switch (below(g, 12)) {
        case 0: r.has_id = 0; break;
        case 1: r.command = (Sclink__V1__Command)PICK(g, wild32); break;
        case 2: r.has_bar = 0; break;
        case 3: r.bar = (uint32_t)range(g, 1, 9); break;
        case 4: r.has_length = 0; break;
        case 5: r.length = 0; break;
        case 6: if (r.data.len) r.data.len = below(g, r.data.len); else { r.has_data = 1; r.data.data = data; r.data.len = 1; } break;
        case 7: be[0] = 0x5a; r.has_byte_enable = 1; r.byte_enable.data = be; r.byte_enable.len = 1; break;
        case 8: r.has_byte_enable = 1; r.byte_enable.data = be; r.byte_enable.len = 0; break;
        case 9: r.has_streaming_width = 1; r.streaming_width = chance(g, 50) ? 0 : len + 1; break;
        case 10: a.has_posted = 1; a.posted = 1; r.attributes = &a; break;
        default: r.has_time_ps = 0; break;
        }
    }
    r.time_ps = debug ? next(g) : pick_stamp(g, broken);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    add_frame(g, &env);
}

/* A 32-bit register write, valid. */
static void reg_write(struct gen *g, uint64_t addr, uint32_t v)
{
    uint8_t d[4];

    memcpy(d, &v, 4);
    gen_request(g, 0, SCLINK__V1__COMMAND__CMD_WRITE, (int64_t)addr, 4, d);
}

/* ------------------------------------------------------------------ Sync */

static void gen_sync(struct gen *g, int broken)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync s = SCLINK__V1__SYNC__INIT;

    if (!g->sync && !chance(g, 3))
        return;

    s.has_kind = s.has_time_ps = 1;
    s.kind = SCLINK__V1__SYNC_KIND__SYNC_REACHED;
    s.time_ps = g->w;
    if (broken) {
        switch (below(g, 6)) {
        case 0: s.time_ps = g->w + 1 + below(g, g->q); break;
        case 1: s.time_ps = g->last ? g->last - 1 : 0; break;
        case 2: s.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT; s.has_window_end_ps = 1; s.window_end_ps = g->w + 1; break;
        case 3: s.kind = (Sclink__V1__SyncKind)PICK(g, wild32); break;
        case 4: s.has_time_ps = 0; break;
        default: s.time_ps = UINT64_MAX; break;
        }
    } else if (chance(g, 20)) {
        /* Early: any time in the window is accepted. */
        s.time_ps = range(g, g->last, g->w);
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &s;
    add_frame(g, &env);
    if (!broken) {
        g->last = s.time_ps;
        g->w = UINT64_MAX - s.time_ps > g->q ? s.time_ps + g->q : UINT64_MAX;
    }
}

/* ------------------------------------------------------------ Bye, Error */

static void gen_bye_or_error(struct gen *g)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye b = SCLINK__V1__BYE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;
    char text[1100];

    random_text(g, text, chance(g, 90) ? 64 : sizeof(text));
    if (chance(g, 60)) {
        b.has_reason = chance(g, 80);
        b.reason = (Sclink__V1__ByeReason)(chance(g, 90) ? below(g, 3) : PICK(g, wild32));
        b.message = chance(g, 60) ? text : NULL;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        env.bye = &b;
    } else {
        e.has_code = chance(g, 95);
        e.code = (Sclink__V1__ErrorCode)(chance(g, 90) ? below(g, 10) : PICK(g, wild32));
        e.message = chance(g, 70) ? text : NULL;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        env.error = &e;
    }
    add_frame(g, &env);
}

/* A message the gateway never accepts from QEMU: Welcome, Interrupt, Response. */
static void gen_foreign(struct gen *g)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_interrupt i = SCLINK__V1__INTERRUPT__INIT;
    sclink_hello h = SCLINK__V1__HELLO__INIT;
    sclink_welcome w = SCLINK__V1__WELCOME__INIT;

    switch (below(g, 3)) {
    case 0:
        i.has_type = i.has_index = i.has_time_ps = 1;
        i.type = SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
        env.interrupt = &i;
        break;
    case 1:
        h.has_version_major = h.has_version_minor = h.has_role = 1;
        h.version_major = 1;
        h.role = SCLINK__V1__ROLE__ROLE_QEMU;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
        env.hello = &h;
        break;
    default:
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
        env.welcome = &w;
        break;
    }
    add_frame(g, &env);
}

/* ------------------------------------------------------------ mutations */

/* One valid frame of some kind into g->frame (nothing added to the script). */
static void valid_frame(struct gen *g)
{
    size_t before = g->s->n;

    if (chance(g, 70) || !g->sync)
        gen_request(g, 0, 0, -1, 0, NULL);
    else
        gen_sync(g, 0);
    /* Take it back out of the script: the caller mutates g->frame. */
    if (g->s->n > before) {
        g->s->n = before;
        free(g->s->ops[before].bytes);
    }
}

/* A frame broken at the byte level: bit flips, cuts, bad prefixes, noise. */
static void gen_mutated(struct gen *g)
{
    sclink_buf *f = &g->frame;
    size_t n;

    valid_frame(g);
    n = f->len;
    switch (below(g, 9)) {
    case 0: /* bit flips */
        for (unsigned k = 0, m = (unsigned)range(g, 1, 8); k < m; k++)
            f->base[below(g, n)] ^= (uint8_t)(1u << below(g, 8));
        break;
    case 1: /* flips in the payload only: the framing holds */
        for (unsigned k = 0, m = (unsigned)range(g, 1, 4); k < m && n > 4; k++)
            f->base[4 + below(g, n - 4)] ^= (uint8_t)(1u << below(g, 8));
        break;
    case 2: /* cut short */
        f->len = below(g, n);
        break;
    case 3: { /* a prefix of zero, over the limit, or huge */
        static const uint32_t prefixes[] = {0, 1, 0x00100001, 0x01000000, 0x04000001,
                                            0x7fffffff, 0xffffffff};
        uint32_t p = PICK(g, prefixes);
        if (chance(g, 30))
            p = g->max_frame + (uint32_t)below(g, 3);
        set_prefix(f->base, p);
        break;
    }
    case 4: /* a prefix a little off */
        set_prefix(f->base, (uint32_t)(n - 4 + range(g, 0, 6) - 3));
        break;
    case 5: { /* unknown fields appended to the Envelope: valid, and heavy */
        size_t k = chance(g, 80) ? range(g, 1, 16) : range(g, 100, 2000);
        sclink_buf_reserve(f, 3 * k);
        for (size_t i = 0; i < k; i++) {
            f->base[f->len++] = (uint8_t)(0x48 + 8 * below(g, 6)); /* fields 9..14, varint */
            f->base[f->len++] = (uint8_t)below(g, 0x80);
        }
        set_prefix(f->base, (uint32_t)(f->len - 4));
        break;
    }
    case 6: { /* two messages in one Envelope: the last one counts */
        size_t keep = f->len;
        uint8_t *copy = malloc(keep);
        memcpy(copy, f->base, keep);
        valid_frame(g);
        sclink_buf_reserve(f, keep);
        memcpy(f->base + f->len, copy + 4, keep - 4);
        f->len += keep - 4;
        free(copy);
        set_prefix(f->base, (uint32_t)(f->len - 4));
        break;
    }
    case 7: /* noise of a plausible length */
        for (size_t i = 4; i < n; i++)
            f->base[i] = (uint8_t)next(g);
        break;
    default: /* a byte inserted */
        sclink_buf_reserve(f, 1);
        n = below(g, f->len + 1);
        memmove(f->base + n + 1, f->base + n, f->len - n);
        f->base[n] = (uint8_t)next(g);
        f->len++;
        break;
    }
    if (f->len)
        script_add(g->s, OP_SEND, 0, 0, 0, 0, f->base, f->len);
}

/* ------------------------------------------------------------- scenarios */

/* A DMA job: the registers (often extreme values), START, then answers. */
static void gen_dma_job(struct gen *g)
{
    static const uint64_t addrs[] = {
        0x1000, 0x7ff00000, UINT64_C(0xfffffffffffff000), UINT64_C(0xfffffffffffffff0),
        UINT64_C(0xffffffffffffffff), UINT64_C(0x8000000000000000), 0,
    };
    uint64_t src = chance(g, 50) ? PICK(g, addrs) : below(g, FUZZ_DMA_BUF_SIZE + 64);
    uint64_t dst = chance(g, 50) ? PICK(g, addrs) : below(g, FUZZ_DMA_BUF_SIZE + 64);
    uint32_t len = chance(g, 60) ? (uint32_t)range(g, 0, 1024) : PICK(g, wild32);
    uint32_t dir = (uint32_t)below(g, 4);
    unsigned answers;

    reg_write(g, FUZZ_DMA_BASE + 0x00, (uint32_t)src);
    reg_write(g, FUZZ_DMA_BASE + 0x04, (uint32_t)(src >> 32));
    reg_write(g, FUZZ_DMA_BASE + 0x08, (uint32_t)dst);
    reg_write(g, FUZZ_DMA_BASE + 0x0c, (uint32_t)(dst >> 32));
    reg_write(g, FUZZ_DMA_BASE + 0x10, len);
    reg_write(g, FUZZ_DMA_BASE + 0x14, dir | (chance(g, 70) ? 0x10 : 0) | 0x100);
    /* The engine runs once SystemC moves: a Request or a REACHED. */
    if (g->sync && chance(g, 60))
        gen_sync(g, 0);
    else
        gen_request(g, 0, SCLINK__V1__COMMAND__CMD_READ, FUZZ_DMA_BASE + 0x18, 4, NULL);
    answers = (unsigned)range(g, 0, 6);
    for (unsigned i = 0; i < answers; i++) {
        int mode = chance(g, 75) ? RESP_OK : (int)range(g, RESP_STATUS, RESP_COUNT - 1);
        int64_t arg = 0;
        switch (mode) {
        case RESP_STATUS: arg = (int64_t)below(g, 9); break;
        case RESP_ID: arg = chance(g, 50) ? 1 : (int64_t)next(g); break;
        case RESP_LEN: arg = (int64_t)range(g, 0, 8) - 4; break;
        default: break;
        }
        script_add(g->s, OP_RESPOND, mode, chance(g, 5), (uint32_t)range(g, 20, 300), arg,
                   NULL, 0);
    }
    reg_write(g, FUZZ_DMA_BASE + 0x18, 0x6); /* DONE and ERROR cleared */
}

/* A timer programmed within the bounds at the top, and run a little. */
static void gen_timer(struct gen *g)
{
    uint64_t floor_ns = g->q / 1000 / 1000 > 1000 ? g->q / 1000 / 1000 : 1000;
    uint64_t period = floor_ns + below(g, 5 * g->q / 1000 + 1);

    reg_write(g, FUZZ_TIMER_BASE + 0x00, (uint32_t)period);
    reg_write(g, FUZZ_TIMER_BASE + 0x04, (uint32_t)(period >> 32));
    reg_write(g, FUZZ_TIMER_BASE + 0x08, (uint32_t)below(g, 8) | 1);
    for (unsigned i = 0, n = (unsigned)range(g, 0, 4); i < n && g->sync; i++)
        gen_sync(g, 0);
    if (chance(g, 50))
        reg_write(g, FUZZ_TIMER_BASE + 0x0c, 1);
}

/* The peer stops reading and asks for more output than the bound. */
static void gen_unread_flood(struct gen *g)
{
    uint32_t len = g->max_frame - 64 < FUZZ_RAM_SIZE ? g->max_frame - 64 : FUZZ_RAM_SIZE;
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    uint32_t count = (uint32_t)(4 * (uint64_t)g->max_frame / len + range(g, 2, 40));

    script_add(g->s, OP_NOREAD, 0, 0, 0, 0, NULL, 0);
    g->noread = 1;
    r.has_id = r.has_command = r.has_bar = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = g->next_id++;
    r.command = chance(g, 50) ? SCLINK__V1__COMMAND__CMD_READ : SCLINK__V1__COMMAND__CMD_DEBUG_READ;
    r.length = len;
    r.time_ps = g->last;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    g->frame.len = 0;
    frame_append(&g->frame, &env);
    script_add(g->s, OP_SENDREP, 0, count, 0, 0, g->frame.base, g->frame.len);
    /* Stay, still not reading, long enough to be cut off, or not. */
    if (chance(g, 50))
        add_sleep(g, (uint32_t)range(g, 100, 1500));
}

/* Posted writes padded with unknown fields, while a DMA answer is withheld. */
static void gen_queue_pressure(struct gen *g)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
    uint8_t data[4] = {1, 2, 3, 4};
    size_t pad = range(g, 0, 3000);

    reg_write(g, FUZZ_DMA_BASE + 0x00, 0x1000);
    reg_write(g, FUZZ_DMA_BASE + 0x10, 64);
    reg_write(g, FUZZ_DMA_BASE + 0x14, 0x100);
    gen_request(g, 0, SCLINK__V1__COMMAND__CMD_DEBUG_READ, FUZZ_ID_BASE, 4, NULL);
    gen_request(g, 0, SCLINK__V1__COMMAND__CMD_READ, FUZZ_DMA_BASE + 0x18, 4, NULL);
    r.has_id = r.has_command = r.has_bar = r.has_address = r.has_length = r.has_time_ps = 1;
    r.has_data = 1;
    r.id = g->next_id++;
    r.command = SCLINK__V1__COMMAND__CMD_WRITE;
    r.address = FUZZ_RAM_BASE + 0x100;
    r.length = 4;
    r.data.data = data;
    r.data.len = 4;
    r.time_ps = g->last;
    a.has_posted = 1;
    a.posted = 1;
    r.attributes = &a;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    g->frame.len = 0;
    frame_append(&g->frame, &env);
    sclink_buf_reserve(&g->frame, 2 * pad);
    for (size_t i = 0; i < pad; i++) {
        g->frame.base[g->frame.len++] = 0x58; /* field 11, varint */
        g->frame.base[g->frame.len++] = 0x00;
    }
    set_prefix(g->frame.base, (uint32_t)(g->frame.len - 4));
    script_add(g->s, OP_SENDREP, 0, (uint32_t)range(g, 100, pad > 1000 ? 12000 : 100000), 0, 0,
               g->frame.base, g->frame.len);
    script_add(g->s, OP_RESPOND, RESP_OK, 0, 500, 0, NULL, 0);
}

/* A valid frame written slowly: within timeout_ms, or not. */
static void gen_dribble(struct gen *g)
{
    valid_frame(g);
    uint32_t chunk = (uint32_t)range(g, 1, 4);
    uint32_t ms = (uint32_t)range(g, 5, chance(g, 20) ? 400 : 60);
    script_add(g->s, OP_DRIBBLE, 0, chunk, ms, 0, g->frame.base,
               g->frame.len < 16 ? g->frame.len : 16);
    if (g->frame.len > 16)
        script_add(g->s, OP_SEND, 0, 0, 0, 0, g->frame.base + 16, g->frame.len - 16);
}

/* The rest of a link after a good handshake; a clean one breaks no rule. */
static void gen_traffic(struct gen *g)
{
    unsigned steps = (unsigned)(chance(g, 80) ? range(g, 1, 40) : range(g, 40, 200));
    int clean = chance(g, 40);

    if (chance(g, 40))
        script_add(g->s, OP_AUTODMA, 0, 1, 0, 0, NULL, 0);
    for (unsigned i = 0; i < steps; i++) {
        unsigned k = (unsigned)below(g, 1000);

        /* The steps that break a rule, or end the link, become a Request. */
        if (clean && ((k >= 450 && k < 520) || (k >= 625 && k < 640) ||
                      (k >= 730 && k < 790) || (k >= 865 && k < 890) ||
                      (k >= 897 && k < 900)))
            k = 900 + k % 100;
        if (k < 450)
            gen_request(g, 0, 0, -1, 0, NULL);
        else if (k < 520)
            gen_request(g, 1, 0, -1, 0, NULL);
        else if (k < 640)
            gen_sync(g, k < 625 ? 0 : 1);
        else if (k < 700)
            gen_dma_job(g);
        else if (k < 730)
            gen_timer(g);
        else if (k < 790)
            gen_mutated(g);
        else if (k < 820)
            script_add(g->s, OP_RESPOND, (int)below(g, RESP_COUNT), !clean && chance(g, 20),
                       (uint32_t)range(g, 0, 50), (int64_t)below(g, 3), NULL, 0);
        else if (k < 850)
            add_sleep(g, (uint32_t)range(g, 1, 30));
        else if (k < 865)
            gen_dribble(g);
        else if (k < 880)
            gen_bye_or_error(g);
        else if (k < 890)
            gen_foreign(g);
        else if (k < 894)
            gen_unread_flood(g);
        else if (k < 897)
            gen_queue_pressure(g);
        else if (k < 900)
            script_add(g->s, OP_SHUTDOWN, 0, 0, 0, 0, NULL, 0);
        else if (k < 950)
            gen_request(g, 0, SCLINK__V1__COMMAND__CMD_WRITE, -1, 0, NULL);
        else
            gen_request(g, 0, SCLINK__V1__COMMAND__CMD_READ, -1, 0, NULL);
    }
    if (chance(g, 30))
        gen_bye_or_error(g);
    if (chance(g, 30))
        script_add(g->s, OP_HOLD, 0, 0, (uint32_t)range(g, 10, 200), 0, NULL, 0);
}

/* Garbage, or silence, where a Hello belongs. */
static void gen_no_hello(struct gen *g)
{
    uint8_t junk[64];
    size_t n = range(g, 1, sizeof(junk));

    switch (below(g, 5)) {
    case 0:
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)next(g);
        script_add(g->s, OP_SEND, 0, 0, 0, 0, junk, n);
        break;
    case 1: /* traffic as if the handshake had happened */
        g->q = FUZZ_QUANTUM_PS;
        g->w = g->q;
        g->max_frame = FUZZ_GW_MAX_FRAME;
        gen_request(g, 0, 0, -1, 0, NULL);
        break;
    case 2: /* nothing at all for a while */
        add_sleep(g, (uint32_t)range(g, 10, 300));
        break;
    case 3: /* a Hello, slowly */
        gen_hello(g, 0);
        g->s->n--;
        free(g->s->ops[g->s->n].bytes);
        script_add(g->s, OP_DRIBBLE, 0, 1, (uint32_t)range(g, 20, 200), 0, g->frame.base,
                   g->frame.len);
        break;
    default:
        gen_bye_or_error(g);
        break;
    }
}

/* A link's traffic, valid Hello or not (what every plain link is). */
static void gen_body(struct gen *g)
{
    struct script *out = g->s;
    unsigned k = (unsigned)below(g, 100);

    if (k < 85) {
        gen_hello(g, 0);
        snprintf(out->note, sizeof(out->note), "Hello caps 0x%llx, quantum %llu ps, max frame %u",
                 (unsigned long long)g->caps, (unsigned long long)g->q, g->max_frame);
        gen_traffic(g);
    } else if (k < 92) {
        gen_hello(g, 1);
        snprintf(out->note, sizeof(out->note), "broken Hello");
        if (chance(g, 50))
            gen_traffic(g);
    } else {
        snprintf(out->note, sizeof(out->note), "no Hello");
        gen_no_hello(g);
        if (chance(g, 30))
            gen_traffic(g);
    }
}

/* ------------------------------------------------------------------ TLS */

/* A TLS record header: a content type (mostly 20..24), a version, a length. */
static void record_header(struct gen *g, uint8_t *p)
{
    static const uint16_t lens[] = {0, 1, 2, 5, 0x3fff, 0x4000, 0x4001, 0x4100, 0x4800, 0xffff};
    uint16_t len = chance(g, 60) ? PICK(g, lens) : (uint16_t)next(g);

    p[0] = chance(g, 80) ? (uint8_t)range(g, 20, 24) : (uint8_t)next(g);
    p[1] = chance(g, 90) ? 3 : (uint8_t)next(g);
    p[2] = (uint8_t)(chance(g, 90) ? below(g, 5) : next(g));
    p[3] = (uint8_t)(len >> 8);
    p[4] = (uint8_t)len;
}

/* Bytes that are not a TLS session's: a record header and some of what
 * it claims, an SSLv2 ClientHello, a plaintext alert, noise. */
static void gen_not_tls(struct gen *g)
{
    static const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    static const uint8_t ccs[] = {0x14, 0x03, 0x03, 0x00, 0x01, 0x01};
    uint8_t b[96];
    size_t n = 0;

    switch (below(g, 5)) {
    case 0:
        record_header(g, b);
        n = 5 + below(g, sizeof(b) - 5);
        for (size_t i = 5; i < n; i++)
            b[i] = (uint8_t)next(g);
        break;
    case 1: /* SSLv2: a 2-byte length with the top bit, CLIENT-HELLO, version */
        n = range(g, 5, sizeof(b));
        b[0] = (uint8_t)(0x80 | below(g, 0x80));
        b[1] = (uint8_t)next(g);
        b[2] = 1;
        b[3] = 3;
        b[4] = (uint8_t)below(g, 5);
        for (size_t i = 5; i < n; i++)
            b[i] = (uint8_t)next(g);
        break;
    case 2:
        if (chance(g, 50)) {
            memcpy(b, alert, sizeof(alert));
            n = sizeof(alert);
        } else {
            memcpy(b, ccs, sizeof(ccs));
            n = sizeof(ccs);
        }
        break;
    default:
        n = range(g, 1, sizeof(b));
        for (size_t i = 0; i < n; i++)
            b[i] = (uint8_t)next(g);
        break;
    }
    if (chance(g, 15))
        script_add(g->s, OP_DRIBBLE, 0, 1, (uint32_t)range(g, 10, 100), 0, b, n);
    else
        script_add(g->s, OP_SEND, 0, 0, 0, 0, b, n);
}

/* The handshake with a twist, at an offset in the client's flights: its
 * headers, the ClientHello (the whole of a PSK client's 463 bytes), or the
 * X.509 client's certificate flight (2014 bytes in all). */
static const char *gen_tls_twist(struct gen *g)
{
    static const char *const names[] = {"flipped", "cut", "slow", "broken into"};
    uint32_t at = (uint32_t)(chance(g, 30) ? below(g, 10) : chance(g, 70) ? below(g, 520)
                                                                        : below(g, 2100));
    int mode = (int)range(g, TLS_FLIP, TLS_INJECT);
    struct op o;

    switch (mode) {
    case TLS_FLIP:
        script_add(g->s, OP_TLS, mode, at, 0,
                   chance(g, 60) ? 1 << below(g, 8) : (int64_t)range(g, 1, 255), NULL, 0);
        break;
    case TLS_SLOW:
        script_add(g->s, OP_TLS, mode, (uint32_t)range(g, 1, 64), (uint32_t)range(g, 1, 30), 0,
                   NULL, 0);
        break;
    case TLS_INJECT:
        if (chance(g, 30))
            gen_hello(g, 0); /* a plaintext frame inside the handshake */
        else
            gen_not_tls(g);
        /* Either added one step: its bytes become this step's. */
        o = g->s->ops[--g->s->n];
        script_add(g->s, OP_TLS, mode, at, 0, 0, o.bytes, o.len);
        free(o.bytes);
        break;
    default:
        script_add(g->s, OP_TLS, mode, at, 0, 0, NULL, 0);
        break;
    }
    return names[mode - TLS_FLIP];
}

/*
 * A link against a TLS gateway: a good handshake and then a plain link's
 * traffic inside it; bytes before the handshake (a plaintext peer, stray
 * records); a handshake flipped, cut, slowed or broken into; or bytes
 * around the session once it is up (records that do not verify, a record
 * left half sent).
 */
static void gen_tls(struct gen *g)
{
    struct script *out = g->s;
    unsigned k = (unsigned)below(g, 100);
    char note[sizeof(out->note)];

    if (k < 55) {
        script_add(out, OP_TLS, TLS_OK, 0, 0, 0, NULL, 0);
        gen_body(g);
        snprintf(note, sizeof(note), "TLS, then %.140s", out->note);
    } else if (k < 70) {
        if (chance(g, 40))
            gen_body(g); /* a plaintext peer */
        else
            gen_not_tls(g);
        snprintf(note, sizeof(note), "bytes before the TLS handshake");
        if (chance(g, 50))
            script_add(out, OP_TLS, TLS_OK, 0, 0, 0, NULL, 0);
    } else if (k < 90) {
        snprintf(note, sizeof(note), "TLS handshake %s", gen_tls_twist(g));
        if (chance(g, 60))
            gen_body(g);
    } else {
        script_add(out, OP_TLS, TLS_OK, 0, 0, 0, NULL, 0);
        if (chance(g, 50))
            gen_hello(g, 0);
        script_add(out, OP_RAW, 0, 0, 0, 0, NULL, 0);
        gen_not_tls(g);
        snprintf(note, sizeof(note), "TLS, then bytes around the session");
    }
    if (chance(g, 50))
        script_add(out, OP_HOLD, 0, 0, (uint32_t)range(g, 10, 1500), 0, NULL, 0);
    snprintf(out->note, sizeof(out->note), "%s", note);
}

void gen_link(uint64_t seed, uint64_t index, int tls, struct script *out)
{
    struct gen g;

    memset(&g, 0, sizeof(g));
    g.rng = seed ^ (index * UINT64_C(0xd1342543de82ef95));
    next(&g);
    g.s = out;
    g.next_id = 1;
    g.q = FUZZ_QUANTUM_PS;
    g.w = g.q;
    g.max_frame = FUZZ_GW_MAX_FRAME;
    sclink_buf_init(&g.frame);
    script_init(out);
    if (tls)
        gen_tls(&g);
    else
        gen_body(&g);
    sclink_buf_free(&g.frame);
}
