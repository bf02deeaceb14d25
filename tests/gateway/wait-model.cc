/*
 * A test plugin: model type "waiter", an LT target that wait()s inside
 * b_transport, as Accellera's lt_synch_target does, for
 * tests/gateway/wait-in-b-transport.sh and tests/e2e/wait-icount.sh
 * (doc/protocol.md, rule F).  A RAM of the device's size, zeroed; every
 * access first waits `wait_ns` (param, default 1000) of SystemC time.
 */
#include <cstring>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "model.h"

namespace {

class Waiter : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<Waiter> socket;

    Waiter(sc_core::sc_module_name name, uint64_t size, uint64_t wait_ns)
        : sc_module(name), socket("socket"), wait_(static_cast<double>(wait_ns), sc_core::SC_NS),
          mem_(size)
    {
        socket.register_b_transport(this, &Waiter::b_transport);
    }

    tlm::tlm_target_socket<> &target() override { return socket; }

private:
    sc_core::sc_time wait_;
    std::vector<unsigned char> mem_;

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay)
    {
        /* The synchronizing style: catch up with the annotated delay, then
         * take the access's own time in wait(). */
        sc_core::wait(delay + wait_);
        delay = sc_core::SC_ZERO_TIME;
        const uint64_t addr = tx.get_address(), len = tx.get_data_length();
        if (addr >= mem_.size() || len > mem_.size() - addr || tx.get_byte_enable_ptr() ||
            tx.get_streaming_width() != len) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_read())
            std::memcpy(tx.get_data_ptr(), &mem_[addr], len);
        else
            std::memcpy(&mem_[addr], tx.get_data_ptr(), len);
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

bool make_waiter(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    uint64_t wait_ns = 1000;

    if (!cfg.only_keys({"wait_ns"}, err) || !cfg.get_u64("wait_ns", wait_ns, err))
        return false;
    if (cfg.size > (1u << 24)) {
        err = cfg.name + ": size over 16 MiB";
        return false;
    }
    out.reset(new Waiter(cfg.name.c_str(), cfg.size, wait_ns));
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("waiter", make_waiter) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
