/*
 * fuzz-gateway: a hostile gateway for the QEMU side, for
 * tests/e2e/fuzz-qemu.sh (doc/qemu-device.md, "Fuzzing the device").
 *
 *   fuzz-gateway --config SEED
 *       prints the QEMU side's settings the seed chooses, as shell
 *       assignments: timeout=MS on_failure=stop|exit icount=0|1 tcp=0|1
 *       master=0|1 (the guest turns Bus Master on)
 *   fuzz-gateway --plan SEED
 *       prints the Welcome and the plan SEED makes, without a link (for
 *       QEMU's default Hello)
 *   fuzz-gateway [--seconds S] SEED ADDR
 *       serves one link on ADDR (unix:PATH or tcp:HOST:0), the hostile way
 *       SEED says, and judges how QEMU took it
 *   fuzz-gateway --text bye|error|refuse ADDR
 *       answers Hello with a Welcome and then a Bye or an Error, or with
 *       an Error instead of the Welcome, whose text holds control
 *       characters and ANSI escapes (tests/e2e/peer-text.sh)
 *
 * Everything it does is drawn from SEED (the seed is printed first): the
 * Welcome (valid with random capabilities, interrupt kind, vectors, BARs,
 * quantum and frame limit, or one of a dozen bad ones), then a plan of
 * actions keyed to the number of messages received from QEMU, so that
 * under -icount a seed replays the same exchange: interrupt bursts and
 * storms, DMA to huge addresses, into guest RAM, with byte enables or
 * streaming widths, DMA storms, frames written a few bytes at a time,
 * answers held back, unknown fields, failing statuses, wide and tiny
 * GRANTs, out-of-order interrupt stamps; some plans add a mutated,
 * truncated or field-0 frame whose effect cannot be foreseen.  Each plan
 * ends in a finale QEMU must notice: a bad length prefix, garbage, an
 * Interrupt for a vector or kind that does not exist, a DMA Request that
 * wraps, is too long, carries a bar or is posted, a Response for an id
 * never sent or sent twice, a GRANT out of turn, a second Welcome, a
 * stall, a gateway that stops reading (silent or flooding), a flood while
 * an access waits, one that reads too slowly, a close, a half-close,
 * an Error or a Bye.
 *
 * It prints what it does, "expect: fault|bye|refused|any" (what QEMU's log
 * must then show), and its verdict: QEMU must end the link within its
 * timeout (plus 2 s for the next wait to start) after a finale, must not end
 * it while nothing fatal was sent, and must send only frames that decode.
 * Exit status: 0 all held, 1 a verdict failed, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sclink.h"

/* What validate.c keeps free around a Response's data (RESPONSE_OVERHEAD). */
#define DMA_ROOM 64
/* The gateway's own output queue stays below this while it floods. */
#define FLOOD_QUEUE (256 * 1024)
/* What sclink-pci offers in its Hello, less CAP_DETERMINISTIC (--plan). */
#define PREVIEW_OFFERED 0x13full
/*
 * A slow reader takes this much every 3/4 of the timeout: enough to free
 * a Unix socket buffer (QEMU's write progresses), too little for QEMU to
 * write 1 MiB within its timeout.
 */
#define SLOW_READ (128 * 1024)
/* last_request before the guest's first access */
#define NEVER (UINT64_MAX / 2)
/* After a finale, QEMU's next wait may start this much later. */
#define SLACK_MS 2000

/* ------------------------------------------------------------ randomness */

typedef struct rng {
    uint64_t s;
} rng;

/* splitmix64: small, fast, and the same everywhere for the same seed. */
static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static uint64_t below(rng *r, uint64_t n)
{
    return next(r) % n;
}

/* True with probability 1/n. */
static int one_in(rng *r, uint64_t n)
{
    return below(r, n) == 0;
}

/* Separate streams, so that the settings never depend on the plan. */
static rng stream(uint64_t seed, uint64_t which)
{
    rng r = { seed ^ (which * 0xd1b54a32d192ed03ull) };

    next(&r);
    return r;
}

/* ------------------------------------------------------- QEMU's settings */

typedef struct config {
    unsigned timeout_ms;
    int exit_on_failure;
    int icount;
    int tcp;
    int master;
} config;

static config config_for(uint64_t seed)
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

/* ------------------------------------------------------------- the plan */

enum {
    NEED_DMA = 1,       /* CAP_DMA agreed */
    NEED_NODMA = 2,
    NEED_IRQ = 4,       /* an interrupt kind with its capability */
    NEED_VECTORS = 8,   /* MSI or MSI-X */
    NEED_INTX = 16,
    NEED_SYNC = 32,
    NEED_NOSYNC = 64,
    NEED_LOOKAHEAD = 128,
    NEED_FLOODABLE = 256, /* IRQ or DMA: something valid to flood with */
};

enum kind { CHAOS, MAY_END, FAULT, BYE };

typedef enum action {
    /* chaos: valid, if unfriendly; QEMU must carry on */
    A_IRQ_BURST, A_IRQ_STORM, A_IRQ_TIMES, A_DMA_HUGE, A_DMA_RAM, A_DMA_ODD,
    A_DMA_STORM, A_CHUNKED, A_DELAY, A_UNKNOWN_FIELDS, A_BAD_STATUS,
    A_WIDE_GRANT, A_TINY_GRANTS,
    /* may end the link, or not */
    A_MUTATE, A_TRUNCATE, A_ZERO_TAG,
    /* finales */
    F_PREFIX_ZERO, F_PREFIX_HUGE, F_PREFIX_OVER, F_GARBAGE, F_IRQ_VECTOR,
    F_IRQ_KIND, F_IRQ_INTX_INDEX, F_IRQ_TYPE, F_DMA_WRAP, F_DMA_LONG,
    F_DMA_NOCAP, F_DMA_BAR, F_DMA_POSTED, F_DMA_DEBUG, F_RESP_UNKNOWN,
    F_RESP_DUP, F_GRANT_UNSOLICITED, F_SYNC_NOCAP, F_GRANT_BAD,
    F_WELCOME_AGAIN, F_STALL, F_DEAF, F_DEAF_FLOOD, F_FLOOD_WAIT,
    F_SLOW_READ, F_CLOSE, F_HALF_CLOSE, F_ERROR, F_BYE,
    N_ACTIONS
} action;

static const struct {
    const char *name;
    enum kind kind;
    unsigned need;
} actions[N_ACTIONS] = {
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

/* Hostile Welcomes (0: a valid one). */
typedef enum welcome_mode {
    W_VALID, W_CAPS, W_MAX_FRAME, W_ROLE, W_VERSION, W_KIND_NOCAP,
    W_NO_SLOT, W_MUTATE, W_TRUNCATE, W_ERROR, W_SILENCE, W_PREFIX,
    W_INTERRUPT, W_INVALID, W_BAR_HUGE, N_WELCOMES
} welcome_mode;

static const char *const welcome_names[N_WELCOMES] = {
    "valid", "capabilities-not-offered", "max-frame-above-proposal",
    "role-qemu", "version-2", "irq-kind-without-cap", "no-slot-for-msix",
    "mutated", "truncated", "error-text", "silence", "bad-prefix",
    "interrupt-first", "invalid-device", "huge-64-bit-bar",
};

#define MAX_STEPS 16

typedef struct step {
    uint64_t at;        /* messages received from QEMU */
    action what;
} step;

/* Text with control characters and ANSI escapes, for Bye and Error. */
static const char peer_text[] =
    "\x1b[31mred\x1b[0m\nqemu-system-x86_64: fake line\r\x07 'q' \"dq\" \\ \xc3\xa9";

/* ------------------------------------------------------------ the link */

typedef struct fz {
    uint64_t seed;
    config cfg;
    rng plan;           /* choices fixed by the seed */
    rng data;           /* bytes nobody judges: data, addresses */
    int fd;
    sclink_decoder dec;
    sclink_buf out;
    int64_t start_ms;

    /* Hello and the Welcome sent */
    uint64_t offered;
    uint32_t hello_max_frame;
    uint64_t caps;
    uint32_t max_frame;
    uint64_t quantum_ps;
    Sclink__V1__InterruptKind irq;
    uint32_t vectors;
    welcome_mode wmode;

    /* plan */
    int at_boot;            /* steps count from the link's start, else */
                            /*   from the guest's first access */
    step steps[MAX_STEPS];
    int n_steps, next_step;
    uint64_t finale_at;
    action finale;
    int finale_flood;       /* a flooding finale's: 1 Interrupts, 2 DMA */
    int64_t max_run_ms;     /* after the phase starts, the finale comes */
    int64_t phase_ms;       /* when it started; 0: not yet */
    uint64_t phase_msgs;    /* messages received before it */

    /* what QEMU sent */
    uint64_t msgs;
    uint64_t last_request;  /* msgs at the last MMIO Request */
    uint64_t now_ps;
    uint64_t dma_id;
    uint64_t dma_answered;
    int intx;

    /* modes the actions set */
    int may_have_ended;     /* a MAY_END action was sent */
    int finale_done;
    int64_t finale_ms;
    int64_t deadline_ms;
    const char *expect;
    int stalled;            /* answer nothing */
    int deaf;               /* read nothing */
    int slow;               /* read SLOW_READ bytes per 3/4 timeout */
    int64_t slow_next_ms;
    int flood;              /* 1 interrupts, 2 DMA */
    int64_t flood_until_ms; /* 0: for ever */
    int chunked;            /* bytes left to write in pieces */
    int64_t hold_until_ms;
    int unknown_fields, bad_status, tiny_grants, wide_grant;
    int mutate_next, truncate_next, zero_tag_next, dup_next, bad_grant_next;
    int write_closed;
} fz;

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(fz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(fz *f, const char *fmt, ...)
{
    va_list ap;

    printf("fuzz-gateway: [%6" PRId64 " ms, msg %" PRIu64 "] ",
           f ? now_ms() - f->start_ms : 0, f ? f->msgs : 0);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void finish(fz *f, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
static void finish(fz *f, int status, const char *fmt, ...)
{
    va_list ap;

    printf("fuzz-gateway: %s: ", status ? "FAIL" : "verdict ok");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf(" (seed %" PRIu64 ")\n", f->seed);
    fflush(stdout);
    exit(status);
}

/* --------------------------------------------------------------- output */

static size_t varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;

    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Queues raw bytes. */
static void emit_bytes(fz *f, const void *p, size_t n)
{
    if (sclink_buf_reserve(&f->out, n) < 0) {
        fprintf(stderr, "fuzz-gateway: out of memory\n");
        exit(2);
    }
    memcpy(f->out.base + f->out.len, p, n);
    f->out.len += n;
}

/*
 * Packs m without validating it (some are meant to be invalid) into one
 * frame, with whatever the active actions do to frames, and queues it.
 */
static void emit(fz *f, const sclink_msg *m)
{
    size_t len = sclink__v1__envelope__get_packed_size(m), extra = 0, n;
    uint8_t *frame = malloc(len + 64 + SCLINK_FRAME_HEADER_SIZE);
    int copies = 1;

    if (!frame) {
        fprintf(stderr, "fuzz-gateway: out of memory\n");
        exit(2);
    }
    sclink__v1__envelope__pack(m, frame + SCLINK_FRAME_HEADER_SIZE);
    if (f->unknown_fields > 0) {
        /* A varint field numbered 100..1099 that nobody knows. */
        f->unknown_fields--;
        extra += varint(frame + SCLINK_FRAME_HEADER_SIZE + len,
                        (100 + below(&f->data, 1000)) << 3);
        extra += varint(frame + SCLINK_FRAME_HEADER_SIZE + len + extra,
                        next(&f->data));
    }
    if (f->zero_tag_next) {
        f->zero_tag_next = 0;
        frame[SCLINK_FRAME_HEADER_SIZE + len + extra++] = 0x00;
        frame[SCLINK_FRAME_HEADER_SIZE + len + extra++] = 0x01;
    }
    len += extra;
    put_be32(frame, (uint32_t)len);
    n = len + SCLINK_FRAME_HEADER_SIZE;
    if (f->mutate_next) {
        int flips = 1 + (int)below(&f->plan, 4);

        f->mutate_next = 0;
        while (flips--)
            frame[below(&f->plan, n)] ^= (uint8_t)(1 + below(&f->plan, 255));
    }
    if (f->truncate_next) {
        f->truncate_next = 0;
        n = 1 + below(&f->plan, n - 1);
    }
    if (f->dup_next && m->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        f->dup_next = 0;
        copies = 2;
    }
    while (copies--)
        emit_bytes(f, frame, n);
    free(frame);
}

static void send_response(fz *f, const sclink_request *req)
{
    Sclink__V1__Response r = SCLINK__V1__RESPONSE__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    uint8_t data[8];
    uint32_t i;

    r.has_id = 1;
    r.id = req->id;
    r.has_status = 1;
    r.status = SCLINK__V1__STATUS__STATUS_OK;
    if (f->bad_status > 0) {
        f->bad_status--;
        r.status = (Sclink__V1__Status)(2 + below(&f->data, 5));
    }
    if (req->command == SCLINK__V1__COMMAND__CMD_READ &&
        r.status == SCLINK__V1__STATUS__STATUS_OK) {
        for (i = 0; i < req->length && i < sizeof data; i++)
            data[i] = (uint8_t)next(&f->data);
        r.has_data = 1;
        r.data.data = data;
        r.data.len = req->length <= sizeof data ? req->length : sizeof data;
    }
    if (one_in(&f->data, 8)) {
        r.has_delay_ps = 1;
        r.delay_ps = next(&f->data);
    }
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    m.response = &r;
    emit(f, &m);
}

static void send_interrupt(fz *f, Sclink__V1__IrqType type, uint32_t index,
                           int level, uint64_t time_ps)
{
    Sclink__V1__Interrupt irq = SCLINK__V1__INTERRUPT__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    irq.has_type = 1;
    irq.type = type;
    irq.has_index = 1;
    irq.index = index;
    if (level >= 0) {
        irq.has_level = 1;
        irq.level = level;
    }
    irq.has_time_ps = 1;
    irq.time_ps = time_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
    m.interrupt = &irq;
    emit(f, &m);
}

/* One Interrupt QEMU must accept: the agreed kind, a vector that exists. */
static void send_valid_interrupt(fz *f, uint64_t time_ps)
{
    switch (f->irq) {
    case SCLINK__V1__INTERRUPT_KIND__IRQ_INTX:
        f->intx = !f->intx;
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, f->intx,
                       time_ps);
        break;
    case SCLINK__V1__INTERRUPT_KIND__IRQ_MSI:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI,
                       (uint32_t)below(&f->data, f->vectors), -1, time_ps);
        break;
    default:
        send_interrupt(f, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX,
                       (uint32_t)below(&f->data, f->vectors), -1, time_ps);
        break;
    }
}

/* The longest DMA the frame limit allows (rule: it fits a Response). */
static uint32_t dma_max(fz *f)
{
    return f->max_frame - DMA_ROOM;
}

/*
 * A DMA Request.  data: for writes, a buffer of length bytes or NULL for
 * zeros.  The caller may spoil the Request through *req before it goes.
 */
typedef void (*dma_spoil)(fz *f, Sclink__V1__Request *req);

static void send_dma(fz *f, int write, uint64_t address, uint32_t length,
                     dma_spoil spoil)
{
    Sclink__V1__Request req = SCLINK__V1__REQUEST__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    uint8_t *data = NULL;

    req.has_id = 1;
    req.id = f->dma_id++;
    req.has_command = 1;
    req.command = write ? SCLINK__V1__COMMAND__CMD_WRITE :
                          SCLINK__V1__COMMAND__CMD_READ;
    req.has_address = 1;
    req.address = address;
    req.has_length = 1;
    req.length = length;
    req.has_time_ps = 1;
    req.time_ps = f->now_ps;
    if (write && length <= dma_max(f)) {
        data = calloc(1, length);
        if (!data)
            exit(2);
        data[0] = (uint8_t)next(&f->data);
        req.has_data = 1;
        req.data.data = data;
        req.data.len = length;
    }
    if (spoil)
        spoil(f, &req);
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    m.request = &req;
    emit(f, &m);
    free(data);
}

/*
 * An address where a DMA finds no memory, or the top of the space: never
 * guest RAM, which a hostile write would corrupt, taking the guest (not
 * QEMU) down.  The access never wraps past 2^64 - 1.
 */
static uint64_t huge_address(fz *f, uint32_t length)
{
    switch (below(&f->data, 3)) {
    case 0:
        return UINT64_MAX - (length - 1);
    case 1:
        return (1ull << 40) + (next(&f->data) & 0xfffffffffull);
    default:
        return (next(&f->data) | (1ull << 63)) & ~(uint64_t)0xfff &
               (UINT64_MAX - (length - 1));
    }
}

static uint32_t dma_length(fz *f)
{
    switch (below(&f->data, 4)) {
    case 0:
        return dma_max(f);
    case 1:
        return 1 + (uint32_t)below(&f->data, dma_max(f));
    default:
        return 1u << below(&f->data, 13);
    }
}

static void send_valid_dma(fz *f)
{
    uint32_t length = dma_length(f);
    int write = (int)below(&f->data, 2);

    send_dma(f, write, huge_address(f, length), length, NULL);
}

static void send_sync(fz *f, Sclink__V1__SyncKind kind, uint64_t time_ps,
                      uint64_t window_end_ps)
{
    Sclink__V1__Sync s = SCLINK__V1__SYNC__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    s.has_kind = 1;
    s.kind = kind;
    s.has_time_ps = 1;
    s.time_ps = time_ps;
    s.has_window_end_ps = 1;
    s.window_end_ps = window_end_ps;
    m.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    m.sync = &s;
    emit(f, &m);
}

static void send_text(fz *f, int error, const char *text)
{
    Sclink__V1__Bye bye = SCLINK__V1__BYE__INIT;
    Sclink__V1__Error e = SCLINK__V1__ERROR__INIT;
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

    if (error) {
        e.has_code = 1;
        e.code = SCLINK__V1__ERROR_CODE__ERR_INTERNAL;
        e.message = (char *)text;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        m.error = &e;
    } else {
        bye.has_reason = 1;
        bye.reason = SCLINK__V1__BYE_REASON__BYE_NORMAL;
        bye.message = (char *)text;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        m.bye = &bye;
    }
    emit(f, &m);
}

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
static void make_plan(fz *f)
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

static void add_bar(Sclink__V1__DeviceInfo *d, Sclink__V1__Bar **slots,
                    Sclink__V1__Bar *b, uint32_t index, uint64_t size,
                    int mem64, int prefetch, int posted)
{
    sclink__v1__bar__init(b);
    b->has_index = 1;
    b->index = index;
    b->has_size = 1;
    b->size = size;
    b->has_kind = 1;
    b->kind = mem64 ? SCLINK__V1__BAR_KIND__BAR_MEM64 :
                      SCLINK__V1__BAR_KIND__BAR_MEM32;
    b->has_prefetchable = 1;
    b->prefetchable = prefetch;
    b->has_posted_writes = 1;
    b->posted_writes = posted;
    slots[d->n_bars++] = b;
}

/*
 * Sends the Welcome the seed chose.  Returns the expectation: "refused"
 * when QEMU must fail realize, "any" when nobody can tell, NULL for a
 * valid one (the run goes on).
 */
static const char *send_welcome(fz *f)
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

static void storm_fill(fz *f)
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
    case F_WELCOME_AGAIN: {
        Sclink__V1__Welcome w = SCLINK__V1__WELCOME__INIT;
        Sclink__V1__DeviceInfo d = SCLINK__V1__DEVICE_INFO__INIT;
        sclink_msg m = SCLINK__V1__ENVELOPE__INIT;

        w.has_version_major = w.has_version_minor = w.has_role = 1;
        w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
        w.version_major = SCLINK_VERSION_MAJOR;
        w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
        w.quantum_ps = f->quantum_ps;
        w.max_frame = f->max_frame;
        d.has_vendor_id = d.has_device_id = 1;
        d.vendor_id = 0x1234;
        d.device_id = 0x5c11;
        w.device = &d;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
        m.welcome = &w;
        emit(f, &m);
        break;
    }
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
static void act(fz *f)
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

/* ----------------------------------------------------------------- input */

static void handle(fz *f, sclink_msg *m)
{
    f->msgs++;
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_REQUEST: {
        sclink_request *req = m->request;

        if (!req->has_bar)
            finish(f, 1, "QEMU sent a Request without a bar");
        f->last_request = f->msgs;
        if (req->time_ps > f->now_ps)
            f->now_ps = req->time_ps;
        if (f->stalled)
            break;
        if (!(req->attributes && req->attributes->posted))
            send_response(f, req);
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_SYNC: {
        uint64_t w = m->sync->time_ps, end = w + f->quantum_ps;

        if (m->sync->kind != SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
            /* a notice (a later protocol's), not a request for a GRANT */
            say(f, "QEMU sent Sync kind %d at %" PRIu64 " ps", m->sync->kind, w);
            break;
        }
        if (w > f->now_ps)
            f->now_ps = w;
        if (f->stalled)
            break;
        if (f->bad_grant_next) {
            f->bad_grant_next = 0;
            switch (below(&f->data, 3)) {
            case 0:
                send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w + 1, end + 1);
                break;
            case 1:
                send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_REACHED, w, end);
                break;
            default:
                /* Beyond Q without lookahead, or going back in time */
                if (f->caps & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
                    send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w, w);
                else
                    send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w,
                              w + f->quantum_ps + 1);
                break;
            }
            break;
        }
        if (f->tiny_grants > 0) {
            f->tiny_grants--;
            end = w + 1;
        } else if (f->wide_grant) {
            f->wide_grant = 0;
            end = w + 1000 + below(&f->data, 100000000000ull);
        }
        send_sync(f, SCLINK__V1__SYNC_KIND__SYNC_GRANT, w, end);
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_RESPONSE:
        f->dma_answered++;
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE: {
        char text[SCLINK_LOG_TEXT_SIZE];

        say(f, "QEMU said Bye: %s", sclink_log_text(text, sizeof text,
                                                    m->bye->message));
        break;
    }
    case SCLINK__V1__ENVELOPE__MSG_ERROR: {
        char text[SCLINK_LOG_TEXT_SIZE];

        say(f, "QEMU sent Error %d: %s", m->error->code,
            sclink_log_text(text, sizeof text, m->error->message));
        break;
    }
    default:
        finish(f, 1, "QEMU sent an unexpected %s", sclink_msg_name(m));
    }
}

/* Reads what is there; returns 0 at the end of the stream. */
static int input(fz *f)
{
    static uint8_t buf[SLOW_READ];
    size_t want = sizeof buf;
    sclink_msg *m;
    ssize_t n;
    int r;

    n = recv(f->fd, buf, want, MSG_DONTWAIT);
    if (n == 0)
        return 0;
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 1 : 0;
    if (f->slow)
        return 1; /* discarded: nothing is answered any more */
    r = sclink_decoder_feed(&f->dec, buf, (size_t)n);
    while (r >= 0 && (r = sclink_decoder_next(&f->dec, &m)) == 1) {
        handle(f, m);
        sclink_msg_free(m);
        act(f);
    }
    if (r < 0)
        finish(f, 1, "QEMU sent a frame that does not decode: %s",
               sclink_decoder_reason(&f->dec));
    return 1;
}

/* Writes what the socket takes; frames in pieces while `chunked`. */
static void output(fz *f)
{
    size_t n = f->out.len;
    ssize_t w;

    if (f->fd < 0 || !n || now_ms() < f->hold_until_ms)
        return;
    if (f->chunked > 0) {
        n = 1 + below(&f->data, 7);
        if (n > f->out.len)
            n = f->out.len;
    }
    w = send(f->fd, f->out.base, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
        sclink_buf_consume(&f->out, (size_t)w);
        if (f->chunked > 0)
            f->chunked = w >= f->chunked ? 0 : f->chunked - (int)w;
    }
}

/* The link ended: judge it. */
static void ended(fz *f, const char *how)
{
    int64_t t = now_ms();

    if (f->finale_done) {
        say(f, "QEMU ended the link (%s) %" PRId64 " ms after the finale; "
            "expect: %s", how, t - f->finale_ms, f->expect);
        finish(f, 0, "%s, QEMU ended the link in %" PRId64 " ms", actions[f->finale].name,
               t - f->finale_ms);
    }
    if (f->may_have_ended) {
        say(f, "QEMU ended the link (%s) after a frame of unforeseeable "
            "effect; expect: any", how);
        finish(f, 0, "QEMU ended the link after a mutated frame");
    }
    say(f, "QEMU ended the link (%s) with nothing fatal sent; expect: any", how);
    finish(f, 1, "QEMU ended a link on which nothing fatal was sent");
}

static void run(fz *f)
{
    for (;;) {
        struct pollfd p = { .fd = f->fd, .events = POLLRDHUP };
        int64_t t = now_ms();

        if (f->fd < 0) {
            /* F_CLOSE: QEMU's log says when it noticed (fuzz-qemu.sh). */
            finish(f, 0, "closed the link; expect: fault");
        }
        if (f->finale_done && !f->deadline_ms && !f->out.len && !f->write_closed) {
            f->deadline_ms = t + f->cfg.timeout_ms + SLACK_MS;
            say(f, "QEMU has read the finale");
        }
        if (f->finale_done && !f->deadline_ms && t - f->finale_ms > 60000)
            finish(f, 1, "%s: QEMU read nothing for 60 s", actions[f->finale].name);
        if (f->finale_done && f->deadline_ms && t > f->deadline_ms) {
            say(f, "QEMU still holds the link %" PRId64 " ms after the finale",
                t - f->finale_ms);
            finish(f, 1, "%s: QEMU did not end the link within %u ms + %d ms",
                   actions[f->finale].name, f->cfg.timeout_ms, SLACK_MS);
        }
        if (f->flood && f->flood_until_ms && t > f->flood_until_ms)
            f->flood = 0;
        if (f->flood)
            storm_fill(f);
        if (!f->deaf && (!f->slow || t >= f->slow_next_ms))
            p.events |= POLLIN;
        if (f->out.len && t >= f->hold_until_ms)
            p.events |= POLLOUT;
        if (poll(&p, 1, f->chunked || f->slow || f->hold_until_ms > t ? 1 : 20) < 0 &&
            errno != EINTR)
            finish(f, 2, "poll: %s", strerror(errno));
        if (p.revents & POLLIN) {
            if (!input(f))
                ended(f, "end of stream");
            if (f->slow)
                f->slow_next_ms = now_ms() + f->cfg.timeout_ms * 3 / 4;
        } else if (p.revents & (POLLHUP | POLLERR | POLLRDHUP)) {
            /* Not reading (deaf, slow), or nothing left to read. */
            ended(f, p.revents & POLLRDHUP ? "half-close" : "hang-up");
        }
        if (p.revents & POLLOUT)
            output(f);
        if (f->write_closed && !f->out.len) {
            shutdown(f->fd, SHUT_WR);
            f->write_closed = 0;
        }
        act(f);
    }
}

/* --------------------------------------------------------------- set-up */

static int listen_on(const char *addr)
{
    struct sockaddr_in sin;
    socklen_t sl = sizeof sin;
    int fd, r;

    r = sclink_listen(addr, &fd);
    if (r < 0) {
        fprintf(stderr, "fuzz-gateway: cannot listen on %s: %s\n", addr,
                sclink_strerror(r));
        exit(2);
    }
    if (!strncmp(addr, "tcp:", 4) &&
        getsockname(fd, (struct sockaddr *)&sin, &sl) == 0)
        printf("fuzz-gateway: listening on %s (port %u)\n", addr,
               ntohs(sin.sin_port));
    else
        printf("fuzz-gateway: listening on %s\n", addr);
    fflush(stdout);
    return fd;
}

/* Accepts QEMU and reads its Hello (QEMU sends it at realize). */
static void accept_hello(fz *f, int lfd)
{
    struct pollfd p = { .fd = lfd, .events = POLLIN };
    int64_t deadline = now_ms() + 60000;
    sclink_msg *m = NULL;
    int r = 0;

    if (poll(&p, 1, 60000) <= 0 || (f->fd = accept(lfd, NULL, NULL)) < 0) {
        fprintf(stderr, "fuzz-gateway: no connection within 60 s\n");
        exit(2);
    }
    f->start_ms = now_ms();
    while (r == 0 && now_ms() < deadline) {
        uint8_t buf[4096];
        ssize_t n;

        p.fd = f->fd;
        p.events = POLLIN;
        if (poll(&p, 1, 1000) <= 0)
            continue;
        n = recv(f->fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
        r = sclink_decoder_feed(&f->dec, buf, (size_t)n);
        if (r >= 0)
            r = sclink_decoder_next(&f->dec, &m);
    }
    if (r != 1 || m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO) {
        fprintf(stderr, "fuzz-gateway: no Hello from QEMU\n");
        exit(2);
    }
    f->offered = m->hello->capabilities;
    f->hello_max_frame = m->hello->has_max_frame && m->hello->max_frame ?
        m->hello->max_frame : SCLINK_DEFAULT_MAX_FRAME;
    if (f->hello_max_frame > SCLINK_LIMIT_MAX_FRAME)
        f->hello_max_frame = SCLINK_LIMIT_MAX_FRAME;
    sclink_msg_free(m);
    say(f, "Hello: caps 0x%" PRIx64 ", max_frame %u", f->offered,
        f->hello_max_frame);
}

/*
 * Flushes everything (blocking) and waits, for a bound, for QEMU to close
 * the link.  Returns whether it did.
 */
static int drain_and_wait(fz *f, int64_t bound_ms)
{
    int64_t end = now_ms() + bound_ms;

    while (f->out.len) {
        ssize_t w = send(f->fd, f->out.base, f->out.len, MSG_NOSIGNAL);

        if (w <= 0)
            break;
        sclink_buf_consume(&f->out, (size_t)w);
    }
    if (f->write_closed)
        shutdown(f->fd, SHUT_WR);
    while (now_ms() < end) {
        struct pollfd p = { .fd = f->fd, .events = POLLIN };
        uint8_t buf[4096];

        if (poll(&p, 1, 100) > 0 && recv(f->fd, buf, sizeof buf, 0) <= 0)
            return 1;
    }
    return 0;
}

static int text_mode(const char *which, const char *addr)
{
    fz f = { 0 };
    int lfd = listen_on(addr);
    sclink_msg m = SCLINK__V1__ENVELOPE__INIT;
    Sclink__V1__Welcome w = SCLINK__V1__WELCOME__INIT;
    Sclink__V1__DeviceInfo d = SCLINK__V1__DEVICE_INFO__INIT;
    Sclink__V1__Bar bar, *slots[1];

    sclink_decoder_init(&f.dec, SCLINK_DEFAULT_MAX_FRAME);
    accept_hello(&f, lfd);
    if (strcmp(which, "refuse")) {
        w.has_version_major = w.has_version_minor = w.has_role = 1;
        w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
        w.version_major = SCLINK_VERSION_MAJOR;
        w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
        w.capabilities = f.offered & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC;
        w.quantum_ps = 1000000;
        w.max_frame = SCLINK_DEFAULT_MAX_FRAME;
        d.has_vendor_id = d.has_device_id = 1;
        d.vendor_id = 0x1234;
        d.device_id = 0x5c11;
        d.bars = slots;
        add_bar(&d, slots, &bar, 0, 4096, 0, 0, 0);
        w.device = &d;
        m.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
        m.welcome = &w;
        emit(&f, &m);
    }
    send_text(&f, strcmp(which, "bye") != 0, peer_text);
    f.write_closed = 1;
    say(&f, "sent %s with control characters and escapes", which);
    return drain_and_wait(&f, 30000) ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: fuzz-gateway --config SEED\n"
                    "       fuzz-gateway --plan SEED\n"
                    "       fuzz-gateway [--seconds S] SEED ADDR\n"
                    "       fuzz-gateway --text bye|error|refuse ADDR\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static fz f;
    const char *welcome_expect;
    int64_t max_run_ms = 12000;
    int preview = 0, lfd;

    signal(SIGPIPE, SIG_IGN);
    if (argc == 3 && !strcmp(argv[1], "--config")) {
        config c = config_for(strtoull(argv[2], NULL, 0));

        printf("timeout=%u on_failure=%s icount=%d tcp=%d master=%d\n",
               c.timeout_ms, c.exit_on_failure ? "exit" : "stop", c.icount,
               c.tcp, c.master);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "--text"))
        return text_mode(argv[2], argv[3]);
    if (argc == 3 && !strcmp(argv[1], "--plan")) {
        preview = 1;
        argv++;
        argc--;
    } else if (argc == 5 && !strcmp(argv[1], "--seconds")) {
        max_run_ms = (int64_t)(strtod(argv[2], NULL) * 1000);
        argv += 2;
        argc -= 2;
    } else if (argc != 3) {
        usage();
    }

    f.seed = strtoull(argv[1], NULL, 0);
    f.cfg = config_for(f.seed);
    f.plan = stream(f.seed, 2);
    f.data = stream(f.seed, 3);
    f.dma_id = 1ull << 32;
    f.max_run_ms = max_run_ms;
    f.fd = -1;
    f.last_request = NEVER;
    sclink_buf_init(&f.out);
    sclink_decoder_init(&f.dec, SCLINK_DEFAULT_MAX_FRAME);
    printf("fuzz-gateway: seed %" PRIu64 " (timeout %u ms, on-failure %s, "
           "icount %d, tcp %d, bus master %d)\n", f.seed, f.cfg.timeout_ms,
           f.cfg.exit_on_failure ? "exit" : "stop", f.cfg.icount, f.cfg.tcp,
           f.cfg.master);
    if (preview) {
        /* The Hello sclink-pci sends with its default properties. */
        f.start_ms = now_ms();
        f.offered = PREVIEW_OFFERED |
            (f.cfg.icount ? SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC : 0);
        f.hello_max_frame = SCLINK_DEFAULT_MAX_FRAME;
    } else {
        lfd = listen_on(argv[2]);
        accept_hello(&f, lfd);
    }

    welcome_expect = send_welcome(&f);
    if (welcome_expect) {
        say(&f, "expect: %s", welcome_expect);
        if (preview)
            return 0;
        if (drain_and_wait(&f, f.cfg.timeout_ms + SLACK_MS))
            finish(&f, 0, "welcome %s: QEMU ended the link", welcome_names[f.wmode]);
        if (strcmp(welcome_expect, "any") == 0)
            finish(&f, 0, "welcome %s: QEMU took it", welcome_names[f.wmode]);
        finish(&f, 1, "welcome %s: QEMU did not end the link within %u ms + %d ms",
               welcome_names[f.wmode], f.cfg.timeout_ms, SLACK_MS);
    }
    sclink_decoder_set_max_frame(&f.dec, f.max_frame);
    make_plan(&f);
    if (!preview)
        run(&f);
    return 0;
}
