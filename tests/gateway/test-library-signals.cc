/*
 * sclink::Gateway as a library takes none of its host's signals: after
 * listen() and a whole run, SIGPIPE, SIGINT, SIGTERM and SIGUSR1 keep the
 * dispositions the host gave them (here their defaults), and stop(), the
 * call a host's own handler makes, ends the run; its reason and the
 * statistics reach a report handler as sc_reports of the sclink types.
 */
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include <systemc>

#include "common/sc-check.h"
#include "gateway.h"

namespace {

const int kSignals[] = {SIGPIPE, SIGINT, SIGTERM, SIGUSR1};
int g_logs, g_stats;
std::string g_stop_line;

bool all_default()
{
    for (int sig : kSignals) {
        struct sigaction sa;
        if (sigaction(sig, nullptr, &sa) != 0 || sa.sa_handler != SIG_DFL)
            return false;
    }
    return true;
}

void handler(const sc_core::sc_report &rep, const sc_core::sc_actions &)
{
    if (std::strcmp(rep.get_msg_type(), sclink::kLogType) == 0) {
        g_logs++;
        if (std::strstr(rep.get_msg(), "host says stop"))
            g_stop_line = rep.get_msg();
    } else if (std::strcmp(rep.get_msg_type(), sclink::kStatsType) == 0) {
        g_stats++;
    }
}

} // namespace

int sc_main(int, char **)
{
    char dir[] = "/tmp/sclink-test-signals-XXXXXX";
    sclink::GatewayConfig cfg;
    sclink::BarConfig bar;
    std::string err;

    sc_core::sc_report_handler::set_handler(handler);
    CHECK(mkdtemp(dir) != nullptr);
    cfg.listen = std::string("unix:") + dir + "/gw.sock";
    cfg.irq_kind = sclink::IrqKind::none;
    bar.size = 0x1000;
    cfg.bars.push_back(bar);
    CHECK(all_default());

    {
        sclink::Gateway gateway("gateway", cfg);
        CHECK(gateway.listen(err));
        CHECK(all_default());
        /* As a host's SIGTERM handler would, before any link. */
        gateway.stop("host says stop");
        gateway.request_stats();
        sc_core::sc_start();
        CHECK_EQ(gateway.finish(), 0);
        CHECK(all_default());
        CHECK(g_stop_line == "host says stop");
        CHECK(g_logs >= 2);   /* listening, and the stop */
        CHECK(g_stats >= 1);
    }
    CHECK(all_default());
    rmdir(dir);
    return finish();
}

int main(int argc, char **argv)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
