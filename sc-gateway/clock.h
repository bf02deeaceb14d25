/*
 * The gateway's clock and windows (internal): link time against SystemC
 * time, running SystemC up to a time QEMU has sent, and the link's window
 * (doc/protocol.md section 8): an sclink_window, the same state QEMU
 * keeps, updated as messages are received, whose rules are libsclink's
 * protocol core (proto/rules.c).  The functions under "Window rules" call
 * the core with what only the gateway knows: SystemC's budget and next
 * event, the configured bounds.
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
    /* The latest time QEMU has sent (a Request's, a RESET's, a REACHED's). */
    uint64_t last_ps() const { return win_.last_ps; }
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

    /* ---- Window rules (doc/protocol.md 8, proto/rules.c) ---- */

    /* The Welcome's quantum: QEMU's proposal if acceptable. */
    uint64_t agree_quantum(uint64_t proposed_ps);
    uint64_t quantum_ps() const { return quantum_ps_; }
    uint64_t window_end_ps() const { return win_.end_ps; }
    /* After the Welcome: the agreed capabilities, W = Q. */
    void open_first_window(uint64_t caps);
    /* The stamp of what (with its id, if not null), a non-debug Request or
     * a RESET: rule C (not before the latest time, not past W with
     * CAP_SYNC) and rule T (reachable, max_time_jump_ps).  err names it
     * "what id". */
    bool request_time_ok(const char *what, const uint64_t *id, uint64_t t_ps,
                         std::string &err) const;
    /* Records that stamp once checked: the latest time, rule N's cut. */
    void request(uint64_t t_ps);
    /* Rules B and T: a REACHED only at W, with room for another window;
     * records it. */
    bool reached(uint64_t t_ps, std::string &err);
    /* Rule G: the window after REACHED t, with lookahead if agreed, once
     * SystemC stands at t; applies it. */
    uint64_t grant(uint64_t t_ps);

private:
    const GatewayConfig &cfg_;
    Stats &stats_;
    uint64_t res_ps_ = 1;
    sc_core::sc_time base_;        /* SystemC time at the link's time 0 */
    sc_core::sc_time slice_ = sc_core::sc_time(1, sc_core::SC_US); /* advance_to's step */
    uint64_t quantum_ps_ = 0;
    sclink_window win_ = {};       /* the link's window, as QEMU's */
    bool in_access_ = false;       /* now_ps() is access_ps_ */
    uint64_t access_ps_ = 0;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_CLOCK_H */
