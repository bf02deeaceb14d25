/*
 * An sclink model plugin: `sclink-gateway --plugin libsclink-counter.so`
 * makes the model type "counter" available to platform files.
 *
 * "counter": a free-running event counter.  Writing 0x0 adds 1 (any value),
 * reading 0x0 returns the count; when it reaches the `threshold` param the
 * interrupt output goes high until 0x4 (ACK) is written.  Params:
 * start (initial count, default 0), threshold (default 0: never).
 *
 * sclink::RegBlock (<sclink/regblock.h>) applies the bus rules of a
 * register block (4-byte accesses, the TLM error statuses, debug reads,
 * the interrupt line); the model says what its two registers do.
 */
#include <string>

#include <sclink/regblock.h>

namespace {

class Counter : public sclink::RegBlock {
public:
    /* The name arrives as a parameter: an sc_module_name must outlive the
     * construction of the members, which a temporary would not. */
    Counter(sc_core::sc_module_name name, const sclink::ModelConfig &cfg, uint32_t start,
            uint32_t threshold)
        : RegBlock(name, cfg, 8, true), start_(start), threshold_(threshold), count_(start)
    {
    }

    void reset() override
    {
        count_ = start_;
        high_ = false;
        update_irq();
    }

private:
    const uint32_t start_, threshold_;
    uint32_t count_;
    bool high_ = false;

    bool irq_level() const override { return high_; }

    tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val, const sc_core::sc_time &,
                                      bool) override
    {
        if (off != 0)
            return tlm::TLM_COMMAND_ERROR_RESPONSE; /* ACK is write-only */
        val = count_;
        return tlm::TLM_OK_RESPONSE;
    }

    tlm::tlm_response_status write_reg(uint64_t off, uint32_t, const sc_core::sc_time &) override
    {
        if (off == 0 && ++count_ == threshold_)
            high_ = true;
        else if (off == 4)
            high_ = false;
        update_irq();
        return tlm::TLM_OK_RESPONSE;
    }
};

bool make_counter(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    uint64_t start = 0, threshold = 0;

    if (!cfg.only_keys({"start", "threshold"}, err) ||
        !cfg.get_u64("start", start, 0, UINT32_MAX, err) ||
        !cfg.get_u64("threshold", threshold, 0, UINT32_MAX, err))
        return false;
    if (cfg.size < 8) {
        err = cfg.name + ": size " + std::to_string(cfg.size) + " is below the 8 bytes of registers";
        return false;
    }
    out.reset(new Counter(cfg.name.c_str(), cfg, (uint32_t)start, (uint32_t)threshold));
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("counter", make_counter) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
