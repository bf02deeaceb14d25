/*
 * The gateway's session (session.h): the protocol state of one link over
 * the messages in and out.
 */
#include "session.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>

#include <malloc.h>

#include "dma-bridge.h"
#include "irq-map.h"

namespace sclink {
namespace gw {

const uint64_t kGatewayCaps =
    SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES | SCLINK__V1__CAPABILITY__CAP_DMA |
    SCLINK__V1__CAPABILITY__CAP_INTX | SCLINK__V1__CAPABILITY__CAP_MSI |
    SCLINK__V1__CAPABILITY__CAP_MSIX | SCLINK__V1__CAPABILITY__CAP_SYNC |
    SCLINK__V1__CAPABILITY__CAP_DEBUG | SCLINK__V1__CAPABILITY__CAP_DETERMINISTIC |
    SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD | SCLINK__V1__CAPABILITY__CAP_PAUSE |
    SCLINK__V1__CAPABILITY__CAP_RESET;

namespace {

/*
 * The message queue bound.  While the pump cannot take messages (it waits
 * for a DMA Response, which may come behind them), the link stops reading
 * once the queued messages occupy this much heap as the decoder measures
 * it (352 bytes for a 4-byte posted write, about 30 times the frame for
 * one of unknown fields), plus kQueueEntryCost each; it reads again when
 * the pump has brought the queue down to half.  32 MiB is some 90,000
 * small posted writes, or 32 writes of 1 MiB.
 */
const size_t kMaxQueuedBytes = 32u << 20;
const size_t kQueueEntryCost = 32;

/* The exit status of a run a model ended (doc/gateway.md, "Exit status"). */
const int kModelFailed = 4;

const char *error_name(Sclink__V1__ErrorCode c)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&sclink__v1__error_code__descriptor, c);
    return v ? v->name : "unknown";
}

const char *command_name(Sclink__V1__Command c)
{
    switch (c) {
    case SCLINK__V1__COMMAND__CMD_READ: return "read";
    case SCLINK__V1__COMMAND__CMD_WRITE: return "write";
    case SCLINK__V1__COMMAND__CMD_DEBUG_READ: return "dread";
    case SCLINK__V1__COMMAND__CMD_DEBUG_WRITE: return "dwrite";
    default: return "invalid";
    }
}

/*
 * A debug access's status from the bytes it moved (doc/protocol.md 5.4).
 * transport_dbg has no status of its own: a status the router (a hole)
 * or the target set says why; otherwise no byte at all is a target that
 * cannot do this debug access (no transport_dbg, or it refuses writes),
 * and fewer than asked ran past what the target has.
 */
Sclink__V1__Status debug_status(const tlm::tlm_generic_payload &gp, unsigned n, unsigned len)
{
    const tlm::tlm_response_status st = gp.get_response_status();

    if (n == len)
        return SCLINK__V1__STATUS__STATUS_OK;
    if (st != tlm::TLM_INCOMPLETE_RESPONSE && st != tlm::TLM_OK_RESPONSE)
        return to_wire(st);
    return n == 0 ? SCLINK__V1__STATUS__STATUS_COMMAND_ERROR
                  : SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
}

} // namespace

Session::Session(const GatewayConfig &cfg, Link &link, Clock &clock, Stats &stats, Mmio &mmio)
    : cfg_(cfg), link_(link), clock_(clock), stats_(stats), mmio_(mmio)
{
}

Session::~Session()
{
    for (Queued &q : queue_)
        sclink_msg_free(q.m);
}

void Session::set_parts(DmaBridge *dma, IrqMap *irq)
{
    dma_ = dma;
    irq_ = irq;
}

/* ------------------------------------------------------------ from the link */

void Session::link_opened()
{
    /* A link that came and went within one loop iteration was never
     * served: what it sent must not reach this one. */
    for (Queued &q : queue_)
        sclink_msg_free(q.m);
    queue_.clear();
    queued_bytes_ = 0;
    input_held_ = false;
    unanswered_ids_.clear();
    link_open_ = true;
}

void Session::receive(sclink_msg *m, size_t heap_bytes)
{
    /* DMA answers complete a waiting b_transport at once; the rest waits
     * for the pump, in arrival order. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_RESPONSE) {
        if (!dma_->response(m)) {
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Response " + std::to_string(m->response->id) +
                 " answers no outstanding DMA request");
            sclink_msg_free(m);
        }
        return;
    }
    /* A pause changes what the waits allow (a DMA answer may be late),
     * not what the models see: it takes effect on arrival. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_SYNC && state_ == State::running &&
        (m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_PAUSED ||
         m->sync->kind == SCLINK__V1__SYNC_KIND__SYNC_RESUMED)) {
        handle_pause(m->sync);
        sclink_msg_free(m);
        return;
    }
    /* A peer that says Bye or Error answers no more DMA: stop waiting. */
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
        m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR)
        peer_leaving_ = true;
    /* Ids are unique among the Requests received and not yet answered
     * (5.3): noted on arrival, since the pump may answer the first before
     * it takes the second, and reported when the pump reaches it. */
    bool dup_id = false;
    if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_REQUEST &&
        !(m->request->attributes && m->request->attributes->posted))
        dup_id = !unanswered_ids_.insert(m->request->id).second;
    queue_.push_back(Queued{m, heap_bytes + kQueueEntryCost, dup_id});
    queued_bytes_ += queue_.back().cost;
    if (!input_held_ && queued_bytes_ >= kMaxQueuedBytes) {
        link_.hold_input(true);
        input_held_ = true;
        stats_.counters.queue_holds++;
    }
}

void Session::link_closed(int err, const char *why)
{
    link_open_ = false;
    link_err_ = err;
    /* A close this side asked for has no text: keep the reason handle()
     * gave (a peer's Error), or "link lost" would say "success". */
    if (why && *why)
        link_why_ = why;
}

/* Takes the oldest queued message; reads again once the queue is half empty. */
Session::Queued Session::dequeue()
{
    Queued q = queue_.front();

    queue_.pop_front();
    queued_bytes_ -= q.cost;
    if (input_held_ && queued_bytes_ <= kMaxQueuedBytes / 2) {
        link_.hold_input(false);
        input_held_ = false;
    }
    return q;
}

/*
 * The gateway stopped in the middle of a Request (advance_to): what came
 * after it would have to run SystemC further, which is what stopping
 * refused.  Said, not silently lost.
 */
void Session::drop_queue()
{
    if (queue_.empty())
        return;
    stats_.log(std::to_string(queue_.size()) +
               " queued messages not executed: the gateway is stopping");
    while (!queue_.empty())
        sclink_msg_free(dequeue().m);
}

/* -------------------------------------------------------------- sending */

/*
 * Queues a frame.  A message this gateway cannot encode (a value out of
 * range) would leave the peer waiting for it: that ends the link.
 */
bool Session::send(const sclink_msg &m)
{
    int err = link_.send(m);

    if (err < 0 && err != SCLINK_ECLOSED)
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
             std::string("cannot send ") + sclink_msg_name(&m) + ": " + sclink_strerror(err));
    return err == 0;
}

void Session::send_bye(Sclink__V1__ByeReason reason, const char *message)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_bye bye = SCLINK__V1__BYE__INIT;

    bye.has_reason = 1;
    bye.reason = reason;
    bye.message = const_cast<char *>(message);
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
    env.bye = &bye;
    send(env);
}

void Session::fail(Sclink__V1__ErrorCode code, const std::string &why)
{
    stats_.counters.errors++;
    stats_.flush_trace();
    link_.fail(code, why);
}

/* Said at start-up and on every link: nothing checks who connects. */
void Session::warn_exposure() const
{
    if (const char *why = link_.exposure())
        stats_.log(std::string("WARNING: ") + why);
}

/* ------------------------------------------------------- a stopped SystemC */

/*
 * SystemC will not run again: a model called sc_stop(), the simulation
 * ran out of events (a model wait()s inside b_transport for an event
 * nothing will notify), or a model's own process threw.  Nothing queued
 * can be executed; QEMU gets a Bye if every Request it sent was answered
 * (doc/protocol.md 10.1) and nothing failed, else Error{ERR_INTERNAL},
 * and the gateway ends with status 4.
 */
void Session::end_stopped_link(const std::string &why, bool failed)
{
    sim_stopped_ = true;
    drop_queue();
    link_.watch_idle(0);
    if (failed || !unanswered_ids_.empty())
        model_failed_ = true;
    if (!link_open_)
        return;
    if (!model_failed_ && state_ == State::running) {
        /* Not closed at once: a message the peer sends meanwhile would be
         * unread at the close, and the kernel's reset would lose the Bye
         * (doc/protocol.md 10.2).  The peer's answer, its end of stream
         * or timeout_ms closes it (drain_stopped). */
        stats_.log(why + ": saying Bye to QEMU");
        send_bye(SCLINK__V1__BYE_REASON__BYE_SHUTDOWN, why.c_str());
        bye_sent_ = true;
        stopping_ = true;
        stopped_close_at_ = now_s() + cfg_.timeout_ms / 1e3;
    } else {
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL, why);
    }
}

/*
 * After end_stopped_link's Bye: discards what the peer sends, and closes
 * at its Bye or Error, or timeout_ms after ours.
 */
void Session::drain_stopped()
{
    bool leave = now_s() >= stopped_close_at_;

    while (!queue_.empty()) {
        sclink_msg *m = dequeue().m;
        leave = leave || m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
                m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR;
        sclink_msg_free(m);
    }
    if (leave)
        link_.close();
    if (link_open_)
        link_.run_timeout(100);
}

bool Session::stopped_by_model(bool pump_done) const
{
    return !pump_done &&
           sc_core::sc_get_curr_simcontext()->sim_status() == sc_core::SC_SIM_USER_STOP;
}

/*
 * sc_start() came back, or threw, while the pump was still inside a
 * message: SystemC will not run again, so the pump never will.  Ends the
 * link here, with the loop driven from sc_main.
 */
void Session::finish(const std::exception *failure, bool pump_done)
{
    const sc_core::sc_report *rep = dynamic_cast<const sc_core::sc_report *>(failure);
    const std::string at = " at " + std::to_string(clock_.now_ps()) + " ps";
    std::string why;

    if (rep)
        why = std::string("a model's process ") +
              (rep->get_process_name() ? rep->get_process_name() : "") + " threw " +
              report_text(*rep) + at;
    else if (failure)
        why = "a model's process threw an exception: " + peer_text(failure->what()) + at;
    else if (stopped_by_model(pump_done))
        why = "the simulation was stopped (sc_stop() by a model)" + at;
    else
        why = "the simulation ran out of events" + at +
              ": a model waits inside b_transport for an event nothing will notify";
    end_stopped_link(why, failure || !stopped_by_model(pump_done));
    const double deadline = now_s() + cfg_.timeout_ms / 1e3;
    while (link_open_ && now_s() < deadline) {
        if (bye_sent_)
            drain_stopped();
        else
            link_.run_timeout(100);
    }
    stats_.flush_trace();
    state_ = State::closed;
    exit_status_ = model_failed_ ? kModelFailed : 0;
    stats_.log(model_failed_ ? "link lost: " + why : "link closed by the gateway's Bye");
    stats_.counters.tls_offloaded = link_.tls_offloaded();
    stats_.report();
}

/* ---------------------------------------------------------------- a link */

/* Runs one link from Hello to close. */
void Session::serve()
{
    double hello_deadline = now_s() + cfg_.timeout_ms / 1e3;

    state_ = State::await_hello;
    abandoned_ = false;
    bye_received_ = false;
    bye_sent_ = false;
    stopping_ = false;
    peer_leaving_ = false;
    link_err_ = 0;
    link_why_.clear();
    sim_stopped_ = false;
    stats_.new_link();
    mmio_.new_link();
    clock_.start_link();
    irq_->new_link();
    stats_.log("link opened");
    warn_exposure();

    bool output_wait = false;
    bool idle_failed = false;
    idle_since_ = now_s();
    peer_paused_ = false;
    while (link_open_ || !queue_.empty()) {
        if (sim_stopped_ && bye_sent_) {
            drain_stopped();
            continue;
        }
        /* Nothing more is executed while the peer leaves the output bound
         * unread (the link has stopped reading too): every Request
         * would add an answer it does not take. */
        if (!queue_.empty() && !link_.output_full()) {
            output_wait = false;
            Queued q = dequeue();
            sclink_msg *m = q.m;
            /* The count of a second that is over need not wait for the
             * next failure, nor come after the line of a peer leaving. */
            if (stats_.suppressed() && (m->msg_case == SCLINK__V1__ENVELOPE__MSG_BYE ||
                                        m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR ||
                                        stats_.suppressed_due()))
                stats_.log_suppressed_posted();
            if (!sim_stopped_)
                handle(m, q.dup_id);
            sclink_msg_free(m);
            if (abandoned_)
                drop_queue();
            if (!sim_stopped_ && stopped_by_model(false))
                end_stopped_link("the simulation was stopped (sc_stop() by a model) at " +
                                 std::to_string(clock_.now_ps()) + " ps", false);
            idle_since_ = now_s();
            continue;
        }
        if (!queue_.empty() && !output_wait) {
            output_wait = true;
            stats_.counters.output_waits++;
        }
        if (queue_.empty()) {
            if (state_ == State::await_hello && now_s() > hello_deadline) {
                fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no Hello within " +
                     std::to_string(cfg_.timeout_ms) + " ms");
                /* Once: the link closes as soon as the Error is written. */
                hello_deadline = std::numeric_limits<double>::infinity();
            }
            if (idle_watched() && !idle_failed &&
                now_s() >= idle_since_ + cfg_.idle_timeout_ms / 1e3) {
                fail(SCLINK__V1__ERROR_CODE__ERR_TIMEOUT, "no message from QEMU for " +
                     std::to_string(cfg_.idle_timeout_ms) + " ms with CAP_SYNC, and it did not "
                     "say its VM was paused");
                idle_failed = true;
            }
            if (stop_requested() && !stopping_ && link_open_) {
                /* Everything received is executed and answered: leave
                 * (section 10.1), the link closes once the Bye is out.
                 * Before the handshake there is nobody to say Bye to. */
                if (state_ == State::running) {
                    send_bye(SCLINK__V1__BYE_REASON__BYE_SHUTDOWN, "gateway stopping");
                    bye_sent_ = true;
                }
                link_.close();
                stopping_ = true;
            }
        }
        /* Idle: what was traced may stay buffered kTraceFlushS at most
         * (a silent peer is noticed by watch_idle's wake-ups). */
        unsigned flush_ms = queue_.empty() ? stats_.flush_trace_when_idle() : 0;
        Stopwatch w(stats_.counters.wait_s);
        if (state_ == State::await_hello)
            link_.run_timeout(100);
        else if (flush_ms)
            link_.run_timeout(flush_ms);
        else
            link_.run_once();
    }
    link_.watch_idle(0);
    stats_.log_suppressed_posted();
    stats_.flush_trace();
    /* What a flood made this link allocate is freed by now; hand it back
     * to the system, or glibc keeps it as the process's high-water mark. */
    malloc_trim(0);
    state_ = State::closed;
    if (model_failed_) {
        exit_status_ = kModelFailed;
        stats_.log("link lost: " + link_why_);
    } else if (bye_received_ && (link_err_ == 0 || link_err_ == SCLINK_ECLOSED)) {
        exit_status_ = 0;
        stats_.log("link closed by Bye");
    } else if (stopping_ && (link_err_ == 0 || (bye_sent_ && link_err_ == SCLINK_ECLOSED))) {
        exit_status_ = 0;
        stats_.log(bye_sent_ ? "link closed by the gateway's Bye" : "link closed: gateway stopping");
    } else {
        exit_status_ = 3;
        stats_.log("link lost: " + (link_why_.empty() ? std::string(sclink_strerror(link_err_))
                                                      : link_why_));
    }
}

/*
 * Whether the peer's silence would be a stall (doc/protocol.md 10.4): with
 * CAP_SYNC QEMU sends a REACHED at every window end while its VM runs.
 */
bool Session::idle_watched() const
{
    return cfg_.idle_timeout_ms && state_ == State::running && link_open_ && !stopping_ &&
           (caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) && !peer_paused_;
}

void Session::handle(sclink_msg *m, bool dup_id)
{
    /* After the link is gone, only side effects still matter: a write the
     * peer sent before leaving is applied, nothing is answered. */
    bool gone = !link_open_;

    /* The peer sends nothing after its Bye (10.1): what follows it in the
     * queue is discarded, as in CLOSING (6.3). */
    if (bye_received_)
        return;

    if (state_ == State::await_hello) {
        if (m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR) {
            /* An Error is never answered with an Error. */
            link_why_ = std::string("peer refused: ") + error_name(m->error->code) + ": " +
                        peer_text(m->error->message);
            link_.close();
            return;
        }
        if (m->msg_case != SCLINK__V1__ENVELOPE__MSG_HELLO) {
            if (!gone)
                fail(SCLINK__V1__ERROR_CODE__ERR_STATE,
                     std::string("expected Hello, got ") + sclink_msg_name(m));
            return;
        }
        handle_hello(m->hello);
        return;
    }
    switch (m->msg_case) {
    case SCLINK__V1__ENVELOPE__MSG_REQUEST:
        handle_request(m->request, dup_id);
        /* Answered now, or never: its id is free again. */
        if (!dup_id && !(m->request->attributes && m->request->attributes->posted))
            unanswered_ids_.erase(m->request->id);
        break;
    case SCLINK__V1__ENVELOPE__MSG_SYNC:
        if (!gone)
            handle_sync(m->sync);
        break;
    case SCLINK__V1__ENVELOPE__MSG_BYE:
        bye_received_ = true;
        stats_.log(std::string("peer said Bye") +
                   (m->bye->message ? ": " + peer_text(m->bye->message) : ""));
        link_.close();
        break;
    case SCLINK__V1__ENVELOPE__MSG_ERROR:
        stats_.log(std::string("peer reported error ") + error_name(m->error->code) + ": " +
                   peer_text(m->error->message));
        link_why_ = std::string("peer reported error ") + error_name(m->error->code);
        stats_.counters.errors++;
        link_.close();
        break;
    default:
        if (!gone)
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, std::string(sclink_msg_name(m)) +
                 " not allowed from QEMU after the handshake");
        break;
    }
}

void Session::handle_hello(const sclink_hello *h)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_welcome w = SCLINK__V1__WELCOME__INIT;
    sclink_device_info dev = SCLINK__V1__DEVICE_INFO__INIT;
    std::vector<sclink_bar> bars(cfg_.bars.size());
    std::vector<sclink_bar *> bar_ptrs;
    char why[256];
    int err;

    err = sclink_hello_check(h, why, sizeof(why));
    if (err) {
        fail(sclink_error_code(err), why);
        return;
    }
    caps_ = h->capabilities & kGatewayCaps;
    if (!cfg_.lookahead)
        caps_ &= ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD;
    const uint64_t quantum_ps = clock_.agree_quantum(h->quantum_ps);
    max_frame_ = sclink_agree_max_frame(h->max_frame, cfg_.max_frame);

    dev.has_vendor_id = dev.has_device_id = 1;
    dev.vendor_id = cfg_.vendor_id;
    dev.device_id = cfg_.device_id;
    dev.has_subsystem_vendor_id = dev.has_subsystem_id = 1;
    dev.subsystem_vendor_id = cfg_.subsystem_vendor_id;
    dev.subsystem_id = cfg_.subsystem_id;
    dev.has_class_code = dev.has_revision = 1;
    dev.class_code = cfg_.class_code;
    dev.revision = cfg_.revision;
    for (size_t i = 0; i < cfg_.bars.size(); i++) {
        const BarConfig &b = cfg_.bars[i];
        sclink__v1__bar__init(&bars[i]);
        bars[i].has_index = bars[i].has_size = 1;
        bars[i].index = b.index;
        bars[i].size = b.size;
        bars[i].has_kind = 1;
        bars[i].kind = b.is64 ? SCLINK__V1__BAR_KIND__BAR_MEM64 : SCLINK__V1__BAR_KIND__BAR_MEM32;
        bars[i].has_prefetchable = bars[i].has_posted_writes = 1;
        bars[i].prefetchable = b.prefetchable;
        bars[i].posted_writes = b.posted_writes &&
                                (caps_ & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES);
        bar_ptrs.push_back(&bars[i]);
    }
    dev.n_bars = bar_ptrs.size();
    dev.bars = bar_ptrs.data();
    dev.has_interrupt = 1;
    switch (cfg_.irq_kind) {
    case IrqKind::none: dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_NONE; break;
    case IrqKind::intx:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_INTX;
        dev.has_intx_pin = 1;
        dev.intx_pin = 1;
        break;
    case IrqKind::msi:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSI;
        dev.has_msi_vectors = 1;
        dev.msi_vectors = cfg_.vectors;
        break;
    case IrqKind::msix:
        dev.interrupt = SCLINK__V1__INTERRUPT_KIND__IRQ_MSIX;
        dev.has_msix_vectors = 1;
        dev.msix_vectors = cfg_.vectors;
        break;
    }

    w.has_version_major = w.has_version_minor = 1;
    w.version_major = SCLINK_VERSION_MAJOR;
    w.version_minor = SCLINK_VERSION_MINOR;
    w.has_role = 1;
    w.role = SCLINK__V1__ROLE__ROLE_GATEWAY;
    w.name = const_cast<char *>(cfg_.name.c_str());
    w.has_capabilities = w.has_quantum_ps = w.has_max_frame = 1;
    w.capabilities = caps_;
    w.quantum_ps = quantum_ps;
    w.max_frame = max_frame_;
    w.device = &dev;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_WELCOME;
    env.welcome = &w;
    err = link_.send(env);
    if (err < 0) {
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL,
             std::string("cannot send Welcome: ") + sclink_strerror(err));
        return;
    }
    link_.set_max_frame(max_frame_);
    clock_.open_first_window(caps_);
    /* Wakes the pump to check for a silent peer (idle_watched). */
    if ((caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) && cfg_.idle_timeout_ms)
        link_.watch_idle(std::max(cfg_.idle_timeout_ms / 8, 10u));
    state_ = State::running;
    irq_->link_up();
    char line[SCLINK_LOG_TEXT_SIZE + 256];
    std::snprintf(line, sizeof(line),
                  "link up with '%s' (protocol %u.%u): quantum %" PRIu64 " ps, %s, max frame %u",
                  peer_text(h->name).c_str(), h->version_major, h->version_minor, quantum_ps,
                  !(caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC) ? "free-running"
                  : (caps_ & SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD)
                      ? "synchronized windows up to the next event"
                      : "synchronized windows of one quantum",
                  max_frame_);
    const std::string secured = link_.security();
    stats_.log(secured.empty() ? std::string(line) : line + std::string(", over ") +
                                                     peer_text(secured.c_str()));
    if (irq_->cap() && !(caps_ & irq_->cap()))
        stats_.log(std::string("QEMU did not offer CAP_") +
                   (cfg_.irq_kind == IrqKind::intx  ? "INTX"
                    : cfg_.irq_kind == IrqKind::msi ? "MSI" : "MSIX") +
                   ", which the device's interrupts need: none will be sent, and QEMU should "
                   "refuse the Welcome (doc/protocol.md 7.5)");
}

/* Runs SystemC to t; a stop meanwhile ends the link, and nothing more runs. */
bool Session::advance_to(uint64_t t_ps)
{
    if (clock_.advance_to(t_ps, link_, stop_requested_))
        return true;
    abandoned_ = true;
    fail(SCLINK__V1__ERROR_CODE__ERR_UNSPECIFIED,
         "gateway stopping while SystemC ran to " + std::to_string(t_ps) + " ps (reached " +
             std::to_string(clock_.now_ps()) + " ps)");
    return false;
}

/*
 * A model's call ended other than by returning: after SC_FATAL or another
 * exception its state cannot be trusted, so the link ends with Error
 * and what is queued is not executed; a stuck model's link is over.
 */
void Session::model_ended(CallEnd end, const std::string &why)
{
    if (end == CallEnd::fatal) {
        model_failed_ = true;
        abandoned_ = true;
        fail(SCLINK__V1__ERROR_CODE__ERR_INTERNAL, why);
    } else if (end == CallEnd::stuck) {
        model_failed_ = true;
        link_why_ = why;
    }
}

const BarConfig *Session::find_bar(unsigned index) const
{
    for (const BarConfig &b : cfg_.bars)
        if (b.index == index)
            return &b;
    return nullptr;
}

void Session::handle_request(const sclink_request *r, bool dup_id)
{
    const bool debug = r->command == SCLINK__V1__COMMAND__CMD_DEBUG_READ ||
                       r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    const bool is_write = r->command == SCLINK__V1__COMMAND__CMD_WRITE ||
                          r->command == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE;
    const bool posted = r->attributes && r->attributes->posted;
    const BarConfig *bar = r->has_bar ? find_bar(r->bar) : nullptr;
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_response resp = SCLINK__V1__RESPONSE__INIT;
    /* A member, so a request allocates nothing: only the pump calls this
     * function, never re-entered.  Zeroed like a fresh vector, for targets
     * that leave bytes untouched (disabled byte lanes). */
    std::vector<uint8_t> &data = data_buf_;
    tlm::tlm_generic_payload gp;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    Sclink__V1__Status status;
    std::string err;
    char line[200];

    data.assign(r->length, 0);

    /* The endpoint rules in the order of doc/protocol.md 12.10. */
    if (debug && !(caps_ & SCLINK__V1__CAPABILITY__CAP_DEBUG)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "debug Request " + std::to_string(r->id) +
             " without the CAP_DEBUG capability agreed");
        return;
    }
    if (posted && !(caps_ & SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "posted write " + std::to_string(r->id) +
             " without the CAP_POSTED_WRITES capability agreed");
        return;
    }
    if (!r->has_bar || !bar) {
        fail(SCLINK__V1__ERROR_CODE__ERR_MALFORMED,
             "MMIO Request " + std::to_string(r->id) +
                 (r->has_bar ? " to BAR " + std::to_string(r->bar) + ", which the device lacks"
                             : std::string(" without a bar")));
        return;
    }
    if (posted && !bar->posted_writes) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "posted write to BAR " +
             std::to_string(r->bar) + ", which does not accept posted writes");
        return;
    }
    if (dup_id) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Request " + std::to_string(r->id) +
             " has the id of a Request not yet answered");
        return;
    }
    if (!debug) {
        if (!clock_.request_time_ok("Request", &r->id, r->time_ps, err)) {
            fail(SCLINK__V1__ERROR_CODE__ERR_STATE, err);
            return;
        }
        clock_.request(r->time_ps);
        /* A request stamped t executes at exactly sc_time_stamp() == t. */
        if (!advance_to(r->time_ps))
            return;
    }

    if (r->address >= bar->size || r->length > bar->size - r->address) {
        status = SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR;
    } else {
        uint64_t addr = bar->base + r->address;
        if (is_write)
            std::memcpy(data.data(), r->data.data, r->length);
        gp.set_command(is_write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(addr);
        gp.set_data_ptr(data.data());
        gp.set_data_length(r->length);
        gp.set_streaming_width(r->has_streaming_width ? r->streaming_width : r->length);
        if (r->has_byte_enable) {
            gp.set_byte_enable_ptr(r->byte_enable.data);
            gp.set_byte_enable_length((unsigned)r->byte_enable.len);
        }
        gp.set_dmi_allowed(false);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        CallEnd end;
        if (debug) {
            unsigned n;
            end = mmio_.debug(gp, n, err);
            status = debug_status(gp, n, r->length);
        } else {
            Stopwatch w(stats_.counters.sim_s);
            end = mmio_.transact(gp, delay, r->time_ps, err);
            status = to_wire(gp.get_response_status());
        }
        model_ended(end, err);
        if (mmio_.namer())
            stats_.counters.per_target[mmio_.namer()(addr)]++;
    }

    LinkStats &st = stats_.counters;
    if (debug)
        st.debug++;
    else if (posted)
        st.posted++;
    else if (is_write)
        st.writes++;
    else
        st.reads++;
    if (is_write)
        st.bytes_written += r->length;
    else
        st.bytes_read += r->length;
    if (status != SCLINK__V1__STATUS__STATUS_OK)
        st.errors++;

    /* Formatting the line costs more than the access itself: only when a
     * trace file is open or a failed posted write must be logged. */
    const bool log_failure = posted && status != SCLINK__V1__STATUS__STATUS_OK &&
                             stats_.posted_failure_loggable();
    if (stats_.tracing() || log_failure) {
        std::snprintf(line, sizeof(line), "t=%" PRIu64 " %s%s bar%u+0x%" PRIx64 " len=%u",
                      debug ? clock_.now_ps() : r->time_ps, posted ? "posted-" : "",
                      command_name(r->command), r->bar, r->address, r->length);
        stats_.trace(std::string(line) +
                     (is_write ? " data=" + hex_bytes(data.data(), data.size()) : "") + " -> " +
                     status_name(status) +
                     (!is_write && status == SCLINK__V1__STATUS__STATUS_OK
                          ? " data=" + hex_bytes(data.data(), data.size()) : ""));
        /* The line of a failed access is the one a post-mortem looks for;
         * failed posted writes flush as often as they are logged, or a
         * flood of them would cost a write each. */
        if (status != SCLINK__V1__STATUS__STATUS_OK && (!posted || log_failure))
            stats_.flush_trace();
    }

    if (posted) {
        /* Nobody waits for a posted write: its failure can only be logged. */
        if (log_failure)
            stats_.log(std::string(line) + " failed: " + status_name(status));
        return;
    }
    if (!link_open_)
        return;
    resp.has_id = resp.has_status = 1;
    resp.id = r->id;
    resp.status = status;
    if (!is_write && status == SCLINK__V1__STATUS__STATUS_OK) {
        resp.has_data = 1;
        resp.data.data = data.data();
        resp.data.len = data.size();
    }
    resp.has_delay_ps = 1;
    resp.delay_ps = delay.value() * clock_.res_ps();
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
    env.response = &resp;
    send(env);
}

/*
 * QEMU's VM stopped or runs again (CAP_PAUSE, doc/protocol.md 8.9): while
 * it is stopped, silence is no stall, and a DMA answer may wait for it.
 */
void Session::handle_pause(const sclink_sync *s)
{
    const bool pause = s->kind == SCLINK__V1__SYNC_KIND__SYNC_PAUSED;

    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_PAUSE)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
             std::string("Sync ") + (pause ? "PAUSED" : "RESUMED") +
                 " without the CAP_PAUSE capability agreed");
        return;
    }
    if (pause == peer_paused_) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE,
             pause ? "Sync PAUSED while paused" : "Sync RESUMED while not paused");
        return;
    }
    peer_paused_ = pause;
    idle_since_ = now_s();
    stats_.log(pause ? "QEMU paused at " + std::to_string(s->time_ps) + " ps" : "QEMU resumed");
}

/*
 * QEMU's device was reset (CAP_RESET, doc/protocol.md 8.10): the models
 * go back to their reset state at the RESET's stamp, in order with what
 * QEMU sent around it, and QEMU hears RESET_DONE once what the reset set
 * off at that time (interrupt lines falling) has been sent.
 */
void Session::handle_reset(const sclink_sync *s)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync done = SCLINK__V1__SYNC__INIT;
    std::string err;

    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_RESET)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
             "Sync RESET without the CAP_RESET capability agreed");
        return;
    }
    /* A stamp like a Request's (rule C). */
    if (!clock_.request_time_ok("Sync RESET", nullptr, s->time_ps, err)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, err);
        return;
    }
    /* Rule N, as for a Request: what the reset starts may be due before
     * a window granted up to the next event. */
    clock_.request(s->time_ps);
    if (!advance_to(s->time_ps))
        return;
    stats_.log("QEMU reset the device at " + std::to_string(s->time_ps) +
               " ps: the models are back in their reset state");
    stats_.trace("t=" + std::to_string(s->time_ps) + " reset");
    if (reset_models_)
        reset_models_();
    /* Lines the models lower one delta later go out before RESET_DONE. */
    clock_.settle();
    if (!link_open_)
        return;
    done.has_kind = done.has_time_ps = 1;
    done.kind = SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE;
    done.time_ps = s->time_ps;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &done;
    send(env);
}

void Session::handle_sync(const sclink_sync *s)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_sync grant = SCLINK__V1__SYNC__INIT;
    std::string err;

    /* Direction, capability, then time (doc/protocol.md 12.10). */
    if (s->kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT ||
        s->kind == SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE,
             std::string("Sync ") +
                 (s->kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT ? "GRANT" : "RESET_DONE") +
                 " is the gateway's to send");
        return;
    }
    if (s->kind == SCLINK__V1__SYNC_KIND__SYNC_RESET) {
        handle_reset(s);
        return;
    }
    if (s->kind != SCLINK__V1__SYNC_KIND__SYNC_REACHED) {
        /* PAUSED or RESUMED before the handshake was done */
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync PAUSED/RESUMED before the Welcome");
        return;
    }
    if (!(caps_ & SCLINK__V1__CAPABILITY__CAP_SYNC)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "Sync without the CAP_SYNC capability agreed");
        return;
    }
    if (!clock_.reached(s->time_ps, err)) {
        fail(SCLINK__V1__ERROR_CODE__ERR_STATE, err);
        return;
    }
    /* Everything models raise up to W is sent while SystemC runs to W,
     * so it precedes the grant on the wire. */
    if (!advance_to(s->time_ps))
        return;
    const uint64_t end = clock_.grant(s->time_ps);
    stats_.counters.windows++;
    grant.has_kind = grant.has_time_ps = grant.has_window_end_ps = 1;
    grant.kind = SCLINK__V1__SYNC_KIND__SYNC_GRANT;
    grant.time_ps = s->time_ps;
    grant.window_end_ps = end;
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
    env.sync = &grant;
    send(env);
}

} // namespace gw
} // namespace sclink
