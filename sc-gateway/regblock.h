/*
 * RegBlock: the base of a register-block model, part of the installed
 * model toolkit (<sclink/regblock.h>, doc/gateway.md "The model toolkit"):
 * the built-in uart, timer, dma and id are RegBlocks, and so can a
 * plugin's model be.  It owns the TLM target socket and the interrupt output and
 * applies the access rules every register block shares, so that each model
 * only says what its registers do:
 *
 *   - TLM_IGNORE_COMMAND                       -> TLM_COMMAND_ERROR_RESPONSE
 *   - byte enables                             -> TLM_BYTE_ENABLE_ERROR_RESPONSE
 *   - streaming width != data length           -> TLM_BURST_ERROR_RESPONSE
 *   - not 4 bytes at a 4-aligned offset (or 8 at an 8-aligned offset of a
 *     64-bit register), or beyond the map      -> TLM_ADDRESS_ERROR_RESPONSE
 *   - then the model's read_reg/write_reg answer: OK, ADDRESS_ERROR for an
 *     offset with no register, COMMAND_ERROR for a write to a read-only one.
 *
 * A 64-bit register is a lo/hi pair of 32-bit registers; an 8-byte access
 * is carried out as the two 32-bit accesses, lo first.  Registers are
 * little-endian (the guest is x86).
 *
 * A model may also decode a "window" (the DMA buffer) that is not made of
 * registers; accesses inside it go to window_access() unchecked.
 */
#ifndef SCLINK_REGBLOCK_H
#define SCLINK_REGBLOCK_H

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "bus.h"
#include "model.h"

namespace sclink {

class RegBlock : public sc_core::sc_module, public Model {
public:
    tlm::tlm_target_socket<> &target() override { return socket_; }
    /* nullptr unless the model has an interrupt and cfg.irq >= 0. */
    sc_core::sc_out<bool> *irq_out() override;

    /*
     * For tests and tracing: the SystemC times at which the interrupt
     * output went high (the first MAX_RAISES of them; reset() keeps the
     * log), and how many times in all.
     */
    static constexpr size_t MAX_RAISES = 4096;
    const std::vector<sc_core::sc_time> &irq_raised_at() const { return raises_; }
    uint64_t irq_raise_count() const { return raise_count_; }

protected:
    /*
     * name: the most derived constructor's sc_module_name parameter, passed
 * on (that parameter keeps the module hierarchy open until every member
 * is built); span: bytes of registers from offset 0; has_irq: whether the model
     * drives an interrupt.  An interrupt that the platform leaves
     * unconnected (cfg.irq < 0) is bound to an internal signal, so that
     * elaboration does not fail on an unbound port.
     */
    RegBlock(sc_core::sc_module_name name, const ModelConfig &cfg,
             uint64_t span, bool has_irq);

    /*
     * One 32-bit register.  `now` is the SystemC time of the access
     * (sc_time_stamp() plus the annotated delay).  `debug` reads come from
     * transport_dbg and must have no side effect.  Return TLM_OK_RESPONSE,
     * TLM_ADDRESS_ERROR_RESPONSE (no register there) or
     * TLM_COMMAND_ERROR_RESPONSE (a write to a read-only register).
     */
    virtual tlm::tlm_response_status read_reg(uint64_t off, uint32_t &val,
                                              const sc_core::sc_time &now,
                                              bool debug) = 0;
    virtual tlm::tlm_response_status write_reg(uint64_t off, uint32_t val,
                                               const sc_core::sc_time &now) = 0;
    /*
     * The 32-bit half of 64-bit register r that offset off names: lo at
     * an 8-aligned offset, hi 4 bytes above it.
     */
    static uint32_t half(uint64_t r, uint64_t off)
    {
        return (uint32_t)(r >> (off & 4) * 8);
    }
    static void set_half(uint64_t &r, uint64_t off, uint32_t v)
    {
        unsigned shift = (off & 4) * 8;
        r = (r & ~(0xffffffffull << shift)) | (uint64_t)v << shift;
    }
    /* True if off is the lo half of a 64-bit register (8-byte access ok). */
    virtual bool is_reg64(uint64_t /* off */) const { return false; }

    /* A non-register window [window_base(), +window_size()) if any. */
    virtual uint64_t window_base() const { return 0; }
    virtual uint64_t window_size() const { return 0; }
    /* tx's address is relative to window_base(); set the response status. */
    virtual void window_access(tlm::tlm_generic_payload &/* tx */) {}
    /* Debug access inside the window; returns bytes transferred. */
    virtual unsigned window_debug(tlm::tlm_generic_payload &/* tx */) { return 0; }

    /* The interrupt level the model wants now; see update_irq(). */
    virtual bool irq_level() const { return false; }
    /*
     * Call after a state change that may move the interrupt: the level is
     * written by a method process one delta later (same SystemC time), so
     * this is safe from b_transport, from other processes and from
     * reset() called between simulation runs.
     */
    void update_irq() { irq_ev_.notify(sc_core::SC_ZERO_TIME); }

    const ModelConfig cfg_;

private:
    SC_HAS_PROCESS(RegBlock);
    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay);
    unsigned transport_dbg(tlm::tlm_generic_payload &tx);
    bool get_dmi(tlm::tlm_generic_payload &tx, tlm::tlm_dmi &dmi);
    bool in_window(const tlm::tlm_generic_payload &tx) const;
    tlm::tlm_response_status reg_access(tlm::tlm_generic_payload &tx,
                                        const sc_core::sc_time &now);
    void drive_irq();

    tlm_utils::simple_target_socket<RegBlock> socket_;
    sc_core::sc_out<bool> irq_;
    sc_core::sc_signal<bool> irq_unconnected_;
    sc_core::sc_event irq_ev_;
    bool irq_high_ = false;
    std::vector<sc_core::sc_time> raises_;
    uint64_t raise_count_ = 0;
    const uint64_t span_;
    const bool irq_exposed_;
};

} // namespace sclink

#endif /* SCLINK_REGBLOCK_H */
