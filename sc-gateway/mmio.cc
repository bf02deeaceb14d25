/*
 * The gateway's calls into the models (mmio.h).
 */
#include "mmio.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>

#include <unistd.h>

namespace sclink {
namespace gw {

namespace {

/* Models' errors (SC_ERROR out of b_transport) logged per link. */
const unsigned kModelErrorsLogged = 10;

/* watch_since_ once the watchdog has claimed a stuck call. */
const uint64_t kClaimed = UINT64_MAX;

/* The exit status of a run a model ended (doc/gateway.md, "Exit status"). */
const int kModelFailed = 4;

uint64_t steady_ns()
{
    using clock = std::chrono::steady_clock;
    return (uint64_t)std::chrono::duration_cast<std::chrono::nanoseconds>(
               clock::now().time_since_epoch()).count();
}

const char *severity_name(sc_core::sc_severity s)
{
    switch (s) {
    case sc_core::SC_INFO: return "SC_INFO";
    case sc_core::SC_WARNING: return "SC_WARNING";
    case sc_core::SC_ERROR: return "SC_ERROR";
    default: return "SC_FATAL";
    }
}

} // namespace

Sclink__V1__Status to_wire(tlm::tlm_response_status s)
{
    switch (s) {
    case tlm::TLM_OK_RESPONSE: return SCLINK__V1__STATUS__STATUS_OK;
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return SCLINK__V1__STATUS__STATUS_COMMAND_ERROR;
    case tlm::TLM_BURST_ERROR_RESPONSE: return SCLINK__V1__STATUS__STATUS_BURST_ERROR;
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR;
    default: return SCLINK__V1__STATUS__STATUS_GENERIC_ERROR;
    }
}

/* "SC_ERROR sclink/test: boom", a model's words escaped (sclink_log_text). */
std::string report_text(const sc_core::sc_report &rep)
{
    char a[SCLINK_LOG_TEXT_SIZE], b[SCLINK_LOG_TEXT_SIZE];

    return std::string(severity_name(rep.get_severity())) + " " +
           sclink_log_text(a, sizeof(a), rep.get_msg_type()) + ": " +
           sclink_log_text(b, sizeof(b), rep.get_msg());
}

Mmio::Mmio(const GatewayConfig &cfg, tlm::tlm_initiator_socket<> &initiator, Clock &clock,
           Stats &stats)
    : cfg_(cfg), initiator_(initiator), clock_(clock), stats_(stats)
{
}

Mmio::~Mmio()
{
    stop_watchdog();
}

void Mmio::stop_watchdog()
{
    if (watchdog_.joinable()) {
        {
            std::lock_guard<std::mutex> lk(wd_mu_);
            wd_quit_ = true;
        }
        wd_cv_.notify_all();
        watchdog_.join();
    }
}

void Mmio::new_link()
{
    consumed_logged_ = false;
    model_errors_ = 0;
}

/* The target an address reaches, for log lines: its name if known. */
std::string Mmio::target_name(uint64_t addr) const
{
    char hex[40];

    std::snprintf(hex, sizeof(hex), "at router address 0x%" PRIx64, addr);
    return namer_ ? namer_(addr) + " (" + hex + ")" : std::string("the target ") + hex;
}

void Mmio::start_watchdog(Link &link)
{
    link_ = &link;
    if (cfg_.stuck_timeout_ms && !watchdog_.joinable())
        watchdog_ = std::thread(&Mmio::watchdog, this);
}

/*
 * Runs one MMIO access stamped t_ps as a blocking transaction.  A target
 * that wait()s inside b_transport (an LT target with wait(), an AT target
 * behind a b-to-nb adapter) takes SystemC time with it while QEMU's vCPU
 * stands still at t_ps: that time is the access's duration.  It is added
 * to the annotated delay, reported in the Response's delay_ps, and the
 * link's time base moves by it (doc/protocol.md, rule F).
 */
CallEnd Mmio::transact(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay, uint64_t t_ps,
                       std::string &why)
{
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    const uint64_t addr = gp.get_address();
    unsigned n = 0;

    clock_.begin_access(t_ps);
    CallEnd end = call(gp, &delay, n, why);
    clock_.settle();
    const sc_core::sc_time consumed = sc_core::sc_time_stamp() - start;
    clock_.end_access(consumed);
    if (consumed == sc_core::SC_ZERO_TIME)
        return end;
    delay += consumed;
    stats_.counters.consumed_ps += consumed.value() * clock_.res_ps();
    if (!consumed_logged_) {
        consumed_logged_ = true;
        stats_.log("target " + (namer_ ? namer_(addr) : std::string("at ") + std::to_string(addr)) +
                   " took " + consumed.to_string() + " of SystemC time inside b_transport (a "
                   "wait()) at " + std::to_string(t_ps) + " ps: added to the access's delay, and "
                   "the link's time base moves by it (rule F; logged once per link)");
    }
    return end;
}

CallEnd Mmio::debug(tlm::tlm_generic_payload &gp, unsigned &n, std::string &why)
{
    return call(gp, nullptr, n, why);
}

/*
 * Calls the target behind the initiator: b_transport, or transport_dbg
 * when delay is null (n: its byte count).  The watchdog watches the call,
 * and what a model throws out of it stops here (doc/gateway.md, "Failing
 * models"): an sc_report of SC_ERROR or less fails this access with
 * TLM_GENERIC_ERROR_RESPONSE and the link goes on; after SC_FATAL or any
 * other exception the model's state cannot be trusted (CallEnd::fatal):
 * the session ends the link with Error{ERR_INTERNAL}.
 */
CallEnd Mmio::call(tlm::tlm_generic_payload &gp, sc_core::sc_time *delay, unsigned &n,
                   std::string &why)
{
    const uint64_t addr = gp.get_address();
    const char *call = delay ? "b_transport" : "transport_dbg";
    bool fatal = true;
    std::string what;
    ModelsRun models;

    n = 0;
    watch_begin(addr, call);
    try {
        if (delay)
            initiator_->b_transport(gp, *delay);
        else
            n = initiator_->transport_dbg(gp);
        if (watch_end()) {
            gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            why = stuck_why_;
            return CallEnd::stuck;
        }
        return CallEnd::returned;
    } catch (const sc_core::sc_unwind_exception &) {
        watch_end();
        throw;   /* SystemC killing or resetting the pump: not a model's doing */
    } catch (const sc_core::sc_report &rep) {
        fatal = rep.get_severity() == sc_core::SC_FATAL;
        what = report_text(rep);
    } catch (const std::exception &e) {
        what = "exception: " + peer_text(e.what());
    } catch (...) {
        what = "an exception of unknown type";
    }
    watch_end();
    n = 0;
    gp.set_address(addr);   /* nobody on the way could put it back */
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    what = "model " + target_name(addr) + " threw out of " + call + " at " +
           std::to_string(clock_.now_ps()) + " ps: " + what;
    if (!fatal) {
        if (model_errors_ < kModelErrorsLogged)
            stats_.log(what + ": the access fails with generic-error" +
                       (++model_errors_ == kModelErrorsLogged
                            ? " (no more of these are logged on this link; the statistics' "
                              "errors count them)" : ""));
        return CallEnd::failed;
    }
    why = what + "; the model's state cannot be trusted: the gateway stops";
    return CallEnd::fatal;
}

/* The pump calls into a model: the watchdog starts timing it. */
void Mmio::watch_begin(uint64_t addr, const char *call)
{
    if (!watchdog_.joinable())
        return;
    watch_addr_ = addr;
    watch_call_ = call;
    watch_since_.store(steady_ns(), std::memory_order_release);
}

/*
 * The pump is back from the model.  If the watchdog claimed the call
 * meanwhile, waits until it has told QEMU, and returns true: the link is
 * over.
 */
bool Mmio::watch_end()
{
    uint64_t since = watch_since_.load(std::memory_order_relaxed);

    if (!watchdog_.joinable() || since == 0)
        return false;
    if (since != kClaimed &&
        watch_since_.compare_exchange_strong(since, 0, std::memory_order_acq_rel))
        return false;
    std::lock_guard<std::mutex> lk(wd_mu_);
    watch_since_.store(0, std::memory_order_relaxed);
    return true;
}

/* A model waiting for QEMU is not stuck: the watchdog does not count it.
 * True if a watched call was paused (and was not claimed meanwhile). */
bool Mmio::pause_watch()
{
    return watch_since_.load(std::memory_order_relaxed) != 0 && !watch_end();
}

void Mmio::resume_watch(bool paused)
{
    if (paused)
        watch_since_.store(steady_ns(), std::memory_order_release);
}

/*
 * The watchdog thread.  The pump, and with it the libuv loop, is gone
 * into a model for as long as the model takes; a model that never comes
 * back (a loop that never returns) leaves QEMU waiting and signals
 * unheard.  Every quarter of the bound this thread looks whether the pump
 * has been in one call longer than stuck_timeout_ms; if so it claims the
 * call and reports it (report_stuck).  It touches nothing of the pump's
 * but what the pump wrote before it stored the time, and what does not
 * change while the pump is away; the socket through the link's one
 * thread-safe call.
 */
void Mmio::watchdog()
{
    const uint64_t bound_ns = (uint64_t)cfg_.stuck_timeout_ms * 1000000;
    const auto tick = std::chrono::milliseconds(
        std::min(std::max(cfg_.stuck_timeout_ms / 4, 1u), 250u));
    std::unique_lock<std::mutex> lk(wd_mu_);

    while (!wd_quit_) {
        wd_cv_.wait_for(lk, tick);
        uint64_t since = watch_since_.load(std::memory_order_acquire);
        if (wd_quit_ || since == 0 || since == kClaimed || steady_ns() - since < bound_ns)
            continue;
        if (!watch_since_.compare_exchange_strong(since, kClaimed, std::memory_order_acq_rel))
            continue;   /* it came back just now */
        report_stuck();
    }
}

/*
 * Tells QEMU that a model is stuck, from the watchdog thread while the
 * pump is away (its Error is encoded here, not queued in the server,
 * whose buffers are the pump's), and, with exit_when_stuck, ends the
 * process: nothing short of that gets the pump back.  The compromise:
 * if the pump was in the middle of writing a frame (the peer slow to
 * read), the Error would cut it, so the link is only closed, by the exit.
 * Its lines go straight to stderr, not through sc_report: SystemC is not
 * thread-safe, and this is not SystemC's thread.
 */
void Mmio::report_stuck()
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_error e = SCLINK__V1__ERROR__INIT;
    uint8_t frame[2048];
    int n;

    stuck_why_ = "model " + target_name(watch_addr_) + " has not returned from " + watch_call_ +
                 " for " + std::to_string(cfg_.stuck_timeout_ms) + " ms (stuck_timeout_ms)";
    e.has_code = 1;
    e.code = SCLINK__V1__ERROR_CODE__ERR_INTERNAL;
    e.message = const_cast<char *>(stuck_why_.c_str());
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
    env.error = &e;
    n = sclink_encode(&env, 0, frame, sizeof(frame));
    const bool told = n > 0 && link_ && link_->write_last(frame, (size_t)n) == 0;
    if (!cfg_.quiet)
        std::fprintf(stderr, "sclink-gateway: %s: %s\n", stuck_why_.c_str(),
                     told ? "Error sent to QEMU" : "no Error sent (a frame was half-written)");
    stats_.flush_trace_last();
    if (cfg_.exit_when_stuck) {
        if (!cfg_.quiet)
            std::fprintf(stderr, "sclink-gateway: exiting with status %d: the model does not "
                         "come back\n", kModelFailed);
        _exit(kModelFailed);
    }
}

} // namespace gw
} // namespace sclink
