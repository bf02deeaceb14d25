/*
 * The gateway's libuv transport (transport.h).
 */
#include "transport.h"

#include <grp.h>
#include <vector>
#include <uv.h>

#include "server.h"
#include "session.h"
#include "tls.h"

namespace sclink {
namespace gw {

namespace {

/* C trampolines for the libuv side. */
extern "C" void gw_link_open(void *ctx)
{
    static_cast<Session *>(ctx)->link_opened();
}
extern "C" void gw_message(void *ctx, sclink_msg *m, size_t heap_bytes)
{
    static_cast<Session *>(ctx)->receive(m, heap_bytes);
}
extern "C" void gw_link_closed(void *ctx, int err, const char *why)
{
    static_cast<Session *>(ctx)->link_closed(err, why);
}
extern "C" void gw_idle_tick(uv_timer_t *)
{
    /* Only ends the pump's wait: serve() checks idle_watched(). */
}
extern "C" void gw_async(uv_async_t *h)
{
    static_cast<Transport *>(h->data)->woken();
}

const struct sclink_server_ops kServerOps = {gw_link_open, gw_message, gw_link_closed};

} // namespace

Transport::~Transport()
{
    shutdown();
}

void Transport::shutdown()
{
    if (server_)
        sclink_server_free(server_);
    server_ = nullptr;
    if (loop_) {
        uv_close(reinterpret_cast<uv_handle_t *>(async_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t *>(idle_tick_), nullptr);
        uv_run(loop_, UV_RUN_DEFAULT);
        uv_loop_close(loop_);
    }
    delete idle_tick_;
    delete async_;
    delete loop_;
    idle_tick_ = nullptr;
    async_ = nullptr;
    loop_ = nullptr;
}

bool Transport::listen(GatewayConfig &cfg, Session &session, std::function<void()> on_wake,
                       std::string &err)
{
    char why[256] = "";
    struct sclink_server_opts opts = {};

    if (server_)
        return true;
    /*
     * No signal handler, no SIGPIPE disposition: the server writes with
     * MSG_NOSIGNAL (server.c), and the host's own handlers call stop() and
     * request_stats(), which wake the loop through async_.
     */
    if (!loop_) {
        loop_ = new uv_loop_t;
        uv_loop_init(loop_);
        idle_tick_ = new uv_timer_t;
        uv_timer_init(loop_, idle_tick_);
        uv_unref(reinterpret_cast<uv_handle_t *>(idle_tick_));
        async_ = new uv_async_t;
        uv_async_init(loop_, async_, gw_async);
        async_->data = this;
        /* A wake-up on demand must not keep the loop alive. */
        uv_unref(reinterpret_cast<uv_handle_t *>(async_));
        on_wake_ = std::move(on_wake);
    }
    if (cfg.listen.empty()) {
        char addr[sizeof(sclink_addr::path) + 8];
        if (sclink_default_listen(addr, sizeof(addr)) < 0) {
            err = "the default socket path is too long; give a listen address";
            return false;
        }
        cfg.listen = addr;
    }
    if (!cfg.socket_group.empty()) {
        struct group *g = getgrnam(cfg.socket_group.c_str());
        if (!g) {
            err = "socket group '" + cfg.socket_group + "': no such group";
            return false;
        }
        opts.group_access = 1;
        opts.group = g->gr_gid;
    }
    opts.listen = cfg.listen.c_str();
    opts.max_frame = cfg.max_frame;
    opts.stall_ms = cfg.timeout_ms;
    opts.insecure_tcp = cfg.insecure_tcp;
    struct sclink_tls_opts tls = {};
    std::vector<const char *> allow;
    std::string dir;
    if (!cfg.tls.creds.empty()) {
        const std::string &c = cfg.tls.creds;
        if (c.compare(0, 5, "x509:") == 0) {
            tls.kind = SCLINK_TLS_X509;
            dir = c.substr(5);
        } else if (c.compare(0, 4, "psk:") == 0) {
            tls.kind = SCLINK_TLS_PSK;
            dir = c.substr(4);
        } else {
            err = "TLS credentials '" + c + "': want x509:DIR or psk:DIR";
            return false;
        }
        for (const std::string &a : cfg.tls.allow)
            allow.push_back(a.c_str());
        tls.dir = dir.c_str();
        tls.verify_peer = cfg.tls.verify_peer;
        tls.allow = allow.data();
        tls.allow_count = allow.size();
        opts.tls = &tls;
    }
    if (sclink_server_new(loop_, &opts, &kServerOps, &session, &server_, why, sizeof(why)) < 0) {
        err = why;
        return false;
    }
    return true;
}

int Transport::port() const
{
    return server_ ? sclink_server_port(server_) : 0;
}

void Transport::accept_next()
{
    sclink_server_accept_next(server_);
}

void Transport::wake()
{
    if (async_)
        uv_async_send(async_);
}

sclink_server *Transport::enter() const
{
    sclink_server_models_running(server_, ModelsRun::active());
    return server_;
}

int Transport::send(const sclink_msg &m)
{
    return sclink_server_send(enter(), &m);
}

void Transport::fail(Sclink__V1__ErrorCode code, const std::string &why)
{
    sclink_server_fail_link(enter(), code, -EPROTO, why.c_str());
}

void Transport::close()
{
    sclink_server_close_link(enter());
}

void Transport::set_max_frame(uint32_t max_frame)
{
    sclink_server_set_max_frame(enter(), max_frame);
}

bool Transport::output_full() const
{
    return sclink_server_output_full(server_);
}

void Transport::hold_input(bool hold)
{
    sclink_server_hold_input(enter(), hold);
}

void Transport::run_once()
{
    sclink_server_run_once(enter());
}

void Transport::run_timeout(unsigned ms)
{
    sclink_server_run_timeout(enter(), ms);
}

void Transport::poll()
{
    sclink_server_poll(enter());
}

void Transport::watch_idle(unsigned tick_ms)
{
    if (tick_ms)
        uv_timer_start(idle_tick_, gw_idle_tick, tick_ms, tick_ms);
    else
        uv_timer_stop(idle_tick_);
}

int Transport::write_last(const uint8_t *frame, size_t len)
{
    return sclink_server_write_last(server_, frame, len);
}

const char *Transport::exposure() const
{
    return server_ ? sclink_server_exposure(server_) : nullptr;
}

uint64_t Transport::tls_offloaded() const
{
    return server_ ? sclink_server_tls_offloaded(server_) : 0;
}

std::string Transport::security() const
{
    const char *how = server_ ? sclink_server_tls(server_) : nullptr;

    return how ? how : "";
}

} // namespace gw
} // namespace sclink
