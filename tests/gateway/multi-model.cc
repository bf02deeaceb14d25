/*
 * A test plugin: model type "multi" has what the model API allows beyond
 * one socket and one line (model.h): two target sockets, two interrupt
 * outputs and an MSI port, for tests/gateway/multi-model.sh.
 *
 * Target 0, registers (32 bits, little-endian):
 *   0x0 LINES  write: bit k drives interrupt output k; read: the levels
 *   0x4 MSI    write: raise vector VALUE through the MSI port
 * Target 1: 16 bytes of memory.
 */
#include <cstring>
#include <string>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "bus.h"
#include "model.h"

namespace {

class Multi : public sc_core::sc_module, public sclink::Model {
public:
    tlm_utils::simple_target_socket<Multi> regs, mem;
    sc_core::sc_out<bool> out0, out1;
    sclink::MsiPort msi;

    explicit Multi(sc_core::sc_module_name name)
        : sc_module(name), regs("regs"), mem("mem"), out0("out0"), out1("out1"), msi("msi")
    {
        regs.register_b_transport(this, &Multi::regs_transport);
        mem.register_b_transport(this, &Multi::mem_transport);
        SC_METHOD(drive);
        sensitive << changed_;
    }
    SC_HAS_PROCESS(Multi);

    tlm::tlm_target_socket<> &target() override { return regs; }
    std::vector<tlm::tlm_target_socket<> *> targets() override { return {&regs, &mem}; }
    std::vector<sc_core::sc_out<bool> *> irq_outs() override { return {&out0, &out1}; }
    sclink::MsiPort *msi_port() override { return &msi; }
    void reset() override
    {
        lines_ = 0;
        std::memset(bytes_, 0, sizeof(bytes_));
        changed_.notify(sc_core::SC_ZERO_TIME);
    }

private:
    uint32_t lines_ = 0;
    unsigned char bytes_[16] = {};
    sc_core::sc_event changed_;

    void drive()
    {
        out0.write(lines_ & 1);
        out1.write(lines_ & 2);
    }

    void regs_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
    {
        tlm::tlm_response_status st = sclink::check_access(tx, 8, 4, false);
        uint64_t off = tx.get_address();
        uint32_t v = 0;

        if (st == tlm::TLM_OK_RESPONSE && tx.is_read()) {
            v = off == 0 ? lines_ : 0;
            std::memcpy(tx.get_data_ptr(), &v, 4);
        } else if (st == tlm::TLM_OK_RESPONSE) {
            std::memcpy(&v, tx.get_data_ptr(), 4);
            if (off == 0) {
                lines_ = v & 3;
                changed_.notify(sc_core::SC_ZERO_TIME);
            } else if (msi.size()) {
                msi->trigger_msi(v);
            }
        }
        tx.set_response_status(st);
    }

    void mem_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &)
    {
        sclink::mem_access(tx, bytes_, sizeof(bytes_), true);
    }
};

bool make_multi(const sclink::ModelConfig &cfg, std::unique_ptr<sclink::Model> &out,
                std::string &err)
{
    if (!cfg.only_keys({}, err))
        return false;
    out.reset(new Multi(cfg.name.c_str()));
    return true;
}

int init()
{
    return sclink::register_model_type("multi", make_multi) ? 0 : -1;
}

} // namespace

SCLINK_PLUGIN(init);
