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

#include <getopt.h>
#include <unistd.h>

#include <systemc>

#include "loader.h"

namespace {

const char kUsage[] =
    "usage: sclink-gateway [options] PLATFORM.yaml\n"
    "  --serve           keep serving: after a link ends, reset the models and\n"
    "                    wait for the next one (default: exit after one link)\n"
    "  --listen ADDR     override the platform's listen address\n"
    "                    (unix:PATH or tcp:HOST:PORT; default\n"
    "                    unix:$XDG_RUNTIME_DIR/sclink/sclink.sock)\n"
    "  --socket-group G  make the Unix socket 0660 for group G (default 0600)\n"
    "  --tls-creds x509:DIR|psk:DIR\n"
    "                    TLS on every link, with QEMU's credential files in DIR\n"
    "                    (ca-cert.pem, server-cert.pem, server-key.pem; or keys.psk)\n"
    "  --tls-allow DN    X.509: accept only clients with this DN (repeatable)\n"
    "  --insecure-tcp    allow plain TCP on an address that is not loopback\n"
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
    std::string tls_creds;
    std::vector<std::string> tls_allow;
    std::string trace;
    std::vector<std::string> plugins;
    bool serve = false;
    bool check = false;
    bool quiet = false;
    bool insecure_tcp = false;
};

int parse_args(int argc, char **argv, Options &o)
{
    enum {
        OPT_SERVE = 1, OPT_LISTEN, OPT_SOCKET_GROUP, OPT_TLS_CREDS, OPT_TLS_ALLOW,
        OPT_INSECURE_TCP, OPT_PLUGIN, OPT_TRACE, OPT_CHECK, OPT_QUIET, OPT_HELP
    };
    static const struct option longopts[] = {
        {"serve", no_argument, nullptr, OPT_SERVE},
        {"listen", required_argument, nullptr, OPT_LISTEN},
        {"socket-group", required_argument, nullptr, OPT_SOCKET_GROUP},
        {"tls-creds", required_argument, nullptr, OPT_TLS_CREDS},
        {"tls-allow", required_argument, nullptr, OPT_TLS_ALLOW},
        {"insecure-tcp", no_argument, nullptr, OPT_INSECURE_TCP},
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
        case OPT_TLS_CREDS: o.tls_creds = optarg; break;
        case OPT_TLS_ALLOW: o.tls_allow.push_back(optarg); break;
        case OPT_INSECURE_TCP: o.insecure_tcp = true; break;
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

int run(const Options &o)
{
    sclink::PlatformOptions po;
    std::string err;

    po.listen = o.listen;
    po.socket_group = o.socket_group;
    po.tls_creds = o.tls_creds;
    po.tls_allow = o.tls_allow;
    po.insecure_tcp = o.insecure_tcp;
    po.trace = o.trace;
    po.plugins = o.plugins;
    po.serve = o.serve;
    po.quiet = o.quiet;
    /* A program of its own may end itself: nothing else gets the pump
     * back from a model that never returns. */
    po.exit_when_stuck = true;
    std::unique_ptr<sclink::Platform> p = sclink::Platform::load(o.platform, po, err);
    if (!p || !p->build(err)) {
        std::cerr << "sclink-gateway: " << err << std::endl;
        return 1;
    }
    p->print_map(std::cout);
    std::cout.flush();
    if (o.check)
        return 0;
    sclink::Gateway &gateway = p->gateway();
    if (!gateway.listen(err)) {
        std::cerr << "sclink-gateway: " << err << std::endl;
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
