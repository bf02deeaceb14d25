/*
 * sclink::Gateway.  One SC_THREAD, the pump, owns the link: it runs libuv
 * (sclink_server_run_once) only while SystemC time is frozen, and advances
 * SystemC only up to the latest time QEMU has sent.  libuv callbacks queue
 * messages; the pump executes them in order.  See doc/architecture.md for
 * why the loop runs inside SystemC rather than beside it.
 */
#include "gateway.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <sstream>

#include <grp.h>
#include <malloc.h>
#include <unistd.h>
#include <uv.h>

#include "server.h"

namespace sclink {

using sc_core::sc_time;

const char *const kLogType = "sclink/gateway";
const char *const kStatsType = "sclink/gateway/stats";

void report_handler(const sc_core::sc_report &rep, const sc_core::sc_actions &actions)
{
    const char *type = rep.get_msg_type();
    const bool log = std::strcmp(type, kLogType) == 0;

    if (!log && std::strcmp(type, kStatsType) != 0) {
        sc_core::sc_report_handler::default_handler(rep, actions);
        return;
    }
    if (actions & sc_core::SC_DISPLAY) {
        if (log)
            std::cerr << "sclink-gateway: " << rep.get_msg() << std::endl;
        else
            std::cerr << rep.get_msg() << std::flush;
    }
    /* Logging to a file, stopping, throwing: as the host asked. */
    sc_core::sc_report_handler::default_handler(rep, actions & ~sc_core::SC_DISPLAY);
}

namespace {

double now_s()
{
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

/* Adds the real time spent in a scope to a counter. */
class Stopwatch {
public:
    explicit Stopwatch(double &acc) : acc_(acc), start_(now_s()) {}
    ~Stopwatch() { acc_ += now_s() - start_; }

private:
    double &acc_;
    double start_;
};

const char *status_name(Sclink__V1__Status s)
{
    switch (s) {
    case SCLINK__V1__STATUS__STATUS_OK: return "ok";
    case SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR: return "address-error";
    case SCLINK__V1__STATUS__STATUS_GENERIC_ERROR: return "generic-error";
    case SCLINK__V1__STATUS__STATUS_COMMAND_ERROR: return "command-error";
    case SCLINK__V1__STATUS__STATUS_BURST_ERROR: return "burst-error";
    case SCLINK__V1__STATUS__STATUS_BYTE_ENABLE_ERROR: return "byte-enable-error";
    default: return "invalid";
    }
}

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

std::string hex_bytes(const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    std::string s;

    s.reserve(n * 2);
    for (size_t i = 0; i < n; i++) {
        s += digits[p[i] >> 4];
        s += digits[p[i] & 15];
    }
    return s;
}

/* What the peer sent, escaped and bounded for a log line (sclink_log_text). */
std::string peer_text(const char *text)
{
    char buf[SCLINK_LOG_TEXT_SIZE];

    return sclink_log_text(buf, sizeof(buf), text);
}

const char *error_name(Sclink__V1__ErrorCode c)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&sclink__v1__error_code__descriptor, c);
    return v ? v->name : "unknown";
}

const char *command_name(Sclink__V1__Command c)
{
    switch (c) {
    case SCLINK__V1__COMMAND__CMD_READ: return "read";
    case SCLINK__V1__COMMAND__CMD_WRITE: return "write";
    case SCLINK__V1__COMMAND__CMD_DEBUG_READ: return "dread";
    case SCLINK__V1__COMMAND__CMD_DEBUG_WRITE: return "dwrite";
    default: return "invalid";
    }
}

/* The capabilities this gateway implements. */
const uint64_t kGatewayCaps =
    SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES | SCLINK__V1__CAPABILITY__CAP_DMA |
    SCLINK__V1__CAPABILITY__CAP_INTX | SCLINK__V1__CAPABILITY__CAP_MSI |
    SCLINK__V1__CAPABILITY__CAP_MSIX | SCLINK__V1__CAPABILITY__CAP_SYNC |
    SCLINK__V1__CAPABILITY__CAP_DEBUG | SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC |
    SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD | SCLINK__V1__CAPABILITY__CAP_PAUSE;

/*
 * How far past the REACHED a lookahead GRANT may reach when SystemC has
 * nothing scheduled sooner: 1 s, the longest quantum QEMU may propose.
 * Unbounded grants would let link time approach 2^64 ps, where the window
 * arithmetic has no room left, and would leave an idle guest with no
 * window end at which to notice a peer that went quiet.
 */
const uint64_t kMaxLookaheadPs = UINT64_C(1000000000000);

/*
 * The message queue bound.  While the pump cannot take messages (it waits
 * for a DMA Response, which may come behind them), the server stops
 * reading once the queued messages occupy this much heap as the decoder
 * measures it (352 bytes for a 4-byte posted write, about 30 times the
 * frame for one of unknown fields), plus kQueueEntryCost each; it reads
 * again when the pump has brought the queue down to half.  32 MiB is some
 * 90,000 small posted writes, or 32 writes of 1 MiB.
 */
const size_t kMaxQueuedBytes = 32u << 20;
const size_t kQueueEntryCost = 32;

/*
 * How long a traced line may stay in the stdio buffer once the pump has
 * nothing left to execute.  Flushing every line left traced posted writes
 * 0.6x of their rate (doc/performance.md, "Trace flushing"); this costs at
 * most 50 writes a second, and a failed access, a link's end and SIGUSR1
 * flush at once.
 */
const double kTraceFlushS = 0.02;

/*
 * How often the libuv loop is polled while one Request or REACHED runs
 * SystemC far ahead (advance_to): the longest a signal, a second peer or
 * SIGUSR1 waits for it.
 */
const double kPollS = 0.02;

/* advance_to's step sizing: see there. */
const double kSliceFastS = 0.001;
const double kSliceSlowS = 0.005;
const double kMaxSliceS = 0.001;   /* of SystemC time */

/*
 * A link is refused at its Hello when less SystemC time than this is left
 * (budget_ps): 1 s, the longest quantum, so that it can run one window.
 */
const uint64_t kMinLinkBudgetPs = UINT64_C(1000000000000);

/* Failed posted writes logged per link per second; the rest are counted. */
const unsigned kPostedFailuresLogged = 10;

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

/* "SC_ERROR sclink/test: boom", a model's words escaped (sclink_log_text). */
std::string report_text(const sc_core::sc_report &rep)
{
    char a[SCLINK_LOG_TEXT_SIZE], b[SCLINK_LOG_TEXT_SIZE];

    return std::string(severity_name(rep.get_severity())) + " " +
           sclink_log_text(a, sizeof(a), rep.get_msg_type()) + ": " +
           sclink_log_text(b, sizeof(b), rep.get_msg());
}

/*
 * A debug access's status from the bytes it moved (doc/protocol.md 5.4).
 * transport_dbg has no status of its own: a status the router (a hole)
 * or the target set says why; otherwise no byte at all is a target that
 * cannot do this debug access (no transport_dbg, or it refuses writes),
 * and fewer than asked ran past what the target has.
 */
Sclink__V1__Status debug_status(const tlm::tlm_generic_payload &gp, unsigned n, unsigned len)
{
    const tlm::tlm_response_status st = gp.get_response_status();

    if (n == len)
        return SCLINK__V1__STATUS__STATUS_OK;
    if (st != tlm::TLM_INCOMPLETE_RESPONSE && st != tlm::TLM_OK_RESPONSE)
        return to_wire(st);
    return n == 0 ? SCLINK__V1__STATUS__STATUS_COMMAND_ERROR
                  : SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
}

uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* C trampolines for the libuv side. */
extern "C" void gw_link_open(void *ctx)
{
    static_cast<Gateway *>(ctx)->on_link_open();
}
extern "C" void gw_message(void *ctx, sclink_msg *m, size_t heap_bytes)
{
    static_cast<Gateway *>(ctx)->on_message(m, heap_bytes);
}
extern "C" void gw_link_closed(void *ctx, int err, const char *why)
{
    static_cast<Gateway *>(ctx)->on_link_closed(err, why);
}
extern "C" void gw_idle_tick(uv_timer_t *)
{
    /* Only ends the pump's wait: serve_link() checks idle_watched(). */
}

/* stop() and request_stats(): see Gateway::on_async. */
extern "C" void gw_async(uv_async_t *h)
{
    static_cast<Gateway *>(h->data)->on_async();
}

const struct sclink_server_ops kServerOps = {gw_link_open, gw_message, gw_link_closed};

} // namespace

Gateway::Gateway(sc_core::sc_module_name name, const GatewayConfig &cfg)
    : sc_module(name), initiator("initiator"), dma("dma"),
      irq("irq", cfg.irq_lines), cfg_(cfg), line_levels_(cfg.irq_lines, false)
{
    dma.register_b_transport(this, &Gateway::dma_b_transport);
    dma.register_transport_dbg(this, &Gateway::dma_transport_dbg);
    dma.register_get_direct_mem_ptr(this, &Gateway::dma_get_dmi);

    /* Times on the wire are picoseconds; SystemC counts in its resolution. */
    res_ps_ = (uint64_t)std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e12);

    SC_THREAD(pump);
    if (cfg.irq_lines > 0) {
        SC_METHOD(irq_changed);
        for (unsigned i = 0; i < cfg.irq_lines; i++)
            sensitive << irq[i];
        dont_initialize();
    }
}

Gateway::~Gateway()
{
    /* A host that never called finish() still has QEMU told. */
    if (!pump_done_ && !finished_ && server_ && link_open_)
        finish();
    for (Queued &q : queue_)
        sclink_msg_free(q.m);
    if (watchdog_.joinable()) {
        {
            std::lock_guard<std::mutex> lk(wd_mu_);
            wd_quit_ = true;
        }
        wd_cv_.notify_all();
        watchdog_.join();
    }
    if (server_)
        sclink_server_free(server_);
    if (async_)
        uv_close(reinterpret_cast<uv_handle_t *>(async_), nullptr);
    if (idle_tick_) {
        uv_close(reinterpret_cast<uv_handle_t *>(idle_tick_), nullptr);
        uv_run(loop_, UV_RUN_DEFAULT);
    }
    delete idle_tick_;
    delete async_;
    if (loop_) {
        uv_loop_close(loop_);
        delete loop_;
    }
    if (trace_)
        std::fclose(trace_);
}

bool Gateway::listen(std::string &err)
{
    char why[256] = "";
    struct sclink_server_opts opts = {};

    if (server_)
        return true;
    if (res_ps_ == 0) {
        err = "SystemC time resolution " + sc_core::sc_get_time_resolution().to_string() +
              " is finer than the protocol's picoseconds";
        return false;
    }
    /*
     * No signal handler, no SIGPIPE disposition: the server writes with
     * MSG_NOSIGNAL (server.c), and the host's own handlers call stop() and
     * request_stats(), which wake the loop through async_.
     */
    if (!loop_) {
        loop_ = new uv_loop_t;
        uv_loop_init(loop_);
        idle_tick_ = new uv_timer_t;
        uv_timer_init(loop_, idle_tick_);
        uv_unref(reinterpret_cast<uv_handle_t *>(idle_tick_));
        async_ = new uv_async_t;
        uv_async_init(loop_, async_, gw_async);
        async_->data = this;
        /* A wake-up on demand must not keep the loop alive. */
        uv_unref(reinterpret_cast<uv_handle_t *>(async_));
        if (cfg_.stuck_timeout_ms)
            watchdog_ = std::thread(&Gateway::watchdog, this);
    }
    if (cfg_.listen.empty()) {
        char addr[sizeof(sclink_addr::path) + 8];
        if (sclink_default_listen(addr, sizeof(addr)) < 0) {
            err = "the default socket path is too long; give a listen address";
            return false;
        }
        cfg_.listen = addr;
    }
    if (!cfg_.socket_group.empty()) {
        struct group *g = getgrnam(cfg_.socket_group.c_str());
        if (!g) {
            err = "socket group '" + cfg_.socket_group + "': no such group";
            return false;
        }
        opts.group_access = 1;
        opts.group = g->gr_gid;
    }
    opts.listen = cfg_.listen.c_str();
    opts.max_frame = cfg_.max_frame;
    opts.stall_ms = cfg_.timeout_ms;
    if (sclink_server_new(loop_, &opts, &kServerOps, this, &server_, why, sizeof(why)) < 0) {
        err = why;
        return false;
    }
    warn_exposure();
    if (!cfg_.trace_path.empty() && !trace_) {
        trace_ = std::fopen(cfg_.trace_path.c_str(), "w");
        if (!trace_) {
            err = "cannot open trace file " + cfg_.trace_path + ": " + std::strerror(errno);
            return false;
        }
    }
    return true;
}

int Gateway::port() const
{
    return server_ ? sclink_server_port(server_) : 0;
}

void Gateway::on_reset(std::function<void()> fn)
{
    reset_fns_.push_back(std::move(fn));
}

void Gateway::set_target_namer(std::function<std::string(uint64_t)> fn)
{
    namer_ = std::move(fn);
}

/* Said at start-up and on every link: nothing checks who connects. */
void Gateway::warn_exposure() const
{
    if (const char *why = sclink_server_exposure(server_))
        log(std::string("WARNING: ") + why);
}

void Gateway::log(const std::string &line) const
{
    if (!cfg_.quiet)
        sc_core::sc_report_handler::report(sc_core::SC_INFO, kLogType, line.c_str(),
                                           sc_core::SC_MEDIUM, __FILE__, __LINE__);
}

/* The statistics, as a report of their own: --quiet keeps them. */
void Gateway::report_stats() const
{
    std::ostringstream os;

    print_stats(os);
    sc_core::sc_report_handler::report(sc_core::SC_INFO, kStatsType, os.str().c_str(),
                                       sc_core::SC_MEDIUM, __FILE__, __LINE__);
}

/*
 * Whether a failed posted write gets its log line.  Nobody waits for a
 * posted write, so the log is all that reports its failure, but a peer
 * that posts into a hole must not turn each frame into a log line (6 MB
 * in, 15 MB out): the first kPostedFailuresLogged of each second of real
 * time are logged, the rest counted for log_suppressed_posted().
 */
bool Gateway::posted_failure_loggable()
{
    double t = now_s();

    if (t - posted_log_start_ >= 1.0) {
        log_suppressed_posted();
        posted_log_start_ = t;
        posted_logged_ = 0;
    }
    if (posted_logged_ < kPostedFailuresLogged) {
        posted_logged_++;
        return true;
    }
    posted_suppressed_++;
    return false;
}

/* One line for the failures posted_failure_loggable() kept quiet. */
void Gateway::log_suppressed_posted()
{
    if (posted_suppressed_ == 0)
        return;
    log(std::to_string(posted_suppressed_) + " more failed posted writes suppressed (at most " +
        std::to_string(kPostedFailuresLogged) + " a second are logged)");
    posted_suppressed_ = 0;
}

void Gateway::trace(const std::string &line)
{
    if (trace_) {
        std::fputs(line.c_str(), trace_);
        std::fputc('\n', trace_);
        trace_pending_ = true;
    }
}

/*
 * Hands the trace lines written so far to the kernel: a trace is read
 * after a crash, and a SIGKILL takes a stdio buffer with it.
 */
void Gateway::flush_trace()
{
    if (!trace_pending_)
        return;
    std::fflush(trace_);
    trace_pending_ = false;
    trace_flushed_at_ = now_s();
}

/*
 * The pump has nothing to execute: flushes the trace if the last flush is
 * kTraceFlushS old.  Returns how many ms until it will be (the pump waits
 * no longer for the peer), 0 when no line is waiting.
 */
unsigned Gateway::flush_trace_when_idle()
{
    if (!trace_pending_)
        return 0;
    double left = trace_flushed_at_ + kTraceFlushS - now_s();
    if (left <= 0) {
        flush_trace();
        return 0;
    }
    return (unsigned)std::ceil(left * 1e3);
}

/*
 * The link time of what happens now.  During an access the vCPU that made
 * it is stalled at its stamp, so what models raise meanwhile, even while
 * a target wait()s inside b_transport, happens at that stamp (rule F).
 */
uint64_t Gateway::now_ps() const
{
    if (in_access_)
        return access_ps_;
    return (sc_core::sc_time_stamp() - base_).value() * res_ps_;
}

/*
 * Runs one MMIO access stamped t_ps, at SystemC time base_ + t_ps, as a
 * blocking transaction.  A target that wait()s inside b_transport (an LT
 * target with wait(), an AT target behind a b-to-nb adapter) takes SystemC
 * time with it while QEMU's vCPU stands still at t_ps: that time is the
 * access's duration.  It is added to the annotated delay, reported in the
 * Response's delay_ps, and the link's time base moves by it, so that the
 * next Request stamped t_ps executes where this one ended and SystemC is
 * again never ahead of QEMU in link time (doc/protocol.md, rule F).
 */
void Gateway::transact(tlm::tlm_generic_payload &gp, sc_time &delay, uint64_t t_ps,
                       uint64_t addr)
{
    const sc_time start = sc_core::sc_time_stamp();

    in_access_ = true;
    access_ps_ = t_ps;
    call_model(gp, &delay);
    settle();
    in_access_ = false;
    const sc_time consumed = sc_core::sc_time_stamp() - start;
    if (consumed == sc_core::SC_ZERO_TIME)
        return;
    base_ += consumed;
    delay += consumed;
    stats_.consumed_ps += consumed.value() * res_ps_;
    if (!consumed_logged_) {
        consumed_logged_ = true;
        log("target " + (namer_ ? namer_(addr) : std::string("at ") + std::to_string(addr)) +
            " took " + consumed.to_string() + " of SystemC time inside b_transport (a wait()) "
            "at " + std::to_string(t_ps) + " ps: added to the access's delay, and the link's "
            "time base moves by it (rule F; logged once per link)");
    }
}

/* ----------------------------------------------------- libuv callbacks */

void Gateway::on_link_open()
{
    /* A link that came and went within one loop iteration was never
     * served: what it sent must not reach this one. */
    for (Queued &q : queue_)
        sclink_msg_free(q.m);
    queue_.clear();
    queued_bytes_ = 0;
    input_held_ = false;
    unanswered_ids_.clear();
    link_open_ = true;
}

void Gateway::on_message(sclink_msg *m, size_t heap_bytes)
{
    /* DMA answers complete a waiting b_transport at once; the rest waits
     * for the pump, in arrival order. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        dma_response(m);
        return;
    }
    /* A pause changes what the waits allow (a DMA answer may be late),
     * not what the models see: it takes effect on arrival. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_SYNC && state_ == State::running &&
        (m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_PAUSED ||
         m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_RESUMED)) {
        handle_pause(m->sync);
        sclink_msg_free(m);
        return;
    }
    /* A peer that says Bye or Error answers no more DMA: stop waiting. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
        m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR)
        peer_leaving_ = true;
    /* Ids are unique among the Requests received and not yet answered
     * (5.3): noted on arrival, since the pump may answer the first before
     * it takes the second, and reported when the pump reaches it. */
    bool dup_id = false;
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_REQUEST &&
        !(m->request->attributes && m->request->attributes->posted))
        dup_id = !unanswered_ids_.insert(m->request->id).second;
    queue_.push_back(Queued{m, heap_bytes + kQueueEntryCost, dup_id});
    queued_bytes_ += queue_.back().cost;
    if (!input_held_ && queued_bytes_ >= kMaxQueuedBytes) {
        sclink_server_hold_input(server_, 1);
        input_held_ = true;
        stats_.queue_holds++;
    }
}

/* Takes the oldest queued message; reads again once the queue is half empty. */
Gateway::Queued Gateway::dequeue()
{
    Queued q = queue_.front();

    queue_.pop_front();
    queued_bytes_ -= q.cost;
    if (input_held_ && queued_bytes_ <= kMaxQueuedBytes / 2) {
        sclink_server_hold_input(server_, 0);
        input_held_ = false;
    }
    return q;
}

/*
 * The gateway stopped in the middle of a Request (advance_to): what came
 * after it would have to run SystemC further, which is what stopping
 * refused.  Said, not silently lost.
 */
void Gateway::drop_queue()
{
    if (queue_.empty())
        return;
    log(std::to_string(queue_.size()) + " queued messages not executed: the gateway is stopping");
    while (!queue_.empty())
        sclink_msg_free(dequeue().m);
}

void Gateway::on_link_closed(int err, const char *why)
{
    link_open_ = false;
    link_err_ = err;
    /* A close this side asked for has no text: keep the reason handle()
     * gave (a peer's Error), or "link lost" would say "success". */
    if (why && *why)
        link_why_ = why;
}

/*
 * In the loop, after stop() or request_stats() woke it: what a signal
 * handler could not do itself, logging and printing.
 */
void Gateway::on_async()
{
    if (const char *why = stop_why_.exchange(nullptr))
        log(why);
    if (stats_requested_.exchange(false)) {
        report_stats();
        flush_trace();
    }
}

/* Only stores and uv_async_send, which are async-signal-safe. */
void Gateway::stop(const char *why)
{
    if (why)
        stop_why_.store(why);
    stop_requested_.store(true);
    if (async_)
        uv_async_send(async_);
}

void Gateway::request_stats()
{
    stats_requested_.store(true);
    if (async_)
        uv_async_send(async_);
}

/* -------------------------------------------------------------- sending */

/*
 * Queues a frame.  A message this gateway cannot encode (a value out of
 * range) would leave the peer waiting for it: that ends the link.
 */
bool Gateway::send(const sclink_msg &m)
{
    int err = sclink_server_send(server_, &m);

    if (err < 0 && err != SCLINK_ECLOSED)
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
             std::string("cannot send ") + sclink_msg_name(&m) + ": " + sclink_strerror(err));
    return err == 0;
}

void Gateway::send_bye(Sclink__V1__ByeReason reason, const char *message)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;

    bye.has_reason = 1;
    bye.reason = reason;
    bye.message = const_cast<char *>(message);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    send(env);
}

/* Sends an Error and closes the link; the "link lost" line logs why. */
void Gateway::fail(Sclink__V1__ErrorCode code, const std::string &why)
{
    stats_.errors++;
    flush_trace();
    sclink_server_fail_link(server_, code, -EPROTO, why.c_str());
}

/* ----------------------------------------------------------------- pump */

void Gateway::pump()
{
    std::string err;

    if (!listen(err)) {
        log(err);
        exit_status_ = 2;
        sc_core::sc_stop();
        return;
    }
    log("listening on " + cfg_.listen +
        (port() ? " (port " + std::to_string(port()) + ")" : std::string()));
    for (;;) {
        sclink_server_accept_next(server_);
        while (!link_open_ && !stop_requested_) {
            Stopwatch w(stats_.wait_s);
            sclink_server_run_once(server_);
        }
        if (!link_open_) {
            exit_status_ = 0;   /* stopped between links */
            break;
        }
        serve_link();
        report_stats();
        if (!cfg_.serve || stop_requested_ || model_failed_ || sim_stopped_)
            break;
        /* Every link starts where the last one left SystemC time. */
        if (sc_core::sc_max_time() - sc_core::sc_time_stamp() <
            sc_time::from_value(kMinLinkBudgetPs / res_ps_)) {
            log("SystemC time is spent (" + sc_core::sc_time_stamp().to_string() +
                " of at most " + sc_core::sc_max_time().to_string() +
                "): no further link can run; restart the gateway");
            exit_status_ = 3;
            break;
        }
        for (auto &fn : reset_fns_)
            fn();
        stats_ = LinkStats();
        log("waiting for the next link");
    }
    pump_done_ = true;
    sc_core::sc_stop();
}

/*
 * SystemC will not run again: a model called sc_stop(), the simulation
 * ran out of events (a model wait()s inside b_transport for an event
 * nothing will notify), or a model's own process threw.  Nothing queued
 * can be executed; QEMU gets a Bye if every Request it sent was answered
 * (doc/protocol.md 10.1) and nothing failed, else Error{ERR_INTERNAL},
 * and the gateway ends with status 4.
 */
void Gateway::end_stopped_link(const std::string &why, bool failed)
{
    sim_stopped_ = true;
    drop_queue();
    uv_timer_stop(idle_tick_);
    if (failed || !unanswered_ids_.empty())
        model_failed_ = true;
    if (!link_open_)
        return;
    if (!model_failed_ && state_ == State::running) {
        /* Not closed at once: a message the peer sends meanwhile would be
         * unread at the close, and the kernel's reset would lose the Bye
         * (doc/protocol.md 10.2).  The peer's answer, its end of stream
         * or timeout_ms closes it (drain_stopped). */
        log(why + ": saying Bye to QEMU");
        send_bye(SCLINK__V1__BYE_REASON__BYE_SHUTDOWN, why.c_str());
        bye_sent_ = true;
        stopping_ = true;
        stopped_close_at_ = now_s() + cfg_.timeout_ms / 1e3;
    } else {
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL, why);
    }
}

/*
 * After end_stopped_link's Bye: discards what the peer sends, and closes
 * at its Bye or Error, or timeout_ms after ours.
 */
void Gateway::drain_stopped()
{
    bool leave = now_s() >= stopped_close_at_;

    while (!queue_.empty()) {
        sclink_msg *m = dequeue().m;
        leave = leave || m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
                m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR;
        sclink_msg_free(m);
    }
    if (leave)
        sclink_server_close_link(server_);
    if (link_open_)
        sclink_server_run_timeout(server_, 100);
}

/* Whether something other than the pump called sc_stop(). */
bool Gateway::stopped_by_model() const
{
    return !pump_done_ &&
           sc_core::sc_get_curr_simcontext()->sim_status() == sc_core::SC_SIM_USER_STOP;
}

/*
 * sc_start() came back, or threw, while the pump was still inside a
 * message: SystemC will not run again, so the pump never will.  Ends the
 * link here, with the loop driven from sc_main.
 */
int Gateway::finish(const std::exception *failure)
{
    const sc_core::sc_report *rep = dynamic_cast<const sc_core::sc_report *>(failure);
    const std::string at = " at " + std::to_string(now_ps()) + " ps";
    std::string why;

    if (pump_done_ || finished_ || !server_)
        return exit_status_;
    finished_ = true;
    if (rep)
        why = std::string("a model's process ") +
              (rep->get_process_name() ? rep->get_process_name() : "") + " threw " +
              report_text(*rep) + at;
    else if (failure)
        why = "a model's process threw an exception: " + peer_text(failure->what()) + at;
    else if (stopped_by_model())
        why = "the simulation was stopped (sc_stop() by a model)" + at;
    else
        why = "the simulation ran out of events" + at +
              ": a model waits inside b_transport for an event nothing will notify";
    end_stopped_link(why, failure || !stopped_by_model());
    const double deadline = now_s() + cfg_.timeout_ms / 1e3;
    while (link_open_ && now_s() < deadline) {
        if (bye_sent_)
            drain_stopped();
        else
            sclink_server_run_timeout(server_, 100);
    }
    flush_trace();
    state_ = State::closed;
    exit_status_ = model_failed_ ? kModelFailed : 0;
    log(model_failed_ ? "link lost: " + why : "link closed by the gateway's Bye");
    report_stats();
    return exit_status_;
}

/* Runs one link from Hello to close. */
void Gateway::serve_link()
{
    double hello_deadline = now_s() + cfg_.timeout_ms / 1e3;

    state_ = State::await_hello;
    abandoned_ = false;
    consumed_logged_ = false;
    bye_received_ = false;
    bye_sent_ = false;
    stopping_ = false;
    peer_leaving_ = false;
    link_err_ = 0;
    link_why_.clear();
    posted_log_start_ = 0;
    posted_logged_ = 0;
    posted_suppressed_ = 0;
    model_errors_ = 0;
    sim_stopped_ = false;
    base_ = sc_core::sc_time_stamp();
    last_ps_ = 0;
    intx_level_ = false;
    log("link opened");
    warn_exposure();

    bool output_wait = false;
    bool idle_failed = false;
    idle_since_ = now_s();
    peer_paused_ = false;
    while (link_open_ || !queue_.empty()) {
        if (sim_stopped_ && bye_sent_) {
            drain_stopped();
            continue;
        }
        /* Nothing more is executed while the peer leaves the output bound
         * unread (the server has stopped reading too): every Request
         * would add an answer it does not take. */
        if (!queue_.empty() && !sclink_server_output_full(server_)) {
            output_wait = false;
            Queued q = dequeue();
            sclink_msg *m = q.m;
            /* The count of a second that is over need not wait for the
             * next failure, nor come after the line of a peer leaving. */
            if (posted_suppressed_ && (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
                                       m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ||
                                       now_s() - posted_log_start_ >= 1.0))
                log_suppressed_posted();
            if (!sim_stopped_)
                handle(m, q.dup_id);
            sclink_msg_free(m);
            if (abandoned_)
                drop_queue();
            if (!sim_stopped_ && stopped_by_model())
                end_stopped_link("the simulation was stopped (sc_stop() by a model) at " +
                                 std::to_string(now_ps()) + " ps", false);
            idle_since_ = now_s();
            continue;
        }
        if (!queue_.empty() && !output_wait) {
            output_wait = true;
            stats_.output_waits++;
        }
        if (queue_.empty()) {
            if (state_ == State::await_hello && now_s() > hello_deadline) {
                fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no Hello within " +
                     std::to_string(cfg_.timeout_ms) + " ms");
                /* Once: the link closes as soon as the Error is written. */
                hello_deadline = std::numeric_limits<double>::infinity();
            }
            if (idle_watched() && !idle_failed &&
                now_s() >= idle_since_ + cfg_.idle_timeout_ms / 1e3) {
                fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no message from QEMU for " +
                     std::to_string(cfg_.idle_timeout_ms) + " ms with CAP_SYNC, and it did not "
                     "say its VM was paused");
                idle_failed = true;
            }
            if (stop_requested_ && !stopping_ && link_open_) {
                /* Everything received is executed and answered: leave
                 * (section 10.1), the link closes once the Bye is out.
                 * Before the handshake there is nobody to say Bye to. */
                if (state_ == State::running) {
                    send_bye(SCLINK__V1__BYE_REASON__BYE_SHUTDOWN, "gateway stopping");
                    bye_sent_ = true;
                }
                sclink_server_close_link(server_);
                stopping_ = true;
            }
        }
        /* Idle: what was traced may stay buffered kTraceFlushS at most
         * (a silent peer is noticed by idle_tick_'s wake-ups). */
        unsigned flush_ms = queue_.empty() ? flush_trace_when_idle() : 0;
        Stopwatch w(stats_.wait_s);
        if (state_ == State::await_hello)
            sclink_server_run_timeout(server_, 100);
        else if (flush_ms)
            sclink_server_run_timeout(server_, flush_ms);
        else
            sclink_server_run_once(server_);
    }
    uv_timer_stop(idle_tick_);
    log_suppressed_posted();
    flush_trace();
    /* What a flood made this link allocate is freed by now; hand it back
     * to the system, or glibc keeps it as the process's high-water mark. */
    malloc_trim(0);
    state_ = State::closed;
    if (model_failed_) {
        exit_status_ = kModelFailed;
        log("link lost: " + link_why_);
    } else if (bye_received_ && (link_err_ == 0 || link_err_ == SCLINK_ECLOSED)) {
        exit_status_ = 0;
        log("link closed by Bye");
    } else if (stopping_ && (link_err_ == 0 || (bye_sent_ && link_err_ == SCLINK_ECLOSED))) {
        exit_status_ = 0;
        log(bye_sent_ ? "link closed by the gateway's Bye" : "link closed: gateway stopping");
    } else {
        exit_status_ = 3;
        log("link lost: " + (link_why_.empty() ? std::string(sclink_strerror(link_err_))
                                               : link_why_));
    }
}

/*
 * Whether the peer's silence would be a stall (doc/protocol.md 10.4): with
 * CAP_SYNC QEMU sends a REACHED at every window end while its VM runs.
 */
bool Gateway::idle_watched() const
{
    return cfg_.idle_timeout_ms && state_ == State::running && link_open_ && !stopping_ &&
           (caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) && !peer_paused_;
}

void Gateway::handle(sclink_msg *m, bool dup_id)
{
    /* After the link is gone, only side effects still matter: a write the
     * peer sent before leaving is applied, nothing is answered. */
    bool gone = !link_open_;

    /* The peer sends nothing after its Bye (10.1): what follows it in the
     * queue is discarded, as in CLOSING (6.3). */
    if (bye_received_)
        return;

    if (state_ == State::await_hello) {
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
            /* An Error is never answered with an Error. */
            link_why_ = std::string("peer refused: ") + error_name(m->error->code) + ": " +
                        peer_text(m->error->message);
            sclink_server_close_link(server_);
            return;
        }
        if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO) {
            if (!gone)
                fail(SCLINK__V1__ERROR_CODE__ERR_STATE, std::string("expected Hello, got ") + sclink_msg_name(m));
            return;
        }
        handle_hello(m->hello);
        return;
    }
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        handle_request(m->request, dup_id);
        /* Answered now, or never: its id is free again. */
        if (!dup_id && !(m->request->attributes && m->request->attributes->posted))
            unanswered_ids_.erase(m->request->id);
        break;
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        if (!gone)
            handle_sync(m->sync);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        bye_received_ = true;
        log(std::string("peer said Bye") + (m->bye->message ? ": " + peer_text(m->bye->message) : ""));
        sclink_server_close_link(server_);
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        log(std::string("peer reported error ") + error_name(m->error->code) + ": " +
            peer_text(m->error->message));
        link_why_ = std::string("peer reported error ") + error_name(m->error->code);
        stats_.errors++;
        sclink_server_close_link(server_);
        break;
    default:
        if (!gone)
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, std::string(sclink_msg_name(m)) + " not allowed from QEMU after the handshake");
        break;
    }
}

void Gateway::handle_hello(const sclink_hello *h)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_welcome w = SCLINK__V1__WELCOME__INIT;
    sclink_device_info dev = SCLINK__V1__DEVICE_INFO__INIT;
    std::vector<sclink_bar> bars(cfg_.bars.size());
    std::vector<sclink_bar *> bar_ptrs;
    char why[256];
    int err;

    err = sclink_hello_check(h, why, sizeof(why));
    if (err) {
        fail(sclink_error_code(err), why);
        return;
    }
    caps_ = h->capabilities & kGatewayCaps;
    if (!cfg_.lookahead)
        caps_ &= ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD;
    quantum_ps_ = cfg_.quantum.value() * res_ps_;
    /* A proposal between 1 ns and 1 s is taken; beyond that, window
     * arithmetic would overflow long before a run ends. */
    if (h->quantum_ps >= 1000 && h->quantum_ps <= UINT64_C(1000000000000) &&
        !cfg_.quantum_fixed)
        quantum_ps_ = h->quantum_ps;
    max_frame_ = sclink_agree_max_frame(h->max_frame, cfg_.max_frame);

    dev.has_vendor_id = dev.has_device_id = 1;
    dev.vendor_id = cfg_.vendor_id;
    dev.device_id = cfg_.device_id;
    dev.has_subsystem_vendor_id = dev.has_subsystem_id = 1;
    dev.subsystem_vendor_id = cfg_.subsystem_vendor_id;
    dev.subsystem_id = cfg_.subsystem_id;
    dev.has_class_code = dev.has_revision = 1;
    dev.class_code = cfg_.class_code;
    dev.revision = cfg_.revision;
    for (size_t i = 0; i < cfg_.bars.size(); i++) {
        const BarConfig &b = cfg_.bars[i];
        sclink__v1__bar__init(&bars[i]);
        bars[i].has_index = bars[i].has_size = 1;
        bars[i].index = b.index;
        bars[i].size = b.size;
        bars[i].has_kind = 1;
        bars[i].kind = b.is64 ? SCLINK__V1__BAR_KIND__BAR_MEM64 : SCLINK__V1__BAR_KIND__BAR_MEM32;
        bars[i].has_prefetchable = bars[i].has_posted_writes = 1;
        bars[i].prefetchable = b.prefetchable;
        bars[i].posted_writes = b.posted_writes &&
                                (caps_ & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES);
        bar_ptrs.push_back(&bars[i]);
    }
    dev.n_bars = bar_ptrs.size();
    dev.bars = bar_ptrs.data();
    dev.has_interrupt = 1;
    switch (cfg_.irq_kind) {
    case IrqKind::none: dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_NONE; break;
    case IrqKind::intx:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_INTX;
        dev.has_intx_pin = 1;
        dev.intx_pin = 1;
        break;
    case IrqKind::msi:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSI;
        dev.has_msi_vectors = 1;
        dev.msi_vectors = cfg_.vectors;
        break;
    case IrqKind::msix:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX;
        dev.has_msix_vectors = 1;
        dev.msix_vectors = cfg_.vectors;
        break;
    }

    w.has_version_major = w.has_version_minor = 1;
    w.version_major = SCLINK_VERSION_MAJOR;
    w.version_minor = SCLINK_VERSION_MINOR;
    w.has_role = 1;
    w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.name = const_cast<char *>(cfg_.name.c_str());
    w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
    w.capabilities = caps_;
    w.quantum_ps = quantum_ps_;
    w.max_frame = max_frame_;
    w.device = &dev;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    env.welcome = &w;
    err = sclink_server_send(server_, &env);
    if (err < 0) {
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL, std::string("cannot send Welcome: ") + sclink_strerror(err));
        return;
    }
    sclink_server_set_max_frame(server_, max_frame_);
    window_end_ps_ = std::min(quantum_ps_, budget_ps());
    /* Wakes the pump to check for a silent peer (idle_watched): a timer
     * for each wait would cost every MMIO round trip. */
    if ((caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) && cfg_.idle_timeout_ms) {
        const uint64_t tick = std::max(cfg_.idle_timeout_ms / 8, 10u);
        uv_timer_start(idle_tick_, gw_idle_tick, tick, tick);
    }
    state_ = State::running;
    /* QEMU starts with INTx deasserted: tell it if a line is already up. */
    if (cfg_.irq_kind == IrqKind::intx) {
        intx_level_ = false;
        for (unsigned i = 0; i < cfg_.irq_lines; i++)
            intx_level_ = intx_level_ || irq[i].read();
        if (intx_level_)
            send_interrupt(SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, true);
    }
    char line[SCLINK_LOG_TEXT_SIZE + 256];
    std::snprintf(line, sizeof(line),
                  "link up with '%s' (protocol %u.%u): quantum %" PRIu64 " ps, %s, max frame %u",
                  peer_text(h->name).c_str(), h->version_major, h->version_minor, quantum_ps_,
                  !(caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) ? "free-running"
                  : (caps_ & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
                      ? "synchronized windows up to the next event"
                      : "synchronized windows of one quantum",
                  max_frame_);
    log(line);
    if (irq_cap() && !(caps_ & irq_cap()))
        log(std::string("QEMU did not offer CAP_") +
            (cfg_.irq_kind == IrqKind::intx ? "INTX" : cfg_.irq_kind == IrqKind::msi ? "MSI" : "MSIX") +
            ", which the device's interrupts need: none will be sent, and QEMU should "
            "refuse the Welcome (doc/protocol.md 7.5)");
}

/*
 * Runs SystemC up to the link time t (never beyond what QEMU has sent),
 * including everything else that happens at t.  Returns false if it gave
 * up because the gateway is stopping.
 *
 * SystemC runs in steps, and the libuv loop is polled every kPollS of
 * real time between them: one Request may take SystemC through any number
 * of events (a 1 ns periodic timer and a Request 10 s ahead are 10^10 of
 * them), and signals, a second peer's ERR_BUSY and the statistics must
 * not wait for them.  A step reaches the next scheduled event, or
 * slice_ of SystemC time if that is further: slice_ doubles while a step
 * takes under kSliceFastS of real time and halves over kSliceSlowS, up to
 * kMaxSliceS, so dense events cost few steps (a wait per event made a
 * 100 ns timer run 2.5x slower) and a step stays short when they become
 * dense.  The pump does nothing else at those intermediate times, so what
 * the models see is unchanged.
 */
bool Gateway::advance_to(uint64_t t_ps)
{
    const sc_time target = base_ + sc_time::from_value(t_ps / res_ps_);
    sc_core::sc_simcontext *sim = sc_core::sc_get_curr_simcontext();

    if (t_ps > last_ps_)
        last_ps_ = t_ps;
    if (target > sc_core::sc_time_stamp()) {
        /* Not a static: an sc_time made before sc_main would fix the
         * time resolution for the whole program. */
        const sc_time max_slice(kMaxSliceS, sc_core::SC_SEC);
        Stopwatch w(stats_.sim_s);
        double poll_at = now_s() + kPollS;
        while (sc_core::sc_time_stamp() < target) {
            const double start = now_s();
            sc_core::wait(std::min(target - sc_core::sc_time_stamp(),
                                   std::max(sc_core::sc_time_to_pending_activity(sim), slice_)));
            const double end = now_s();
            if (end - start < kSliceFastS)
                slice_ = std::min(slice_ * 2, max_slice);
            else if (end - start > kSliceSlowS && slice_ > sc_core::sc_get_time_resolution())
                slice_ = slice_ / 2;
            if (end < poll_at)
                continue;
            sclink_server_poll(server_);
            poll_at = now_s() + kPollS;
            if (stop_requested_) {
                abandoned_ = true;
                fail(SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED,
                     "gateway stopping while SystemC ran to " + std::to_string(t_ps) +
                     " ps (reached " + std::to_string(now_ps()) + " ps)");
                return false;
            }
        }
    }
    settle();
    return true;
}

/*
 * The latest link time SystemC can reach: its time is 64 bits of its
 * resolution for the whole process, and every link of a --serve gateway
 * starts where the last one ended.
 */
uint64_t Gateway::budget_ps() const
{
    const uint64_t units = (sc_core::sc_max_time() - base_).value();

    return units > UINT64_MAX / res_ps_ ? UINT64_MAX : units * res_ps_;
}

/*
 * Whether a Request or REACHED the peer stamped t_ps may take SystemC
 * there: not past what SystemC time can represent (it would wrap for every
 * later link), and, free-running, not more than max_time_jump_ps past the
 * latest time (with CAP_SYNC, windows bound the step).  ERR_STATE if not.
 */
bool Gateway::time_reachable(uint64_t t_ps, const std::string &what)
{
    const bool sync = caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC;

    if (t_ps > budget_ps()) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, what + " stamped " + std::to_string(t_ps) +
             " ps, past the last time SystemC can reach on this link (" +
             std::to_string(budget_ps()) + " ps)");
        return false;
    }
    if (!sync && cfg_.max_time_jump_ps && t_ps - last_ps_ > cfg_.max_time_jump_ps) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, what + " stamped " + std::to_string(t_ps) +
             " ps, more than max_time_jump (" + std::to_string(cfg_.max_time_jump_ps) +
             " ps) after the link's latest time " + std::to_string(last_ps_) + " ps");
        return false;
    }
    return true;
}

/*
 * The link time of the earliest event SystemC has scheduled, UINT64_MAX if
 * none.  With nothing from QEMU, no model acts before it: the lookahead a
 * GRANT may extend to (rule G).  Called after settle(), so nothing is left
 * at the current time.
 */
uint64_t Gateway::next_activity_ps() const
{
    sc_time now = sc_core::sc_time_stamp();
    sc_time left = sc_core::sc_time_to_pending_activity(sc_core::sc_get_curr_simcontext());

    if (left >= sc_core::sc_max_time() - now)
        return UINT64_MAX;
    sc_time t = now + left - base_;
    if (t.value() > UINT64_MAX / res_ps_)
        return UINT64_MAX;
    return t.value() * res_ps_;
}

/*
 * Lets every process with work at the current time run (delta cycles)
 * before we answer: an interrupt a register write lowers, or a timer that
 * expires exactly at a window end, must leave before the Response or the
 * GRANT that follows it.  Bounded, in case a model loops in delta cycles.
 */
void Gateway::settle()
{
    for (int i = 0; i < 10000 && sc_core::sc_pending_activity_at_current_time(); i++)
        sc_core::wait(sc_core::SC_ZERO_TIME);
}

const BarConfig *Gateway::find_bar(unsigned index) const
{
    for (const BarConfig &b : cfg_.bars)
        if (b.index == index)
            return &b;
    return nullptr;
}

/* The target an address reaches, for log lines: its name if known. */
std::string Gateway::target_name(uint64_t addr) const
{
    char hex[40];

    std::snprintf(hex, sizeof(hex), "at router address 0x%" PRIx64, addr);
    return namer_ ? namer_(addr) + " (" + hex + ")" : std::string("the target ") + hex;
}

/*
 * Calls the target behind `initiator` for handle_request: b_transport, or
 * transport_dbg when delay is null (then returns its byte count).  The
 * watchdog watches the call, and what a model throws out of it stops
 * here (doc/gateway.md, "Failing models"): an sc_report of SC_ERROR or
 * less fails this access with TLM_GENERIC_ERROR_RESPONSE and the link
 * goes on; after SC_FATAL or any other exception the model's state cannot
 * be trusted, so the link ends with Error{ERR_INTERNAL}, what is queued
 * is not executed, and the gateway ends with status 4.
 */
unsigned Gateway::call_model(tlm::tlm_generic_payload &gp, sc_time *delay)
{
    const uint64_t addr = gp.get_address();
    const char *call = delay ? "b_transport" : "transport_dbg";
    unsigned n = 0;
    bool fatal = true;
    std::string what;

    watch_begin(addr, call);
    try {
        if (delay)
            initiator->b_transport(gp, *delay);
        else
            n = initiator->transport_dbg(gp);
        if (watch_end())
            gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return n;
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
    gp.set_address(addr);   /* nobody on the way could put it back */
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    what = "model " + target_name(addr) + " threw out of " + call + " at " +
           std::to_string(now_ps()) + " ps: " + what;
    if (!fatal) {
        if (model_errors_ < kModelErrorsLogged)
            log(what + ": the access fails with generic-error" +
                (++model_errors_ == kModelErrorsLogged ? " (no more of these are logged "
                 "on this link; the statistics' errors count them)" : ""));
        return 0;
    }
    model_failed_ = true;
    abandoned_ = true;
    fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
         what + "; the model's state cannot be trusted: the gateway stops");
    return 0;
}

/* The pump calls into a model: the watchdog starts timing it. */
void Gateway::watch_begin(uint64_t addr, const char *call)
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
bool Gateway::watch_end()
{
    uint64_t since = watch_since_.load(std::memory_order_relaxed);

    if (!watchdog_.joinable() || since == 0)
        return false;
    if (since != kClaimed &&
        watch_since_.compare_exchange_strong(since, 0, std::memory_order_acq_rel))
        return false;
    std::lock_guard<std::mutex> lk(wd_mu_);
    watch_since_.store(0, std::memory_order_relaxed);
    model_failed_ = true;
    link_why_ = stuck_why_;
    return true;
}

/*
 * The watchdog thread.  The pump, and with it the libuv loop, is gone
 * into a model for as long as the model takes; a model that never comes
 * back (a loop that never returns) leaves QEMU waiting and signals
 * unheard.  Every quarter of the bound this thread looks whether the pump
 * has been in one call longer than stuck_timeout_ms; if so it claims the
 * call and reports it (report_stuck).  It touches nothing of the pump's
 * but what the pump wrote before it stored the time, and what does not
 * change while the pump is away; the socket through the server's one
 * thread-safe call.
 */
void Gateway::watchdog()
{
    const uint64_t bound_ns = (uint64_t)cfg_.stuck_timeout_ms * 1000000;
    const auto tick = std::chrono::milliseconds(std::min(std::max(cfg_.stuck_timeout_ms / 4, 1u), 250u));
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
 */
void Gateway::report_stuck()
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
    const bool told = n > 0 && sclink_server_write_last(server_, frame, (size_t)n) == 0;
    if (!cfg_.quiet)
        std::fprintf(stderr, "sclink-gateway: %s: %s\n", stuck_why_.c_str(),
                     told ? "Error sent to QEMU" : "no Error sent (a frame was half-written)");
    if (trace_)
        std::fflush(trace_);
    if (cfg_.exit_when_stuck) {
        if (!cfg_.quiet)
            std::fprintf(stderr, "sclink-gateway: exiting with status %d: the model does not "
                         "come back\n", kModelFailed);
        _exit(kModelFailed);
    }
}

void Gateway::handle_request(const sclink_request *r, bool dup_id)
{
    const bool sync = caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC;
    const bool debug = r->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ ||
                       r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    const bool is_write = r->command == SCLINK__V1__COMMAND__CMD_WRITE ||
                          r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    const bool posted = r->attributes && r->attributes->posted;
    const BarConfig *bar = r->has_bar ? find_bar(r->bar) : nullptr;
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    /* A member, so a request allocates nothing: only the pump calls this
     * function, never re-entered.  Zeroed like a fresh vector, for targets
     * that leave bytes untouched (disabled byte lanes). */
    std::vector<uint8_t> &data = data_buf_;
    tlm::tlm_generic_payload gp;
    sc_time delay = sc_core::SC_ZERO_TIME;
    Sclink__V1__Status status;
    char line[200];

    data.assign(r->length, 0);

    /* The endpoint rules in the order of doc/protocol.md 12.10. */
    if (debug && !(caps_ & SCLINK__V1__CAPABILITY__CAP_DEBUG)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "debug Request " + std::to_string(r->id) +
             " without the CAP_DEBUG capability agreed");
        return;
    }
    if (posted && !(caps_ & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "posted write " + std::to_string(r->id) +
             " without the CAP_POSTED_WRITES capability agreed");
        return;
    }
    if (!r->has_bar || !bar) {
        fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
             "MMIO Request " + std::to_string(r->id) +
                 (r->has_bar ? " to BAR " + std::to_string(r->bar) + ", which the device lacks"
                             : std::string(" without a bar")));
        return;
    }
    if (posted && !bar->posted_writes) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "posted write to BAR " + std::to_string(r->bar) +
             ", which does not accept posted writes");
        return;
    }
    if (dup_id) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Request " + std::to_string(r->id) +
             " has the id of a Request not yet answered");
        return;
    }
    if (!debug) {
        if (r->time_ps < last_ps_) {
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Request " + std::to_string(r->id) + " stamped " +
                 std::to_string(r->time_ps) + " ps, before " + std::to_string(last_ps_) + " ps");
            return;
        }
        if (sync && r->time_ps > window_end_ps_) {
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Request " + std::to_string(r->id) + " stamped " +
                 std::to_string(r->time_ps) + " ps, beyond the granted window end " +
                 std::to_string(window_end_ps_) + " ps");
            return;
        }
        if (!time_reachable(r->time_ps, "Request " + std::to_string(r->id)))
            return;
        /* A request stamped t executes at exactly sc_time_stamp() == t. */
        if (!advance_to(r->time_ps))
            return;
        /* Rule N: what the request starts may be due before a window
         * granted up to the next event; QEMU shortens W the same way. */
        if (sync)
            window_end_ps_ = std::min(window_end_ps_, add_sat(r->time_ps, quantum_ps_));
    }

    if (r->address >= bar->size || r->length > bar->size - r->address) {
        status = SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    } else {
        uint64_t addr = bar->base + r->address;
        if (is_write)
            std::memcpy(data.data(), r->data.data, r->length);
        gp.set_command(is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(data.data());
        gp.set_data_length(r->length);
        gp.set_streaming_width(r->has_streaming_width ? r->streaming_width : r->length);
        if (r->has_byte_enable) {
            gp.set_byte_enable_ptr(r->byte_enable.data);
            gp.set_byte_enable_length((unsigned)r->byte_enable.len);
        }
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        if (debug) {
            status = debug_status(gp, call_model(gp, nullptr), r->length);
        } else {
            Stopwatch w(stats_.sim_s);
            transact(gp, delay, r->time_ps, addr);
            status = to_wire(gp.get_response_status());
        }
        if (namer_)
            stats_.per_target[namer_(addr)]++;
    }

    if (debug)
        stats_.debug++;
    else if (posted)
        stats_.posted++;
    else if (is_write)
        stats_.writes++;
    else
        stats_.reads++;
    if (is_write)
        stats_.bytes_written += r->length;
    else
        stats_.bytes_read += r->length;
    if (status != SCLINK__V1__STATUS__STATUS_OK)
        stats_.errors++;

    /* Formatting the line costs more than the access itself: only when a
     * trace file is open or a failed posted write must be logged. */
    const bool log_failure = posted && status != SCLINK__V1__STATUS__STATUS_OK &&
                             posted_failure_loggable();
    if (trace_ || log_failure) {
        std::snprintf(line, sizeof(line), "t=%" PRIu64 " %s%s bar%u+0x%" PRIx64 " len=%u",
                      debug ? now_ps() : r->time_ps, posted ? "posted-" : "",
                      command_name(r->command), r->bar, r->address, r->length);
        trace(std::string(line) + (is_write ? " data=" + hex_bytes(data.data(), data.size()) : "") +
              " -> " + status_name(status) +
              (!is_write && status == SCLINK__V1__STATUS__STATUS_OK
                   ? " data=" + hex_bytes(data.data(), data.size()) : ""));
        /* The line of a failed access is the one a post-mortem looks for;
         * failed posted writes flush as often as they are logged, or a
         * flood of them would cost a write each. */
        if (status != SCLINK__V1__STATUS__STATUS_OK && (!posted || log_failure))
            flush_trace();
    }

    if (posted) {
        /* Nobody waits for a posted write: its failure can only be logged. */
        if (log_failure)
            log(std::string(line) + " failed: " + status_name(status));
        return;
    }
    if (!link_open_)
        return;
    resp.has_id = resp.has_status = 1;
    resp.id = r->id;
    resp.status = status;
    if (!is_write && status == SCLINK__V1__STATUS__STATUS_OK) {
        resp.has_data = 1;
        resp.data.data = data.data();
        resp.data.len = data.size();
    }
    resp.has_delay_ps = 1;
    resp.delay_ps = delay.value() * res_ps_;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    send(env);
}

/*
 * QEMU's VM stopped or runs again (CAP_PAUSE, doc/protocol.md 8.9): while
 * it is stopped, silence is no stall, and a DMA answer may wait for it.
 */
void Gateway::handle_pause(const sclink_sync *s)
{
    const bool pause = s->kind == SCLINK__V1__SYNC_KIND__SYNC_PAUSED;

    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_PAUSE)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
             std::string("Sync ") + (pause ? "PAUSED" : "RESUMED") +
                 " without the CAP_PAUSE capability agreed");
        return;
    }
    if (pause == peer_paused_) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE,
             pause ? "Sync PAUSED while paused" : "Sync RESUMED while not paused");
        return;
    }
    peer_paused_ = pause;
    idle_since_ = now_s();
    log(pause ? "QEMU paused at " + std::to_string(s->time_ps) + " ps" : "QEMU resumed");
}

void Gateway::handle_sync(const sclink_sync *s)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync grant = SCLINK__V1__SYNC__INIT;

    /* Direction, capability, then time (doc/protocol.md 12.10). */
    if (s->kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync GRANT is the gateway's to send");
        return;
    }
    if (s->kind != SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
        /* PAUSED or RESUMED before the handshake was done */
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync PAUSED/RESUMED before the Welcome");
        return;
    }
    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "Sync without the CAP_SYNC capability agreed");
        return;
    }
    /* Rule B: only at W.  A REACHED already granted is below the new W. */
    if (s->time_ps != window_end_ps_) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync REACHED " + std::to_string(s->time_ps) +
             " ps, but the window ends at " + std::to_string(window_end_ps_) + " ps");
        return;
    }
    /* W was granted within the budget; a window past it cannot be. */
    if (s->time_ps >= budget_ps()) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync REACHED " + std::to_string(s->time_ps) +
             " ps: SystemC time is spent, no window can follow");
        return;
    }
    /* Everything models raise up to W is sent while SystemC runs to W,
     * so it precedes the grant on the wire. */
    if (!advance_to(s->time_ps))
        return;
    window_end_ps_ = add_sat(s->time_ps, quantum_ps_);
    if (caps_ & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
        window_end_ps_ = std::max(window_end_ps_,
                                  std::min(next_activity_ps(),
                                           add_sat(s->time_ps, kMaxLookaheadPs)));
    window_end_ps_ = std::min(window_end_ps_, budget_ps());
    stats_.windows++;
    grant.has_kind = grant.has_time_ps = grant.has_window_end_ps = 1;
    grant.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
    grant.time_ps = s->time_ps;
    grant.window_end_ps = window_end_ps_;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &grant;
    send(env);
}

/* ------------------------------------------------------------ interrupts */

void Gateway::send_interrupt(Sclink__V1__IrqType type, unsigned index, bool level)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_interrupt i = SCLINK__V1__INTERRUPT__INIT;
    const char *kind = type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE  ? "intx"
                       : type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI ? "msi"
                                                                    : "msix";

    /* Only the kind whose capability is agreed (4.3); handle_hello said so. */
    if (state_ != State::running || !link_open_ || !(caps_ & irq_cap()))
        return;
    i.has_type = i.has_index = i.has_time_ps = 1;
    i.type = type;
    i.index = index;
    i.time_ps = now_ps();
    if (type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE) {
        i.has_level = 1;
        i.level = level;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
    env.interrupt = &i;
    stats_.interrupts++;
    trace("t=" + std::to_string(i.time_ps) + " irq " + kind + " " + std::to_string(index) +
          (type == SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE ? level ? " level=1" : " level=0" : ""));
    send(env);
}

/* The capability the device's interrupts need, 0 if it has none. */
uint64_t Gateway::irq_cap() const
{
    switch (cfg_.irq_kind) {
    case IrqKind::intx: return SCLINK__V1__CAPABILITY__CAP_INTX;
    case IrqKind::msi: return SCLINK__V1__CAPABILITY__CAP_MSI;
    case IrqKind::msix: return SCLINK__V1__CAPABILITY__CAP_MSIX;
    default: return 0;
    }
}

void Gateway::trigger_msi(unsigned vector)
{
    if (cfg_.irq_kind != IrqKind::msi && cfg_.irq_kind != IrqKind::msix) {
        log("trigger_msi(" + std::to_string(vector) + ") on a device without MSI/MSI-X");
        return;
    }
    if (vector >= cfg_.vectors) {
        log("trigger_msi(" + std::to_string(vector) + "): only " +
            std::to_string(cfg_.vectors) + " vectors");
        return;
    }
    send_interrupt(cfg_.irq_kind == IrqKind::msi ? SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI
                                                 : SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSIX,
                   vector, true);
}

/*
 * INTx: the pin is the OR of all lines (level-triggered, shared).
 * MSI/MSI-X: line i's rising edge triggers vector i.
 */
void Gateway::irq_changed()
{
    bool any = false;

    for (unsigned i = 0; i < cfg_.irq_lines; i++) {
        bool level = irq[i].read();
        if (level && !line_levels_[i] &&
            (cfg_.irq_kind == IrqKind::msi || cfg_.irq_kind == IrqKind::msix))
            trigger_msi(i);
        line_levels_[i] = level;
        any = any || level;
    }
    if (cfg_.irq_kind == IrqKind::intx && any != intx_level_) {
        intx_level_ = any;
        send_interrupt(SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE, 0, any);
    }
}

/* ------------------------------------------------------------------- DMA */

void Gateway::dma_response(sclink_msg *m)
{
    auto it = dma_waits_.find(m->response->id);

    if (it == dma_waits_.end()) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Response " + std::to_string(m->response->id) +
             " answers no outstanding DMA request");
        sclink_msg_free(m);
        return;
    }
    it->second->resp = m;
    it->second->done = true;
    dma_waits_.erase(it);
}

/*
 * Sends one DMA Request to QEMU and waits for its Response.  SystemC time
 * stays frozen meanwhile (this thread does not yield), which is exactly the
 * conservative rule: the access happens at this SystemC time.
 */
tlm::tlm_response_status Gateway::dma_chunk(tlm::tlm_generic_payload &gp, uint64_t addr,
                                            unsigned char *data, unsigned len, bool debug,
                                            uint64_t &delay_ps)
{
    const bool is_write = gp.is_write();
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    DmaWait wait;
    double deadline = now_s() + cfg_.timeout_ms / 1e3;
    uint64_t id = next_dma_id_++;
    tlm::tlm_response_status st = tlm::TLM_GENERIC_ERROR_RESPONSE;
    char line[160];

    r.has_id = r.has_command = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = id;
    r.command = debug ? (is_write ? SCLINK__V1__COMMAND__CMD_DEBUG_WRITE
                                  : SCLINK__V1__COMMAND__CMD_DEBUG_READ)
                      : (is_write ? SCLINK__V1__COMMAND__CMD_WRITE : SCLINK__V1__COMMAND__CMD_READ);
    r.address = addr;
    r.length = len;
    r.time_ps = now_ps();
    if (is_write) {
        r.has_data = 1;
        r.data.data = data;
        r.data.len = len;
    }
    if (gp.get_byte_enable_ptr()) {
        r.has_byte_enable = 1;
        r.byte_enable.data = gp.get_byte_enable_ptr();
        /* dma_forward checked: the pattern has a byte at least, and pieces
         * start at a multiple of it. */
        r.byte_enable.len = std::min(gp.get_byte_enable_length(), len);
    }
    if (gp.get_streaming_width() && gp.get_streaming_width() < len) {
        r.has_streaming_width = 1;
        r.streaming_width = gp.get_streaming_width();
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    if (sclink_server_send(server_, &env) < 0)
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    dma_waits_[id] = &wait;
    /* A model waiting for QEMU is not stuck: the watchdog does not count it. */
    const bool watched = watch_since_.load(std::memory_order_relaxed) != 0 && !watch_end();
    while (!wait.done && link_open_ && !peer_leaving_) {
        /* A stopped VM may serve DMA only once it runs again. */
        if (peer_paused_)
            deadline = now_s() + cfg_.timeout_ms / 1e3;
        if (now_s() > deadline) {
            fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no answer to DMA request " +
                 std::to_string(id) + " within " + std::to_string(cfg_.timeout_ms) + " ms" +
                 (input_held_ ? " (the gateway stopped reading: " +
                                    std::to_string(queue_.size()) +
                                    " messages queued ahead of it reached the queue bound)"
                              : std::string()));
            break;
        }
        Stopwatch w(stats_.wait_s);
        sclink_server_run_timeout(server_, 100);
    }
    if (watched)
        watch_since_.store(steady_ns(), std::memory_order_release);
    dma_waits_.erase(id);
    if (wait.done) {
        const sclink_response *resp = wait.resp->response;
        char why[160];
        st = from_wire(resp->status);
        if (sclink_response_check(&r, resp, why, sizeof(why))) {
            fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED, std::string("DMA ") + why);
            st = tlm::TLM_GENERIC_ERROR_RESPONSE;
        } else {
            if (st == tlm::TLM_OK_RESPONSE && !is_write)
                std::memcpy(data, resp->data.data, len);
            delay_ps = add_sat(delay_ps, resp->delay_ps);
        }
        sclink_msg_free(wait.resp);
    }
    if (is_write)
        stats_.dma_writes++;
    else
        stats_.dma_reads++;
    stats_.dma_bytes += len;
    if (st != tlm::TLM_OK_RESPONSE)
        stats_.errors++;
    if (trace_) {
        std::snprintf(line, sizeof(line), "t=%" PRIu64 " dma-%s%s 0x%" PRIx64 " len=%u -> %s",
                      r.time_ps, debug ? "d" : "", is_write ? "write" : "read", addr, len,
                      status_name(to_wire(st)));
        trace(line);
        if (st != tlm::TLM_OK_RESPONSE)
            flush_trace();
    }
    return st;
}

/*
 * A bus master's access to guest memory.  Accesses longer than a frame
 * can carry are split in address order (doc/protocol.md 5.6), unless
 * streaming or a byte-enable pattern makes the pieces differ from the whole.
 * What a model asks is checked whole, before any piece is sent.
 */
bool Gateway::dma_forward(tlm::tlm_generic_payload &gp, bool debug, uint64_t &delay_ps)
{
    const uint64_t addr = gp.get_address();
    const unsigned total = gp.get_data_length();
    const unsigned chunk = max_frame_ - 128;
    const unsigned be_len = gp.get_byte_enable_length();
    tlm::tlm_response_status st = tlm::TLM_OK_RESPONSE;

    if (state_ != State::running || !link_open_ || peer_leaving_ ||
        !(caps_ & SCLINK__V1__CAPABILITY__CAP_DMA) ||
        (debug && !(caps_ & SCLINK__V1__CAPABILITY__CAP_DEBUG))) {
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
        (total > chunk && ((gp.get_streaming_width() && gp.get_streaming_width() < total) ||
                           (gp.get_byte_enable_ptr() && chunk % be_len)))) {
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
        const unsigned len = (unsigned)std::min<uint64_t>(chunk, total - off);
        st = dma_chunk(gp, addr + off, gp.get_data_ptr() + off, len, debug, delay_ps);
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
void Gateway::dma_b_transport(int, tlm::tlm_generic_payload &gp, sc_time &delay)
{
    const sc_time room = sc_core::sc_max_time() - sc_core::sc_time_stamp();
    uint64_t delay_ps = 0;

    dma_forward(gp, false, delay_ps);
    if (delay_ps) {
        sc_time add = sc_time::from_value(delay_ps / res_ps_);
        delay = delay < room ? delay + std::min(add, room - delay) : delay;
    }
}

unsigned Gateway::dma_transport_dbg(int, tlm::tlm_generic_payload &gp)
{
    uint64_t delay_ps = 0; /* no time passes in a debug access */

    return dma_forward(gp, true, delay_ps) ? gp.get_data_length() : 0;
}

bool Gateway::dma_get_dmi(int, tlm::tlm_generic_payload &, tlm::tlm_dmi &dmi)
{
    /* Guest memory lives in another process: no direct pointer, anywhere. */
    dmi.allow_read_write();
    dmi.set_start_address(0);
    dmi.set_end_address(~(sc_dt::uint64)0);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
    return false;
}

/* ------------------------------------------------------------ statistics */

void Gateway::print_stats(std::ostream &os) const
{
    char buf[768];

    std::snprintf(buf, sizeof(buf),
                  "statistics for link on %s:\n"
                  "  requests: %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64
                  " posted writes, %" PRIu64 " debug\n"
                  "  bytes: %" PRIu64 " read, %" PRIu64 " written\n"
                  "  windows: %" PRIu64 ", interrupts: %" PRIu64 "\n"
                  "  dma: %" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64 " bytes\n"
                  "  errors: %" PRIu64 "\n"
                  "  backpressure: output bound reached %" PRIu64 " times, queue bound %" PRIu64
                  " times\n"
                  "  real time: %.3f s waiting for QEMU, %.3f s simulating\n"
                  "  SystemC time: %s (%" PRIu64 " ps of it inside accesses)\n",
                  cfg_.listen.c_str(), stats_.reads, stats_.writes, stats_.posted,
                  stats_.debug, stats_.bytes_read, stats_.bytes_written, stats_.windows,
                  stats_.interrupts, stats_.dma_reads, stats_.dma_writes, stats_.dma_bytes,
                  stats_.errors, stats_.output_waits, stats_.queue_holds, stats_.wait_s,
                  stats_.sim_s,
                  sc_core::sc_time_stamp().to_string().c_str(), stats_.consumed_ps);
    os << buf;
    for (const auto &kv : stats_.per_target)
        os << "  target " << kv.first << ": " << kv.second << " requests\n";
    os.flush();
}

} // namespace sclink
