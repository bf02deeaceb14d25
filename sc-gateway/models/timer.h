/*
 * "timer": a one-shot or periodic countdown in SystemC time, with a
 * level-triggered interrupt and registers that let the guest read the
 * SystemC clock.  Built on sc_event notifications: when the timer is not
 * armed it puts no event in the SystemC queue.  See doc/models.md.
 */
#ifndef SCLINK_MODELS_TIMER_H
#define SCLINK_MODELS_TIMER_H

#include "regblock.h"
#include "util.h"

namespace sclink {
namespace models {

class Timer : public RegBlock {
public:
    enum : uint64_t {
        PERIOD_LO = 0x00, /* RW: period in ns, 64-bit with PERIOD_HI */
        PERIOD_HI = 0x04,
        CTRL = 0x08,      /* RW: see CTRL_* */
        STATUS = 0x0c,    /* RW1C: STATUS_EXPIRED */
        COUNT_LO = 0x10,  /* RO: ns until the next expiry, 0 if disarmed */
        COUNT_HI = 0x14,
        TIME_LO = 0x18,   /* RO: SystemC time in ns */
        TIME_HI = 0x1c,
        EXPIRIES = 0x20,  /* RO: expiries since reset (wraps) */
        SPAN = 0x24,
    };
    enum : uint32_t {
        CTRL_ENABLE = 1u << 0,
        CTRL_PERIODIC = 1u << 1,
        CTRL_IRQ_EN = 1u << 2,
        CTRL_MASK = CTRL_ENABLE | CTRL_PERIODIC | CTRL_IRQ_EN,
        STATUS_EXPIRED = 1u << 0,
    };

    /* min_period_ns: the shortest period a periodic timer reloads with. */
    Timer(sc_core::sc_module_name name, const ModelConfig &cfg, uint64_t min_period_ns);
    void reset() override;

private:
    SC_HAS_PROCESS(Timer);
    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val,
                                      const sc_core::sc_time &now,
                                      bool debug) override;
    tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                       const sc_core::sc_time &now) override;
    bool is_reg64(uint64_t off) const override;
    bool irq_level() const override;
    bool arm(const sc_core::sc_time &from);
    void expire();

    const uint64_t min_period_ns_;
    uint64_t period_ = 0;
    uint32_t ctrl_ = 0;
    uint32_t status_ = 0;
    uint32_t expiries_ = 0;
    sc_core::sc_time deadline_; /* valid while CTRL_ENABLE */
    sc_core::sc_event expire_ev_;
};

bool make_timer(const ModelConfig &cfg, std::unique_ptr<Model> &out, std::string &err);

} // namespace models
} // namespace sclink

#endif /* SCLINK_MODELS_TIMER_H */
