// "dma": each direction copies the right bytes in `chunk`-sized bus
// accesses and raises the completion interrupt; a bus error (the guest
// memory answering ADDRESS_ERROR) and bad jobs (also ranges that wrap past
// 2^64) set STATUS.ERROR and still interrupt; START while busy, reset()
// mid-transfer, register and buffer access rules, factory errors.
#include "harness.h"

#include <tlm_utils/simple_target_socket.h>

#include "dma.h"

using sclink::ModelConfig;
using D = sclink::models::Dma;

static const sc_time NS(1, SC_NS);

// Guest memory behind the gateway's DMA socket: 64 KiB, 10 ns per access,
// ADDRESS_ERROR for anything not wholly inside.
struct GuestMem : sc_module {
    tlm_utils::simple_target_socket<GuestMem> socket;
    std::vector<unsigned char> mem = std::vector<unsigned char>(0x10000);
    unsigned accesses = 0, max_len = 0;

    explicit GuestMem(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_b_transport(this, &GuestMem::b_transport);
    }
    void b_transport(tlm::tlm_generic_payload &tx, sc_time &delay)
    {
        uint64_t a = tx.get_address();
        unsigned len = tx.get_data_length();
        accesses++;
        max_len = std::max(max_len, len);
        if (a >= mem.size() || len > mem.size() - a || tx.get_byte_enable_ptr() ||
            tx.get_streaming_width() != len) {
            tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (tx.is_read())
            std::memcpy(tx.get_data_ptr(), &mem[a], len);
        else
            std::memcpy(&mem[a], tx.get_data_ptr(), len);
        delay += 10 * NS;
        tx.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    void fill(uint64_t a, unsigned len, unsigned seed)
    {
        for (unsigned i = 0; i < len; i++)
            mem[a + i] = (unsigned char)(seed + i * 7);
    }
};

struct Top : sc_module {
    Initiator cpu;
    sclink::Model *dma;
    GuestMem guest;
    sc_signal<bool> irq;
    IrqMonitor mon;
    bool finished = false;
    void (Top::*test)();

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, sclink::Model *m, void (Top::*test_)())
        : sc_module(n), cpu("cpu"), dma(m), guest("guest"), mon("mon"), test(test_)
    {
        cpu.socket.bind(dma->target());
        dma->dma_initiator()->bind(guest.socket);
        dma->irq_out()->bind(irq);
        mon.in.bind(irq);
        SC_THREAD(run);
    }

    void start(uint64_t src, uint64_t dst, uint32_t len, uint32_t ctrl)
    {
        cpu.wr64(D::SRC_LO, src);
        cpu.wr64(D::DST_LO, dst);
        cpu.wr32(D::LEN, len);
        cpu.wr32(D::CTRL, ctrl | D::CTRL_START);
    }
    // Waits for the completion interrupt (unless it is up), then
    // acknowledges it.
    uint32_t complete()
    {
        if (!irq.read())
            wait(irq.posedge_event());
        uint32_t st = cpu.rd32(D::STATUS);
        cpu.wr32(D::STATUS, D::STATUS_DONE | D::STATUS_ERROR);
        wait(SC_ZERO_TIME);
        wait(SC_ZERO_TIME);
        CHECK(!irq.read());
        return st;
    }
    bool buffer_is(unsigned off, uint64_t guest_addr, unsigned len)
    {
        std::vector<unsigned char> b(len);
        return cpu.rd(D::BUF + off, b.data(), len) == tlm::TLM_OK_RESPONSE &&
               std::memcmp(b.data(), &guest.mem[guest_addr], len) == 0;
    }

    void check_bad_job(int line, const char *what, uint64_t src, uint64_t dst,
                       uint32_t len, uint32_t dir);

    void test_directions();
    void test_errors();
    void test_ranges_that_wrap();
    void test_busy_and_irq_enable();
    void test_registers();
    void test_reset();

    void run()
    {
        (this->*test)();
        finished = true;
    }
};

void Top::test_directions()
{
    // guest -> local: 200 bytes in chunks of 64, 10 ns each.
    guest.fill(0x100, 300, 3);
    sc_time t0 = sc_time_stamp();
    start(0x100, 0x10, 200, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(cpu.rd32(D::STATUS), D::STATUS_BUSY);
    wait(irq.posedge_event());
    CHECK(sc_time_stamp() == t0 + 40 * NS);
    CHECK_EQ(guest.accesses, 4);
    CHECK_EQ(guest.max_len, 64);
    CHECK_EQ(cpu.rd32(D::XFERRED), 200);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK(buffer_is(0x10, 0x100, 200));

    // local -> guest
    unsigned char pat[100];
    for (unsigned i = 0; i < sizeof(pat); i++)
        pat[i] = (unsigned char)(0x80 ^ i);
    cpu.wr(D::BUF + 0x400, pat, sizeof(pat));
    start(0x400, 0x2000, sizeof(pat), D::DIR_FROM_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK(std::memcmp(&guest.mem[0x2000], pat, sizeof(pat)) == 0);

    // guest -> guest: one read and one write per chunk.
    guest.accesses = 0;
    start(0x100, 0x3000, 300, D::DIR_GUEST | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK(std::memcmp(&guest.mem[0x3000], &guest.mem[0x100], 300) == 0);
    CHECK_EQ(guest.accesses, 2 * 5);
    CHECK_EQ(cpu.rd32(D::XFERRED), 300);

    // LEN 0 completes at once.
    start(0, 0, 0, D::DIR_GUEST | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE);
}

void Top::test_errors()
{
    // The guest memory ends at 0x10000: the second chunk is refused.
    guest.accesses = 0;
    start(0xffc0, 0x0, 128, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    CHECK_EQ(cpu.rd32(D::XFERRED), 64);
    CHECK_EQ(guest.accesses, 2);
    // Writes too.
    start(0x0, 0x20000, 16, D::DIR_FROM_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    CHECK_EQ(cpu.rd32(D::XFERRED), 0);

    // Bad jobs fail without touching the bus.
    guest.accesses = 0;
    start(0x0, 0xff0, 0x20, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN); // past buffer
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    start(0xfff, 0x0, 2, D::DIR_FROM_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    start(0x0, 0x0, 4, 3 | D::CTRL_IRQ_EN); // no direction 3
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    CHECK_EQ(guest.accesses, 0);
}

// A bad job ends DONE | ERROR with nothing moved: no bus access, XFERRED
// 0, the buffer and the guest memory as they were.
void Top::check_bad_job(int line, const char *what, uint64_t src, uint64_t dst,
                        uint32_t len, uint32_t dir)
{
    std::vector<unsigned char> buf(0x1000), after(0x1000);
    std::vector<unsigned char> mem = guest.mem;
    unsigned accesses = guest.accesses;
    cpu.rd(D::BUF, buf.data(), 0x1000);
    start(src, dst, len, dir | D::CTRL_IRQ_EN);
    uint32_t st = complete();
    check(st == (D::STATUS_DONE | D::STATUS_ERROR), line,
          std::string(what) + ": STATUS " + hex(st) + ", want DONE | ERROR");
    check(cpu.rd32(D::XFERRED) == 0 && guest.accesses == accesses, line,
          std::string(what) + ": no bus access, XFERRED 0");
    cpu.rd(D::BUF, after.data(), 0x1000);
    check(after == buf && guest.mem == mem, line,
          std::string(what) + ": buffer and guest memory unchanged");
}

// A buffer range whose end wraps past 2^64 passed a check of off + len,
// and the copy then ran before the buffer: heap bytes written from the
// guest, heap bytes sent to the guest, or a crash for a large span.
void Top::test_ranges_that_wrap()
{
    const uint64_t top = ~0ull; // 2^64 - 1
    guest.fill(0x100, 0x100, 5);
    for (unsigned i = 0; i < 0x1000; i += 4)
        cpu.wr32(D::BUF + i, 0xb0f00000 + i);

    check_bad_job(__LINE__, "buffer DST near 2^64, DST + LEN wraps to 0x10",
                  0x100, top - 0xf, 0x20, D::DIR_TO_LOCAL);
    check_bad_job(__LINE__, "buffer SRC near 2^64, SRC + LEN wraps to 0x10",
                  top - 0xf, 0x2000, 0x20, D::DIR_FROM_LOCAL);
    check_bad_job(__LINE__, "huge LEN, buffer DST + LEN wraps to 0x10",
                  0x100, 0x10 - 0xffffffffull, 0xffffffff, D::DIR_TO_LOCAL);
    check_bad_job(__LINE__, "huge LEN, buffer SRC + LEN wraps to 0x10",
                  0x10 - 0xffffffffull, 0x2000, 0xffffffff, D::DIR_FROM_LOCAL);
    check_bad_job(__LINE__, "huge LEN into the buffer", 0x100, 0x0, 0xffffffff,
                  D::DIR_TO_LOCAL);
    // Guest ranges: chunk by chunk the address would wrap to 0.
    check_bad_job(__LINE__, "guest SRC near 2^64 wraps to 0", top - 0x3f, 0x0,
                  0x80, D::DIR_TO_LOCAL);
    check_bad_job(__LINE__, "guest DST near 2^64 wraps to 0", 0x0, top - 0x3f,
                  0x80, D::DIR_FROM_LOCAL);
    check_bad_job(__LINE__, "guest to guest, DST wraps to 0", 0x100, top,
                  0x2, D::DIR_GUEST);

    // The boundaries themselves are fine: a guest range ending at 2^64 - 1
    // reaches the bus (which refuses it), a buffer range ending at its end
    // is copied.
    guest.accesses = 0;
    start(top - 0x3f, 0x0, 0x40, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE | D::STATUS_ERROR);
    CHECK_EQ(guest.accesses, 1);
    start(0x100, 0x1000 - 0x40, 0x40, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK(buffer_is(0x1000 - 0x40, 0x100, 0x40));
}

void Top::test_busy_and_irq_enable()
{
    // START while BUSY is ignored; the running job goes on unchanged.
    guest.fill(0x8000, 0x1000, 9);
    start(0x8000, 0x0, 0x1000, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    wait(100, SC_NS);
    start(0x0, 0x0, 4, D::DIR_GUEST | D::CTRL_IRQ_EN);
    CHECK_EQ(cpu.rd32(D::STATUS), D::STATUS_BUSY);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK_EQ(cpu.rd32(D::XFERRED), 0x1000);
    CHECK(buffer_is(0, 0x8000, 0x1000));

    // Without IRQ_EN: DONE, no interrupt; enabling it then raises it.
    size_t rises = mon.rises.size();
    start(0x100, 0x0, 16, D::DIR_TO_LOCAL);
    wait(100, SC_NS);
    CHECK_EQ(cpu.rd32(D::STATUS), D::STATUS_DONE);
    CHECK_EQ(mon.rises.size(), rises);
    cpu.wr32(D::CTRL, D::CTRL_IRQ_EN);
    CHECK_EQ(cpu.rd32(D::CTRL), D::CTRL_IRQ_EN); // START reads 0
    CHECK_EQ(complete(), D::STATUS_DONE);
}

void Top::test_registers()
{
    unsigned char b[8] = {0};
    static const unsigned char be[2] = {0xff, 0};
    cpu.wr64(D::SRC_LO, 0x123456789abcdef0ull);
    CHECK_EQ(cpu.rd32(D::SRC_HI), 0x12345678);
    CHECK_EQ(cpu.rd64(D::SRC_LO), 0x123456789abcdef0ull);
    cpu.wr32(D::DST_HI, 0xcafe);
    CHECK_EQ(cpu.rd64(D::DST_LO) >> 32, 0xcafe);
    CHECK_EQ(cpu.rd32(D::BUF_SIZE), 0x1000);
    CHECK_STATUS(cpu.wr32(D::XFERRED, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.wr32(D::BUF_SIZE, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(D::LEN, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(D::SRC_HI, b, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(D::SPAN, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(0xffc, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.rd(D::BUF + 0x1000, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // The buffer is memory: any size, byte enables, but it ends where it ends.
    CHECK_STATUS(cpu.wr(D::BUF + 0xfff, "\x42", 1), tlm::TLM_OK_RESPONSE);
    CHECK_STATUS(cpu.rd(D::BUF + 0xffe, b, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_WRITE_COMMAND, D::BUF + 0x20,
                            (void *)"\x11\x22", 2, be, 2),
                 tlm::TLM_OK_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_IGNORE_COMMAND, D::BUF, b, 4),
                 tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_STATUS(cpu.access(tlm::TLM_READ_COMMAND, D::BUF, b, 4, nullptr, 0, 1),
                 tlm::TLM_BURST_ERROR_RESPONSE);
    CHECK_EQ(cpu.dbg(tlm::TLM_WRITE_COMMAND, D::BUF + 0xffe,
                     (void *)"\x01\x02\x03", 3), 2);
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, D::BUF + 0xffe, b, 8), 2);
    CHECK(b[0] == 1 && b[1] == 2);
    CHECK_EQ(cpu.dbg(tlm::TLM_READ_COMMAND, D::BUF_SIZE, b, 4), 4);
    CHECK_EQ(b[1], 0x10);
    tlm::tlm_dmi d;
    CHECK(!cpu.dmi(D::BUF, tlm::TLM_READ_COMMAND, d));
    CHECK_EQ(d.get_end_address(), 0x1fff);
}

// reset() mid-transfer: the job is forgotten (no DONE, no late writes into
// the buffer), and a job started right after runs normally.
void Top::test_reset()
{
    // Non-zero guest memory, or a buffer that stayed zero would prove
    // nothing.
    guest.fill(0x8000, 0x1000, 9);
    guest.fill(0x100, 0x40, 3);
    start(0x8000, 0x0, 0x1000, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    wait(105, SC_NS);
    dma->reset();
    CHECK_EQ(cpu.rd32(D::STATUS), 0);
    CHECK_EQ(cpu.rd64(D::SRC_LO), 0);
    unsigned char b[16], zero[16] = {0};
    cpu.rd(D::BUF, b, 16);
    CHECK(std::memcmp(b, zero, 16) == 0);
    wait(1, SC_US);
    CHECK_EQ(cpu.rd32(D::STATUS), 0);
    cpu.rd(D::BUF, b, 16);
    CHECK(std::memcmp(b, zero, 16) == 0);
    CHECK(!irq.read());

    start(0x8000, 0x0, 0x1000, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    wait(5, SC_NS);
    dma->reset();
    start(0x100, 0x0, 0x40, D::DIR_TO_LOCAL | D::CTRL_IRQ_EN);
    CHECK_EQ(complete(), D::STATUS_DONE);
    CHECK(buffer_is(0, 0x100, 0x40));
    CHECK_EQ(cpu.rd32(D::XFERRED), 0x40);
}

static void factory_errors()
{
    check_refused("d0", "dma", 0x1fff, 0, {}, "size", __LINE__);
    check_refused("d1", "dma", 0x2000, 0, {{"chunk", "0"}}, "'chunk'", __LINE__);
    check_refused("d2", "dma", 0x2000, 0, {{"buffer_size", "0x1001"}}, "size", __LINE__);
    check_refused("d3", "dma", 0x2000, 0, {{"burst", "4"}}, "'burst'", __LINE__);
}

// One sub-test on a fresh dma model, in a simulation of its own.
static void run_test(void (Top::*test)())
{
    ModelConfig dc = make_cfg("dma0", "dma", 0x2000, 5);
    dc.params["chunk"] = "64";
    std::unique_ptr<sclink::Model> m = create(dc);
    if (!CHECK(m && m->dma_initiator() && m->irq_out()))
        return;
    m->reset(); // before the simulation starts, as a gateway may
    Top top("top", m.get(), test);
    sc_start();
    CHECK(top.finished);
    CHECK(!sc_pending_activity());
}

static const ScCase cases[] = {
    {"factory_errors", factory_errors},
    {"directions", [] { run_test(&Top::test_directions); }},
    {"errors", [] { run_test(&Top::test_errors); }},
    {"ranges_that_wrap", [] { run_test(&Top::test_ranges_that_wrap); }},
    {"busy_and_irq_enable", [] { run_test(&Top::test_busy_and_irq_enable); }},
    {"registers", [] { run_test(&Top::test_registers); }},
    {"reset", [] { run_test(&Top::test_reset); }},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
