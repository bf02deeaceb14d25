/*
 * The gateway's session (internal): the link's protocol state over the
 * messages in and the messages out.  The link (link.h) hands it messages
 * (receive) and takes its frames; the session checks each against
 * doc/protocol.md (handshake, capabilities, request ids, the state it may
 * come in), and has the other parts execute it: the clock runs SystemC to
 * its time, Mmio calls the model, the DMA bridge takes DMA answers, the
 * interrupt map says what the device raises.  serve() runs one link from
 * Hello to close.  Nothing here knows of sockets: the session tests feed
 * messages through a scripted Link and observe what comes out.
 */
#ifndef SCLINK_GW_SESSION_H
#define SCLINK_GW_SESSION_H

#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "clock.h"
#include "gateway.h"
#include "link.h"
#include "mmio.h"
#include "sclink.h"
#include "stats.h"

namespace sclink {
namespace gw {

class DmaBridge;
class IrqMap;

/* The capabilities this gateway implements. */
extern const uint64_t kGatewayCaps;

class Session {
public:
    enum class State { idle, await_hello, running, closed };

    Session(const GatewayConfig &cfg, Link &link, Clock &clock, Stats &stats, Mmio &mmio);
    Session(const Session &) = delete;
    Session &operator=(const Session &) = delete;
    ~Session();
    void set_parts(DmaBridge *dma, IrqMap *irq);
    /* Puts the models back into their reset state (Sync RESET). */
    void set_reset(std::function<void()> fn) { reset_models_ = std::move(fn); }

    /* ---- From the link (libuv callbacks, or a test's scripted peer) ---- */
    void link_opened();
    /* A validated message; the session owns it from here. */
    void receive(sclink_msg *m, size_t heap_bytes);
    void link_closed(int err, const char *why);

    /* ---- From the pump ---- */
    /* Runs one link from Hello to close (link_opened came first). */
    void serve();
    /* sc_start() returned or threw while a link was up ("Failing models"). */
    void finish(const std::exception *failure, bool pump_done);
    /* Whether something other than the pump called sc_stop(). */
    bool stopped_by_model(bool pump_done) const;
    /* Async-signal-safe: the flag only (the owner wakes the loop). */
    void request_stop() { stop_requested_.store(true); }
    bool stop_requested() const { return stop_requested_.load(); }
    const std::atomic<bool> &stop_flag() const { return stop_requested_; }

    /* ---- What the other parts ask ---- */
    bool link_open() const { return link_open_; }
    bool running() const { return state_ == State::running; }
    State state() const { return state_; }
    uint64_t caps() const { return caps_; }
    uint32_t max_frame() const { return max_frame_; }
    bool peer_leaving() const { return peer_leaving_; }
    bool peer_paused() const { return peer_paused_; }
    bool input_held() const { return input_held_; }
    size_t queued() const { return queue_.size(); }
    bool model_failed() const { return model_failed_; }
    bool sim_stopped() const { return sim_stopped_; }
    int exit_status() const { return exit_status_; }
    void set_exit_status(int status) { exit_status_ = status; }

    /* Sends a frame; one this gateway cannot encode ends the link. */
    bool send(const sclink_msg &m);
    /* Sends an Error and closes the link; the "link lost" line logs why. */
    void fail(Sclink__V1__ErrorCode code, const std::string &why);

private:
    /* A message waiting for the pump, and what it counts against the bound;
     * dup_id: a Request whose id an unanswered one already has (5.3). */
    struct Queued {
        sclink_msg *m;
        size_t cost;
        bool dup_id;
    };

    Queued dequeue();
    void drop_queue();
    void handle(sclink_msg *m, bool dup_id);
    void handle_hello(const sclink_hello *h);
    void handle_request(const sclink_request *r, bool dup_id);
    void handle_sync(const sclink_sync *s);
    void handle_pause(const sclink_sync *s);
    void handle_reset(const sclink_sync *s);
    bool idle_watched() const;
    bool advance_to(uint64_t t_ps);
    void model_ended(CallEnd end, const std::string &why);
    void send_bye(Sclink__V1__ByeReason reason, const char *message);
    void end_stopped_link(const std::string &why, bool failed);
    void drain_stopped();
    const BarConfig *find_bar(unsigned index) const;
    void warn_exposure() const;

    const GatewayConfig &cfg_;
    Link &link_;
    Clock &clock_;
    Stats &stats_;
    Mmio &mmio_;
    DmaBridge *dma_ = nullptr;
    IrqMap *irq_ = nullptr;

    std::atomic<bool> stop_requested_{false};
    State state_ = State::idle;
    bool link_open_ = false;
    bool bye_received_ = false;
    bool bye_sent_ = false;
    bool stopping_ = false;        /* stop(): the link is being closed */
    bool peer_leaving_ = false;    /* Bye or Error queued: no DMA answers */
    bool abandoned_ = false;       /* stop() came while SystemC ran to a time */
    bool peer_paused_ = false;     /* QEMU said SYNC_PAUSED (CAP_PAUSE) */
    double idle_since_ = 0;        /* real time the pump last had work */
    bool model_failed_ = false;    /* no later link: a model's state is untrusted */
    bool sim_stopped_ = false;     /* SystemC will not run again: nothing is executed */
    double stopped_close_at_ = 0;  /* then, after its Bye: when to close at the latest */
    int link_err_ = 0;
    std::string link_why_;
    int exit_status_ = 0;
    uint64_t caps_ = 0;
    uint32_t max_frame_ = SCLINK_DEFAULT_MAX_FRAME;

    std::deque<Queued> queue_;
    std::set<uint64_t> unanswered_ids_; /* non-posted MMIO Requests received */
    size_t queued_bytes_ = 0;      /* sum of queue_'s costs */
    bool input_held_ = false;      /* the queue bound stopped the link reading */
    std::vector<uint8_t> data_buf_; /* handle_request's data, reused */
    std::function<void()> reset_models_;
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_SESSION_H */
