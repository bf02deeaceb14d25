/*
 * fuzz-gateway.h: what the parts of tests/e2e/fuzz-gateway share: the
 * link's state, the settings and the plan a seed draws (fuzz-plan.c), the
 * frames it sends (fuzz-send.c), and the link's loop, judging and main
 * (fuzz-gateway.c).
 */
#ifndef FUZZ_GATEWAY_H
#define FUZZ_GATEWAY_H

#include <stdint.h>

#include "sclink.h"

/* What validate.c keeps free around a Response's data (RESPONSE_OVERHEAD). */
#define DMA_ROOM 64
/* The gateway's own output queue stays below this while it floods. */
#define FLOOD_QUEUE (256 * 1024)
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

typedef struct rng {
    uint64_t s;
} rng;


typedef struct config {
    unsigned timeout_ms;
    int exit_on_failure;
    int icount;
    int tcp;
    int master;
} config;


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

struct action_info {
    const char *name;
    enum kind kind;
    unsigned need;
};
extern const struct action_info actions[N_ACTIONS];

/* Hostile Welcomes (0: a valid one). */
typedef enum welcome_mode {
    W_VALID, W_CAPS, W_MAX_FRAME, W_ROLE, W_VERSION, W_KIND_NOCAP,
    W_NO_SLOT, W_MUTATE, W_TRUNCATE, W_ERROR, W_SILENCE, W_PREFIX,
    W_INTERRUPT, W_INVALID, W_BAR_HUGE, N_WELCOMES
} welcome_mode;

extern const char *const welcome_names[N_WELCOMES];

#define MAX_STEPS 16

typedef struct step {
    uint64_t at;        /* messages received from QEMU */
    action what;
} step;

/* Text with control characters and ANSI escapes, for Bye and Error. */
extern const char peer_text[];

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
    int said_bye;           /* QEMU said Bye (its VM shut down) */
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

/* fuzz-gateway.c */
int64_t now_ms(void);
void say(fz *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fuzz-send.c: frames, packed without validation (some are meant bad) */
/* Spoils a DMA Request before it goes (send_dma). */
typedef void (*dma_spoil)(fz *f, Sclink__V1__Request *req);
void put_be32(uint8_t *p, uint32_t v);
void emit_bytes(fz *f, const void *p, size_t n);
void emit(fz *f, const sclink_msg *m);
void send_response(fz *f, const sclink_request *req);
void send_interrupt(fz *f, Sclink__V1__IrqType type, uint32_t index,
    int level, uint64_t time_ps);
void send_valid_interrupt(fz *f, uint64_t time_ps);
uint32_t dma_max(fz *f);
void send_dma(fz *f, int write, uint64_t address, uint32_t length,
    dma_spoil spoil);
uint32_t dma_length(fz *f);
void send_valid_dma(fz *f);
void send_sync(fz *f, Sclink__V1__SyncKind kind, uint64_t time_ps,
    uint64_t window_end_ps);
void send_plain_welcome(fz *f, uint64_t caps, uint64_t quantum_ps,
    uint32_t max_frame, uint64_t bar0);
void send_text(fz *f, int error, const char *text);
void add_bar(Sclink__V1__DeviceInfo *d, Sclink__V1__Bar **slots,
    Sclink__V1__Bar *b, uint32_t index, uint64_t size,
    int mem64, int prefetch, int posted);

/* fuzz-plan.c: the seed's settings, Welcome, plan, actions and finale */
uint64_t next(rng *r);
uint64_t below(rng *r, uint64_t n);
int one_in(rng *r, uint64_t n);
rng stream(uint64_t seed, uint64_t which);
config config_for(uint64_t seed);
void make_plan(fz *f);
void storm_fill(fz *f);
void act(fz *f);
const char *send_welcome(fz *f);

#endif /* FUZZ_GATEWAY_H */
