/*
 * Statistics, trace and log of the gateway (stats.h).
 */
#include "stats.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstring>
#include <iostream>
#include <sstream>

#include <systemc>

namespace sclink {

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

namespace gw {

namespace {

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

} // namespace

double now_s()
{
    using clock = std::chrono::steady_clock;
    return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

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

std::string peer_text(const char *text)
{
    char buf[SCLINK_LOG_TEXT_SIZE];

    return sclink_log_text(buf, sizeof(buf), text);
}

Stats::~Stats()
{
    if (trace_)
        std::fclose(trace_);
}

bool Stats::open_trace(std::string &err)
{
    if (cfg_.trace_path.empty() || trace_)
        return true;
    trace_ = std::fopen(cfg_.trace_path.c_str(), "w");
    if (!trace_) {
        err = "cannot open trace file " + cfg_.trace_path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

void Stats::log(const std::string &line) const
{
    if (!cfg_.quiet)
        sc_core::sc_report_handler::report(sc_core::SC_INFO, kLogType, line.c_str(),
                                           sc_core::SC_MEDIUM, __FILE__, __LINE__);
}

void Stats::new_link()
{
    posted_log_start_ = 0;
    posted_logged_ = 0;
    posted_suppressed_ = 0;
}

/*
 * Whether a failed posted write gets its log line.  Nobody waits for a
 * posted write, so the log is all that reports its failure, but a peer
 * that posts into a hole must not turn each frame into a log line (6 MB
 * in, 15 MB out): the first kPostedFailuresLogged of each second of real
 * time are logged, the rest counted for log_suppressed_posted().
 */
bool Stats::posted_failure_loggable()
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
void Stats::log_suppressed_posted()
{
    if (posted_suppressed_ == 0)
        return;
    log(std::to_string(posted_suppressed_) + " more failed posted writes suppressed (at most " +
        std::to_string(kPostedFailuresLogged) + " a second are logged)");
    posted_suppressed_ = 0;
}

bool Stats::suppressed_due() const
{
    return posted_suppressed_ && now_s() - posted_log_start_ >= 1.0;
}

void Stats::trace(const std::string &line)
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
void Stats::flush_trace()
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
unsigned Stats::flush_trace_when_idle()
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

void Stats::flush_trace_last()
{
    if (trace_)
        std::fflush(trace_);
}

void Stats::print(std::ostream &os) const
{
    const LinkStats &s = counters;
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
                  cfg_.listen.c_str(), s.reads, s.writes, s.posted, s.debug, s.bytes_read,
                  s.bytes_written, s.windows, s.interrupts, s.dma_reads, s.dma_writes,
                  s.dma_bytes, s.errors, s.output_waits, s.queue_holds, s.wait_s, s.sim_s,
                  sc_core::sc_time_stamp().to_string().c_str(), s.consumed_ps);
    os << buf;
    if (!cfg_.tls.creds.empty())
        os << "  TLS: " << s.tls_offloaded << " calls on the TLS thread while models ran\n";
    for (const auto &kv : s.per_target)
        os << "  target " << kv.first << ": " << kv.second << " requests\n";
    os.flush();
}

/* The statistics, as a report of their own: --quiet keeps them. */
void Stats::report() const
{
    std::ostringstream os;

    print(os);
    sc_core::sc_report_handler::report(sc_core::SC_INFO, kStatsType, os.str().c_str(),
                                       sc_core::SC_MEDIUM, __FILE__, __LINE__);
}

} // namespace gw
} // namespace sclink
