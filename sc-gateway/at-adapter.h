/*
 * sclink::AtAdapter: puts an approximately-timed (AT) TLM-2.0 target, one
 * that implements nb_transport_fw and answers on the backward path, behind
 * the gateway and the router, which only call b_transport.  It is the
 * standard blocking-to-non-blocking conversion of the base protocol, as
 * tlm_utils::simple_target_socket does it for a target that registers only
 * nb_transport_fw, made a module of its own so that a model with a plain
 * tlm_target_socket (Accellera's at_target_*_phase) binds in one line:
 *
 *     sclink::AtAdapter adapter("adapter");
 *     adapter.out.bind(at_model.m_memory_socket);
 *     ...
 *     tlm::tlm_target_socket<> &target() override { return adapter.in; }
 *
 * Each b_transport call runs one transaction through the phases:
 * BEGIN_REQ (annotated with the call's delay) on the forward path, then
 * whatever the target does: TLM_COMPLETED at once (1 phase), TLM_UPDATED
 * with END_REQ or BEGIN_RESP, or TLM_ACCEPTED and END_REQ / BEGIN_RESP on
 * the backward path, in any order across transactions (out-of-order
 * targets).  A BEGIN_RESP is answered with END_RESP on the forward path
 * (4 phases).  The call returns when the response has begun, with the
 * response's own annotation as the delay; so it wait()s inside
 * b_transport for as long as the target takes to respond, which the
 * gateway counts as the access's duration (doc/protocol.md, rule F).
 *
 * Several initiator threads may call at once: BEGIN_REQs go out one at a
 * time (the request exclusion rule), each no earlier than the previous
 * END_REQ.  A payload without a memory manager gets one for the call, so
 * targets may acquire() and release() it as the base protocol lets them;
 * the call then also waits for the last release.  transport_dbg and DMI
 * pass through unchanged, as do nb_transport calls from an AT initiator
 * bound to `in`.  A target that sends a phase the base protocol forbids
 * gets SC_REPORT_ERROR, as from tlm_utils' sockets.
 *
 * Header-only: a plugin includes it and links nothing more.
 */
#ifndef SCLINK_AT_ADAPTER_H
#define SCLINK_AT_ADAPTER_H

#include <cstdint>
#include <map>
#include <string>

#include <systemc>
#include <tlm>

namespace sclink {

class AtAdapter : public sc_core::sc_module,
                  public tlm::tlm_fw_transport_if<>,
                  public tlm::tlm_bw_transport_if<>,
                  private tlm::tlm_mm_interface {
public:
    /* Bound by the router (or returned from Model::target()). */
    tlm::tlm_target_socket<> in;
    /* Bound to the AT target's socket. */
    tlm::tlm_initiator_socket<> out;

    explicit AtAdapter(const sc_core::sc_module_name &name)
        : sc_module(name), in("in"), out("out")
    {
        in.bind(*static_cast<tlm::tlm_fw_transport_if<> *>(this));
        out.bind(*static_cast<tlm::tlm_bw_transport_if<> *>(this));
    }

    const char *kind() const override { return "sclink::AtAdapter"; }

    /* Transactions run through the phases so far, for tests and logs. */
    uint64_t transactions() const { return transactions_; }

    void b_transport(tlm::tlm_generic_payload &tx, sc_core::sc_time &delay) override
    {
        if (calls_.count(&tx)) {
            tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            error("a payload passed to b_transport while already in flight");
            return;
        }
        Call call(*this, tx);
        transactions_++;

        /* Request exclusion: one BEGIN_REQ at a time, not before the
         * previous END_REQ (at its annotated time); a response ends the
         * request phase too. */
        while (req_owner_ != nullptr)
            sc_core::wait(req_free_);
        req_owner_ = &tx;
        sc_core::sc_time t = delay;
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (req_free_at_ > now + t)
            t = req_free_at_ - now;

        tlm::tlm_phase phase = tlm::BEGIN_REQ;
        switch (out->nb_transport_fw(tx, phase, t)) {
        case tlm::TLM_COMPLETED: /* 1 phase: the response begins at now + t */
            end_request(tx, sc_core::SC_ZERO_TIME);
            call.respond(t);
            call.ended = true;
            break;
        case tlm::TLM_UPDATED:
            if (phase == tlm::END_REQ) {
                end_request(tx, t);
            } else if (phase == tlm::BEGIN_RESP) {
                end_request(tx, sc_core::SC_ZERO_TIME);
                call.respond(t);
            } else {
                error(std::string("TLM_UPDATED with ") + phase.get_name() +
                      " in answer to BEGIN_REQ");
                call.respond(t); /* if SC_ERROR does not throw: no hang */
                call.ended = true;
            }
            break;
        case tlm::TLM_ACCEPTED:
            break;
        }

        /* Otherwise END_REQ and BEGIN_RESP come on the backward path. */
        while (!call.responded)
            sc_core::wait(call.event);
        const sc_core::sc_time at = sc_core::sc_time_stamp();
        t = call.resp_at > at ? call.resp_at - at : sc_core::SC_ZERO_TIME;
        if (!call.ended) {
            tlm::tlm_phase end = tlm::END_RESP;
            sc_core::sc_time te = t;
            out->nb_transport_fw(tx, end, te);
        }
        delay = t;
        call.wait_freed();
    }

    unsigned int transport_dbg(tlm::tlm_generic_payload &tx) override
    {
        return out->transport_dbg(tx);
    }

    bool get_direct_mem_ptr(tlm::tlm_generic_payload &tx, tlm::tlm_dmi &dmi) override
    {
        return out->get_direct_mem_ptr(tx, dmi);
    }

    tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload &tx, tlm::tlm_phase &phase,
                                       sc_core::sc_time &t) override
    {
        return out->nb_transport_fw(tx, phase, t);
    }

    tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload &tx, tlm::tlm_phase &phase,
                                       sc_core::sc_time &t) override
    {
        auto it = calls_.find(&tx);
        if (it == calls_.end())
            return in->nb_transport_bw(tx, phase, t); /* an AT initiator's */
        Call &call = *it->second;

        if (phase == tlm::END_REQ && req_owner_ == &tx && !call.responded) {
            end_request(tx, t);
            return tlm::TLM_ACCEPTED;
        }
        if (phase == tlm::BEGIN_RESP && !call.responded) {
            end_request(tx, sc_core::SC_ZERO_TIME); /* BEGIN_RESP implies END_REQ */
            call.respond(t);
            return tlm::TLM_ACCEPTED; /* END_RESP follows on the forward path */
        }
        error(std::string("unexpected ") + phase.get_name() + " on the backward path");
        return tlm::TLM_COMPLETED;
    }

    void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) override
    {
        in->invalidate_direct_mem_ptr(start, end);
    }

private:
    /*
     * One b_transport call in flight, on its caller's stack.  It gives a
     * payload without a memory manager ours for the call; its destructor
     * leaves the adapter and the payload as they were, also when an
     * SC_REPORT_ERROR unwinds the call.
     */
    struct Call {
        AtAdapter &a;
        tlm::tlm_generic_payload &tx;
        const bool own_mm;
        sc_core::sc_event event;
        bool responded = false;   /* BEGIN_RESP seen, or TLM_COMPLETED */
        bool ended = false;       /* TLM_COMPLETED: no END_RESP to send */
        bool freed = false;       /* our memory manager got it back */
        sc_core::sc_time resp_at; /* when the response begins */

        Call(AtAdapter &adapter, tlm::tlm_generic_payload &payload)
            : a(adapter), tx(payload), own_mm(!payload.has_mm())
        {
            a.calls_[&tx] = this;
            if (own_mm) {
                tx.set_mm(&a);
                tx.acquire();
            }
        }
        ~Call()
        {
            if (own_mm && !freed)
                tx.set_mm(nullptr); /* only on an error path */
            a.end_request(tx, sc_core::SC_ZERO_TIME);
            a.calls_.erase(&tx);
        }
        void respond(const sc_core::sc_time &t)
        {
            responded = true;
            resp_at = sc_core::sc_time_stamp() + t;
            event.notify();
        }
        /* Our reference goes; a target may hold the payload longer. */
        void wait_freed()
        {
            if (!own_mm)
                return;
            tx.release();
            while (!freed)
                sc_core::wait(event);
            tx.set_mm(nullptr);
        }
    };

    std::map<tlm::tlm_generic_payload *, Call *> calls_;
    tlm::tlm_generic_payload *req_owner_ = nullptr; /* between BEGIN_REQ and END_REQ */
    sc_core::sc_time req_free_at_;
    sc_core::sc_event req_free_;
    uint64_t transactions_ = 0;

    void end_request(tlm::tlm_generic_payload &tx, const sc_core::sc_time &t)
    {
        if (req_owner_ != &tx)
            return;
        req_owner_ = nullptr;
        req_free_at_ = sc_core::sc_time_stamp() + t;
        req_free_.notify();
    }

    /* The last release() of a payload we gave a memory manager. */
    void free(tlm::tlm_generic_payload *tx) override
    {
        auto it = calls_.find(tx);
        tx->reset(); /* auto extensions a target set, as any manager does */
        if (it != calls_.end()) {
            it->second->freed = true;
            it->second->event.notify();
        }
    }

    void error(const std::string &what)
    {
        SC_REPORT_ERROR(name(), ("base protocol: " + what).c_str());
    }
};

} // namespace sclink

#endif /* SCLINK_AT_ADAPTER_H */
