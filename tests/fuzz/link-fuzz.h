/*
 * The link fuzzer (make fuzz-link): a hostile QEMU side that plays one
 * script per link against a real sclink-gateway over a real socket.
 *
 * A script is what one link sends and how: bytes (valid frames, mutated
 * ones, garbage), pauses, slow writes, DMA answers, not reading.  The
 * generator (link-gen.c) makes a script from a seed and a link index alone,
 * without looking at what the gateway answers, so a link is reproduced
 * from those two numbers; the few steps that need the gateway's state (the
 * id of the DMA Request being answered) say what to do, not the bytes.
 * The executor (link-exec.c) plays a script and runs the health check.
 * A script has a text form, one step a line: that is what a finding saves
 * and what `make check` replays (tests/fuzz/link-corpus/).
 *
 * Against a TLS gateway (--tls) a script's bytes go onto the socket as
 * they are until a `tls` step runs the client's handshake, which may
 * corrupt, cut, slow or break into what the client sends; after a
 * handshake that succeeds the bytes go inside TLS records, until `raw`
 * sends them around the session again (tests/fuzz/link-corpus-tls/).
 */
#ifndef SCLINK_LINK_FUZZ_H
#define SCLINK_LINK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sclink.h"

/* One step of a link. */
enum op_kind {
    OP_SEND,     /* bytes: write them, reading meanwhile */
    OP_SENDREP,  /* bytes, n: write them n times */
    OP_DRIBBLE,  /* bytes, n, ms: n bytes at a time, ms apart */
    OP_SLEEP,    /* ms: wait, reading */
    OP_RESPOND,  /* mode, ms, arg, n: answer the oldest DMA Request (n = 1:
                    a stray Response if none came within ms) */
    OP_AUTODMA,  /* n: 1 = answer DMA Requests as they come, like QEMU */
    OP_NOREAD,   /* read nothing more on this link */
    OP_SHUTDOWN, /* shut down the write side */
    OP_HOLD,     /* ms: stay until the gateway closes, at most ms */
    OP_TLS,      /* mode, n, ms, arg, bytes: the TLS handshake, as tls_mode says */
    OP_RAW,      /* what follows goes onto the socket, not into the session */
};

/*
 * How OP_TLS runs the handshake: what happens to the bytes the client's
 * GnuTLS sends, counted from the first (offset n).  A handshake that
 * fails leaves the link in plain bytes for the steps after it.
 */
enum tls_mode {
    TLS_OK,      /* as they are */
    TLS_FLIP,    /* the byte at n XOR arg (1..255) */
    TLS_CUT,     /* the first n only, then none of the handshake: it failed */
    TLS_SLOW,    /* n bytes at a time, ms apart (DRIBBLE_MAX_MS in all) */
    TLS_INJECT,  /* `bytes` put in after the first n */
    TLS_COUNT
};

/* How OP_RESPOND answers (arg: see each). */
enum respond_mode {
    RESP_OK,     /* the right id, status OK, the right data length */
    RESP_STATUS, /* status arg (0 and values over 6 are invalid) */
    RESP_ID,     /* the id plus arg */
    RESP_LEN,    /* a read's data length plus arg (may go negative: none) */
    RESP_DUP,    /* OK, then the same Response again */
    RESP_COUNT
};

struct op {
    enum op_kind kind;
    int mode;
    uint32_t n;
    uint32_t ms;
    int64_t arg;
    uint8_t *bytes;
    size_t len;
};

struct script {
    struct op *ops;
    size_t n, cap;
    char note[160]; /* what the generator meant, for the case file */
};

void script_init(struct script *s);
void script_free(struct script *s);
/* Appends a step; bytes (if any) are copied. */
void script_add(struct script *s, enum op_kind kind, int mode, uint32_t n,
                uint32_t ms, int64_t arg, const void *bytes, size_t len);
/* Writes the text form: one line per step. */
void script_write(const struct script *s, FILE *f);
/*
 * Reads the links of a case file: steps, one a line; a line "link" starts
 * the next link, '#' starts a comment.  Returns the number of links read
 * into *out (an array the caller frees with scripts_free) or -1, with the
 * line at fault in `why`.
 */
int scripts_read(FILE *f, struct script **out, char *why, size_t whylen);
void scripts_free(struct script *s, int n);

/* Appends one frame: prefix + protobuf encoding, NOT validated. */
void frame_append(sclink_buf *b, const sclink_msg *m);

/* ------------------------------------------------------------ generator */

/* What the generator knows of the platform (tests/fuzz/link-platform.yaml.in). */
#define FUZZ_BAR0_SIZE 0x100000u
#define FUZZ_BAR2_SIZE 0x1000u      /* a 64-bit BAR onto the id block */
#define FUZZ_RAM_BASE 0x0u
#define FUZZ_RAM_SIZE 0x10000u
#define FUZZ_ROM_BASE 0x10000u
#define FUZZ_ROM_SIZE 0x1000u
#define FUZZ_ID_BASE 0x20000u
#define FUZZ_UART_BASE 0x21000u
#define FUZZ_TIMER_BASE 0x22000u
#define FUZZ_DMA_BASE 0x30000u
#define FUZZ_DMA_BUF 0x31000u
#define FUZZ_DMA_BUF_SIZE 0x1000u
#define FUZZ_QUANTUM_PS UINT64_C(10000000) /* quantum_ns: 10000 */
#define FUZZ_GW_MAX_FRAME SCLINK_DEFAULT_MAX_FRAME
#define FUZZ_ID_MAGIC 0x53434c4bu

/* The script of link `index` of the run seeded `seed`; tls: for a TLS gateway. */
void gen_link(uint64_t seed, uint64_t index, int tls, struct script *out);

/* ------------------------------------------------------------- executor */

/* The gateway under attack: its address and, for TLS, the client's
 * credentials as sclink-client takes them ("psk:DIR" or "x509:DIR"). */
struct target {
    const char *addr;
    const char *tls_creds; /* NULL: plain */
    const char *tls_user;  /* PSK user */
};

struct exec_result {
    int connected;    /* the socket connected */
    int welcomed;     /* a Welcome arrived */
    int busy;         /* refused with ERR_BUSY: the link did not start */
    int closed;       /* the gateway closed the link */
    int bad_output;   /* the gateway sent bytes that do not decode */
    int handshake;    /* TLS: 1 a handshake succeeded, -1 one failed, 0 none */
    char why[256];    /* bad_output: the decoder's reason */
    uint64_t frames_in;
    uint64_t dma_in;
    uint64_t bytes_out;
};

/* Plays one link against t. */
void exec_link(const struct target *t, const struct script *s, struct exec_result *r);

/*
 * The health check: a clean handshake, the id block's MAGIC read through
 * BAR0, the timer's interrupt 1 us into the first window (SystemC time
 * moves), then Bye, all within timeout_ms (a link still closing answers
 * ERR_BUSY: that is retried until then), in TLS when t says so.  Returns
 * 0 or -1 with `why`;
 * *took_ms says how long it took.
 */
int health_check(const struct target *t, int timeout_ms, int *took_ms, char *why,
                 size_t whylen);

int64_t fuzz_now_ms(void);

#endif
