/*
 * The gateway's interrupt mapping (irq-map.h).
 */
#include "irq-map.h"

#include <string>

namespace sclink {
namespace gw {

IrqMap::IrqMap(const GatewayConfig &cfg, sc_core::sc_vector<sc_core::sc_in<bool>> &lines,
               Session &session, Clock &clock, Stats &stats)
    : cfg_(cfg), lines_(lines), session_(session), clock_(clock), stats_(stats),
      line_levels_(cfg.irq_lines, false)
{
}

uint64_t IrqMap::cap() const
{
    switch (cfg_.irq_kind) {
    case IrqKind::intx: return SCLINK__V1__CAPABILITY__CAP_INTX;
    case IrqKind::msi: return SCLINK__V1__CAPABILITY__CAP_MSI;
    case IrqKind::msix: return SCLINK__V1__CAPABILITY__CAP_MSIX;
    default: return 0;
    }
}

void IrqMap::link_up()
{
    if (cfg_.irq_kind != IrqKind::intx)
        return;
    intx_level_ = false;
    for (unsigned i = 0; i < cfg_.irq_lines; i++)
        intx_level_ = intx_level_ || lines_[i].read();
    if (intx_level_)
        send(SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, true);
}

void IrqMap::send(Sclink__V1__IrqType type, unsigned index, bool level)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_interrupt i = SCLINK__V1__INTERRUPT__INIT;
    const char *kind = type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE  ? "intx"
                       : type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI ? "msi"
                                                                    : "msix";

    /* Only the kind whose capability is agreed (4.3); the handshake's
     * log line said so. */
    if (!session_.running() || !session_.link_open() || !(session_.caps() & cap()))
        return;
    i.has_type = i.has_index = i.has_time_ps = 1;
    i.type = type;
    i.index = index;
    i.time_ps = clock_.now_ps();
    if (type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE) {
        i.has_level = 1;
        i.level = level;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
    env.interrupt = &i;
    stats_.counters.interrupts++;
    stats_.trace("t=" + std::to_string(i.time_ps) + " irq " + kind + " " + std::to_string(index) +
                 (type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE ? level ? " level=1" : " level=0"
                                                              : ""));
    session_.send(env);
}

void IrqMap::trigger_msi(unsigned vector)
{
    if (cfg_.irq_kind != IrqKind::msi && cfg_.irq_kind != IrqKind::msix) {
        stats_.log("trigger_msi(" + std::to_string(vector) + ") on a device without MSI/MSI-X");
        return;
    }
    if (vector >= cfg_.vectors) {
        stats_.log("trigger_msi(" + std::to_string(vector) + "): only " +
                   std::to_string(cfg_.vectors) + " vectors");
        return;
    }
    send(cfg_.irq_kind == IrqKind::msi ? SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI
                                       : SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX,
         vector, true);
}

/*
 * INTx: the pin is the OR of all lines (level-triggered, shared).
 * MSI/MSI-X: line i's rising edge triggers vector i.
 */
void IrqMap::lines_changed()
{
    bool any = false;

    for (unsigned i = 0; i < cfg_.irq_lines; i++) {
        bool level = lines_[i].read();
        if (level && !line_levels_[i] &&
            (cfg_.irq_kind == IrqKind::msi || cfg_.irq_kind == IrqKind::msix))
            trigger_msi(i);
        line_levels_[i] = level;
        any = any || level;
    }
    if (cfg_.irq_kind == IrqKind::intx && any != intx_level_) {
        intx_level_ = any;
        send(SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, any);
    }
}

} // namespace gw
} // namespace sclink
