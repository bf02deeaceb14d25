/*
 * A test plugin: model type "waiter", an LT target that wait()s inside
 * b_transport, as Accellera's lt_synch_target does, for
 * tests/gateway/wait-in-b-transport.sh (doc/protocol.md, rule F).  One
 * 32-bit scratch register at offset 0; every access first waits
 * `wait_ns` (param, default 1000) of SystemC time.
 */
#include <cstring>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "model.h"

namespace {

class Waiter : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<Waiter> socket;

    Waiter(sc_core::sc_module_name name, uint64_t wait_ns)
        : sc_module(name), socket("socket"), wait_(static_cast<double>(wait_ns), sc_core::SC_NS)
    {
        socket.register_b_transport(this, &Waiter::b_transport);
    }

    tlm::tlm_target_socket<> &target() override { return socket; }

private:
    sc_core::sc_time wait_;
    uint32_t reg_ = 0;

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay)
    {
        /* The synchronizing style: catch up with the annotated delay, then
         * take the access's own time in wait(). */
        sc_core::wait(delay + wait_);
        delay = sc_core::SC_ZERO_TIME;
        if (tx.get_address() != 0 || tx.get_data_length() != 4 || tx.get_byte_enable_ptr()) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_read())
            std::memcpy(tx.get_data_ptr(), &reg_, 4);
        else
            std::memcpy(&reg_, tx.get_data_ptr(), 4);
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

sclink::Model *make_waiter(const sclink::ModelConfig &cfg, std::string &err)
{
    uint64_t wait_ns = 1000;

    if (!cfg.only_keys({"wait_ns"}, err) || !cfg.get_u64("wait_ns", wait_ns, err))
        return nullptr;
    return new Waiter(cfg.name.c_str(), wait_ns);
}

} // namespace

extern "C" int sclink_plugin_init(void)
{
    return sclink::register_model_type("waiter", make_waiter) ? 0 : -1;
}
