/*
 * An sclink model plugin: `sclink-gateway --plugin libsclink-counter.so`
 * makes the model type "counter" available to platform files.
 *
 * "counter": a free-running event counter.  Writing 0x0 adds 1 (any value),
 * reading 0x0 returns the count; when it reaches the `threshold` param the
 * interrupt output goes high until 0x4 (ACK) is written.  Params:
 * start (initial count, default 0), threshold (default 0: never).
 */
#include <cstring>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <sclink/model.h>

namespace {

class Counter : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<Counter> socket;
    sc_core::sc_out<bool> irq;

    /* The name arrives as a parameter: an sc_module_name must outlive the
     * construction of the members, which a temporary would not. */
    Counter(sc_core::sc_module_name name, uint64_t start, uint64_t threshold)
        : sc_module(name), socket("socket"), irq("irq"),
          start_((uint32_t)start), threshold_((uint32_t)threshold), count_((uint32_t)start)
    {
        socket.register_b_transport(this, &Counter::b_transport);
    }

    tlm::tlm_target_socket<> &target() override { return socket; }
    sc_core::sc_out<bool> *irq_out() override { return &irq; }
    void reset() override
    {
        count_ = start_;
        irq.write(false);
    }

private:
    uint32_t start_, threshold_, count_;

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
    {
        const uint64_t addr = tx.get_address();

        if (tx.get_data_length() != 4 || tx.get_streaming_width() != 4) {
            tx.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
            return;
        }
        if (tx.get_byte_enable_ptr()) {
            tx.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        if (addr == 0 && tx.is_read()) {
            std::memcpy(tx.get_data_ptr(), &count_, 4);
        } else if (addr == 0 && tx.is_write()) {
            if (++count_ == threshold_)
                irq.write(true);
        } else if (addr == 4 && tx.is_write()) {
            irq.write(false);
        } else {
            tx.set_response_status(addr > 4 ? tlm::TLM_ADDRESS_ERROR_RESPONSE
                                            : tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

bool make_counter(const sclink::ModelConfig &cfg, sclink::Model *&out, std::string &err)
{
    uint64_t start = 0, threshold = 0;

    if (!cfg.only_keys({"start", "threshold"}, err) || !cfg.get_u64("start", start, err) ||
        !cfg.get_u64("threshold", threshold, err))
        return false;
    if (cfg.size < 8) {
        err = cfg.name + ": size " + std::to_string(cfg.size) + " is below the 8 bytes of registers";
        return false;
    }
    out = new Counter(cfg.name.c_str(), start, threshold);
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("counter", make_counter) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
