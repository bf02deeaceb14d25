/*
 * A test plugin: model type "fail-model" fails on request, the ways a
 * model written elsewhere can, so that tests/gateway/failing-models.sh
 * sees what the gateway and QEMU's side make of each.  Registers, 32
 * bits:
 *
 *   0x00 FAIL   write: fail from inside this b_transport, as the value says
 *               1 SC_REPORT_ERROR        5 wait() for an event never notified
 *               2 SC_REPORT_FATAL        6 spin for ever, never returning
 *               3 assert(false)          7 throw std::runtime_error
 *               4 sc_stop()              8 its own SC_THREAD reports
 *                                          SC_ERROR, 1 ns later
 *   0x04 ALIVE  reads 0x600d: the model still answers
 *
 * It has no transport_dbg (a debug access moves no byte).
 */
#include <cassert>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "model.h"

namespace {

class FailModel : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<FailModel> socket;

    SC_HAS_PROCESS(FailModel);
    explicit FailModel(sc_core::sc_module_name name) : sc_module(name), socket("socket")
    {
        socket.register_b_transport(this, &FailModel::b_transport);
        SC_THREAD(thread);
    }

    tlm::tlm_target_socket<> &target() override { return socket; }

private:
    sc_core::sc_event never_;   /* nothing notifies it */
    sc_core::sc_event go_;

    void thread()
    {
        for (;;) {
            wait(go_);
            SC_REPORT_ERROR("sclink/fail-model", "error from the model's own thread");
        }
    }

    void fail(uint32_t how)
    {
        volatile bool forever = true;

        // What a test waits for before it acts on a model that will not
        // come back (failing-models.sh): a line, not a guess at the time.
        std::fprintf(stderr, "fail-model: failing in way %u\n", (unsigned)how);
        std::fflush(stderr);

        switch (how) {
        case 1: SC_REPORT_ERROR("sclink/fail-model", "error \"in\" b_transport\n[forged]"); break;
        case 2: SC_REPORT_FATAL("sclink/fail-model", "fatal in b_transport"); break;
        case 3: assert(how != 3); break;
        case 4: sc_core::sc_stop(); break;
        case 5: wait(never_); break;
        case 6: while (forever) {} break;
        case 7: throw std::runtime_error("not a report");
        case 8: go_.notify(1, sc_core::SC_NS); break;
        default: break;
        }
    }

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
    {
        const uint64_t addr = tx.get_address();
        uint32_t v = 0x600d;

        if (tx.get_data_length() != 4 || addr > 4 || addr % 4) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_write() && addr == 0) {
            std::memcpy(&v, tx.get_data_ptr(), 4);
            fail(v);
        } else if (tx.is_read()) {
            std::memcpy(tx.get_data_ptr(), &v, 4);
        }
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

bool make_fail_model(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out, std::string &err)
{
    if (!cfg.only_keys({}, err))
        return false;
    out.reset(new FailModel(cfg.name.c_str()));
    return true;
}

} // namespace

static int init_plugin(void)
{
    return sclink::register_model_type("fail-model", make_fail_model) ? 0 : -1;
}

SCLINK_PLUGIN(init_plugin);
