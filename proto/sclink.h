/*
 * libsclink: the sclink wire protocol codec.
 *
 * A frame is a 4-byte big-endian payload length followed by one
 * sclink.v1.Envelope in protobuf encoding (see doc/protocol.md).  This
 * library turns byte streams into validated messages and messages into
 * frames, and offers a small blocking connection helper for tools and tests.
 *
 * Conventions (libuv's): functions return 0 or a positive count on success
 * and a negative SCLINK_E* code on failure; a failed call changed nothing the
 * caller owns.  Nothing in the library prints, asserts or exits.
 */
#ifndef SCLINK_H
#define SCLINK_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sclink.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SCLINK_VERSION_MAJOR 1
#define SCLINK_VERSION_MINOR 2

/* Frame limits.  The limit counts payload bytes, not the 4-byte prefix. */
#define SCLINK_FRAME_HEADER_SIZE 4
#define SCLINK_DEFAULT_MAX_FRAME (1u << 20) /* 1 MiB, until the handshake */
#define SCLINK_MIN_MAX_FRAME (4u << 10)     /* 4 KiB: no agreement below */
#define SCLINK_LIMIT_MAX_FRAME (64u << 20)  /* 64 MiB: no agreement above */

/*
 * What sclink-pci offers in its Hello; under -icount shift=N,sleep=off it
 * adds CAP_DETERMINISTIC.  No CAP_DEBUG: the device serves no debug DMA.
 * sclink-client offers the same by default (an honest stand-in for QEMU),
 * and the link fuzzer's --plan assumes it.
 */
#define SCLINK_CAPS_QEMU_DEVICE                                            \
    (SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES |                           \
     SCLINK__V1__CAPABILITY__CAP_DMA | SCLINK__V1__CAPABILITY__CAP_INTX |  \
     SCLINK__V1__CAPABILITY__CAP_MSI | SCLINK__V1__CAPABILITY__CAP_MSIX |  \
     SCLINK__V1__CAPABILITY__CAP_SYNC |                                    \
     SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD |                               \
     SCLINK__V1__CAPABILITY__CAP_PAUSE | SCLINK__V1__CAPABILITY__CAP_RESET)

/* Short names for the generated types. */
typedef Sclink__V1__Envelope sclink_msg;
typedef Sclink__V1__Hello sclink_hello;
typedef Sclink__V1__Welcome sclink_welcome;
typedef Sclink__V1__DeviceInfo sclink_device_info;
typedef Sclink__V1__Bar sclink_bar;
typedef Sclink__V1__Request sclink_request;
typedef Sclink__V1__Response sclink_response;
typedef Sclink__V1__Attributes sclink_attributes;
typedef Sclink__V1__Interrupt sclink_interrupt;
typedef Sclink__V1__Sync sclink_sync;
typedef Sclink__V1__Bye sclink_bye;
typedef Sclink__V1__Error sclink_error;

/*
 * Error codes.  System errors are -errno (SCLINK_ETIMEDOUT is -ETIMEDOUT);
 * protocol errors live in their own range so they never collide.
 */
#define SCLINK_ENOMEM (-ENOMEM)
#define SCLINK_EINVAL (-EINVAL)
#define SCLINK_ETIMEDOUT (-ETIMEDOUT)
#define SCLINK_ENOBUFS (-ENOBUFS)
enum {
    SCLINK_EFRAMESIZE = -4000, /* length prefix zero or over the limit */
    SCLINK_EDECODE = -4001,    /* payload is not a valid Envelope encoding */
    SCLINK_EMISSING = -4002,   /* a field the spec requires is absent */
    SCLINK_ERANGE = -4003,     /* a value outside what the spec allows */
    SCLINK_ELENGTH = -4004,    /* data/byte-enable length inconsistent */
    SCLINK_EUNKNOWN = -4005,   /* unknown message type in the envelope */
    SCLINK_EVERSION = -4006,   /* incompatible protocol major version */
    SCLINK_EPEER = -4007,      /* the peer sent Error */
    SCLINK_ECLOSED = -4008,    /* the peer closed the connection */
    SCLINK_EADDR = -4009,      /* malformed "unix:PATH" / "tcp:HOST:PORT" */
    SCLINK_ESTATE = -4010,     /* message not allowed in this state */
    SCLINK_EBROKEN = -4011,    /* stream unusable after an earlier error */
    SCLINK_EAUTH = -4012,      /* the peer's TLS credentials were refused */
};

/* A human-readable text for any code this library returns. */
const char *sclink_strerror(int err);

/* Maps a library error to the ErrorCode sent to the peer in an Error. */
Sclink__V1__ErrorCode sclink_error_code(int err);

/* ------------------------------------------------------------------ buffer */

/* A growable byte buffer; zero-initialise or sclink_buf_init() before use. */
typedef struct sclink_buf {
    uint8_t *base;
    size_t len;
    size_t cap;
} sclink_buf;

void sclink_buf_init(sclink_buf *b);
void sclink_buf_free(sclink_buf *b);
int sclink_buf_reserve(sclink_buf *b, size_t extra);
/* Drops the first n bytes (after they were written out). */
void sclink_buf_consume(sclink_buf *b, size_t n);

/* ----------------------------------------------------------------- encoder */

/*
 * Validates `m` and encodes it as one frame.  Returns the frame size
 * (prefix included) or a negative code: the message is not valid, its
 * payload is over `max_frame`, or (sclink_encode) `cap` is too small.
 */
int sclink_encode(const sclink_msg *m, uint32_t max_frame, void *buf, size_t cap);
/* Appends one frame to a growable buffer (several frames batch one write). */
int sclink_encode_append(const sclink_msg *m, uint32_t max_frame, sclink_buf *b);
/*
 * For writev: validates `m`, writes its 4-byte prefix to hdr and returns the
 * payload size; the caller packs the payload with
 * sclink__v1__envelope__pack() into a buffer of that size.
 */
int sclink_encode_header(const sclink_msg *m, uint32_t max_frame,
                         uint8_t hdr[SCLINK_FRAME_HEADER_SIZE]);

/* ----------------------------------------------------------------- decoder */

/*
 * Incremental decoder: feed it bytes as they arrive, in chunks of any size,
 * and take whole, validated messages out with sclink_decoder_next().
 * After an error the decoder stays broken (the stream has lost framing) and
 * every call returns SCLINK_EBROKEN; sclink_decoder_reason() says why.
 */
typedef struct sclink_decoder {
    sclink_buf in;      /* bytes not yet consumed */
    size_t pos;         /* start of the next frame in `in` */
    uint32_t max_frame; /* largest payload accepted */
    int error;          /* sticky error, 0 while healthy */
    char reason[160];   /* what the error was about */
    size_t msg_heap;    /* heap the last message taken out occupies */
} sclink_decoder;

void sclink_decoder_init(sclink_decoder *d, uint32_t max_frame);
void sclink_decoder_free(sclink_decoder *d);
/* Changes the limit, e.g. after the handshake agreed a new one. */
int sclink_decoder_set_max_frame(sclink_decoder *d, uint32_t max_frame);
/*
 * Copies len bytes in.  A length prefix over the limit is rejected here,
 * before any memory is set aside for its payload.
 */
int sclink_decoder_feed(sclink_decoder *d, const void *data, size_t len);
/*
 * Takes the next complete message: returns 1 and sets *out (free it with
 * sclink_msg_free), 0 when more bytes are needed, or a negative code.
 */
int sclink_decoder_next(sclink_decoder *d, sclink_msg **out);
/* Bytes held that do not yet form a whole frame. */
size_t sclink_decoder_pending(const sclink_decoder *d);
/*
 * The heap the message the last sclink_decoder_next() returned occupies,
 * malloc's own overhead included.  Not the frame size: protobuf keeps
 * unknown fields one allocation each, so a frame of 2-byte unknown fields
 * decodes into about 30 times its size.  For callers that bound what they
 * queue.
 */
size_t sclink_decoder_msg_heap(const sclink_decoder *d);
const char *sclink_decoder_reason(const sclink_decoder *d);

/* Decodes exactly one payload (no prefix) and validates it. */
int sclink_msg_unpack(const void *payload, size_t len, uint32_t max_frame,
                      sclink_msg **out, char *why, size_t whylen);
void sclink_msg_free(sclink_msg *m);

/* -------------------------------------------------------------- validation */

/*
 * Checks a message against doc/protocol.md: required fields present, enum
 * values known, lengths consistent, data within `max_frame`.  On failure
 * writes a one-line reason naming the field to `why` (if not NULL).
 */
int sclink_msg_validate(const sclink_msg *m, uint32_t max_frame, char *why,
                        size_t whylen);

/*
 * The endpoint rule on a Response and the Request it answers
 * (doc/protocol.md 12.10): a successful read carries exactly the Request's
 * `length` bytes, a write none.  SCLINK_ELENGTH (sent as ERR_MALFORMED)
 * with a reason in `why` otherwise.
 */
int sclink_response_check(const sclink_request *req,
                          const sclink_response *resp, char *why,
                          size_t whylen);

/*
 * `len` bytes from `addr` run past 2^64 - 1, back to address 0 (rule R9:
 * no access may).  addr + len is never computed: both come from peers and
 * guests.  Zero bytes never wrap.
 */
static inline int sclink_range_wraps(uint64_t addr, uint64_t len)
{
    return len != 0 && len - 1 > UINT64_MAX - addr;
}

/* The message's name ("Hello", "Request", ...) for logs. */
const char *sclink_msg_name(const sclink_msg *m);

/* ---------------------------------------------------------------- logging */

/*
 * Text the peer sent (a Hello or Welcome name, a Bye or Error message)
 * made safe to put in a log line: a peer must not be able to start a line
 * of its own, move the cursor or recolour a terminal, nor make a quoted
 * field end early.  Bytes 0x20-0x7e are kept, except `\`, `'` and `"`,
 * which get a backslash; every other byte (control characters, DEL, and
 * every byte >= 0x80, so UTF-8 too: it can carry C1 controls and bidi
 * overrides) becomes `\xNN`.  At most SCLINK_LOG_TEXT_MAX bytes of escaped
 * text are kept, never half an escape; when the text did not fit,
 * "... (N more bytes cut)" follows, N counting the bytes of text left out.
 *
 * Writes a NUL-terminated string to out and returns out; NULL text is "".
 * With outlen >= SCLINK_LOG_TEXT_SIZE nothing else is cut; a smaller
 * buffer cuts sooner, without the marker if it cannot hold one.
 */
#define SCLINK_LOG_TEXT_MAX 256
#define SCLINK_LOG_TEXT_SIZE (SCLINK_LOG_TEXT_MAX + 48 + 1)
char *sclink_log_text(char *out, size_t outlen, const char *text);

/* ---------------------------------------------------------- connection */

/* A parsed "unix:PATH" or "tcp:HOST:PORT" address. */
typedef struct sclink_addr {
    enum { SCLINK_ADDR_UNIX = 1, SCLINK_ADDR_TCP = 2 } kind;
    char path[108]; /* unix: socket path */
    char host[256]; /* tcp: host name or address ([v6] without brackets) */
    uint16_t port;  /* tcp: port */
} sclink_addr;

int sclink_addr_parse(const char *text, sclink_addr *addr);
/*
 * The listen address when none is given: a socket in a directory of this
 * user's own, "unix:$XDG_RUNTIME_DIR/sclink/sclink.sock", or
 * "unix:/tmp/sclink-UID/sclink.sock" without XDG_RUNTIME_DIR.  In a
 * shared directory such as /tmp another user could create the path first
 * and answer QEMU in the gateway's place.  Returns 0 or SCLINK_EADDR (the
 * path would not fit).
 */
int sclink_default_listen(char *buf, size_t len);

/*
 * A layer between a connection and its socket (sclink-client's TLS): send
 * takes what it can of len bytes (a count, or a negative code), recv gives
 * what it has (a count, 0 at the end of the stream, -EAGAIN when nothing
 * is there yet, or a negative code), and pending says whether bytes are
 * already read from the socket and buffered above it, which poll() would
 * not see.
 */
typedef struct sclink_conn_io {
    void *ctx;
    ssize_t (*send)(void *ctx, const uint8_t *p, size_t len);
    ssize_t (*recv)(void *ctx, uint8_t *p, size_t len);
    int (*pending)(void *ctx);
} sclink_conn_io;

/*
 * A blocking connection: one socket, a decoder and the agreed limit.
 * For tools and tests; the gateway drives its sockets with libuv.
 */
typedef struct sclink_conn {
    int fd;
    uint32_t max_frame;
    sclink_decoder dec;
    sclink_buf out;
    const sclink_conn_io *io; /* NULL: the socket itself */
} sclink_conn;

/* Connects, retrying until timeout_ms passes (the server may be starting). */
int sclink_conn_connect(sclink_conn *c, const char *addr, int timeout_ms);
/* Wraps an already connected socket; the connection owns fd afterwards. */
int sclink_conn_from_fd(sclink_conn *c, int fd);
int sclink_conn_send(sclink_conn *c, const sclink_msg *m);
/* Receives the next message; timeout_ms < 0 waits forever. */
int sclink_conn_recv(sclink_conn *c, sclink_msg **out, int timeout_ms);
/* Sets the agreed frame limit for both directions. */
int sclink_conn_set_max_frame(sclink_conn *c, uint32_t max_frame);
/* Puts io between the connection and its socket (NULL: none). */
void sclink_conn_set_io(sclink_conn *c, const sclink_conn_io *io);
void sclink_conn_close(sclink_conn *c);

/* A listening socket for simple blocking servers (tests, tools). */
int sclink_listen(const char *addr, int *fd_out);
int sclink_accept(int listen_fd, sclink_conn *c, int timeout_ms);

/* ----------------------------------------------------------- handshake */

/*
 * QEMU side: sends `hello`, waits for the answer.  Returns 0 with *welcome
 * set (free it with sclink_msg_free), SCLINK_EPEER with the peer's Error text
 * in `why` (escaped by sclink_log_text: `why` is for logs), or another
 * negative code.  On success the connection's frame
 * limit is the agreed one.
 */
int sclink_client_handshake(sclink_conn *c, const sclink_hello *hello,
                            sclink_msg **welcome, int timeout_ms, char *why,
                            size_t whylen);

/* Sends an Error with the given code and text. */
int sclink_conn_send_error(sclink_conn *c, Sclink__V1__ErrorCode code,
                           const char *text);

/* ------------------------------------------------------------- rules */

/*
 * The protocol's rules that are not I/O (proto/rules.c), written once for
 * the device, the client and the gateway.  Pure: no sockets, no
 * allocation; state is the caller's.  Each function that can refuse
 * returns 0 or a negative code and writes why to `why` (may be NULL).
 */

/* t + d, or 2^64 - 1 where it would wrap: "no window end" (8.4 rule G). */
static inline uint64_t sclink_time_add_sat(uint64_t a, uint64_t b)
{
    return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}
/* a + b into *out, or SCLINK_ERANGE (and *out untouched) on overflow. */
int sclink_time_add(uint64_t a, uint64_t b, uint64_t *out);
/* a - b into *out, or SCLINK_ERANGE when b > a. */
int sclink_time_sub(uint64_t a, uint64_t b, uint64_t *out);
/* ns * 1000 into *ps, or SCLINK_ERANGE past 2^64 - 1 ps. */
int sclink_ns_to_ps(uint64_t ns, uint64_t *ps);
/* ps to whole ns, rounded down (QEMU's clock has ns resolution, 8.1). */
static inline uint64_t sclink_ps_to_ns(uint64_t ps) { return ps / 1000; }

/*
 * Checks a Hello as a gateway must (role, major version).  On a mismatch
 * returns SCLINK_EVERSION (or another code) and writes the text of the Error
 * to send, naming both versions, into `why`.
 */
int sclink_hello_check(const sclink_hello *h, char *why, size_t whylen);
/* Agreed frame limit from two proposals (0 = no proposal: the default). */
uint32_t sclink_agree_max_frame(uint32_t a, uint32_t b);
/*
 * QEMU's checks on a Welcome answering `h` (section 7.5): role and major
 * (SCLINK_EVERSION, *code ERR_VERSION), capabilities a subset of the
 * Hello's, max_frame within the Hello's proposal, quantum > 0
 * (SCLINK_ERANGE, *code ERR_CONFIG).  *code is the Error to send.
 */
int sclink_welcome_check(const sclink_hello *h, const sclink_welcome *w,
                         Sclink__V1__ErrorCode *code, char *why,
                         size_t whylen);

/*
 * The conservative time window (section 8), the same state on both ends:
 * QEMU updates it as it sends, the gateway as it receives, so each can
 * check the other.  W = end_ps; rules A, B, C, G, N, T, I, E.
 */
typedef struct sclink_window {
    uint64_t quantum_ps; /* Q */
    uint64_t end_ps;     /* W, inclusive */
    uint64_t last_ps;    /* latest stamp of a Request or REACHED (rule C) */
    uint64_t granted_ps; /* time_ps of the last GRANT */
    unsigned sync : 1;      /* CAP_SYNC agreed: otherwise no window */
    unsigned lookahead : 1; /* CAP_LOOKAHEAD agreed too: rule N applies */
    unsigned waiting : 1;   /* a REACHED(W) awaits its GRANT */
    unsigned granted : 1;   /* at least one GRANT */
} sclink_window;

/* After the Welcome: agreed capabilities and Q; W = Q. */
void sclink_window_init(sclink_window *w, uint64_t caps, uint64_t quantum_ps);
/* Rule A (QEMU): 0 when time may move to target, else 1 and *sync_at = W. */
int sclink_window_step(const sclink_window *w, uint64_t target,
                       uint64_t *sync_at);
/*
 * Rules A and C as QEMU stamps what happens at its time t: t kept within
 * [last stamp, W] (W only with CAP_SYNC).  Record it with
 * sclink_window_request once sent.
 */
uint64_t sclink_window_stamp(const sclink_window *w, uint64_t t);
/* Rule C: a non-debug Request stamped t lies in [last stamp, W]. */
int sclink_window_stamp_check(const sclink_window *w, uint64_t t, char *why,
                              size_t whylen);
/*
 * Rule T as the gateway checks a non-debug Request or RESET stamped t: not
 * past limit_ps, the last link time it can reach, and without CAP_SYNC not
 * more than max_jump_ps (0: no bound) past the last stamp.  SCLINK_ERANGE.
 */
int sclink_window_limit_check(const sclink_window *w, uint64_t t,
                              uint64_t limit_ps, uint64_t max_jump_ps,
                              char *why, size_t whylen);
/* Records a non-debug Request stamped t, sent or received (rule N cut). */
void sclink_window_request(sclink_window *w, uint64_t t);
/* Rule B: a REACHED is at W exactly and not twice; records it. */
int sclink_window_reached(sclink_window *w, uint64_t t, char *why,
                          size_t whylen);
/*
 * Rules B and T as the gateway takes REACHED(t): as sclink_window_reached,
 * and t below limit_ps, the last link time it can reach, so that a window
 * can follow (SCLINK_ERANGE).  Records it only when it passes.
 */
int sclink_window_reached_within(sclink_window *w, uint64_t t,
                                 uint64_t limit_ps, char *why, size_t whylen);
/* Rule G as QEMU checks it: the GRANT answers REACHED(W), W < W' <= W+Q. */
int sclink_window_grant_check(const sclink_window *w, uint64_t time_ps,
                              uint64_t end_ps, char *why, size_t whylen);
/* Applies a GRANT (checked, or chosen by sclink_window_grant_end). */
void sclink_window_grant(sclink_window *w, uint64_t time_ps, uint64_t end_ps);
/*
 * Rule G as the gateway chooses W' for REACHED(t): t + Q, or with
 * lookahead up to next_activity_ps but at most t + max_lookahead_ps;
 * never past limit_ps (rule T).  Saturating.
 */
uint64_t sclink_window_grant_end(const sclink_window *w, uint64_t t,
                                 uint64_t next_activity_ps,
                                 uint64_t max_lookahead_ps, uint64_t limit_ps);
/*
 * Rules I and E for an Interrupt or DMA Request stamped t, at QEMU time
 * now_ps: not before the last GRANT, not ahead of now_ps.  A breach is
 * reported, never a reason to end the link (rule V): sclink-client's
 * timing-error.
 */
int sclink_window_event_check(const sclink_window *w, uint64_t t,
                              uint64_t now_ps, char *why, size_t whylen);

/* What a QEMU side serves beyond plain reads and writes (5.4, 5.6). */
#define SCLINK_DMA_SERVES_BYTE_ENABLE 0x1u
#define SCLINK_DMA_SERVES_STREAMING 0x2u
#define SCLINK_DMA_SERVES_DEBUG 0x4u
/*
 * QEMU's check of a DMA Request (5.2, 5.4, 5.6) given the agreed caps and
 * what it serves.  A violation returns a negative code with *code the
 * Error to send; otherwise 0 and *status is STATUS_OK (serve it) or the
 * status to answer with (byte enables: BYTE_ENABLE_ERROR, streaming
 * width < length: BURST_ERROR).  The real device serves none of these.
 */
int sclink_dma_check(const sclink_request *r, uint64_t caps, unsigned serves,
                     Sclink__V1__Status *status, Sclink__V1__ErrorCode *code,
                     char *why, size_t whylen);

/*
 * A Response answers the one outstanding Request, whose id is @id when
 * @outstanding (ids are the sender's own: any value, 0 included), in
 * order (rule F3).  SCLINK_ESTATE otherwise, and when none is outstanding.
 */
int sclink_response_match(bool outstanding, uint64_t id,
                          const sclink_response *resp, char *why,
                          size_t whylen);

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_H */
