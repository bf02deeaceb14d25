/*
 * The protocol's rules that are not I/O (doc/protocol.md): time arithmetic,
 * the Hello and Welcome checks and the frame limit, the window state
 * machine and what a DMA Request may carry.  Pure functions on
 * caller-owned state: no sockets, no allocation, so the device, the client
 * and the gateway call the same code and a test of it speaks for all
 * three.
 */
#include "codec-internal.h"

/* ------------------------------------------------------------------ time */

int sclink_time_add(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > UINT64_MAX - a)
        return SCLINK_ERANGE;
    *out = a + b;
    return 0;
}

int sclink_time_sub(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b > a)
        return SCLINK_ERANGE;
    *out = a - b;
    return 0;
}

int sclink_ns_to_ps(uint64_t ns, uint64_t *ps)
{
    if (ns > UINT64_MAX / 1000)
        return SCLINK_ERANGE;
    *ps = ns * 1000;
    return 0;
}

/* ------------------------------------------------------------- handshake */

/*
 * Sections 7.2 and 7.5: both ends speak major SCLINK_VERSION_MAJOR; the
 * text names both versions, the peer's as `peer` and ours as `self`.
 */
static int sclink__version_check(uint32_t major, uint32_t minor,
                                 const char *peer, const char *self,
                                 char *why, size_t whylen)
{
    if (major == SCLINK_VERSION_MAJOR)
        return 0;
    sclink__why(why, whylen,
                "protocol version mismatch: %s speaks %u.%u, %s speaks %u.%u",
                peer, major, minor, self, SCLINK_VERSION_MAJOR,
                SCLINK_VERSION_MINOR);
    return SCLINK_EVERSION;
}

/* Section 7.2, the gateway's checks on a Hello. */
int sclink_hello_check(const sclink_hello *h, char *why, size_t whylen)
{
    if (h->role != SCLINK__V1__ROLE__ROLE_QEMU) {
        sclink__why(why, whylen, "Hello from role %d, expected ROLE_QEMU",
                    (int)h->role);
        return SCLINK_ESTATE;
    }
    return sclink__version_check(h->version_major, h->version_minor, "peer",
                                 "this gateway", why, whylen);
}

/*
 * Section 7.4: the smaller proposal wins, kept inside the limits both ends
 * support.
 */
uint32_t sclink_agree_max_frame(uint32_t a, uint32_t b)
{
    uint32_t m;

    if (a == 0)
        a = SCLINK_DEFAULT_MAX_FRAME;
    if (b == 0)
        b = SCLINK_DEFAULT_MAX_FRAME;
    m = a < b ? a : b;
    if (m < SCLINK_MIN_MAX_FRAME)
        m = SCLINK_MIN_MAX_FRAME;
    if (m > SCLINK_LIMIT_MAX_FRAME)
        m = SCLINK_LIMIT_MAX_FRAME;
    return m;
}

/* Section 7.5, in the table's order. */
int sclink_welcome_check(const sclink_hello *h, const sclink_welcome *w,
                         Sclink__V1__ErrorCode *code, char *why, size_t whylen)
{
    uint64_t extra = w->capabilities & ~h->capabilities;
    uint32_t proposal = h->has_max_frame ? h->max_frame : 0;

    if (w->role != SCLINK__V1__ROLE__ROLE_GATEWAY) {
        sclink__why(why, whylen, "Welcome from role %d, expected ROLE_GATEWAY",
                    (int)w->role);
        *code = SCLINK__V1__ERROR_CODE__ERR_VERSION;
        return SCLINK_EVERSION;
    }
    if (sclink__version_check(w->version_major, w->version_minor, "gateway",
                              "this side", why, whylen)) {
        *code = SCLINK__V1__ERROR_CODE__ERR_VERSION;
        return SCLINK_EVERSION;
    }
    /* The agreed set is an intersection: it cannot hold what we lack. */
    if (extra != 0) {
        sclink__why(why, whylen,
                    "Welcome agrees more than the Hello offered: "
                    "capabilities %#llx of %#llx",
                    (unsigned long long)extra,
                    (unsigned long long)h->capabilities);
        *code = SCLINK__V1__ERROR_CODE__ERR_CONFIG;
        return SCLINK_ERANGE;
    }
    /* A Hello without max_frame (or with 0) proposed the default (7.4). */
    if (w->max_frame > sclink_agree_max_frame(proposal, SCLINK_LIMIT_MAX_FRAME)) {
        sclink__why(why, whylen,
                    "Welcome agrees more than the Hello offered: "
                    "max_frame %u, over the %u proposed",
                    w->max_frame,
                    sclink_agree_max_frame(proposal, SCLINK_LIMIT_MAX_FRAME));
        *code = SCLINK__V1__ERROR_CODE__ERR_CONFIG;
        return SCLINK_ERANGE;
    }
    /* The validator requires it present; the spec requires it binding. */
    if (w->quantum_ps == 0) {
        sclink__why(why, whylen, "Welcome agrees a quantum of 0 ps");
        *code = SCLINK__V1__ERROR_CODE__ERR_CONFIG;
        return SCLINK_ERANGE;
    }
    return 0;
}

/* ---------------------------------------------------------------- window */

void sclink_window_init(sclink_window *w, uint64_t caps, uint64_t quantum_ps)
{
    w->quantum_ps = quantum_ps;
    w->end_ps = quantum_ps; /* W = Q after Welcome (8.2) */
    w->last_ps = 0;
    w->granted_ps = 0;
    w->sync = (caps & SCLINK__V1__CAPABILITY__CAP_SYNC) != 0;
    w->lookahead = w->sync && (caps & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD);
    w->waiting = 0;
    w->granted = 0;
}

int sclink_window_step(const sclink_window *w, uint64_t target,
                       uint64_t *sync_at)
{
    if (!w->sync || target <= w->end_ps)
        return 0;
    /* Stop at W: never further, so no stamp passes it (rule A). */
    *sync_at = w->end_ps;
    return 1;
}

uint64_t sclink_window_stamp(const sclink_window *w, uint64_t t)
{
    /* Rule A: never past W (a late window timer, free-running). */
    if (w->sync && t > w->end_ps)
        t = w->end_ps;
    /* Rule C: never below the last stamp (a REACHED at W before T_Q). */
    return t < w->last_ps ? w->last_ps : t;
}

int sclink_window_stamp_check(const sclink_window *w, uint64_t t, char *why,
                              size_t whylen)
{
    if (t < w->last_ps) {
        sclink__why(why, whylen, "stamped %llu ps, before %llu ps",
                    (unsigned long long)t, (unsigned long long)w->last_ps);
        return SCLINK_ERANGE;
    }
    if (w->sync && t > w->end_ps) {
        sclink__why(why, whylen,
                    "stamped %llu ps, beyond the granted window end %llu ps",
                    (unsigned long long)t, (unsigned long long)w->end_ps);
        return SCLINK_ERANGE;
    }
    return 0;
}

int sclink_window_limit_check(const sclink_window *w, uint64_t t,
                              uint64_t limit_ps, uint64_t max_jump_ps,
                              char *why, size_t whylen)
{
    /* Rule T: never past the last link time the gateway can represent. */
    if (t > limit_ps) {
        sclink__why(why, whylen,
                    "stamped %llu ps, past the last time SystemC can reach "
                    "on this link (%llu ps)",
                    (unsigned long long)t, (unsigned long long)limit_ps);
        return SCLINK_ERANGE;
    }
    /* Free-running, no window bounds a step; the gateway may (rule T). */
    if (!w->sync && max_jump_ps && t > w->last_ps &&
        t - w->last_ps > max_jump_ps) {
        sclink__why(why, whylen,
                    "stamped %llu ps, more than max_time_jump (%llu ps) after "
                    "the link's latest time %llu ps",
                    (unsigned long long)t, (unsigned long long)max_jump_ps,
                    (unsigned long long)w->last_ps);
        return SCLINK_ERANGE;
    }
    return 0;
}

void sclink_window_request(sclink_window *w, uint64_t t)
{
    if (t > w->last_ps)
        w->last_ps = t;
    /* Rule N: what the Request sets off must reach QEMU within Q, however
     * far a lookahead GRANT reached. */
    if (w->lookahead) {
        uint64_t cut = sclink_time_add_sat(t, w->quantum_ps);

        if (cut < w->end_ps)
            w->end_ps = cut;
    }
}

/* Rule B's checks, without recording the REACHED. */
static int sclink__window_reached_check(const sclink_window *w, uint64_t t,
                                        char *why, size_t whylen)
{
    if (!w->sync) {
        sclink__why(why, whylen, "Sync REACHED without CAP_SYNC");
        return SCLINK_ESTATE;
    }
    if (w->waiting) {
        sclink__why(why, whylen,
                    "Sync REACHED %llu ps while REACHED %llu ps awaits its "
                    "GRANT",
                    (unsigned long long)t, (unsigned long long)w->end_ps);
        return SCLINK_ESTATE;
    }
    /* Rule B: only at W; a REACHED already granted lies below the new W. */
    if (t != w->end_ps) {
        sclink__why(why, whylen,
                    "Sync REACHED %llu ps, but the window ends at %llu ps",
                    (unsigned long long)t, (unsigned long long)w->end_ps);
        return SCLINK_ESTATE;
    }
    return 0;
}

int sclink_window_reached(sclink_window *w, uint64_t t, char *why,
                          size_t whylen)
{
    int err = sclink__window_reached_check(w, t, why, whylen);

    if (err)
        return err;
    w->waiting = 1;
    w->last_ps = t;
    return 0;
}

int sclink_window_reached_within(sclink_window *w, uint64_t t,
                                 uint64_t limit_ps, char *why, size_t whylen)
{
    int err = sclink__window_reached_check(w, t, why, whylen);

    if (err)
        return err;
    /* Rule T: W was granted within the limit; a window past it cannot be. */
    if (t >= limit_ps) {
        sclink__why(why, whylen,
                    "Sync REACHED %llu ps: SystemC time is spent, no window "
                    "can follow",
                    (unsigned long long)t);
        return SCLINK_ERANGE;
    }
    w->waiting = 1;
    w->last_ps = t;
    return 0;
}

int sclink_window_grant_check(const sclink_window *w, uint64_t time_ps,
                              uint64_t end_ps, char *why, size_t whylen)
{
    if (!w->waiting) {
        sclink__why(why, whylen, "Sync GRANT(%llu ps) without a REACHED",
                    (unsigned long long)time_ps);
        return SCLINK_ESTATE;
    }
    if (time_ps != w->end_ps) {
        sclink__why(why, whylen,
                    "Sync GRANT for %llu ps answers REACHED(%llu ps)",
                    (unsigned long long)time_ps,
                    (unsigned long long)w->end_ps);
        return SCLINK_ESTATE;
    }
    /* Rule G: W < W' <= W + Q, or beyond with CAP_LOOKAHEAD. */
    if (end_ps <= time_ps ||
        (!w->lookahead && end_ps - time_ps > w->quantum_ps)) {
        sclink__why(why, whylen,
                    "Sync GRANT(%llu ps) ends its window at %llu ps, outside "
                    "(%llu, %llu + Q=%llu]%s",
                    (unsigned long long)time_ps, (unsigned long long)end_ps,
                    (unsigned long long)time_ps, (unsigned long long)time_ps,
                    (unsigned long long)w->quantum_ps,
                    w->lookahead ? "" : " without CAP_LOOKAHEAD");
        return SCLINK_ESTATE;
    }
    return 0;
}

void sclink_window_grant(sclink_window *w, uint64_t time_ps, uint64_t end_ps)
{
    w->waiting = 0;
    w->granted = 1;
    w->granted_ps = time_ps;
    w->end_ps = end_ps;
}

uint64_t sclink_window_grant_end(const sclink_window *w, uint64_t t,
                                 uint64_t next_activity_ps,
                                 uint64_t max_lookahead_ps, uint64_t limit_ps)
{
    uint64_t end = sclink_time_add_sat(t, w->quantum_ps);

    /* Rule G: with lookahead up to SystemC's next event, capped. */
    if (w->lookahead) {
        uint64_t cap = sclink_time_add_sat(t, max_lookahead_ps);
        uint64_t e = next_activity_ps < cap ? next_activity_ps : cap;

        if (e > end)
            end = e;
    }
    /* Rule T: never a window past the last time the gateway can reach. */
    return end < limit_ps ? end : limit_ps;
}

int sclink_window_event_check(const sclink_window *w, uint64_t t,
                              uint64_t now_ps, char *why, size_t whylen)
{
    if (!w->sync)
        return 0; /* no time contract without CAP_SYNC (8.6) */
    /*
     * Rule I: strictly before the GRANT's time is late; one stamped exactly
     * at it may come from a Request stamped then, after the GRANT.
     */
    if (w->granted && t < w->granted_ps) {
        sclink__why(why, whylen,
                    "stamped %llu ps, after the GRANT for %llu ps was sent",
                    (unsigned long long)t, (unsigned long long)w->granted_ps);
        return SCLINK_ERANGE;
    }
    /* Rule E: SystemC never runs ahead of QEMU. */
    if (t > now_ps) {
        sclink__why(why, whylen,
                    "stamped %llu ps, ahead of QEMU's time %llu ps",
                    (unsigned long long)t, (unsigned long long)now_ps);
        return SCLINK_ERANGE;
    }
    return 0;
}

/* ------------------------------------------------------------------- DMA */

int sclink_dma_check(const sclink_request *r, uint64_t caps, unsigned serves,
                     Sclink__V1__Status *status, Sclink__V1__ErrorCode *code,
                     char *why, size_t whylen)
{
    int debug = r->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ ||
                r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;

    *status = SCLINK__V1__STATUS__STATUS_OK;
    if (!(caps & SCLINK__V1__CAPABILITY__CAP_DMA)) {
        sclink__why(why, whylen,
                    "DMA Request %llu but CAP_DMA is not agreed",
                    (unsigned long long)r->id);
        *code = SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED;
        return SCLINK_ESTATE;
    }
    /* 5.2: a DMA address is a bus address, never a BAR offset. */
    if (r->has_bar) {
        sclink__why(why, whylen, "DMA Request %llu carries bar %u",
                    (unsigned long long)r->id, r->bar);
        *code = SCLINK__V1__ERROR_CODE__ERR_MALFORMED;
        return SCLINK_ERANGE;
    }
    /* 5.2: the gateway must not post DMA, QEMU would never answer it. */
    if (r->attributes && r->attributes->has_posted && r->attributes->posted) {
        sclink__why(why, whylen, "DMA Request %llu is posted",
                    (unsigned long long)r->id);
        *code = SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED;
        return SCLINK_ESTATE;
    }
    /* 5.4: debug commands need CAP_DEBUG, and this side must serve them. */
    if (debug && (!(caps & SCLINK__V1__CAPABILITY__CAP_DEBUG) ||
                  !(serves & SCLINK_DMA_SERVES_DEBUG))) {
        sclink__why(why, whylen,
                    "DMA Request %llu: debug commands are not agreed",
                    (unsigned long long)r->id);
        *code = SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED;
        return SCLINK_ESTATE;
    }
    /* 5.6: what the target does not implement is a status, not an end. */
    if (r->has_byte_enable && !(serves & SCLINK_DMA_SERVES_BYTE_ENABLE))
        *status = SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR;
    else if (r->has_streaming_width && r->streaming_width < r->length &&
             !(serves & SCLINK_DMA_SERVES_STREAMING))
        *status = SCLINK__V1__STATUS__STATUS_BURST_ERROR;
    return 0;
}

/* ------------------------------------------------------------- responses */

int sclink_response_match(bool outstanding, uint64_t id,
                          const sclink_response *resp, char *why,
                          size_t whylen)
{
    if (!outstanding) {
        sclink__why(why, whylen,
                    "Response %llu but no Request is outstanding",
                    (unsigned long long)resp->id);
        return SCLINK_ESTATE;
    }
    /* Requests are answered in order (rule F3): only the oldest may be. */
    if (resp->id != id) {
        sclink__why(why, whylen,
                    "Response %llu, but Request %llu is the one outstanding",
                    (unsigned long long)resp->id, (unsigned long long)id);
        return SCLINK_ESTATE;
    }
    return 0;
}
