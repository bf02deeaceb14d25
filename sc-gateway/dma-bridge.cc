/*
 * The gateway's DMA bridge (dma-bridge.h).
 */
#include "dma-bridge.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace sclink {
namespace gw {

namespace {

tlm::tlm_response_status from_wire(Sclink__V1__Status s)
{
    switch (s) {
    case SCLINK__V1__STATUS__STATUS_OK: return tlm::TLM_OK_RESPONSE;
    case SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR: return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    case SCLINK__V1__STATUS__STATUS_COMMAND_ERROR: return tlm::TLM_COMMAND_ERROR_RESPONSE;
    case SCLINK__V1__STATUS__STATUS_BURST_ERROR: return tlm::TLM_BURST_ERROR_RESPONSE;
    case SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR: return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    default: return tlm::TLM_GENERIC_ERROR_RESPONSE;
    }
}

} // namespace

DmaBridge::DmaBridge(const GatewayConfig &cfg, Session &session, Link &link, Clock &clock,
                     Stats &stats, Mmio &mmio)
    : cfg_(cfg), session_(session), link_(link), clock_(clock), stats_(stats), mmio_(mmio)
{
}

bool DmaBridge::response(sclink_msg *m)
{
    auto it = waits_.find(m->response->id);

    if (it == waits_.end())
        return false;
    it->second->resp = m;
    it->second->done = true;
    waits_.erase(it);
    return true;
}

/*
 * Sends one DMA Request to QEMU and waits for its Response.  SystemC time
 * stays frozen meanwhile (this thread does not yield), which is exactly the
 * conservative rule: the access happens at this SystemC time.
 */
tlm::tlm_response_status DmaBridge::chunk(tlm::tlm_generic_payload &gp, uint64_t addr,
                                          unsigned char *data, unsigned len, bool debug,
                                          uint64_t &delay_ps)
{
    const bool is_write = gp.is_write();
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    Wait wait;
    double deadline = now_s() + cfg_.timeout_ms / 1e3;
    uint64_t id = next_id_++;
    tlm::tlm_response_status st = tlm::TLM_GENERIC_ERROR_RESPONSE;
    char line[160];

    r.has_id = r.has_command = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = id;
    r.command = debug ? (is_write ? SCLINK__V1__COMMAND__CMD_DEBUG_WRITE
                                  : SCLINK__V1__COMMAND__CMD_DEBUG_READ)
                      : (is_write ? SCLINK__V1__COMMAND__CMD_WRITE : SCLINK__V1__COMMAND__CMD_READ);
    r.address = addr;
    r.length = len;
    r.time_ps = clock_.now_ps();
    if (is_write) {
        r.has_data = 1;
        r.data.data = data;
        r.data.len = len;
    }
    if (gp.get_byte_enable_ptr()) {
        r.has_byte_enable = 1;
        r.byte_enable.data = gp.get_byte_enable_ptr();
        /* forward() checked: the pattern has a byte at least, and pieces
         * start at a multiple of it. */
        r.byte_enable.len = std::min(gp.get_byte_enable_length(), len);
    }
    if (gp.get_streaming_width() && gp.get_streaming_width() < len) {
        r.has_streaming_width = 1;
        r.streaming_width = gp.get_streaming_width();
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    if (link_.send(env) < 0)
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    waits_[id] = &wait;
    /* A model waiting for QEMU is not stuck: the watchdog does not count it. */
    const bool watched = mmio_.pause_watch();
    while (!wait.done && session_.link_open() && !session_.peer_leaving()) {
        /* A stopped VM may serve DMA only once it runs again. */
        if (session_.peer_paused())
            deadline = now_s() + cfg_.timeout_ms / 1e3;
        if (now_s() > deadline) {
            session_.fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no answer to DMA request " +
                          std::to_string(id) + " within " + std::to_string(cfg_.timeout_ms) +
                          " ms" +
                          (session_.input_held()
                               ? " (the gateway stopped reading: " +
                                     std::to_string(session_.queued()) +
                                     " messages queued ahead of it reached the queue bound)"
                               : std::string()));
            break;
        }
        Stopwatch w(stats_.counters.wait_s);
        link_.run_timeout(100);
    }
    mmio_.resume_watch(watched);
    waits_.erase(id);
    if (wait.done) {
        const sclink_response *resp = wait.resp->response;
        char why[160];
        st = from_wire(resp->status);
        if (sclink_response_check(&r, resp, why, sizeof(why))) {
            session_.fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED, std::string("DMA ") + why);
            st = tlm::TLM_GENERIC_ERROR_RESPONSE;
        } else {
            if (st == tlm::TLM_OK_RESPONSE && !is_write)
                std::memcpy(data, resp->data.data, len);
            delay_ps = sclink_time_add_sat(delay_ps, resp->delay_ps);
        }
        sclink_msg_free(wait.resp);
    }
    LinkStats &s = stats_.counters;
    if (is_write)
        s.dma_writes++;
    else
        s.dma_reads++;
    s.dma_bytes += len;
    if (st != tlm::TLM_OK_RESPONSE)
        s.errors++;
    if (stats_.tracing()) {
        std::snprintf(line, sizeof(line), "t=%" PRIu64 " dma-%s%s 0x%" PRIx64 " len=%u -> %s",
                      r.time_ps, debug ? "d" : "", is_write ? "write" : "read", addr, len,
                      status_name(to_wire(st)));
        stats_.trace(line);
        if (st != tlm::TLM_OK_RESPONSE)
            stats_.flush_trace();
    }
    return st;
}

/*
 * A bus master's access to guest memory.  Accesses longer than a frame
 * can carry are split in address order (doc/protocol.md 5.6), unless
 * streaming or a byte-enable pattern makes the pieces differ from the whole.
 * What a model asks is checked whole, before any piece is sent.
 */
bool DmaBridge::forward(tlm::tlm_generic_payload &gp, bool debug, uint64_t &delay_ps)
{
    const uint64_t addr = gp.get_address();
    const unsigned total = gp.get_data_length();
    const unsigned chunk_len = session_.max_frame() - 128;
    const unsigned be_len = gp.get_byte_enable_length();
    const uint64_t caps = session_.caps();
    tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;

    if (!session_.running() || !session_.link_open() || session_.peer_leaving() ||
        !(caps & SCLINK__V1__CAPABILITY__CAP_DMA) ||
        (debug && !(caps & SCLINK__V1__CAPABILITY__CAP_DEBUG))) {
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return false;
    }
    /* TLM-2.0: a byte-enable pointer comes with a pattern of at least one
     * byte.  Without one there is no pattern to send, nor to split by. */
    if (gp.get_byte_enable_ptr() && be_len == 0) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (total == 0 ||
        (total > chunk_len && ((gp.get_streaming_width() && gp.get_streaming_width() < total) ||
                               (gp.get_byte_enable_ptr() && chunk_len % be_len)))) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    /* No Request may wrap past 2^64 - 1 (doc/protocol.md 12.5, R9); split,
     * the later pieces would instead go to address 0 and up. */
    if (sclink_range_wraps(addr, total)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    /* Stepped by the piece sent, in 64 bits: a 32-bit off += chunk wrapped
     * for a transfer within one chunk of 4 GiB, and started over at 0. */
    for (uint64_t off = 0; off < total && st == tlm::TLM_OK_RESPONSE;) {
        const unsigned len = (unsigned)std::min<uint64_t>(chunk_len, total - off);
        st = chunk(gp, addr + off, gp.get_data_ptr() + off, len, debug, delay_ps);
        off += len;
    }
    gp.set_response_status(st);
    return st == tlm::TLM_OK_RESPONSE;
}

/*
 * The access is stamped with the current SystemC time; the initiator's
 * annotated delay stays annotated, and QEMU's Response delay_ps (summed
 * over the pieces) is added to it (doc/protocol.md 8.4).  Waiting it out
 * here would let SystemC run past what QEMU has granted when a target
 * does DMA from inside an MMIO access (the pump's own thread); an LT
 * initiator in its own thread waits it out itself.
 */
void DmaBridge::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    const sc_core::sc_time room = sc_core::sc_max_time() - sc_core::sc_time_stamp();
    uint64_t delay_ps = 0;

    forward(gp, false, delay_ps);
    if (delay_ps) {
        sc_core::sc_time add = sc_core::sc_time::from_value(delay_ps / clock_.res_ps());
        delay = delay < room ? delay + std::min(add, room - delay) : delay;
    }
}

unsigned DmaBridge::transport_dbg(tlm::tlm_generic_payload &gp)
{
    uint64_t delay_ps = 0; /* no time passes in a debug access */

    return forward(gp, true, delay_ps) ? gp.get_data_length() : 0;
}

bool DmaBridge::get_dmi(tlm::tlm_generic_payload &, tlm::tlm_dmi &dmi)
{
    /* Guest memory lives in another process: no direct pointer, anywhere. */
    dmi.allow_read_write();
    dmi.set_start_address(0);
    dmi.set_end_address(~(sc_dt::uint64)0);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
}

} // namespace gw
} // namespace sclink
