/*
 * sclink-gateway PLATFORM.yaml: builds the SystemC platform a platform file
 * describes (gateway, router, models from built-ins and plugins), prints its
 * address map and serves QEMU links.  Exit status: 0 the link ended with
 * Bye, 1 configuration error, 2 cannot listen, 3 the link failed, 4 a
 * model failed.
 */
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <getopt.h>
#include <unistd.h>

#include <systemc>

#include "gateway.h"
#include "model.h"
#include "platform.h"
#include "router.h"

namespace {

const char kUsage[] =
    "usage: sclink-gateway [options] PLATFORM.yaml\n"
    "  --serve           keep serving: after a link ends, reset the models and\n"
    "                    wait for the next one (default: exit after one link)\n"
    "  --listen ADDR     override the platform's listen address\n"
    "                    (unix:PATH or tcp:HOST:PORT; default\n"
    "                    unix:$XDG_RUNTIME_DIR/sclink/sclink.sock)\n"
    "  --socket-group G  make the Unix socket 0660 for group G (default 0600)\n"
    "  --plugin LIB.so   load model types from a plugin (repeatable)\n"
    "  --trace FILE      write every transaction to FILE, one line each\n"
    "  --check           build the platform, print its map and exit\n"
    "  --quiet           no log lines on stderr\n"
    "  --help            this text\n"
    "SIGINT or SIGTERM: finish what was received, send Bye, exit; again: exit at once\n"
    "exit status: 0 link ended with Bye, 1 configuration error,\n"
    "             2 cannot listen, 3 link failed, 4 a model failed\n";

struct Options {
    std::string platform;
    std::string listen;
    std::string socket_group;
    std::string trace;
    std::vector<std::string> plugins;
    bool serve = false;
    bool check = false;
    bool quiet = false;
};

int parse_args(int argc, char **argv, Options &o)
{
    enum { OPT_SERVE = 1, OPT_LISTEN, OPT_SOCKET_GROUP, OPT_PLUGIN, OPT_TRACE, OPT_CHECK, OPT_QUIET, OPT_HELP };
    static const struct option longopts[] = {
        {"serve", no_argument, nullptr, OPT_SERVE},
        {"listen", required_argument, nullptr, OPT_LISTEN},
        {"socket-group", required_argument, nullptr, OPT_SOCKET_GROUP},
        {"plugin", required_argument, nullptr, OPT_PLUGIN},
        {"trace", required_argument, nullptr, OPT_TRACE},
        {"check", no_argument, nullptr, OPT_CHECK},
        {"quiet", no_argument, nullptr, OPT_QUIET},
        {"help", no_argument, nullptr, OPT_HELP},
        {nullptr, 0, nullptr, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, "", longopts, nullptr)) != -1) {
        switch (c) {
        case OPT_SERVE: o.serve = true; break;
        case OPT_LISTEN: o.listen = optarg; break;
        case OPT_SOCKET_GROUP: o.socket_group = optarg; break;
        case OPT_PLUGIN: o.plugins.push_back(optarg); break;
        case OPT_TRACE: o.trace = optarg; break;
        case OPT_CHECK: o.check = true; break;
        case OPT_QUIET: o.quiet = true; break;
        case OPT_HELP: std::cout << kUsage; std::exit(0);
        default: std::cerr << kUsage; return -1;
        }
    }
    if (optind != argc - 1) {
        std::cerr << kUsage;
        return -1;
    }
    o.platform = argv[optind];
    return 0;
}

/* "-std=c++17" for 201703L; the raw value for a standard not listed. */
std::string std_flag(long cplusplus)
{
    static const struct {
        long value;
        const char *flag;
    } stds[] = {{199711L, "c++98"}, {201103L, "c++11"}, {201402L, "c++14"},
                {201703L, "c++17"}, {202002L, "c++20"}, {202302L, "c++23"}};
    for (const auto &s : stds)
        if (s.value == cplusplus)
            return std::string("-std=") + s.flag;
    return "__cplusplus " + std::to_string(cplusplus) + "L";
}

/*
 * SystemC 2.3 bakes the C++ standard into a symbol every user of its
 * headers references, sc_api_version_2_3_4_cxx201703L: a plugin built
 * with another -std= fails dlopen on it.  Its standard, or 0.
 */
long std_of_missing_sc_api(const char *dlerr)
{
    const char *p = std::strstr(dlerr, "sc_api_version_");
    p = p ? std::strstr(p, "_cxx") : nullptr;
    if (!p)
        return 0;
    char *end;
    long v = std::strtol(p + 4, &end, 10);
    return end != p + 4 && *end == 'L' ? v : 0;
}

bool load_plugin(const std::string &path, std::string &err)
{
    const std::string ours = std_flag(SC_CPLUSPLUS);
    void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        long theirs = std_of_missing_sc_api(why);
        if (theirs && theirs != SC_CPLUSPLUS)
            err = "plugin " + path + " was compiled with " + std_flag(theirs) +
                  ", but the SystemC here was built with " + ours + ": rebuild the plugin with " +
                  ours + " (" + why + ")";
        else
            err = std::string("cannot load plugin: ") + why;
        return false;
    }
    const auto *e = static_cast<const sclink_plugin_entry *>(dlsym(h, SCLINK_PLUGIN_SYMBOL));
    if (!e) {
        err = "plugin " + path + " has no " SCLINK_PLUGIN_SYMBOL " entry" +
              (dlsym(h, "sclink_plugin_init")
                   ? std::string(": it was written for plugin ABI 1 (sclink_plugin_init()); "
                                 "its factories must return bool (doc/gateway.md, \"Plugins\"), "
                                 "then declare SCLINK_PLUGIN(init) and rebuild")
                   : std::string(" (declare SCLINK_PLUGIN(init) in one of its sources)"));
        goto out_close;
    }
    if (e->abi != SCLINK_PLUGIN_ABI) {
        err = "plugin " + path + " was built for plugin ABI " + std::to_string(e->abi) +
              ", this gateway loads ABI " + std::to_string(SCLINK_PLUGIN_ABI) +
              ": rebuild it against this sclink's headers";
        goto out_close;
    }
    if (e->cplusplus != SC_CPLUSPLUS || !e->systemc || std::strcmp(e->systemc, SC_VERSION) != 0) {
        err = "plugin " + path + " was built with " + std_flag(e->cplusplus) + " against SystemC " +
              (e->systemc ? e->systemc : "(none)") + ", this gateway with " + ours +
              " against SystemC " SC_VERSION ": rebuild it with " + ours;
        goto out_close;
    }
    if (int r = e->init(); r < 0) {
        err = "plugin " + path + ": its init refused (" + std::to_string(r) + ")";
        goto out_close;
    }
    /* The plugin's code stays loaded for the life of the process. */
    return true;
out_close:
    dlclose(h);
    return false;
}

sclink::GatewayConfig gateway_config(const sclink_platform &pf, const Options &o, unsigned lines)
{
    sclink::GatewayConfig c;

    c.name = pf.name;
    c.listen = !o.listen.empty() ? o.listen : pf.listen ? pf.listen : "";
    c.socket_group = !o.socket_group.empty() ? o.socket_group
                     : pf.socket_group      ? pf.socket_group : "";
    c.quantum = sc_core::sc_time((double)pf.quantum_ns, sc_core::SC_NS);
    c.quantum_fixed = pf.quantum_fixed;
    c.lookahead = !pf.lookahead || *pf.lookahead;
    if (pf.max_frame)
        c.max_frame = pf.max_frame;
    c.timeout_ms = pf.timeout_ms;
    if (pf.idle_timeout_ms)
        c.idle_timeout_ms = *pf.idle_timeout_ms;
    if (pf.stuck_timeout_ms)
        c.stuck_timeout_ms = *pf.stuck_timeout_ms;
    /* A program of its own may end itself: nothing else gets the pump
     * back from a model that never returns. */
    c.exit_when_stuck = true;
    if (pf.max_time_jump_ms)
        c.max_time_jump_ps = *pf.max_time_jump_ms > UINT64_MAX / 1000000000
                                 ? 0 : *pf.max_time_jump_ms * 1000000000;
    c.vendor_id = pf.pci->vendor_id;
    c.device_id = pf.pci->device_id;
    c.subsystem_vendor_id = pf.pci->subsystem_vendor_id;
    c.subsystem_id = pf.pci->subsystem_id;
    if (pf.pci->class_code)
        c.class_code = pf.pci->class_code;
    c.revision = pf.pci->revision;
    switch (pf.pci->interrupt) {
    case SCLINK_PLATFORM_IRQ_INTX: c.irq_kind = sclink::IrqKind::intx; break;
    case SCLINK_PLATFORM_IRQ_MSI: c.irq_kind = sclink::IrqKind::msi; break;
    case SCLINK_PLATFORM_IRQ_MSIX: c.irq_kind = sclink::IrqKind::msix; break;
    default: c.irq_kind = sclink::IrqKind::none; break;
    }
    c.vectors = pf.pci->vectors;
    for (unsigned i = 0; i < pf.bars_count; i++) {
        sclink::BarConfig b;
        b.index = pf.bars[i].index;
        b.size = pf.bars[i].size;
        b.base = pf.bars[i].base;
        b.is64 = pf.bars[i].is64;
        b.prefetchable = pf.bars[i].prefetchable;
        b.posted_writes = pf.bars[i].posted_writes;
        c.bars.push_back(b);
    }
    c.irq_lines = lines;
    c.serve = o.serve;
    c.trace_path = o.trace;
    c.quiet = o.quiet;
    return c;
}

/*
 * The program owns its signals; the library installs none.  SIGINT and
 * SIGTERM: the first asks the gateway to stop (Gateway::stop, which is
 * async-signal-safe); the second kills the process at once, whatever a
 * model is doing, by dying of the signal as without a handler: a model
 * that spins inside b_transport keeps the event loop, and so any orderly
 * stop, away for ever.  SIGUSR1: statistics at the next loop iteration.
 * Not libuv's signal handles, which act only when the loop runs.  The
 * stop signals are blocked while the handler runs, so the count needs no
 * atomics.
 */
sclink::Gateway *g_gateway = nullptr;
volatile sig_atomic_t g_stop_count = 0;
const int kHandledSignals[3] = {SIGINT, SIGTERM, SIGUSR1};
struct sigaction g_old_actions[3];

extern "C" void on_signal(int signum)
{
    if (signum == SIGUSR1) {
        g_gateway->request_stats();
        return;
    }
    if (g_stop_count++ > 0) {
        static const char on_int[] = "sclink-gateway: SIGINT again: exiting at once\n";
        static const char on_term[] = "sclink-gateway: SIGTERM again: exiting at once\n";
        const char *msg = signum == SIGINT ? on_int : on_term;
        ssize_t r = write(STDERR_FILENO, msg, std::strlen(msg));
        (void)r;
        std::signal(signum, SIG_DFL);
        std::raise(signum);   /* delivered as the handler returns */
        return;
    }
    g_gateway->stop(signum == SIGINT ? "SIGINT: stopping (again to exit at once)"
                                     : "SIGTERM: stopping (again to exit at once)");
}

void handle_signals(sclink::Gateway &gateway)
{
    struct sigaction sa;

    g_gateway = &gateway;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : kHandledSignals)
        sigaddset(&sa.sa_mask, sig);
    for (int i = 0; i < 3; i++)
        sigaction(kHandledSignals[i], &sa, &g_old_actions[i]);
}

/* Before the gateway goes: a late signal must not reach a dead one. */
void restore_signals()
{
    for (int i = 0; i < 3; i++)
        sigaction(kHandledSignals[i], &g_old_actions[i], nullptr);
    g_gateway = nullptr;
}

/* "FILE:LINE: devices[i] (name): problem" for model errors. */
std::string where(const sclink_platform &pf, unsigned i)
{
    return std::string(pf.path) + ":" + std::to_string(pf.devices[i].line) + ": devices[" +
           std::to_string(i) + "] (" + pf.devices[i].name + "): ";
}

int run(const Options &o)
{
    char why[512];
    sclink_platform *pf = nullptr;
    std::string err;

    if (sclink_platform_load(o.platform.c_str(), &pf, why, sizeof(why)) < 0) {
        std::cerr << "sclink-gateway: " << why << std::endl;
        return 1;
    }
    std::unique_ptr<sclink_platform, void (*)(sclink_platform *)> guard(pf, sclink_platform_free);

    sclink::register_builtin_models();
    for (const std::string &p : o.plugins) {
        if (!load_plugin(p, err)) {
            std::cerr << "sclink-gateway: " << err << std::endl;
            return 1;
        }
    }

    /* Interrupt lines: as many as the highest line a device uses, one
     * device per line (INTx ORs them all anyway). */
    unsigned lines = 0;
    for (unsigned i = 0; i < pf->devices_count; i++)
        if (pf->devices[i].irq && (unsigned)*pf->devices[i].irq + 1 > lines)
            lines = (unsigned)*pf->devices[i].irq + 1;
    std::vector<int> line_owner(lines, -1);

    sclink::GatewayConfig gcfg = gateway_config(*pf, o, lines);
    sclink::Gateway gateway("gateway", gcfg);
    sclink::Router router("router", sc_core::sc_time((double)pf->routing_latency_ns, sc_core::SC_NS));
    gateway.initiator.bind(router.in);

    std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> signals;
    std::vector<sclink::Model *> models;
    auto new_signal = [&signals](const std::string &name) {
        signals.emplace_back(new sc_core::sc_signal<bool>(name.c_str(), false));
        return signals.back().get();
    };
    std::vector<sc_core::sc_signal<bool> *> line_signals(lines, nullptr);

    for (unsigned i = 0; i < pf->devices_count; i++) {
        const sclink_platform_device &d = pf->devices[i];
        sclink::ModelConfig mc;
        mc.name = d.name;
        mc.type = d.type;
        mc.base = d.base;
        mc.size = d.size;
        mc.irq = d.irq ? (int)*d.irq : -1;
        for (unsigned j = 0; j < d.params_count; j++)
            mc.params[d.params[j].key] = d.params[j].value;

        sclink::ModelFactory make = sclink::find_model_type(d.type);
        if (!make) {
            std::string known;
            for (const std::string &t : sclink::model_types())
                known += (known.empty() ? "" : ", ") + t;
            std::cerr << "sclink-gateway: " << where(*pf, i) << "type: unknown model type '"
                      << d.type << "' (known: " << known << ")" << std::endl;
            return 1;
        }
        sclink::Model *m = nullptr;
        if (!make(mc, m, err)) {
            std::cerr << "sclink-gateway: " << where(*pf, i) << err << std::endl;
            return 1;
        }
        models.push_back(m);
        router.bind(m->target(), d.base, d.size, d.offset, (int)d.priority, d.name);
        if (m->dma_initiator())
            m->dma_initiator()->bind(gateway.dma);
        if (m->irq_out()) {
            sc_core::sc_signal<bool> *s = new_signal(std::string(d.name) + "_irq");
            m->irq_out()->bind(*s);
            if (mc.irq >= 0) {
                if (line_owner[mc.irq] >= 0) {
                    std::cerr << "sclink-gateway: " << where(*pf, i) << "irq: line " << mc.irq
                              << " is already used by " << pf->devices[line_owner[mc.irq]].name
                              << std::endl;
                    return 1;
                }
                line_owner[mc.irq] = (int)i;
                line_signals[mc.irq] = s;
            }
        } else if (mc.irq >= 0) {
            std::cerr << "sclink-gateway: " << where(*pf, i) << "irq: model type '" << d.type
                      << "' has no interrupt output" << std::endl;
            return 1;
        }
    }
    for (unsigned l = 0; l < lines; l++)
        gateway.irq[l].bind(line_signals[l] ? *line_signals[l]
                                            : *new_signal("unused_line_" + std::to_string(l)));

    if (!router.build(err)) {
        std::cerr << "sclink-gateway: " << pf->path << ": address map: " << err << std::endl;
        return 1;
    }
    std::cout << "sclink-gateway: address map of " << pf->path << ":\n";
    router.print(std::cout);
    for (unsigned i = 0; i < pf->bars_count; i++)
        std::printf("  BAR%u: %#llx bytes at router address %#llx%s\n", pf->bars[i].index,
                    (unsigned long long)pf->bars[i].size, (unsigned long long)pf->bars[i].base,
                    pf->bars[i].posted_writes ? ", posted writes" : "");
    std::fflush(stdout);

    const sclink_map *map = router.address_map();
    gateway.set_target_namer([map](uint64_t addr) {
        const sclink_map_seg *seg = sclink_map_find(map, addr);
        const char *n = seg ? sclink_map_entry_name(map, seg->entry) : nullptr;
        return std::string(n && *n ? n : "(unmapped)");
    });
    gateway.on_reset([&models]() {
        for (sclink::Model *m : models)
            m->reset();
    });

    if (o.check) {
        for (sclink::Model *m : models)
            delete m;
        return 0;
    }
    if (!gateway.listen(err)) {
        std::cerr << "sclink-gateway: " << err << std::endl;
        for (sclink::Model *m : models)
            delete m;
        return 2;
    }
    /* A model's failure that reaches here is told to QEMU by finish(). */
    int status;
    handle_signals(gateway);
    try {
        sc_core::sc_start();
        status = gateway.finish();
    } catch (const std::exception &e) {
        status = gateway.finish(&e);
    }
    restore_signals();
    for (sclink::Model *m : models)
        delete m;
    return status;
}

} // namespace

int sc_main(int argc, char **argv)
{
    Options o;

    /* sc_stop() is how a link's end stops the simulation: not news. */
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
    /*
     * SC_FATAL throws instead of aborting, so that a model's fatal report
     * reaches the gateway, which tells QEMU and exits with status 4
     * (doc/gateway.md, "Failing models").  The gateway's log line says
     * it, so SystemC does not print it too.  A program of its own,
     * sclink::Gateway's host, decides this for itself.
     */
    sc_core::sc_report_handler::set_actions(sc_core::SC_FATAL, sc_core::SC_LOG |
                                            sc_core::SC_CACHE_REPORT | sc_core::SC_THROW);
    /* The gateway's log lines and statistics on stderr, as "sclink-gateway: ...". */
    sc_core::sc_report_handler::set_handler(sclink::report_handler);
    if (parse_args(argc, argv, o) < 0)
        return 1;
    return run(o);
}

/*
 * Our own main() (libsystemc's would be used otherwise): SystemC prints its
 * banner while it initialises, before sc_main runs, and our stdout is the
 * address map and statistics.
 */
int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
