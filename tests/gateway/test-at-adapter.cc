// SystemC tests of sclink::AtAdapter (sc-gateway/at-adapter.h): an LT
// initiator's b_transport through the adapter into an AT target that
// answers in each way the base protocol allows (1 phase, TLM_UPDATED with
// END_REQ or BEGIN_RESP, 4 phases on the backward path, out of order), and
// what the caller sees: data, status, the time the call took and the
// delay it returned.  Each check prints one line; the exit status says
// whether any failed.
#include <cstring>
#include <string>
#include <vector>

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "at-adapter.h"
#include "../common/sc-check.h"

using namespace sc_core;
using tlm::tlm_generic_payload;

enum class Mode { completed, updated_end_req, updated_begin_resp, four_phase };

// An AT target with 256 bytes of memory.  It takes a reference to every
// payload (acquire at BEGIN_REQ, release at the end), as targets that
// keep payloads in queues do, and logs each phase it sees or sends.
struct AtTarget : sc_module, tlm::tlm_fw_transport_if<> {
    tlm::tlm_target_socket<> socket;
    Mode mode = Mode::completed;
    sc_time accept{10, SC_NS};   // BEGIN_REQ to END_REQ
    sc_time respond{30, SC_NS};  // END_REQ to BEGIN_RESP (address 0x80 up: 5 ns)
    unsigned char mem[256] = {};
    std::vector<std::string> log;
    unsigned end_resps = 0, requests_open = 0, max_requests_open = 0;

    explicit AtTarget(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.bind(*this);
    }

    void note(const char *what, tlm_generic_payload &tx)
    {
        log.push_back(sc_time_stamp().to_string() + " " + what + " " +
                      std::to_string(tx.get_address()));
    }

    void operate(tlm_generic_payload &tx)
    {
        if (tx.get_address() + tx.get_data_length() > sizeof(mem)) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_read())
            std::memcpy(tx.get_data_ptr(), mem + tx.get_address(), tx.get_data_length());
        else
            std::memcpy(mem + tx.get_address(), tx.get_data_ptr(), tx.get_data_length());
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }

    // BEGIN_RESP on the backward path; the adapter must take it with
    // TLM_ACCEPTED and send END_RESP.
    void begin_resp(tlm_generic_payload &tx, sc_time t)
    {
        tlm::tlm_phase ph = tlm::BEGIN_RESP;
        operate(tx);
        note("BEGIN_RESP", tx);
        if (socket->nb_transport_bw(tx, ph, t) != tlm::TLM_ACCEPTED)
            check(false, __LINE__, "BEGIN_RESP answered TLM_ACCEPTED");
    }

    tlm::tlm_sync_enum nb_transport_fw(tlm_generic_payload &tx, tlm::tlm_phase &ph,
                                       sc_time &t) override
    {
        if (ph == tlm::END_RESP) {
            note("END_RESP", tx);
            end_resps++;
            tx.release();
            return tlm::TLM_COMPLETED;
        }
        if (ph != tlm::BEGIN_REQ) {
            check(false, __LINE__, std::string("unexpected phase ") + ph.get_name());
            return tlm::TLM_COMPLETED;
        }
        note("BEGIN_REQ", tx);
        tx.acquire();
        if (++requests_open > max_requests_open)
            max_requests_open = requests_open;
        switch (mode) {
        case Mode::completed:
            operate(tx);
            requests_open--;
            tx.release();
            t += sc_time(10, SC_NS);
            return tlm::TLM_COMPLETED;
        case Mode::updated_begin_resp:
            operate(tx);
            requests_open--;
            ph = tlm::BEGIN_RESP;
            t += sc_time(7, SC_NS);
            return tlm::TLM_UPDATED;
        case Mode::updated_end_req: {
            requests_open--;
            ph = tlm::END_REQ;
            sc_time later = t + sc_time(20, SC_NS);
            t += sc_time(5, SC_NS);
            sc_spawn([this, &tx, later] {
                wait(later);
                begin_resp(tx, SC_ZERO_TIME);
            });
            return tlm::TLM_UPDATED;
        }
        case Mode::four_phase: {
            sc_time start = t;
            sc_spawn([this, &tx, start] {
                wait(start + accept);
                tlm::tlm_phase p = tlm::END_REQ;
                sc_time zero = SC_ZERO_TIME;
                note("END_REQ", tx);
                requests_open--;
                if (socket->nb_transport_bw(tx, p, zero) != tlm::TLM_ACCEPTED)
                    check(false, __LINE__, "END_REQ answered TLM_ACCEPTED");
                wait(tx.get_address() >= 0x80 ? sc_time(5, SC_NS) : respond);
                begin_resp(tx, sc_time(3, SC_NS));
            });
            return tlm::TLM_ACCEPTED;
        }
        }
        return tlm::TLM_COMPLETED;
    }

    void b_transport(tlm_generic_payload &tx, sc_time &) override
    {
        check(false, __LINE__, "the adapter never calls the target's b_transport");
        operate(tx);
    }
    unsigned transport_dbg(tlm_generic_payload &tx) override
    {
        operate(tx);
        return tx.get_data_length();
    }
    bool get_direct_mem_ptr(tlm_generic_payload &, tlm::tlm_dmi &) override { return false; }
};

struct Result {
    tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
    sc_time took, delay;
    uint32_t data = 0;
    bool mm_left = false;
};

struct Top : sc_module {
    tlm_utils::simple_initiator_socket<Top> socket;
    sclink::AtAdapter adapter;
    AtTarget target;

    SC_HAS_PROCESS(Top);
    explicit Top(sc_module_name n)
        : sc_module(n), socket("socket"), adapter("adapter"), target("target")
    {
        socket.bind(adapter.in);
        adapter.out.bind(target.socket); // the one line a user writes
        SC_THREAD(run);
    }

    Result access(bool write, uint64_t addr, uint32_t value,
                  sc_time offset = SC_ZERO_TIME)
    {
        Result r;
        tlm_generic_payload tx;
        unsigned char b[4];
        std::memcpy(b, &value, 4);
        tx.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        tx.set_address(addr);
        tx.set_data_ptr(b);
        tx.set_data_length(4);
        tx.set_streaming_width(4);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        const sc_time start = sc_time_stamp();
        r.delay = offset;
        socket->b_transport(tx, r.delay);
        r.took = sc_time_stamp() - start;
        r.status = tx.get_response_status();
        r.mm_left = tx.has_mm() || tx.get_ref_count() != 0;
        std::memcpy(&r.data, b, 4);
        return r;
    }

    void expect(const Result &r, uint32_t data, sc_time took, sc_time delay, int line,
                const char *what)
    {
        check(r.status == tlm::TLM_OK_RESPONSE, line, std::string(what) + ": OK");
        check(r.data == data, line, std::string(what) + ": data " + hex(r.data));
        check(r.took == took, line, std::string(what) + ": took " + r.took.to_string() +
                                        " (want " + took.to_string() + ")");
        check(r.delay == delay, line, std::string(what) + ": delay " + r.delay.to_string() +
                                          " (want " + delay.to_string() + ")");
        check(!r.mm_left, line, std::string(what) + ": payload without manager after");
    }

    void run()
    {
        const sc_time ns(1, SC_NS), zero = SC_ZERO_TIME;
        Result r;

        // 1 phase: no time passes inside b_transport, the target's
        // annotation is the delay, on top of the caller's own.
        target.mode = Mode::completed;
        expect(access(true, 0x10, 0xdeadbeef), 0xdeadbeef, zero, 10 * ns, __LINE__,
               "1 phase write");
        expect(access(false, 0x10, 0, 4 * ns), 0xdeadbeef, zero, 14 * ns, __LINE__,
               "1 phase read with 4 ns offset");

        // TLM_UPDATED, BEGIN_RESP on the return path: END_RESP follows.
        target.mode = Mode::updated_begin_resp;
        unsigned ends = target.end_resps;
        expect(access(false, 0x10, 0), 0xdeadbeef, zero, 7 * ns, __LINE__,
               "TLM_UPDATED BEGIN_RESP read");
        CHECK_EQ(target.end_resps, ends + 1);

        // TLM_UPDATED, END_REQ: the response comes on the backward path
        // 20 ns later.
        target.mode = Mode::updated_end_req;
        expect(access(true, 0x20, 0x01020304), 0x01020304, 20 * ns, zero, __LINE__,
               "TLM_UPDATED END_REQ write");
        CHECK_EQ(target.end_resps, ends + 2);

        // 4 phases: TLM_ACCEPTED, END_REQ after 10 ns, BEGIN_RESP 30 ns
        // later annotated 3 ns, END_RESP.  The caller's 2 ns offset delays
        // BEGIN_REQ.
        target.mode = Mode::four_phase;
        target.log.clear();
        expect(access(false, 0x20, 0, 2 * ns), 0x01020304, 42 * ns, 3 * ns, __LINE__,
               "4 phase read");
        CHECK_EQ(target.end_resps, ends + 3);
        CHECK(target.log.size() == 4 && target.log[0].find("BEGIN_REQ") != std::string::npos &&
              target.log[1].find("END_REQ") != std::string::npos &&
              target.log[2].find("BEGIN_RESP") != std::string::npos &&
              target.log[3].find("END_RESP") != std::string::npos);

        // Out of order, two callers (threads) at once: the second request waits for
        // the first one's END_REQ, its response (5 ns) overtakes the
        // first's (30 ns).
        target.log.clear();
        Result a, b;
        sc_event a_done, b_done;
        sc_time a_end, b_end;
        const sc_time t0 = sc_time_stamp();
        sc_spawn([&] { a = access(false, 0x20, 0); a_end = sc_time_stamp(); a_done.notify(); });
        sc_spawn([&] {
            b = access(true, 0x80, 0x55aa55aa);
            b_end = sc_time_stamp();
            b_done.notify();
        });
        wait(a_done & b_done);
        CHECK_EQ(target.max_requests_open, 1);
        check(a.status == tlm::TLM_OK_RESPONSE && a.data == 0x01020304, __LINE__,
              "out of order: first read's data");
        check(b.status == tlm::TLM_OK_RESPONSE, __LINE__, "out of order: second write OK");
        check(b_end - t0 == 10 * ns + 10 * ns + 5 * ns, __LINE__,
              "out of order: second done at 25 ns: " + (b_end - t0).to_string());
        check(a_end - t0 == 40 * ns, __LINE__,
              "out of order: first done at 40 ns: " + (a_end - t0).to_string());
        check(b_end < a_end, __LINE__, "out of order: the second finished first");
        CHECK(!a.mm_left && !b.mm_left);

        // Errors and debug pass through.
        target.mode = Mode::completed;
        r = access(false, 0x100, 0);
        check(r.status == tlm::TLM_ADDRESS_ERROR_RESPONSE, __LINE__, "target's address error");
        {
            tlm_generic_payload tx;
            unsigned char d[4] = {};
            tx.set_command(tlm::TLM_READ_COMMAND);
            tx.set_address(0x80);
            tx.set_data_ptr(d);
            tx.set_data_length(4);
            tx.set_streaming_width(4);
            CHECK_EQ(socket->transport_dbg(tx), 4);
            CHECK_EQ(d[0] | d[1] << 8 | d[2] << 16 | (uint32_t)d[3] << 24, 0x55aa55aa);
        }
        CHECK_EQ(adapter.transactions(), 8);
        sc_stop();
    }
};

int sc_main(int, char **)
{
    Top top("top");
    sc_start();
    return finish();
}
