/*
 * The gateway's clock and windows (clock.h).
 */
#include "clock.h"

#include <algorithm>
#include <cmath>

namespace sclink {
namespace gw {

using sc_core::sc_time;

thread_local int ModelsRun::depth_ = 0;

namespace {

/*
 * How far past the REACHED a lookahead GRANT may reach when SystemC has
 * nothing scheduled sooner: 1 s, the longest quantum QEMU may propose.
 * Unbounded grants would let link time approach 2^64 ps, where the window
 * arithmetic has no room left, and would leave an idle guest with no
 * window end at which to notice a peer that went quiet.
 */
const uint64_t kMaxLookaheadPs = UINT64_C(1000000000000);

/*
 * How often the libuv loop is polled while one Request or REACHED runs
 * SystemC far ahead (advance_to): the longest a signal, a second peer or
 * SIGUSR1 waits for it.
 */
const double kPollS = 0.02;

/* advance_to's step sizing: see there. */
const double kSliceFastS = 0.001;
const double kSliceSlowS = 0.005;
const double kMaxSliceS = 0.001;   /* of SystemC time */

} // namespace

Clock::Clock(const GatewayConfig &cfg, Stats &stats) : cfg_(cfg), stats_(stats)
{
    res_ps_ = (uint64_t)std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e12);
}

void Clock::start_link()
{
    base_ = sc_core::sc_time_stamp();
    win_ = sclink_window();
}

/*
 * The link time of what happens now.  During an access the vCPU that made
 * it is stalled at its stamp, so what models raise meanwhile, even while
 * a target wait()s inside b_transport, happens at that stamp (rule F).
 */
uint64_t Clock::now_ps() const
{
    if (in_access_)
        return access_ps_;
    return (sc_core::sc_time_stamp() - base_).value() * res_ps_;
}

void Clock::begin_access(uint64_t t_ps)
{
    in_access_ = true;
    access_ps_ = t_ps;
}

/*
 * A target that wait()s inside b_transport takes SystemC time while QEMU's
 * vCPU stands still: the link's time base moves by it, so that the next
 * Request stamped t_ps executes where this one ended and SystemC is again
 * never ahead of QEMU in link time (doc/protocol.md, rule F).
 */
void Clock::end_access(const sc_time &consumed)
{
    in_access_ = false;
    base_ += consumed;
}

/*
 * Runs SystemC up to the link time t (never beyond what QEMU has sent),
 * including everything else that happens at t.  Returns false if it gave
 * up because the gateway is stopping.
 *
 * SystemC runs in steps, and the libuv loop is polled every kPollS of
 * real time between them: one Request may take SystemC through any number
 * of events (a 1 ns periodic timer and a Request 10 s ahead are 10^10 of
 * them), and signals, a second peer's ERR_BUSY and the statistics must
 * not wait for them.  A step reaches the next scheduled event, or
 * slice_ of SystemC time if that is further: slice_ doubles while a step
 * takes under kSliceFastS of real time and halves over kSliceSlowS, up to
 * kMaxSliceS, so dense events cost few steps (a wait per event made a
 * 100 ns timer run 2.5x slower) and a step stays short when they become
 * dense.  The pump does nothing else at those intermediate times, so what
 * the models see is unchanged.
 */
bool Clock::advance_to(uint64_t t_ps, Link &link, const std::atomic<bool> &stop)
{
    const sc_time target = base_ + sc_time::from_value(t_ps / res_ps_);
    sc_core::sc_simcontext *sim = sc_core::sc_get_curr_simcontext();

    if (target > sc_core::sc_time_stamp()) {
        /* Not a static: an sc_time made before sc_main would fix the
         * time resolution for the whole program. */
        const sc_time max_slice(kMaxSliceS, sc_core::SC_SEC);
        Stopwatch w(stats_.counters.sim_s);
        double poll_at = now_s() + kPollS;
        while (sc_core::sc_time_stamp() < target) {
            const double start = now_s();
            {
                ModelsRun models;
                sc_core::wait(std::min(target - sc_core::sc_time_stamp(),
                                       std::max(sc_core::sc_time_to_pending_activity(sim),
                                                slice_)));
            }
            const double end = now_s();
            if (end - start < kSliceFastS)
                slice_ = std::min(slice_ * 2, max_slice);
            else if (end - start > kSliceSlowS && slice_ > sc_core::sc_get_time_resolution())
                slice_ = slice_ / 2;
            if (end < poll_at)
                continue;
            link.poll();
            poll_at = now_s() + kPollS;
            if (stop.load())
                return false;
        }
    }
    settle();
    return true;
}

/*
 * The latest link time SystemC can reach: its time is 64 bits of its
 * resolution for the whole process, and every link of a --serve gateway
 * starts where the last one ended.
 */
uint64_t Clock::budget_ps() const
{
    const uint64_t units = (sc_core::sc_max_time() - base_).value();

    return units > UINT64_MAX / res_ps_ ? UINT64_MAX : units * res_ps_;
}

/*
 * The link time of the earliest event SystemC has scheduled, UINT64_MAX if
 * none.  With nothing from QEMU, no model acts before it: the lookahead a
 * GRANT may extend to (rule G).  Called after settle(), so nothing is left
 * at the current time.
 */
uint64_t Clock::next_activity_ps() const
{
    sc_time now = sc_core::sc_time_stamp();
    sc_time left = sc_core::sc_time_to_pending_activity(sc_core::sc_get_curr_simcontext());

    if (left >= sc_core::sc_max_time() - now)
        return UINT64_MAX;
    sc_time t = now + left - base_;
    if (t.value() > UINT64_MAX / res_ps_)
        return UINT64_MAX;
    return t.value() * res_ps_;
}

/*
 * Lets every process with work at the current time run (delta cycles)
 * before we answer: an interrupt a register write lowers, or a timer that
 * expires exactly at a window end, must leave before the Response or the
 * GRANT that follows it.  Bounded, in case a model loops in delta cycles.
 */
void Clock::settle()
{
    ModelsRun models;

    for (int i = 0; i < 10000 && sc_core::sc_pending_activity_at_current_time(); i++)
        sc_core::wait(sc_core::SC_ZERO_TIME);
}

/* ------------------------------------------------------------ window rules */

uint64_t Clock::agree_quantum(uint64_t proposed_ps)
{
    quantum_ps_ = cfg_.quantum.value() * res_ps_;
    /* A proposal between 1 ns and 1 s is taken; beyond that, window
     * arithmetic would overflow long before a run ends. */
    if (proposed_ps >= 1000 && proposed_ps <= UINT64_C(1000000000000) && !cfg_.quantum_fixed)
        quantum_ps_ = proposed_ps;
    return quantum_ps_;
}

void Clock::open_first_window(uint64_t caps)
{
    sclink_window_init(&win_, caps, quantum_ps_);
}

namespace {

/* "Request 5" or "Sync RESET": made only on failure, since a string per
 * Request was a tenth of the gateway's own work on it. */
std::string stamped(const char *what, const uint64_t *id)
{
    return id ? std::string(what) + " " + std::to_string(*id) : std::string(what);
}

} // namespace

bool Clock::request_time_ok(const char *what, const uint64_t *id, uint64_t t_ps,
                            std::string &err) const
{
    char why[200];

    if (sclink_window_stamp_check(&win_, t_ps, why, sizeof(why)) < 0 ||
        sclink_window_limit_check(&win_, t_ps, budget_ps(), cfg_.max_time_jump_ps, why,
                                  sizeof(why)) < 0) {
        err = stamped(what, id) + " " + why;
        return false;
    }
    return true;
}

/* Rule N with lookahead: what the request starts may be due before a
 * window granted up to the next event; QEMU shortens W the same way. */
void Clock::request(uint64_t t_ps)
{
    sclink_window_request(&win_, t_ps);
}

/* The budget: W was granted within it, and a window past it cannot be. */
bool Clock::reached(uint64_t t_ps, std::string &err)
{
    char why[200];

    if (sclink_window_reached_within(&win_, t_ps, budget_ps(), why, sizeof(why)) < 0) {
        err = why;
        return false;
    }
    return true;
}

/* Called once SystemC has reached t (advance_to): next_activity_ps is
 * what SystemC has scheduled after it; never past the budget (rule T). */
uint64_t Clock::grant(uint64_t t_ps)
{
    const uint64_t end =
        sclink_window_grant_end(&win_, t_ps, next_activity_ps(), kMaxLookaheadPs, budget_ps());

    sclink_window_grant(&win_, t_ps, end);
    return end;
}

} // namespace gw
} // namespace sclink
