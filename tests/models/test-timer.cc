// "timer": interrupts at exactly the programmed SystemC time, one-shot and
// periodic (no drift), the TIME and COUNT registers, annotated delays,
// exact TLM statuses, reset() and factory errors.  The run ending by
// starvation shows that a disarmed timer leaves no event behind.
#include "harness.h"

#include "timer.h"

using sclink::ModelConfig;
using T = sclink::models::Timer;

static const sc_time NS(1, SC_NS);

struct Top : sc_module {
    Initiator cpu;
    sclink::Model *timer;
    sclink::models::Timer *t;
    sc_signal<bool> irq;
    IrqMonitor mon;
    bool finished = false;
    void (Top::*test)();

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, sclink::Model *m, void (Top::*test_)())
        : sc_module(n), cpu("cpu"), timer(m),
          t(dynamic_cast<sclink::models::Timer *>(m)), mon("mon"), test(test_)
    {
        cpu.socket.bind(timer->target());
        timer->irq_out()->bind(irq);
        mon.in.bind(irq);
        SC_THREAD(run);
    }

    void test_time();
    void test_one_shot();
    void test_periodic();
    void test_min_period();
    void test_irq_enable();
    void test_errors();
    void test_reset();

    void run()
    {
        (this->*test)();
        finished = true;
    }
};

void Top::test_time()
{
    CHECK_EQ(cpu.rd64(T::TIME_LO), 0);
    wait(100, SC_NS);
    CHECK_EQ(cpu.rd32(T::TIME_LO), 100);
    CHECK_EQ(cpu.rd32(T::TIME_HI), 0);
    CHECK_EQ(cpu.rd64(T::TIME_LO), 100);
    cpu.offset = sc_time(7, SC_NS); // the initiator runs ahead
    CHECK_EQ(cpu.rd64(T::TIME_LO), 107);
    cpu.offset = SC_ZERO_TIME;
    CHECK_EQ(cpu.rd32(T::CTRL), 0);
    CHECK_EQ(cpu.rd64(T::COUNT_LO), 0);
}

// At 100 ns: 1000 ns one-shot -> interrupt at exactly 1100 ns.
void Top::test_one_shot()
{
    wait(100, SC_NS);
    CHECK_STATUS(cpu.wr64(T::PERIOD_LO, 1000), tlm::TLM_OK_RESPONSE);
    CHECK_EQ(cpu.rd32(T::PERIOD_LO), 1000);
    CHECK_STATUS(cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_IRQ_EN),
                 tlm::TLM_OK_RESPONSE);
    wait(500, SC_NS);
    CHECK_EQ(cpu.rd64(T::COUNT_LO), 500);
    CHECK_EQ(cpu.rd32(T::STATUS), 0);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == sc_time(1100, SC_NS));
    CHECK(mon.rises.size() == 1 && mon.rises.back() == sc_time(1100, SC_NS));
    CHECK(t->irq_raised_at().size() == 1 &&
          t->irq_raised_at()[0] == sc_time(1100, SC_NS));
    CHECK_EQ(cpu.rd32(T::STATUS), T::STATUS_EXPIRED);
    CHECK_EQ(cpu.rd32(T::CTRL), T::CTRL_IRQ_EN); // one-shot: ENABLE clears
    CHECK_EQ(cpu.rd32(T::EXPIRIES), 1);
    CHECK_EQ(cpu.rd64(T::COUNT_LO), 0);
    wait(5, SC_NS);
    CHECK_STATUS(cpu.wr32(T::STATUS, T::STATUS_EXPIRED), tlm::TLM_OK_RESPONSE);
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    CHECK(!irq.read());
    CHECK(mon.falls.size() == 1 && mon.falls[0] == sc_time(1105, SC_NS));
    CHECK_EQ(cpu.rd32(T::STATUS), 0);

    // A write annotated 50 ns ahead starts the countdown 50 ns later.
    cpu.offset = 50 * NS;
    cpu.wr64(T::PERIOD_LO, 200);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_IRQ_EN);
    cpu.offset = SC_ZERO_TIME;
    sc_time start = sc_time_stamp();
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == start + 250 * NS);
    cpu.wr32(T::STATUS, T::STATUS_EXPIRED);
}

// Periodic 250 ns with each interrupt acknowledged: T0 + 250 ns * k, no
// drift; PERIOD written while running applies from the next reload.
void Top::test_periodic()
{
    wait(SC_ZERO_TIME);
    sc_time t0 = sc_time_stamp();
    cpu.wr64(T::PERIOD_LO, 250);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_PERIODIC | T::CTRL_IRQ_EN);
    size_t first = mon.rises.size();
    for (int k = 1; k <= 4; k++) {
        wait(irq.posedge_event());
        CHECK(sc_time_stamp() == t0 + k * 250 * NS);
        wait(3, SC_NS); // the handler's latency must not shift the period
        cpu.wr32(T::STATUS, T::STATUS_EXPIRED);
    }
    CHECK_EQ(mon.rises.size() - first, 4);
    cpu.wr64(T::PERIOD_LO, 100);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == t0 + 1250 * NS); // the old period ran out
    cpu.wr32(T::STATUS, T::STATUS_EXPIRED);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == t0 + 1350 * NS);
    CHECK_EQ(cpu.rd32(T::EXPIRIES), 6);

    // Not acknowledged: the level stays high, expiries still count.
    uint64_t raises = t->irq_raise_count();
    wait(1000, SC_NS);
    CHECK(irq.read());
    CHECK_EQ(t->irq_raise_count(), raises);
    CHECK_EQ(cpu.rd32(T::EXPIRIES), 6 + 10);

    cpu.wr32(T::CTRL, 0); // disarms; IRQ_EN 0 lowers the line
    wait(10, SC_NS);
    CHECK(!irq.read());
    CHECK_EQ(cpu.rd32(T::STATUS), T::STATUS_EXPIRED);
    wait(10, SC_US);
    CHECK_EQ(cpu.rd32(T::EXPIRIES), 16);
    cpu.wr32(T::STATUS, 0xffffffff);
}

void Top::test_irq_enable()
{
    // Expiry with IRQ_EN 0 sets STATUS only; enabling then raises at once.
    cpu.wr64(T::PERIOD_LO, 100);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE);
    wait(150, SC_NS);
    CHECK_EQ(cpu.rd32(T::STATUS), T::STATUS_EXPIRED);
    CHECK(!irq.read());
    sc_time now = sc_time_stamp();
    cpu.wr32(T::CTRL, T::CTRL_IRQ_EN);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == now);
    cpu.wr32(T::STATUS, T::STATUS_EXPIRED);

    // Changing the mode of a running timer does not restart it.
    cpu.wr64(T::PERIOD_LO, 1000);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE);
    wait(400, SC_NS);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_IRQ_EN);
    CHECK_EQ(cpu.rd64(T::COUNT_LO), 600);
    cpu.wr32(T::CTRL, 0);

    // A zero period arms nothing: ENABLE does not stick.
    cpu.wr64(T::PERIOD_LO, 0);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_PERIODIC);
    CHECK_EQ(cpu.rd32(T::CTRL), T::CTRL_PERIODIC);
    // A 64-bit period beyond SystemC's range arms nothing either.
    cpu.wr64(T::PERIOD_LO, ~0ull);
    CHECK_EQ(cpu.rd32(T::PERIOD_HI), 0xffffffff);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE);
    CHECK_EQ(cpu.rd32(T::CTRL), 0);
}

void Top::test_errors()
{
    unsigned char b[8] = {0};
    CHECK_STATUS(cpu.wr32(T::COUNT_LO, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.wr32(T::TIME_HI, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.wr32(T::EXPIRIES, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(T::CTRL, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(T::PERIOD_HI, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(T::SPAN, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(T::EXPIRIES, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_WRITE_COMMAND, T::PERIOD_LO, b, 8, nullptr, 0, 4),
                 tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_IGNORE_COMMAND, T::CTRL, b, 4),
                 tlm::TLM_COMMAND_ERROR_RESPONSE);
    // Debug reads of any range, side-effect free.
    unsigned char d[8];
    cpu.wr64(T::PERIOD_LO, ~0ull);
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, T::PERIOD_LO, d, 8), 8);
    CHECK(std::memcmp(d, "\xff\xff\xff\xff\xff\xff\xff\xff", 8) == 0);
}

// A periodic PERIOD below min_period_ns (100 by default) reloads with 100
// ns: a guest cannot make each second of SystemC time 10^9 expiries.  A
// one-shot keeps its exact period.
void Top::test_min_period()
{
    wait(SC_ZERO_TIME);
    uint32_t before = cpu.rd32(T::EXPIRIES);
    cpu.wr64(T::PERIOD_LO, 1);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_PERIODIC);
    wait(1050, SC_NS);
    CHECK_EQ(cpu.rd32(T::EXPIRIES) - before, 10);
    cpu.wr32(T::CTRL, 0);
    cpu.wr32(T::STATUS, T::STATUS_EXPIRED);
    sc_time t1 = sc_time_stamp();
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_IRQ_EN);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == t1 + NS);
    cpu.wr32(T::STATUS, T::STATUS_EXPIRED);
}

// Armed periodic, interrupt pending: reset() disarms and lowers the line.
void Top::test_reset()
{
    cpu.wr64(T::PERIOD_LO, 100);
    cpu.wr32(T::CTRL, T::CTRL_ENABLE | T::CTRL_PERIODIC | T::CTRL_IRQ_EN);
    wait(250, SC_NS);
    CHECK(irq.read());
    timer->reset();
    wait(SC_ZERO_TIME);
    wait(SC_ZERO_TIME);
    CHECK(!irq.read());
    CHECK_EQ(cpu.rd32(T::CTRL), 0);
    CHECK_EQ(cpu.rd32(T::STATUS), 0);
    CHECK_EQ(cpu.rd32(T::EXPIRIES), 0);
    CHECK_EQ(cpu.rd64(T::PERIOD_LO), 0);
}

static void factory_errors()
{
    check_refused("t0", "timer", 0x20, 1, {}, "size", __LINE__);
    check_refused("t1", "timer", 0x100, 1, {{"hz", "1"}}, "'hz'", __LINE__);
}

// One sub-test on a fresh timer, in a simulation of its own.
static void run_test(void (Top::*test)())
{
    std::unique_ptr<sclink::Model> m = create(make_cfg("timer0", "timer", 0x100, 2));
    if (!CHECK(m && dynamic_cast<sclink::models::Timer *>(m.get()) && m->irq_out()))
        return;
    m->reset(); // before the simulation starts, as a gateway may
    Top top("top", m.get(), test);
    sc_start(); // returns only when no event is left
    CHECK(top.finished);
    sc_time end = sc_time_stamp();
    CHECK(!sc_pending_activity());
    std::printf("# ended at %s\n", end.to_string().c_str());
}

static const ScCase cases[] = {
    {"factory_errors", factory_errors},
    {"time", [] { run_test(&Top::test_time); }},
    {"one_shot", [] { run_test(&Top::test_one_shot); }},
    {"periodic", [] { run_test(&Top::test_periodic); }},
    {"min_period", [] { run_test(&Top::test_min_period); }},
    {"irq_enable", [] { run_test(&Top::test_irq_enable); }},
    {"errors", [] { run_test(&Top::test_errors); }},
    {"reset", [] { run_test(&Top::test_reset); }},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
