/*
 * The gateway's interrupt mapping (internal): the models' interrupt lines
 * (the gateway's `irq` inputs) and trigger_msi() become Interrupt
 * messages of the device's kind: INTx, the OR of all lines, as level
 * changes; MSI/MSI-X, a rising edge on line i as vector i.
 */
#ifndef SCLINK_GW_IRQ_MAP_H
#define SCLINK_GW_IRQ_MAP_H

#include <cstdint>
#include <vector>

#include <systemc>

#include "clock.h"
#include "gateway.h"
#include "session.h"
#include "stats.h"

namespace sclink {
namespace gw {

class IrqMap {
public:
    IrqMap(const GatewayConfig &cfg, sc_core::sc_vector<sc_core::sc_in<bool>> &lines,
           Session &session, Clock &clock, Stats &stats);

    /* The capability the device's interrupts need, 0 if it has none. */
    uint64_t cap() const;
    /* A new link: QEMU starts with INTx deasserted. */
    void new_link() { intx_level_ = false; }
    /* The handshake is done: tells QEMU if an INTx line is already up. */
    void link_up();
    /* A line changed (the gateway's SC_METHOD on every line). */
    void lines_changed();
    void trigger_msi(unsigned vector);

private:
    void send(Sclink__V1__IrqType type, unsigned index, bool level);

    const GatewayConfig &cfg_;
    sc_core::sc_vector<sc_core::sc_in<bool>> &lines_;
    Session &session_;
    Clock &clock_;
    Stats &stats_;
    bool intx_level_ = false;
    std::vector<bool> line_levels_;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_IRQ_MAP_H */
