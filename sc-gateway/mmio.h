/*
 * The gateway's calls into the models (internal): an MMIO access as a
 * blocking transaction on the initiator socket, what a model throws out
 * of it, the SystemC time a target takes inside it (rule F), and the
 * watchdog thread that notices a model that does not come back
 * (doc/gateway.md, "Failing models").
 */
#ifndef SCLINK_GW_MMIO_H
#define SCLINK_GW_MMIO_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <systemc>
#include <tlm>

#include "clock.h"
#include "gateway.h"
#include "link.h"
#include "stats.h"

namespace sclink {
namespace gw {

/* A TLM response status as the wire's (doc/protocol.md 5.4). */
Sclink__V1__Status to_wire(tlm::tlm_response_status s);

/* "SC_ERROR TYPE: MESSAGE", a model's words escaped (sclink_log_text). */
std::string report_text(const sc_core::sc_report &rep);

/* How a call into a model ended. */
enum class CallEnd {
    returned,   /* the model returned (its status says how the access went) */
    failed,     /* it threw SC_ERROR or less: this access failed, logged */
    fatal,      /* it threw SC_FATAL or another exception: why says it */
    stuck,      /* the watchdog gave up on it meanwhile: why says it */
};

class Mmio {
public:
    Mmio(const GatewayConfig &cfg, tlm::tlm_initiator_socket<> &initiator, Clock &clock,
         Stats &stats);
    ~Mmio();

    /* A new link: its first rule-F line and its model errors afresh. */
    void new_link();
    void set_namer(std::function<std::string(uint64_t)> fn) { namer_ = std::move(fn); }
    const std::function<std::string(uint64_t)> &namer() const { return namer_; }
    /* "NAME (at router address 0x...)" for log lines. */
    std::string target_name(uint64_t addr) const;

    /* Starts the watchdog thread (stuck_timeout_ms), writing on `link`. */
    void start_watchdog(Link &link);
    void stop_watchdog();

    /*
     * b_transport of an MMIO access stamped t_ps, at SystemC time link
     * base + t_ps; the SystemC time the target takes is added to delay
     * and moves the link's time base (Clock::end_access).
     */
    CallEnd transact(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay, uint64_t t_ps,
                     std::string &why);
    /* transport_dbg; n is the byte count it returned. */
    CallEnd debug(tlm::tlm_generic_payload &gp, unsigned &n, std::string &why);

    /* A DMA access waits for QEMU meanwhile: that is not the model's time. */
    bool pause_watch();
    void resume_watch(bool paused);

private:
    CallEnd call(tlm::tlm_generic_payload &gp, sc_core::sc_time *delay, unsigned &n,
                 std::string &why);
    void watch_begin(uint64_t addr, const char *call);
    bool watch_end();
    void watchdog();
    void report_stuck();

    const GatewayConfig &cfg_;
    tlm::tlm_initiator_socket<> &initiator_;
    Clock &clock_;
    Stats &stats_;
    Link *link_ = nullptr;
    std::function<std::string(uint64_t)> namer_;
    bool consumed_logged_ = false; /* rule F's line, once per link */
    unsigned model_errors_ = 0;    /* models' errors logged on this link */

    /*
     * The watchdog (GatewayConfig::stuck_timeout_ms).  watch_since_ is
     * the steady-clock ns at which the pump called into a model, 0 while
     * it is not in one, kClaimed once the watchdog found it stuck; the
     * pump writes watch_addr_ and watch_call_ before it stores the time.
     * The watchdog holds wd_mu_ except while it sleeps; a pump that comes
     * back from a claimed call waits for it there (watch_end).
     */
    std::thread watchdog_;
    std::mutex wd_mu_;
    std::condition_variable wd_cv_;
    bool wd_quit_ = false;
    std::atomic<uint64_t> watch_since_{0};
    uint64_t watch_addr_ = 0;
    const char *watch_call_ = "";
    std::string stuck_why_;        /* written by the watchdog while it holds the claim */
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_MMIO_H */
