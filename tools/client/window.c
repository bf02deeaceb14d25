/*
 * The conservative time window, as the QEMU side keeps it.  Pure logic on
 * struct client_window, so the rule can be tested without sockets.
 *
 * The gateway grants a window [time_ps, window_end_ps]: SystemC has run to
 * time_ps and the client may stamp Requests up to window_end_ps.  To go
 * further the client reports Sync REACHED(window_end_ps) and waits for the
 * next GRANT.  Before the first GRANT, both sides start at 0 and the client
 * may run one quantum (SystemC never runs ahead of QEMU, QEMU never runs more
 * than a quantum ahead of SystemC).
 */
#include <stdio.h>

#include "client.h"

void client_window_init(struct client_window *w, int enabled, int lookahead,
                        uint64_t quantum_ps)
{
    w->enabled = enabled;
    w->lookahead = enabled && lookahead;
    w->quantum_ps = quantum_ps;
    w->now_ps = 0;
    w->end_ps = quantum_ps;
    w->granted = 0;
    w->granted_ps = 0;
    w->waiting = 0;
    w->reached_ps = 0;
}

int client_window_step(const struct client_window *w, uint64_t target,
                       uint64_t *sync_at)
{
    if (!w->enabled || target <= w->end_ps)
        return 0;
    /* Stop at the window end: never further, so no stamp passes it. */
    *sync_at = w->end_ps;
    return 1;
}

void client_window_request(struct client_window *w, uint64_t t)
{
    uint64_t cut = t > UINT64_MAX - w->quantum_ps ? UINT64_MAX
                                                  : t + w->quantum_ps;

    if (w->lookahead && cut < w->end_ps)
        w->end_ps = cut;
}

void client_window_reached(struct client_window *w, uint64_t t)
{
    w->now_ps = t;
    w->waiting = 1;
    w->reached_ps = t;
}

int client_window_grant(struct client_window *w, uint64_t time_ps,
                        uint64_t window_end_ps, char *why, size_t whylen)
{
    if (!w->waiting) {
        snprintf(why, whylen, "Sync GRANT(%llu ps) without a REACHED",
                 (unsigned long long)time_ps);
        return SCLINK_ESTATE;
    }
    if (time_ps != w->reached_ps) {
        snprintf(why, whylen,
                 "Sync GRANT for %llu ps answers REACHED(%llu ps)",
                 (unsigned long long)time_ps,
                 (unsigned long long)w->reached_ps);
        return SCLINK_ERANGE;
    }
    /* The codec already checked window_end_ps > time_ps. */
    w->waiting = 0;
    w->granted = 1;
    w->granted_ps = time_ps;
    w->end_ps = window_end_ps;
    return 0;
}

int client_window_check_event(const struct client_window *w, uint64_t t,
                              char *why, size_t whylen)
{
    if (!w->enabled)
        return 0; /* no time contract without CAP_SYNC */
    /*
     * Strictly before the GRANT's time: an event stamped exactly at it may
     * come from a Request the client stamped at that time after the GRANT.
     */
    if (w->granted && t < w->granted_ps) {
        snprintf(why, whylen,
                 "stamped %llu ps, after the GRANT for %llu ps was sent",
                 (unsigned long long)t, (unsigned long long)w->granted_ps);
        return SCLINK_ERANGE;
    }
    if (t > w->now_ps) {
        snprintf(why, whylen,
                 "stamped %llu ps, ahead of the client's time %llu ps",
                 (unsigned long long)t, (unsigned long long)w->now_ps);
        return SCLINK_ERANGE;
    }
    return 0;
}
