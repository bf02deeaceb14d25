/*
 * sclink::Gateway, a facade over its parts (doc/architecture.md, "The
 * gateway in parts"): the session (session.h) holds the link's protocol
 * state and serves it, the clock (clock.h) keeps SystemC inside QEMU's
 * windows, Mmio (mmio.h) calls the models, the DMA bridge (dma-bridge.h)
 * and the interrupt map (irq-map.h) carry what the models start, the
 * transport (transport.h) is libuv and the socket, Stats (stats.h) counts,
 * traces and logs.  Here: the pump, the SC_THREAD that owns the link and
 * runs libuv only while SystemC time is frozen, and what runs between links.
 */
#include "gateway.h"

#include "clock.h"
#include "dma-bridge.h"
#include "irq-map.h"
#include "mmio.h"
#include "session.h"
#include "stats.h"
#include "transport.h"

namespace sclink {

using sc_core::sc_time;

namespace {

/*
 * A link is refused at its Hello when less SystemC time than this is left
 * (budget): 1 s, the longest quantum, so that it can run one window.
 */
const uint64_t kMinLinkBudgetPs = UINT64_C(1000000000000);

} // namespace

struct Gateway::Impl {
    Impl(Gateway &gw, const GatewayConfig &c)
        : cfg(c), stats(cfg), clock(cfg, stats), mmio(cfg, gw.initiator, clock, stats),
          session(cfg, transport, clock, stats, mmio),
          dma(cfg, session, transport, clock, stats, mmio),
          irq(cfg, gw.irq, session, clock, stats)
    {
        session.set_parts(&dma, &irq);
        session.set_reset([this]() {
            for (auto &fn : reset_fns)
                fn();
        });
    }
    /* The watchdog writes on the transport, and the server calls the
     * session back as it closes: both go before the parts they use. */
    ~Impl()
    {
        mmio.stop_watchdog();
        transport.shutdown();
    }

    bool listen(std::string &err);
    void pump();
    void on_wake();

    GatewayConfig cfg;
    /* Declared in the order they are built and torn down: the transport
     * last, since the session's link and the watchdog's use it. */
    gw::Transport transport;
    gw::Stats stats;
    gw::Clock clock;
    gw::Mmio mmio;
    gw::Session session;
    gw::DmaBridge dma;
    gw::IrqMap irq;

    std::vector<std::function<void()>> reset_fns;
    std::atomic<bool> stats_requested{false};
    std::atomic<const char *> stop_why{nullptr};
    bool pump_done = false;        /* the pump ended the run itself */
    bool finished = false;         /* finish() has run */
};

Gateway::Gateway(sc_core::sc_module_name name, const GatewayConfig &cfg)
    : sc_module(name), initiator("initiator"), dma("dma"), irq("irq", cfg.irq_lines),
      msi("msi"), impl_(new Impl(*this, cfg))
{
    msi.bind(*this);
    dma.register_b_transport(this, &Gateway::dma_b_transport);
    dma.register_transport_dbg(this, &Gateway::dma_transport_dbg);
    dma.register_get_direct_mem_ptr(this, &Gateway::dma_get_dmi);

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
    if (!impl_->pump_done && !impl_->finished && impl_->transport.listening() &&
        impl_->session.link_open())
        finish();
}

bool Gateway::listen(std::string &err)
{
    return impl_->listen(err);
}

bool Gateway::Impl::listen(std::string &err)
{
    if (transport.listening())
        return true;
    if (clock.res_ps() == 0) {
        err = "SystemC time resolution " + sc_core::sc_get_time_resolution().to_string() +
              " is finer than the protocol's picoseconds";
        return false;
    }
    if (!transport.listen(cfg, session, [this]() { on_wake(); }, err))
        return false;
    mmio.start_watchdog(transport);
    if (const char *why = transport.exposure())
        stats.log(std::string("WARNING: ") + why);
    return stats.open_trace(err);
}

int Gateway::port() const
{
    return impl_->transport.port();
}

void Gateway::on_reset(std::function<void()> fn)
{
    impl_->reset_fns.push_back(std::move(fn));
}

void Gateway::set_target_namer(std::function<std::string(uint64_t)> fn)
{
    impl_->mmio.set_namer(std::move(fn));
}

void Gateway::trigger_msi(unsigned vector)
{
    impl_->irq.trigger_msi(vector);
}

void Gateway::irq_changed()
{
    impl_->irq.lines_changed();
}

void Gateway::dma_b_transport(int, tlm::tlm_generic_payload &gp, sc_time &delay)
{
    impl_->dma.b_transport(gp, delay);
}

unsigned Gateway::dma_transport_dbg(int, tlm::tlm_generic_payload &gp)
{
    return impl_->dma.transport_dbg(gp);
}

bool Gateway::dma_get_dmi(int, tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi)
{
    return impl_->dma.get_dmi(gp, dmi);
}

/* Only stores and uv_async_send, which are async-signal-safe. */
void Gateway::stop(const char *why)
{
    if (why)
        impl_->stop_why.store(why);
    impl_->session.request_stop();
    impl_->transport.wake();
}

void Gateway::request_stats()
{
    impl_->stats_requested.store(true);
    impl_->transport.wake();
}

/*
 * In the loop, after stop() or request_stats() woke it: what a signal
 * handler could not do itself, logging and printing.
 */
void Gateway::Impl::on_wake()
{
    if (const char *why = stop_why.exchange(nullptr))
        stats.log(why);
    if (stats_requested.exchange(false)) {
        stats.counters.tls_offloaded = transport.tls_offloaded();
        stats.report();
        stats.flush_trace();
    }
}

int Gateway::exit_status() const
{
    return impl_->session.exit_status();
}

const LinkStats &Gateway::stats() const
{
    return impl_->stats.counters;
}

void Gateway::print_stats(std::ostream &os) const
{
    impl_->stats.print(os);
}

void Gateway::pump()
{
    impl_->pump();
}

void Gateway::Impl::pump()
{
    std::string err;

    if (!listen(err)) {
        stats.log(err);
        session.set_exit_status(2);
        sc_core::sc_stop();
        return;
    }
    const std::string secured = transport.security();
    stats.log("listening on " + cfg.listen +
              (transport.port() ? " (port " + std::to_string(transport.port()) + ")"
                                : std::string()) +
              (secured.empty() ? std::string() : " with " + secured));
    for (;;) {
        transport.accept_next();
        while (!session.link_open() && !session.stop_requested()) {
            gw::Stopwatch w(stats.counters.wait_s);
            transport.run_once();
        }
        if (!session.link_open()) {
            /* Stopped between links, maybe before the loop ever ran:
             * what woke it (the stop's reason) is still said. */
            transport.poll();
            session.set_exit_status(0);
            break;
        }
        session.serve();
        stats.counters.tls_offloaded = transport.tls_offloaded();
        stats.report();
        if (!cfg.serve || session.stop_requested() || session.model_failed() ||
            session.sim_stopped())
            break;
        /* Every link starts where the last one left SystemC time. */
        if (sc_core::sc_max_time() - sc_core::sc_time_stamp() <
            sc_time::from_value(kMinLinkBudgetPs / clock.res_ps())) {
            stats.log("SystemC time is spent (" + sc_core::sc_time_stamp().to_string() +
                      " of at most " + sc_core::sc_max_time().to_string() +
                      "): no further link can run; restart the gateway");
            session.set_exit_status(3);
            break;
        }
        for (auto &fn : reset_fns)
            fn();
        stats.counters = LinkStats();
        stats.log("waiting for the next link");
    }
    pump_done = true;
    sc_core::sc_stop();
}

int Gateway::finish(const std::exception *failure)
{
    Impl &d = *impl_;

    if (d.pump_done || d.finished || !d.transport.listening())
        return d.session.exit_status();
    d.finished = true;
    d.session.finish(failure, d.pump_done);
    return d.session.exit_status();
}

} // namespace sclink
