// The access rules shared by register-block models (see regblock.h).
#include "regblock.h"

using namespace sc_core;
using tlm::tlm_generic_payload;
using tlm::tlm_response_status;

namespace sclink {

RegBlock::RegBlock(sc_module_name name, const ModelConfig &cfg, uint64_t span,
                   bool has_irq)
    : sc_module(name), cfg_(cfg),
      socket_("socket"), irq_("irq"), irq_unconnected_("irq_unconnected"),
      span_(span), irq_exposed_(has_irq && cfg.irq >= 0)
{
    socket_.register_b_transport(this, &RegBlock::b_transport);
    socket_.register_transport_dbg(this, &RegBlock::transport_dbg);
    socket_.register_get_direct_mem_ptr(this, &RegBlock::get_dmi);
    if (!irq_exposed_)
        irq_.bind(irq_unconnected_);

    // Also runs once at start of simulation: drives the power-on level.
    SC_METHOD(drive_irq);
    sensitive << irq_ev_;
}

sc_out<bool> *RegBlock::irq_out()
{
    return irq_exposed_ ? &irq_ : nullptr;
}

void RegBlock::drive_irq()
{
    bool level = irq_level();
    if (level && !irq_high_) {
        if (raises_.size() < MAX_RAISES)
            raises_.push_back(sc_time_stamp());
        raise_count_++;
    }
    irq_high_ = level;
    irq_.write(level);
}

bool RegBlock::in_window(const tlm_generic_payload &tx) const
{
    uint64_t a = tx.get_address();
    return window_size() != 0 && a >= window_base() &&
           a - window_base() < window_size();
}

void RegBlock::b_transport(tlm_generic_payload &tx, sc_time &delay)
{
    if (in_window(tx)) {
        // The window checks its own bounds; the address is restored so the
        // initiator (router) sees its transaction as it sent it.
        uint64_t a = tx.get_address();
        tx.set_address(a - window_base());
        window_access(tx);
        tx.set_address(a);
        return;
    }
    tx.set_response_status(reg_access(tx, sc_time_stamp() + delay));
}

// Checks the access against the rules in regblock.h, then performs it as
// one or two 32-bit register accesses.
tlm_response_status RegBlock::reg_access(tlm_generic_payload &tx,
                                         const sc_time &now)
{
    uint64_t off = tx.get_address();
    unsigned len = tx.get_data_length();
    unsigned char *data = tx.get_data_ptr();

    // 4 bytes, or 8 at the lo offset of a 64-bit register.
    tlm_response_status st =
        check_access(tx, span_, len == 8 && off % 8 == 0 && is_reg64(off) ? 8 : 4, false);
    if (st != tlm::TLM_OK_RESPONSE)
        return st;

    for (unsigned i = 0; i < len; i += 4) {
        tlm_response_status st;
        if (tx.is_read()) {
            uint32_t v = 0;
            st = read_reg(off + i, v, now, false);
            store_le(data + i, v, 4);
        } else {
            st = write_reg(off + i, (uint32_t)load_le(data + i, 4), now);
        }
        if (st != tlm::TLM_OK_RESPONSE)
            return st;
    }
    return tlm::TLM_OK_RESPONSE;
}

// Debug reads return register values without side effects, byte by byte
// so any range works (holes read as zero).  Debug writes to registers are
// refused (0 bytes): a register write has effects a debugger should not
// trigger by accident.  The window handles its own debug accesses.
unsigned RegBlock::transport_dbg(tlm_generic_payload &tx)
{
    if (in_window(tx)) {
        uint64_t a = tx.get_address();
        tx.set_address(a - window_base());
        unsigned n = window_debug(tx);
        tx.set_address(a);
        return n;
    }
    uint64_t off = tx.get_address();
    if (!tx.is_read() || off >= span_)
        return 0;
    uint64_t n = tx.get_data_length();
    if (n > span_ - off)
        n = span_ - off;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t a = off + i;
        uint32_t v = 0;
        if (read_reg(a & ~3ull, v, sc_time_stamp(), true) != tlm::TLM_OK_RESPONSE)
            v = 0;
        tx.get_data_ptr()[i] = (unsigned char)(v >> (8 * (a & 3)));
    }
    return (unsigned)n;
}

// Registers have side effects: no DMI anywhere in the model.  The refusal
// covers the whole model so an interconnect can cache it.
bool RegBlock::get_dmi(tlm_generic_payload &tx, tlm::tlm_dmi &dmi)
{
    uint64_t end = cfg_.size > span_ ? cfg_.size : span_;
    dmi.set_start_address(0);
    dmi.set_end_address(end - 1);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
}

} // namespace sclink
