/*
 * The gateway's libuv transport (internal): the event loop, the listener
 * and link of server.c, the wake-up that stop() and request_stats() use,
 * and the idle tick.  It is the session's Link; the server's callbacks go
 * to the session.  No signal handles: the host owns its signals.
 */
#ifndef SCLINK_GW_TRANSPORT_H
#define SCLINK_GW_TRANSPORT_H

#include <functional>
#include <string>

#include "gateway.h"
#include "link.h"

struct sclink_server;
struct uv_loop_s;
struct uv_async_s;
struct uv_timer_s;

namespace sclink {
namespace gw {

class Session;

class Transport : public Link {
public:
    Transport() = default;
    ~Transport() override;
    Transport(const Transport &) = delete;
    Transport &operator=(const Transport &) = delete;

    /* Binds cfg's address (filling in the default one); on_wake runs in
     * the loop after wake(). */
    bool listen(GatewayConfig &cfg, Session &session, std::function<void()> on_wake,
                std::string &err);
    bool listening() const { return server_ != nullptr; }
    /* Closes the link and the listener, and the loop's handles. */
    void shutdown();
    int port() const;
    /* Ready for a new link: accepts one that came while the last closed. */
    void accept_next();
    /* Async-signal-safe and thread-safe: on_wake runs at the next iteration. */
    void wake();
    /* Calls on_wake; for uv's callback. */
    void woken() { on_wake_(); }

    int send(const sclink_msg &m) override;
    void fail(Sclink__V1__ErrorCode code, const std::string &why) override;
    void close() override;
    void set_max_frame(uint32_t max_frame) override;
    bool output_full() const override;
    void hold_input(bool hold) override;
    void run_once() override;
    void run_timeout(unsigned ms) override;
    void poll() override;
    void watch_idle(unsigned tick_ms) override;
    int write_last(const uint8_t *frame, size_t len) override;
    const char *exposure() const override;
    std::string security() const override;
    uint64_t tls_offloaded() const override;

private:
    /* The server, told whether the models run now (ModelsRun): for every
     * call from the pump's thread that may do TLS work. */
    struct sclink_server *enter() const;

    struct uv_loop_s *loop_ = nullptr;
    struct uv_timer_s *idle_tick_ = nullptr;  /* wakes the pump to see an idle peer */
    struct uv_async_s *async_ = nullptr;      /* wake() */
    struct sclink_server *server_ = nullptr;
    std::function<void()> on_wake_;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_TRANSPORT_H */
