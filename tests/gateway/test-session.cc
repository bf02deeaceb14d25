/*
 * The gateway's session without a socket: a scripted peer stands in the
 * place of the libuv transport (sc-gateway/link.h), feeds messages in, and
 * the test observes the messages out, with the real clock, the real model
 * calls, DMA bridge and interrupt map, and the built-in memory model
 * behind BAR0.  One case per message type and state; each runs in its own
 * process (Check forks), and so in its own simulation.
 */
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "clock.h"
#include "dma-bridge.h"
#include "gateway.h"
#include "irq-map.h"
#include "link.h"
#include "mmio.h"
#include "model.h"
#include "session.h"
#include "stats.h"

/* Last, and without Check's old fail() macro: the parts have fail() methods. */
#include "../common/check-main.h"
#undef fail

using namespace sclink;

namespace {

const uint64_t kQuantumPs = 1000000; /* 1 us */

/* A copy of m that owns its memory: encoded, then decoded as the link would. */
sclink_msg *copy_msg(const sclink_msg &m, size_t *heap)
{
    sclink_buf b;
    sclink_decoder d;
    sclink_msg *out = nullptr;

    sclink_buf_init(&b);
    sclink_decoder_init(&d, SCLINK_DEFAULT_MAX_FRAME);
    ck_assert_int_gt(sclink_encode_append(&m, SCLINK_DEFAULT_MAX_FRAME, &b), 0);
    ck_assert_int_eq(sclink_decoder_feed(&d, b.base, b.len), 0);
    ck_assert_int_eq(sclink_decoder_next(&d, &out), 1);
    if (heap)
        *heap = sclink_decoder_msg_heap(&d);
    sclink_decoder_free(&d);
    sclink_buf_free(&b);
    return out;
}

/*
 * The peer: every event-loop iteration of the session runs the next step
 * of the script (which feeds messages); with the script done, the peer
 * hangs up.  What the session sends is kept, decoded; an Error it fails
 * the link with is kept as the message the server would have sent.
 */
class Peer : public gw::Link {
public:
    using Step = std::function<void(Peer &)>;

    gw::Session *session = nullptr;
    std::deque<Step> script;
    std::vector<sclink_msg *> out;
    bool answer_dma = true;        /* answer DMA reads with 0xa5 bytes */
    std::string close_why;

    ~Peer() override
    {
        for (sclink_msg *m : out)
            sclink_msg_free(m);
    }

    void feed(const sclink_msg &m)
    {
        size_t heap = 0;
        sclink_msg *c = copy_msg(m, &heap);
        session->receive(c, heap);
    }

    int send(const sclink_msg &m) override
    {
        if (!open_ || closing_)
            return SCLINK_ECLOSED;
        out.push_back(copy_msg(m, nullptr));
        return 0;
    }
    void fail(Sclink__V1__ErrorCode code, const std::string &why) override
    {
        sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
        sclink_error e = SCLINK__V1__ERROR__INIT;

        if (!open_ || closing_)
            return;
        e.has_code = 1;
        e.code = code;
        e.message = const_cast<char *>(why.c_str());
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        env.error = &e;
        out.push_back(copy_msg(env, nullptr));
        closing_ = true;
        close_err_ = -EPROTO;
        close_why = why;
    }
    void close() override
    {
        if (open_ && !closing_) {
            closing_ = true;
            close_err_ = 0;
        }
    }
    void set_max_frame(uint32_t) override {}
    bool output_full() const override { return false; }
    void hold_input(bool) override {}
    void run_once() override { step(); }
    void run_timeout(unsigned) override { step(); }
    void poll() override {}
    void watch_idle(unsigned) override {}
    int write_last(const uint8_t *, size_t) override { return -EBUSY; }
    const char *exposure() const override { return nullptr; }

    /* The messages of one case out, by type. */
    const sclink_msg *last() const { return out.empty() ? nullptr : out.back(); }
    size_t count(Sclink__V1__Envelope__MsgCase c) const
    {
        size_t n = 0;
        for (const sclink_msg *m : out)
            n += m->msg_case == c;
        return n;
    }
    const sclink_msg *nth(Sclink__V1__Envelope__MsgCase c, size_t i) const
    {
        for (const sclink_msg *m : out)
            if (m->msg_case == c && i-- == 0)
                return m;
        return nullptr;
    }

private:
    void step()
    {
        if (closing_) {
            open_ = closing_ = false;
            session->link_closed(close_err_, close_why.c_str());
            return;
        }
        if (!open_)
            return;
        if (answer_dma && answer_pending_dma())
            return;
        if (!script.empty()) {
            Step s = script.front();
            script.pop_front();
            s(*this);
            return;
        }
        open_ = false;
        session->link_closed(SCLINK_ECLOSED, "the peer closed the link");
    }

    /* A DMA Request of the gateway's not yet answered gets its Response. */
    bool answer_pending_dma()
    {
        for (size_t i = answered_; i < out.size(); i++) {
            answered_ = i + 1;
            if (out[i]->msg_case != SCLINK__V1__ENVELOPE__MSG_REQUEST)
                continue;
            const sclink_request *r = out[i]->request;
            sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
            sclink_response resp = SCLINK__V1__RESPONSE__INIT;
            std::vector<uint8_t> data(r->length, 0xa5);
            resp.has_id = resp.has_status = 1;
            resp.id = r->id;
            resp.status = SCLINK__V1__STATUS__STATUS_OK;
            if (r->command == SCLINK__V1__COMMAND__CMD_READ) {
                resp.has_data = 1;
                resp.data.data = data.data();
                resp.data.len = data.size();
            }
            env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
            env.response = &resp;
            feed(env);
            return true;
        }
        return false;
    }

    bool open_ = true;
    bool closing_ = false;
    int close_err_ = 0;
    size_t answered_ = 0;
};

/* ------------------------------------------------------------ messages */

uint64_t g_caps = SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES | SCLINK__V1__CAPABILITY__CAP_DMA |
                  SCLINK__V1__CAPABILITY__CAP_MSI | SCLINK__V1__CAPABILITY__CAP_SYNC |
                  SCLINK__V1__CAPABILITY__CAP_DEBUG | SCLINK__V1__CAPABILITY__CAP_PAUSE;

Peer::Step hello(uint64_t caps = g_caps, uint32_t major = SCLINK_VERSION_MAJOR)
{
    return [caps, major](Peer &p) {
        sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
        sclink_hello h = SCLINK__V1__HELLO__INIT;
        h.has_version_major = h.has_version_minor = h.has_role = 1;
        h.version_major = major;
        h.version_minor = SCLINK_VERSION_MINOR;
        h.role = SCLINK__V1__ROLE__ROLE_QEMU;
        h.name = const_cast<char *>("test-session");
        h.has_capabilities = h.has_quantum_ps = h.has_max_frame = 1;
        h.capabilities = caps;
        h.quantum_ps = kQuantumPs;
        h.max_frame = SCLINK_DEFAULT_MAX_FRAME;
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_HELLO;
        env.hello = &h;
        p.feed(env);
    };
}

struct Req {
    uint64_t id = 1;
    Sclink__V1__Command cmd = SCLINK__V1__COMMAND__CMD_READ;
    int bar = 0;                   /* -1: none */
    uint64_t addr = 0;
    uint32_t len = 4;
    uint64_t t = 0;
    bool posted = false;
    uint32_t value = 0;            /* for writes */
};

void feed_request(Peer &p, const Req &q)
{
    sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
    sclink_request r = SCLINK__V1__REQUEST__INIT;
    sclink_attributes a = SCLINK__V1__ATTRIBUTES__INIT;
    uint8_t data[8] = {};

    std::memcpy(data, &q.value, sizeof(q.value));
    r.has_id = r.has_command = r.has_address = r.has_length = r.has_time_ps = 1;
    r.id = q.id;
    r.command = q.cmd;
    if (q.bar >= 0) {
        r.has_bar = 1;
        r.bar = (uint32_t)q.bar;
    }
    r.address = q.addr;
    r.length = q.len;
    r.time_ps = q.t;
    if (q.cmd == SCLINK__V1__COMMAND__CMD_WRITE || q.cmd == SCLINK__V1__COMMAND__CMD_DEBUG_WRITE) {
        r.has_data = 1;
        r.data.data = data;
        r.data.len = q.len;
    }
    if (q.posted) {
        a.has_posted = 1;
        a.posted = 1;
        r.attributes = &a;
    }
    env.msg_case = SCLINK__V1__ENVELOPE__MSG_REQUEST;
    env.request = &r;
    p.feed(env);
}

Peer::Step request(Req q)
{
    return [q](Peer &p) { feed_request(p, q); };
}

Peer::Step sync(Sclink__V1__SyncKind kind, uint64_t t)
{
    return [kind, t](Peer &p) {
        sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
        sclink_sync s = SCLINK__V1__SYNC__INIT;
        s.has_kind = s.has_time_ps = 1;
        s.kind = kind;
        s.time_ps = t;
        if (kind == SCLINK__V1__SYNC_KIND__SYNC_GRANT) {
            s.has_window_end_ps = 1;
            s.window_end_ps = t + kQuantumPs;
        }
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_SYNC;
        env.sync = &s;
        p.feed(env);
    };
}

Peer::Step bye()
{
    return [](Peer &p) {
        sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
        sclink_bye b = SCLINK__V1__BYE__INIT;
        b.has_reason = 1;
        b.reason = SCLINK__V1__BYE_REASON__BYE_SHUTDOWN;
        b.message = const_cast<char *>("done");
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_BYE;
        env.bye = &b;
        p.feed(env);
    };
}

Peer::Step error(Sclink__V1__ErrorCode code)
{
    return [code](Peer &p) {
        sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
        sclink_error e = SCLINK__V1__ERROR__INIT;
        e.has_code = 1;
        e.code = code;
        e.message = const_cast<char *>("peer's own trouble");
        env.msg_case = SCLINK__V1__ENVELOPE__MSG_ERROR;
        env.error = &e;
        p.feed(env);
    };
}

/* --------------------------------------------------------------- harness */

struct Case;
/* What one case runs inside the simulation, once serve() has returned. */
using Check = std::function<void(Case &)>;

std::function<void(GatewayConfig &)> g_config;
std::function<void(Case &)> g_script;
Check g_check;

struct Case : sc_core::sc_module {
    SC_HAS_PROCESS(Case);

    tlm_utils::simple_initiator_socket<Case> initiator;
    sc_core::sc_vector<sc_core::sc_in<bool>> irq;
    sc_core::sc_signal<bool> line;
    GatewayConfig cfg;
    std::unique_ptr<Model> ram;
    Peer peer;
    gw::Stats stats;
    gw::Clock clock;
    gw::Mmio mmio;
    gw::Session session;
    gw::DmaBridge dma;
    gw::IrqMap irqs;

    static GatewayConfig make_config()
    {
        GatewayConfig c;
        BarConfig bar;
        bar.size = 0x1000;
        bar.posted_writes = true;
        c.bars.push_back(bar);
        c.quantum = sc_core::sc_time(1, sc_core::SC_US);
        c.lookahead = false;
        c.irq_kind = IrqKind::msi;
        c.vectors = 1;
        c.irq_lines = 1;
        c.quiet = true;
        c.stuck_timeout_ms = 0;
        c.timeout_ms = 1000;
        if (g_config)
            g_config(c);
        return c;
    }

    explicit Case(sc_core::sc_module_name n)
        : sc_module(n), initiator("initiator"), irq("irq", 1), line("line", false),
          cfg(make_config()), stats(cfg), clock(cfg, stats), mmio(cfg, initiator, clock, stats),
          session(cfg, peer, clock, stats, mmio), dma(cfg, session, peer, clock, stats, mmio),
          irqs(cfg, irq, session, clock, stats)
    {
        std::string err;
        ModelConfig mc;

        session.set_parts(&dma, &irqs);
        peer.session = &session;
        register_builtin_models();
        mc.name = "ram";
        mc.type = "memory";
        mc.size = 0x1000;
        ck_assert_msg(find_model_type("memory")(mc, ram, err), "memory: %s", err.c_str());
        initiator.bind(ram->target());
        irq[0].bind(line);
        SC_THREAD(run);
        SC_METHOD(lines);
        sensitive << irq[0];
        dont_initialize();
    }

    void lines() { irqs.lines_changed(); }

    void run()
    {
        if (g_script)
            g_script(*this);
        session.link_opened();
        session.serve();
        g_check(*this);
        sc_core::sc_stop();
    }

    void script(std::initializer_list<Peer::Step> steps)
    {
        for (const Peer::Step &s : steps)
            peer.script.push_back(s);
    }
};

int run_case(std::function<void(Case &)> script, Check check,
             std::function<void(GatewayConfig &)> config = nullptr)
{
    static char name[] = "test-session";
    static char *argv[] = {name, nullptr};

    g_script = std::move(script);
    g_check = std::move(check);
    g_config = std::move(config);
    return sc_core::sc_elab_and_sim(1, argv);
}

const sclink_msg *welcome(const Case &c)
{
    return c.peer.nth(SCLINK__V1__ENVELOPE__MSG_WELCOME, 0);
}

void expect_error(const Case &c, Sclink__V1__ErrorCode code, const char *text)
{
    const sclink_msg *m = c.peer.last();

    ck_assert_ptr_nonnull(m);
    ck_assert_msg(m->msg_case == SCLINK__V1__ENVELOPE__MSG_ERROR, "last message is %s, not an Error",
                  sclink_msg_name(m));
    ck_assert_int_eq(m->error->code, code);
    ck_assert_msg(std::strstr(m->error->message, text), "Error '%s' does not say '%s'",
                  m->error->message, text);
    ck_assert_int_eq(c.session.exit_status(), 3);
}

} // namespace

int sc_main(int, char **)
{
    /* sc_stop() ends every case: not news. */
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO,
                                            sc_core::SC_DO_NOTHING);
    Case c("case");
    sc_core::sc_start();
    return 0;
}

/* ------------------------------------------------------------ handshake */

START_TEST(test_hello_gets_welcome_then_bye_ends_cleanly)
{
    run_case([](Case &c) { c.script({hello(), bye()}); },
             [](Case &c) {
                 const sclink_msg *w = welcome(c);
                 ck_assert_ptr_nonnull(w);
                 ck_assert_uint_eq(w->welcome->capabilities, g_caps);
                 ck_assert_uint_eq(w->welcome->quantum_ps, kQuantumPs);
                 ck_assert_uint_eq(w->welcome->device->n_bars, 1);
                 ck_assert(w->welcome->device->bars[0]->posted_writes);
                 ck_assert_int_eq(c.peer.out.size(), 1);
                 ck_assert_int_eq(c.session.exit_status(), 0);
             });
}
END_TEST

START_TEST(test_hello_caps_only_what_the_gateway_has)
{
    run_case([](Case &c) { c.script({hello(g_caps | (UINT64_C(1) << 40)), bye()}); },
             [](Case &c) {
                 ck_assert_uint_eq(welcome(c)->welcome->capabilities, g_caps);
             });
}
END_TEST

START_TEST(test_hello_version_mismatch_is_refused)
{
    run_case([](Case &c) { c.script({hello(g_caps, SCLINK_VERSION_MAJOR + 1)}); },
             [](Case &c) {
                 ck_assert_ptr_null(welcome(c));
                 ck_assert_int_eq(c.peer.last()->error->code,
                                  SCLINK__V1__ERROR_CODE__ERR_VERSION);
             });
}
END_TEST

START_TEST(test_await_hello_request_is_state_error)
{
    run_case([](Case &c) { c.script({request(Req())}); },
             [](Case &c) {
                 expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "expected Hello, got Request");
             });
}
END_TEST

START_TEST(test_await_hello_error_is_not_answered)
{
    run_case([](Case &c) { c.script({error(SCLINK__V1__ERROR_CODE__ERR_VERSION)}); },
             [](Case &c) {
                 ck_assert_int_eq(c.peer.out.size(), 0);
                 ck_assert_int_eq(c.session.exit_status(), 3);
             });
}
END_TEST

START_TEST(test_hello_after_handshake_is_state_error)
{
    run_case([](Case &c) { c.script({hello(), hello()}); },
             [](Case &c) {
                 expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE,
                              "Hello not allowed from QEMU after the handshake");
             });
}
END_TEST

/* ------------------------------------------------------------- requests */

START_TEST(test_write_then_read_back)
{
    run_case(
        [](Case &c) {
            Req w, r;
            w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
            w.addr = r.addr = 0x40;
            w.value = 0xdeadbeef;
            r.id = 2;
            r.t = 100;
            c.script({hello(), request(w), request(r), bye()});
        },
        [](Case &c) {
            const sclink_msg *a = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 0);
            const sclink_msg *b = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 1);
            uint32_t v = 0;
            ck_assert_ptr_nonnull(b);
            ck_assert_uint_eq(a->response->id, 1);
            ck_assert_int_eq(a->response->status, SCLINK__V1__STATUS__STATUS_OK);
            ck_assert_uint_eq(b->response->id, 2);
            ck_assert_uint_eq(b->response->data.len, 4);
            std::memcpy(&v, b->response->data.data, 4);
            ck_assert_uint_eq(v, 0xdeadbeef);
            /* The read ran at its stamp: link time 100 ps. */
            ck_assert_uint_eq(c.clock.now_ps(), 100);
            ck_assert_uint_eq(c.stats.counters.reads, 1);
            ck_assert_uint_eq(c.stats.counters.writes, 1);
            ck_assert_int_eq(c.session.exit_status(), 0);
        });
}
END_TEST

START_TEST(test_request_past_bar_is_address_error)
{
    run_case(
        [](Case &c) {
            Req r;
            r.addr = 0xffe;
            c.script({hello(), request(r), bye()});
        },
        [](Case &c) {
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 0);
            ck_assert_int_eq(m->response->status, SCLINK__V1__STATUS__STATUS_ADDRESS_ERROR);
            ck_assert_uint_eq(c.stats.counters.errors, 1);
        });
}
END_TEST

START_TEST(test_request_to_missing_bar_is_malformed)
{
    run_case(
        [](Case &c) {
            Req r;
            r.bar = 3;
            c.script({hello(), request(r)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_MALFORMED, "BAR 3, which the device lacks");
        });
}
END_TEST

START_TEST(test_debug_without_cap_is_unsupported)
{
    run_case(
        [](Case &c) {
            Req r;
            r.cmd = SCLINK__V1__COMMAND__CMD_DEBUG_READ;
            c.script({hello(g_caps & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_DEBUG), request(r)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "without the CAP_DEBUG");
        });
}
END_TEST

START_TEST(test_debug_read_answers_at_once)
{
    run_case(
        [](Case &c) {
            Req r;
            r.cmd = SCLINK__V1__COMMAND__CMD_DEBUG_READ;
            r.t = 123456;   /* debug accesses do not advance time */
            c.script({hello(), request(r), bye()});
        },
        [](Case &c) {
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 0);
            ck_assert_int_eq(m->response->status, SCLINK__V1__STATUS__STATUS_OK);
            ck_assert_uint_eq(c.clock.now_ps(), 0);
            ck_assert_uint_eq(c.stats.counters.debug, 1);
        });
}
END_TEST

START_TEST(test_posted_write_applied_without_response)
{
    run_case(
        [](Case &c) {
            Req w, r;
            w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
            w.posted = true;
            w.value = 0x1234;
            r.id = 2;
            c.script({hello(), request(w), request(r), bye()});
        },
        [](Case &c) {
            ck_assert_int_eq(c.peer.count(SCLINK__V1__ENVELOPE__MSG_RESPONSE), 1);
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 0);
            uint32_t v = 0;
            ck_assert_uint_eq(m->response->id, 2);
            std::memcpy(&v, m->response->data.data, 4);
            ck_assert_uint_eq(v, 0x1234);
            ck_assert_uint_eq(c.stats.counters.posted, 1);
        });
}
END_TEST

START_TEST(test_posted_without_cap_is_unsupported)
{
    run_case(
        [](Case &c) {
            Req w;
            w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
            w.posted = true;
            c.script({hello(g_caps & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_POSTED_WRITES),
                      request(w)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED,
                         "without the CAP_POSTED_WRITES");
        });
}
END_TEST

/* Both arrive before the pump takes the first: the second's id is taken. */
START_TEST(test_duplicate_id_is_state_error)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          feed_request(p, Req());
                          feed_request(p, Req());
                      }});
        },
        [](Case &c) {
            ck_assert_int_eq(c.peer.count(SCLINK__V1__ENVELOPE__MSG_RESPONSE), 1);
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "has the id of a Request not yet answered");
        });
}
END_TEST

START_TEST(test_request_before_latest_time_is_state_error)
{
    run_case(
        [](Case &c) {
            Req a, b;
            a.t = 500;
            b.id = 2;
            b.t = 400;
            c.script({hello(), request(a), request(b)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "stamped 400 ps, before 500 ps");
        });
}
END_TEST

START_TEST(test_request_beyond_window_is_state_error)
{
    run_case(
        [](Case &c) {
            Req r;
            r.t = kQuantumPs + 1;
            c.script({hello(), request(r)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "beyond the granted window end");
        });
}
END_TEST

/* ----------------------------------------------------------------- sync */

START_TEST(test_reached_at_window_end_is_granted)
{
    run_case(
        [](Case &c) {
            c.script({hello(), sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, kQuantumPs),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, 2 * kQuantumPs), bye()});
        },
        [](Case &c) {
            const sclink_msg *g = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_SYNC, 1);
            ck_assert_ptr_nonnull(g);
            ck_assert_int_eq(g->sync->kind, SCLINK__V1__SYNC_KIND__SYNC_GRANT);
            ck_assert_uint_eq(g->sync->time_ps, 2 * kQuantumPs);
            ck_assert_uint_eq(g->sync->window_end_ps, 3 * kQuantumPs);
            ck_assert_uint_eq(c.clock.now_ps(), 2 * kQuantumPs);
            ck_assert_uint_eq(c.stats.counters.windows, 2);
        });
}
END_TEST

/*
 * Rule G with lookahead: nothing scheduled, so the GRANT reaches 1 s past
 * the REACHED.  Rule N: a Request at t then cuts it to t + Q, and a
 * REACHED at the granted end is refused.
 */
START_TEST(test_request_cuts_window_rule_n)
{
    run_case(
        [](Case &c) {
            Req r;
            r.t = kQuantumPs + 10;
            c.script({hello(g_caps | SCLINK__V1__CAPABILITY__CAP_LOOKAHEAD),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, kQuantumPs), request(r),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, kQuantumPs + UINT64_C(1000000000000))});
        },
        [](Case &c) {
            const sclink_msg *g = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_SYNC, 0);
            ck_assert_uint_eq(g->sync->window_end_ps, kQuantumPs + UINT64_C(1000000000000));
            ck_assert_uint_eq(c.clock.window_end_ps(), 2 * kQuantumPs + 10);
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "but the window ends at 2000010 ps");
        },
        [](GatewayConfig &cfg) { cfg.lookahead = true; });
}
END_TEST

START_TEST(test_reached_elsewhere_is_state_error_rule_b)
{
    run_case(
        [](Case &c) { c.script({hello(), sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, 5)}); },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync REACHED 5 ps, but the window ends at");
        });
}
END_TEST

START_TEST(test_grant_from_peer_is_state_error)
{
    run_case(
        [](Case &c) { c.script({hello(), sync(SCLINK__V1__SYNC_KIND__SYNC_GRANT, 0)}); },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "GRANT is the gateway's to send");
        });
}
END_TEST

START_TEST(test_sync_without_cap_is_unsupported)
{
    run_case(
        [](Case &c) {
            c.script({hello(g_caps & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_SYNC),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, kQuantumPs)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "without the CAP_SYNC");
        });
}
END_TEST

START_TEST(test_pause_resume_and_pause_twice)
{
    run_case(
        [](Case &c) {
            c.script({hello(), sync(SCLINK__V1__SYNC_KIND__SYNC_PAUSED, 0),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_RESUMED, 0),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_PAUSED, 0),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_PAUSED, 0)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "Sync PAUSED while paused");
        });
}
END_TEST

START_TEST(test_pause_without_cap_is_unsupported)
{
    run_case(
        [](Case &c) {
            c.script({hello(g_caps & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_PAUSE),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_PAUSED, 0)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "without the CAP_PAUSE");
        });
}
END_TEST

/* ---------------------------------------------------------------- reset */

/*
 * 8.10: a RESET at t resets the models at SystemC link time t, after the
 * write before it and before the read after it, and is answered by one
 * RESET_DONE stamped t.
 */
START_TEST(test_reset_resets_models_at_its_stamp_and_answers_done)
{
    run_case(
        [](Case &c) {
            Req w, r;
            w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
            w.addr = r.addr = 0x40;
            w.value = 0xdeadbeef;
            r.id = 2;
            r.t = 600;
            c.session.set_reset([&c]() { c.ram->reset(); });
            c.script({hello(g_caps | SCLINK__V1__CAPABILITY__CAP_RESET), request(w),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_RESET, 500), request(r), bye()});
        },
        [](Case &c) {
            const sclink_msg *d = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_SYNC, 0);
            const sclink_msg *b = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_RESPONSE, 1);
            uint32_t v = 1;
            ck_assert_ptr_nonnull(d);
            ck_assert_int_eq(d->sync->kind, SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE);
            ck_assert_uint_eq(d->sync->time_ps, 500);
            ck_assert_ptr_null(c.peer.nth(SCLINK__V1__ENVELOPE__MSG_SYNC, 1));
            ck_assert_ptr_nonnull(b);
            std::memcpy(&v, b->response->data.data, 4);
            ck_assert_uint_eq(v, 0);
            ck_assert_uint_eq(c.clock.now_ps(), 600);
            ck_assert_int_eq(c.session.exit_status(), 0);
        });
}
END_TEST

START_TEST(test_reset_without_cap_is_unsupported)
{
    run_case(
        [](Case &c) { c.script({hello(), sync(SCLINK__V1__SYNC_KIND__SYNC_RESET, 0)}); },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_UNSUPPORTED, "without the CAP_RESET");
        });
}
END_TEST

/* Rule C: a RESET's stamp is a Request's. */
START_TEST(test_reset_before_latest_time_is_state_error)
{
    run_case(
        [](Case &c) {
            Req r;
            r.t = 300;
            c.script({hello(g_caps | SCLINK__V1__CAPABILITY__CAP_RESET), request(r),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_RESET, 200)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "Sync RESET stamped 200 ps, before 300 ps");
        });
}
END_TEST

START_TEST(test_reset_done_from_peer_is_state_error)
{
    run_case(
        [](Case &c) {
            c.script({hello(g_caps | SCLINK__V1__CAPABILITY__CAP_RESET),
                      sync(SCLINK__V1__SYNC_KIND__SYNC_RESET_DONE, 0)});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE, "RESET_DONE is the gateway's to send");
        });
}
END_TEST

/* ------------------------------------------------- interrupts and DMA */

START_TEST(test_line_rising_edge_is_msi)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [&c](Peer &) { c.line.write(true); },
                      sync(SCLINK__V1__SYNC_KIND__SYNC_REACHED, kQuantumPs), bye()});
        },
        [](Case &c) {
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_INTERRUPT, 0);
            ck_assert_ptr_nonnull(m);
            ck_assert_int_eq(m->interrupt->type, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI);
            ck_assert_uint_eq(m->interrupt->index, 0);
            /* Sent while SystemC ran to the REACHED: before the GRANT. */
            ck_assert_int_eq(c.peer.out.size(), 3);
            ck_assert_ptr_eq(c.peer.out[1], m);
            ck_assert_int_eq(c.peer.out[2]->msg_case, SCLINK__V1__ENVELOPE__MSG_SYNC);
        });
}
END_TEST

START_TEST(test_intx_level_up_at_link_up)
{
    run_case(
        [](Case &c) {
            /* Up before the link: the line's method has run, nothing sent. */
            c.line.write(true);
            sc_core::wait(sc_core::SC_ZERO_TIME);
            c.script({hello(g_caps | SCLINK__V1__CAPABILITY__CAP_INTX), bye()});
        },
        [](Case &c) {
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_INTERRUPT, 0);
            ck_assert_ptr_nonnull(m);
            ck_assert_int_eq(m->interrupt->type, SCLINK__V1__IRQ_TYPE__IRQ_TYPE_LINE);
            ck_assert(m->interrupt->level);
        },
        [](GatewayConfig &cfg) { cfg.irq_kind = IrqKind::intx; });
}
END_TEST

/* A bus master's read: one Request out, the peer's answer in its buffer. */
START_TEST(test_dma_read_through_the_bridge)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [&c](Peer &) {
                          tlm::tlm_generic_payload gp;
                          sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                          uint8_t buf[16] = {};
                          gp.set_command(tlm::TLM_READ_COMMAND);
                          gp.set_address(0x1000);
                          gp.set_data_ptr(buf);
                          gp.set_data_length(sizeof(buf));
                          gp.set_streaming_width(sizeof(buf));
                          c.dma.b_transport(gp, delay);
                          ck_assert_int_eq(gp.get_response_status(), tlm::TLM_OK_RESPONSE);
                          ck_assert_uint_eq(buf[0], 0xa5);
                          ck_assert_uint_eq(buf[15], 0xa5);
                      }, bye()});
        },
        [](Case &c) {
            const sclink_msg *m = c.peer.nth(SCLINK__V1__ENVELOPE__MSG_REQUEST, 0);
            ck_assert_ptr_nonnull(m);
            ck_assert_uint_eq(m->request->address, 0x1000);
            ck_assert_uint_eq(m->request->length, 16);
            ck_assert_uint_eq(c.stats.counters.dma_reads, 1);
        });
}
END_TEST

START_TEST(test_dma_without_cap_is_refused_whole)
{
    run_case(
        [](Case &c) {
            c.script({hello(g_caps & ~(uint64_t)SCLINK__V1__CAPABILITY__CAP_DMA), [&c](Peer &) {
                          tlm::tlm_generic_payload gp;
                          sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                          uint8_t buf[4] = {};
                          gp.set_command(tlm::TLM_READ_COMMAND);
                          gp.set_data_ptr(buf);
                          gp.set_data_length(4);
                          c.dma.b_transport(gp, delay);
                          ck_assert_int_eq(gp.get_response_status(),
                                           tlm::TLM_GENERIC_ERROR_RESPONSE);
                      }, bye()});
        },
        [](Case &c) { ck_assert_int_eq(c.peer.count(SCLINK__V1__ENVELOPE__MSG_REQUEST), 0); });
}
END_TEST

START_TEST(test_stray_response_is_state_error)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
                          sclink_response r = SCLINK__V1__RESPONSE__INIT;
                          r.has_id = r.has_status = 1;
                          r.id = 77;
                          r.status = SCLINK__V1__STATUS__STATUS_OK;
                          env.msg_case = SCLINK__V1__ENVELOPE__MSG_RESPONSE;
                          env.response = &r;
                          p.feed(env);
                      }});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "Response 77 answers no outstanding DMA request");
        });
}
END_TEST

/* Interrupt and Welcome are the gateway's to send, never QEMU's. */
START_TEST(test_interrupt_from_peer_is_state_error)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          sclink_msg env = SCLINK__V1__ENVELOPE__INIT;
                          sclink_interrupt i = SCLINK__V1__INTERRUPT__INIT;
                          i.has_type = i.has_index = i.has_time_ps = 1;
                          i.type = SCLINK__V1__IRQ_TYPE__IRQ_TYPE_MSI;
                          env.msg_case = SCLINK__V1__ENVELOPE__MSG_INTERRUPT;
                          env.interrupt = &i;
                          p.feed(env);
                      }});
        },
        [](Case &c) {
            expect_error(c, SCLINK__V1__ERROR_CODE__ERR_STATE,
                         "Interrupt not allowed from QEMU after the handshake");
        });
}
END_TEST

/* ------------------------------------------------------------- leaving */

/* The link is gone (closed): a posted write sent before is still applied. */
START_TEST(test_after_close_posted_write_still_applied)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          Req w;
                          w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
                          w.posted = true;
                          w.addr = 0x80;
                          w.value = 0x55aa;
                          feed_request(p, w);
                          /* The peer hangs up in the same iteration. */
                          p.session->link_closed(SCLINK_ECLOSED, "gone");
                      }});
        },
        [](Case &c) {
            tlm::tlm_generic_payload gp;
            uint32_t v = 0;
            gp.set_command(tlm::TLM_READ_COMMAND);
            gp.set_address(0x80);
            gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
            gp.set_data_length(4);
            ck_assert_uint_eq(c.initiator->transport_dbg(gp), 4);
            ck_assert_uint_eq(v, 0x55aa);
            ck_assert_uint_eq(c.stats.counters.posted, 1);
            ck_assert_int_eq(c.session.exit_status(), 3);
        });
}
END_TEST

START_TEST(test_after_bye_nothing_is_executed)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          Req w;
                          w.cmd = SCLINK__V1__COMMAND__CMD_WRITE;
                          bye()(p);
                          feed_request(p, w);
                      }});
        },
        [](Case &c) {
            ck_assert_int_eq(c.peer.count(SCLINK__V1__ENVELOPE__MSG_RESPONSE), 0);
            ck_assert_uint_eq(c.stats.counters.writes, 0);
            ck_assert_int_eq(c.session.exit_status(), 0);
        });
}
END_TEST

START_TEST(test_peer_error_ends_link_failed)
{
    run_case(
        [](Case &c) { c.script({hello(), error(SCLINK__V1__ERROR_CODE__ERR_INTERNAL)}); },
        [](Case &c) {
            ck_assert_int_eq(c.peer.out.size(), 1);   /* the Welcome; no Error back */
            ck_assert_int_eq(c.session.exit_status(), 3);
            ck_assert_uint_eq(c.stats.counters.errors, 1);
        });
}
END_TEST

START_TEST(test_peer_hangs_up_link_lost)
{
    run_case([](Case &c) { c.script({hello()}); },
             [](Case &c) { ck_assert_int_eq(c.session.exit_status(), 3); });
}
END_TEST

START_TEST(test_stop_says_bye_once_all_is_answered)
{
    run_case(
        [](Case &c) {
            c.script({hello(), [](Peer &p) {
                          feed_request(p, Req());
                          p.session->request_stop();
                      }});
        },
        [](Case &c) {
            ck_assert_int_eq(c.peer.count(SCLINK__V1__ENVELOPE__MSG_RESPONSE), 1);
            const sclink_msg *m = c.peer.last();
            ck_assert_int_eq(m->msg_case, SCLINK__V1__ENVELOPE__MSG_BYE);
            ck_assert_str_eq(m->bye->message, "gateway stopping");
            ck_assert_int_eq(c.session.exit_status(), 0);
        });
}
END_TEST

static Suite *session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = sclink_check_tcase(s, "messages", 20);

    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    tcase_add_test(tc, test_hello_gets_welcome_then_bye_ends_cleanly);
    tcase_add_test(tc, test_hello_caps_only_what_the_gateway_has);
    tcase_add_test(tc, test_hello_version_mismatch_is_refused);
    tcase_add_test(tc, test_await_hello_request_is_state_error);
    tcase_add_test(tc, test_await_hello_error_is_not_answered);
    tcase_add_test(tc, test_hello_after_handshake_is_state_error);
    tcase_add_test(tc, test_write_then_read_back);
    tcase_add_test(tc, test_request_past_bar_is_address_error);
    tcase_add_test(tc, test_request_to_missing_bar_is_malformed);
    tcase_add_test(tc, test_debug_without_cap_is_unsupported);
    tcase_add_test(tc, test_debug_read_answers_at_once);
    tcase_add_test(tc, test_posted_write_applied_without_response);
    tcase_add_test(tc, test_posted_without_cap_is_unsupported);
    tcase_add_test(tc, test_duplicate_id_is_state_error);
    tcase_add_test(tc, test_request_before_latest_time_is_state_error);
    tcase_add_test(tc, test_request_beyond_window_is_state_error);
    tcase_add_test(tc, test_reached_at_window_end_is_granted);
    tcase_add_test(tc, test_request_cuts_window_rule_n);
    tcase_add_test(tc, test_reached_elsewhere_is_state_error_rule_b);
    tcase_add_test(tc, test_grant_from_peer_is_state_error);
    tcase_add_test(tc, test_reset_resets_models_at_its_stamp_and_answers_done);
    tcase_add_test(tc, test_reset_without_cap_is_unsupported);
    tcase_add_test(tc, test_reset_before_latest_time_is_state_error);
    tcase_add_test(tc, test_reset_done_from_peer_is_state_error);
    tcase_add_test(tc, test_sync_without_cap_is_unsupported);
    tcase_add_test(tc, test_pause_resume_and_pause_twice);
    tcase_add_test(tc, test_pause_without_cap_is_unsupported);
    tcase_add_test(tc, test_line_rising_edge_is_msi);
    tcase_add_test(tc, test_intx_level_up_at_link_up);
    tcase_add_test(tc, test_dma_read_through_the_bridge);
    tcase_add_test(tc, test_dma_without_cap_is_refused_whole);
    tcase_add_test(tc, test_stray_response_is_state_error);
    tcase_add_test(tc, test_interrupt_from_peer_is_state_error);
    tcase_add_test(tc, test_after_bye_nothing_is_executed);
    tcase_add_test(tc, test_after_close_posted_write_still_applied);
    tcase_add_test(tc, test_peer_error_ends_link_failed);
    tcase_add_test(tc, test_peer_hangs_up_link_lost);
    tcase_add_test(tc, test_stop_says_bye_once_all_is_answered);
    return s;
}

/* SystemC elaborates once per process: each case needs its own. */
SCLINK_CHECK_MAIN_SYSTEMC(session_suite)
