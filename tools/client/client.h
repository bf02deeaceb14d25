/*
 * sclink-client internals: the tool connects to a gateway as QEMU's
 * sclink-pci device would and runs commands from its command line or a
 * script.  See doc/client.md for the user's view.
 *
 * The protocol's rules (the Welcome checks, the time window, what a DMA
 * Request may carry) are libsclink's (proto/rules.c), the same calls the
 * device makes; the client keeps no copy of them.
 *
 * Modules, one job each:
 *   names.c   names of protocol enums as the client prints and parses them
 *   script.c  command lines -> struct client_cmd (numbers, units, bytes)
 *   mem.c     the simulated guest memory that serves DMA
 *   out.c     every line the client prints
 *   link.c    the QEMU-side protocol state on one connection
 *   run.c     executes commands on a link, checks expectations
 *   main.c    options, script sources, exit codes
 */
#ifndef SCLINK_CLIENT_H
#define SCLINK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "sclink.h"

/*
 * What the client offers by default: what sclink-pci offers under
 * -icount shift=N,sleep=off, which adds CAP_DETERMINISTIC: the client's
 * time moves only as its script says.
 */
#define CLIENT_CAPS_DEVICE                                                 \
    (SCLINK_CAPS_QEMU_DEVICE | SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC)

/*
 * The client's own failures (doc/architecture.md, "Errors and cleanup"),
 * beside libsclink's codes: the line saying what failed is printed
 * already.  Only main turns them into exit statuses.
 */
enum {
    CLIENT_EFAILED = -4200, /* a command or expectation failed */
    CLIENT_EUSAGE = -4201,  /* options, script, connection or Welcome */
};

/* Exit codes, documented in --help and doc/client.md. */
#define CLIENT_EXIT_OK 0
#define CLIENT_EXIT_FAIL 1  /* an expectation failed, the gateway erred */
#define CLIENT_EXIT_USAGE 2 /* bad options or script, cannot connect */

/* Largest hex byte string a command may carry (raw, mem-write, ...). */
#define CLIENT_MAX_BYTES (1u << 20)

/* ------------------------------------------------------------------ names */

/* "ok", "address-error", ...; NULL for a value outside the enum. */
const char *client_status_name(Sclink__V1__Status s);
int client_status_parse(const char *name, Sclink__V1__Status *out);
/* "read", "write", "dread", "dwrite" as the commands are named. */
const char *client_command_name(Sclink__V1__Command c);
/* "line", "msi", "msix" ("intx" parses as "line"). */
const char *client_irq_type_name(Sclink__V1__IrqType t);
int client_irq_type_parse(const char *name, Sclink__V1__IrqType *out);
/* "ERR_MALFORMED", ... as in sclink.proto. */
const char *client_error_code_name(Sclink__V1__ErrorCode c);
int client_error_code_parse(const char *name, Sclink__V1__ErrorCode *out);
/* "normal", "shutdown", "reset". */
const char *client_bye_reason_name(Sclink__V1__ByeReason r);
/* "reached", "grant", "paused", "resumed", "reset", "reset-done". */
const char *client_sync_kind_name(Sclink__V1__SyncKind k);
/* Comma-separated capability names ("posted,dma,sync"), "none" if 0. */
void client_caps_format(uint64_t caps, char *buf, size_t len);

/* ----------------------------------------------------------------- script */

enum client_op {
    CLIENT_OP_READ,
    CLIENT_OP_WRITE,
    CLIENT_OP_POSTED,
    CLIENT_OP_DREAD,
    CLIENT_OP_DWRITE,
    CLIENT_OP_EXPECT_MEM,
    CLIENT_OP_EXPECT_ERROR,
    CLIENT_OP_TIME,
    CLIENT_OP_ADVANCE,
    CLIENT_OP_SYNC,
    CLIENT_OP_WAIT_IRQ,
    CLIENT_OP_MEM_WRITE,
    CLIENT_OP_MEM_READ,
    CLIENT_OP_SLEEP,
    CLIENT_OP_BYE,
    CLIENT_OP_RAW,
    CLIENT_OP_STATS,
    CLIENT_OP_PAUSE,
    CLIENT_OP_RESUME,
    CLIENT_OP_RESET,
};

/* One parsed command; which fields matter depends on `op`. */
struct client_cmd {
    enum client_op op;
    unsigned line;       /* for "line N:" messages */
    uint32_t bar;        /* accesses */
    uint64_t addr;       /* BAR offset, or guest bus address for mem-* */
    uint32_t len;        /* accesses, mem-read */
    uint8_t *data;       /* write data, expected read data, bytes; owned */
    size_t data_len;
    int expect_data;     /* read: compare the data with `data` */
    Sclink__V1__Status expect_status; /* accesses: the status required */
    uint64_t time_ps;    /* time, advance; wait-irq limit (relative) */
    int has_limit;       /* wait-irq: time_ps is set */
    Sclink__V1__IrqType irq_type; /* wait-irq: 0 matches any */
    int has_irq_index;
    uint32_t irq_index;
    uint64_t ms;         /* sleep */
    int has_error_code;  /* expect-error */
    Sclink__V1__ErrorCode error_code;
};

/* Numbers: decimal, or hexadecimal with 0x; no sign, no octal. */
int client_parse_u64(const char *s, uint64_t *out);
/* A duration or time: NUMBER[ps|ns|us|ms|s], no unit meaning ps. */
int client_parse_time(const char *s, uint64_t *ps);
/* A size: NUMBER[K|KiB|M|MiB|G|GiB] (binary multiples). */
int client_parse_size(const char *s, uint64_t *out);
/*
 * Appends the bytes of a hex string ("deadbeef", "de:ad", optional "hex:"
 * prefix) to buf, which holds *len bytes of `cap`.
 */
int client_parse_hex(const char *s, uint8_t *buf, size_t cap, size_t *len);

/*
 * Parses one command line.  Returns 1 with *cmd filled (release it with
 * client_cmd_free), 0 for a blank or comment line, or SCLINK_EINVAL with a
 * message "line N: ..." in `why`.
 */
int client_parse_line(const char *text, unsigned line, struct client_cmd *cmd,
                      char *why, size_t whylen);
void client_cmd_free(struct client_cmd *cmd);

/* -------------------------------------------------------------------- mem */

/* Simulated guest memory at bus addresses [base, base + size). */
struct client_mem {
    uint64_t base;
    uint64_t size;
    uint8_t *bytes;
};

int client_mem_init(struct client_mem *m, uint64_t base, uint64_t size);
void client_mem_free(struct client_mem *m);
/* Whether [addr, addr + len) lies inside the memory. */
int client_mem_contains(const struct client_mem *m, uint64_t addr,
                        uint64_t len);
/* Pointer to the byte at bus address addr; the range must be contained. */
uint8_t *client_mem_at(const struct client_mem *m, uint64_t addr);
/*
 * Serves one DMA Request: writes store the enabled bytes, reads fill
 * `rdata` (r->length bytes).  Honours byte_enable and streaming_width.
 */
Sclink__V1__Status client_mem_serve(struct client_mem *m,
                                    const sclink_request *r, uint8_t *rdata);

/* -------------------------------------------------------------------- out */

/* What to print; set once by main. */
extern int client_out_quiet;
extern int client_out_trace;

/* An event line (welcome, irq, dma, write status): hidden by --quiet. */
void client_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A result the user asked for (read data, stats) or a failure: always. */
void client_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A trace line for a message sent ('>') or received ('<'). */
void client_trace(char dir, const sclink_msg *m);
/* One-line summary of any message, as --trace prints it. */
void client_format_msg(const sclink_msg *m, char *buf, size_t len);
/* Data as the client prints it: 0x<value> up to 8 bytes, else hex:<bytes>. */
void client_format_data(const uint8_t *p, size_t len, char *buf, size_t cap);
/* Prints the Welcome and bar lines. */
void client_print_welcome(const sclink_welcome *w);

/* ------------------------------------------------------------------- link */

struct client_opts {
    const char *addr;
    const char *name;
    int timeout_ms;         /* per wait */
    int connect_timeout_ms; /* retry connecting this long */
    uint64_t quantum_ps;    /* proposed, 0 for none */
    uint64_t caps;          /* offered in Hello: CLIENT_CAPS_DEVICE by default */
    unsigned serve_dma;     /* SCLINK_DMA_SERVES_*: 0 by default, as the device */
    uint32_t max_frame;
    uint64_t mem_base;
    uint64_t mem_size;
    const char *tls_creds;  /* "x509:DIR" or "psk:DIR"; NULL: plain */
    const char *tls_user;   /* PSK user (tls-creds-psk's username) */
};

/* tls.c: the link's TLS session, between the connection and its socket. */
struct client_tls;
/* The handshake over c, and the session set between c and its socket. */
struct client_tls *client_tls_start(const struct client_opts *o, sclink_conn *c);
/* The parts of client_tls_start, for a peer that drives the session itself
 * (the link fuzzer): a session with creds ("x509:DIR" or "psk:DIR") for
 * addr; its GnuTLS session; the blocking handshake on c, 0 or -1 (said
 * why), after which c's traffic goes through the session. */
struct client_tls *client_tls_new(const char *creds, const char *user, const char *addr);
gnutls_session_t client_tls_session(struct client_tls *t);
int client_tls_handshake(struct client_tls *t, sclink_conn *c, const char *addr,
                         int timeout_ms);
void client_tls_free(struct client_tls *t);

struct client_irq {
    Sclink__V1__IrqType type;
    uint32_t index;
};

#define CLIENT_IRQ_QUEUE 256

struct client_stats {
    uint64_t requests, posted, responses, irqs, dma, dma_errors, syncs;
};

/* The QEMU side of one link. */
struct client_link {
    const struct client_opts *opts;
    sclink_conn conn;
    struct client_tls *tls; /* --tls-creds */
    int open;               /* no Bye, Error or close seen on either side */
    sclink_msg *welcome;    /* owned */
    uint64_t caps;          /* agreed */
    sclink_window win;      /* the window rule's state, as the device's */
    uint64_t now_ps;        /* the client's time: stamps Requests */
    struct client_mem mem;
    uint64_t next_id;
    /* Interrupts received and not yet taken by wait-irq, oldest first. */
    struct client_irq irqs[CLIENT_IRQ_QUEUE];
    unsigned n_irqs;
    uint64_t outstanding;   /* id of the Request awaiting its Response, */
    bool awaiting;          /* when there is one */
    int resetting;          /* a Sync RESET awaits its RESET_DONE */
    uint64_t reset_ps;      /* the RESET's stamp */
    int closing;            /* we sent Bye: the gateway may now close */
    int expecting_error;    /* expect-error: the gateway's Error is wanted */
    Sclink__V1__ErrorCode peer_error; /* the code of its Error */
    struct client_stats stats;
    int failed;             /* a failure line was printed */
};

/*
 * Connects and does the handshake: 0, CLIENT_EFAILED when the gateway
 * refused or the Welcome broke 7.5 (the line is printed), CLIENT_EUSAGE
 * when there is no connection or no Welcome (said on stderr).
 */
int client_link_open(struct client_link *l, const struct client_opts *opts);
void client_link_close(struct client_link *l);

/* The BAR described in the Welcome, or NULL. */
const sclink_bar *client_link_bar(const struct client_link *l, uint32_t bar);

/*
 * A non-posted access stamped with the client's time: sends it, waits for
 * its Response serving Interrupts and DMA meanwhile.  On 0 *status is set
 * and, for a successful read, `rdata` holds `len` bytes.
 */
int client_link_access(struct client_link *l, Sclink__V1__Command cmd,
                       uint32_t bar, uint64_t off, uint32_t len,
                       const uint8_t *wdata, Sclink__V1__Status *status,
                       uint8_t *rdata);
/* A posted write: sent, no Response awaited. */
int client_link_posted(struct client_link *l, uint32_t bar, uint64_t off,
                       uint32_t len, const uint8_t *wdata);
/* Moves the client's time to t, syncing at each window end on the way. */
int client_link_advance_to(struct client_link *l, uint64_t t);
/* Syncs at the current time. */
int client_link_sync(struct client_link *l);
/*
 * Waits for an Interrupt of `type` (0: any) and index (if has_index),
 * advancing time window by window up to `limit_ps` (absolute).  Returns 1
 * when one came, 0 when the limit or the real-time timeout passed first.
 */
int client_link_wait_irq(struct client_link *l, Sclink__V1__IrqType type,
                         int has_index, uint32_t index, uint64_t limit_ps);
/* Waits for the gateway's Error; returns 1 with its code, 0 if none. */
int client_link_expect_error(struct client_link *l,
                             Sclink__V1__ErrorCode *code);
/* Sends raw bytes, bypassing the codec. */
int client_link_raw(struct client_link *l, const uint8_t *p, size_t len);
/* Sends Bye and waits for the gateway to close. */
/* Sync PAUSED (pause != 0) or RESUMED; needs CAP_PAUSE agreed. */
int client_link_pause(struct client_link *l, int pause);
/* Sync RESET at the client's time, as QEMU's device reset sends it, and
 * waits for RESET_DONE serving what comes meanwhile; needs CAP_RESET. */
int client_link_reset(struct client_link *l);
int client_link_bye(struct client_link *l);

/* -------------------------------------------------------------------- run */

/*
 * Runs one command.  Returns 0 when it succeeded, CLIENT_EFAILED after
 * printing why it failed, CLIENT_EUSAGE for a script mistake only visible
 * at run time (time going backwards).
 */
int client_run(struct client_link *l, const struct client_cmd *cmd);

#endif /* SCLINK_CLIENT_H */
