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
 * sockets and every irq line, call sc_start().  One-shot by default: when
 * the link ends, the gateway calls sc_stop() and exit_status() says how the
 * link ended.  Nothing here exits or aborts the process.
 */
#ifndef SCLINK_GATEWAY_H
#define SCLINK_GATEWAY_H

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "sclink.h"

struct sclink_server;
struct uv_loop_s;
struct uv_signal_s;

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
    std::string listen = "unix:/tmp/sclink.sock";
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
    std::string trace_path;        /* transaction trace, "" for none */
    bool quiet = false;            /* no log lines on stderr */
    bool stop_on_signals = false;  /* SIGINT, SIGTERM: stop() */
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
    double wait_s = 0, sim_s = 0;   /* real time waiting for QEMU / simulating */
    std::map<std::string, uint64_t> per_target;
};

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
     * From a SystemC process or a libuv callback, not a signal handler.
     */
    void stop();

    /* 0: the link ended with Bye; 2: could not listen; 3: link failed. */
    int exit_status() const { return exit_status_; }
    const LinkStats &stats() const { return stats_; }
    void print_stats(std::ostream &os) const;

    /* Called by libuv callbacks (C); not for users. */
    void on_link_open();
    void on_message(sclink_msg *m, size_t heap_bytes);
    void on_link_closed(int err, const char *why);
    void on_stats_signal();
    void on_stop_signal(int signum);

private:
    enum class State { idle, await_hello, running, closed };
    struct DmaWait {
        bool done = false;
        sclink_msg *resp = nullptr;
    };
    /* A message waiting for the pump, and what it counts against the bound. */
    struct Queued {
        sclink_msg *m;
        size_t cost;
    };

    void pump();
    void irq_changed();
    void serve_link();
    sclink_msg *dequeue();
    void handle(sclink_msg *m);
    void handle_hello(const sclink_hello *h);
    void handle_request(const sclink_request *r);
    void handle_sync(const sclink_sync *s);
    void dma_response(sclink_msg *m);
    void advance_to(uint64_t t_ps);
    bool reachable(const std::string &what, uint64_t t_ps);
    void settle();
    uint64_t next_activity_ps() const;
    void fail(Sclink__V1__ErrorCode code, const std::string &why);
    bool send(const sclink_msg &m);
    void send_bye(Sclink__V1__ByeReason reason, const char *message);
    void send_interrupt(Sclink__V1__IrqType type, unsigned index, bool level);
    void log(const std::string &line) const;
    bool posted_failure_loggable();
    void log_suppressed_posted();
    void trace(const std::string &line);
    void flush_trace();
    unsigned flush_trace_when_idle();
    uint64_t now_ps() const;
    const BarConfig *find_bar(unsigned index) const;

    void dma_b_transport(int id, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned dma_transport_dbg(int id, tlm::tlm_generic_payload &gp);
    bool dma_get_dmi(int id, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    bool dma_forward(tlm::tlm_generic_payload &gp, bool debug);
    tlm::tlm_response_status dma_chunk(tlm::tlm_generic_payload &gp, uint64_t addr,
                                       unsigned char *data, unsigned len, bool debug);

    GatewayConfig cfg_;
    struct uv_loop_s *loop_ = nullptr;
    struct uv_signal_s *usr1_ = nullptr;
    struct uv_signal_s *stop_signals_[2] = {nullptr, nullptr};
    struct sclink_server *server_ = nullptr;
    State state_ = State::idle;
    bool link_open_ = false;
    bool bye_received_ = false;
    bool stop_requested_ = false;
    bool bye_sent_ = false;
    bool stopping_ = false;        /* stop(): the link is being closed */
    bool peer_leaving_ = false;    /* Bye or Error queued: no DMA answers */
    int link_err_ = 0;
    std::string link_why_;
    int exit_status_ = 0;
    std::deque<Queued> queue_;
    size_t queued_bytes_ = 0;      /* sum of queue_'s costs */
    bool input_held_ = false;      /* the queue bound stopped the server reading */

    uint64_t res_ps_ = 1;          /* SystemC time resolution in ps */
    sc_core::sc_time base_;        /* SystemC time at the link's time 0 */
    uint64_t last_ps_ = 0;         /* latest time QEMU has sent */
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
    bool stats_requested_ = false;
};

} // namespace sclink

#endif /* SCLINK_GATEWAY_H */
