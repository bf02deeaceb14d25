/*
 * sclink::Gateway: the SystemC end of an sclink link.
 *
 * It listens on a Unix or TCP address, answers QEMU's Hello with the device
 * description, turns MMIO Requests into TLM-2.0 transactions on `initiator`
 * (bound to a router or a single target) at exactly their timestamp, sends
 * model interrupts (`irq` lines, trigger_msi) and DMA (transactions arriving
 * on `dma`) to QEMU, and keeps SystemC inside QEMU's time windows.
 *
 * Use it in your own sc_main: construct it with a GatewayConfig, bind its
 * sockets and every irq line, call sc_start(), then finish().  One-shot by
 * default: when the link ends, the gateway calls sc_stop() and finish()
 * says how the link ended.  Nothing here exits or aborts the process,
 * unless GatewayConfig::exit_when_stuck asks for it.
 */
#ifndef SCLINK_GATEWAY_H
#define SCLINK_GATEWAY_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "sclink.h"

struct sclink_server;
struct uv_loop_s;
struct uv_async_s;
struct uv_signal_s;
struct uv_timer_s;

namespace sclink {

struct BarConfig {
    unsigned index = 0;
    uint64_t size = 0;          /* power of two >= 16 */
    uint64_t base = 0;          /* router address of the BAR's offset 0 */
    bool is64 = false;
    bool prefetchable = false;
    bool posted_writes = false; /* QEMU may post writes to this BAR */
};

enum class IrqKind { none, intx, msi, msix };

struct GatewayConfig {
    std::string name = "sclink-gateway";
    std::string listen;            /* "" for sclink_default_listen() */
    std::string socket_group;      /* Unix socket 0660 for this group, not 0600 */
    sc_core::sc_time quantum = sc_core::sc_time(100, sc_core::SC_US);
    bool quantum_fixed = false;  /* refuse QEMU's proposal */
    bool lookahead = true;       /* grant up to the next SystemC event */
    uint32_t max_frame = SCLINK_DEFAULT_MAX_FRAME;
    uint32_t vendor_id = 0x1234;
    uint32_t device_id = 0x5c1c;
    uint32_t subsystem_vendor_id = 0;
    uint32_t subsystem_id = 0;
    uint32_t class_code = 0xff0000; /* unclassified device */
    uint32_t revision = 1;
    std::vector<BarConfig> bars;
    IrqKind irq_kind = IrqKind::intx;
    unsigned vectors = 1;          /* MSI / MSI-X vector count */
    unsigned irq_lines = 0;        /* number of `irq` inputs */
    bool serve = false;            /* keep serving links, resetting models */
    unsigned timeout_ms = 10000;   /* Hello, DMA answers, incomplete frames */
    /* Free-running: how far past the link's latest time a Request may be
     * stamped (with CAP_SYNC the windows bound it); 0: no bound. */
    uint64_t max_time_jump_ps = UINT64_C(3600000000000000); /* 1 hour */
    /* With CAP_SYNC, a running VM's silence this long ends the link
     * (QEMU says when its VM is paused, CAP_PAUSE); 0: never. */
    unsigned idle_timeout_ms = 60000;
    std::string trace_path;        /* transaction trace, "" for none */
    bool quiet = false;            /* no log lines (reports of kLogType) */
    /* A model that has not returned from b_transport or transport_dbg
     * after this long is stuck: a watchdog thread sends QEMU
     * Error{ERR_INTERNAL} and ends the link (doc/gateway.md, "Failing
     * models"); 0: no watchdog. */
    unsigned stuck_timeout_ms = 60000;
    bool exit_when_stuck = false;  /* then the watchdog ends the process, _exit(4) */
};

/* Per-link counters, printed at link end and on SIGUSR1. */
struct LinkStats {
    uint64_t reads = 0, writes = 0, posted = 0, debug = 0;
    uint64_t bytes_read = 0, bytes_written = 0;
    uint64_t windows = 0, interrupts = 0;
    uint64_t dma_reads = 0, dma_writes = 0, dma_bytes = 0;
    uint64_t errors = 0;            /* non-OK statuses, both directions */
    uint64_t output_waits = 0;      /* times the peer left the output bound unread */
    uint64_t queue_holds = 0;       /* times the message queue bound stopped reading */
    uint64_t consumed_ps = 0;       /* SystemC time targets took inside accesses (rule F) */
    double wait_s = 0, sim_s = 0;   /* real time waiting for QEMU / simulating */
    std::map<std::string, uint64_t> per_target;
};

/*
 * The gateway logs through sc_report, severity SC_INFO: one line per event
 * that matters as type kLogType, the statistics as type kStatsType, so
 * that a host's report handler sees them.  SystemC's default handler
 * prints them to stdout as "Info: sclink/gateway: ..."; report_handler
 * prints them the way sclink-gateway does.
 */
extern const char *const kLogType;     /* "sclink/gateway" */
extern const char *const kStatsType;   /* "sclink/gateway/stats" */

/*
 * A report handler for a host that wants sclink-gateway's format: reports
 * of kLogType as "sclink-gateway: MESSAGE" lines on stderr, kStatsType's
 * text as it is on stderr, everything else to SystemC's default handler.
 * Install it with sc_core::sc_report_handler::set_handler(); the library
 * never does.
 */
void report_handler(const sc_core::sc_report &rep, const sc_core::sc_actions &actions);

class Gateway : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Gateway> initiator;
    /* DMA from any number of bus masters, none included. */
    tlm_utils::multi_passthrough_target_socket<Gateway, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        dma;
    sc_core::sc_vector<sc_core::sc_in<bool>> irq;

    SC_HAS_PROCESS(Gateway);
    Gateway(sc_core::sc_module_name name, const GatewayConfig &cfg);
    ~Gateway() override;

    /* Binds the listen address now (else at simulation start). */
    bool listen(std::string &err);
    /* The TCP port bound (useful with port 0), 0 for Unix sockets. */
    int port() const;
    /* MSI / MSI-X vector trigger, from any SystemC process. */
    void trigger_msi(unsigned vector);
    /* Called between links in serve mode, to reset the models. */
    void on_reset(std::function<void()> fn);
    /* Names the target an MMIO address reaches, for the statistics. */
    void set_target_namer(std::function<std::string(uint64_t)> fn);

    /*
     * Ends the run: a link in progress is closed with Bye{BYE_SHUTDOWN}
     * once every message already received has been executed and answered,
     * then the pump stops the simulation (sc_stop), also with --serve.
     * Async-signal-safe, and safe from any thread: the host's own signal
     * handler calls it (the library installs none).  `why`, a string
     * with static storage, is logged when the gateway takes the request.
     */
    void stop(const char *why = nullptr);
    /*
     * Reports the statistics (kStatsType) and flushes the trace at the
     * next iteration of the event loop, also while SystemC runs far ahead
     * (within 20 ms).  Async-signal-safe and thread-safe, for a SIGUSR1
     * handler of the host's.
     */
    void request_stats();

    /*
     * Call once sc_start() has returned (or thrown: pass what it threw).
     * If the simulation stopped under a link, a model's sc_stop() or its
     * wait() for an event nothing notifies (starvation), or a report a
     * model's own process threw, it tells QEMU (Bye, or Error{ERR_INTERNAL}
     * while a Request waits for its answer) and closes the link.  Returns
     * exit_status().
     */
    int finish(const std::exception *failure = nullptr);

    /* 0: the link ended with Bye; 2: could not listen; 3: link failed;
     * 4: a model failed (doc/gateway.md, "Exit status"). */
    int exit_status() const { return exit_status_; }
    const LinkStats &stats() const { return stats_; }
    void print_stats(std::ostream &os) const;

    /* Called by libuv callbacks (C); not for users. */
    void on_link_open();
    void on_message(sclink_msg *m, size_t heap_bytes);
    void on_link_closed(int err, const char *why);
    void on_async();
    void watchdog();

private:
    enum class State { idle, await_hello, running, closed };
    struct DmaWait {
        bool done = false;
        sclink_msg *resp = nullptr;
    };
    /* A message waiting for the pump, and what it counts against the bound;
     * dup_id: a Request whose id an unanswered one already has (5.3). */
    struct Queued {
        sclink_msg *m;
        size_t cost;
        bool dup_id;
    };

    void pump();
    void irq_changed();
    void serve_link();
    Queued dequeue();
    void drop_queue();
    void handle(sclink_msg *m, bool dup_id);
    void handle_hello(const sclink_hello *h);
    void handle_request(const sclink_request *r, bool dup_id);
    void handle_sync(const sclink_sync *s);
    void handle_pause(const sclink_sync *s);
    bool idle_watched() const;
    void dma_response(sclink_msg *m);
    bool advance_to(uint64_t t_ps);
    void transact(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay, uint64_t t_ps,
                  uint64_t addr);
    bool time_reachable(uint64_t t_ps, const std::string &what);
    uint64_t budget_ps() const;
    void settle();
    uint64_t next_activity_ps() const;
    void fail(Sclink__V1__ErrorCode code, const std::string &why);
    bool send(const sclink_msg &m);
    void send_bye(Sclink__V1__ByeReason reason, const char *message);
    void send_interrupt(Sclink__V1__IrqType type, unsigned index, bool level);
    uint64_t irq_cap() const;
    void log(const std::string &line) const;
    void report_stats() const;
    void warn_exposure() const;
    bool posted_failure_loggable();
    void log_suppressed_posted();
    void trace(const std::string &line);
    void flush_trace();
    unsigned flush_trace_when_idle();
    uint64_t now_ps() const;
    const BarConfig *find_bar(unsigned index) const;
    std::string target_name(uint64_t addr) const;
    unsigned call_model(tlm::tlm_generic_payload &gp, sc_core::sc_time *delay);
    void watch_begin(uint64_t addr, const char *call);
    bool watch_end();
    void report_stuck();
    void end_stopped_link(const std::string &why, bool failed);
    bool stopped_by_model() const;
    void drain_stopped();

    void dma_b_transport(int id, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned dma_transport_dbg(int id, tlm::tlm_generic_payload &gp);
    bool dma_get_dmi(int id, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    bool dma_forward(tlm::tlm_generic_payload &gp, bool debug, uint64_t &delay_ps);
    tlm::tlm_response_status dma_chunk(tlm::tlm_generic_payload &gp, uint64_t addr,
                                       unsigned char *data, unsigned len, bool debug,
                                       uint64_t &delay_ps);

    GatewayConfig cfg_;
    struct uv_loop_s *loop_ = nullptr;
    struct uv_timer_s *idle_tick_ = nullptr;  /* wakes the pump to see an idle peer */
    /* Woken by stop() and request_stats(), which may come from a signal
     * handler or another thread: the flags are lock-free atomics. */
    uv_async_s *async_ = nullptr;
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> stats_requested_{false};
    std::atomic<const char *> stop_why_{nullptr};
    struct sclink_server *server_ = nullptr;
    State state_ = State::idle;
    bool link_open_ = false;
    bool bye_received_ = false;
    bool bye_sent_ = false;
    bool stopping_ = false;        /* stop(): the link is being closed */
    bool peer_leaving_ = false;    /* Bye or Error queued: no DMA answers */
    bool abandoned_ = false;       /* stop() came while SystemC ran to a time */
    bool peer_paused_ = false;     /* QEMU said SYNC_PAUSED (CAP_PAUSE) */
    bool in_access_ = false;       /* inside transact(): now_ps() is access_ps_ */
    uint64_t access_ps_ = 0;
    bool consumed_logged_ = false; /* rule F's line, once per link */
    double idle_since_ = 0;        /* real time the pump last had work */
    bool budget_spent_ = false;    /* no later link could have SystemC time */
    bool model_failed_ = false;    /* no later link: a model's state is untrusted */
    unsigned model_errors_ = 0;    /* models' errors logged on this link */
    bool pump_done_ = false;       /* the pump ended the run itself */
    bool sim_stopped_ = false;     /* SystemC will not run again: nothing is executed */
    double stopped_close_at_ = 0;  /* then, after its Bye: when to close at the latest */
    bool finished_ = false;        /* finish() has run */
    int link_err_ = 0;
    std::string link_why_;
    int exit_status_ = 0;
    std::deque<Queued> queue_;
    std::set<uint64_t> unanswered_ids_; /* non-posted MMIO Requests received */
    size_t queued_bytes_ = 0;      /* sum of queue_'s costs */
    bool input_held_ = false;      /* the queue bound stopped the server reading */

    uint64_t res_ps_ = 1;          /* SystemC time resolution in ps */
    sc_core::sc_time base_;        /* SystemC time at the link's time 0 */
    uint64_t last_ps_ = 0;         /* latest time QEMU has sent */
    sc_core::sc_time slice_ = sc_core::sc_time(1, sc_core::SC_US); /* advance_to's step */
    uint64_t quantum_ps_ = 0;
    uint64_t window_end_ps_ = 0;
    uint64_t caps_ = 0;
    uint32_t max_frame_ = SCLINK_DEFAULT_MAX_FRAME;

    uint64_t next_dma_id_ = 1;
    std::map<uint64_t, DmaWait *> dma_waits_;

    bool intx_level_ = false;
    std::vector<bool> line_levels_;

    std::vector<std::function<void()>> reset_fns_;
    std::function<std::string(uint64_t)> namer_;
    LinkStats stats_;
    FILE *trace_ = nullptr;
    bool trace_pending_ = false;   /* lines written since the last fflush */
    double trace_flushed_at_ = 0;  /* real time of that fflush */
    /* Failed posted writes: start of the current second of real time,
     * lines logged in it, failures counted but not logged. */
    double posted_log_start_ = 0;
    unsigned posted_logged_ = 0;
    uint64_t posted_suppressed_ = 0;
    std::vector<uint8_t> data_buf_; /* handle_request's data, reused */

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

} // namespace sclink

#endif /* SCLINK_GATEWAY_H */
