// "timer": one-shot and periodic countdown (see timer.h, doc/models.md).
#include "timer.h"

#include <algorithm>

using namespace sc_core;
using tlm::tlm_response_status;

namespace sclink {
namespace models {

Timer::Timer(sc_module_name name, const ModelConfig &cfg, uint64_t min_period_ns)
    : RegBlock(name, cfg, SPAN, true), min_period_ns_(min_period_ns)
{
    SC_METHOD(expire);
    sensitive << expire_ev_;
    dont_initialize();
}

void Timer::reset()
{
    expire_ev_.cancel();
    period_ = 0;
    ctrl_ = 0;
    status_ = 0;
    expiries_ = 0;
    update_irq();
}

// Schedules the next expiry one period after `from`.  A zero period, or one
// that SystemC time cannot represent, arms nothing: false.  A periodic timer
// runs at min_period_ns_ at the fastest: the guest writes PERIOD, and a
// 1 ns period would make every Request that moves time 10^9 expiries a
// second of SystemC time (doc/gateway.md, "Time limits").
bool Timer::arm(const sc_time &from)
{
    const uint64_t ns = period_ && (ctrl_ & CTRL_PERIODIC) ? std::max(period_, min_period_ns_)
                                                           : period_;
    sc_time period;
    if (ns == 0 || !from_ns(ns, period) ||
        sc_time::from_value(~0ull) - from < period)
        return false;
    deadline_ = from + period;
    expire_ev_.notify(deadline_ - sc_time_stamp());
    return true;
}

// Runs at the deadline.  A periodic timer re-arms from the deadline, not
// from now, so its expiries never drift; it picks up a PERIOD written
// since.  A timer that stops by itself clears CTRL_ENABLE.
void Timer::expire()
{
    status_ |= STATUS_EXPIRED;
    expiries_++;
    if (!(ctrl_ & CTRL_PERIODIC) || !arm(deadline_))
        ctrl_ &= ~CTRL_ENABLE;
    update_irq();
}

bool Timer::irq_level() const
{
    return (status_ & STATUS_EXPIRED) && (ctrl_ & CTRL_IRQ_EN);
}

bool Timer::is_reg64(uint64_t off) const
{
    return off == PERIOD_LO || off == COUNT_LO || off == TIME_LO;
}

tlm_response_status Timer::read_reg(uint64_t off, uint32_t &val,
                                    const sc_time &now, bool debug)
{
    uint64_t count = 0;
    if ((ctrl_ & CTRL_ENABLE) && deadline_ > now)
        count = to_ns(deadline_ - now);

    switch (off) {
    case PERIOD_LO: case PERIOD_HI: val = half(period_, off); break;
    case CTRL: val = ctrl_; break;
    case STATUS: val = status_; break;
    case COUNT_LO: case COUNT_HI: val = half(count, off); break;
    case TIME_LO: case TIME_HI: val = half(to_ns(now), off); break;
    case EXPIRIES: val = expiries_; break;
    default: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
}

// `now` includes the initiator's annotated delay: a countdown started by
// a write starts at the time the write happens in the initiator's view.
tlm_response_status Timer::write_reg(uint64_t off, uint32_t val, const sc_time &now)
{
    switch (off) {
    case PERIOD_LO:
    case PERIOD_HI:
        set_half(period_, off, val);
        break;
    case CTRL: {
        uint32_t old = ctrl_;
        ctrl_ = val & CTRL_MASK;
        // Only an ENABLE edge starts or stops the countdown: changing the
        // mode or IRQ_EN of a running timer does not restart it.
        if ((ctrl_ & CTRL_ENABLE) && !(old & CTRL_ENABLE) && !arm(now))
            ctrl_ &= ~CTRL_ENABLE;
        if (!(ctrl_ & CTRL_ENABLE))
            expire_ev_.cancel();
        update_irq();
        break;
    }
    case STATUS:
        status_ &= ~val;
        update_irq();
        break;
    case COUNT_LO:
    case COUNT_HI:
    case TIME_LO:
    case TIME_HI:
    case EXPIRIES:
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    default:
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    return tlm::TLM_OK_RESPONSE;
}

bool make_timer(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err)
{
    uint64_t min_period_ns = 100;

    sc_time min_period;

    if (!cfg.only_keys({"min_period", "min_period_ns"}, err) ||
        !check_size(cfg, Timer::SPAN, err) ||
        !get_u64_in(cfg, "min_period_ns", min_period_ns, 1, 1000000000, err))
        return false;
    // min_period: "100 ns", the typed form of min_period_ns; not both.
    if (cfg.params.count("min_period")) {
        if (cfg.params.count("min_period_ns")) {
            err = cfg.name + ": params 'min_period' and 'min_period_ns' both "
                             "given; one is enough";
            return false;
        }
        if (!cfg.get_time("min_period", min_period, err))
            return false;
        if (min_period < sc_time(1, SC_NS) || min_period > sc_time(1, SC_SEC)) {
            err = cfg.name + ": param 'min_period': '" + cfg.params.at("min_period") +
                  "' is out of range [1 ns, 1 s]";
            return false;
        }
        min_period_ns = to_ns(min_period);
    }
    out.reset(new Timer(cfg.name.c_str(), cfg, min_period_ns));
    return true;
}

} // namespace models
} // namespace sclink
