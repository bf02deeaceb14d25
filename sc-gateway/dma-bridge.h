/*
 * The gateway's DMA bridge (internal): TLM transactions of the models'
 * bus masters, arriving on the gateway's `dma` socket, become DMA
 * Requests to QEMU, split to the frame size, checked whole first; the
 * calling process waits in the event loop for each Response, SystemC
 * time frozen (doc/architecture.md).
 */
#ifndef SCLINK_GW_DMA_BRIDGE_H
#define SCLINK_GW_DMA_BRIDGE_H

#include <cstdint>
#include <map>

#include <systemc>
#include <tlm>

#include "clock.h"
#include "gateway.h"
#include "link.h"
#include "mmio.h"
#include "session.h"
#include "stats.h"

namespace sclink {
namespace gw {

class DmaBridge {
public:
    DmaBridge(const GatewayConfig &cfg, Session &session, Link &link, Clock &clock,
              Stats &stats, Mmio &mmio);

    /* QEMU's Response to one of ours: false if it answers none (the
     * caller fails the link and frees it); else the bridge owns it. */
    bool response(sclink_msg *m);

    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned transport_dbg(tlm::tlm_generic_payload &gp);
    bool get_dmi(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);

private:
    struct Wait {
        bool done = false;
        sclink_msg *resp = nullptr;
    };

    bool forward(tlm::tlm_generic_payload &gp, bool debug, uint64_t &delay_ps);
    tlm::tlm_response_status chunk(tlm::tlm_generic_payload &gp, uint64_t addr,
                                   unsigned char *data, unsigned len, bool debug,
                                   uint64_t &delay_ps);

    const GatewayConfig &cfg_;
    Session &session_;
    Link &link_;
    Clock &clock_;
    Stats &stats_;
    Mmio &mmio_;
    uint64_t next_id_ = 1;
    std::map<uint64_t, Wait *> waits_;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_DMA_BRIDGE_H */
