/*
 * The gateway's network side: a libuv listener that serves one sclink link
 * at a time (a second connection gets Error ERR_BUSY and is closed), turns
 * the byte stream into validated messages and writes frames back.
 *
 * It runs on the caller's thread: the gateway's SystemC pump calls
 * sclink_server_run_once() only while SystemC time is frozen, so libuv
 * callbacks and SystemC processes never run at the same time (see
 * doc/architecture.md).  Callbacks must not block; they hand messages over.
 */
#ifndef SCLINK_SERVER_H
#define SCLINK_SERVER_H

#include <uv.h>

#include "sclink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sclink_server sclink_server;
struct sclink_tls_opts;

struct sclink_server_ops {
    /* A link was accepted; nothing has been received yet. */
    void (*link_open)(void *ctx);
    /*
     * A validated message arrived on the link; it occupies heap_bytes of
     * the heap, and the callee frees it.  Every message a read completed
     * is handed over, also after sclink_server_hold_input.
     */
    void (*message)(void *ctx, sclink_msg *m, size_t heap_bytes);
    /*
     * The link is gone.  err is 0 when this side closed it on purpose
     * (sclink_server_close_link), SCLINK_ECLOSED when the peer hung up,
     * another negative code (with `why`) for a protocol or I/O failure;
     * in that last case an Error has been sent to the peer if possible.
     */
    void (*link_closed)(void *ctx, int err, const char *why);
};

struct sclink_server_opts {
    const char *listen;     /* "unix:PATH" or "tcp:HOST:PORT" */
    uint32_t max_frame;     /* agreed later with sclink_server_set_max_frame */
    unsigned stall_ms;      /* a frame incomplete this long from its first
                               byte, or output left over the bound this
                               long: close (0: never) */
    int group_access;       /* Unix socket mode 0660 with group `group`,
                               not 0600 */
    gid_t group;
    const struct sclink_tls_opts *tls; /* TLS on every link; NULL: plain */
    int insecure_tcp;       /* plain TCP on an address that is not loopback */
};

int sclink_server_new(uv_loop_t *loop, const struct sclink_server_opts *opts,
                      const struct sclink_server_ops *ops, void *ctx,
                      sclink_server **out, char *why, size_t whylen);
/* Closes every handle and frees the server (runs the loop until done). */
void sclink_server_free(sclink_server *s);

/* One libuv iteration, blocking until something happens. */
int sclink_server_run_once(sclink_server *s);
/* Like run_once, but returns after timeout_ms even if nothing happened. */
int sclink_server_run_timeout(sclink_server *s, unsigned timeout_ms);
/* Runs what is ready (signals, reads, accepts) without waiting. */
int sclink_server_poll(sclink_server *s);

int sclink_server_link_active(const sclink_server *s);
/*
 * Accepts a connection that arrived while the previous link was closing.
 * Call it when ready for a new link; link_open follows if there was one.
 */
void sclink_server_accept_next(sclink_server *s);
/* The port actually bound (for tcp:HOST:0), 0 for Unix sockets. */
int sclink_server_port(const sclink_server *s);
/*
 * Why the listener may be reached by more than this user on this host (a
 * TCP address other than loopback, a socket in a directory that other
 * users can write), NULL if it cannot.  For a warning: nothing checks who
 * connects.
 */
const char *sclink_server_exposure(const sclink_server *s);
/* "TLS X.509 (DIR), peer DN" for a TLS link, NULL for a plain one. */
const char *sclink_server_tls(sclink_server *s);
/*
 * models != 0: SystemC is running the models (a model may send, or wait
 * for DMA in the loop): TLS work is done on the TLS thread meanwhile
 * (tls.h, sclink_tls_creds_offload).  A plain server ignores it.
 */
void sclink_server_models_running(sclink_server *s, int models);
/* TLS calls run on the TLS thread since the link opened. */
uint64_t sclink_server_tls_offloaded(const sclink_server *s);

/* Queues one frame on the active link; written as soon as the socket takes it. */
int sclink_server_send(sclink_server *s, const sclink_msg *m);
/*
 * Sends an Error with `code`, then closes the link once it is written;
 * link_closed reports `err` and `why`.  Only the first failure counts.
 */
void sclink_server_fail_link(sclink_server *s, Sclink__V1__ErrorCode code, int err,
                             const char *why);
/*
 * The one call that may come from another thread (a watchdog; not a
 * signal handler, since it may wait for the loop's thread): if the link's
 * socket is at a frame boundary, nothing being written, writes `frame`
 * (one whole encoded frame, small enough for the socket's buffer) on it
 * with write(2) and shuts the socket down; the loop then closes the link,
 * and nothing queued is written after the frame.  0 if the frame was
 * written; -EBUSY, and nothing written, if no link is open or a frame of
 * the loop's is partly written (a uv_write in flight); -EPIPE if the
 * socket refused it (the socket is shut down all the same).
 */
int sclink_server_write_last(sclink_server *s, const uint8_t *frame, size_t len);
/* Closes the link after pending output is written (after a Bye, say). */
void sclink_server_close_link(sclink_server *s);
int sclink_server_set_max_frame(sclink_server *s, uint32_t max_frame);
/* Bytes queued but not yet taken by the socket. */
size_t sclink_server_pending_output(const sclink_server *s);

/*
 * The output bound: while the peer leaves more than this many frames of
 * the agreed size unread, the server reads nothing from it (its writes
 * then block in its own kernel) and sclink_server_output_full() says so,
 * so that the owner executes nothing more that would answer.  Reading
 * resumes as the socket takes the output; a peer that leaves it over the
 * bound for stall_ms is cut off.  QEMU never gets near it: it has one
 * non-posted request outstanding at a time and reads the answer.
 */
#define SCLINK_SERVER_OUTPUT_FRAMES 4
/* More than the output bound is pending on an open link. */
int sclink_server_output_full(const sclink_server *s);
/*
 * hold != 0: the owner has queued all it will; read nothing more from the
 * peer (the messages of a read already done are still handed over).
 * hold == 0: read again.  A new link starts not held.
 */
void sclink_server_hold_input(sclink_server *s, int hold);

#ifdef __cplusplus
}
#endif

#endif /* SCLINK_SERVER_H */
