/*
 * The gateway's parts (internal, not installed).  sclink::Gateway
 * (gateway.h) is a facade over them; doc/architecture.md, "The gateway in
 * parts", has the picture.  This header: what the session needs of a
 * link, the one seam between the protocol and the sockets.  The libuv
 * transport (transport.h) is the real one; the session tests
 * (tests/gateway/test-session.cc) put a scripted peer there: they feed
 * messages in and observe the messages out, without a socket.
 */
#ifndef SCLINK_GW_LINK_H
#define SCLINK_GW_LINK_H

#include <cstddef>
#include <cstdint>
#include <string>

#include "sclink.h"

namespace sclink {
namespace gw {

/*
 * Marks, on the pump's thread, where SystemC runs the models: a
 * b_transport the pump calls (Mmio::call), and the pump's waits, during
 * which SystemC runs every other process (Clock).  A model may send from
 * there (an Interrupt, a DMA Request) and wait in the event loop (for the
 * DMA's answer); the link then does its TLS work on a thread of its own,
 * so that none runs on a model's process stack (tls.h).  Nests.
 */
class ModelsRun {
public:
    ModelsRun() { depth_++; }
    ~ModelsRun() { depth_--; }
    ModelsRun(const ModelsRun &) = delete;
    ModelsRun &operator=(const ModelsRun &) = delete;
    /* Whether this thread is inside one. */
    static bool active() { return depth_ > 0; }

private:
    static thread_local int depth_;
};

/*
 * One link to one peer.  Everything but write_last() is called from the
 * pump's thread; the calls that run the event loop (run_*, poll) are where
 * the peer's messages arrive, through Session::receive().
 */
class Link {
public:
    virtual ~Link() = default;
    /* Queues one frame: 0, SCLINK_ECLOSED if the link is closing or gone,
     * another negative code if the message cannot be encoded. */
    virtual int send(const sclink_msg &m) = 0;
    /* Sends Error{code, why}, then closes; only the first failure counts. */
    virtual void fail(Sclink__V1__ErrorCode code, const std::string &why) = 0;
    /* Closes once pending output is written. */
    virtual void close() = 0;
    virtual void set_max_frame(uint32_t max_frame) = 0;
    /* More output than the bound waits for the peer to read it. */
    virtual bool output_full() const = 0;
    /* The message queue bound: read nothing more from the peer, or again. */
    virtual void hold_input(bool hold) = 0;
    /* One event-loop iteration: blocking, at most ms, or not waiting. */
    virtual void run_once() = 0;
    virtual void run_timeout(unsigned ms) = 0;
    virtual void poll() = 0;
    /* Wakes run_once every tick_ms so that the session sees a silent
     * peer (0: no more); a timer per wait would cost every round trip. */
    virtual void watch_idle(unsigned tick_ms) = 0;
    /* From the watchdog thread: the one frame written past the loop
     * (sclink_server_write_last); 0 if written. */
    virtual int write_last(const uint8_t *frame, size_t len) = 0;
    /* Why others may reach the listener, nullptr if they cannot. */
    virtual const char *exposure() const = 0;
    /* How the link is secured, for the log: "" for plain. */
    virtual std::string security() const { return std::string(); }
    /* TLS calls made on the TLS thread since the link opened (ModelsRun). */
    virtual uint64_t tls_offloaded() const { return 0; }
};

} // namespace gw
} // namespace sclink

#endif /* SCLINK_GW_LINK_H */
