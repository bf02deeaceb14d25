/*
 * The gateway's clock and windows (internal): link time against SystemC
 * time, running SystemC up to a time QEMU has sent, and the window rules
 * of doc/protocol.md section 8 as the gateway applies them.  The rules
 * are the functions under "Window rules", apart from the running of
 * SystemC, so that they can be replaced by libsclink's protocol core.
 */
#ifndef SCLINK_GW_CLOCK_H
#define SCLINK_GW_CLOCK_H

#include <atomic>
#include <cstdint>
#include <string>

#include <systemc>

#include "gateway.h"
#include "link.h"
#include "stats.h"

namespace sclink {
namespace gw {

/* a + b, UINT64_MAX if it does not fit. */
inline uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

class Clock {
public:
    Clock(const GatewayConfig &cfg, Stats &stats);

    /* Times on the wire are picoseconds; SystemC counts in its resolution
     * (0: finer than a picosecond, which the protocol cannot carry). */
    uint64_t res_ps() const { return res_ps_; }

    /* A link starts: its time 0 is SystemC's now. */
    void start_link();
    /* The link time of what happens now (during an access: its stamp). */
    uint64_t now_ps() const;
    uint64_t last_ps() const { return last_ps_; }
    /* An access stamped t_ps runs: what models raise meanwhile is at t_ps. */
    void begin_access(uint64_t t_ps);
    /* It ended; SystemC time it took (rule F) moves the link's time base. */
    void end_access(const sc_core::sc_time &consumed);

    /*
     * Runs SystemC to link time t_ps and settles; false if it gave up
     * because `stop` was set (polled on `link` every kPollS of real time).
     */
    bool advance_to(uint64_t t_ps, Link &link, const std::atomic<bool> &stop);
    /* Lets every process with work at the current time run. */
    void settle();
    /* The latest link time SystemC can reach. */
    uint64_t budget_ps() const;
    /* The link time of the earliest event SystemC has scheduled. */
    uint64_t next_activity_ps() const;

    /* ---- Window rules (doc/protocol.md 8) ---- */

    /* The Welcome's quantum: QEMU's proposal if acceptable. */
    uint64_t agree_quantum(uint64_t proposed_ps);
    uint64_t quantum_ps() const { return quantum_ps_; }
    uint64_t window_end_ps() const { return window_end_ps_; }
    /* The first window, [0, Q], within the budget. */
    void open_first_window();
    /* The stamp of what (with its id, if not null): not before the link's
     * latest time, not past the window end with CAP_SYNC, reachable
     * (time_reachable).  err names it "what id". */
    bool request_time_ok(const char *what, const uint64_t *id, uint64_t t_ps, bool sync,
                         std::string &err) const;
    /* Rule N: after a Request at t, the window ends by t + Q. */
    void cut_window(uint64_t t_ps);
    /* Rule B: a REACHED only at the window end, with room for another. */
    bool reached_ok(uint64_t t_ps, std::string &err) const;
    /* Rule G: the window after REACHED t, with or without lookahead. */
    uint64_t grant(uint64_t t_ps, bool lookahead);
    /* Not past what SystemC can represent; free-running, not more than
     * max_time_jump_ps past the latest time. */
    bool time_reachable(const char *what, const uint64_t *id, uint64_t t_ps, bool sync,
                        std::string &err) const;

private:
    const GatewayConfig &cfg_;
    Stats &stats_;
    uint64_t res_ps_ = 1;
    sc_core::sc_time base_;        /* SystemC time at the link's time 0 */
    uint64_t last_ps_ = 0;         /* latest time QEMU has sent */
    sc_core::sc_time slice_ = sc_core::sc_time(1, sc_core::SC_US); /* advance_to's step */
    uint64_t quantum_ps_ = 0;
    uint64_t window_end_ps_ = 0;
    bool in_access_ = false;       /* now_ps() is access_ps_ */
    uint64_t access_ps_ = 0;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_CLOCK_H */
