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
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <sstream>

#include <uv.h>

#include "server.h"

namespace sclink {

using sc_core::sc_time;

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
    SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD;

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

/* Failed posted writes logged per link per second; the rest are counted. */
const unsigned kPostedFailuresLogged = 10;

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
extern "C" void gw_usr1(uv_signal_t *h, int)
{
    static_cast<Gateway *>(h->data)->on_stats_signal();
}
extern "C" void gw_stop_signal(uv_signal_t *h, int signum)
{
    static_cast<Gateway *>(h->data)->on_stop_signal(signum);
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
    for (Queued &q : queue_)
        sclink_msg_free(q.m);
    if (server_)
        sclink_server_free(server_);
    for (uv_signal_t *h : stop_signals_)
        if (h)
            uv_close(reinterpret_cast<uv_handle_t *>(h), nullptr);
    if (usr1_) {
        uv_close(reinterpret_cast<uv_handle_t *>(usr1_), nullptr);
        uv_run(loop_, UV_RUN_DEFAULT);
        delete usr1_;
    }
    for (uv_signal_t *h : stop_signals_)
        delete h;
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
     * libuv writes with write(2): a peer that vanished would kill the whole
     * simulation with SIGPIPE instead of ending one link with EPIPE.  Ignore
     * it unless the application installed a handler of its own.
     */
    struct sigaction old;
    if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL)
        std::signal(SIGPIPE, SIG_IGN);
    if (!loop_) {
        loop_ = new uv_loop_t;
        uv_loop_init(loop_);
        usr1_ = new uv_signal_t;
        uv_signal_init(loop_, usr1_);
        usr1_->data = this;
        uv_signal_start(usr1_, gw_usr1, SIGUSR1);
        /* Statistics on demand must not keep the loop alive. */
        uv_unref(reinterpret_cast<uv_handle_t *>(usr1_));
        if (cfg_.stop_on_signals) {
            const int signums[2] = {SIGINT, SIGTERM};
            for (int i = 0; i < 2; i++) {
                stop_signals_[i] = new uv_signal_t;
                uv_signal_init(loop_, stop_signals_[i]);
                stop_signals_[i]->data = this;
                uv_signal_start(stop_signals_[i], gw_stop_signal, signums[i]);
                uv_unref(reinterpret_cast<uv_handle_t *>(stop_signals_[i]));
            }
        }
    }
    opts.listen = cfg_.listen.c_str();
    opts.max_frame = cfg_.max_frame;
    opts.stall_ms = cfg_.timeout_ms;
    if (sclink_server_new(loop_, &opts, &kServerOps, this, &server_, why, sizeof(why)) < 0) {
        err = why;
        return false;
    }
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

void Gateway::log(const std::string &line) const
{
    if (!cfg_.quiet)
        std::cerr << "sclink-gateway: " << line << std::endl;
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

uint64_t Gateway::now_ps() const
{
    return (sc_core::sc_time_stamp() - base_).value() * res_ps_;
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
    /* A peer that says Bye or Error answers no more DMA: stop waiting. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
        m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR)
        peer_leaving_ = true;
    queue_.push_back(Queued{m, heap_bytes + kQueueEntryCost});
    queued_bytes_ += queue_.back().cost;
    if (!input_held_ && queued_bytes_ >= kMaxQueuedBytes) {
        sclink_server_hold_input(server_, 1);
        input_held_ = true;
        stats_.queue_holds++;
    }
}

/* Takes the oldest queued message; reads again once the queue is half empty. */
sclink_msg *Gateway::dequeue()
{
    Queued q = queue_.front();

    queue_.pop_front();
    queued_bytes_ -= q.cost;
    if (input_held_ && queued_bytes_ <= kMaxQueuedBytes / 2) {
        sclink_server_hold_input(server_, 0);
        input_held_ = false;
    }
    return q.m;
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

void Gateway::on_stats_signal()
{
    print_stats(std::cerr);
    flush_trace();
}

void Gateway::on_stop_signal(int signum)
{
    const char *name = signum == SIGINT ? "SIGINT" : "SIGTERM";

    if (stop_requested_) {
        /* A second one: the user will not wait (a DMA wait may take up
         * to timeout_ms).  Die of it, as without a handler. */
        log(std::string(name) + " again: exiting at once");
        std::signal(signum, SIG_DFL);
        std::raise(signum);
        return;
    }
    log(std::string(name) + ": stopping (again to exit at once)");
    stop();
}

void Gateway::stop()
{
    stop_requested_ = true;
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
        print_stats(std::cerr);
        if (!cfg_.serve || stop_requested_)
            break;
        for (auto &fn : reset_fns_)
            fn();
        stats_ = LinkStats();
        log("waiting for the next link");
    }
    sc_core::sc_stop();
}

/* Runs one link from Hello to close. */
void Gateway::serve_link()
{
    double hello_deadline = now_s() + cfg_.timeout_ms / 1e3;

    state_ = State::await_hello;
    bye_received_ = false;
    bye_sent_ = false;
    stopping_ = false;
    peer_leaving_ = false;
    link_err_ = 0;
    link_why_.clear();
    posted_log_start_ = 0;
    posted_logged_ = 0;
    posted_suppressed_ = 0;
    base_ = sc_core::sc_time_stamp();
    last_ps_ = 0;
    intx_level_ = false;
    log("link opened");

    bool output_wait = false;
    while (link_open_ || !queue_.empty()) {
        /* Nothing more is executed while the peer leaves the output bound
         * unread (the server has stopped reading too): every Request
         * would add an answer it does not take. */
        if (!queue_.empty() && !sclink_server_output_full(server_)) {
            output_wait = false;
            sclink_msg *m = dequeue();
            /* The count of a second that is over need not wait for the
             * next failure, nor come after the line of a peer leaving. */
            if (posted_suppressed_ && (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
                                       m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ||
                                       now_s() - posted_log_start_ >= 1.0))
                log_suppressed_posted();
            handle(m);
            sclink_msg_free(m);
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
        /* Idle: what was traced may stay buffered kTraceFlushS at most. */
        unsigned flush_ms = queue_.empty() ? flush_trace_when_idle() : 0;
        Stopwatch w(stats_.wait_s);
        if (state_ == State::await_hello)
            sclink_server_run_timeout(server_, 100);
        else if (flush_ms)
            sclink_server_run_timeout(server_, flush_ms);
        else
            sclink_server_run_once(server_);
    }
    log_suppressed_posted();
    flush_trace();
    state_ = State::closed;
    if (bye_received_ && (link_err_ == 0 || link_err_ == SCLINK_ECLOSED)) {
        exit_status_ = 0;
        log("link closed by Bye");
    } else if (stopping_ && link_err_ == 0) {
        exit_status_ = 0;
        log(bye_sent_ ? "link closed by the gateway's Bye" : "link closed: gateway stopping");
    } else {
        exit_status_ = 3;
        log("link lost: " + (link_why_.empty() ? std::string(sclink_strerror(link_err_))
                                               : link_why_));
    }
}

void Gateway::handle(sclink_msg *m)
{
    /* After the link is gone, only side effects still matter: a write the
     * peer sent before leaving is applied, nothing is answered. */
    bool gone = !link_open_;

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
        handle_request(m->request);
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
    window_end_ps_ = quantum_ps_;
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
}

/*
 * Runs SystemC up to the link time t (never beyond what QEMU has sent),
 * including everything else that happens at t.
 */
void Gateway::advance_to(uint64_t t_ps)
{
    sc_time target = base_ + sc_time::from_value(t_ps / res_ps_);
    sc_time now = sc_core::sc_time_stamp();

    if (t_ps > last_ps_)
        last_ps_ = t_ps;
    if (target > now) {
        Stopwatch w(stats_.sim_s);
        sc_core::wait(target - now);
    }
    settle();
}

/*
 * Whether SystemC can still reach link time t; if not, the link fails.
 * SystemC time is finite (2^64 - 1 units of its resolution: 213 days in
 * ps) and never goes back, and with --serve each link starts where the
 * last one ended: after a free-running peer stamped a Request near 2^64
 * ps, base_ + t wrapped, and every later link ran with time frozen, its
 * timers never firing.
 */
bool Gateway::reachable(const std::string &what, uint64_t t_ps)
{
    const uint64_t units = (sc_core::sc_max_time() - base_).value();

    if (t_ps / res_ps_ <= units)
        return true;
    fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
         what + " stamped " + std::to_string(t_ps) + " ps, beyond the SystemC time this link " +
             "has left (" + std::to_string(units) + " units of " +
             std::to_string(res_ps_) + " ps; restart the gateway for more)");
    return false;
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

void Gateway::handle_request(const sclink_request *r)
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

    if (!r->has_bar || !bar) {
        fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
             "MMIO Request " + std::to_string(r->id) +
                 (r->has_bar ? " to BAR " + std::to_string(r->bar) + ", which the device lacks"
                             : std::string(" without a bar")));
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
        if (posted && (!bar->posted_writes ||
                       !(caps_ & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES))) {
            fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "posted write to BAR " + std::to_string(r->bar) +
                 ", which does not accept posted writes");
            return;
        }
        if (!reachable("Request " + std::to_string(r->id), r->time_ps))
            return;
        /* A request stamped t executes at exactly sc_time_stamp() == t. */
        advance_to(r->time_ps);
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
            unsigned n = initiator->transport_dbg(gp);
            status = n == r->length ? SCLINK__V1__STATUS__STATUS_OK
                                    : SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
        } else {
            Stopwatch w(stats_.sim_s);
            initiator->b_transport(gp, delay);
            settle();
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

void Gateway::handle_sync(const sclink_sync *s)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync grant = SCLINK__V1__SYNC__INIT;

    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "Sync without the CAP_SYNC capability agreed");
        return;
    }
    if (s->kind != SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync GRANT is the gateway's to send");
        return;
    }
    if (s->time_ps < last_ps_ || s->time_ps > window_end_ps_) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync REACHED " + std::to_string(s->time_ps) +
             " ps outside [" + std::to_string(last_ps_) + ", " +
             std::to_string(window_end_ps_) + "] ps");
        return;
    }
    if (!reachable("Sync REACHED", s->time_ps))
        return;
    /* Everything models raise up to W is sent while SystemC runs to W,
     * so it precedes the grant on the wire. */
    advance_to(s->time_ps);
    window_end_ps_ = add_sat(s->time_ps, quantum_ps_);
    if (caps_ & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
        window_end_ps_ = std::max(window_end_ps_,
                                  std::min(next_activity_ps(),
                                           add_sat(s->time_ps, kMaxLookaheadPs)));
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

    if (state_ != State::running || !link_open_)
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
                                            unsigned char *data, unsigned len, bool debug)
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
    while (!wait.done && link_open_ && !peer_leaving_) {
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
    dma_waits_.erase(id);
    if (wait.done) {
        const sclink_response *resp = wait.resp->response;
        st = from_wire(resp->status);
        if (st == tlm::TLM_OK_RESPONSE && !is_write) {
            if (resp->data.len != len) {
                fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "DMA Response " + std::to_string(id) +
                     " carries " + std::to_string(resp->data.len) + " bytes for a read of " +
                     std::to_string(len));
                st = tlm::TLM_GENERIC_ERROR_RESPONSE;
            } else {
                std::memcpy(data, resp->data.data, len);
            }
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
bool Gateway::dma_forward(tlm::tlm_generic_payload &gp, bool debug)
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
        st = dma_chunk(gp, addr + off, gp.get_data_ptr() + off, len, debug);
        off += len;
    }
    gp.set_response_status(st);
    return st == tlm::TLM_OK_RESPONSE;
}

/*
 * The access is stamped with the current SystemC time; the initiator's
 * annotated delay stays annotated.  Waiting it out here would let SystemC
 * run past what QEMU has granted when a target does DMA from inside an
 * MMIO access (the pump's own thread).
 */
void Gateway::dma_b_transport(int, tlm::tlm_generic_payload &gp, sc_time &)
{
    dma_forward(gp, false);
}

unsigned Gateway::dma_transport_dbg(int, tlm::tlm_generic_payload &gp)
{
    return dma_forward(gp, true) ? gp.get_data_length() : 0;
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
                  "  SystemC time: %s\n",
                  cfg_.listen.c_str(), stats_.reads, stats_.writes, stats_.posted,
                  stats_.debug, stats_.bytes_read, stats_.bytes_written, stats_.windows,
                  stats_.interrupts, stats_.dma_reads, stats_.dma_writes, stats_.dma_bytes,
                  stats_.errors, stats_.output_waits, stats_.queue_holds, stats_.wait_s,
                  stats_.sim_s,
                  sc_core::sc_time_stamp().to_string().c_str());
    os << buf;
    for (const auto &kv : stats_.per_target)
        os << "  target " << kv.first << ": " << kv.second << " requests\n";
    os.flush();
}

} // namespace sclink
