// SystemC tests of sclink::Router: small memory targets behind a router,
// one SC_THREAD driving transactions and checking where they landed.
// Each check prints one line; the exit status is the number of failures.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "router.h"
#include "../common/sc-check.h"

using namespace sc_core;
using tlm::tlm_generic_payload;

// An extension the router knows nothing about.
struct TagExt : tlm::tlm_extension<TagExt> {
    int tag = 0;
    tlm::tlm_extension_base *clone() const override { return new TagExt(*this); }
    void copy_from(const tlm::tlm_extension_base &e) override
    {
        tag = static_cast<const TagExt &>(e).tag;
    }
};

// A memory that remembers what the last transaction looked like on arrival.
struct Mem : sc_module {
    tlm_utils::simple_target_socket<Mem> socket;
    std::vector<unsigned char> data;
    bool dmi_ok;
    sc_time latency{5, SC_NS};

    unsigned calls = 0;
    uint64_t last_addr = ~0ull;
    unsigned last_len = 0, last_sw = 0, last_be_len = 0;
    const unsigned char *last_be = nullptr;
    TagExt *last_ext = nullptr;
    uint64_t fail_addr = ~0ull; // answers GENERIC_ERROR here

    Mem(sc_module_name n, size_t size, bool dmi)
        : sc_module(n), socket("socket"), data(size, 0), dmi_ok(dmi)
    {
        socket.register_b_transport(this, &Mem::b_transport);
        socket.register_transport_dbg(this, &Mem::transport_dbg);
        socket.register_get_direct_mem_ptr(this, &Mem::get_dmi);
    }

    void record(tlm_generic_payload &tx)
    {
        calls++;
        last_addr = tx.get_address();
        last_len = tx.get_data_length();
        last_sw = tx.get_streaming_width();
        last_be = tx.get_byte_enable_ptr();
        last_be_len = tx.get_byte_enable_length();
        last_ext = tx.get_extension<TagExt>();
    }

    unsigned copy(tlm_generic_payload &tx)
    {
        uint64_t a = tx.get_address();
        unsigned len = tx.get_data_length();
        if (a >= data.size() || len > data.size() - a)
            return 0;
        if (tx.is_write())
            std::memcpy(&data[a], tx.get_data_ptr(), len);
        else
            std::memcpy(tx.get_data_ptr(), &data[a], len);
        return len;
    }

    void b_transport(tlm_generic_payload &tx, sc_time &t)
    {
        record(tx);
        t += latency;
        if (tx.get_address() == fail_addr) {
            tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
            return;
        }
        tx.set_response_status(copy(tx) ? tlm::TLM_OK_RESPONSE
                                         : tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }

    unsigned transport_dbg(tlm_generic_payload &tx)
    {
        record(tx);
        return copy(tx);
    }

    // Grants the whole memory, or refuses leaving the initiator's range
    // alone ([0, 2^64-1] after tlm_dmi::init()), as most targets do.
    bool get_dmi(tlm_generic_payload &tx, tlm::tlm_dmi &dmi)
    {
        record(tx);
        if (!dmi_ok)
            return false;
        dmi.set_dmi_ptr(data.data());
        dmi.set_start_address(0);
        dmi.set_end_address(data.size() - 1);
        dmi.allow_read_write();
        return true;
    }

    void invalidate(uint64_t lo, uint64_t hi)
    {
        socket->invalidate_direct_mem_ptr(lo, hi);
    }
};

struct Init : sc_module {
    tlm_utils::simple_initiator_socket<Init> socket;
    std::vector<std::pair<uint64_t, uint64_t>> invalidated;

    explicit Init(sc_module_name n) : sc_module(n), socket("socket")
    {
        socket.register_invalidate_direct_mem_ptr(this, &Init::invalidate);
    }
    void invalidate(sc_dt::uint64 lo, sc_dt::uint64 hi)
    {
        invalidated.emplace_back(lo, hi);
    }
};

static bool has_range(const Init &i, uint64_t lo, uint64_t hi)
{
    for (const auto &r : i.invalidated)
        if (r.first == lo && r.second == hi)
            return true;
    return false;
}

static void setup(tlm_generic_payload &tx, tlm::tlm_command cmd, uint64_t addr,
                  unsigned char *buf, unsigned len)
{
    tx.set_command(cmd);
    tx.set_address(addr);
    tx.set_data_ptr(buf);
    tx.set_data_length(len);
    tx.set_streaming_width(len);
    tx.set_byte_enable_ptr(nullptr);
    tx.set_byte_enable_length(0);
    tx.set_dmi_allowed(false);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

// The platform:
//   0x0000_0000 +0x1_0000  ram  (priority 0, DMI)
//   0x0000_1000 +0x1000    rom  (priority 1: shadows ram there)
//   0x1000_0000 +0x1000    uart (no DMI, unnamed: named after its socket)
//   0x2000_0000 +0x2000    win  -> win target 0x8000 (DMI)
//   0x3000_0000 +0x1000    alias -> win target 0x0000
// and a second router with a default target.
struct Top : sc_module {
    Init cpu, dma;
    sclink::Router router;
    Mem ram, rom, uart, win;

    Init cpu2;
    sclink::Router router2;
    Mem dev, bus;

    // 40 windows of 0x10 bytes crowded at 0x1000 and one far away: the
    // map's bucket index must search within a bucket.
    Init cpu3;
    sclink::Router router3;
    Mem many, far;

    // 300 windows, aligned and not, large and small: pure and mixed
    // buckets of b_transport's slot table.  And a window at the top of the
    // space.
    Init cpu4;
    sclink::Router router4;
    Mem tbl;
    Init cpu5;
    sclink::Router router5;
    Mem top;

    Init badcpu;
    sclink::Router bad;
    Mem bad0;
    std::string bad_error;
    bool bad_built = true;

    bool finished = false;
    void (Top::*test)();

    SC_HAS_PROCESS(Top);
    Top(sc_module_name n, void (Top::*test_)())
        : sc_module(n), cpu("cpu"), dma("dma"),
          router("router", sc_time(10, SC_NS)), ram("ram", 0x10000, true),
          rom("rom", 0x1000, true), uart("uart", 0x1000, false),
          win("win", 0x10000, true), cpu2("cpu2"), router2("router2"),
          dev("dev", 0x1000, false), bus("bus", 0x100000, false),
          cpu3("cpu3"), router3("router3", sc_time(1, SC_NS)),
          many("many", 0x1000, false), far("far", 0x100, false),
          cpu4("cpu4"), router4("router4"), tbl("tbl", 0x100000, false),
          cpu5("cpu5"), router5("router5"), top("top", 0x1000, false),
          badcpu("badcpu"), bad("bad"),
          bad0("bad0", 0x100, false), test(test_)
    {
        cpu.socket.bind(router.in);
        dma.socket.bind(router.in);
        router.bind(ram.socket, 0x0, 0x10000, 0, 0, "ram");
        router.bind(rom.socket, 0x1000, 0x1000, 0, 1, "rom");
        router.bind(uart.socket, 0x10000000, 0x1000);
        unsigned w = router.bind(win.socket, 0x20000000, 0x2000, 0x8000, 0, "win");
        router.map(w, 0x30000000, 0x1000, 0, 0, "alias");

        cpu2.socket.bind(router2.in);
        router2.bind(dev.socket, 0x1000, 0x1000, 0, 0, "dev");
        router2.bind_default(bus.socket, "bus");

        cpu3.socket.bind(router3.in);
        unsigned m = router3.bind(many.socket, 0x1000, 0x10, 0x0);
        for (unsigned i = 1; i < 40; i++)
            router3.map(m, 0x1000 + i * 0x20, 0x10, i * 0x10);
        router3.bind(far.socket, 0xf000000000000000ull, 0x100);

        cpu4.socket.bind(router4.in);
        unsigned t4 = router4.bind(tbl.socket, table_base(0), table_size(0),
                                   table_offset(0));
        for (unsigned i = 1; i < kTableWindows; i++)
            router4.map(t4, table_base(i), table_size(i), table_offset(i));
        cpu5.socket.bind(router5.in);
        router5.bind(top.socket, ~0ull - 0xfff, 0x1000, 0, 0, "top");
        // Over 4 GiB, ending 0x800 into a 4 GiB block: see test_wide().
        router5.map(0, kWideBase, kWideSize, 0, 0, "wide");

        // Two equal-priority windows overlapping on [0x80, 0xff].
        badcpu.socket.bind(bad.in);
        unsigned b = bad.bind(bad0.socket, 0x0, 0x100, 0, 0, "first");
        bad.map(b, 0x80, 0x100, 0, 0, "second");
        bad_built = bad.build(bad_error);

        SC_THREAD(run);
    }

    void test_routing();
    void test_errors();
    void test_debug();
    void test_dmi();
    void test_invalidate();
    void test_passthrough();
    void test_default();
    void test_print();
    void test_rebuild();
    void test_zero_length();
    void test_crowded();
    void test_table();
    void test_nb_transport();
    void test_wide();
    static const uint64_t kWideBase = 0x4fffff000ull;
    static const uint64_t kWideSize = 0x100000800ull; // last 0x5fffff7ff

    static const unsigned kTableWindows = 300;
    static uint64_t table_base(unsigned i)
    {
        return 0x10000 + i * 0x4000ull + (i % 4 == 0 ? 0 : (i * 0x17) % 0x800);
    }
    static uint64_t table_size(unsigned i)
    {
        return i % 5 == 0 ? 0x3000 : 0x10 + (i * 13) % 0x200;
    }
    static uint64_t table_offset(unsigned i) { return (i * 0x1000ull) % 0xfc000; }

    void run()
    {
        (this->*test)();
        finished = true;
    }
};

void Top::test_routing()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0xde, 0xad, 0xbe, 0xef};
    sc_time t = SC_ZERO_TIME;
    sc_time before = sc_time_stamp();

    setup(tx, tlm::TLM_WRITE_COMMAND, 0x20000010, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(win.last_addr, 0x8010);
    CHECK(std::memcmp(&win.data[0x8010], buf, 4) == 0);
    CHECK_EQ(tx.get_address(), 0x20000010); // restored
    // Routing latency (10 ns) plus the target's (5 ns), and no wait().
    CHECK(t == sc_time(15, SC_NS));
    CHECK(sc_time_stamp() == before);

    // The same target through its second window.
    setup(tx, tlm::TLM_WRITE_COMMAND, 0x30000020, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(win.last_addr, 0x20);
    CHECK_EQ(win.data[0x20], 0xde);

    // Shadowing: 0x1800 is rom's, 0x800 and 0x2800 ram's at the same offset.
    unsigned char r[4] = {0};
    rom.data[0x800] = 0x55;
    ram.data[0x800] = 0x11;
    ram.data[0x2800] = 0x22;
    setup(tx, tlm::TLM_READ_COMMAND, 0x1800, r, 1);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(r[0], 0x55);
    CHECK_EQ(rom.last_addr, 0x800);
    setup(tx, tlm::TLM_READ_COMMAND, 0x800, r, 1);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(r[0], 0x11);
    setup(tx, tlm::TLM_READ_COMMAND, 0x2800, r, 1);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(r[0], 0x22);
    CHECK_EQ(ram.last_addr, 0x2800);

    // The second initiator socket reaches the same map.
    setup(tx, tlm::TLM_WRITE_COMMAND, 0x10000ffc, buf, 4);
    dma.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(uart.last_addr, 0xffc);
}

void Top::test_errors()
{
    tlm_generic_payload tx;
    unsigned char buf[8] = {0};
    sc_time t = SC_ZERO_TIME;
    unsigned calls = ram.calls + rom.calls + uart.calls + win.calls;

    setup(tx, tlm::TLM_READ_COMMAND, 0x40000000, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(tx.get_address(), 0x40000000);

    // ram/rom boundary: crossing is an error, not a truncated access.
    setup(tx, tlm::TLM_READ_COMMAND, 0xffc, buf, 8);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // Past the end of win's window into the hole behind it.
    setup(tx, tlm::TLM_READ_COMMAND, 0x20001ffe, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(ram.calls + rom.calls + uart.calls + win.calls, calls);

    // A target's own error passes through unchanged.
    uart.fail_addr = 0x10;
    setup(tx, tlm::TLM_READ_COMMAND, 0x10000010, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_GENERIC_ERROR_RESPONSE);
    uart.fail_addr = ~0ull;

    // A streaming burst only has to fit its streaming width.
    setup(tx, tlm::TLM_READ_COMMAND, 0x10000ffc, buf, 8);
    tx.set_streaming_width(4);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(uart.last_addr, 0xffc);
    CHECK_EQ(uart.last_sw, 4);
}

void Top::test_debug()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {1, 2, 3, 4}, r[4] = {0};
    sc_time t = SC_ZERO_TIME;

    setup(tx, tlm::TLM_WRITE_COMMAND, 0x20000020, buf, 4);
    CHECK_EQ(cpu.socket->transport_dbg(tx), 4);
    CHECK_EQ(win.last_addr, 0x8020);
    CHECK_EQ(tx.get_address(), 0x20000020);
    CHECK(std::memcmp(&win.data[0x8020], buf, 4) == 0);

    setup(tx, tlm::TLM_READ_COMMAND, 0x20000020, r, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(std::memcmp(r, buf, 4) == 0);

    // A hole and a crossing access: no bytes, and the status says why.
    setup(tx, tlm::TLM_READ_COMMAND, 0x40000000, r, 4);
    CHECK_EQ(cpu.socket->transport_dbg(tx), 0);
    CHECK_EQ(tx.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    setup(tx, tlm::TLM_READ_COMMAND, 0xffe, r, 4);
    CHECK_EQ(cpu.socket->transport_dbg(tx), 0);
    CHECK_EQ(tx.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

void Top::test_dmi()
{
    tlm_generic_payload tx;
    tlm::tlm_dmi dmi;

    // ram grants all of itself; rom shadows 0x1000-0x1fff: below it...
    setup(tx, tlm::TLM_READ_COMMAND, 0x100, nullptr, 0);
    dmi.init();
    CHECK(cpu.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(dmi.get_start_address(), 0x0);
    CHECK_EQ(dmi.get_end_address(), 0xfff);
    CHECK(dmi.get_dmi_ptr() == ram.data.data());
    CHECK_EQ(tx.get_address(), 0x100);

    // ...and above it, with the pointer moved to the clipped start.
    setup(tx, tlm::TLM_READ_COMMAND, 0x2345, nullptr, 0);
    dmi.init();
    CHECK(cpu.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(dmi.get_start_address(), 0x2000);
    CHECK_EQ(dmi.get_end_address(), 0xffff);
    CHECK(dmi.get_dmi_ptr() == ram.data.data() + 0x2000);
    CHECK(dmi.is_read_write_allowed());

    // win: target 0x8000-0x9fff of a 64 KiB grant, back at 0x2000_0000.
    setup(tx, tlm::TLM_READ_COMMAND, 0x20000010, nullptr, 0);
    dmi.init();
    CHECK(cpu.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(win.last_addr, 0x8010);
    CHECK_EQ(dmi.get_start_address(), 0x20000000);
    CHECK_EQ(dmi.get_end_address(), 0x20001fff);
    CHECK(dmi.get_dmi_ptr() == win.data.data() + 0x8000);
    CHECK_EQ(tx.get_address(), 0x20000010);

    // uart refuses with [0, 2^64-1]: clipped to its window, not the map.
    setup(tx, tlm::TLM_READ_COMMAND, 0x10000004, nullptr, 0);
    dmi.init();
    CHECK(!cpu.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(dmi.get_start_address(), 0x10000000);
    CHECK_EQ(dmi.get_end_address(), 0x10000fff);
    CHECK(dmi.get_dmi_ptr() == nullptr);

    // A hole refuses for exactly the hole.
    setup(tx, tlm::TLM_READ_COMMAND, 0x18000000, nullptr, 0);
    dmi.init();
    CHECK(!cpu.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(dmi.get_start_address(), 0x10001000);
    CHECK_EQ(dmi.get_end_address(), 0x1fffffff);
}

void Top::test_invalidate()
{
    cpu.invalidated.clear();
    dma.invalidated.clear();

    win.invalidate(0x8100, 0x81ff);
    CHECK_EQ(cpu.invalidated.size(), 1);
    CHECK(has_range(cpu, 0x20000100, 0x200001ff));
    CHECK(has_range(dma, 0x20000100, 0x200001ff)); // every initiator

    // All of win: both of its windows, each clipped.
    cpu.invalidated.clear();
    win.invalidate(0x0, ~0ull);
    CHECK_EQ(cpu.invalidated.size(), 2);
    CHECK(has_range(cpu, 0x20000000, 0x20001fff));
    CHECK(has_range(cpu, 0x30000000, 0x30000fff));

    // ram is split by rom's shadow: two pieces, rom's range left alone.
    cpu.invalidated.clear();
    ram.invalidate(0x0, 0xffff);
    CHECK_EQ(cpu.invalidated.size(), 2);
    CHECK(has_range(cpu, 0x0, 0xfff));
    CHECK(has_range(cpu, 0x2000, 0xffff));

    // Outside every window of uart: nothing to tell the initiators.
    cpu.invalidated.clear();
    uart.invalidate(0x1000, 0x1fff);
    CHECK_EQ(cpu.invalidated.size(), 0);
}

void Top::test_passthrough()
{
    tlm_generic_payload tx;
    unsigned char buf[16] = {0};
    unsigned char be[4] = {0xff, 0, 0xff, 0};
    TagExt *ext = new TagExt;
    sc_time t = SC_ZERO_TIME;

    ext->tag = 42;
    setup(tx, tlm::TLM_WRITE_COMMAND, 0x20000040, buf, 16);
    tx.set_byte_enable_ptr(be);
    tx.set_byte_enable_length(4);
    tx.set_streaming_width(8);
    tx.set_extension(ext);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(win.last_addr, 0x8040);
    CHECK(win.last_be == be);
    CHECK_EQ(win.last_be_len, 4);
    CHECK_EQ(win.last_sw, 8);
    CHECK_EQ(win.last_len, 16);
    CHECK(win.last_ext == ext);
    CHECK_EQ(win.last_ext ? win.last_ext->tag : 0, 42);
    CHECK(tx.get_extension<TagExt>() == ext);
    CHECK(tx.get_byte_enable_ptr() == be);

    // The same through the debug path.
    setup(tx, tlm::TLM_READ_COMMAND, 0x30000000, buf, 4);
    tx.set_extension(ext);
    cpu.socket->transport_dbg(tx);
    CHECK(win.last_ext == ext);
    tx.clear_extension(ext);
    delete ext;
}

void Top::test_default()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {9, 8, 7, 6};
    sc_time t = SC_ZERO_TIME;
    tlm::tlm_dmi dmi;

    setup(tx, tlm::TLM_WRITE_COMMAND, 0x1004, buf, 4);
    cpu2.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(dev.last_addr, 0x4);

    // Unmapped addresses reach the default target unchanged.
    setup(tx, tlm::TLM_WRITE_COMMAND, 0x8000, buf, 4);
    cpu2.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(bus.last_addr, 0x8000);
    CHECK_EQ(bus.data[0x8000], 9);
    CHECK(t == sc_time(10, SC_NS)); // router2 has no latency

    // The default target's refusal is clipped to its piece of the space.
    setup(tx, tlm::TLM_READ_COMMAND, 0x8000, nullptr, 0);
    dmi.init();
    CHECK(!cpu2.socket->get_direct_mem_ptr(tx, dmi));
    CHECK_EQ(dmi.get_start_address(), 0x2000);
    CHECK_EQ(dmi.get_end_address(), ~0ull);

    // An access from dev's window into the default is still a crossing.
    setup(tx, tlm::TLM_READ_COMMAND, 0x1ffe, buf, 4);
    cpu2.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

void Top::test_print()
{
    std::string text = router.map_text();

    std::printf("%s", text.c_str());
    CHECK(text.find("0x0000000000000000  0x0000000000000fff  ram") != std::string::npos);
    CHECK(text.find("0x0000000000001000  0x0000000000001fff  rom") != std::string::npos);
    CHECK(text.find("0x0000000000002000  0x000000000000ffff  ram") != std::string::npos);
    CHECK(text.find("0x0000000010000000  0x0000000010000fff  top.uart.socket") != std::string::npos);
    CHECK(text.find("0x0000000030000000  0x0000000030000fff  alias") != std::string::npos);
    CHECK(router2.map_text().find("bus") != std::string::npos);

    // The C core's own overlap message, unchanged (its code is checked in
    // test-map.c).
    CHECK(!bad_built);
    CHECK(bad_error.find("overlap at") != std::string::npos);
    CHECK(bad_error.find("'first'") != std::string::npos);
    CHECK(bad_error.find("'second'") != std::string::npos);
    CHECK(bad_error.find("[0x0000000000000080-0x00000000000000ff]") != std::string::npos);
    // end_of_elaboration reported it too (as an error we made non-fatal).
    CHECK_EQ(sc_report_handler::get_count("sclink/router"), 1);
}

void Top::test_rebuild()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0};
    sc_time t = SC_ZERO_TIME;

    setup(tx, tlm::TLM_READ_COMMAND, 0x50000000, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);

    // A window added while running: rebuilt before the next access, and
    // DMI pointers given out under the old map are withdrawn.
    cpu.invalidated.clear();
    router.map(2, 0x50000000, 0x100, 0x200, 0, "uart-hi");
    setup(tx, tlm::TLM_READ_COMMAND, 0x50000000, buf, 4);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(uart.last_addr, 0x200);
    CHECK(has_range(cpu, 0x0, ~0ull));
}

// A length of 0 always fits (it names one address): it reaches the target
// translated, or a hole's address error.
void Top::test_zero_length()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0};
    sc_time t = SC_ZERO_TIME;
    unsigned calls = win.calls;

    setup(tx, tlm::TLM_READ_COMMAND, 0x20001fff, buf, 0);
    cpu.socket->b_transport(tx, t);
    CHECK_EQ(win.calls, calls + 1);
    CHECK_EQ(win.last_addr, 0x9fff);
    CHECK_EQ(win.last_len, 0);
    CHECK_EQ(tx.get_address(), 0x20001fff);
    CHECK(t == sc_time(15, SC_NS));

    calls = ram.calls + rom.calls + uart.calls + win.calls;
    setup(tx, tlm::TLM_READ_COMMAND, 0x40000000, buf, 0);
    cpu.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(ram.calls + rom.calls + uart.calls + win.calls, calls);
}

// Every window of a crowded map, in an order that defeats any cache of the
// last window, then the holes between them and the far target.
void Top::test_crowded()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0};
    sc_time t = SC_ZERO_TIME;
    bool all_ok = true, all_holes = true;
    unsigned calls = many.calls;

    for (unsigned k = 0; k < 40; k++) {
        unsigned i = (k * 17) % 40;
        setup(tx, tlm::TLM_READ_COMMAND, 0x1000 + i * 0x20 + 0xc, buf, 4);
        cpu3.socket->b_transport(tx, t);
        all_ok = all_ok && tx.is_response_ok() &&
                 many.last_addr == i * 0x10 + 0xc;
        setup(tx, tlm::TLM_READ_COMMAND, 0x1000 + i * 0x20 + 0x10, buf, 4);
        cpu3.socket->b_transport(tx, t);
        all_holes = all_holes &&
                    tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE;
    }
    CHECK(all_ok);
    CHECK(all_holes);
    CHECK_EQ(many.calls, calls + 40);
    // The last window crosses into the hole behind it.
    setup(tx, tlm::TLM_READ_COMMAND, 0x1000 + 39 * 0x20 + 0xe, buf, 4);
    cpu3.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    setup(tx, tlm::TLM_WRITE_COMMAND, 0xf0000000000000fcull, buf, 4);
    cpu3.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(far.last_addr, 0xfc);
}

// Every window's first and last byte reach the right target address, the
// bytes around it are holes, and an access over its end is an error, by
// b_transport and by debug transport.
void Top::test_table()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0};
    sc_time t = SC_ZERO_TIME;
    unsigned bad_hits = 0, bad_errors = 0, bad_dbg = 0;

    auto hit = [&](uint64_t addr, unsigned len, uint64_t taddr) {
        setup(tx, tlm::TLM_READ_COMMAND, addr, buf, len);
        cpu4.socket->b_transport(tx, t);
        if (!tx.is_response_ok() || tbl.last_addr != taddr ||
            tx.get_address() != addr)
            bad_hits++;
    };
    auto error = [&](uint64_t addr, unsigned len) {
        setup(tx, tlm::TLM_WRITE_COMMAND, addr, buf, len);
        cpu4.socket->b_transport(tx, t);
        if (tx.get_response_status() != tlm::TLM_ADDRESS_ERROR_RESPONSE ||
            tx.get_address() != addr)
            bad_errors++;
    };
    for (unsigned i = 0; i < kTableWindows; i++) {
        const uint64_t b = table_base(i), l = b + table_size(i) - 1;
        const uint64_t o = table_offset(i);
        hit(b, 1, o);
        hit(b, 4, o);
        hit(l, 1, o + table_size(i) - 1);
        hit(l - 3, 4, o + table_size(i) - 4);
        hit(b + table_size(i) / 2, 1, o + table_size(i) / 2);
        error(b - 1, 1);
        error(l + 1, 1);
        error(l - 1, 4);
        error(b - 2, 4);
        setup(tx, tlm::TLM_READ_COMMAND, l, buf, 1);
        if (cpu4.socket->transport_dbg(tx) != 1 ||
            tbl.last_addr != o + table_size(i) - 1)
            bad_dbg++;
    }
    CHECK_EQ(bad_hits, 0);
    CHECK_EQ(bad_errors, 0);
    CHECK_EQ(bad_dbg, 0);
    setup(tx, tlm::TLM_READ_COMMAND, ~0ull, buf, 1);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(top.last_addr, 0xfff);
    // Over the top of the space: wraps, so crosses.
    setup(tx, tlm::TLM_READ_COMMAND, ~0ull - 1, buf, 4);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(tx.get_address(), ~0ull - 1);
    setup(tx, tlm::TLM_READ_COMMAND, 0, buf, 4);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

// The router is loosely timed: nb_transport_fw is an error that no target
// sees (reported as sclink/router, which sc_main made non-fatal).
void Top::test_nb_transport()
{
    tlm_generic_payload tx;
    unsigned char buf[4] = {0};
    tlm::tlm_phase phase = tlm::BEGIN_REQ;
    sc_time t = SC_ZERO_TIME;
    unsigned calls = win.calls;
    int reports = sc_report_handler::get_count("sclink/router");

    setup(tx, tlm::TLM_READ_COMMAND, 0x20000000, buf, 4);
    CHECK(cpu.socket->nb_transport_fw(tx, phase, t) == tlm::TLM_COMPLETED);
    CHECK(tx.get_response_status() == tlm::TLM_COMMAND_ERROR_RESPONSE);
    CHECK_EQ(win.calls, calls);
    CHECK_EQ(sc_report_handler::get_count("sclink/router"), reports + 1);
}

// b_transport's fast path judges the fit on the low 32 bits of a
// segment's last address; where those alone would call a fitting access
// crossing (the segment ends 4 GiB + 1 byte after it), it must still
// reach the target, and an access over the real end must not.
void Top::test_wide()
{
    tlm_generic_payload tx;
    unsigned char buf[8] = {0};
    sc_time t = SC_ZERO_TIME;
    const uint64_t last = kWideBase + kWideSize - 1;
    unsigned calls = top.calls;

    setup(tx, tlm::TLM_READ_COMMAND, last - 0x100000001ull, buf, 4);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.is_response_ok());
    CHECK_EQ(top.calls, calls + 1);
    CHECK_EQ(top.last_addr, 0x7fe);
    CHECK_EQ(tx.get_address(), last - 0x100000001ull);
    // Across the 4 GiB boundary inside the window.
    setup(tx, tlm::TLM_WRITE_COMMAND, kWideBase + 0xffc, buf, 8);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(top.calls, calls + 2); // the target's own error: past its 4 KiB
    CHECK_EQ(top.last_addr, 0xffc);
    // Over the window's real end: the router's error, no target call.
    setup(tx, tlm::TLM_READ_COMMAND, last - 1, buf, 4);
    cpu5.socket->b_transport(tx, t);
    CHECK(tx.get_response_status() == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK_EQ(top.calls, calls + 2);
    setup(tx, tlm::TLM_READ_COMMAND, last - 3, buf, 4);
    cpu5.socket->b_transport(tx, t);
    CHECK_EQ(top.calls, calls + 3);
    CHECK_EQ(top.last_addr, kWideSize - 4);
}

// One sub-test on a fresh platform, in a simulation of its own.
static void run_test(void (Top::*test)())
{
    // The "bad" router's build error must not end the run: count it.
    sc_report_handler::set_actions("sclink/router", SC_ERROR, SC_DISPLAY);
    Top top("top", test);

    sc_start();
    CHECK(top.finished);
}

static const ScCase cases[] = {
    {"routing", [] { run_test(&Top::test_routing); }},
    {"errors", [] { run_test(&Top::test_errors); }},
    {"debug", [] { run_test(&Top::test_debug); }},
    {"dmi", [] { run_test(&Top::test_dmi); }},
    {"invalidate", [] { run_test(&Top::test_invalidate); }},
    {"passthrough", [] { run_test(&Top::test_passthrough); }},
    {"default", [] { run_test(&Top::test_default); }},
    {"print", [] { run_test(&Top::test_print); }},
    {"rebuild", [] { run_test(&Top::test_rebuild); }},
    {"zero_length", [] { run_test(&Top::test_zero_length); }},
    {"crowded", [] { run_test(&Top::test_crowded); }},
    {"table", [] { run_test(&Top::test_table); }},
    {"nb_transport", [] { run_test(&Top::test_nb_transport); }},
    {"wide", [] { run_test(&Top::test_wide); }},
};

int sc_main(int argc, char **argv)
{
    return run_cases(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}
