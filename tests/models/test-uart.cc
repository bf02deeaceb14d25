// "uart": receive FIFO fed from a file (with flow control past fifo_depth)
// and from stdin (a pipe here), the level-triggered receive interrupt,
// transmit to a file read back at once, exact TLM statuses, reset() and
// factory errors.
#include "harness.h"

#include "uart.h"

using sclink::ModelConfig;
using U = sclink::models::Uart;

struct Top : sc_module {
    Initiator cpu, cpu_in;
    sclink::Model *uart, *uart_in;
    sc_signal<bool> irq;
    IrqMonitor mon;
    std::string out_path;
    int pipe_w;
    bool finished = false;
    void (Top::*test)();

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, sclink::Model *u, sclink::Model *u_in,
        const std::string &out, int pw, void (Top::*test_)())
        : sc_module(n), cpu("cpu"), cpu_in("cpu_in"), uart(u), uart_in(u_in),
          mon("mon"), out_path(out), pipe_w(pw), test(test_)
    {
        cpu.socket.bind(uart->target());
        cpu_in.socket.bind(uart_in->target());
        uart->irq_out()->bind(irq);
        mon.in.bind(irq);
        SC_THREAD(run);
    }

    void test_rx();
    void test_tx();
    void test_errors();
    void test_reset();
    void test_stdin();

    void run()
    {
        (this->*test)();
        // End of file on stdin stops its polling, so the run can end.
        if (pipe_w >= 0)
            close(pipe_w);
        pipe_w = -1;
        finished = true;
    }
};

// Input "hello" with fifo_depth 4: four bytes wait in the FIFO, the fifth
// on the line until the guest makes room.
void Top::test_rx()
{
    CHECK_EQ(cpu.rd32(U::STATUS),
             U::STATUS_RX_AVAIL | U::STATUS_TX_READY | U::STATUS_RX_FULL | 4u << 16);
    wait(10, SC_NS);
    CHECK(!irq.read()); // CTRL.RX_IRQ_EN is 0 at reset
    CHECK_EQ(cpu.rd32(U::IRQ_STATUS), 0);

    CHECK_STATUS(cpu.wr32(U::CTRL, U::CTRL_RX_IRQ_EN), tlm::TLM_OK_RESPONSE);
    wait(10, SC_NS);
    CHECK(irq.read());
    CHECK(mon.rises.size() == 1 && mon.rises[0] == sc_time(10, SC_NS));
    CHECK_EQ(cpu.rd32(U::IRQ_STATUS), U::IRQ_RX);

    uint8_t dbg[4];
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, U::DATA, dbg, 4), 4);
    CHECK_EQ(dbg[0], 'h');
    CHECK_EQ(cpu.rd32(U::STATUS) >> 16, 4); // the debug read popped nothing

    std::string got;
    for (int i = 0; i < 5; i++) {
        got += (char)cpu.rd32(U::DATA);
        if (i == 0)
            CHECK_EQ(cpu.rd32(U::STATUS) >> 16, 4); // refilled from the line
    }
    CHECK(got == "hello");
    CHECK_EQ(cpu.rd32(U::STATUS), U::STATUS_TX_READY);
    CHECK_EQ(cpu.rd32(U::DATA), 0); // empty FIFO reads 0
    wait(10, SC_NS);
    CHECK(!irq.read());
    CHECK(mon.falls.size() == 1 && mon.falls[0] == sc_time(20, SC_NS));
    auto *u = dynamic_cast<sclink::RegBlock *>(uart);
    CHECK(u && u->irq_raise_count() == 1 && u->irq_raised_at()[0] == sc_time(10, SC_NS));
}

void Top::test_tx()
{
    for (char c : std::string("OK\n"))
        CHECK_STATUS(cpu.wr32(U::DATA, 0xffffff00u | (uint8_t)c), tlm::TLM_OK_RESPONSE);
    CHECK(read_file(out_path) == "OK\n"); // flushed per byte
}

void Top::test_errors()
{
    unsigned char b[8] = {0};
    static const unsigned char be[4] = {0xff, 0xff, 0xff, 0xff};
    CHECK_STATUS(cpu.wr32(U::STATUS, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.wr32(U::IRQ_STATUS, 1), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(U::SPAN, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(0x800, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(U::STATUS, b, 2), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(U::STATUS, b, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(U::STATUS + 2, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(U::DATA, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, U::STATUS, b, 4, be, 4),
                 tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, U::STATUS, b, 4, nullptr, 0, 1),
                 tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_IGNORE_COMMAND, U::STATUS, b, 4),
                 tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.wr32(U::CTRL, 0xffffffff), tlm::TLM_OK_RESPONSE);
    CHECK_EQ(cpu.rd32(U::CTRL), U::CTRL_RX_IRQ_EN); // undefined bits read 0
    CHECK_EQ(cpu.dbg(tlm::TLM_WRITE_COMMAND, U::CTRL, b, 4), 0);
    tlm::tlm_dmi d;
    CHECK(!cpu.dmi(0, tlm::TLM_READ_COMMAND, d));
    CHECK(d.get_granted_access() == tlm::tlm_dmi::DMI_ACCESS_NONE);
}

void Top::test_reset()
{
    // State for reset() to undo: a byte taken, the interrupt enabled;
    // and output, which it must not undo.
    CHECK_EQ(cpu.rd32(U::DATA), 'h');
    cpu.wr32(U::CTRL, U::CTRL_RX_IRQ_EN);
    for (char c : std::string("OK\n"))
        cpu.wr32(U::DATA, (uint8_t)c);
    wait(10, SC_NS);
    CHECK(irq.read());
    uart->reset();
    wait(10, SC_NS);
    CHECK_EQ(cpu.rd32(U::CTRL), 0);
    CHECK(!irq.read());
    CHECK_EQ(cpu.rd32(U::STATUS) >> 16, 4);
    CHECK_EQ(cpu.rd32(U::DATA), 'h'); // the input starts over
    CHECK(read_file(out_path) == "OK\n"); // output is not undone
}

// stdin is a pipe: bytes written at 15 us are picked up by the 20 us poll
// (poll_us=10), and end of file stops the polling so the run can end.
void Top::test_stdin()
{
    wait(sc_time(15, SC_US) - sc_time_stamp());
    CHECK_EQ(cpu_in.rd32(U::STATUS), U::STATUS_TX_READY);
    CHECK(write(pipe_w, "xy", 2) == 2);
    wait(sc_time(19, SC_US) - sc_time_stamp());
    CHECK_EQ(cpu_in.rd32(U::STATUS) >> 16, 0);
    wait(sc_time(21, SC_US) - sc_time_stamp());
    CHECK_EQ(cpu_in.rd32(U::STATUS) >> 16, 2);
    CHECK_EQ(cpu_in.rd32(U::DATA), 'x');
    CHECK_EQ(cpu_in.rd32(U::DATA), 'y');
    close(pipe_w);
    pipe_w = -1;
}

static void test_factory()
{
    check_refused("u0", "uart", 0x8, 0, {}, "size", __LINE__);
    check_refused("u1", "uart", 0x1000, 0, {{"fifo_depth", "0"}}, "'fifo_depth'", __LINE__);
    check_refused("u2", "uart", 0x1000, 0, {{"fifo_depth", "lots"}}, "'fifo_depth'",
                  __LINE__);
    check_refused("u3", "uart", 0x1000, 0, {{"input", "/nonexistent/in.txt"}}, "'input'",
                  __LINE__);
    check_refused("u4", "uart", 0x1000, 0, {{"output", "/nonexistent/out.txt"}},
                  "'output'", __LINE__);
    check_refused("u5", "uart", 0x1000, 0, {{"baud", "9600"}}, "'baud'", __LINE__);
    check_refused("u6", "uart", 0x1000, 0, {{"poll_us", "0"}}, "'poll_us'", __LINE__);
}

// One sub-test on fresh models, in a simulation of its own.
static void run_test(void (Top::*test)())
{
    std::string in = tmp_path("uart-in"), out = tmp_path("uart-out");
    write_file(in, "hello");
    ModelConfig c = make_cfg("uart0", "uart", 0x1000, 0);
    c.params = {{"input", in}, {"output", out}, {"fifo_depth", "4"}};
    std::unique_ptr<sclink::Model> u = create(c);
    std::remove(in.c_str());

    // The stdin instance leaves its interrupt unconnected (irq -1).
    int fds[2];
    if (!CHECK(pipe(fds) == 0 && dup2(fds[0], STDIN_FILENO) == 0))
        return;
    close(fds[0]);
    ModelConfig ci = make_cfg("uart1", "uart", 0x10);
    ci.params = {{"input", "stdin"}, {"output", out + ".1"}, {"poll_us", "10"}};
    std::unique_ptr<sclink::Model> ui = create(ci);
    if (!CHECK(u && u->irq_out() && ui && !ui->irq_out()))
        return;

    Top top("top", u.get(), ui.get(), out, fds[1], test);
    // Ends by starvation once stdin is at end of file; the limit only
    // keeps a broken poll loop from hanging `make check`.
    sc_start(sc_time(1, SC_SEC), SC_EXIT_ON_STARVATION);
    CHECK(top.finished);
    CHECK(sc_time_stamp() < sc_time(1, SC_MS));
    std::remove(out.c_str());
    std::remove((out + ".1").c_str());
}

static const ScCase cases[] = {
    {"factory", test_factory},
    {"rx", [] { run_test(&Top::test_rx); }},
    {"tx", [] { run_test(&Top::test_tx); }},
    {"errors", [] { run_test(&Top::test_errors); }},
    {"reset", [] { run_test(&Top::test_reset); }},
    {"stdin", [] { run_test(&Top::test_stdin); }},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
