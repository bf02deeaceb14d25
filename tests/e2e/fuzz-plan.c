/*
 * fuzz-plan.c: what tests/e2e/fuzz-gateway draws from a seed (the QEMU
 * side's settings, the Welcome, the plan of actions and its finale) and
 * carries out as QEMU's messages arrive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-gateway.h"

/* ------------------------------------------------------------ randomness */

/* splitmix64: small, fast, and the same everywhere for the same seed. */
uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
uint64_t below(rng *r, uint64_t n)
{
    return next(r) % n;
}

/* True with probability 1/n. */
int one_in(rng *r, uint64_t n)
{
    return below(r, n) == 0;
}

/* Separate streams, so that the settings never depend on the plan. */
rng stream(uint64_t seed, uint64_t which)
{
    rng r = { seed ^ (which * 0xd1b54a32d192ed03ull) };

    next(&r);
    return r;
}

/* ------------------------------------------------------- QEMU's settings */

config config_for(uint64_t seed)
{
    rng r = stream(seed, 1);
    config c;

    c.timeout_ms = 1000 + 500 * (unsigned)below(&r, 4);
    c.exit_on_failure = (int)below(&r, 2);
    c.icount = one_in(&r, 3);
    c.tcp = one_in(&r, 4);
    c.master = (int)below(&r, 2);
    return c;
}

const struct action_info actions[N_ACTIONS] = {
    [A_IRQ_BURST] = { "irq-burst", CHAOS, NEED_IRQ },
    [A_IRQ_STORM] = { "irq-storm", CHAOS, NEED_IRQ },
    [A_IRQ_TIMES] = { "irq-times", CHAOS, NEED_IRQ },
    [A_DMA_HUGE] = { "dma-huge-address", CHAOS, NEED_DMA },
    [A_DMA_RAM] = { "dma-read-ram", CHAOS, NEED_DMA },
    [A_DMA_ODD] = { "dma-byte-enable-or-width", CHAOS, NEED_DMA },
    [A_DMA_STORM] = { "dma-storm", CHAOS, NEED_DMA },
    [A_CHUNKED] = { "chunked-frames", CHAOS, 0 },
    [A_DELAY] = { "delay", CHAOS, 0 },
    [A_UNKNOWN_FIELDS] = { "unknown-fields", CHAOS, 0 },
    [A_BAD_STATUS] = { "failing-statuses", CHAOS, 0 },
    [A_WIDE_GRANT] = { "wide-grant", CHAOS, NEED_SYNC | NEED_LOOKAHEAD },
    [A_TINY_GRANTS] = { "tiny-grants", CHAOS, NEED_SYNC },
    [A_MUTATE] = { "mutate", MAY_END, 0 },
    [A_TRUNCATE] = { "truncate", MAY_END, 0 },
    [A_ZERO_TAG] = { "field-0", MAY_END, 0 },
    [F_PREFIX_ZERO] = { "prefix-zero", FAULT, 0 },
    [F_PREFIX_HUGE] = { "prefix-huge", FAULT, 0 },
    [F_PREFIX_OVER] = { "prefix-over-limit", FAULT, 0 },
    [F_GARBAGE] = { "garbage", FAULT, 0 },
    [F_IRQ_VECTOR] = { "irq-vector-out-of-range", FAULT, NEED_VECTORS },
    [F_IRQ_KIND] = { "irq-kind-not-agreed", FAULT, 0 },
    [F_IRQ_INTX_INDEX] = { "irq-intx-index", FAULT, NEED_INTX },
    [F_IRQ_TYPE] = { "irq-unknown-type", FAULT, 0 },
    [F_DMA_WRAP] = { "dma-wraps", FAULT, 0 },
    [F_DMA_LONG] = { "dma-too-long", FAULT, 0 },
    [F_DMA_NOCAP] = { "dma-not-agreed", FAULT, NEED_NODMA },
    [F_DMA_BAR] = { "dma-with-bar", FAULT, NEED_DMA },
    [F_DMA_POSTED] = { "dma-posted", FAULT, NEED_DMA },
    [F_DMA_DEBUG] = { "dma-debug", FAULT, NEED_DMA },
    [F_RESP_UNKNOWN] = { "response-never-asked", FAULT, 0 },
    [F_RESP_DUP] = { "response-twice", FAULT, 0 },
    [F_GRANT_UNSOLICITED] = { "grant-unsolicited", FAULT, NEED_SYNC },
    [F_SYNC_NOCAP] = { "sync-not-agreed", FAULT, NEED_NOSYNC },
    [F_GRANT_BAD] = { "grant-bad", FAULT, NEED_SYNC },
    [F_WELCOME_AGAIN] = { "welcome-again", FAULT, 0 },
    [F_STALL] = { "stall", FAULT, 0 },
    [F_DEAF] = { "never-read", FAULT, 0 },
    [F_DEAF_FLOOD] = { "never-read-flood", FAULT, NEED_FLOODABLE },
    [F_FLOOD_WAIT] = { "flood-while-waiting", FAULT, NEED_FLOODABLE },
    [F_SLOW_READ] = { "slow-reader", FAULT, 0 },
    [F_CLOSE] = { "close", FAULT, 0 },
    [F_HALF_CLOSE] = { "half-close", FAULT, 0 },
    [F_ERROR] = { "error-text", FAULT, 0 },
    [F_BYE] = { "bye-text", BYE, 0 },
};

const char *const welcome_names[N_WELCOMES] = {
    "valid", "capabilities-not-offered", "max-frame-above-proposal",
    "role-qemu", "version-2", "irq-kind-without-cap", "no-slot-for-msix",
    "mutated", "truncated", "error-text", "silence", "bad-prefix",
    "interrupt-first", "invalid-device", "huge-64-bit-bar",
};

/* Text with control characters and ANSI escapes, for Bye and Error. */
const char peer_text[] =
    "\x1b[31mred\x1b[0m\nqemu-system-x86_64: fake line\r\x07 'q' \"dq\" \\ \xc3\xa9";

/* ------------------------------------------------------------- Welcome */

static unsigned needs_met(fz *f)
{
    unsigned met = 0;
    int irq_cap;

    met |= f->caps & SCLINK__V1__CAPABILITY__CAP_DMA ? NEED_DMA : NEED_NODMA;
    met |= f->caps & SCLINK__V1__CAPABILITY__CAP_SYNC ? NEED_SYNC : NEED_NOSYNC;
    if (f->caps & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
        met |= NEED_LOOKAHEAD;
    irq_cap = f->irq != SCLINK__V1__INTERRUPT_KIND__IRQ_NONE;
    if (irq_cap)
        met |= NEED_IRQ;
    if (f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_MSI ||
        f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX)
        met |= NEED_VECTORS;
    if (f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_INTX)
        met |= NEED_INTX;
    if (met & (NEED_IRQ | NEED_DMA))
        met |= NEED_FLOODABLE;
    return met;
}

/* An action of `kind` whose needs the link meets, drawn from the plan. */
static action pick(fz *f, enum kind kind)
{
    unsigned met = needs_met(f);
    action choice[N_ACTIONS];
    int n = 0, a;

    for (a = 0; a < N_ACTIONS; a++)
        if (actions[a].kind == kind && (actions[a].need & ~met) == 0)
            choice[n++] = (action)a;
    return choice[below(&f->plan, (uint64_t)n)];
}

/*
 * The steps and the finale, at counts of messages received from QEMU
 * since the link came up (a quarter of the seeds: the guest boots through
 * them) or since the guest's first access to the BAR (the rest: the guest
 * pokes the device throughout).
 */
void make_plan(fz *f)
{
    uint64_t at = 0;
    int i, may_end = one_in(&f->plan, 3);

    f->at_boot = one_in(&f->plan, 4);
    f->n_steps = 2 + (int)below(&f->plan, MAX_STEPS - 2);
    for (i = 0; i < f->n_steps; i++) {
        at += 1 + below(&f->plan, 400);
        f->steps[i].at = at;
        f->steps[i].what = pick(f, CHAOS);
    }
    if (may_end)
        f->steps[below(&f->plan, (uint64_t)f->n_steps)].what = pick(f, MAY_END);
    f->finale_at = at + 1 + below(&f->plan, 1500);
    f->finale = one_in(&f->plan, 8) ? F_BYE : pick(f, FAULT);
    /* Interrupts, or DMA Requests whose Responses fill QEMU's socket */
    f->finale_flood = !(needs_met(f) & NEED_DMA) ? 1 :
                      !(needs_met(f) & NEED_IRQ) ? 2 : 1 + (int)below(&f->plan, 2);
    printf("fuzz-gateway: plan (%s):", f->at_boot ? "from the link's start" :
           "from the guest's first access");
    for (i = 0; i < f->n_steps; i++)
        printf(" %s@%" PRIu64, actions[f->steps[i].what].name, f->steps[i].at);
    printf(", finale %s@%" PRIu64 "%s\n", actions[f->finale].name, f->finale_at,
           f->finale == F_DEAF_FLOOD || f->finale == F_FLOOD_WAIT ?
           (f->finale_flood == 1 ? " (Interrupts)" : " (DMA Requests)") : "");
    fflush(stdout);
}

/*
 * Sends the Welcome the seed chose.  Returns the expectation: "refused"
 * when QEMU must fail realize, "any" when nobody can tell, NULL for a
 * valid one (the run goes on).
 */
const char *send_welcome(fz *f)
{
    static const Sclink__V1__InterruptKind kinds[] = {
        SCLINK__V1__INTERRUPT_KIND__IRQ_NONE, SCLINK__V1__INTERRUPT_KIND__IRQ_INTX,
        SCLINK__V1__INTERRUPT_KIND__IRQ_MSI, SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX,
    };
    static const uint64_t kind_cap[] = {
        0, SCLINK__V1__CAPABILITY__CAP_INTX, SCLINK__V1__CAPABILITY__CAP_MSI,
        SCLINK__V1__CAPABILITY__CAP_MSIX,
    };
    Sclink__V1__Welcome w = SCLINK__V1__WELCOME__INIT;
    Sclink__V1__DeviceInfo d = SCLINK__V1__DEVICE_INFO__INIT;
    Sclink__V1__Bar bars[6], *slots[6];
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    welcome_mode mode = W_VALID;
    unsigned k, i;
    uint64_t bar0;

    if (one_in(&f->plan, 5))
        mode = (welcome_mode)(1 + below(&f->plan, N_WELCOMES - 1));
    f->wmode = mode;

    /* The agreed set: any subset of the offer, with the interrupt's cap. */
    k = (unsigned)below(&f->plan, 4);
    f->caps = f->offered & next(&f->plan);
    f->caps |= f->offered & kind_cap[k];
    f->irq = kinds[k];
    f->vectors = k == 2 ? 1u << below(&f->plan, 6) :
                 k == 3 ? (one_in(&f->plan, 8) ? 2048 : 1 + (uint32_t)below(&f->plan, 64)) : 0;
    f->max_frame = f->hello_max_frame;
    if (one_in(&f->plan, 2))
        f->max_frame = SCLINK_MIN_MAX_FRAME +
            (uint32_t)below(&f->plan, f->hello_max_frame - SCLINK_MIN_MAX_FRAME + 1);
    /* 1 to 10 ms mostly; 1 to 10 us (a window costs more); anything */
    switch (below(&f->plan, 4)) {
    case 0:
        f->quantum_ps = 1000000ull * (1 + below(&f->plan, 10));
        break;
    case 1:
        f->quantum_ps = 1 + below(&f->plan, 100000000000ull);
        break;
    default:
        f->quantum_ps = 1000000000ull * (1 + below(&f->plan, 10));
        break;
    }

    w.has_version_major = 1;
    w.version_major = SCLINK_VERSION_MAJOR;
    w.has_version_minor = 1;
    w.version_minor = (uint32_t)below(&f->plan, 3);
    w.has_role = 1;
    w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.name = "fuzz-gateway";
    w.has_capabilities = 1;
    w.capabilities = f->caps;
    w.has_quantum_ps = 1;
    w.quantum_ps = f->quantum_ps;
    w.has_max_frame = 1;
    w.max_frame = f->max_frame;
    w.device = &d;
    d.has_vendor_id = 1;
    d.vendor_id = 0x1234;
    d.has_device_id = 1;
    d.device_id = 0x5c11;
    d.has_subsystem_vendor_id = 1;
    d.subsystem_vendor_id = (uint32_t)below(&f->plan, 0x10000);
    d.has_subsystem_id = 1;
    d.subsystem_id = (uint32_t)below(&f->plan, 0x10000);
    d.has_class_code = 1;
    d.class_code = (uint32_t)below(&f->plan, 0x1000000);
    d.has_revision = 1;
    d.revision = (uint32_t)below(&f->plan, 256);
    d.bars = slots;
    bar0 = 16ull << below(&f->plan, 13);
    add_bar(&d, slots, &bars[0], 0, bar0, one_in(&f->plan, 3),
            one_in(&f->plan, 2), one_in(&f->plan, 2));
    if (one_in(&f->plan, 3))
        add_bar(&d, slots, &bars[1], 2 + (uint32_t)below(&f->plan, 4),
                16ull << below(&f->plan, 20), 0, one_in(&f->plan, 2), 1);
    d.has_interrupt = 1;
    d.interrupt = f->irq;
    if (f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_INTX) {
        d.has_intx_pin = 1;
        d.intx_pin = 1 + (uint32_t)below(&f->plan, 4);
    } else if (f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_MSI) {
        d.has_msi_vectors = 1;
        d.msi_vectors = f->vectors;
    } else if (f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX) {
        d.has_msix_vectors = 1;
        d.msix_vectors = f->vectors;
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    m.welcome = &w;

    switch (mode) {
    case W_VALID:
        break;
    case W_CAPS:
        w.capabilities |= one_in(&f->plan, 2) ? SCLINK__V1__CAPABILITY__CAP_DEBUG :
                          1ull << (10 + below(&f->plan, 54));
        break;
    case W_MAX_FRAME:
        if (f->hello_max_frame == SCLINK_LIMIT_MAX_FRAME) {
            mode = f->wmode = W_CAPS;
            w.capabilities |= SCLINK__V1__CAPABILITY__CAP_DEBUG;
            break;
        }
        w.max_frame = f->hello_max_frame + 1 +
            (uint32_t)below(&f->plan, SCLINK_LIMIT_MAX_FRAME - f->hello_max_frame);
        break;
    case W_ROLE:
        w.role = SCLINK__V1__ROLE__ROLE_QEMU;
        break;
    case W_VERSION:
        w.version_major = 2 + (uint32_t)below(&f->plan, 1000);
        break;
    case W_KIND_NOCAP:
        d.interrupt = kinds[1 + below(&f->plan, 3)];
        d.has_msi_vectors = d.has_msix_vectors = 1;
        d.msi_vectors = 4;
        d.msix_vectors = 4;
        w.capabilities &= ~kind_cap[d.interrupt];
        break;
    case W_NO_SLOT:
        d.n_bars = 0;
        for (i = 0; i < 6; i++)
            add_bar(&d, slots, &bars[i], i, 4096, 0, 0, 0);
        d.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX;
        d.has_msix_vectors = 1;
        d.msix_vectors = 1 + (uint32_t)below(&f->plan, 2048);
        w.capabilities |= f->offered & SCLINK__V1__CAPABILITY__CAP_MSIX;
        break;
    case W_MUTATE:
        f->mutate_next = 1;
        break;
    case W_TRUNCATE:
        f->truncate_next = 1;
        break;
    case W_ERROR:
        send_text(f, 1, peer_text);
        return "refused";
    case W_SILENCE:
        return "refused";
    case W_PREFIX: {
        uint8_t p[4];

        put_be32(p, one_in(&f->plan, 2) ? 0 : UINT32_MAX - (uint32_t)below(&f->plan, 1000));
        emit_bytes(f, p, 4);
        return "refused";
    }
    case W_INTERRUPT:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, 1, 0);
        break;
    case W_INVALID:
        if (one_in(&f->plan, 2))
            d.vendor_id = 0xffff;
        else
            bars[0].size = 3000;
        break;
    case W_BAR_HUGE:
        bars[0].kind = SCLINK__V1__BAR_KIND__BAR_MEM64;
        bars[0].size = 1ull << (32 + below(&f->plan, 31));
        break;
    default:
        break;
    }
    emit(f, &m);
    say(f, "welcome %s: caps 0x%" PRIx64 ", irq %d x%u, bar0 0x%" PRIx64
        " %s%s%s, max_frame %u, Q %" PRIu64 " ps", welcome_names[mode],
        w.capabilities, d.interrupt, f->vectors, bars[0].size,
        bars[0].kind ? "mem64" : "mem32", bars[0].prefetchable ? " prefetch" : "",
        bars[0].posted_writes ? " posted" : "", w.max_frame, w.quantum_ps);
    if (mode == W_TRUNCATE) {
        /* Half a Welcome, then the end of the stream. */
        f->write_closed = 1;
        return "refused";
    }
    if (mode == W_MUTATE)
        return "any";
    if (mode == W_BAR_HUGE)
        return NULL;
    return mode == W_VALID ? NULL : "refused";
}

/* -------------------------------------------------------------- actions */

void storm_fill(fz *f)
{
    while (f->out.len < FLOOD_QUEUE) {
        if (f->flood == 1)
            send_valid_interrupt(f, f->now_ps);
        else
            send_valid_dma(f);
    }
}

static void do_action(fz *f, action a)
{
    int n, i;

    say(f, "%s %s", actions[a].kind == CHAOS ? "action" :
        actions[a].kind == MAY_END ? "action (may end the link)" : "finale",
        actions[a].name);
    if (actions[a].kind == MAY_END)
        f->may_have_ended = 1;
    switch (a) {
    case A_IRQ_BURST:
        n = 1 + (int)below(&f->plan, 2000);
        for (i = 0; i < n; i++)
            send_valid_interrupt(f, f->now_ps);
        break;
    case A_IRQ_STORM:
        f->flood = 1;
        f->flood_until_ms = now_ms() + 200 + (int64_t)below(&f->plan, 2300);
        break;
    case A_IRQ_TIMES:
        n = 1 + (int)below(&f->plan, 50);
        for (i = 0; i < n; i++)
            send_valid_interrupt(f, next(&f->data));
        break;
    case A_DMA_HUGE:
        n = 1 + (int)below(&f->plan, 64);
        for (i = 0; i < n; i++)
            send_valid_dma(f);
        break;
    case A_DMA_RAM:
        n = 1 + (int)below(&f->plan, 8);
        for (i = 0; i < n; i++) {
            uint32_t len = dma_length(f);

            send_dma(f, 0, below(&f->data, 128u << 20), len, NULL);
        }
        break;
    case A_DMA_ODD:
        n = 1 + (int)below(&f->plan, 16);
        for (i = 0; i < n; i++) {
            Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
            sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
            uint8_t be[8] = { 0xff, 0, 0xff, 0, 0xff, 0xff, 0, 0 };

            req.has_id = req.has_command = req.has_address = 1;
            req.has_length = req.has_time_ps = 1;
            req.id = f->dma_id++;
            req.command = SCLINK__V1__COMMAND__CMD_READ;
            req.address = below(&f->data, 1u << 20);
            req.length = 8;
            req.time_ps = f->now_ps;
            if (one_in(&f->data, 2)) {
                req.has_byte_enable = 1;
                req.byte_enable.data = be;
                req.byte_enable.len = 1 + below(&f->data, 8);
            } else {
                req.has_streaming_width = 1;
                req.streaming_width = 1 + (uint32_t)below(&f->data, 7);
            }
            m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
            m.request = &req;
            emit(f, &m);
        }
        break;
    case A_DMA_STORM:
        f->flood = 2;
        f->flood_until_ms = now_ms() + 200 + (int64_t)below(&f->plan, 2300);
        break;
    case A_CHUNKED:
        f->chunked = 20 + (int)below(&f->plan, 600);
        break;
    case A_DELAY:
        f->hold_until_ms = now_ms() + f->cfg.timeout_ms / 8 +
            (int64_t)below(&f->plan, f->cfg.timeout_ms / 4);
        break;
    case A_UNKNOWN_FIELDS:
        f->unknown_fields = 1 + (int)below(&f->plan, 20);
        break;
    case A_BAD_STATUS:
        f->bad_status = 1 + (int)below(&f->plan, 20);
        break;
    case A_WIDE_GRANT:
        f->wide_grant = 1;
        break;
    case A_TINY_GRANTS:
        f->tiny_grants = 1 + (int)below(&f->plan, 200);
        break;
    case A_MUTATE:
        f->mutate_next = 1;
        break;
    case A_TRUNCATE:
        f->truncate_next = 1;
        break;
    case A_ZERO_TAG:
        f->zero_tag_next = 1;
        break;
    default:
        break;
    }
}

static void do_finale(fz *f)
{
    action a = f->finale;
    uint8_t p[4096];
    uint32_t len;
    size_t n, i;

    do_action(f, a);
    f->finale_done = 1;
    f->finale_ms = now_ms();
    f->flood = 0;
    /*
     * A stall must be seen within the timeout of its start; what is sent
     * within the timeout of QEMU having read it (in deterministic mode a
     * full inbox holds the socket until the next wait; run() starts the
     * clock when the queue is out).
     */
    f->deadline_ms = 0;
    if (a == F_STALL || a == F_DEAF || a == F_DEAF_FLOOD || a == F_FLOOD_WAIT ||
        a == F_SLOW_READ)
        f->deadline_ms = f->finale_ms + f->cfg.timeout_ms + SLACK_MS;
    f->expect = actions[a].kind == BYE ? "bye" : "fault";
    if (f->may_have_ended)
        f->expect = "any"; /* the earlier frame may be what QEMU reports */
    switch (a) {
    case F_PREFIX_ZERO:
    case F_PREFIX_HUGE:
    case F_PREFIX_OVER:
        put_be32(p, a == F_PREFIX_ZERO ? 0 : a == F_PREFIX_HUGE ? UINT32_MAX :
                 f->max_frame + 1);
        emit_bytes(f, p, 4);
        break;
    case F_GARBAGE:
        n = 32 + below(&f->plan, sizeof p - 32);
        for (i = 0; i < n; i++)
            p[i] = (uint8_t)next(&f->plan);
        /* A first prefix over the limit: garbage, whatever follows. */
        put_be32(p, f->max_frame + 1 + (uint32_t)below(&f->plan, 1000));
        emit_bytes(f, p, n);
        break;
    case F_IRQ_VECTOR:
        send_interrupt(f, f->irq == SCLINK__V1__INTERRUPT_KIND__IRQ_MSI ?
                       SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI : SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX,
                       f->vectors + (uint32_t)below(&f->plan, 2048), -1, f->now_ps);
        break;
    case F_IRQ_KIND: {
        /* A type other than the agreed kind's */
        Sclink__V1__IrqType t = (Sclink__V1__IrqType)(1 + below(&f->plan, 3));

        while ((int)t == (int)f->irq)
            t = (Sclink__V1__IrqType)(1 + below(&f->plan, 3));
        send_interrupt(f, t, 0, t == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE ? 1 : -1,
                       f->now_ps);
        break;
    }
    case F_IRQ_INTX_INDEX:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE,
                       1 + (uint32_t)below(&f->plan, 1000), one_in(&f->plan, 2) ? -1 : 1,
                       f->now_ps);
        break;
    case F_IRQ_TYPE:
        send_interrupt(f, (Sclink__V1__IrqType)(4 + below(&f->plan, 1000)), 0, 1,
                       f->now_ps);
        break;
    case F_DMA_WRAP:
        len = 2 + (uint32_t)below(&f->plan, 4096);
        send_dma(f, (int)below(&f->plan, 2),
                 UINT64_MAX - below(&f->plan, len - 1), len, NULL);
        break;
    case F_DMA_LONG:
        len = one_in(&f->plan, 2) ? UINT32_MAX : dma_max(f) + 1;
        send_dma(f, 0, 0x1000, len, NULL);
        break;
    case F_DMA_NOCAP:
        send_dma(f, 0, 0x1000, 4, NULL);
        break;
    case F_DMA_BAR:
    case F_DMA_POSTED:
    case F_DMA_DEBUG: {
        Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
        Sclink__V1__Attributes at = SCLINK__V1__ATTRIBUTES__INIT;
        sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
        uint8_t data[4] = { 0 };

        req.has_id = req.has_command = req.has_address = 1;
        req.has_length = req.has_time_ps = 1;
        req.id = f->dma_id++;
        req.command = SCLINK__V1__COMMAND__CMD_READ;
        req.address = 1ull << 40;
        req.length = 4;
        req.time_ps = f->now_ps;
        if (a == F_DMA_BAR) {
            req.has_bar = 1;
            req.bar = (uint32_t)below(&f->plan, 6);
        } else if (a == F_DMA_POSTED) {
            req.command = SCLINK__V1__COMMAND__CMD_WRITE;
            req.has_data = 1;
            req.data.data = data;
            req.data.len = 4;
            at.has_posted = at.posted = 1;
            req.attributes = &at;
        } else {
            req.command = one_in(&f->plan, 2) ? SCLINK__V1__COMMAND__CMD_DEBUG_READ :
                                                SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
            if (req.command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE) {
                req.has_data = 1;
                req.data.data = data;
                req.data.len = 4;
            }
        }
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
        m.request = &req;
        emit(f, &m);
        break;
    }
    case F_RESP_UNKNOWN: {
        Sclink__V1__Response r = SCLINK__V1__RESPONSE__INIT;
        sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

        r.has_id = r.has_status = 1;
        r.id = (1ull << 62) | next(&f->plan);
        r.status = SCLINK__V1__STATUS__STATUS_OK;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
        m.response = &r;
        emit(f, &m);
        break;
    }
    case F_RESP_DUP:
        /* The next Response goes twice; nothing else shows the fault. */
        f->dup_next = 1;
        break;
    case F_GRANT_UNSOLICITED:
    case F_SYNC_NOCAP:
        send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, f->now_ps,
                  f->now_ps + f->quantum_ps);
        break;
    case F_GRANT_BAD:
        f->bad_grant_next = 1;
        break;
    case F_WELCOME_AGAIN:
        send_plain_welcome(f, 0, f->quantum_ps, f->max_frame, 0);
        break;
    case F_STALL:
        f->stalled = 1;
        break;
    case F_DEAF:
        f->stalled = f->deaf = 1;
        break;
    case F_DEAF_FLOOD:
    case F_FLOOD_WAIT:
        f->stalled = 1;
        f->deaf = a == F_DEAF_FLOOD;
        /* Interrupts, or DMA Requests whose Responses fill QEMU's socket */
        f->flood = f->finale_flood;
        f->flood_until_ms = 0;
        say(f, "flooding with %s", f->flood == 1 ? "Interrupts" : "DMA Requests");
        break;
    case F_SLOW_READ:
        f->stalled = f->slow = 1;
        f->slow_next_ms = now_ms();
        if (f->caps & SCLINK__V1__CAPABILITY__CAP_DMA)
            send_dma(f, 0, 0, dma_max(f), NULL); /* a big Response to write */
        break;
    case F_CLOSE:
        say(f, "closing the link");
        f->deaf = f->stalled = 1;
        f->out.len = 0;
        close(f->fd);
        f->fd = -1;
        break;
    case F_HALF_CLOSE:
        f->stalled = 1;
        f->write_closed = 1;
        break;
    case F_ERROR:
        send_text(f, 1, peer_text);
        f->stalled = 1;
        f->write_closed = 1;
        break;
    case F_BYE:
        send_text(f, 0, peer_text);
        f->stalled = 1;
        f->write_closed = 1;
        break;
    default:
        break;
    }
    say(f, "expect: %s within %u ms (timeout %u ms + %d ms)%s", f->expect,
        f->cfg.timeout_ms + SLACK_MS, f->cfg.timeout_ms, SLACK_MS,
        f->deadline_ms ? "" : " of QEMU reading it");
}

/*
 * Whether QEMU will notice the finale now.  A fault is seen when QEMU
 * next waits: at the next window end with CAP_SYNC, at the next access of
 * a guest that keeps poking.  A duplicated Response needs a Response to
 * duplicate, so a poking guest.  An end of stream is always seen.
 */
static int finale_ready(fz *f)
{
    int poking = f->msgs - f->last_request < 64;

    switch (f->finale) {
    case F_CLOSE:
    case F_HALF_CLOSE:
    case F_BYE:
        return 1;
    case F_RESP_DUP:
        return poking;
    default:
        return poking || (f->caps & SCLINK__V1__CAPABILITY__CAP_SYNC);
    }
}

/* Runs the steps and the finale that the message count has reached. */
void act(fz *f)
{
    uint64_t n;

    if (!f->phase_ms) {
        int accessed = f->last_request != NEVER;

        /* A guest that never touches the BAR: start after 20 s anyway. */
        if (!f->at_boot && !accessed && now_ms() - f->start_ms < 20000)
            return;
        f->phase_ms = now_ms();
        f->phase_msgs = f->msgs;
        say(f, "plan starts");
    }
    if (f->finale_done)
        return; /* nothing follows a finale */
    n = f->msgs - f->phase_msgs;
    if (f->at_boot && !(f->caps & SCLINK__V1__CAPABILITY__CAP_SYNC))
        n += (uint64_t)(now_ms() - f->phase_ms) / 4; /* QEMU says nothing */
    while (f->next_step < f->n_steps && f->steps[f->next_step].at <= n)
        do_action(f, f->steps[f->next_step++].what);
    if (n >= f->finale_at && finale_ready(f)) {
        do_finale(f);
        return;
    }
    if (now_ms() - f->phase_ms > f->max_run_ms) {
        /*
         * Out of time with a guest that leaves the device alone: QEMU
         * may wait for nothing, so only an end of stream reaches it.
         */
        if (!finale_ready(f))
            f->finale = one_in(&f->plan, 2) ? F_BYE : F_HALF_CLOSE;
        say(f, "out of time (%" PRId64 " ms)", f->max_run_ms);
        do_finale(f);
    }
}
