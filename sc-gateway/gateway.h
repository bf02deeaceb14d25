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

#include <cstdint>
#include <exception>
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

#include "model.h"
#include "sclink.h"

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

/* TLS on every link (doc/remote.md). */
struct TlsConfig {
    /* "x509:DIR" (ca-cert.pem, server-cert.pem, server-key.pem) or
     * "psk:DIR" (keys.psk), QEMU's file names; "": no TLS. */
    std::string creds;
    bool verify_peer = true;       /* X.509: clients need a certificate of the CA */
    std::vector<std::string> allow; /* X.509: client DNs allowed; empty: any */
};

struct GatewayConfig {
    std::string name = "sclink-gateway";
    std::string listen;            /* "" for sclink_default_listen() */
    std::string socket_group;      /* Unix socket 0660 for this group, not 0600 */
    TlsConfig tls;
    bool insecure_tcp = false;     /* plain TCP on an address that is not loopback */
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
    uint64_t tls_offloaded = 0;     /* TLS calls on the TLS thread while models ran */
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

class Gateway : public sc_core::sc_module, public MsiIf {
public:
    tlm_utils::simple_initiator_socket<Gateway> initiator;
    /* DMA from any number of bus masters, none included. */
    tlm_utils::multi_passthrough_target_socket<Gateway, 32, tlm::tlm_base_protocol_types, 0,
                                               sc_core::SC_ZERO_OR_MORE_BOUND>
        dma;
    sc_core::sc_vector<sc_core::sc_in<bool>> irq;
    /* trigger_msi for models' MsiPorts (model.h). */
    sc_core::sc_export<MsiIf> msi;

    SC_HAS_PROCESS(Gateway);
    Gateway(sc_core::sc_module_name name, const GatewayConfig &cfg);
    ~Gateway() override;

    /* Binds the listen address now (else at simulation start). */
    bool listen(std::string &err);
    /* The TCP port bound (useful with port 0), 0 for Unix sockets. */
    int port() const;
    /* MSI / MSI-X vector trigger, from any SystemC process. */
    void trigger_msi(unsigned vector) override;
    /* Called between links in serve mode, and when QEMU resets the device
     * (CAP_RESET, doc/protocol.md 8.10), to reset the models. */
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
    int exit_status() const;
    const LinkStats &stats() const;
    void print_stats(std::ostream &os) const;

private:
    /* The parts (sc-gateway/session.h and beside it). */
    struct Impl;

    void pump();
    void irq_changed();
    void dma_b_transport(int id, tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned dma_transport_dbg(int id, tlm::tlm_generic_payload &gp);
    bool dma_get_dmi(int id, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);

    std::unique_ptr<Impl> impl_;
};

} // namespace sclink

#endif /* SCLINK_GATEWAY_H */
