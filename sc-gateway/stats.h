/*
 * The gateway's statistics, trace and log (internal).  Counters per link
 * (LinkStats, gateway.h), the transaction trace file and its flushing,
 * the log lines through sc_report (kLogType) with the rate limit on
 * failed posted writes, and the helpers that format what the peer sent.
 */
#ifndef SCLINK_GW_STATS_H
#define SCLINK_GW_STATS_H

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>

#include "gateway.h"
#include "sclink.h"

namespace sclink {
namespace gw {

/* Real time in seconds, steady clock. */
double now_s();

/* Adds the real time spent in a scope to a counter. */
class Stopwatch {
public:
    explicit Stopwatch(double &acc) : acc_(acc), start_(now_s()) {}
    ~Stopwatch() { acc_ += now_s() - start_; }

private:
    double &acc_;
    double start_;
};

const char *status_name(Sclink__V1__Status s);
std::string hex_bytes(const uint8_t *p, size_t n);
/* What the peer (or a model) said, escaped and bounded (sclink_log_text). */
std::string peer_text(const char *text);

class Stats {
public:
    /* cfg is the gateway's, read as it is when used (listen may fill it in). */
    explicit Stats(const GatewayConfig &cfg) : cfg_(cfg) {}
    ~Stats();
    Stats(const Stats &) = delete;
    Stats &operator=(const Stats &) = delete;

    LinkStats counters;

    bool open_trace(std::string &err);
    bool tracing() const { return trace_ != nullptr; }
    void trace(const std::string &line);
    void flush_trace();
    unsigned flush_trace_when_idle();
    /* From the watchdog thread, when the process is about to end. */
    void flush_trace_last();

    void log(const std::string &line) const;
    bool quiet() const { return cfg_.quiet; }
    /* A new link: the posted-failure limit starts afresh. */
    void new_link();
    bool posted_failure_loggable();
    void log_suppressed_posted();
    /* Suppressed failures whose count is due (the second is over). */
    bool suppressed_due() const;
    bool suppressed() const { return posted_suppressed_ != 0; }

    void print(std::ostream &os) const;
    void report() const;

private:
    const GatewayConfig &cfg_;
    FILE *trace_ = nullptr;
    bool trace_pending_ = false;   /* lines written since the last fflush */
    double trace_flushed_at_ = 0;  /* real time of that fflush */
    /* Failed posted writes: start of the current second of real time,
     * lines logged in it, failures counted but not logged. */
    double posted_log_start_ = 0;
    unsigned posted_logged_ = 0;
    uint64_t posted_suppressed_ = 0;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_STATS_H */
